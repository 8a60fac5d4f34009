"""The inbox: which events this consumer group has applied, so a redelivered one is skipped —
and when a row may be forgotten.

A row for event E may go once E cannot reach this group again. E comes again only as

- the same record, read again (a crash before the offset commit, a rebalance, a group whose
  offsets expired and restart from the earliest record, an operator's rewind): only while the
  topic still holds the record. Kafka deletes a record with its whole segment, once the
  segment's newest record is older than the topic's retention; segments roll at least every
  7 days (`segment.ms`, the broker's default, which `ensure_topics` leaves alone). So no record
  outlives retention + 7 days, and its row was written after the record was;
- a second record of E, which the outbox relay publishes when it crashed between the broker's
  acknowledgement and deleting the row: that happens when the producing service starts again,
  so it comes later than the original by that service's downtime at most.

The horizon is therefore the topic retention + 7 days + 1 day for clock skew between hosts
(`inbox_retention_days`, which settings refuse to set shorter; `config.INBOX_MARGIN_DAYS`).
Only a service kept down longer than that, with a published but undeleted outbox row, could see
a row pruned before its copy comes — and after that long its consumers' group offsets have
expired too.
"""

from __future__ import annotations

import datetime as dt
import logging

from .periodic import AtMostEvery
from .storage import Database, Transaction

log = logging.getLogger(__name__)

def seen(tx: Transaction, consumer: str, event_id: str) -> bool:
    return tx.execute("SELECT 1 FROM ow_inbox WHERE consumer = ? AND event_id = ?",
                      (consumer, event_id)).fetchone() is not None


def remember(tx: Transaction, consumer: str, event_id: str, event_type: str, topic: str, partition: int,
             offset: int) -> None:
    tx.execute('INSERT INTO ow_inbox (consumer, event_id, event_type, topic, partition, "offset")'
               " VALUES (?, ?, ?, ?, ?, ?)", (consumer, event_id, event_type, topic, partition, offset))


def prune(tx: Transaction, older_than: dt.datetime, limit: int) -> int:
    """Forget up to `limit` of the oldest rows processed before `older_than`."""
    at = older_than.astimezone(dt.UTC)
    cutoff = f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z"  # processed_at's own format
    return tx.execute(
        "DELETE FROM ow_inbox WHERE (consumer, event_id) IN (SELECT consumer, event_id FROM ow_inbox"
        " WHERE processed_at < ? ORDER BY processed_at LIMIT ?)", (cutoff, limit)).rowcount


class InboxPruner:
    """Prunes on the consuming loop's own thread, at most once per `interval_s` and only while
    events are handled (an idle inbox does not grow); a few short transactions each time, so a
    large backlog of old rows never holds the file's write lock for long."""

    def __init__(self, db: Database, retention_days: float, interval_s: float, chunk: int = 1000,
                 chunks_per_turn: int = 10) -> None:
        self.db = db
        self.retention = dt.timedelta(days=retention_days)
        self.chunk = chunk
        self.chunks_per_turn = chunks_per_turn
        self._turn = AtMostEvery(interval_s)  # the first turn comes with the first handled batch

    def maybe_prune(self) -> int:
        if not self._turn.due():
            return 0
        older_than = dt.datetime.now(dt.UTC) - self.retention
        removed = 0
        try:
            for _ in range(self.chunks_per_turn):
                with self.db.transaction() as tx:
                    count = prune(tx, older_than, self.chunk)
                removed += count
                if count < self.chunk:
                    break
            else:
                self._turn.again_now()  # more to do: go on with the next batch
        except Exception:  # a busy file: the next turn tries again
            log.exception("inbox pruning failed")
        if removed:
            log.info("inbox pruned", extra={"rows": removed, "older_than": older_than.isoformat()})
        return removed
