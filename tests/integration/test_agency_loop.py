"""Agencies behind adapters, end to end: delivery over signed webhooks and gRPC to the agency
simulator (a real process), callbacks through the gateway, the join back to one answer, agencies
that are down, parked tasks replayed by ops, returned tasks re-routed, forged callbacks refused,
and the adapter killed mid-delivery."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path

import httpx
import pytest

from onewindow_department_adapter.connectors.config import SHIPPED
from onewindow_gateway.agency_auth import department_secret
from onewindow_platform.signing import sign
from onewindow_platform.topics import TASKS
from tests.support.kafka_io import read_all
from tests.support.processes import wait_until
from tests.support.stack import CALLBACK_MASTER, Stack

pytestmark = pytest.mark.kafka

STARTUP = {"company_name": "北京一窗科技有限公司", "registered_capital": 100, "business_scope": "软件开发"}
STARTUP_DEPARTMENTS = {"110101.market-regulation", "110101.public-security", "110101.tax", "110101.hrss",
                       "110100.housing-fund"}


def fast_connectors(folder: Path) -> Path:
    """The shipped connector rules with a retry budget that runs out in seconds, not minutes."""
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in (("timeout_s: 5 ", "timeout_s: 1 "), ("max_attempts: 6 ", "max_attempts: 8 "),
                     ("backoff_initial_s: 0.5", "backoff_initial_s: 0.2"), ("backoff_max_s: 30", "backoff_max_s: 1"),
                     ("breaker_failures: 5 ", "breaker_failures: 3 "), ("breaker_open_s: 10 ", "breaker_open_s: 0.5 ")):
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "connectors.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def start_stack(root: Path, bootstrap: str, **extra_env: str) -> Stack:
    stack = Stack(root=root, bootstrap=bootstrap, topic_prefix=f"a{uuid.uuid4().hex[:8]}.", extra_env={
        "OW_CONNECTORS_FILE": str(fast_connectors(root)), "OW_SIMULATOR_COMPLETE_AFTER_S": "0.2", **extra_env})
    tokens = stack.write_tokens({"clerk": {"role": "clerk", "region_code": "110101"}, "ops": {"role": "ops"}})
    return stack.start(tokens)


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory):
    stack = start_stack(tmp_path_factory.mktemp("agency-stack"), kafka_bootstrap)
    yield stack
    assert stack.stop() == 0


@pytest.fixture
def simulator(stack: Stack):
    with httpx.Client(base_url=stack.simulator_url, timeout=10) as http:
        http.post("/control/reset")
        yield http
        http.post("/control/reset")


def submit(stack: Stack, item_code: str, fields: dict, region_code: str = "110101", token: str = "clerk") -> str:
    payload = {"item_code": item_code, "region_code": region_code, "channel": "counter", "fields": fields,
               "applicant": {"name": "李四", "id_number": "11010519491231002X", "phone": "13912345678"}}
    with stack.client(token) as http:
        response = http.post("/api/v1/applications", json=payload, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 202, response.text
    return str(response.json()["application_id"])


def case(stack: Stack, application_id: str) -> dict:
    with stack.client("ops") as http:
        return dict(http.get(f"/api/v1/applications/{application_id}").json())


def wait_for_case(stack: Stack, application_id: str, predicate, what: str, timeout_s: float = 60) -> dict:
    latest: dict = {}

    def check() -> bool:
        nonlocal latest
        latest = case(stack, application_id)
        return bool(predicate(latest))

    wait_until(check, timeout_s, f"{application_id}: {what}", on_timeout=lambda: json.dumps(latest, ensure_ascii=False))
    return latest


def all_done(body: dict) -> bool:
    """Completed, with every task's own completion seen too (task events and the application's
    completion come on different topics, so one can be read before the other)."""
    tasks = [t for t in body.get("tasks", []) if "回访" not in t["note"]]
    return body.get("status") == "completed" and bool(tasks) and all(t["status"] == "completed" for t in tasks)


def task_of(body: dict, department_code: str) -> dict:
    """The department's task ({} while routing has not planned it yet)."""
    return next((t for t in body.get("tasks", []) if t["department_code"] == department_code), {})


def delivery_attempts(stack: Stack, application_id: str, department_code: str) -> int:
    """How many times the adapter tried to deliver the case's task to the department (its own record,
    read once it recorded the delivery: a callback can complete the case while an attempt is under way)."""
    database = stack.root / "data" / "ow-department-adapter.db"
    row: tuple = ()

    def delivered() -> bool:
        nonlocal row
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT status, attempts FROM deliveries WHERE application_id = ?"
                               " AND department_code = ? AND kind = 'task'",
                               (application_id, department_code)).fetchone()
        return bool(row) and row[0] == "delivered"

    wait_until(delivered, 30, f"the adapter never recorded {application_id}'s delivery to {department_code}",
               on_timeout=lambda: str(row))
    return int(row[1])


def agency_tasks(simulator: httpx.Client, application_id: str) -> list[dict]:
    return list(simulator.get("/control/tasks", params={"application_id": application_id}).json())


def test_startup_bundle_completes_with_every_departments_result(stack: Stack, simulator: httpx.Client) -> None:
    application_id = submit(stack, "business.startup", STARTUP)
    done = wait_for_case(stack, application_id, all_done, "completed")
    assert done["outcome"] == "approved"
    assert {t["department_code"] for t in done["tasks"]} == STARTUP_DEPARTMENTS
    for task in done["tasks"]:
        assert task["status"] == "completed" and task["outcome"] == "approved"
        assert task["result_text"].endswith("已办结")
    received = agency_tasks(simulator, application_id)
    assert sorted(t["department_code"] for t in received) == sorted(STARTUP_DEPARTMENTS)
    assert {t["protocol"] for t in received if t["department_code"].endswith("public-security")} == {"grpc"}
    assert {t["protocol"] for t in received if t["department_code"].endswith(".tax")} == {"webhook"}


def test_a_sequential_step_waits_for_its_predecessors(stack: Stack, simulator: httpx.Client) -> None:
    simulator.put("/control/departments/330113.hrss", json={"then": "hold"})
    application_id = submit(stack, "welfare.subsistence-relief", {
        "residence_region": "330113001", "household_size": 2, "monthly_income": 900, "relief_reason": "illness"},
        region_code="330113", token="ops")
    body = wait_for_case(stack, application_id, lambda c: sum(t["status"] == "completed" for t in c["tasks"]) == 2,
                         "the two other checks completed")
    time.sleep(1.0)
    body = case(stack, application_id)
    assert task_of(body, "330113.civil-affairs")["status"] == "waiting"
    assert "330113.civil-affairs" not in {t["department_code"] for t in agency_tasks(simulator, application_id)}
    # HR&SS finishes its check; only now does civil affairs get the decision task.
    hrss_task = task_of(body, "330113.hrss")["task_id"]
    answer = simulator.post(f"/control/tasks/{hrss_task}/events", json={
        "department_code": "330113.hrss", "event": "completed", "outcome": "approved", "result_text": "核查通过"})
    assert answer.json()["gateway_status"] == 202
    done = wait_for_case(stack, application_id, all_done, "completed after the decision")
    assert task_of(done, "330113.civil-affairs")["status"] == "completed"


def test_an_agency_down_for_a_while_gets_its_task_once_it_is_back(stack: Stack, simulator: httpx.Client) -> None:
    simulator.put("/control/departments/110101.tax", json={"mode": "down"})
    application_id = submit(stack, "business.startup", STARTUP)
    time.sleep(1.5)  # a few failed attempts, inside the budget
    assert "110101.tax" not in {t["department_code"] for t in agency_tasks(simulator, application_id)}
    simulator.put("/control/departments/110101.tax", json={"mode": "normal"})
    wait_for_case(stack, application_id, all_done, "completed")
    tax = [t for t in agency_tasks(simulator, application_id) if t["department_code"] == "110101.tax"]
    assert len(tax) == 1 and tax[0]["receipts"] == 1
    assert delivery_attempts(stack, application_id, "110101.tax") > 1, "the outage never made the adapter retry"


def test_a_slow_agency_still_sees_each_task_once(stack: Stack, simulator: httpx.Client) -> None:
    simulator.put("/control/departments/110101.hrss", json={"mode": "slow", "slow_s": 1.5})
    application_id = submit(stack, "business.startup", STARTUP)
    wait_until(lambda: any(t["department_code"] == "110101.hrss" for t in agency_tasks(simulator, application_id)),
               30, "the slow agency never stored the task")
    simulator.put("/control/departments/110101.hrss", json={"mode": "normal"})
    wait_for_case(stack, application_id, all_done, "completed")
    hrss = [t for t in agency_tasks(simulator, application_id) if t["department_code"] == "110101.hrss"]
    assert len(hrss) == 1  # retried after timeouts, one task at the agency (same Idempotency-Key)
    assert delivery_attempts(stack, application_id, "110101.hrss") > 1, "no attempt timed out and was retried"


@pytest.mark.parametrize(("mode", "symptom"), [("down", "HTTP 503"), ("garbage", "not JSON")])
def test_parked_task_is_visible_and_ops_replays_it(stack: Stack, simulator: httpx.Client, mode: str,
                                                   symptom: str) -> None:
    """An agency down (or answering garbage) past the retry budget: the task is parked, shows on
    the case and in the ops list, and an ops replay delivers it once the agency is back."""
    simulator.put("/control/departments/110101.market-regulation", json={"mode": mode})
    application_id = submit(stack, "business.startup", STARTUP)
    body = wait_for_case(stack, application_id,
                         lambda c: task_of(c, "110101.market-regulation").get("status") == "delivery_parked", "parked")
    parked_task = task_of(body, "110101.market-regulation")
    assert symptom in parked_task["note"]
    # Operators' DLQ tooling sees the parked delivery in the platform's one dead-letter scheme.
    def dead_letters() -> list:
        return [r for r in read_all(stack.bootstrap, stack.topic_prefix + TASKS.dlq, 0, timeout_s=5)
                if r.headers.get("ow-dlq-task-id") == parked_task["task_id"].encode()]
    wait_until(lambda: bool(dead_letters()), 30, "no DLQ copy of the parked task")
    dlq = dead_letters()
    assert len(dlq) == 1 and dlq[0].headers["ow-dlq-reason"] == b"delivery-budget-spent"
    assert symptom in dlq[0].headers["ow-dlq-error"].decode()
    with stack.client("ops") as http:
        parked = http.get("/api/v1/ops/parked-tasks").json()
        assert parked_task["task_id"] in [p["task_id"] for p in parked]
        simulator.put("/control/departments/110101.market-regulation", json={"mode": "normal"})
        assert http.post(f"/api/v1/ops/tasks/{parked_task['task_id']}/replay").status_code == 202
        assert http.post(f"/api/v1/ops/tasks/{parked_task['task_id']}/replay").status_code == 409
    with stack.client("clerk") as http:
        assert http.get("/api/v1/ops/parked-tasks").status_code == 403
    wait_for_case(stack, application_id, all_done, "completed after the replay")


def test_a_returned_task_is_rerouted_to_the_district_government(stack: Stack, simulator: httpx.Client) -> None:
    simulator.put("/control/departments/110101.tax", json={"then": "return", "reason": "非本单位事项"})
    application_id = submit(stack, "business.startup", STARTUP)
    done = wait_for_case(stack, application_id, all_done, "completed")
    moved = [t for t in done["tasks"] if t["department_code"] == "110101.district-government"]
    assert len(moved) == 1 and moved[0]["dispatch_number"] == 2 and moved[0]["status"] == "completed"
    assert "非本单位事项" in moved[0]["note"] and "110101.tax" not in {t["department_code"] for t in done["tasks"]}


def test_a_supplement_request_is_answered_and_the_task_completes(stack: Stack, simulator: httpx.Client) -> None:
    simulator.put("/control/departments/110101.tax", json={"then": "supplement", "missing_fields": ["business_scope"]})
    application_id = submit(stack, "business.startup", STARTUP)
    body = wait_for_case(stack, application_id, lambda c: c["status"] == "needs_supplement", "needs a supplement")
    tax = task_of(body, "110101.tax")
    assert tax["status"] == "needs_supplement" and "business_scope" in tax["note"]
    # The citizen is told exactly what is missing, in words (this applicant has a phone, no e-mail: SMS).
    with httpx.Client(base_url=stack.sms_url, timeout=10) as sms:
        wait_until(lambda: any(application_id in m["content"] and "经营范围" in m["content"]
                               for m in sms.get("/control/messages").json()), 30, "no SMS naming the missing field")
    other = task_of(body, "110101.hrss")["task_id"]
    with stack.client("clerk") as http:
        url = f"/api/v1/applications/{application_id}/supplements"
        assert http.post(url, json={"task_id": tax["task_id"], "fields": {"colour": "red"}}).status_code == 422
        assert http.post(url, json={"task_id": other, "fields": {"business_scope": "x"}}).status_code == 409
        sent = http.post(url, json={"task_id": tax["task_id"], "fields": {"business_scope": "软件开发、技术服务"}})
        assert sent.status_code == 202, sent.text
    done = wait_for_case(stack, application_id, all_done, "completed after the supplement")
    assert task_of(done, "110101.tax")["status"] == "completed"


def test_a_task_returned_too_often_goes_to_the_coordinator_queue(stack: Stack, simulator: httpx.Client) -> None:
    simulator.put("/control/departments/110101.tax", json={"then": "return"})
    simulator.put("/control/departments/110101.district-government", json={"then": "return"})
    application_id = submit(stack, "business.startup", STARTUP)
    body = wait_for_case(stack, application_id,
                         lambda c: any(t["status"] == "coordination" for t in c["tasks"]), "in the coordinator queue")
    queued = next(t for t in body["tasks"] if t["status"] == "coordination")
    assert queued["department_code"] == "110101.district-government" and "district government itself" in queued["note"]
    with stack.client("ops") as http:
        queue = http.get("/api/v1/ops/coordination").json()
    assert application_id in [c["application_id"] for c in queue]


def test_forged_replayed_and_other_agency_callbacks_are_rejected(stack: Stack, simulator: httpx.Client) -> None:
    simulator.put("/control/departments/110101.tax", json={"then": "hold"})
    application_id = submit(stack, "business.startup", STARTUP)
    body = wait_for_case(stack, application_id, lambda c: task_of(c, "110101.tax").get("status") == "delivered",
                         "tax delivered")
    task_id = task_of(body, "110101.tax")["task_id"]
    url = f"{stack.url}/api/v1/agency/tasks/{task_id}/events"
    payload = json.dumps({"event": "acknowledged", "callback_id": "cb-1"}).encode()
    with httpx.Client(timeout=10, headers={"Content-Type": "application/json"}) as http:
        # Another agency's valid token: not its task.
        other = {"Authorization": f"Bearer {stack.agency_tokens['110101.hrss']}"}
        assert http.post(url, content=payload, headers=other).status_code == 404
        # A forged signature, and a stale one.
        secret = department_secret(CALLBACK_MASTER.encode(), "110101.tax")
        timestamp, signature = sign(b"not-the-secret-at-all", payload)
        forged = {"X-OW-Department": "110101.tax", "X-OW-Timestamp": timestamp, "X-OW-Signature": signature}
        assert http.post(url, content=payload, headers=forged).status_code == 401
        timestamp, signature = sign(secret, payload, int(time.time()) - 3600)
        stale = {"X-OW-Department": "110101.tax", "X-OW-Timestamp": timestamp, "X-OW-Signature": signature}
        assert http.post(url, content=payload, headers=stale).status_code == 401
        # A correctly signed callback works once; the same request again is a replay.
        timestamp, signature = sign(secret, payload)
        signed = {"X-OW-Department": "110101.tax", "X-OW-Timestamp": timestamp, "X-OW-Signature": signature}
        assert http.post(url, content=payload, headers=signed).status_code == 202
        assert http.post(url, content=payload, headers=signed).status_code == 401
        # Nobody at all.
        assert http.post(url, content=payload).status_code == 401
    wait_for_case(stack, application_id, lambda c: task_of(c, "110101.tax").get("status") == "acknowledged",
                  "acknowledged by the signed callback")


def test_adapter_killed_mid_delivery_neither_loses_nor_duplicates(kafka_bootstrap: str, tmp_path: Path) -> None:
    """An adapter whose 3rd successful agency call is followed by SIGKILL — the agency has the task,
    the adapter has not recorded it. The supervisor restarts it (as an orchestrator would) and, once
    the dead process's lease on the delivery lapses, the delivery is retried with the same
    Idempotency-Key."""
    stack = start_stack(tmp_path, kafka_bootstrap, OW_RUN_RESTART="1", OW_FAILPOINTS="delivery.after_agency_call=3",
                        OW_FAILPOINTS_ONCE_DIR=str(tmp_path / "failpoints"), OW_JOB_LEASE_S="3")
    try:
        ids = [submit(stack, "business.startup", STARTUP) for _ in range(2)]
        for application_id in ids:
            wait_for_case(stack, application_id, all_done, "completed", timeout_s=90)
        assert (tmp_path / "failpoints" / "delivery.after_agency_call").exists(), "the adapter was never killed"
        assert "ow-department-adapter exited with code -9; restarting it" in (tmp_path / "run.out").read_text()
        received: list[dict] = []

        def interrupted_delivery_came_again() -> bool:
            nonlocal received
            with httpx.Client(base_url=stack.simulator_url, timeout=10) as simulator:
                received = [t for application_id in ids for t in agency_tasks(simulator, application_id)]
            return max(t["receipts"] for t in received) == 2  # …and the agency recognised it

        wait_until(interrupted_delivery_came_again, 60, "the interrupted delivery was not retried")
        assert sorted(t["department_code"] for t in received) == sorted(list(STARTUP_DEPARTMENTS) * 2)
        assert len({t["task_id"] for t in received}) == len(received)  # one task per task at the agencies
    finally:
        assert stack.stop() == 0
