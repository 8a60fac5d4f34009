"""The platform's periodic plumbing: a step on its own thread that survives its failures, and a
turn that comes at most once per interval."""

from __future__ import annotations

import threading
import time

from onewindow_platform.periodic import AtMostEvery, Periodic


def test_a_failing_step_is_tried_again_and_the_final_run_comes_at_stop() -> None:
    calls: list[str] = []
    third = threading.Event()

    def step() -> None:
        calls.append("turn")
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        if len(calls) >= 3:
            third.set()

    periodic = Periodic("test", 0.01, step, final_run=True)
    stop = periodic.start()
    assert third.wait(10), "the step stopped after its failure"
    stop()
    turns = len(calls)
    assert turns >= 4  # the last one is the final run
    time.sleep(0.05)
    assert len(calls) == turns  # the thread is gone: no turn after stop


def test_at_most_every_gives_one_turn_per_interval_and_again_now_on_request() -> None:
    turn = AtMostEvery(3600)
    assert turn.due() and not turn.due()
    turn.again_now()
    assert turn.due() and not turn.due()
    assert not AtMostEvery(3600, first_due_now=False).due()
