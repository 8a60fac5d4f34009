"""Every step on record: the audit service chains every event, the timeline follows one case in
order with its trace ids, and tampering with the record is found and named."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid

import pytest

from tests.support.processes import wait_until
from tests.support.stack import Stack

pytestmark = pytest.mark.kafka

STARTUP = {"company_name": "北京一窗科技有限公司", "registered_capital": 100, "business_scope": "软件开发"}


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("audit-stack")
    stack = Stack(root=root, bootstrap=kafka_bootstrap, topic_prefix=f"u{uuid.uuid4().hex[:8]}.",
                  extra_env={"OW_SIMULATOR_COMPLETE_AFTER_S": "0.2"})
    stack.start(stack.write_tokens({"clerk": {"role": "clerk", "region_code": "110101"}, "ops": {"role": "ops"},
                                    "other-clerk": {"role": "clerk", "region_code": "110102"}}))
    yield stack
    assert stack.stop() == 0


def test_the_timeline_follows_a_case_in_order_and_the_chain_verifies(stack: Stack) -> None:
    payload = {"item_code": "business.startup", "region_code": "110101", "channel": "counter", "fields": STARTUP,
               "applicant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"}}
    with stack.client("clerk") as http:
        accepted = http.post("/api/v1/applications", json=payload, headers={"Idempotency-Key": uuid.uuid4().hex}).json()
    application_id, trace_id = accepted["application_id"], accepted["trace_id"]

    entries: list[dict] = []

    def completed_on_record() -> bool:
        nonlocal entries
        with stack.client("ops") as http:
            entries = http.get(f"/api/v1/applications/{application_id}/timeline").json()
        types = [e["event_type"] for e in entries]
        # Topics are read independently, so wait for the last of each kind, not just the completion.
        return "ApplicationCompleted" in types and types.count("TaskCompleted") == 5

    wait_until(completed_on_record, 90, "the completion never reached the audit record",
               on_timeout=lambda: str(entries))
    types = [e["event_type"] for e in entries]
    case_events = [t for t in types if t.startswith("Application")]  # one topic, so in their own order
    assert case_events[0] == "ApplicationAccepted" and case_events[-1] == "ApplicationCompleted"
    assert types.count("TaskDispatched") == 5 and types.count("TaskCompleted") == 5
    assert types.index("ApplicationRouted") < types.index("ApplicationCompleted")
    assert [e["sequence"] for e in entries] == sorted(e["sequence"] for e in entries)
    assert len({e["event_id"] for e in entries}) == len(entries)  # each event recorded once
    by_type = {e["event_type"]: e for e in entries}
    assert by_type["ApplicationAccepted"]["actor"].startswith("clerk:")
    assert by_type["TaskAcknowledged"]["actor"].startswith("agency:")
    for event_type in ("ApplicationAccepted", "ApplicationRouted", "TaskDispatched", "TaskAcknowledged"):
        assert by_type[event_type]["trace_id"] == trace_id, event_type  # one application, one trace
    with stack.client("other-clerk") as http:
        assert http.get(f"/api/v1/applications/{application_id}/timeline").status_code == 404
    with stack.client("ops") as http:
        verdict = http.get("/api/v1/ops/audit/verify").json()
    assert verdict["ok"] is True and verdict["records_checked"] >= len(entries)


def test_tampering_is_found_and_named(stack: Stack) -> None:
    database = stack.root / "data" / "ow-audit.db"
    with sqlite3.connect(database) as db:
        sequence = db.execute("SELECT MIN(sequence) + 2 FROM audit_log").fetchone()[0]
        db.execute("UPDATE audit_log SET actor = 'clerk:rewritten' WHERE sequence = ?", (sequence,))
    with stack.client("ops") as http:
        verdict = http.get("/api/v1/ops/audit/verify").json()
    assert {k: verdict[k] for k in ("ok", "records_checked", "first_bad_sequence", "problem")} == {
        "ok": False, "records_checked": sequence - 1, "first_bad_sequence": sequence,
        "problem": f"record {sequence} was modified"}
    command = subprocess.run([sys.executable, "-m", "onewindow_audit", "verify"], capture_output=True, text=True,
                             env={**os.environ, "OW_DATA_DIR": str(stack.root / "data")}, timeout=60)
    assert command.returncode == 1
    assert f"BROKEN at record {sequence}: record {sequence} was modified" in command.stdout
