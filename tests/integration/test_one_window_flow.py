"""Accept, route and dispatch, end to end: the gateway, intake and routing as real processes on
the real broker. Each scenario of the shipped catalogue reaches the right departments at the
right levels with the right deadlines."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid

import pytest

from onewindow_catalog import WorkingCalendar
from onewindow_platform.topics import APPLICATIONS
from tests.support.kafka_io import decode_envelopes, read_all
from tests.support.stack import Stack

pytestmark = pytest.mark.kafka

CITIZEN_ID = "11010519491231002X"
OTHER_ID = "110101199003074477"  # valid check character, someone else


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("stack")
    # The simulated agencies take every task and hold it: these tests look at dispatch, not outcomes.
    stack = Stack(root=root, bootstrap=kafka_bootstrap, topic_prefix=f"e{uuid.uuid4().hex[:8]}.",
                  extra_env={"OW_SIMULATOR_DEFAULT_THEN": "hold"})
    tokens = stack.write_tokens({
        "clerk-dongcheng": {"role": "clerk", "region_code": "110101"},
        "clerk-xicheng": {"role": "clerk", "region_code": "110102"},
        "clerk-hangzhou": {"role": "clerk", "region_code": "330100"},
        "ops": {"role": "ops"},
        "citizen": {"role": "citizen", "id_number": CITIZEN_ID},
        "other-citizen": {"role": "citizen", "id_number": OTHER_ID},
        "agency-tax": {"role": "agency", "department_code": "110101.tax"},
    })
    stack.start(tokens)
    yield stack
    assert stack.stop() == 0


def body(item_code: str, region_code: str = "110101", fields: dict | None = None, channel: str = "counter",
         location: str | None = None, id_number: str = CITIZEN_ID) -> dict:
    payload = {"item_code": item_code, "region_code": region_code, "channel": channel,
               "applicant": {"name": "张三", "id_number": id_number, "phone": "13812345678",
                             "email": "zhangsan@example.cn"},
               "fields": fields or {}}
    if location:
        payload["location_region_code"] = location
    return payload


def submit(stack: Stack, payload: dict, token: str = "clerk-dongcheng", key: str | None = None) -> dict:
    with stack.client(token) as http:
        response = http.post("/api/v1/applications", json=payload,
                             headers={"Idempotency-Key": key or uuid.uuid4().hex})
    assert response.status_code == 202, response.text
    return response.json()


STARTUP = {"company_name": "北京一窗科技有限公司", "registered_capital": 100, "business_scope": "软件开发",
           "employees": 5}


def test_business_startup_bundle_dispatches_one_task_per_department(stack: Stack) -> None:
    accepted = submit(stack, body("business.startup", fields=STARTUP))
    assert accepted["status"] == "accepted" and len(accepted["trace_id"]) == 32
    case = stack.wait_for_tasks(accepted["application_id"], 5, token_name="clerk-dongcheng")
    assert case["applicant"] == {"name": "张*", "id_number": "110105********002X", "phone": "138****5678",
                                 "email": "z***@example.cn"}
    tasks = {t["department_code"]: t for t in case["tasks"]}
    assert set(tasks) == {"110101.market-regulation", "110101.public-security", "110101.tax", "110101.hrss",
                          "110100.housing-fund"}
    assert tasks["110100.housing-fund"]["level"] == "city" and tasks["110101.tax"]["level"] == "district"
    assert tasks["110101.market-regulation"]["department_name"] == "东城区市场监督管理局"
    submitted = dt.datetime.fromisoformat(case["submitted_at"].replace("Z", "+00:00"))
    expected_due, _ = WorkingCalendar().add_working_days(submitted, 1)
    for task in case["tasks"]:
        assert task["status"] in ("dispatched", "delivered")
        assert task["deadline"]["basis"] == "working_days" and task["deadline"]["amount"] == 1
        assert dt.datetime.fromisoformat(task["deadline"]["due_at"]) == expected_due
    assert case["status"] == "in_progress"


SCENARIOS = [
    # (token, payload, {department_code: level}, deadline basis, amount)
    ("clerk-dongcheng", body("complaint.noise", channel="hotline", location="110101001001",
                             fields={"description": "夜间施工", "noise_source": "construction"}),
     {"110101001.street-office": "street"}, "working_days", 7),
    ("clerk-dongcheng", body("complaint.heating", channel="hotline", location="110102001",
                             fields={"description": "暖气不热", "indoor_temperature": 14}),
     {"110102.heating": "district"}, "hours", 24),
    ("ops", body("complaint.water", region_code="131003", channel="hotline", location="131003001001",
                 fields={"description": "停水两天", "households_affected": 40}),
     {"131003.water": "district"}, "hours", 24),
    ("ops", body("complaint.road", region_code="520103", channel="app", location="520103001",
                 fields={"description": "路面塌陷", "road_name": "中华北路"}),
     {"520103.urban-management": "district"}, "working_days", 7),
    ("clerk-dongcheng", body("driving-licence.electronic", channel="app",
                             fields={"licence_number": "110101234567", "licence_issuing_region": "110102"}),
     {"110100.traffic-police": "city"}, "working_days", 1),
    ("clerk-dongcheng", body("real-estate.registration",
                             fields={"certificate_number": "京(2026)西城区不动产权第0001234号",
                                     "property_region": "110102", "transaction_price": 5200000}),
     {"110102.natural-resources": "district", "110102.tax": "district", "110102.housing": "district"},
     "working_days", 5),
    ("ops", body("welfare.elderly-check", region_code="442000003", channel="sensor", location="442000003001",
                 fields={"sensor_id": "WM-0042", "reading": "24h用水量<0.01m³"}),
     {"442000003001.community-committee": "community", "442000003.street-office": "street"}, "hours", 2),
]


@pytest.mark.parametrize(("token", "payload", "expected", "basis", "amount"), SCENARIOS,
                         ids=[s[1]["item_code"] for s in SCENARIOS])
def test_each_scenario_reaches_the_right_departments(stack: Stack, token: str, payload: dict,
                                                     expected: dict[str, str], basis: str, amount: int) -> None:
    accepted = submit(stack, payload, token=token)
    case = stack.wait_for_tasks(accepted["application_id"], len(expected))
    assert {t["department_code"]: t["level"] for t in case["tasks"]} == expected
    for task in case["tasks"]:
        assert (task["deadline"]["basis"], task["deadline"]["amount"]) == (basis, amount)
    if basis == "hours":
        submitted = dt.datetime.fromisoformat(case["submitted_at"].replace("Z", "+00:00"))
        due = dt.datetime.fromisoformat(case["tasks"][0]["deadline"]["due_at"])
        assert abs((due - submitted) - dt.timedelta(hours=amount)) < dt.timedelta(seconds=5)


def test_cross_region_vehicle_transfer_is_decided_where_the_vehicle_is_registered(stack: Stack) -> None:
    accepted = submit(stack, body("vehicle.transfer", fields={
        "plate_number": "浙A12345", "vin": "LSVAU2180N2123456", "vehicle_registration_region": "330113",
        "transaction_price": 80000}))
    case = stack.wait_for_tasks(accepted["application_id"], 1)
    assert [(t["department_code"], t["level"]) for t in case["tasks"]] == [("330100.traffic-police", "city")]
    assert case["receiving_region_code"] == "110101" and case["handling_region_code"] == "330100"
    assert case["cross_region"] is True and case["routing_fallback"] is False
    # Both sides of a cross-region case see it; an uninvolved region does not.
    for token in ("clerk-dongcheng", "clerk-hangzhou"):
        with stack.client(token) as http:
            assert http.get(f"/api/v1/applications/{accepted['application_id']}").status_code == 200
    with stack.client("clerk-xicheng") as http:
        assert http.get(f"/api/v1/applications/{accepted['application_id']}").status_code == 404


def test_a_vague_location_falls_back_to_the_district_government_and_is_flagged(stack: Stack) -> None:
    accepted = submit(stack, body("complaint.noise", channel="hotline", location="110102",
                                  fields={"description": "广场舞噪音", "noise_source": "other"}))
    case = stack.wait_for_tasks(accepted["application_id"], 1)
    assert [t["department_code"] for t in case["tasks"]] == ["110102.district-government"]
    assert case["routing_fallback"] is True and "兜底" in case["routing_note"]


def test_relief_bundle_fans_out_then_waits_for_the_decision_step(stack: Stack) -> None:
    accepted = submit(stack, body("welfare.subsistence-relief", region_code="330113", fields={
        "residence_region": "330113001", "household_size": 3, "monthly_income": 1200, "relief_reason": "illness"}),
        token="ops")
    case = stack.wait_for_tasks(accepted["application_id"], 3)
    status = {t["department_code"]: t["status"] for t in case["tasks"]}
    assert status.pop("330113.civil-affairs") == "waiting"
    assert set(status) == {"330113.hrss", "330113.medical-insurance", "330113.housing"}
    assert set(status.values()) <= {"dispatched", "delivered"}


def _accepted_events(stack: Stack) -> list:
    topic = stack.topic_prefix + APPLICATIONS.name
    return [e for e in decode_envelopes(read_all(stack.bootstrap, topic, timeout_s=10))
            if e.event_type.endswith("ApplicationAccepted")]


def test_the_same_idempotency_key_creates_one_application(stack: Stack) -> None:
    payload = body("business.startup", fields={**STARTUP, "company_name": "幂等测试有限公司"})
    key = "counter-3-" + uuid.uuid4().hex
    first = submit(stack, payload, key=key)
    again = submit(stack, payload, key=key)
    assert again["application_id"] == first["application_id"] and again["replayed"] is True
    with stack.client("clerk-dongcheng") as http:
        changed = http.post("/api/v1/applications", headers={"Idempotency-Key": key},
                            json={**payload, "fields": {**payload["fields"], "employees": 6}})
    assert changed.status_code == 409 and "Idempotency-Key" in changed.json()["detail"]
    with stack.client("clerk-dongcheng") as http:
        # An empty key (a shell without uuidgen) would file a new case on every retry: refused.
        empty = http.post("/api/v1/applications", headers={"Idempotency-Key": ""}, json=payload)
    assert empty.status_code == 422 and "Idempotency-Key is empty" in empty.json()["detail"]
    stack.wait_for_tasks(first["application_id"], 5)
    assert sum(e.application_id == first["application_id"] for e in _accepted_events(stack)) == 1
    # Intake's own store: one application with this company name, not one per request.
    with sqlite3.connect(f"file:{stack.root / 'data' / 'ow-intake.db'}?mode=ro", uri=True) as db:
        filed = [row[0] for row in db.execute(
            "SELECT application_id FROM applications WHERE json_extract(fields_json, '$.company_name') = ?",
            ("幂等测试有限公司",))]
    assert filed == [first["application_id"]]


BAD_INPUTS = [
    ("wrong ID check digit", {"applicant": {"name": "张三", "id_number": "110101199003071234", "phone": "13812345678"}},
     422, "applicant.id_number"),
    ("unknown item", {"item_code": "moon.landing"}, 422, "item_code"),
    ("unknown region", {"region_code": "119999"}, 422, "region_code"),
    ("missing field", {"fields": {"company_name": "缺字段公司", "registered_capital": 1}}, 422,
     "fields.business_scope"),
    ("bad channel", {"channel": "pigeon"}, 422, "channel"),
    ("unknown property", {"colour": "red"}, 422, "colour"),
]


@pytest.mark.parametrize(("case", "change", "code", "field"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_gets_a_clear_4xx_and_leaves_no_trace_in_kafka(stack: Stack, case: str, change: dict,
                                                                 code: int, field: str) -> None:
    before = len(_accepted_events(stack))
    payload = {**body("business.startup", fields=STARTUP), **change}
    with stack.client("ops") as http:  # ops may receive for any region, so the region check is intake's
        response = http.post("/api/v1/applications", json=payload)
    assert response.status_code == code, response.text
    errors = response.json()["errors"]
    assert field in [e["field"] for e in errors], errors
    assert all(e["message"] for e in errors)
    assert len(_accepted_events(stack)) == before


def test_oversized_body_is_refused_with_413(stack: Stack) -> None:
    payload = body("business.startup", fields={**STARTUP, "business_scope": "很" * 40_000})
    with stack.client("clerk-dongcheng") as http:
        response = http.post("/api/v1/applications", json=payload)
    assert response.status_code == 413


def test_authentication_and_authorization(stack: Stack) -> None:
    with stack.client(None) as anonymous:
        assert anonymous.get("/api/v1/catalog/items").status_code == 401
        assert anonymous.get("/healthz").status_code == 200
    # A clerk receives only at windows of their own region.
    with stack.client("clerk-xicheng") as http:
        response = http.post("/api/v1/applications", json=body("business.startup", fields=STARTUP))
    assert response.status_code == 403
    # A clerk cannot read another region's case; the owner region and ops can.
    mine = submit(stack, body("business.startup", fields=STARTUP))["application_id"]
    with stack.client("clerk-xicheng") as http:
        assert http.get(f"/api/v1/applications/{mine}").status_code == 404
        listed = http.get("/api/v1/applications").json()["items"]
        assert mine not in [a["application_id"] for a in listed]
    with stack.client("ops") as http:
        assert http.get(f"/api/v1/applications/{mine}").status_code == 200
    # A citizen sees their own case, not someone else's.
    other = submit(stack, body("business.startup", fields=STARTUP, id_number=OTHER_ID))["application_id"]
    with stack.client("citizen") as http:
        assert http.get(f"/api/v1/applications/{mine}").status_code == 200
        assert http.get(f"/api/v1/applications/{other}").status_code == 404
        own = [a["application_id"] for a in http.get("/api/v1/applications").json()["items"]]
        assert mine in own and other not in own
    # An agency sees the cases that have a task for it.
    stack.wait_for_tasks(mine, 5)
    with stack.client("agency-tax") as http:
        assert http.get(f"/api/v1/applications/{mine}").status_code == 200


def test_listing_is_paginated_and_filtered(stack: Stack) -> None:
    for _ in range(3):
        submit(stack, body("business.startup", fields=STARTUP))
    with stack.client("clerk-dongcheng") as http:
        first = http.get("/api/v1/applications", params={"page_size": 2}).json()
        assert len(first["items"]) == 2 and first["next_page_token"]
        second = http.get("/api/v1/applications", params={"page_size": 2, "page_token": first["next_page_token"]})
        ids = [a["application_id"] for a in first["items"] + second.json()["items"]]
        assert len(ids) == len(set(ids))
        assert http.get("/api/v1/applications", params={"page_size": 1000}).status_code == 422
        filtered = http.get("/api/v1/applications", params={"department_code": "110101.tax"}).json()["items"]
        assert filtered and all(any(t["department_code"] == "110101.tax" for t in a["tasks"]) for a in filtered)


def test_catalogue_endpoints(stack: Stack) -> None:
    with stack.client("clerk-dongcheng") as http:
        items = http.get("/api/v1/catalog/items").json()
        assert {i["code"] for i in items} >= {"business.startup", "vehicle.transfer", "complaint.noise"}
        detail = http.get("/api/v1/catalog/items/vehicle.transfer").json()
        assert detail["cross_region"] is True and detail["handling_mode"] == "proxy"
        assert {f["name"] for f in detail["fields"] if f["required"]} >= {"plate_number", "vin"}
        assert "机动车登记证书" in detail["materials"]
        assert http.get("/api/v1/catalog/items/nope").status_code == 404


def test_readiness(stack: Stack) -> None:
    with stack.client(None) as http:
        assert http.get("/readyz").json()["status"] == "ready"




def test_no_full_id_or_phone_number_in_plain_text_in_any_database_file(stack: Stack) -> None:
    """After the cases above, on the embedded SQLite layout (the PostgreSQL layout is checked the
    same way in test_traces_and_audit_e2e): personal data is sealed at rest."""
    submit(stack, body("business.startup", fields=STARTUP))
    secrets = [CITIZEN_ID.encode(), b"13812345678"]
    # Our services' files only: the stand-ins for the SMS provider and the agencies are other parties.
    databases = [p for p in (stack.root / "data").iterdir() if p.name.startswith("ow-")
                 and p.name.endswith((".db", ".db-wal"))]
    assert any(p.name.startswith("ow-intake") for p in databases)
    for database in databases:
        content = database.read_bytes()
        assert not any(s in content for s in secrets), database.name
