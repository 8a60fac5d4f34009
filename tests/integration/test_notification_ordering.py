"""Events of one case come on different topics with no order between them. A notice that
overtakes the case's acceptance is kept aside and sent once the acceptance arrives — not retried
in place (which would stall the very consumer that must read the acceptance) and not lost."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from pathlib import Path

import pytest

from onewindow.application.v1.events_pb2 import ApplicationAccepted
from onewindow.common.v1.types_pb2 import ApplicantRef, Deadline
from onewindow.task.v1.events_pb2 import TaskDeadlineMissed
from onewindow_platform.config import PlatformSettings
from onewindow_platform.events import build_envelope
from onewindow_platform.personal_data import PersonalDataCipher
from onewindow_platform.topics import APPLICATIONS, TASKS, physical_name
from tests.integration.test_notifications import mails_for
from tests.support.kafka_io import produce
from tests.support.processes import ServiceProcess, wait_until
from tests.support.stack import PII_KEY, free_port

pytestmark = pytest.mark.kafka


def test_a_notice_that_overtakes_the_acceptance_is_sent_after_it(topics: PlatformSettings, producer,
                                                                tmp_path: Path) -> None:
    smtp_port = free_port()
    env = {"OW_KAFKA_BOOTSTRAP_SERVERS": topics.kafka_bootstrap_servers, "OW_TOPIC_PREFIX": topics.topic_prefix,
           "OW_DATA_DIR": str(tmp_path / "data"), "OW_PII_KEY": PII_KEY, "OW_SMTP_PORT": str(smtp_port),
           "OW_SMTP_MAILDIR": str(tmp_path / "mail"), "OW_NOTIFICATION_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
           "OW_NOTIFY_CHANNELS": "email", "OW_SERVICE_NAME": f"ow-notification-{uuid.uuid4().hex[:6]}"}
    sink = ServiceProcess.python_module("onewindow_devtools.smtp_sink", env, tmp_path / "sink", "sink").start()
    service = ServiceProcess.python_module("onewindow_notification", env, tmp_path / "svc", "notification").start()
    try:
        service.wait_for_log('"msg": "consuming"')
        application_id = "442000003-20261126-00077"
        cipher = PersonalDataCipher(base64.b64decode(PII_KEY))
        contact = {"name": "赵六", "id_number": "11010519491231002X", "phone": "13712345678",
                   "email": "family@example.cn"}
        sealed = cipher.seal(json.dumps(contact, ensure_ascii=False).encode(), application_id.encode())
        new_deadline = Deadline()
        new_deadline.due_at.FromDatetime(dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC))
        notice = TaskDeadlineMissed(task_id=f"{application_id}-T1", department_code="442000003.street-office",
                                    new_deadline=new_deadline)
        missed = build_envelope(notice, application_id=application_id, source="ow-routing")
        produce(producer, physical_name(topics, TASKS.name), [missed])  # the notice first …
        accepted = ApplicationAccepted(case_number=application_id, item_code="welfare.elderly-check",
                                       item_name="独居老人关怀探访", applicant=ApplicantRef(
                                           name_masked="赵*", sealed_contact=sealed, subject_id="s1"))
        accepted.promised_by.FromDatetime(dt.datetime(2026, 11, 26, 14, tzinfo=dt.UTC))
        produce(producer, physical_name(topics, APPLICATIONS.name),
                [build_envelope(accepted, application_id=application_id, source="ow-intake")])  # … then the case

        wait_until(lambda: len(mails_for(tmp_path / "mail", application_id)) == 2, 60,
                   "the acceptance and the overtaking apology were not both sent", on_timeout=service.log_tail)
        subjects = sorted(str(m["Subject"]) for m in mails_for(tmp_path / "mail", application_id))
        assert any("已受理" in s for s in subjects) and any("超期" in s for s in subjects)
        assert "dead-lettered" not in service.log_text()
    finally:
        service.terminate()
        sink.terminate()
