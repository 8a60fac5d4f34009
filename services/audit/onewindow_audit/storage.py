"""The audit log: append-only. The service only ever INSERTs; there is no UPDATE or DELETE here."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from onewindow_platform.storage import Transaction

from .domain.chain import GENESIS, AuditRecord, chain_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    sequence       INTEGER PRIMARY KEY,
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
"""

_COLUMNS = ("sequence, recorded_at, occurred_at, source, event_type, event_id, application_id, actor, trace_id,"
            " span_id, payload_digest, prev_hash, hash")


def append(tx: Transaction, record: AuditRecord) -> AuditRecord | None:
    """Chain `record` after the current head (its sequence and prev_hash are filled in here).
    Returns None when the event is already on record."""
    if tx.execute("SELECT 1 FROM audit_log WHERE event_id = ?", (record.event_id,)).fetchone():
        return None
    head = tx.execute("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1").fetchone()
    sequence, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS)
    chained = AuditRecord(**{**record.__dict__, "sequence": sequence, "prev_hash": prev_hash, "hash": ""})
    chained = AuditRecord(**{**chained.__dict__, "hash": chain_hash(chained)})
    tx.execute(f"INSERT INTO audit_log ({_COLUMNS}) VALUES ({', '.join('?' for _ in range(13))})",
               tuple(chained.__dict__.values()))
    return chained


def all_records(conn: sqlite3.Connection) -> Iterator[AuditRecord]:
    for row in conn.execute(f"SELECT {_COLUMNS} FROM audit_log ORDER BY sequence"):
        yield AuditRecord(*row)


def timeline(conn: sqlite3.Connection, application_id: str) -> list[AuditRecord]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM audit_log WHERE application_id = ? ORDER BY sequence",
                        (application_id,)).fetchall()
    return [AuditRecord(*row) for row in rows]
