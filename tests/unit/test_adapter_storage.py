"""The adapter's delivery table on a real SQLite file and a real PostgreSQL schema: a task and
the supplements sent after it share (task id, dispatch number), yet the task's state is always
read from, and written to, the task's own row."""

from __future__ import annotations

from onewindow_department_adapter import storage
from onewindow_department_adapter.connectors import DeliveryRequest
from onewindow_platform.storage import Database


def _request(kind: str = "task", supplement_id: str = "") -> DeliveryRequest:
    return DeliveryRequest(task_id="T1", application_id="A1", department_code="D1", item_code="I1",
                           dispatch_number=1, deadline_iso="", applicant_name_masked="",
                           applicant_id_number_masked="", kind=kind, supplement_id=supplement_id)


def test_a_supplement_row_never_stands_in_for_its_task(database: Database) -> None:
    db = database
    storage.SCHEMA.upgrade(db)
    with db.transaction() as tx:
        storage.enqueue(tx, _request(), b"task")
    with db.transaction() as tx:
        task = storage.latest(tx, "T1")
        assert task is not None
        storage.set_task_state(tx, task, "needs_supplement")
        for n in range(3):  # whichever order the database returns equal dispatch numbers in
            storage.enqueue(tx, _request("supplement", f"S{n}"), b"supplement")

    with db.transaction() as tx:
        task = storage.latest(tx, "T1")
        assert task is not None and task.request.kind == "task" and task.task_state == "needs_supplement"
        for supplement in storage.claim_due(tx, storage.job_table(15, db), 10, now=2e9):
            storage.mark_delivered(tx, supplement, "ref", 1)
    task = storage.latest(db.connection(), "T1")
    assert task is not None and task.request.kind == "task" and task.task_state == "needs_supplement"
