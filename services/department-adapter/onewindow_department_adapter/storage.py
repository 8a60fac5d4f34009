"""The adapter's tables: one delivery row per (task, dispatch) and the agency callbacks seen."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from onewindow_platform.migrations import Migration, Schema
from onewindow_platform.storage import Database, Transaction
from onewindow_platform.worker import JobTable

from .connectors import DeliveryRequest
from .domain.task_states import DELIVERY_MOVES

SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_key     TEXT PRIMARY KEY,       -- the Idempotency-Key the agency sees
    kind             TEXT NOT NULL,          -- task | supplement
    task_id          TEXT NOT NULL,
    dispatch_number  INTEGER NOT NULL,
    application_id   TEXT NOT NULL,
    department_code  TEXT NOT NULL,
    request_json     TEXT NOT NULL,
    record_value     BLOB NOT NULL,          -- the TaskDispatched record, for the DLQ when parked
    traceparent      TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,          -- pending | delivering | delivered | parked
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  REAL NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    agency_reference TEXT NOT NULL DEFAULT '',
    task_state       TEXT NOT NULL DEFAULT 'dispatched',
    parked_at        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS deliveries_task ON deliveries (task_id, kind, dispatch_number);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);

CREATE TABLE IF NOT EXISTS agency_callbacks (
    scoped_callback_id TEXT PRIMARY KEY,
    task_id            TEXT NOT NULL,
    event_id           TEXT NOT NULL
);
"""
SCHEMA = Schema("department-adapter", (
    Migration(1, "deliveries and agency callbacks (release 0.1)", SCHEMA_1),
    Migration(2, "deliveries.claimed_by: a claim is one instance's lease",
              "ALTER TABLE deliveries ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';"),
))


@dataclass(frozen=True)
class Delivery:
    task_id: str
    dispatch_number: int
    application_id: str
    department_code: str
    request: DeliveryRequest
    record_value: bytes
    attempts: int
    status: str
    task_state: str
    last_error: str
    parked_at: str


_COLUMNS = ("task_id, dispatch_number, application_id, department_code, request_json, record_value, traceparent,"
            " attempts, status, task_state, last_error, parked_at")


def _row(row: tuple[Any, ...]) -> Delivery:
    request = DeliveryRequest(**json.loads(row[4]), traceparent=row[6])
    return Delivery(task_id=row[0], dispatch_number=row[1], application_id=row[2], department_code=row[3],
                    request=request, record_value=row[5], attempts=row[7], status=row[8], task_state=row[9],
                    last_error=row[10], parked_at=row[11])


def enqueue(tx: Transaction, request: DeliveryRequest, record_value: bytes) -> bool:
    """Store a delivery to make; False when this (task, dispatch) is already known."""
    payload = {k: v for k, v in request.__dict__.items() if k != "traceparent"}
    cursor = tx.execute(
        "INSERT INTO deliveries (delivery_key, kind, task_id, dispatch_number, application_id,"
        " department_code, request_json, record_value, traceparent, status, next_attempt_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING",
        (request.idempotency_key, request.kind, request.task_id, request.dispatch_number, request.application_id,
         request.department_code,
         json.dumps(payload, ensure_ascii=False), record_value, request.traceparent, time.time()),
    )
    return cursor.rowcount == 1


def job_table(lease_s: float, db: Database) -> JobTable:
    """Deliveries as leased jobs: one an instance died in the middle of is tried again once its
    lease lapses (the agency dedups by the Idempotency-Key)."""
    return JobTable("deliveries", "delivery_key", _COLUMNS, "delivering", lease_s, skip_locked=db.skip_locked)


def claim_due(tx: Transaction, jobs: JobTable, limit: int, now: float) -> list[Delivery]:
    return [_row(row) for row in jobs.claim(tx, limit, now)]


def mark_delivered(tx: Transaction, delivery: Delivery, reference: str, attempts: int) -> None:
    before, after = DELIVERY_MOVES
    tx.execute("UPDATE deliveries SET status = 'delivered', agency_reference = ?, attempts = ?, last_error = '',"
               " task_state = CASE WHEN kind = 'task' AND task_state = ? THEN ? ELSE task_state END"
               " WHERE delivery_key = ?", (reference, attempts, before, after, delivery.request.idempotency_key))


def reschedule(tx: Transaction, delivery: Delivery, attempts: int, error: str, at: float) -> None:
    tx.execute("UPDATE deliveries SET status = 'pending', attempts = ?, last_error = ?, next_attempt_at = ?"
               " WHERE delivery_key = ?", (attempts, error[:500], at, delivery.request.idempotency_key))


def postpone(tx: Transaction, delivery: Delivery, at: float) -> None:
    tx.execute("UPDATE deliveries SET status = 'pending', next_attempt_at = ? WHERE delivery_key = ?",
               (at, delivery.request.idempotency_key))


def park(tx: Transaction, delivery: Delivery, attempts: int, error: str, parked_at: str) -> None:
    tx.execute("UPDATE deliveries SET status = 'parked', attempts = ?, last_error = ?, parked_at = ?"
               " WHERE delivery_key = ?", (attempts, error[:500], parked_at, delivery.request.idempotency_key))


def latest(conn: Transaction, task_id: str) -> Delivery | None:
    """The task's own row of its latest dispatch (never a supplement's, which shares the number)."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM deliveries WHERE task_id = ? AND kind = 'task'"
                       " ORDER BY dispatch_number DESC LIMIT 1", (task_id,)).fetchone()
    return _row(row) if row else None


def parked(conn: Transaction, department_code: str = "") -> list[Delivery]:
    query = f"SELECT {_COLUMNS} FROM deliveries WHERE status = 'parked'"
    params: tuple[str, ...] = ()
    if department_code:
        query += " AND department_code = ?"
        params = (department_code,)
    return [_row(row) for row in conn.execute(query + " ORDER BY parked_at", params).fetchall()]


def replay(tx: Transaction, task_id: str) -> bool:
    cursor = tx.execute("UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?, parked_at = ''"
                        " WHERE task_id = ? AND status = 'parked'", (time.time(), task_id))
    return cursor.rowcount > 0


def set_task_state(tx: Transaction, delivery: Delivery, state: str) -> None:
    tx.execute("UPDATE deliveries SET task_state = ? WHERE delivery_key = ?", (state, delivery.request.idempotency_key))


def seen_callback(tx: Transaction, scoped_id: str) -> str | None:
    row = tx.execute("SELECT event_id FROM agency_callbacks WHERE scoped_callback_id = ?", (scoped_id,)).fetchone()
    return row[0] if row else None


def remember_callback(tx: Transaction, scoped_id: str, task_id: str, event_id: str) -> None:
    tx.execute("INSERT INTO agency_callbacks (scoped_callback_id, task_id, event_id) VALUES (?, ?, ?)",
               (scoped_id, task_id, event_id))
