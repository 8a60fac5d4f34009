"""Supervision's ladder under faults (#17): welfare checks whose agencies sit on their tasks, due
30 s after dispatch, so each task gets every step (预警, 签收超时, 催办, 督办, 通报) within a minute —
while the broker is SIGKILLed and restarted, and while one of two supervision instances is
SIGKILLed. A row is green when every step of every task is on the bus said by one event id
only, on the audit record once, and in the department's own system once (the agency simulator's
in-tray of notices), and the audit chain verifies.

The rows go in their own table: the load is not the start-up bundles of the main table but cases
nobody answers, so the witnesses are the bus, the audit record and the agencies' in-trays."""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from onewindow.supervision.v1.events_pb2 import SupervisionStep, SupervisionStepIssued
from tests.faults import witnesses as w
from tests.faults.harness import REPORT, Row, assert_clean, audit_verifies
from tests.integration.test_supervision import WELFARE_CHECK, minute_scale
from tests.support.kafka_io import decode_envelopes, read_all
from tests.support.processes import wait_until
from tests.support.stack import Stack

pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]

TABLE = "supervision's ladder (welfare checks nobody answers, due 30 s after dispatch)"
STEPS = {SupervisionStep.SUPERVISION_STEP_WARNING: "warning",
         SupervisionStep.SUPERVISION_STEP_SIGN_FOR_OVERDUE: "sign_for_overdue",
         SupervisionStep.SUPERVISION_STEP_URGE: "urge", SupervisionStep.SUPERVISION_STEP_NOTICE: "notice",
         SupervisionStep.SUPERVISION_STEP_CIRCULAR: "circular"}
CASES = 4


def _start(folder: Path, bootstrap: str, **env: str) -> Stack:
    folder.mkdir(parents=True, exist_ok=True)
    stack = Stack(root=folder, bootstrap=bootstrap, topic_prefix=f"v{uuid.uuid4().hex[:8]}.", extra_env={
        **minute_scale(folder), "OW_RUN_RESTART": "1", "OW_KAFKA_STARTUP_TIMEOUT_S": "120", **env})
    return stack.start(stack.write_tokens({"ops": {"role": "ops"}}))


def _file(stack: Stack) -> tuple[list[str], set[str]]:
    cases = []
    with stack.client("ops") as http:
        for _ in range(CASES):
            response = http.post("/api/v1/applications", json=WELFARE_CHECK,
                                 headers={"Idempotency-Key": uuid.uuid4().hex})
            assert response.status_code == 202, response.text
            cases.append(response.json()["application_id"])
    tasks = {t["task_id"] for case in cases for t in stack.wait_for_tasks(case, 2)["tasks"]}
    return cases, tasks


def _steps(stack: Stack, cases: list[str]) -> dict[tuple[str, str], set[str]]:
    """(task, step) → the event ids that said it on the bus."""
    said: dict[tuple[str, str], set[str]] = defaultdict(set)
    records = read_all(stack.bootstrap, stack.topic_prefix + "onewindow.supervision.v1", timeout_s=5)
    for envelope in decode_envelopes(records):
        if envelope.application_id in cases and envelope.payload.Is(SupervisionStepIssued.DESCRIPTOR):
            step = SupervisionStepIssued()
            envelope.payload.Unpack(step)
            said[(step.task_id, STEPS[step.step])].add(envelope.event_id)
    return said


def _in_trays(stack: Stack, tasks: set[str]) -> Counter[tuple[str, str]]:
    """(task, step) → how many notices of it the department's system holds (one per key)."""
    held: Counter[tuple[str, str]] = Counter()
    with httpx.Client(base_url=stack.simulator_url, timeout=10) as simulator:
        for task in tasks:
            for notice in simulator.get("/control/notices", params={"task_id": task}).json():
                held[(task, str(notice["step"]))] += 1
    return held


def _ladder_row(stack: Stack, fault: str, cases: list[str], tasks: set[str], before: int,
                recovered_at: float) -> Row:
    wanted = {(task, step) for task in tasks for step in STEPS.values()}

    def done() -> bool:
        said = _steps(stack, cases)
        if not wanted <= set(said) or not wanted <= set(_in_trays(stack, tasks)):
            return False
        on_record = w.audit_store_of(stack).event_ids(set(cases))   # the audit catches up after the bus
        return all(on_record[e] for ids in said.values() for e in ids)

    # Until every witness has every step (or the time is up: what is missing then is lost).
    with contextlib.suppress(AssertionError):
        wait_until(done, 150, f"{fault}: the ladder did not finish", interval_s=1.0)
    recover_s = round(time.monotonic() - recovered_at, 1)
    time.sleep(3)                                              # anything said twice has had time to show
    said, held = _steps(stack, cases), _in_trays(stack, tasks)
    on_record = w.audit_store_of(stack).event_ids(set(cases))
    step_ids = {event_id for ids in said.values() for event_id in ids}
    in_flight = len(wanted) - before                            # steps still ahead when the fault hit
    evidence = {"steps before the fault": before, "steps after it": len(set(said) & wanted) - before}
    row = Row(fault=fault, submitted=len(cases), accepted=len(cases), in_flight=in_flight, table=TABLE,
              recover_s=recover_s, evidence=evidence)
    found: dict[str, list[str]] = {
        "bus": [f"{k} said by {len(v)} event ids" for k, v in said.items() if len(v) > 1]
        + [f"{k} missing" for k in wanted - set(said)],
        "agency": [f"{k} held {n} times" for k, n in held.items() if n > 1]
        + [f"{k} missing" for k in wanted - set(held)],
        "audit": [f"{e} recorded {on_record[e]} times" for e in step_ids if on_record[e] != 1],
    }
    row.lost = sum(1 for k in wanted if k not in said) + sum(1 for k in wanted if k not in held) + \
        sum(1 for e in step_ids if on_record[e] == 0)
    row.duplicated = sum(len(v) - 1 for v in said.values()) + sum(n - 1 for n in held.values()) + \
        sum(on_record[e] - 1 for e in step_ids if on_record[e] > 1)
    row.witnesses = {"intake": "–", "agency": "✓" if not found["agency"] else "✗", "mail": "–",
                     "bus": "✓" if not found["bus"] else "✗", "audit": "✓" if not found["audit"] else "✗"}
    row.audit_verifies, problem = audit_verifies(stack)
    row.problems = [f"{name}: {'; '.join(items[:3])}" for name, items in found.items() if items]
    if not row.audit_verifies:
        row.problems.append(f"audit chain: {problem}")
    if in_flight <= 0 or min(evidence.values(), default=0) <= 0:
        row.problems.append(f"the fault did not hit a ladder under way: {evidence}, in flight {in_flight}")
    row.detail = f"{len(wanted)} steps of {len(tasks)} tasks; " + ", ".join(f"{k} {v}" for k, v in evidence.items())
    REPORT.append(row)
    return row


def _steps_taken(stack: Stack, cases: list[str]) -> int:
    return len(_steps(stack, cases))


def test_the_broker_is_sigkilled_during_the_ladder(fault_broker: Any, tmp_path: Path) -> None:
    stack = _start(tmp_path / "broker", fault_broker.bootstrap)
    try:
        cases, tasks = _file(stack)
        wait_until(lambda: _steps_taken(stack, cases) >= 2, 60, "no supervision step before the fault")
        before = _steps_taken(stack, cases)
        fault_broker.kill()
        time.sleep(5)
        fault_broker.up()
        recovered_at = time.monotonic()
        row = _ladder_row(stack, "broker SIGKILL during the ladder, restarted after 5 s", cases, tasks, before,
                          recovered_at)
    finally:
        assert stack.stop() == 0
    assert_clean([row])


def test_one_of_two_supervision_instances_is_sigkilled_during_the_ladder(fault_broker: Any, tmp_path: Path) -> None:
    stack = _start(tmp_path / "two", fault_broker.bootstrap, OW_RUN_INSTANCES="2")
    try:
        cases, tasks = _file(stack)
        wait_until(lambda: _steps_taken(stack, cases) >= 2, 60, "no supervision step before the fault")
        before = _steps_taken(stack, cases)
        os.kill(stack.child_pid("onewindow_supervision", 2), signal.SIGKILL)
        recovered_at = time.monotonic()
        row = _ladder_row(stack, "two supervision instances, one SIGKILLed during the ladder (restarted)", cases,
                          tasks, before, recovered_at)
    finally:
        assert stack.stop() == 0
    assert_clean([row])
