"""Routing's tables: each application's route and its tasks (the state the join of #4 reads)."""

from __future__ import annotations

import json

from onewindow_platform.storage import Transaction

from .domain.planning import Plan

SCHEMA = """
CREATE TABLE IF NOT EXISTS routes (
    application_id        TEXT PRIMARY KEY,
    item_code             TEXT NOT NULL,
    receiving_region_code TEXT NOT NULL,
    competent_region_code TEXT NOT NULL,
    handling_region_code  TEXT NOT NULL,
    cross_region          INTEGER NOT NULL,
    fallback_reasons      TEXT NOT NULL,
    accepted_event_id     TEXT NOT NULL,
    routed_at             TEXT NOT NULL
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
    dispatch_number INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS route_tasks_application ON route_tasks (application_id);
"""


def save_plan(tx: Transaction, application_id: str, item_code: str, receiving: str, plan: Plan,
              accepted_event_id: str, routed_at: str, dispatched: dict[str, str]) -> None:
    """Store the route; `dispatched` maps the task ids dispatched now to their due time."""
    tx.execute(
        "INSERT INTO routes (application_id, item_code, receiving_region_code, competent_region_code,"
        " handling_region_code, cross_region, fallback_reasons, accepted_event_id, routed_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (application_id, item_code, receiving, plan.competent_region, plan.handling_region, int(plan.cross_region),
         json.dumps(plan.fallback_reasons, ensure_ascii=False), accepted_event_id, routed_at),
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
