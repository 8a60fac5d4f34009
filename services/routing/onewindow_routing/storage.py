"""Routing's tables: each application's route and its tasks (the state the join of #4 reads)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from onewindow_platform.migrations import Migration, Schema
from onewindow_platform.storage import Transaction

from .domain.planning import Plan

SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS routes (
    application_id        TEXT PRIMARY KEY,
    item_code             TEXT NOT NULL,
    receiving_region_code TEXT NOT NULL,
    competent_region_code TEXT NOT NULL,
    handling_region_code  TEXT NOT NULL,
    cross_region          INTEGER NOT NULL,
    fallback_reasons      TEXT NOT NULL,
    accepted_event_id     TEXT NOT NULL,
    accepted_payload      BLOB NOT NULL,     -- ApplicationAccepted, for dispatching later steps
    routed_at             TEXT NOT NULL,
    completed_at          TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS route_tasks (
    task_id         TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES routes (application_id),
    department_code TEXT NOT NULL,
    level           INTEGER NOT NULL,
    step            INTEGER NOT NULL,
    depends_on      TEXT NOT NULL,
    status          TEXT NOT NULL,      -- waiting | dispatched | completed | returned
    deadline_due_at TEXT NOT NULL DEFAULT '',
    dispatch_number INTEGER NOT NULL DEFAULT 0,
    times_returned  INTEGER NOT NULL DEFAULT 0,
    outcome         INTEGER NOT NULL DEFAULT 0,
    result_text     TEXT NOT NULL DEFAULT '',
    document_ref    TEXT NOT NULL DEFAULT '',
    purpose         TEXT NOT NULL DEFAULT '',  -- '' for the case's own work, 'follow_up' for a 回访
    overdue_dispatch INTEGER NOT NULL DEFAULT 0 -- the dispatch whose missed deadline was announced
);
CREATE INDEX IF NOT EXISTS route_tasks_application ON route_tasks (application_id);
"""
SCHEMA = Schema("routing", (
    Migration(1, "plans, tasks, deadlines (release 0.1)", SCHEMA_1),
))


def save_plan(tx: Transaction, application_id: str, item_code: str, receiving: str, plan: Plan,
              accepted_event_id: str, accepted_payload: bytes, routed_at: str, dispatched: dict[str, str]) -> None:
    """Store the route; `dispatched` maps the task ids dispatched now to their due time."""
    tx.execute(
        "INSERT INTO routes (application_id, item_code, receiving_region_code, competent_region_code,"
        " handling_region_code, cross_region, fallback_reasons, accepted_event_id, accepted_payload, routed_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (application_id, item_code, receiving, plan.competent_region, plan.handling_region, int(plan.cross_region),
         json.dumps(plan.fallback_reasons, ensure_ascii=False), accepted_event_id, accepted_payload, routed_at),
    )
    tx.executemany(
        "INSERT INTO route_tasks (task_id, application_id, department_code, level, step, depends_on, status,"
        " deadline_due_at, dispatch_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(t.task_id, application_id, t.department.code, int(t.level), t.step, json.dumps(t.depends_on),
          "dispatched" if t.task_id in dispatched else "waiting", dispatched.get(t.task_id, ""),
          1 if t.task_id in dispatched else 0) for t in plan.tasks],
    )


def already_routed(tx: Transaction, application_id: str) -> bool:
    return tx.execute("SELECT 1 FROM routes WHERE application_id = ?", (application_id,)).fetchone() is not None


@dataclass(frozen=True)
class RouteTask:
    task_id: str
    application_id: str
    department_code: str
    level: int
    step: int
    depends_on: tuple[str, ...]
    status: str
    dispatch_number: int
    times_returned: int
    outcome: int
    result_text: str
    document_ref: str
    purpose: str = ""


_TASK_COLUMNS = ("task_id, application_id, department_code, level, step, depends_on, status, dispatch_number,"
                 " times_returned, outcome, result_text, document_ref, purpose")


def _task(row: tuple[Any, ...]) -> RouteTask:
    return RouteTask(row[0], row[1], row[2], row[3], row[4], tuple(json.loads(row[5])), *row[6:])


def route_task(tx: Transaction, task_id: str) -> RouteTask | None:
    row = tx.execute(f"SELECT {_TASK_COLUMNS} FROM route_tasks WHERE task_id = ?", (task_id,)).fetchone()
    return _task(row) if row else None


def route_tasks(tx: Transaction, application_id: str) -> list[RouteTask]:
    """The case's own tasks (follow-ups after a bad rating are not part of its answer)."""
    rows = tx.execute(f"SELECT {_TASK_COLUMNS} FROM route_tasks WHERE application_id = ? AND purpose = ''"
                      " ORDER BY step, length(task_id), task_id", (application_id,)).fetchall()
    return [_task(row) for row in rows]


def accepted_payload(tx: Transaction, application_id: str) -> tuple[str, bytes] | None:
    row = tx.execute("SELECT item_code, accepted_payload FROM routes WHERE application_id = ?",
                     (application_id,)).fetchone()
    return (row[0], row[1]) if row else None


def complete_task(tx: Transaction, task_id: str, outcome: int, result_text: str, document_ref: str) -> None:
    tx.execute("UPDATE route_tasks SET status = 'completed', outcome = ?, result_text = ?, document_ref = ?"
               " WHERE task_id = ?", (outcome, result_text, document_ref, task_id))


def redispatch_task(tx: Transaction, task_id: str, department_code: str, level: int, due_at: str) -> None:
    tx.execute("UPDATE route_tasks SET status = 'dispatched', department_code = ?, level = ?, deadline_due_at = ?,"
               " dispatch_number = dispatch_number + 1, times_returned = times_returned + 1 WHERE task_id = ?",
               (department_code, level, due_at, task_id))


def mark_dispatched(tx: Transaction, task_id: str, due_at: str) -> None:
    tx.execute("UPDATE route_tasks SET status = 'dispatched', deadline_due_at = ?, dispatch_number = 1"
               " WHERE task_id = ?", (due_at, task_id))


def to_coordinator(tx: Transaction, task_id: str) -> None:
    tx.execute("UPDATE route_tasks SET status = 'coordination', times_returned = times_returned + 1"
               " WHERE task_id = ?", (task_id,))


def mark_completed(tx: Transaction, application_id: str, at: str) -> None:
    tx.execute("UPDATE routes SET completed_at = ? WHERE application_id = ?", (at, application_id))


def add_follow_up(tx: Transaction, task_id: str, application_id: str, department_code: str, level: int,
                  due_at: str) -> bool:
    cursor = tx.execute(
        "INSERT INTO route_tasks (task_id, application_id, department_code, level, step, depends_on, status,"
        " deadline_due_at, dispatch_number, purpose) VALUES (?, ?, ?, ?, 0, '[]', 'dispatched', ?, 1, 'follow_up')"
        " ON CONFLICT DO NOTHING",
        (task_id, application_id, department_code, level, due_at))
    return cursor.rowcount == 1


def overdue(tx: Transaction, now_utc: str, limit: int = 100) -> list[tuple[str, str, str, str, int]]:
    """Dispatched tasks past their deadline whose miss has not been announced for this dispatch:
    (task_id, application_id, department_code, deadline_due_at, dispatch_number)."""
    return [tuple(row) for row in tx.execute(
        "SELECT task_id, application_id, department_code, deadline_due_at, dispatch_number FROM route_tasks"
        " WHERE status = 'dispatched' AND deadline_due_at != '' AND deadline_due_at < ?"
        " AND overdue_dispatch < dispatch_number LIMIT ?", (now_utc, limit)).fetchall()]


def extend_deadline(tx: Transaction, task_id: str, dispatch_number: int, new_due_utc: str) -> None:
    tx.execute("UPDATE route_tasks SET overdue_dispatch = ?, deadline_due_at = ? WHERE task_id = ?",
               (dispatch_number, new_due_utc, task_id))
