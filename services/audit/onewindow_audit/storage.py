"""The audit store: the chained records, the signed checkpoints of its head and the manifests of
archive steps, in SQLite (the default, the service's own database file) or PostgreSQL
(`OW_AUDIT_DATABASE_URL=postgresql://…`).

Append-only: the service only ever INSERTs. The one DELETE is the operator's explicit archive
step (`python -m onewindow_audit archive`), which writes the records out first, signs a manifest,
and is itself recorded in the chain.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from onewindow_platform.connections import PerThreadConnections
from onewindow_platform.consumer import StorageUnavailable
from onewindow_platform.migrations import Migration, Schema, apply_pending
from onewindow_platform.storage import Database, Transaction

from .domain.chain import GENESIS, AuditRecord, Verdict, chain_hash
from .domain.checkpoints import ArchiveManifest, Checkpoint
from .domain.verification import verify_store

SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS audit_log (
    sequence       BIGINT PRIMARY KEY,
    recorded_at    TEXT NOT NULL,
    occurred_at    TEXT NOT NULL,
    source         TEXT NOT NULL,
    event_type     TEXT NOT NULL,
    event_id       TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL,
    actor          TEXT NOT NULL,
    trace_id       TEXT NOT NULL,
    span_id        TEXT NOT NULL,
    payload_digest TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_application ON audit_log (application_id, sequence);

CREATE TABLE IF NOT EXISTS audit_checkpoints (
    sequence  BIGINT PRIMARY KEY,
    head_hash TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS audit_archives (
    through_sequence BIGINT PRIMARY KEY,
    through_hash     TEXT NOT NULL,
    records          BIGINT NOT NULL,
    file_name        TEXT NOT NULL,
    file_sha256      TEXT NOT NULL,
    archived_at      TEXT NOT NULL,
    archived_by      TEXT NOT NULL,
    key_id           TEXT NOT NULL,
    signature        TEXT NOT NULL
);
"""
SCHEMA = Schema("audit", (
    Migration(1, "chain, checkpoints, archive manifests (release 0.1)", SCHEMA_1),
))

_COLUMNS = ("sequence, recorded_at, occurred_at, source, event_type, event_id, application_id, actor, trace_id,"
            " span_id, payload_digest, prev_hash, hash")
_CHECKPOINT_COLUMNS = "sequence, head_hash, signed_at, key_id, signature"
_ARCHIVE_COLUMNS = ("through_sequence, through_hash, records, file_name, file_sha256, archived_at, archived_by,"
                    " key_id, signature")


class AuditStore(ABC):
    """The SQL both back-ends share; they differ in connections, placeholders and locking."""

    placeholder = "?"

    @abstractmethod
    def _read(self) -> Any:
        """A connection for reads (per thread)."""

    @abstractmethod
    def _write(self, tx: Any = None) -> Any:
        """A context manager giving a transaction that holds the chain's append lock."""

    def close(self) -> None:  # noqa: B027 - only the PostgreSQL store holds connections of its own
        """Release connections the store opened itself."""

    def _q(self, sql: str) -> str:
        return sql.replace("?", self.placeholder)

    # -- the chain ------------------------------------------------------------------------------

    def append(self, record: AuditRecord, tx: Any = None) -> AuditRecord | None:
        """Chain `record` after the current head (sequence and prev_hash are filled in here).
        Returns None when the event is already on record (a redelivery)."""
        with self._write(tx) as conn:
            return self._append(conn, record)

    def _append(self, conn: Any, record: AuditRecord) -> AuditRecord | None:
        if conn.execute(self._q("SELECT 1 FROM audit_log WHERE event_id = ?"), (record.event_id,)).fetchone():
            return None
        head = self._head(conn)
        sequence, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
        chained = AuditRecord(**{**record.__dict__, "sequence": sequence, "prev_hash": prev_hash, "hash": ""})
        chained = AuditRecord(**{**chained.__dict__, "hash": chain_hash(chained)})
        conn.execute(self._q(f"INSERT INTO audit_log ({_COLUMNS}) VALUES ({', '.join('?' * 13)})"),
                     tuple(chained.__dict__.values()))
        return chained

    def _head(self, conn: Any) -> tuple[int, str] | None:
        row = conn.execute("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1").fetchone()
        if row:
            return int(row[0]), str(row[1])
        archived = self.latest_archive(conn)
        return (archived.through_sequence, archived.through_hash) if archived else None

    def head(self) -> tuple[int, str] | None:
        return self._head(self._read())

    def records(self) -> Generator[AuditRecord, None, None]:
        for row in self._read().execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY sequence"):
            yield AuditRecord(*row)

    def timeline(self, application_id: str) -> list[AuditRecord]:
        rows = self._read().execute(
            self._q(f"SELECT {_COLUMNS} FROM audit_log WHERE application_id = ? ORDER BY sequence"),
            (application_id,)).fetchall()
        return [AuditRecord(*row) for row in rows]

    # -- checkpoints ----------------------------------------------------------------------------

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self._write() as conn:
            conn.execute(self._q(f"INSERT INTO audit_checkpoints ({_CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?)"),
                         (checkpoint.sequence, checkpoint.head_hash, checkpoint.signed_at, checkpoint.key_id,
                          checkpoint.signature))

    def latest_checkpoint(self) -> Checkpoint | None:
        row = self._read().execute(
            f"SELECT {_CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY sequence DESC LIMIT 1").fetchone()
        return Checkpoint(int(row[0]), row[1], row[2], row[3], row[4]) if row else None

    def verify(self, keys: dict[str, Ed25519PublicKey]) -> Verdict:
        """The whole store: archive manifests, checkpoint signatures, the chain pinned to them."""
        return verify_store(self.records(), self.checkpoints(), self.archives(), keys)

    def checkpoints(self) -> list[Checkpoint]:
        rows = self._read().execute(f"SELECT {_CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY sequence").fetchall()
        return [Checkpoint(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]

    # -- archive steps --------------------------------------------------------------------------

    def latest_archive(self, conn: Any = None) -> ArchiveManifest | None:
        row = (conn or self._read()).execute(
            f"SELECT {_ARCHIVE_COLUMNS} FROM audit_archives ORDER BY through_sequence DESC LIMIT 1").fetchone()
        return ArchiveManifest(int(row[0]), row[1], int(row[2]), *row[3:]) if row else None

    def archives(self) -> list[ArchiveManifest]:
        rows = self._read().execute(
            f"SELECT {_ARCHIVE_COLUMNS} FROM audit_archives ORDER BY through_sequence").fetchall()
        return [ArchiveManifest(int(r[0]), r[1], int(r[2]), *r[3:]) for r in rows]

    def archive(self, manifest: ArchiveManifest, record: AuditRecord) -> int:
        """Record the manifest, remove the records it covers and chain `record` (the archive step
        itself), all in one transaction. Returns how many records were removed."""
        with self._write() as conn:
            conn.execute(self._q(f"INSERT INTO audit_archives ({_ARCHIVE_COLUMNS}) VALUES ({', '.join('?' * 9)})"),
                         tuple(manifest.__dict__.values()))
            cursor = conn.execute(self._q("DELETE FROM audit_log WHERE sequence <= ?"), (manifest.through_sequence,))
            removed = int(cursor.rowcount)
            self._append(conn, record)
            return removed


class SqliteAuditStore(AuditStore):
    """The chain in the service's own SQLite file, so a record commits with the inbox row of its
    event (the consumer's transaction is passed in)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        SCHEMA.upgrade(db)

    def _read(self) -> Any:
        return self.db.connection()

    @contextmanager
    def _write(self, tx: Transaction | None = None) -> Iterator[Any]:
        if tx is not None:  # already BEGIN IMMEDIATE: the file's write lock serialises appends
            yield tx
            return
        with self.db.transaction() as own:
            yield own


class PostgresAuditStore(AuditStore):
    """The chain in PostgreSQL. Appends take a transaction-scoped advisory lock, so several audit
    instances (or a restart overlapping its predecessor) never fork the chain. A redelivered event
    is recognised by its unique event id, which makes the append idempotent across the two
    databases (the consumer's inbox is SQLite, the record is here)."""

    placeholder = "%s"
    APPEND_LOCK = 0x6F77_6175  # 'owau'

    def __init__(self, url: str) -> None:
        import psycopg

        self._psycopg = psycopg
        self.url = url
        self._connections: PerThreadConnections[Any] = PerThreadConnections(
            self._connect, usable=lambda conn: not (conn.closed or conn.broken))
        with self._connect() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.APPEND_LOCK,))  # one migrator at a time
            apply_pending(conn, "the audit database", SCHEMA.component, SCHEMA.migrations, placeholder="%s")

    def _connect(self) -> Any:
        return self._psycopg.connect(self.url, autocommit=True, connect_timeout=10)

    def _read(self) -> Any:
        return self._connections.get()

    @contextmanager
    def _write(self, tx: Any = None) -> Iterator[Any]:
        try:
            conn = self._read()
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (self.APPEND_LOCK,))
                yield conn
        except self._psycopg.Error as exc:
            # Server gone, disk full, database read-only, even a bug: the record is retried until
            # the store takes it. An audit trail must stall (consumer lag grows) rather than skip.
            raise StorageUnavailable(f"PostgreSQL: {type(exc).__name__}: {exc}".strip()) from exc

    def records(self) -> Generator[AuditRecord, None, None]:
        conn = self._read()
        with conn.transaction(), conn.cursor(name="audit_records") as cursor:  # server-side: streams
            cursor.itersize = 2000
            cursor.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY sequence")
            for row in cursor:
                yield AuditRecord(*row)

    def close(self) -> None:
        self._connections.close_all()


def open_store(database_url: str | None, db: Database | None) -> AuditStore:
    if database_url:
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise ValueError("OW_AUDIT_DATABASE_URL must be a postgresql:// URL (leave it unset for SQLite)")
        return PostgresAuditStore(database_url)
    assert db is not None, "the SQLite store lives in the service's database"
    return SqliteAuditStore(db)
