"""The service's database: a SQLite file (the embedded default) or a PostgreSQL schema of its own
(`OW_DATABASE_URL`), behind one interface.

The platform's own tables live here beside the service's tables, so that a handler's writes,
the inbox row that marks its event processed and the outbox rows of the events it emits commit
in one local transaction.

Services write one SQL: SQLite's, restricted to what PostgreSQL also understands once
`onewindow_platform.postgres` has translated it (`?` placeholders, `ON CONFLICT … DO NOTHING`,
`RETURNING`, TEXT/INTEGER/REAL/BLOB columns). What differs and cannot be translated — locking,
durability, transient errors, streaming reads — is a method of the database, never an `if` in a
service.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .connections import PerThreadConnections
from .migrations import Migration, upgrade

if TYPE_CHECKING:
    from .config import PlatformSettings


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Transaction(Protocol):
    """What handlers and storage functions get: a connection with an open transaction (or, for
    reads, outside one). sqlite3.Connection is one; so is the PostgreSQL adapter."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...
    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


# The platform's tables in every service's database: the inbox (events applied) and the outbox
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


class Database(ABC):
    """One service's store, shared by the threads of its process (a connection per thread)."""

    # What the back-end raises while it cannot take writes for a while (locked, restarting, a
    # serialisation conflict): the consumer retries such a record until it clears, never DLQs it.
    transient_errors: tuple[type[BaseException], ...] = ()
    # Appended to a SELECT that picks rows to claim, so concurrent claimers pass over each other's.
    skip_locked = ""
    where: str  # for messages: the file or the server and schema

    @abstractmethod
    def connection(self) -> Any:
        """This thread's connection (reads outside a transaction see the newest commit)."""

    @abstractmethod
    def _begin(self, conn: Any) -> None: ...

    @abstractmethod
    def _in_transaction(self, conn: Any) -> bool: ...

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """BEGIN … COMMIT; rolls back on any exception."""
        conn = self.connection()
        self._begin(conn)
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            # Also when COMMIT itself failed (a full disk keeps the transaction open): never
            # leave this thread's connection inside a half-done transaction.
            if self._in_transaction(conn):
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

    def lock(self, tx: Transaction, name: str) -> None:  # noqa: B027 - SQLite's BEGIN IMMEDIATE is the lock
        """Hold a lock named `name` until `tx` ends: writers of one sequence (the audit chain's
        head, a schema upgrade) take turns across every process on the store."""

    def holds(self, role: str) -> bool:
        """Whether this process holds `role` (one holder among every process on the store; a
        holder that dies loses it at once, and another takes it on its next call). Cheap enough
        to ask before every batch. Processes sharing a SQLite file each hold every role: that
        layout is one machine's, where a second instance is a test, not a deployment."""
        return True

    def relax_durability(self, conn: Any) -> None:  # noqa: B027 - a back-end may have nothing to relax
        """This connection's commits may skip waiting for the disk (the outbox relay's deletes of
        rows already on the broker: one lost to a power cut is published again and recognised)."""

    def stream(self, sql: str, parameters: Sequence[Any] = (), batch: int = 2000) -> Iterator[Any]:
        """Rows of a long read without holding them all in memory."""
        yield from self.connection().execute(sql, parameters)

    @abstractmethod
    def close(self) -> None: ...


class SqliteDatabase(Database):
    """A SQLite file in WAL mode. Every write transaction is BEGIN IMMEDIATE: the file's single
    write lock serialises writers of every process on the file."""

    transient_errors = (sqlite3.OperationalError,)

    def __init__(self, path: Path, synchronous: str = "FULL") -> None:
        self.path = path
        self.where = str(path)
        self.synchronous = synchronous
        self._connections = PerThreadConnections(self._open)
        path.parent.mkdir(parents=True, exist_ok=True)
        upgrade(self, "platform", PLATFORM_MIGRATIONS)

    def connection(self) -> sqlite3.Connection:
        return self._connections.get()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _begin(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")

    def _in_transaction(self, conn: sqlite3.Connection) -> bool:
        return conn.in_transaction

    def relax_durability(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit no longer waits for an fsync

    def close(self) -> None:
        self._connections.close_all()


def open_database(settings: PlatformSettings, component: str, synchronous: str = "FULL") -> Database:
    """The service's database: PostgreSQL (its own schema, named after `component` unless
    `OW_DATABASE_SCHEMA` says otherwise) when `OW_DATABASE_URL` is set, else its SQLite file."""
    if settings.database_url:
        from .postgres import PostgresDatabase

        return PostgresDatabase(settings.database_url, settings.database_schema or schema_name(component))
    return SqliteDatabase(settings.resolved_database_path(), synchronous=synchronous)


def schema_name(component: str) -> str:
    """A component's name as a PostgreSQL schema: `department-adapter` → `department_adapter`."""
    return component.replace("-", "_").replace(".", "_").lower()
