"""OWASP API Security Top 10 (2023), walked endpoint by endpoint against the running stack.

API1 object-level authorization · API2 authentication · API3 property-level (mass assignment,
masked personal data) · API4 resource consumption (body and page-size caps, per-token rate
limits, failed-authentication limits) · API5 function-level authorization (ops endpoints) ·
API8 misconfiguration (/docs and CORS switchable). API7 (SSRF through agency URLs) and API10
(agency answers as untrusted input) are covered by the department-adapter's tests
(`test_agency_loop.py`, `test_adapter_rules.py`); API9 (inventory) by `/openapi.json` being the
one contract, checked by schemathesis in `test_api_schema.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.processes import wait_until
from tests.support.stack import Stack, free_port

pytestmark = pytest.mark.kafka

CITIZEN_ID = "11010519491231002X"
OTHER_ID = "110101199003074477"
PHONE = "13812345678"
STARTUP = {"company_name": "北京一窗科技有限公司", "registered_capital": 100, "business_scope": "软件开发"}


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory):
    stack = Stack(root=tmp_path_factory.mktemp("security"), bootstrap=kafka_bootstrap,
                  topic_prefix=f"s{uuid.uuid4().hex[:8]}.",
                  extra_env={"OW_SIMULATOR_DEFAULT_THEN": "hold", "OW_RATE_LIMIT_PER_S": "20",
                             "OW_RATE_LIMIT_BURST": "40", "OW_AUTH_FAILURES_PER_MIN": "20"})
    stack.start(stack.write_tokens({
        "clerk-dongcheng": {"role": "clerk", "region_code": "110101"},
        "clerk-xicheng": {"role": "clerk", "region_code": "110102"},
        "ops": {"role": "ops"},
        "citizen": {"role": "citizen", "id_number": CITIZEN_ID},
        "other-citizen": {"role": "citizen", "id_number": OTHER_ID},
        "flood": {"role": "clerk", "region_code": "110101"},
    }))
    yield stack
    assert stack.stop() == 0


@pytest.fixture(scope="module")
def case(stack: Stack) -> dict:
    payload = {"item_code": "business.startup", "region_code": "110101", "channel": "counter", "fields": STARTUP,
               "applicant": {"name": "张三", "id_number": CITIZEN_ID, "phone": PHONE, "email": "zs@example.cn"}}
    with stack.client("clerk-dongcheng") as http:
        accepted = http.post("/api/v1/applications", json=payload, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert accepted.status_code == 202, accepted.text
    view = stack.wait_for_tasks(accepted.json()["application_id"], 5)
    return view


def call(stack: Stack, who: str | None, method: str, path: str, **kwargs: object) -> httpx.Response:
    if who == "tax":
        headers = {"Authorization": f"Bearer {stack.agency_tokens['110101.tax']}"}
    elif who == "stranger-agency":
        headers = {"Authorization": f"Bearer {stack.agency_tokens['330100.traffic-police']}"}
    else:
        headers = {"Authorization": f"Bearer {stack.tokens[who]}"} if who else {}
    with httpx.Client(base_url=stack.url, headers=headers, timeout=30) as http:
        response = http.request(method, path, **kwargs)  # type: ignore[arg-type]
    # API3: whatever the answer, it never carries a full ID number or phone number.
    assert CITIZEN_ID not in response.text and PHONE not in response.text, (method, path, who)
    return response


def test_api1_object_level_authorization_case_by_case(stack: Stack, case: dict) -> None:
    app = case["application_id"]
    task = next(t for t in case["tasks"] if t["department_code"] == "110101.tax")
    expected = {  # who → status, for the case and its timeline
        "ops": 200, "clerk-dongcheng": 200, "clerk-xicheng": 404, "citizen": 200, "other-citizen": 404,
        "tax": 200, "stranger-agency": 404,
    }
    for who, status in expected.items():
        assert call(stack, who, "GET", f"/api/v1/applications/{app}").status_code == status, who
        if who not in ("tax", "stranger-agency"):
            assert call(stack, who, "GET", f"/api/v1/applications/{app}/timeline").status_code == status, who
    # Lists are scoped the same way: nobody lists their way into another region, person or department.
    assert call(stack, "clerk-xicheng", "GET", "/api/v1/applications", params={"region_code": "110101"}).status_code \
        == 403
    mine = call(stack, "other-citizen", "GET", "/api/v1/applications").json()["items"]
    assert app not in {item["application_id"] for item in mine}
    assert call(stack, "tax", "GET", "/api/v1/applications",
                params={"department_code": "110101.market-regulation"}).status_code == 403
    # An agency acts only on its own tasks; another agency's call is "no such task".
    event = {"event": "acknowledged", "callback_id": uuid.uuid4().hex}
    assert call(stack, "stranger-agency", "POST", f"/api/v1/agency/tasks/{task['task_id']}/events",
                json=event).status_code == 404
    assert call(stack, "tax", "POST", f"/api/v1/agency/tasks/{task['task_id']}/events", json=event).status_code \
        in (200, 202)
    # Supplements and ratings follow the case's scope.
    assert call(stack, "other-citizen", "POST", f"/api/v1/applications/{app}/supplements",
                json={"task_id": task["task_id"], "fields": {"x": 1}}).status_code == 404
    assert call(stack, "other-citizen", "POST", f"/api/v1/applications/{app}/satisfaction",
                json={"rating": "满意"}).status_code == 404


def test_api2_authentication_is_required_everywhere_but_health(stack: Stack, case: dict) -> None:
    app = case["application_id"]
    for method, path in [("GET", "/api/v1/applications"), ("POST", "/api/v1/applications"),
                         ("GET", f"/api/v1/applications/{app}"), ("GET", f"/api/v1/applications/{app}/timeline"),
                         ("GET", "/api/v1/ops/parked-tasks"), ("GET", "/api/v1/ops/audit/verify"),
                         ("GET", "/api/v1/me/notifications"), ("GET", "/api/v1/stats/satisfaction"),
                         ("POST", "/api/v1/agency/tasks/t-1/events"), ("POST", "/api/v1/providers/sms/receipts"),
                         ("GET", "/api/v1/catalog/items")]:
        response = call(stack, None, method, path, json={})
        assert response.status_code == 401, (method, path, response.status_code)
    assert call(stack, None, "GET", "/healthz").status_code == 200


def test_api3_no_mass_assignment_and_personal_data_masked(stack: Stack, case: dict) -> None:
    base = {"item_code": "business.startup", "region_code": "110101", "channel": "counter", "fields": STARTUP,
            "applicant": {"name": "张三", "id_number": CITIZEN_ID, "phone": PHONE}}
    for smuggled in ({"status": "completed"}, {"application_id": "110101-20260101-99999"},
                     {"applicant": {**base["applicant"], "subject_id": "someone-else"}}):  # type: ignore[dict-item]
        response = call(stack, "clerk-dongcheng", "POST", "/api/v1/applications", json={**base, **smuggled},
                        headers={"Idempotency-Key": uuid.uuid4().hex})
        assert response.status_code == 422, smuggled
    task = case["tasks"][0]
    assert call(stack, "tax", "POST", f"/api/v1/agency/tasks/{task['task_id']}/events",
                json={"event": "completed", "department_code": "110101.tax"}).status_code == 422
    assert call(stack, "citizen", "POST", f"/api/v1/applications/{case['application_id']}/satisfaction",
                json={"rating": "满意", "rated_by": "ops:x"}).status_code == 422
    shown = call(stack, "clerk-dongcheng", "GET", f"/api/v1/applications/{case['application_id']}").json()
    assert shown["applicant"]["id_number"].count("*") >= 8 and shown["applicant"]["phone"].count("*") >= 4


def test_api4_size_caps_and_per_token_rate_limits(stack: Stack) -> None:
    big = {"item_code": "business.startup", "region_code": "110101", "channel": "counter",
           "fields": {"business_scope": "x" * 70_000}, "applicant": {"name": "张三", "id_number": CITIZEN_ID,
                                                                     "phone": PHONE}}
    assert call(stack, "clerk-dongcheng", "POST", "/api/v1/applications", content=json.dumps(big),
                headers={"Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"}).status_code == 413
    assert call(stack, "ops", "GET", "/api/v1/applications", params={"page_size": 1000}).status_code == 422
    assert call(stack, "clerk-dongcheng", "POST", "/api/v1/applications", json=[1] * 10,
                headers={"Idempotency-Key": uuid.uuid4().hex}).status_code == 422

    with ThreadPoolExecutor(max_workers=8) as pool:  # one token, far above 20/s with bursts of 40
        # The catalogue needs no backend call, so the flood outpaces the refill however busy the machine is.
        responses = list(pool.map(lambda _: call(stack, "flood", "GET", "/api/v1/catalog/items"), range(300)))
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) >= 40 and statuses.count(429) > 0, statuses
    limited = next(r for r in responses if r.status_code == 429)
    assert int(limited.headers["Retry-After"]) >= 1
    # Another token is not slowed down by the flood.
    assert call(stack, "clerk-dongcheng", "GET", "/api/v1/applications").status_code == 200


def test_api5_function_level_authorization_of_ops_endpoints(stack: Stack, case: dict) -> None:
    ops_calls = [("GET", "/api/v1/ops/parked-tasks"), ("GET", "/api/v1/ops/coordination"),
                 ("GET", "/api/v1/ops/audit/verify"), ("GET", f"/api/v1/ops/traces/{'0' * 32}"),
                 ("POST", "/api/v1/ops/tasks/t-1/replay")]
    for who in ("clerk-dongcheng", "citizen", "tax"):
        for method, path in ops_calls:
            assert call(stack, who, method, path).status_code == 403, (who, path)
    assert call(stack, "ops", "GET", "/api/v1/ops/audit/verify").status_code == 200
    assert call(stack, "clerk-dongcheng", "GET", "/api/v1/me/notifications").status_code == 403
    assert call(stack, "tax", "POST", "/api/v1/applications", json={}).status_code in (403, 422)
    assert call(stack, "citizen", "GET", "/api/v1/stats/satisfaction").status_code == 403


def test_api2_failed_authentications_are_limited_per_address(stack: Stack) -> None:
    # Last in this module: it uses up this address's allowance of failed logins.
    statuses = [call_with_token(stack, f"guess-{n}") for n in range(30)]
    assert statuses[:10] == [401] * 10 and 429 in statuses, statuses


def call_with_token(stack: Stack, token: str) -> int:
    with httpx.Client(base_url=stack.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        return http.get("/api/v1/applications").status_code


def test_api8_docs_and_cors_are_switched_by_configuration(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "OW_GATEWAY_PORT": str(port), "OW_DATA_DIR": str(tmp_path), "OW_GATEWAY_DOCS": "false",
           "OW_GATEWAY_CORS_ORIGINS": "https://window.example.gov.cn", "OW_LOG_LEVEL": "WARNING"}
    gateway = subprocess.Popen([sys.executable, "-m", "onewindow_gateway"], env=env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, 30, "the gateway did not start")
        assert httpx.get(f"{url}/docs").status_code == 404
        assert httpx.get(f"{url}/openapi.json").status_code == 404
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
        allowed = httpx.options(f"{url}/api/v1/applications",
                                headers={"Origin": "https://window.example.gov.cn", **preflight})
        assert allowed.headers.get("access-control-allow-origin") == "https://window.example.gov.cn"
        other = httpx.options(f"{url}/api/v1/applications", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in other.headers
    finally:
        gateway.terminate()
        gateway.wait(timeout=30)


def test_api1_the_ledger_is_changed_by_its_owner_or_ops_and_rated_once_per_citizen(stack: Stack) -> None:
    project_id = f"PRJ-{uuid.uuid4().hex[:8]}"
    body = {"project_id": project_id, "title": "和平里社区加装电梯", "owner_department_code": "110101.tax",
            "region_code": "110101001", "milestones": [{"milestone_id": "m1", "title": "竣工", "due_on": "2099-01-01"}],
            "source_application_ids": ["110101-20261201-00001"]}
    assert call(stack, None, "GET", "/api/v1/ledger/projects").status_code == 401
    assert call(stack, "clerk-dongcheng", "POST", "/api/v1/ledger/projects", json=body).status_code == 403
    assert call(stack, "stranger-agency", "POST", "/api/v1/ledger/projects", json=body).status_code == 403
    assert call(stack, "tax", "POST", "/api/v1/ledger/projects", json=body | {"owner": "x"}).status_code == 422
    assert call(stack, "tax", "POST", "/api/v1/ledger/projects", json=body | {
        "milestones": [{"milestone_id": "m1", "title": "竣工", "due_on": "2099-02-30"}]}).status_code == 422
    created = call(stack, "tax", "POST", "/api/v1/ledger/projects", json=body)
    assert created.status_code == 201, created.text
    assert call(stack, "tax", "POST", "/api/v1/ledger/projects", json=body).json() == created.json()   # a retry
    assert call(stack, "ops", "POST", "/api/v1/ledger/projects",
                json=body | {"title": "另一个"}).status_code == 409
    progress = {"update_id": "u1", "percent_done": 100, "milestone_reached": "m1", "note": "电梯已通过验收"}
    url = f"/api/v1/ledger/projects/{project_id}"
    assert call(stack, "stranger-agency", "POST", f"{url}/progress", json=progress).status_code == 403
    assert call(stack, "citizen", "POST", f"{url}/ratings", json={"rating": "satisfied"}).status_code == 409
    assert call(stack, "tax", "POST", f"{url}/completion").status_code == 409          # m1 not reached
    assert call(stack, "tax", "POST", f"{url}/progress", json=progress).status_code == 201
    assert call(stack, "ops", "POST", f"{url}/completion").status_code == 201
    assert call(stack, "tax", "POST", f"{url}/ratings", json={"rating": "satisfied"}).status_code == 403
    assert call(stack, "citizen", "POST", f"{url}/ratings", json={"rating": "great"}).status_code == 422
    assert call(stack, "citizen", "POST", f"{url}/ratings", json={"rating": "satisfied"}).status_code == 201
    assert call(stack, "citizen", "POST", f"{url}/ratings", json={"rating": "dissatisfied"}).status_code == 409
    assert call(stack, "other-citizen", "POST", f"{url}/ratings", json={"rating": "dissatisfied"}).status_code == 201
    shown = call(stack, "clerk-xicheng", "GET", url).json()                 # everyone signed in reads the ledger
    assert shown["completed_on"] and shown["ratings"] == 2 and shown["satisfaction_rate"] == 0.5
    assert [u["note"] for u in shown["updates"]] == ["电梯已通过验收"] and not shown["behind_schedule"]
    assert call(stack, "ops", "GET", "/api/v1/ledger/projects/nope").status_code == 404
