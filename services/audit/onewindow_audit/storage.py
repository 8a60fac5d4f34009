"""The audit store: the chained records, the signed checkpoints of its head and the manifests of
archive steps, in the service's database — its SQLite file (the default) or its PostgreSQL schema
(`OW_DATABASE_URL`, or `OW_AUDIT_DATABASE_URL` for the audit service alone).

Append-only: the service only ever INSERTs. The one DELETE is the operator's explicit archive
step (`python -m onewindow_audit archive`), which writes the records out first, signs a manifest,
and is itself recorded in the chain.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from onewindow_platform.migrations import Migration, Schema
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


class AuditStore:
    """The chain in the service's own database (SQLite or PostgreSQL), so a record commits with
    the inbox row of its event (the consumer's transaction is passed in). Appends hold the
    database's lock named "audit chain": several audit instances, or a restart overlapping its
    predecessor, never fork the chain (SQLite's write lock already serialises them)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        SCHEMA.upgrade(db)

    def _read(self) -> Any:
        return self.db.connection()

    @contextmanager
    def _write(self, tx: Transaction | None = None) -> Iterator[Any]:
        if tx is not None:
            self.db.lock(tx, "audit chain")
            yield tx
            return
        with self.db.transaction() as own:
            self.db.lock(own, "audit chain")
            yield own

    # -- the chain ------------------------------------------------------------------------------

    def append(self, record: AuditRecord, tx: Any = None) -> AuditRecord | None:
        """Chain `record` after the current head (sequence and prev_hash are filled in here).
        Returns None when the event is already on record (a redelivery)."""
        with self._write(tx) as conn:
            return self._append(conn, record)

    def _append(self, conn: Any, record: AuditRecord) -> AuditRecord | None:
        if conn.execute(("SELECT 1 FROM audit_log WHERE event_id = ?"), (record.event_id,)).fetchone():
            return None
        head = self._head(conn)
        sequence, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
        chained = AuditRecord(**{**record.__dict__, "sequence": sequence, "prev_hash": prev_hash, "hash": ""})
        chained = AuditRecord(**{**chained.__dict__, "hash": chain_hash(chained)})
        conn.execute((f"INSERT INTO audit_log ({_COLUMNS}) VALUES ({', '.join('?' * 13)})"),
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
        for row in self.db.stream(f"SELECT {_COLUMNS} FROM audit_log ORDER BY sequence"):
            yield AuditRecord(*row)

    def timeline(self, application_id: str) -> list[AuditRecord]:
        rows = self._read().execute(
            (f"SELECT {_COLUMNS} FROM audit_log WHERE application_id = ? ORDER BY sequence"),
            (application_id,)).fetchall()
        return [AuditRecord(*row) for row in rows]

    # -- checkpoints ----------------------------------------------------------------------------

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self._write() as conn:
            # Two audit instances may sign the same head at once: the first signature stands.
            conn.execute((f"INSERT INTO audit_checkpoints ({_CHECKPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
                          " ON CONFLICT DO NOTHING"),
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
            conn.execute((f"INSERT INTO audit_archives ({_ARCHIVE_COLUMNS}) VALUES ({', '.join('?' * 9)})"),
                         tuple(manifest.__dict__.values()))
            cursor = conn.execute(("DELETE FROM audit_log WHERE sequence <= ?"), (manifest.through_sequence,))
            removed = int(cursor.rowcount)
            self._append(conn, record)
            return removed
