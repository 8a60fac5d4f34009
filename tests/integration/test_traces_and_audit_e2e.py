"""Every step on record, end to end with every service as a process keeping its state in a real
PostgreSQL server (one database, a schema per service): one trace per case across all seven
services (span store, trace tree API and the `onewindow trace` command), staff opening a case is
on record, and the chain (with its signed checkpoints) verifies after services were SIGKILLed and
restarted mid-flow."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest

from onewindow_devtools.registry import OURS
from tests.support.processes import wait_until
from tests.support.stack import Stack

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

STARTUP = {"company_name": "北京一窗科技有限公司", "registered_capital": 100, "business_scope": "软件开发"}
# The services with spans in a case's trace. The audit opens none per event: each of its records
# names the span that published the event instead (asserted below).
SERVICES = {"ow-gateway", "ow-intake", "ow-routing", "ow-department-adapter", "agency-simulator", "ow-notification"}


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, postgres_server: str, tmp_path_factory: pytest.TempPathFactory):
    import psycopg

    name = f"stack_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    root = tmp_path_factory.mktemp("e2e-stack")
    stack = Stack(root=root, bootstrap=kafka_bootstrap, topic_prefix=f"e{uuid.uuid4().hex[:8]}.",
                  extra_env={"OW_SIMULATOR_COMPLETE_AFTER_S": "0.2", "OW_RUN_RESTART": "1",
                             "OW_DATABASE_URL": postgres_server.rsplit("/", 1)[0] + f"/{name}",
                             "OW_AUDIT_CHECKPOINT_INTERVAL_S": "1", "OTEL_BSP_SCHEDULE_DELAY": "200"})
    stack.start(stack.write_tokens({"clerk": {"role": "clerk", "region_code": "110101"}, "ops": {"role": "ops"}}))
    yield stack
    assert stack.stop() == 0


def submit(stack: Stack, email: bool = True) -> dict[str, Any]:
    applicant = {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"}
    if email:
        applicant["email"] = "zhangsan@example.cn"
    payload = {"item_code": "business.startup", "region_code": "110101", "channel": "counter", "fields": STARTUP,
               "applicant": applicant}
    with stack.client("clerk") as http:
        response = http.post("/api/v1/applications", json=payload, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 202, response.text
    return response.json()


def timeline_when(stack: Stack, application_id: str, done: Any, timeout_s: float = 120) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []

    def check() -> bool:
        nonlocal entries
        with stack.client("ops") as http:  # the timeline does not open the case: no access record
            response = http.get(f"/api/v1/applications/{application_id}/timeline")
        entries = response.json() if response.status_code == 200 else []
        return bool(done([e["event_type"] for e in entries]))

    wait_until(check, timeout_s, f"the timeline of {application_id} never got there", on_timeout=lambda: str(entries))
    return entries


def completed_and_notified(types: list[str]) -> bool:
    # Topics are read independently: wait for the last event of each kind the test looks at.
    return ("ApplicationCompleted" in types and types.count("TaskCompleted") == 5
            and "NotificationSent" in types)


def test_one_trace_across_every_service_as_a_tree_and_in_the_cli(stack: Stack) -> None:
    accepted = submit(stack)
    application_id, trace_id = accepted["application_id"], accepted["trace_id"]
    entries = timeline_when(stack, application_id, completed_and_notified)

    # The timeline: every event once, in order, all in the case's one trace.
    assert [e["sequence"] for e in entries] == sorted(e["sequence"] for e in entries)
    assert len({e["event_id"] for e in entries}) == len(entries)
    assert {e["trace_id"] for e in entries} == {trace_id}, entries
    types = [e["event_type"] for e in entries]
    assert types.count("TaskDispatched") == 5 and types.count("TaskAcknowledged") == 5

    tree: dict[str, Any] = {}
    recorded_spans = {e["span_id"] for e in entries}

    def every_span_exported() -> bool:
        # Spans are exported when they end, in batches; an event is published at its commit, which
        # can be before the span that staged it has ended — so the audit may record the event first.
        nonlocal tree
        with stack.client("ops") as http:
            response = http.get(f"/api/v1/ops/traces/{trace_id}")
        tree = response.json() if response.status_code == 200 else {}
        exported = {n["span_id"] for n in _walk(tree.get("roots", []))}
        return set(tree.get("services", [])) >= SERVICES and len(tree.get("roots", [])) == 1 \
            and recorded_spans <= exported

    wait_until(every_span_exported, 60, "not every service's spans reached the span store",
               on_timeout=lambda: str({k: v for k, v in tree.items() if k != "roots"}))
    nodes = list(_walk(tree["roots"]))
    root = tree["roots"][0]
    assert root["service"] == "ow-gateway" and root["name"].startswith("POST")
    names = {(n["service"], n["name"]) for n in nodes}
    for service in ("ow-routing", "ow-department-adapter", "ow-notification"):
        assert any(s == service and name.startswith("process ") for s, name in names), (service, names)
    # Every audit record points into the tree: at the span that published its event.
    span_ids = {n["span_id"] for n in nodes}
    assert {e["span_id"] for e in entries} <= span_ids, [e for e in entries if e["span_id"] not in span_ids]
    assert any(s == "agency-simulator" and name == "agency receive task" for s, name in names)
    assert any(s == "ow-notification" and name.startswith("notify ") for s, name in names)
    # The agency's callbacks come back into the same trace through the gateway.
    assert any(s == "ow-gateway" and "/agency/tasks/" in name for s, name in names), names
    for node in nodes:
        assert node["duration_ms"] >= 0 and node["start_ms"] >= 0
        for key, value in node["attributes"].items():
            assert "11010519491231002X" not in value and "13812345678" not in value, (key, value)

    # The ops command line prints the same: the timeline, then the tree.
    out = subprocess.run([sys.executable, "-m", "onewindow_gateway.cli", "trace", application_id],
                         env={**os.environ, "OW_GATEWAY_URL": stack.url, "OW_OPS_TOKEN": stack.tokens["ops"]},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    # (Later events — the rating invitation, say — may have joined the timeline since.)
    printed = int(out.stdout.split(f"Case {application_id}: ", 1)[1].split(" events", 1)[0])
    assert printed >= len(entries)
    assert f"Trace {trace_id}:" in out.stdout and "agency receive task" in out.stdout


def _walk(nodes: list[dict[str, Any]]) -> Any:
    for node in nodes:
        yield node
        yield from _walk(node["children"])


def test_staff_opening_a_case_is_on_record_and_citizen_data_stays_masked(stack: Stack) -> None:
    accepted = submit(stack)
    application_id = accepted["application_id"]
    timeline_when(stack, application_id, lambda types: "ApplicationRouted" in types)
    with stack.client("clerk") as http:
        case = http.get(f"/api/v1/applications/{application_id}").json()
    assert case["applicant"]["id_number"] != "11010519491231002X"
    entries = timeline_when(stack, application_id, lambda types: "ApplicationViewed" in types)
    viewed = [e for e in entries if e["event_type"] == "ApplicationViewed"]
    assert len(viewed) == 1 and viewed[0]["actor"].startswith("clerk:") and viewed[0]["service"] == "ow-intake"


def test_the_chain_verifies_after_services_are_killed_and_restarted(stack: Stack) -> None:
    first = submit(stack)
    for module in ("onewindow_audit", "onewindow_routing", "onewindow_notification"):
        os.kill(stack.child_pid(module), signal.SIGKILL)
        time.sleep(0.5)
    cases = [first, *(submit(stack) for _ in range(3))]
    for case in cases:
        timeline_when(stack, case["application_id"], completed_and_notified, timeout_s=180)

    # The checkpointer signs the head every second: wait until it covers everything recorded.
    verdict: dict[str, Any] = {}

    def signed_and_verified() -> bool:
        nonlocal verdict
        with stack.client("ops") as http:
            verdict = http.get("/api/v1/ops/audit/verify").json()
        return bool(verdict.get("ok")) and verdict.get("newest_checkpoint_sequence") == verdict["records_checked"]

    wait_until(signed_and_verified, 30, "the chain did not verify with a checkpoint at its head",
               on_timeout=lambda: str(verdict))
    assert verdict["checkpoints_checked"] >= 1
    # The operator's verifier (reading PostgreSQL directly) agrees.
    env = {**os.environ, "OW_DATABASE_URL": stack.extra_env["OW_DATABASE_URL"],
           "OW_DATA_DIR": str(stack.root / "data")}
    out = subprocess.run([sys.executable, "-m", "onewindow_audit", "verify"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and "audit chain OK" in out.stdout, out.stdout + out.stderr


def test_no_full_id_or_phone_number_in_any_topic_log_span_or_database(stack: Stack) -> None:
    """After the runs above (and one more case with a phone-only applicant, so SMS is used): no full
    ID-card or phone number in any record of any topic (keys, values, headers, DLQs), in any of our
    services' logs, in any exported span, or in plain text in any service's database file."""
    import re

    from tests.support.kafka_io import read_all

    accepted = submit(stack, email=False)
    timeline_when(stack, accepted["application_id"], lambda types: "NotificationSent" in types)
    secrets = [b"11010519491231002X", b"13812345678"]

    from onewindow_platform.topics import ALL_TOPICS

    for topic in ALL_TOPICS:
        for name in (stack.topic_prefix + topic.name, stack.topic_prefix + topic.dlq):
            for record in read_all(stack.bootstrap, name, timeout_s=10):
                blob = b"".join([record.key or b"", record.value or b"", *record.headers.values()])
                assert not any(s in blob for s in secrets), (name, record.offset)

    id_or_phone = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx]|1[3-9]\d{9})(?![\dA-Za-z])")
    logs = sorted((stack.root / ".run" / "logs").glob("ow-*.log"))
    assert [log.stem for log in logs] == sorted(c.name for c in OURS)   # every one of ours wrote its log
    for log in logs:
        text = log.read_text(errors="replace")
        assert not id_or_phone.search(text), (log.name, id_or_phone.search(text))

    import psycopg

    # Every row of every table of our services' schemas, as text (a BYTEA column as hex, so a
    # plain-text secret there would show as its hex). The spans live in the audit's schema.
    hex_secrets = [s.hex() for s in secrets]
    with psycopg.connect(stack.extra_env["OW_DATABASE_URL"]) as conn:
        tables = conn.execute("SELECT table_schema, table_name FROM information_schema.tables"
                              " WHERE table_schema IN ('intake', 'routing', 'department_adapter', 'notification',"
                              " 'audit')").fetchall()
        assert {schema for schema, _ in tables} == {"intake", "routing", "department_adapter", "notification", "audit"}
        spans = conn.execute("SELECT s::text FROM audit.spans s").fetchall()
        assert len(spans) > 50
        for (text,) in spans:
            assert not id_or_phone.search(text), text
        for schema, table in tables:  # personal data is sealed (AES-GCM) at rest, never in plain text
            for (text,) in conn.execute(f'SELECT t::text FROM "{schema}"."{table}" t'):
                assert not any(s.decode() in text or h in text for s, h in zip(secrets, hex_secrets, strict=True)), \
                    (schema, table)
