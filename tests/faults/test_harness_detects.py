"""The fault suite's detectors, each shown firing on a bug planted on purpose (#20).

A fault row is only worth its green if it would turn red when something is lost or done twice.
Planted bugs (`onewindow_platform.failpoints.fires`, armed only here) make the stack misbehave in
the ways the old table could not see, and each test asserts that the witness meant to catch it
did, and that the row fails:

- an outbox row deleted without being sent (routing)      → lost: the bus / agency / intake witnesses
- an event published again under a new event id (intake) → duplicated: the bus witness
- a 202 lost after the commit + a replay filed as new     → duplicated: the intake and agency witnesses
- a 202 that names no case                                → a submission that broke the client
- an e-mail sent a second time 8 s later (notification)   → duplicated: the mail witness, after the
                                                             quiescence wait (a fixed 2 s window missed it)
- an event consumed but never recorded (audit)            → lost: the audit record against the bus
- every submission refused                                → nothing accepted, unexpected refusals
- a service killed before any case was under way          → no evidence the fault hit work in flight
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.faults.conftest import StackFactory
from tests.faults.harness import cases_under_way, count_row, work_done_by
from tests.faults.load import Load
from tests.faults.test_faults import kill_and_wait_for_restart

pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]

PLANTED = {
    "ow-routing:outbox.drop_row": 7,
    "ow-intake:outbox.publish_copy": 5,
    "ow-gateway:gateway.lose_reply_after_commit": 2,
    "ow-intake:intake.replay_files_again": 1,
    "ow-gateway:gateway.reply_without_id": 4,
    "ow-notification:notification.send_again_later": 6,
    "ow-audit:audit.skip_event": 40,
}


def test_each_planted_bug_is_caught_by_its_witness(make_stack: StackFactory, tmp_path: Path) -> None:
    fired = tmp_path / "fired"
    stack = make_stack(OW_FAILPOINTS=",".join(f"{point}={n}" for point, n in PLANTED.items()),
                       OW_FAILPOINTS_ONCE_DIR=str(fired))
    load = Load(stack, count=10, rate_per_s=3.0).start()
    row = count_row(stack, "planted: outbox row dropped, event sent twice, 202 lost + replay filed anew, "
                    "202 without an id, an e-mail again 8 s later, an event the audit did not record", load,
                    time.monotonic(), planted=True)
    assert sorted(p.name for p in fired.glob("*")) == sorted(point.replace(":", ".") for point in PLANTED)
    assert not row.ok()
    # The dropped outbox row: a fact of a case never reached the bus, so something downstream is missing.
    assert row.lost_by["bus"] + row.lost_by["agency"] >= 1, row.findings
    # The copy under a new event id: one fact said twice on the bus.
    assert any("ApplicationAccepted" in f for f in row.findings.get("bus", []) if f.startswith("said twice")), \
        row.findings
    # The lost 202 whose retry was filed again: a second application for one submission, its tasks twice.
    assert any("filed 2×" in f for f in row.findings.get("intake", [])), row.findings
    assert row.twice_by["agency"] >= 1, row.findings
    # The 202 without an id: that submission is not silently dropped from the count.
    assert any("202 without an application id" in p for p in row.problems), row.problems
    # The late second e-mail: seen only because counting waited for quiescence.
    assert row.resent >= 1 and row.twice_by["mail"] >= 1, row.findings
    # The event the audit consumed but never recorded: on the bus, not on the record.
    assert row.lost_by["audit"] >= 1, row.findings


def test_a_row_where_nothing_was_accepted_or_nothing_was_under_way_fails(make_stack: StackFactory) -> None:
    stack = make_stack()
    refused = Load(stack, count=4, rate_per_s=4.0, token="clerk-linping").start()
    row = count_row(stack, "planted: every submission refused (a clerk of another region)", refused,
                    time.monotonic(), planted=True)
    assert not row.ok() and row.accepted == 0 and row.refused == 4
    assert any("no submission was accepted" in p for p in row.problems), row.problems
    assert any("refused unexpectedly" in p for p in row.problems), row.problems

    load = Load(stack, count=4, rate_per_s=4.0)
    baseline = work_done_by(stack, "routing", load)
    in_flight = cases_under_way(stack, load)  # nothing submitted yet
    kill_and_wait_for_restart(stack, "onewindow_routing")
    at_kill = work_done_by(stack, "routing", load)
    load.start()
    row = count_row(stack, "planted: routing killed before the load started", load, time.monotonic(),
                    in_flight=in_flight, planted=True,
                    evidence=lambda: {"routing work before the kill": at_kill - baseline,
                                      "after the restart": work_done_by(stack, "routing", load) - at_kill})
    assert row.lost == 0 and row.duplicated == 0, row.findings  # the system did nothing wrong …
    assert not row.ok()  # … but the row proved nothing, and says so
    assert "no case was under way when the fault hit" in row.problems
    assert any("routing work before the kill = 0" in p for p in row.problems), row.problems
