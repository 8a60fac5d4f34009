"""Supervision on the real stack with minute-scale time limits (#17): a welfare check whose
agencies sit on their tasks gets, for each task, the warning before the deadline, the sign-for
escalation, and the ladder after it (催办 → 督办 notice with its own deadline → 通报) — each step
once, on the bus and on the case's audit timeline, even with the supervision service SIGKILLed
in the middle — and its 回访 call once the time limit passed with no answer; a task completed
in time gets no step, its case a 回访 after the answer, whose outcome is recorded once; the
month's ranking (JSON and CSV) and the department's indicators count both; and a second
supervision process replaying every topic from the beginning into an empty store ends with the
same counters and 回访 calls."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import time
import uuid
from pathlib import Path

import grpc
import httpx
import pytest

from onewindow.common.v1.types_pb2 import Level
from onewindow.supervision.v1 import supervision_pb2, supervision_pb2_grpc
from onewindow.supervision.v1.events_pb2 import FollowUpCallPlanned, SupervisionStep, SupervisionStepIssued
from onewindow_catalog.calendar import CHINA
from onewindow_catalog.catalog import PACKAGED_DATA
from tests.support.kafka_io import decode_envelopes, read_all
from tests.support.processes import ServiceProcess, wait_until
from tests.support.stack import Stack, free_port

pytestmark = pytest.mark.kafka

# Due 30 s after dispatch; warned at 15 s; not signed for by 12 s; 催办 1 s after the deadline,
# 督办 at 6 s with 60 s to answer, 通报 at 12 s.
POLICY = """
warning_at: 0.5
sign_for: {minutes: 0.2}
escalation:
  - {step: urge, after: {minutes: 0.02}}
  - {step: notice, after: {minutes: 0.1}, respond_within: {minutes: 1}}
  - {step: circular, after: {minutes: 0.2}}
follow_up: {after_completion: {minutes: 0.1}, after_time_limit: {minutes: 0.5}}
weights: {response: 0.1, resolution: 0.45, satisfaction: 0.45}
"""
LEVELS = ("province", "city", "district", "street", "community")
EVERY_STEP = {SupervisionStep.SUPERVISION_STEP_WARNING, SupervisionStep.SUPERVISION_STEP_SIGN_FOR_OVERDUE,
              SupervisionStep.SUPERVISION_STEP_URGE, SupervisionStep.SUPERVISION_STEP_NOTICE,
              SupervisionStep.SUPERVISION_STEP_CIRCULAR}
WELFARE_CHECK = {"item_code": "welfare.elderly-check", "region_code": "442000003", "channel": "sensor",
                 "location_region_code": "442000003001",
                 "fields": {"sensor_id": "WM-0042", "reading": "24h用水量<0.01m³"},
                 "applicant": {"name": "赵六", "id_number": "11010519491231002X", "phone": "13712345678"}}


def steps_on_the_bus(stack: Stack, application_id: str) -> list[SupervisionStepIssued]:
    records = read_all(stack.bootstrap, stack.topic_prefix + "onewindow.supervision.v1", timeout_s=5)
    found = []
    for envelope in decode_envelopes(records):
        if envelope.application_id == application_id and envelope.payload.Is(SupervisionStepIssued.DESCRIPTOR):
            step = SupervisionStepIssued()
            envelope.payload.Unpack(step)
            found.append(step)
    return found


def calls_on_the_bus(stack: Stack, application_id: str) -> list[FollowUpCallPlanned]:
    records = read_all(stack.bootstrap, stack.topic_prefix + "onewindow.supervision.v1", timeout_s=5)
    found = []
    for envelope in decode_envelopes(records):
        if envelope.application_id == application_id and envelope.payload.Is(FollowUpCallPlanned.DESCRIPTOR):
            call = FollowUpCallPlanned()
            envelope.payload.Unpack(call)
            found.append(call)
    return found


def minute_scale(folder: Path) -> dict[str, str]:
    """The stack's settings for a ladder in minutes: an emergency (the welfare check) due 30 s
    after dispatch, the test policy above, and agencies that take their tasks and sit on them."""
    catalog = folder / "catalog"
    shutil.copytree(PACKAGED_DATA, catalog)
    deadlines = catalog / "deadlines.yaml"
    text = deadlines.read_text(encoding="utf-8")
    assert "emergency: {hours: 2," in text
    deadlines.write_text(text.replace("emergency: {hours: 2,", "emergency: {minutes: 0.5,"), encoding="utf-8")
    policy = folder / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    return {"OW_CATALOG_DIR": str(catalog), "OW_SUPERVISION_POLICY_FILE": str(policy),
            "OW_SIMULATOR_DEFAULT_THEN": "hold"}


def test_warnings_sign_for_and_the_ladder_each_once_through_a_sigkill(kafka_bootstrap: str, tmp_path: Path) -> None:
    stack = Stack(root=tmp_path, bootstrap=kafka_bootstrap, topic_prefix=f"s{uuid.uuid4().hex[:8]}.", extra_env={
        **minute_scale(tmp_path),
        "OW_RUN_RESTART": "1"})                        # a killed service is restarted, as an orchestrator would
    stack.start(stack.write_tokens({"ops": {"role": "ops"}}))
    try:
        with stack.client("ops") as http:
            response = http.post("/api/v1/applications", json=WELFARE_CHECK,
                                 headers={"Idempotency-Key": uuid.uuid4().hex})
            assert response.status_code == 202, response.text
            application_id = response.json()["application_id"]
        case = stack.wait_for_tasks(application_id, 2)
        tasks = {t["task_id"] for t in case["tasks"]}

        # The first steps (sign-for at 12 s, the warning at 15 s), then the supervisor loses its
        # supervision process: killed while the ladder is still ahead; it is restarted.
        wait_until(lambda: len(steps_on_the_bus(stack, application_id)) >= 2, 60, "no supervision step at all")
        os.kill(stack.child_pid("onewindow_supervision"), signal.SIGKILL)

        def complete() -> bool:
            steps = steps_on_the_bus(stack, application_id)
            return all({s.step for s in steps if s.task_id == task} == EVERY_STEP for task in tasks)

        wait_until(complete, 90, "not every step was issued for both tasks",
                   on_timeout=lambda: str(steps_on_the_bus(stack, application_id)))
        steps = steps_on_the_bus(stack, application_id)
        assert len(steps) == 2 * len(EVERY_STEP), [(s.task_id, s.step) for s in steps]   # each once
        notice = next(s for s in steps if s.step == SupervisionStep.SUPERVISION_STEP_NOTICE)
        assert notice.respond_by.seconds - notice.task_due_at.seconds >= 60 and "督办" in notice.reason
        with stack.client("ops") as http:
            timeline = http.get(f"/api/v1/applications/{application_id}/timeline").json()
        recorded = [e for e in timeline if e["event_type"] == "SupervisionStepIssued"]
        assert len(recorded) == len(steps) and {e["service"] for e in recorded} == {"ow-supervision"}
        # Each department heard of each step in its own system, through its connector, once.
        with httpx.Client(base_url=stack.simulator_url, timeout=10) as simulator:
            def in_the_agencies() -> dict[str, list[dict]]:
                return {task: simulator.get("/control/notices", params={"task_id": task}).json() for task in tasks}

            wait_until(lambda: all(len(n) == len(EVERY_STEP) for n in in_the_agencies().values()), 60,
                       "not every step reached the agency systems", on_timeout=lambda: str(in_the_agencies()))
            for notices in in_the_agencies().values():
                assert {n["step"] for n in notices} == {"warning", "sign_for_overdue", "urge", "notice", "circular"}
                notice = next(n for n in notices if n["step"] == "notice")
                assert "督办" in notice["reason"] and notice["respond_by"], notice
        # No answer within the time limit (30 s): the 回访 call is planned anyway, 30 s after it.
        wait_until(lambda: calls_on_the_bus(stack, application_id), 90, "no 回访 after the time limit")
        with stack.client("ops") as http:
            calls = http.get("/api/v1/supervision/follow-up-calls", params={"application_id": application_id}).json()
        assert [c["reason"] for c in calls] == ["time_limit"] and len(calls_on_the_bus(stack, application_id)) == 1
    finally:
        assert stack.stop() == 0


def test_a_task_done_in_time_is_never_escalated(kafka_bootstrap: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    stack = Stack(root=tmp_path, bootstrap=kafka_bootstrap, topic_prefix=f"s{uuid.uuid4().hex[:8]}.", extra_env={
        "OW_SUPERVISION_POLICY_FILE": str(policy), "OW_SIMULATOR_COMPLETE_AFTER_S": "0.2"})
    stack.start(stack.write_tokens({"ops": {"role": "ops"}, "clerk": {"role": "clerk", "region_code": "442000003"}}))
    try:
        with stack.client("ops") as http:
            application_id = http.post("/api/v1/applications", json=WELFARE_CHECK,
                                       headers={"Idempotency-Key": uuid.uuid4().hex}).json()["application_id"]

            def completed() -> bool:
                return http.get(f"/api/v1/applications/{application_id}").json()["status"] == "completed"

            wait_until(completed, 60, "the welfare check was not completed")
        # Signed for and done within seconds of a two-hour limit: past the sign-for limit (12 s)
        # there is still nothing to warn or escalate.
        time.sleep(13)
        assert steps_on_the_bus(stack, application_id) == []
        check_follow_up_and_indicators(stack, application_id)
        check_a_replay_rebuilds_the_store(stack, tmp_path, policy)
    finally:
        assert stack.stop() == 0


def read_model(port: int) -> dict[str, object]:
    """What a supervision store answers: every level's counters of this month, and the 回访 calls."""
    month = dt.datetime.now(CHINA).strftime("%Y-%m")
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = supervision_pb2_grpc.SupervisionServiceStub(channel)
        found: dict[str, object] = {}
        for scope in (supervision_pb2.Scope.SCOPE_DEPARTMENT, supervision_pb2.Scope.SCOPE_REGION):
            for level in (Level.LEVEL_PROVINCE, Level.LEVEL_CITY, Level.LEVEL_DISTRICT, Level.LEVEL_STREET,
                          Level.LEVEL_COMMUNITY):
                ranking = stub.GetRanking(supervision_pb2.GetRankingRequest(month=month, scope=scope, level=level),
                                          timeout=10)
                for entry in ranking.ranking:
                    found[f"{scope}:{level}:{entry.indicators.code}"] = entry.indicators.counters.SerializeToString()
        calls = stub.ListFollowUpCalls(supervision_pb2.ListFollowUpCallsRequest(open_only=False), timeout=10).calls
        found["calls"] = sorted((c.call_id, c.application_id, c.outcome, c.note) for c in calls)
    return found


def check_a_replay_rebuilds_the_store(stack: Stack, tmp_path: Path, policy: Path) -> None:
    """A second supervision process with an empty store and a consumer group of its own reads
    every topic from the beginning: it ends with the same counters and 回访 calls (outcomes too)."""
    live = read_model(stack.supervision_port)
    assert len(live) > 1 and live["calls"]
    port = free_port()
    replay = ServiceProcess.python_module("onewindow_supervision", {
        "OW_KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap, "OW_TOPIC_PREFIX": stack.topic_prefix,
        "OW_DATA_DIR": str(tmp_path / "replay-data"), "OW_SERVICE_NAME": "ow-supervision-replay",
        "OW_SUPERVISION_GRPC_ADDRESS": f"127.0.0.1:{port}", "OW_SUPERVISION_POLICY_FILE": str(policy)},
        tmp_path / "replay", "supervision-replay").start()
    try:
        replay.wait_for_log('"msg": "consuming"')
        wait_until(lambda: read_model(port) == live, 60, "the replayed store differs from the live one",
                   on_timeout=lambda: f"live {live}\nreplayed {read_model(port)}\n{replay.log_tail()}")
    finally:
        assert replay.terminate() == 0


def check_follow_up_and_indicators(stack: Stack, application_id: str) -> None:
    """The answered case's 回访 (6 s after the answer), recorded once; the ranking and the
    department's months count its tasks."""
    with stack.client("ops") as http, stack.client("clerk") as clerk:
        def planned() -> list[dict]:
            return http.get("/api/v1/supervision/follow-up-calls",
                            params={"application_id": application_id}).json()

        wait_until(planned, 60, "no 回访 after the answer")
        [call] = planned()
        assert call["reason"] == "completed" and call["outcome"] is None
        assert [c["call_id"] for c in clerk.get("/api/v1/supervision/follow-up-calls").json()] == [call["call_id"]]
        answer = {"outcome": "satisfied", "note": "老人已回电确认安好"}
        url = f"/api/v1/supervision/follow-up-calls/{call['call_id']}/outcome"
        assert clerk.post(url, json=answer).status_code == 403                     # the office's callers only
        assert http.post(url, json={"outcome": "maybe"}).status_code == 422
        assert http.post(url, json=answer).status_code == 201
        assert http.post(url, json=answer).status_code == 409                      # once
        assert http.post("/api/v1/supervision/follow-up-calls/nope/outcome", json=answer).status_code == 404
        assert http.get("/api/v1/supervision/follow-up-calls").json() == []           # none left to make
        [done] = http.get("/api/v1/supervision/follow-up-calls",
                          params={"open": "false", "application_id": application_id}).json()
        assert done["outcome"] == "satisfied" and done["recorded_by"] == "ops"

        def on_the_timeline() -> bool:
            answer = http.get(f"/api/v1/applications/{application_id}/timeline")
            if answer.status_code != 200:      # e.g. 429: this token asks often; ask again later
                return False
            kinds = [e["event_type"] for e in answer.json()]
            return "FollowUpCallPlanned" in kinds and "FollowUpCallRecorded" in kinds

        wait_until(on_the_timeline, 30, "the 回访 is not on the case's timeline", interval_s=1.0)

        month = dt.datetime.now(CHINA).strftime("%Y-%m")
        departments = {t["department_code"] for t in http.get(f"/api/v1/applications/{application_id}").json()["tasks"]}
        ranked: dict[str, dict] = {}
        for level in LEVELS:
            body = http.get("/api/v1/supervision/rankings",
                            params={"month": month, "scope": "department", "level": level}).json()
            ranked |= {e["code"]: e for e in body["ranking"]}
            assert set(body["red_list"]).isdisjoint(body["black_list"])
        assert departments <= set(ranked)
        for code in departments:
            counters = ranked[code]["counters"]
            assert counters["received"] == counters["signed_for"] == counters["completed"] == 1, counters
            assert ranked[code]["rates"]["response"] == 1.0 and ranked[code]["score"] is not None
        code = sorted(departments)[0]
        history = http.get(f"/api/v1/supervision/indicators/department/{code}",
                           params={"from": month, "to": month}).json()
        assert [m["month"] for m in history] == [month] and history[0]["counters"] == ranked[code]["counters"]
        level = next(lv for lv in LEVELS if code in {
            e["code"] for e in http.get("/api/v1/supervision/rankings", params={
                "month": month, "scope": "department", "level": lv}).json()["ranking"]})
        csv = http.get("/api/v1/supervision/rankings",
                       params={"month": month, "scope": "department", "level": level, "format": "csv"})
        assert csv.headers["content-type"].startswith("text/csv") and code in csv.text
        assert csv.text.lstrip("\ufeff").startswith("rank,code,name,score,volume,response")
        assert clerk.get("/api/v1/supervision/rankings", params={"month": month}).status_code == 403
        assert http.get("/api/v1/supervision/rankings", params={"month": "2026-13"}).status_code == 422
