"""The simulated back office's own records: one task per idempotency key, and how often the same
key was delivered (tests use it to prove exactly-once)."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    idempotency_key  TEXT PRIMARY KEY,
    task_id          TEXT NOT NULL,
    application_id   TEXT NOT NULL,
    department_code  TEXT NOT NULL,
    agency_reference TEXT NOT NULL,
    receipts         INTEGER NOT NULL DEFAULT 1,
    protocol         TEXT NOT NULL,
    received_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS notices (
    idempotency_key  TEXT PRIMARY KEY,
    task_id          TEXT NOT NULL,
    department_code  TEXT NOT NULL,
    step             TEXT NOT NULL,
    reason           TEXT NOT NULL,
    respond_by       TEXT NOT NULL,
    protocol         TEXT NOT NULL,
    receipts         INTEGER NOT NULL DEFAULT 1,
    received_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS supplements (
    task_id TEXT NOT NULL,
    fields  TEXT NOT NULL,
    received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"""


class TaskStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()

    def receive(self, key: str, task_id: str, application_id: str, department_code: str,
                protocol: str) -> tuple[str, bool]:
        """(agency reference, new?) — a repeated key returns the first reference."""
        with self._lock:
            row = self._conn.execute("SELECT agency_reference FROM tasks WHERE idempotency_key = ?", (key,)).fetchone()
            if row:
                self._conn.execute("UPDATE tasks SET receipts = receipts + 1 WHERE idempotency_key = ?", (key,))
                return row[0], False
            reference = f"{department_code.split('.')[-1].upper()}-{uuid.uuid4().hex[:10]}"
            self._conn.execute("INSERT INTO tasks (idempotency_key, task_id, application_id, department_code,"
                               " agency_reference, protocol) VALUES (?, ?, ?, ?, ?, ?)",
                               (key, task_id, application_id, department_code, reference, protocol))
            return reference, True

    def receive_notice(self, key: str, task_id: str, department_code: str, step: str, reason: str,
                       respond_by: str, protocol: str) -> str:
        """One notice per idempotency key (a repeated key counts a receipt and answers the same)."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO notices (idempotency_key, task_id, department_code, step, reason, respond_by, protocol)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET receipts = receipts + 1",
                (key, task_id, department_code, step, reason, respond_by, protocol))
        return f"NOTICE-{key.rsplit('#', 1)[-1][:12]}"

    def notices(self, task_id: str = "") -> list[dict[str, object]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT idempotency_key, task_id, department_code, step, reason, respond_by, protocol, receipts"
                " FROM notices WHERE (? = '' OR task_id = ?) ORDER BY received_at", (task_id, task_id)).fetchall()
        names = ("idempotency_key", "task_id", "department_code", "step", "reason", "respond_by", "protocol",
                 "receipts")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def add_supplement(self, task_id: str, fields_json: str) -> None:
        with self._lock:
            self._conn.execute("INSERT INTO supplements (task_id, fields) VALUES (?, ?)", (task_id, fields_json))

    def tasks(self, department_code: str = "", application_id: str = "") -> list[dict[str, object]]:
        query = ("SELECT idempotency_key, task_id, application_id, department_code, agency_reference, receipts,"
                 " protocol, received_at FROM tasks WHERE (? = '' OR department_code = ?)"
                 " AND (? = '' OR application_id = ?) ORDER BY received_at")
        with self._lock:
            rows = self._conn.execute(query, (department_code, department_code, application_id,
                                              application_id)).fetchall()
        keys = ("idempotency_key", "task_id", "application_id", "department_code", "agency_reference", "receipts",
                "protocol", "received_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]
