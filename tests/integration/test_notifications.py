"""Telling the citizen: e-mail over a real SMTP server and the in-app inbox, exactly once per
(application, reason, channel), with the right content and never a full ID or phone number."""

from __future__ import annotations

import email
import email.policy
import shutil
import sqlite3
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest

from onewindow_catalog.catalog import PACKAGED_DATA
from tests.support.processes import wait_until
from tests.support.stack import Stack

pytestmark = pytest.mark.kafka

CITIZEN_ID = "11010519491231002X"
STARTUP = {"company_name": "北京一窗科技有限公司", "registered_capital": 100, "business_scope": "软件开发"}


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("notify-stack")
    stack = Stack(root=root, bootstrap=kafka_bootstrap, topic_prefix=f"n{uuid.uuid4().hex[:8]}.",
                  extra_env={"OW_SIMULATOR_COMPLETE_AFTER_S": "0.2"})
    tokens = stack.write_tokens({"clerk": {"role": "clerk", "region_code": "110101"}, "ops": {"role": "ops"},
                                 "citizen": {"role": "citizen", "id_number": CITIZEN_ID}})
    stack.start(tokens)
    yield stack
    assert stack.stop() == 0


def mails_for(maildir: Path, application_id: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(maildir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["X-OW-Application-Id"] == application_id:
            found.append(message)
    return found


def test_a_completed_case_sends_one_acceptance_and_one_completion_email(stack: Stack) -> None:
    payload = {"item_code": "business.startup", "region_code": "110101", "channel": "counter", "fields": STARTUP,
               "applicant": {"name": "张三", "id_number": CITIZEN_ID, "phone": "13812345678",
                             "email": "zhangsan@example.cn"}}
    with stack.client("clerk") as http:
        application_id = http.post("/api/v1/applications", json=payload,
                                   headers={"Idempotency-Key": uuid.uuid4().hex}).json()["application_id"]
    wait_until(lambda: len(mails_for(stack.maildir, application_id)) >= 3, 90,
               "the acceptance, completion and invitation e-mails did not all arrive")
    time.sleep(1.0)  # anything sent twice would arrive by now
    messages = mails_for(stack.maildir, application_id)
    subjects = sorted(str(m["Subject"]) for m in messages)
    assert len(messages) == 3, subjects
    assert any("已受理" in s for s in subjects) and any("已办结" in s for s in subjects)
    assert any("评价" in s for s in subjects)
    assert len({m["Message-ID"] for m in messages}) == 3
    for message in messages:
        assert message["To"] == "zhangsan@example.cn"
        body = message.get_content()
        assert application_id in body and "企业开办一件事" in body
        for secret in (CITIZEN_ID, "13812345678"):
            assert secret not in body and secret not in str(message)
    completed = next(m for m in messages if "已办结" in str(m["Subject"]))
    assert "准予办理" in completed.get_content() and "东城区市场监督管理局" in completed.get_content()

    with stack.client("citizen") as http:
        inbox = http.get("/api/v1/me/notifications").json()
    reasons = sorted(m["reason"] for m in inbox if m["application_id"] == application_id)
    assert reasons == ["accepted", "completed", "satisfaction_invitation"]
    with stack.client("clerk") as http:
        assert http.get("/api/v1/me/notifications").status_code == 403


def test_smtp_down_falls_back_to_sms_with_a_delivery_receipt(kafka_bootstrap: str, tmp_path: Path) -> None:
    """No SMTP server at all: e-mail fails after its (short) budget, the SMS channel takes over,
    and the provider's delivery receipt is recorded."""
    stack = Stack(root=tmp_path, bootstrap=kafka_bootstrap, topic_prefix=f"s{uuid.uuid4().hex[:8]}.", extra_env={
        "OW_RUN_WITHOUT": "smtp-sink", "OW_NOTIFY_MAX_ATTEMPTS": "2", "OW_NOTIFY_BACKOFF_INITIAL_S": "0.1",
        "OW_SIMULATOR_DEFAULT_THEN": "hold"})
    stack.start(stack.write_tokens({"clerk": {"role": "clerk", "region_code": "110101"}}))
    try:
        payload = {"item_code": "business.startup", "region_code": "110101", "channel": "counter", "fields": STARTUP,
                   "applicant": {"name": "王五", "id_number": CITIZEN_ID, "phone": "13612345678",
                                 "email": "wangwu@example.cn"}}
        with stack.client("clerk") as http:
            application_id = http.post("/api/v1/applications", json=payload,
                                       headers={"Idempotency-Key": uuid.uuid4().hex}).json()["application_id"]
        with httpx.Client(base_url=stack.sms_url, timeout=10) as sms:
            def sms_for_case() -> list[dict]:
                return [m for m in sms.get("/control/messages").json() if application_id in m["content"]]

            wait_until(lambda: len(sms_for_case()) == 1, 60, "no SMS after the e-mail failed")
            message = sms_for_case()[0]
        assert message["to"] == "13612345678" and "已受理" in message["content"]
        assert CITIZEN_ID not in message["content"] and message["requests"] == 1
        database = tmp_path / "data" / "ow-notification.db"

        def rows() -> dict[str, tuple[str, str]]:
            with sqlite3.connect(database) as db:
                return {channel: (status, delivery) for channel, status, delivery in db.execute(
                    "SELECT channel, status, delivery_status FROM notifications WHERE application_id = ?",
                    (application_id,))}

        wait_until(lambda: rows().get("sms") == ("sent", "delivered"), 30, "the delivery receipt was not recorded",
                   on_timeout=lambda: str(rows()))
        assert rows()["email"][0] == "failed" and rows()["inbox"][0] == "sent"
        with stack.client("clerk") as http:
            wait_until(lambda: http.get(f"/api/v1/applications/{application_id}").json()["notification_problems"], 30,
                       "the failed e-mail is not visible on the case")
            problems = http.get(f"/api/v1/applications/{application_id}").json()["notification_problems"]
        assert any(p.startswith("accepted by email: gave up") for p in problems), problems
        assert not list(stack.maildir.glob("*.eml"))
    finally:
        assert stack.stop() == 0


def _submit(stack: Stack) -> str:
    payload = {"item_code": "business.startup", "region_code": "110101", "channel": "counter", "fields": STARTUP,
               "applicant": {"name": "张三", "id_number": CITIZEN_ID, "phone": "13812345678"}}
    with stack.client("clerk") as http:
        return str(http.post("/api/v1/applications", json=payload,
                             headers={"Idempotency-Key": uuid.uuid4().hex}).json()["application_id"])


def _case(stack: Stack, application_id: str) -> dict:
    with stack.client("ops") as http:
        return dict(http.get(f"/api/v1/applications/{application_id}").json())


def _where_the_task_is(stack: Stack, simulator: httpx.Client, application_id: str) -> str:
    """Every record of the case's tasks along the way, for a wait that timed out."""
    data = stack.root / "data"
    with sqlite3.connect(f"file:{data / 'ow-department-adapter.db'}?mode=ro", uri=True) as db:
        deliveries = db.execute("SELECT department_code, status, attempts, last_error FROM deliveries"
                                " WHERE application_id = ?", (application_id,)).fetchall()
    with sqlite3.connect(f"file:{data / 'ow-intake.db'}?mode=ro", uri=True) as db:
        inbox = db.execute("SELECT event_type, topic, partition, \"offset\", processed_at FROM ow_inbox"
                           " ORDER BY processed_at DESC LIMIT 20").fetchall()
    return (f"case: {_case(stack, application_id)}\nadapter deliveries: {deliveries}\n"
            f"agency: {simulator.get('/control/tasks', params={'application_id': application_id}).json()}\n"
            f"intake's last events: {inbox}\n"
            + "\n".join((stack.root / ".run" / "logs" / f"{name}.log").read_text()[-3000:]
                        for name in ("ow-intake", "ow-department-adapter")))


def test_satisfaction_once_after_completion_and_a_bad_rating_opens_follow_ups(stack: Stack) -> None:
    with httpx.Client(base_url=stack.simulator_url, timeout=10) as simulator:
        simulator.put("/control/departments/110101.tax", json={"then": "hold"})
        waiting = _submit(stack)
        wait_until(lambda: any(t["status"] == "delivered" and t["department_code"] == "110101.tax"
                               for t in _case(stack, waiting)["tasks"]), 60, "tax never got the task",
                   on_timeout=lambda: _where_the_task_is(stack, simulator, waiting))
        with stack.client("citizen") as http:
            early = http.post(f"/api/v1/applications/{waiting}/satisfaction", json={"rating": "满意"})
        assert early.status_code == 409 and "not completed" in early.json()["detail"]
        simulator.post("/control/reset")

    bad, good = _submit(stack), _submit(stack)

    def told_completed(application_id: str) -> bool:  # the notification service knows it completed
        with stack.client("citizen") as http:
            return any(m["application_id"] == application_id and m["reason"] == "completed"
                       for m in http.get("/api/v1/me/notifications").json())

    for application_id in (bad, good):
        wait_until(lambda a=application_id: told_completed(a), 60, "not completed")
    with stack.client("citizen") as http:
        first = http.post(f"/api/v1/applications/{bad}/satisfaction", json={"rating": "不满意", "comment": "跑了两次"})
        assert first.status_code == 201, first.text
        again = http.post(f"/api/v1/applications/{bad}/satisfaction", json={"rating": "满意"})
        assert again.status_code == 409
        assert http.post(f"/api/v1/applications/{good}/satisfaction", json={"rating": "很好"}).status_code == 422
    with stack.client("clerk") as http:  # at the counter, for the citizen
        assert http.post(f"/api/v1/applications/{good}/satisfaction", json={"rating": "非常满意"}).status_code == 201

    body = {}

    def follow_ups() -> list[dict]:
        nonlocal body
        body = _case(stack, bad)
        return [t for t in body["tasks"] if "回访" in t["note"]]

    wait_until(lambda: len(follow_ups()) == 5, 60, "the 差评 opened no follow-up tasks", on_timeout=lambda: str(body))
    for task in follow_ups():
        assert task["deadline"]["basis"] == "working_days" and task["deadline"]["amount"] == 15
    assert body["status"] == "completed"
    assert not [t for t in _case(stack, good)["tasks"] if "回访" in t["note"]]

    with stack.client("ops") as http:
        stats = http.get("/api/v1/stats/satisfaction", params={"department_code": "110101.tax"}).json()
    assert stats["counts"]["不满意"] >= 1 and stats["counts"]["非常满意"] >= 1
    assert stats["total"] == sum(stats["counts"].values())
    assert stats["satisfaction_rate"] == round(
        (stats["counts"]["非常满意"] + stats["counts"]["满意"] + stats["counts"]["基本满意"]) / stats["total"], 4)
    with stack.client("citizen") as http:
        assert http.get("/api/v1/stats/satisfaction").status_code == 403


def test_an_overdue_task_brings_an_apology_with_the_new_date(kafka_bootstrap: str, tmp_path: Path) -> None:
    """A catalogue where emergencies must be handled within 3 seconds and agencies that sit on
    their tasks: the deadline watcher announces the miss once, sets a new deadline, and the
    citizen gets one apology with the new date."""
    catalog = tmp_path / "catalog"
    shutil.copytree(PACKAGED_DATA, catalog)
    deadlines = catalog / "deadlines.yaml"
    text = deadlines.read_text(encoding="utf-8")
    assert "emergency: {hours: 2," in text
    deadlines.write_text(text.replace("emergency: {hours: 2,", "emergency: {minutes: 0.05,"), encoding="utf-8")
    stack = Stack(root=tmp_path, bootstrap=kafka_bootstrap, topic_prefix=f"o{uuid.uuid4().hex[:8]}.", extra_env={
        "OW_CATALOG_DIR": str(catalog), "OW_DEADLINE_CHECK_INTERVAL_S": "0.5", "OW_SIMULATOR_DEFAULT_THEN": "hold"})
    stack.start(stack.write_tokens({"ops": {"role": "ops"}}))
    try:
        payload = {"item_code": "welfare.elderly-check", "region_code": "442000003", "channel": "sensor",
                   "location_region_code": "442000003001",
                   "fields": {"sensor_id": "WM-0042", "reading": "24h用水量<0.01m³"},
                   "applicant": {"name": "赵六", "id_number": CITIZEN_ID, "phone": "13712345678",
                                 "email": "family@example.cn"}}
        with stack.client("ops") as http:
            application_id = http.post("/api/v1/applications", json=payload,
                                       headers={"Idempotency-Key": uuid.uuid4().hex}).json()["application_id"]

        def apologies() -> list[email.message.EmailMessage]:
            return [m for m in mails_for(stack.maildir, application_id) if "超期" in str(m["Subject"])]

        wait_until(lambda: len(apologies()) == 1, 60, "no apology for the missed deadline")
        time.sleep(1.5)  # two tasks missed and the watcher kept running: still one apology
        assert len(apologies()) == 1
        body = apologies()[0].get_content()
        assert "新的办结时间" in body and application_id in body
        case: dict = {}

        def both_marked_overdue() -> bool:  # the case view reads the tasks topic on its own
            nonlocal case
            with stack.client("ops") as http:
                case = http.get(f"/api/v1/applications/{application_id}").json()
            return len(case["tasks"]) == 2 and all(t["note"].startswith("overdue; new deadline") for t in case["tasks"])

        wait_until(both_marked_overdue, 30, "the case view does not show the missed deadlines",
                   on_timeout=lambda: str(case))
        for task in case["tasks"]:
            assert task["deadline"]["basis"] == "minutes"
    finally:
        assert stack.stop() == 0


def test_notification_service_killed_mid_batch_loses_nothing_and_sends_nothing_twice(kafka_bootstrap: str,
                                                                                     tmp_path: Path) -> None:
    """SIGKILL twice while messages are being sent: once before the 4th message goes out, and once
    in the window the service README admits to — after the SMTP server's `250 OK` for the 8th
    message and before that is committed. The supervisor restarts the service each time; it sends
    what it had not recorded as sent. Nothing is lost; the message caught in the window is sent
    again with the same Message-ID (SMTP has no idempotency key), and nothing else is sent twice."""
    stack = Stack(root=tmp_path, bootstrap=kafka_bootstrap, topic_prefix=f"k{uuid.uuid4().hex[:8]}.", extra_env={
        "OW_SIMULATOR_COMPLETE_AFTER_S": "0.2", "OW_RUN_RESTART": "1", "OW_NOTIFY_WORKERS": "1",
        "OW_FAILPOINTS": "notification.before_send=4,notification.after_send=8",
        "OW_FAILPOINTS_ONCE_DIR": str(tmp_path / "failpoints")})
    stack.start(stack.write_tokens({"clerk": {"role": "clerk", "region_code": "110101"}}))
    try:
        ids = []
        with stack.client("clerk") as http:
            for number in range(4):
                payload = {"item_code": "business.startup", "region_code": "110101", "channel": "counter",
                           "fields": STARTUP, "applicant": {"name": "张三", "id_number": CITIZEN_ID,
                                                            "phone": "13812345678", "email": f"p{number}@example.cn"}}
                ids.append(http.post("/api/v1/applications", json=payload,
                                     headers={"Idempotency-Key": uuid.uuid4().hex}).json()["application_id"])
        expected = 3 * len(ids)  # accepted, completed, satisfaction invitation per case
        database = tmp_path / "data" / "ow-notification.db"

        def all_sent() -> bool:  # every e-mail of every case recorded as sent: nothing more will go out
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
                return db.execute("SELECT count(*) FROM notifications WHERE channel = 'email' AND status = 'sent'"
                                  " AND application_id IN (?, ?, ?, ?)", ids).fetchone()[0] == expected

        wait_until(all_sent, 120, "not every e-mail was sent after the restarts")
        for point in ("notification.before_send", "notification.after_send"):
            assert (tmp_path / "failpoints" / point).exists(), f"the service was never killed at {point}"
        assert (tmp_path / "run.out").read_text().count("ow-notification exited with code -9; restarting it") == 2
        copies = [m for a in ids for m in mails_for(stack.maildir, a)]
        per_message = Counter(str(m["Message-ID"]) for m in copies)
        assert len(per_message) == expected, "a message is missing, or one went out under two Message-IDs"
        assert sorted(per_message.values(), reverse=True)[:2] == [2, 1], per_message  # exactly one resent
        for application_id in ids:
            subjects = sorted({str(m["Subject"]) for m in mails_for(stack.maildir, application_id)})
            assert len(subjects) == 3, subjects
    finally:
        assert stack.stop() == 0
