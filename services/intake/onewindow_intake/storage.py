"""Intake's tables: applications (personal data sealed), idempotency keys, case-number counters
and the case view (application + tasks) that events keep current."""

from __future__ import annotations

import json
from dataclasses import dataclass

from onewindow_platform.migrations import Migration, Schema
from onewindow_platform.storage import Transaction

SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS applications (
    application_id        TEXT PRIMARY KEY,
    item_code             TEXT NOT NULL,
    item_name             TEXT NOT NULL,
    channel               TEXT NOT NULL,
    receiving_region_code TEXT NOT NULL,
    location_region_code  TEXT NOT NULL DEFAULT '',
    handling_region_code  TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL,
    name_masked           TEXT NOT NULL,
    id_number_masked      TEXT NOT NULL,
    phone_masked          TEXT NOT NULL,
    email_masked          TEXT NOT NULL DEFAULT '',
    subject_id            TEXT NOT NULL,
    sealed_personal_data  BLOB NOT NULL,   -- name, ID number, phone, e-mail (AES-GCM)
    fields_json           TEXT NOT NULL,
    submitted_by          TEXT NOT NULL,
    submitted_at          TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    promised_by           TEXT NOT NULL DEFAULT '',
    cross_region          INTEGER NOT NULL DEFAULT 0,
    routing_fallback      INTEGER NOT NULL DEFAULT 0,
    routing_note          TEXT NOT NULL DEFAULT '',
    outcome               INTEGER NOT NULL DEFAULT 0,
    notification_problems TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS applications_status ON applications (status);
CREATE INDEX IF NOT EXISTS applications_subject ON applications (subject_id);

CREATE TABLE IF NOT EXISTS idempotency_keys (
    scoped_key     TEXT PRIMARY KEY,
    request_hash   TEXT NOT NULL,
    application_id TEXT NOT NULL,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS case_counters (
    prefix TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS tasks (
    task_id           TEXT PRIMARY KEY,
    application_id    TEXT NOT NULL,
    department_code   TEXT NOT NULL,
    department_name   TEXT NOT NULL,
    region_code       TEXT NOT NULL,
    level             INTEGER NOT NULL,
    step              INTEGER NOT NULL,
    status            TEXT NOT NULL,
    deadline_json     TEXT NOT NULL DEFAULT '',
    dispatch_number   INTEGER NOT NULL DEFAULT 0,
    outcome           INTEGER NOT NULL DEFAULT 0,
    result_text       TEXT NOT NULL DEFAULT '',
    note              TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS tasks_application ON tasks (application_id);
CREATE INDEX IF NOT EXISTS tasks_department ON tasks (department_code);
"""
SCHEMA = Schema("intake", (
    Migration(1, "applications, tasks, case counters, idempotency keys (release 0.1)", SCHEMA_1),
    # Whether a task's delivery was parked was read from its note's first words; now it is a fact.
    Migration(2, "tasks.parked", """
        ALTER TABLE tasks ADD COLUMN parked INTEGER NOT NULL DEFAULT 0;
        UPDATE tasks SET parked = 1 WHERE note LIKE 'delivery parked%';
    """),
))



@dataclass(frozen=True)
class StoredApplication:
    application_id: str
    item_code: str
    item_name: str
    channel: str
    receiving_region_code: str
    location_region_code: str
    handling_region_code: str
    status: str
    name_masked: str
    id_number_masked: str
    phone_masked: str
    email_masked: str
    subject_id: str
    submitted_at: str
    updated_at: str
    cross_region: int = 0
    routing_fallback: int = 0
    routing_note: str = ""
    outcome: int = 0
    notification_problems: str = "[]"


@dataclass(frozen=True)
class StoredTask:
    task_id: str
    department_code: str
    department_name: str
    region_code: str
    level: int
    step: int
    status: str
    deadline: dict[str, object]
    dispatch_number: int = 0
    outcome: int = 0
    result_text: str = ""
    note: str = ""


def next_case_number(tx: Transaction, region_code: str, day: str) -> str:
    """Readable and unique: <receiving region>-<yyyymmdd>-<sequence>, e.g. 110101-20261126-00042."""
    prefix = f"{region_code}-{day}"
    # One statement: on PostgreSQL the upsert locks the counter's row, so two intake instances
    # numbering in the same region and day take turns.
    (last,) = tx.execute("INSERT INTO case_counters (prefix, last) VALUES (?, 1) ON CONFLICT(prefix)"
                         " DO UPDATE SET last = case_counters.last + 1 RETURNING last", (prefix,)).fetchone()
    return f"{prefix}-{last:05d}"


def find_idempotent(tx: Transaction, scoped_key: str) -> tuple[str, str] | None:
    row = tx.execute("SELECT request_hash, application_id FROM idempotency_keys WHERE scoped_key = ?",
                     (scoped_key,)).fetchone()
    return (row[0], row[1]) if row else None


def remember_idempotent(tx: Transaction, scoped_key: str, request_hash: str, application_id: str) -> None:
    tx.execute("INSERT INTO idempotency_keys (scoped_key, request_hash, application_id) VALUES (?, ?, ?)",
               (scoped_key, request_hash, application_id))


def insert_application(tx: Transaction, row: dict[str, object]) -> None:
    columns = ", ".join(row)
    tx.execute(f"INSERT INTO applications ({columns}) VALUES ({', '.join('?' for _ in row)})",
               tuple(row.values()))


_APP_COLUMNS = ("application_id, item_code, item_name, channel, receiving_region_code, location_region_code, "
                "handling_region_code, status, name_masked, id_number_masked, phone_masked, email_masked, "
                "subject_id, submitted_at, updated_at, cross_region, routing_fallback, routing_note, outcome,"
                " notification_problems")


def get_application(conn: Transaction, application_id: str) -> StoredApplication | None:
    row = conn.execute(f"SELECT {_APP_COLUMNS} FROM applications WHERE application_id = ?",
                       (application_id,)).fetchone()
    return StoredApplication(*row) if row else None


def get_tasks(conn: Transaction, application_id: str) -> list[StoredTask]:
    rows = conn.execute(
        "SELECT task_id, department_code, department_name, region_code, level, step, status, deadline_json,"
        " dispatch_number, outcome, result_text, note"
        " FROM tasks WHERE application_id = ? ORDER BY step, length(task_id), task_id", (application_id,)).fetchall()
    return [StoredTask(task_id=row[0], department_code=row[1], department_name=row[2], region_code=row[3],
                       level=row[4], step=row[5], status=row[6], deadline=json.loads(row[7]) if row[7] else {},
                       dispatch_number=row[8], outcome=row[9], result_text=row[10], note=row[11])
            for row in rows]


def list_applications(conn: Transaction, *, status: str = "", region_prefix: str = "",
                      department_code: str = "", subject_id: str = "", after: str = "", task_status: str = "",
                      item_code: str = "", limit: int = 50) -> list[StoredApplication]:
    clauses, params = [], []
    if item_code:
        clauses.append("item_code = ?")
        params.append(item_code)
    if status:
        clauses.append("status = ?")
        params.append(status)
    if region_prefix:
        clauses.append("(receiving_region_code LIKE ? OR handling_region_code LIKE ? OR location_region_code LIKE ?)")
        params += [region_prefix + "%"] * 3
    if department_code:
        clauses.append("application_id IN (SELECT application_id FROM tasks WHERE department_code = ?)")
        params.append(department_code)
    if task_status:
        clauses.append("application_id IN (SELECT application_id FROM tasks WHERE status = ?)")
        params.append(task_status)
    if subject_id:
        clauses.append("subject_id = ?")
        params.append(subject_id)
    if after:
        clauses.append("application_id > ?")
        params.append(after)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = conn.execute(f"SELECT {_APP_COLUMNS} FROM applications {where} ORDER BY application_id LIMIT ?",
                        (*params, limit)).fetchall()
    return [StoredApplication(*row) for row in rows]


def plan_task(tx: Transaction, application_id: str, task: StoredTask) -> None:
    """A task as routing planned it; a dispatch that arrived first (another topic) wins."""
    tx.execute(
        "INSERT INTO tasks (task_id, application_id, department_code, department_name, region_code, level,"
        " step, status, deadline_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (task.task_id, application_id, task.department_code, task.department_name, task.region_code, task.level,
         task.step, task.status, json.dumps(task.deadline) if task.deadline else ""),
    )


def dispatch_task(tx: Transaction, application_id: str, task: StoredTask) -> None:
    """A (re-)dispatch: the department, level and deadline may all change."""
    tx.execute(
        "INSERT INTO tasks (task_id, application_id, department_code, department_name, region_code, level, step,"
        " status, deadline_json, dispatch_number) VALUES (?, ?, ?, ?, ?, ?, ?, 'dispatched', ?, ?)"
        " ON CONFLICT(task_id) DO UPDATE SET department_code = excluded.department_code,"
        "  department_name = excluded.department_name, region_code = excluded.region_code, level = excluded.level,"
        "  status = 'dispatched', deadline_json = excluded.deadline_json, dispatch_number = excluded.dispatch_number,"
        "  note = CASE WHEN excluded.dispatch_number > 1 THEN tasks.note ELSE '' END",
        (task.task_id, application_id, task.department_code, task.department_name, task.region_code, task.level,
         task.step, json.dumps(task.deadline) if task.deadline else "", task.dispatch_number),
    )


def update_task(tx: Transaction, task_id: str, status: str | None = None, note: str | None = None,
                outcome: int | None = None, result_text: str | None = None, parked: bool | None = None,
                deadline: dict[str, object] | None = None) -> str | None:
    """Set what an event says about a task; returns its application id (None if unknown)."""
    row = tx.execute("SELECT application_id FROM tasks WHERE task_id = ?", (task_id,)).fetchone()
    if row is None:
        return None
    tx.execute("UPDATE tasks SET status = COALESCE(?, status), note = COALESCE(?, note),"
               " outcome = COALESCE(?, outcome), result_text = COALESCE(?, result_text),"
               " parked = COALESCE(?, parked), deadline_json = COALESCE(?, deadline_json) WHERE task_id = ?",
               (status, note, outcome, result_text, None if parked is None else int(parked),
                None if deadline is None else json.dumps(deadline), task_id))
    return str(row[0])


def application_status(tx: Transaction, application_id: str) -> str | None:
    row = tx.execute("SELECT status FROM applications WHERE application_id = ?", (application_id,)).fetchone()
    return str(row[0]) if row else None


def task_status(tx: Transaction, task_id: str) -> tuple[str, bool] | None:
    """(status, parked) of a task, None when unknown."""
    row = tx.execute("SELECT status, parked FROM tasks WHERE task_id = ?", (task_id,)).fetchone()
    return (str(row[0]), bool(row[1])) if row else None


def task_for_supplement(tx: Transaction, application_id: str, task_id: str) -> tuple[str, str] | None:
    """(item code, task status) of a case's task, None when the case has no such task."""
    row = tx.execute("SELECT a.item_code, t.status FROM tasks t JOIN applications a USING (application_id)"
                     " WHERE t.task_id = ? AND t.application_id = ?", (task_id, application_id)).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def task_statuses(tx: Transaction, application_id: str) -> list[str]:
    return [r[0] for r in tx.execute("SELECT status FROM tasks WHERE application_id = ?", (application_id,))]


def record_routing(tx: Transaction, application_id: str, cross_region: bool, fallback: bool, note: str) -> None:
    tx.execute("UPDATE applications SET cross_region = ?, routing_fallback = ?, routing_note = ?"
               " WHERE application_id = ?", (int(cross_region), int(fallback), note, application_id))


def set_application_status(tx: Transaction, application_id: str, status: str, updated_at: str,
                           handling_region_code: str | None = None, outcome: int | None = None) -> None:
    tx.execute("UPDATE applications SET status = ?, updated_at = ?,"
               " handling_region_code = COALESCE(?, handling_region_code), outcome = COALESCE(?, outcome)"
               " WHERE application_id = ?", (status, updated_at, handling_region_code, outcome, application_id))


def add_notification_problem(tx: Transaction, application_id: str, problem: str) -> None:
    row = tx.execute("SELECT notification_problems FROM applications WHERE application_id = ?",
                     (application_id,)).fetchone()
    if row is None:
        return
    problems = json.loads(row[0])
    if problem not in problems:
        problems.append(problem)
        tx.execute("UPDATE applications SET notification_problems = ? WHERE application_id = ?",
                   (json.dumps(problems, ensure_ascii=False), application_id))
