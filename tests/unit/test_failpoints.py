import subprocess
import sys


def test_unarmed_failpoints_do_nothing() -> None:
    code = (
        "from onewindow_platform.failpoints import arm, failpoint, fires\n"
        "arm('some.other.point=1')\n"
        "for i in range(3):\n"
        "    failpoint('consumer.after_commit')\n"
        "    assert not fires('outbox.drop_row')\n"
        "    print(i, flush=True)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout.split()) == (0, ["0", "1", "2"]), result.stderr


def test_a_planted_bug_fires_once_on_its_pass_and_never_kills() -> None:
    from onewindow_platform.failpoints import arm, fires

    try:
        arm("ow-intake:intake.replay_files_again=2,ow-gateway:gateway.reply_without_id=1", "ow-intake")
        assert [fires("intake.replay_files_again") for _ in range(4)] == [False, True, False, False]
        assert not fires("gateway.reply_without_id")  # armed for another service
    finally:
        arm("")


def test_an_armed_failpoint_kills_the_process_on_the_nth_pass() -> None:
    code = (
        "from onewindow_platform.failpoints import arm, failpoint\n"
        "arm('x.y=3')\n"
        "for i in range(5):\n"
        "    print(i, flush=True)\n"
        "    failpoint('x.y')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.returncode == -9
    assert result.stdout.split() == ["0", "1", "2"]


def test_a_failpoint_prefixed_with_a_service_is_armed_in_that_service_only() -> None:
    code = (
        "import sys\n"
        "from onewindow_platform.failpoints import arm, failpoint\n"
        "arm('ow-routing:x.y=2,ow-intake:x.y=1', sys.argv[1])\n"
        "for i in range(4):\n"
        "    print(i, flush=True)\n"
        "    failpoint('x.y')\n"
    )
    routing = subprocess.run([sys.executable, "-c", code, "ow-routing"], capture_output=True, text=True, timeout=30)
    other = subprocess.run([sys.executable, "-c", code, "ow-audit"], capture_output=True, text=True, timeout=30)
    assert (routing.returncode, routing.stdout.split()) == (-9, ["0", "1"])
    assert (other.returncode, other.stdout.split()) == (0, ["0", "1", "2", "3"])
