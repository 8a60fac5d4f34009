"""Supervision's tables: the clock of every task dispatch and case it follows, the steps it
announced (each key once), and the monthly counters the indicators are read from.

The counters are a read model: replaying the topics into an empty store rebuilds them, since
every increment is made by the handler of one event in that event's transaction (and the
platform's inbox applies an event once)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from onewindow_platform.migrations import Migration, Schema
from onewindow_platform.storage import Database, Transaction
from onewindow_platform.worker import JobTable

from .domain.indicators import Counters

COUNTER_COLUMNS = tuple(f.name for f in fields(Counters))

SCHEMA_1 = f"""
CREATE TABLE IF NOT EXISTS followed_tasks (
    task_id          TEXT PRIMARY KEY,
    application_id   TEXT NOT NULL,
    department_code  TEXT NOT NULL,
    region_code      TEXT NOT NULL,
    level            INTEGER NOT NULL,
    dispatch_number  INTEGER NOT NULL,
    month            TEXT NOT NULL,            -- YYYY-MM (China time) the department received it
    dispatched_at    TEXT NOT NULL,            -- UTC ISO, so text order is time order
    due_at           TEXT NOT NULL,
    acknowledged_at  TEXT NOT NULL DEFAULT '',
    closed           INTEGER NOT NULL DEFAULT 0,
    -- the watcher looks at this dispatch next at next_attempt_at (a lease while it looks)
    status           TEXT NOT NULL DEFAULT 'pending',   -- pending | looking | done
    next_attempt_at  REAL NOT NULL DEFAULT 0,
    claimed_by       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS followed_tasks_application ON followed_tasks (application_id);
CREATE INDEX IF NOT EXISTS followed_tasks_due ON followed_tasks (status, next_attempt_at);

CREATE TABLE IF NOT EXISTS issued_steps (
    step_key        TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL,
    kind            TEXT NOT NULL,
    issued_at       TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS monthly_counters (
    month       TEXT NOT NULL,
    scope       TEXT NOT NULL,                 -- department | region
    code        TEXT NOT NULL,
    level       INTEGER NOT NULL,
    {", ".join(f"{name} INTEGER NOT NULL DEFAULT 0" for name in COUNTER_COLUMNS)},
    PRIMARY KEY (month, scope, code)
);
"""
SCHEMA = Schema("supervision", (
    Migration(1, "followed tasks, issued steps, monthly counters", SCHEMA_1),
))


@dataclass(frozen=True)
class FollowedTask:
    task_id: str
    application_id: str
    department_code: str
    region_code: str
    level: int
    dispatch_number: int
    month: str
    dispatched_at: str
    due_at: str
    acknowledged_at: str
    closed: int


_TASK_COLUMNS = ", ".join(f.name for f in fields(FollowedTask))


def followed_task(tx: Transaction, task_id: str) -> FollowedTask | None:
    row = tx.execute(f"SELECT {_TASK_COLUMNS} FROM followed_tasks WHERE task_id = ?", (task_id,)).fetchone()
    return FollowedTask(*row) if row else None


def tasks_of(tx: Transaction, application_id: str) -> list[FollowedTask]:
    rows = tx.execute(f"SELECT {_TASK_COLUMNS} FROM followed_tasks WHERE application_id = ? ORDER BY task_id",
                      (application_id,)).fetchall()
    return [FollowedTask(*row) for row in rows]


def follow(tx: Transaction, task: FollowedTask) -> None:
    """A dispatch of a task: a new department and deadline start a new clock (and a new ladder)."""
    tx.execute(
        f"INSERT INTO followed_tasks ({_TASK_COLUMNS}) VALUES ({', '.join('?' * len(fields(FollowedTask)))})"
        " ON CONFLICT (task_id) DO UPDATE SET department_code = excluded.department_code,"
        " region_code = excluded.region_code, level = excluded.level, dispatch_number = excluded.dispatch_number,"
        " month = excluded.month, dispatched_at = excluded.dispatched_at, due_at = excluded.due_at,"
        " acknowledged_at = '', closed = 0",
        tuple(getattr(task, f.name) for f in fields(FollowedTask)))


def schedule(tx: Transaction, task_id: str, next_look: float | None) -> None:
    """When the watcher looks at the task again (None: never, nothing is left to announce)."""
    if next_look is None:
        tx.execute("UPDATE followed_tasks SET status = 'done', claimed_by = '' WHERE task_id = ?", (task_id,))
    else:
        tx.execute("UPDATE followed_tasks SET status = 'pending', next_attempt_at = ?, claimed_by = '' "
                   "WHERE task_id = ?", (next_look, task_id))


def job_table(lease_s: float, db: Database) -> JobTable:
    """Looks at tasks as leased jobs: one an instance died in the middle of is looked at again
    once its lease lapses (the steps it announced are in issued_steps, so none is repeated)."""
    return JobTable("followed_tasks", "task_id", "task_id", "looking", lease_s, skip_locked=db.skip_locked)


def issued_keys(tx: Transaction, task: FollowedTask) -> frozenset[str]:
    rows = tx.execute("SELECT step_key FROM issued_steps WHERE step_key LIKE ?",
                      (f"{task.task_id}#{task.dispatch_number}:%",)).fetchall()
    return frozenset(row[0] for row in rows)


def issue(tx: Transaction, key: str, application_id: str, kind: str, at: str) -> bool:
    """Record a step as announced; False when it was already (by this or another instance)."""
    return tx.execute("INSERT INTO issued_steps (step_key, application_id, kind, issued_at) VALUES (?, ?, ?, ?)"
                      " ON CONFLICT (step_key) DO NOTHING", (key, application_id, kind, at)).rowcount == 1


def acknowledge(tx: Transaction, task_id: str, at: str) -> None:
    tx.execute("UPDATE followed_tasks SET acknowledged_at = ? WHERE task_id = ?", (at, task_id))


def close(tx: Transaction, task_id: str) -> None:
    tx.execute("UPDATE followed_tasks SET closed = 1 WHERE task_id = ?", (task_id,))


def count(tx: Transaction, month: str, scope: str, code: str, level: int, **increments: int) -> None:
    """Add to one row of the monthly counters (created at its first fact)."""
    unknown = set(increments) - set(COUNTER_COLUMNS)
    if unknown:
        raise ValueError(f"no counter {sorted(unknown)[0]!r}")
    names = list(increments)
    tx.execute(
        f"INSERT INTO monthly_counters (month, scope, code, level, {', '.join(names)})"
        f" VALUES (?, ?, ?, ?, {', '.join('?' * len(names))})"
        f" ON CONFLICT (month, scope, code) DO UPDATE SET "
        + ", ".join(f"{name} = monthly_counters.{name} + excluded.{name}" for name in names),
        (month, scope, code, level, *increments.values()))


def counters(tx: Transaction, month: str, scope: str, level: int | None = None) -> dict[str, Counters]:
    params: list[object]
    where, params = "month = ? AND scope = ?", [month, scope]
    if level is not None:
        where += " AND level = ?"
        params.append(level)
    rows = tx.execute(f"SELECT code, {', '.join(COUNTER_COLUMNS)} FROM monthly_counters WHERE {where}",
                      tuple(params)).fetchall()
    return {row[0]: Counters(*row[1:]) for row in rows}
