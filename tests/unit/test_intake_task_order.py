"""Intake's view of a task never moves back: an instant agency can acknowledge and complete a
task before the adapter's TaskDelivered reaches the topic (found by `make bench`)."""

from __future__ import annotations

from pathlib import Path

from onewindow.task.v1.events_pb2 import TaskAcknowledged, TaskCompleted, TaskDelivered, TaskDispatched
from onewindow_intake import storage
from onewindow_intake.handlers import HANDLERS
from onewindow_platform.config import PlatformSettings, load_settings
from onewindow_platform.consumer import HandlerContext
from onewindow_platform.events import build_envelope, decode
from onewindow_platform.storage import Database, SqliteDatabase

APP = "110101-20261126-00302"
TASK = f"{APP}-T1"


def apply(db: Database, settings: PlatformSettings, payload: object) -> None:
    envelope = build_envelope(payload, application_id=APP, source="tests")  # type: ignore[arg-type]
    event = decode(envelope.SerializeToString())
    with db.transaction() as tx:
        HANDLERS[type(event.payload)](event.payload, HandlerContext(tx=tx, event=event, topic="t", partition=0,
                                                                    offset=0, settings=settings))


def status(db: Database) -> str:
    return str(db.connection().execute("SELECT status FROM tasks WHERE task_id = ?", (TASK,)).fetchone()[0])


def test_a_late_delivery_record_does_not_undo_the_agencys_acknowledgement(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "intake.db")
    storage.SCHEMA.upgrade(db)
    settings = load_settings(PlatformSettings, data_dir=tmp_path)
    apply(db, settings, TaskDispatched(task_id=TASK, department_code="110101001.street-office", step=1))
    assert status(db) == "dispatched"
    apply(db, settings, TaskAcknowledged(task_id=TASK))
    apply(db, settings, TaskDelivered(task_id=TASK))  # the adapter's record of the call, after the callback
    assert status(db) == "acknowledged"
    apply(db, settings, TaskCompleted(task_id=TASK))
    apply(db, settings, TaskDelivered(task_id=TASK))
    assert status(db) == "completed"


def test_a_delivery_in_the_usual_order_marks_the_task_delivered(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "intake.db")
    storage.SCHEMA.upgrade(db)
    settings = load_settings(PlatformSettings, data_dir=tmp_path)
    apply(db, settings, TaskDispatched(task_id=TASK, department_code="110101001.street-office", step=1))
    apply(db, settings, TaskDelivered(task_id=TASK))
    assert status(db) == "delivered"
