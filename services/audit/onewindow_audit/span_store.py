"""The span store: every service's finished spans for the last N days, so an ops engineer can
see where a case waited without running Jaeger. Spans are diagnostics, not evidence: they live
outside the hash chain (on SQLite in a file of their own, on PostgreSQL in the audit schema, where
every audit instance sees the spans any of them received) and are pruned after the retention
period."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from onewindow_platform.migrations import Migration, Schema
from onewindow_platform.periodic import AtMostEvery
from onewindow_platform.storage import Database

SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS spans (
    trace_id        TEXT NOT NULL,
    span_id         TEXT NOT NULL,
    parent_span_id  TEXT NOT NULL,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    service         TEXT NOT NULL,
    start_unix_nano INTEGER NOT NULL,
    end_unix_nano   INTEGER NOT NULL,
    status          TEXT NOT NULL,
    application_id  TEXT NOT NULL,
    attributes_json TEXT NOT NULL,
    PRIMARY KEY (trace_id, span_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS spans_end ON spans (end_unix_nano);
CREATE INDEX IF NOT EXISTS spans_application ON spans (application_id);
"""
SCHEMA = Schema("span-store", (
    Migration(1, "spans (release 0.1)", SCHEMA_1),
))

APPLICATION_ID_ATTRIBUTE = "onewindow.application.id"


@dataclass(frozen=True)
class StoredSpan:
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: str
    service: str
    start_unix_nano: int
    end_unix_nano: int
    status: str
    attributes: dict[str, str] = field(default_factory=dict)


class SpanStore:
    def __init__(self, db: Database, retention_days: float, prune_every_s: float = 300.0) -> None:
        self.db = db
        SCHEMA.upgrade(self.db)
        self.retention_ns = int(retention_days * 86400 * 1e9)
        self._prune_turn = AtMostEvery(prune_every_s)

    def add(self, spans: list[StoredSpan]) -> None:
        rows = [(s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.service, s.start_unix_nano,
                 s.end_unix_nano, s.status, s.attributes.get(APPLICATION_ID_ATTRIBUTE, ""),
                 json.dumps(s.attributes, ensure_ascii=False, sort_keys=True)) for s in spans]
        with self.db.transaction() as tx:
            # A span exported twice (an exporter retry) is stored once.
            tx.executemany("INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows)
        self._maybe_prune()

    def trace(self, trace_id: str) -> list[StoredSpan]:
        rows = self.db.connection().execute(
            "SELECT trace_id, span_id, parent_span_id, name, kind, service, start_unix_nano, end_unix_nano, status,"
            " attributes_json FROM spans WHERE trace_id = ? ORDER BY start_unix_nano, span_id", (trace_id,)).fetchall()
        return [StoredSpan(trace_id=r[0], span_id=r[1], parent_span_id=r[2], name=r[3], kind=r[4], service=r[5],
                           start_unix_nano=r[6], end_unix_nano=r[7], status=r[8], attributes=json.loads(r[9]))
                for r in rows]

    def prune(self, now_ns: int | None = None) -> int:
        cutoff = (now_ns if now_ns is not None else time.time_ns()) - self.retention_ns
        with self.db.transaction() as tx:
            return tx.execute("DELETE FROM spans WHERE end_unix_nano < ?", (cutoff,)).rowcount

    def _maybe_prune(self) -> None:
        if self._prune_turn.due():
            self.prune()
