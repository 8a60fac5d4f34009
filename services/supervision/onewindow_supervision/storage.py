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
from .ledger_store import SCHEMA_3 as LEDGER_SCHEMA

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
SCHEMA_2 = """
-- why a task exists: '' the case's own work, 'follow_up' routing's 整改 after a bad rating (a redo)
ALTER TABLE followed_tasks ADD COLUMN purpose TEXT NOT NULL DEFAULT '';

CREATE TABLE IF NOT EXISTS followed_cases (
    application_id   TEXT PRIMARY KEY,
    region_code      TEXT NOT NULL,            -- where it was received
    accepted_at      TEXT NOT NULL,
    due_at           TEXT NOT NULL,            -- the promised date; '' when the item promises none
    completed_at     TEXT NOT NULL DEFAULT '',
    -- the watcher plans the case's 回访 at next_attempt_at (a lease while it looks)
    status           TEXT NOT NULL DEFAULT 'pending',   -- pending | looking | done
    next_attempt_at  REAL NOT NULL DEFAULT 0,
    claimed_by       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS followed_cases_due ON followed_cases (status, next_attempt_at);

CREATE TABLE IF NOT EXISTS follow_up_calls (
    call_id          TEXT PRIMARY KEY,
    application_id   TEXT NOT NULL UNIQUE,     -- one 回访 per case
    region_code      TEXT NOT NULL,
    reason           INTEGER NOT NULL,         -- FollowUpReason
    due_at           TEXT NOT NULL,
    outcome          INTEGER NOT NULL DEFAULT 0,  -- FollowUpOutcome; 0 while the call is to be made
    note             TEXT NOT NULL DEFAULT '',
    recorded_by      TEXT NOT NULL DEFAULT '',
    recorded_at      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS follow_up_calls_open ON follow_up_calls (outcome, due_at);
"""
SCHEMA = Schema("supervision", (
    Migration(1, "followed tasks, issued steps, monthly counters", SCHEMA_1),
    Migration(2, "task purpose (redo), followed cases and their 回访 calls", SCHEMA_2),
    Migration(3, "the ledger of livelihood projects (实事项目台账)", LEDGER_SCHEMA),
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
    purpose: str = ""

    @property
    def counted(self) -> bool:
        """A redo (整改) task counts once as the original task's reopening, not as new work."""
        return self.purpose != "follow_up"


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
        " acknowledged_at = '', closed = 0, purpose = excluded.purpose",
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


# -- cases and their 回访 ------------------------------------------------------------------------

@dataclass(frozen=True)
class FollowedCase:
    application_id: str
    region_code: str
    accepted_at: str
    due_at: str
    completed_at: str


_CASE_COLUMNS = ", ".join(f.name for f in fields(FollowedCase))


def follow_case(tx: Transaction, case: FollowedCase) -> None:
    tx.execute(f"INSERT INTO followed_cases ({_CASE_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
               tuple(getattr(case, f.name) for f in fields(FollowedCase)))


def followed_case(tx: Transaction, application_id: str) -> FollowedCase | None:
    row = tx.execute(f"SELECT {_CASE_COLUMNS} FROM followed_cases WHERE application_id = ?",
                     (application_id,)).fetchone()
    return FollowedCase(*row) if row else None


def complete_case(tx: Transaction, application_id: str, at: str) -> None:
    tx.execute("UPDATE followed_cases SET completed_at = ? WHERE application_id = ? AND completed_at = ''",
               (at, application_id))


def schedule_case(tx: Transaction, application_id: str, next_look: float | None) -> None:
    if next_look is None:
        tx.execute("UPDATE followed_cases SET status = 'done', claimed_by = '' WHERE application_id = ?",
                   (application_id,))
    else:
        tx.execute("UPDATE followed_cases SET status = 'pending', next_attempt_at = ?, claimed_by = '' "
                   "WHERE application_id = ?", (next_look, application_id))


def case_job_table(lease_s: float, db: Database) -> JobTable:
    return JobTable("followed_cases", "application_id", "application_id", "looking", lease_s,
                    skip_locked=db.skip_locked)


def call_planned(tx: Transaction, application_id: str) -> bool:
    return tx.execute("SELECT 1 FROM follow_up_calls WHERE application_id = ?", (application_id,)).fetchone() \
        is not None


@dataclass(frozen=True)
class FollowUpCall:
    call_id: str
    application_id: str
    region_code: str
    reason: int
    due_at: str
    outcome: int = 0
    note: str = ""
    recorded_by: str = ""
    recorded_at: str = ""


_CALL_COLUMNS = ", ".join(f.name for f in fields(FollowUpCall))


def plan_call(tx: Transaction, call: FollowUpCall) -> bool:
    """False when the case's call was planned already (by this or another instance)."""
    return tx.execute(f"INSERT INTO follow_up_calls ({_CALL_COLUMNS}) VALUES ({', '.join('?' * 9)})"
                      " ON CONFLICT DO NOTHING", tuple(getattr(call, f.name) for f in fields(FollowUpCall))
                      ).rowcount == 1


def follow_up_call(tx: Transaction, call_id: str) -> FollowUpCall | None:
    row = tx.execute(f"SELECT {_CALL_COLUMNS} FROM follow_up_calls WHERE call_id = ?", (call_id,)).fetchone()
    return FollowUpCall(*row) if row else None


def record_call(tx: Transaction, call_id: str, outcome: int, note: str, by: str, at: str) -> bool:
    """The call's outcome, once; False when it was recorded already."""
    return tx.execute("UPDATE follow_up_calls SET outcome = ?, note = ?, recorded_by = ?, recorded_at = ?"
                      " WHERE call_id = ? AND outcome = 0", (outcome, note, by, at, call_id)).rowcount == 1


def follow_up_calls(tx: Transaction, *, open_only: bool, region_prefix: str = "", limit: int = 100,
                    application_id: str = "") -> list[FollowUpCall]:
    where, params = ["region_code LIKE ?"], [f"{region_prefix}%"]
    if open_only:
        where.append("outcome = 0")
    if application_id:
        where.append("application_id = ?")
        params.append(application_id)
    rows = tx.execute(f"SELECT {_CALL_COLUMNS} FROM follow_up_calls WHERE {' AND '.join(where)}"
                      f" ORDER BY due_at LIMIT ?", (*params, limit)).fetchall()
    return [FollowUpCall(*row) for row in rows]


def history(tx: Transaction, scope: str, code: str, from_month: str, to_month: str) -> dict[str, Counters]:
    rows = tx.execute(f"SELECT month, {', '.join(COUNTER_COLUMNS)} FROM monthly_counters"
                      " WHERE scope = ? AND code = ? AND month >= ? AND month <= ? ORDER BY month",
                      (scope, code, from_month, to_month)).fetchall()
    return {row[0]: Counters(*row[1:]) for row in rows}
