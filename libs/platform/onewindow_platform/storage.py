"""The service's local database: one SQLite file in WAL mode, one connection per thread.

The platform's own tables live here beside the service's tables, so that a handler's writes,
the inbox row that marks its event processed and the outbox rows of the events it emits commit
in one local transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .connections import PerThreadConnections
from .migrations import Migration, upgrade

# The platform's tables in every service's file: the inbox (events applied) and the outbox
# (events staged, not yet published). Append migrations; never edit one that has shipped.
PLATFORM_SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS ow_inbox (
    consumer     TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    topic        TEXT NOT NULL,
    partition    INTEGER NOT NULL,
    "offset"     INTEGER NOT NULL,
    processed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS ow_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    topic       TEXT NOT NULL,
    record_key  TEXT NOT NULL,
    event_id    TEXT NOT NULL UNIQUE,
    event_type  TEXT NOT NULL,
    value       BLOB NOT NULL,
    traceparent TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"""
PLATFORM_MIGRATIONS = (
    Migration(1, "inbox and outbox", PLATFORM_SCHEMA_1),
    Migration(2, "inbox rows by age, for pruning",
              "CREATE INDEX IF NOT EXISTS ow_inbox_processed ON ow_inbox (processed_at);"),
)

Transaction = sqlite3.Connection


class Database:
    """A SQLite file shared by the threads of one service process."""

    def __init__(self, path: Path, synchronous: str = "FULL") -> None:
        self.path = path
        self.synchronous = synchronous
        self._connections = PerThreadConnections(self._open)
        path.parent.mkdir(parents=True, exist_ok=True)
        upgrade(self, "platform", PLATFORM_MIGRATIONS)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection."""
        return self._connections.get()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """BEGIN IMMEDIATE … COMMIT; rolls back on any exception."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            # Also when COMMIT itself failed (a full disk keeps the transaction open): never
            # leave this thread's connection inside a half-done transaction.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @staticmethod
    @contextmanager
    def savepoint(tx: Transaction) -> Iterator[None]:
        """One step inside an open transaction: if it raises, only its own writes are undone and
        the transaction goes on (a poll batch's record, a group commit's unit)."""
        tx.execute("SAVEPOINT ow_step")
        try:
            yield
        except Exception:
            tx.execute("ROLLBACK TO ow_step")
            raise
        finally:
            tx.execute("RELEASE ow_step")

    def close(self) -> None:
        self._connections.close_all()
