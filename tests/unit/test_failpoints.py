import subprocess
import sys


def test_unarmed_failpoints_do_nothing() -> None:
    from onewindow_platform.failpoints import arm, failpoint

    arm("")
    for _ in range(3):
        failpoint("consumer.after_commit")


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
