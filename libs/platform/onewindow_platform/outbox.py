"""The transactional outbox and its relay.

Handlers never publish directly: new events are written to `ow_outbox` in the same local
transaction as the state change that caused them. The relay publishes committed rows in order
(acks=all, idempotent producer), waits for the broker's acknowledgement, then deletes them. A
crash between publish and delete publishes a row again with the same event id, which every
consumer's inbox recognises.

Instances of a service share one outbox (on PostgreSQL): one relay at a time publishes it, the
one that holds the role `outbox relay` (`Database.holds`); the others stand by, and the first to
ask after the holder died takes over within a second. Two relays would not break anything —
each publishes in id order and inboxes drop the second copy — but every event would cost twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from kafka import KafkaProducer
from kafka.errors import KafkaError

from onewindow.common.v1.envelope_pb2 import Envelope

from .backoff import Backoff
from .config import PlatformSettings
from .events import new_event_id
from .failpoints import failpoint, fires
from .storage import Database, Transaction
from .topics import physical_name, topic_for_event
from .tracing import current_traceparent, record_headers

log = logging.getLogger(__name__)

RELAY_ROLE = "outbox relay"
STANDBY_LOOK_S = 1.0  # how often a standing-by relay asks whether the role is free


def add_to_outbox(tx: Transaction, settings: PlatformSettings, envelope: Envelope,
                  traceparent: str | None = None) -> None:
    """Stage an event for publishing; it is published only if `tx` commits.

    The current span's trace context is stored with the row and travels in the record's headers,
    so the consumer's span, later and in another process, joins the application's trace.
    """
    topic = physical_name(settings, topic_for_event(envelope.event_type).name)
    tx.execute(
        "INSERT INTO ow_outbox (topic, record_key, event_id, event_type, value, traceparent)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (topic, envelope.application_id, envelope.event_id, envelope.event_type,
         envelope.SerializeToString(), traceparent if traceparent is not None else current_traceparent()),
    )


class OutboxRelay:
    """Publishes committed outbox rows. One relay per process; `wake()` after a commit."""

    def __init__(self, db: Database, producer: KafkaProducer, settings: PlatformSettings) -> None:
        self.db = db
        self.producer = producer
        self.settings = settings
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def oldest_pending_age_s(self) -> float:
        """How long the oldest unpublished event has waited (0 when the outbox is empty): how far
        behind the event bus this process is, e.g. while the broker is unreachable."""
        # The oldest row has the lowest id: one primary-key lookup, cheap enough for every submission.
        row = self.db.connection().execute("SELECT created_at FROM ow_outbox ORDER BY id LIMIT 1").fetchone()
        if row is None:
            return 0.0
        staged = dt.datetime.fromisoformat(row[0].replace("Z", "+00:00"))
        return max(0.0, (dt.datetime.now(dt.UTC) - staged).total_seconds())

    def publish_pending(self, timeout_s: float = 30.0) -> int:
        """Publish up to one batch of rows; returns how many were published (and deleted)."""
        return self._publish_batch(timeout_s)[1]

    def _publish_batch(self, timeout_s: float = 30.0) -> tuple[int, int]:
        """(rows read, rows published and deleted) of one batch; (0, 0) while another instance relays."""
        with self._lock:
            if not self.db.holds(RELAY_ROLE):
                return 0, 0
            rows = self.db.connection().execute(
                "SELECT id, topic, record_key, event_id, event_type, value, traceparent"
                " FROM ow_outbox ORDER BY id LIMIT ?", (self.settings.relay_batch_size,),
            ).fetchall()
            if not rows:
                return 0, 0
            futures = []
            published_without_send: list[int] = []
            for row_id, topic, key, event_id, event_type, value, traceparent in rows:
                failpoint("outbox.before_publish")
                if fires("outbox.drop_row"):  # planted bug (fault-suite tests): deleted, never sent
                    published_without_send.append(row_id)
                    continue
                futures.append((row_id, self.producer.send(
                    topic, key=key.encode(), value=value,
                    headers=record_headers(event_id, event_type, traceparent=traceparent),
                )))
                if fires("outbox.publish_copy"):  # planted bug (fault-suite tests): the fact twice
                    self._send_copy(topic, key, value, traceparent)
            self.producer.flush(timeout=timeout_s)
            published = published_without_send
            for row_id, future in futures:
                try:
                    future.get(timeout=timeout_s)
                    published.append(row_id)
                except KafkaError as exc:
                    # Later rows of the same key stay unpublished too (order is kept by id).
                    log.warning("outbox publish failed; will retry", extra={"error": str(exc)})
                    break
            failpoint("outbox.after_publish")
            if published:
                with self.db.transaction() as tx:
                    tx.executemany("DELETE FROM ow_outbox WHERE id = ?", [(i,) for i in published])
            return len(rows), len(published)

    def _send_copy(self, topic: str, key: str, value: bytes, traceparent: str) -> None:
        """The planted duplicate: the same event again under a fresh event id, as a relay that
        re-stamped what it sends would do (consumers' inboxes cannot recognise it)."""
        copy = Envelope()
        copy.ParseFromString(value)
        copy.event_id = new_event_id()
        self.producer.send(topic, key=key.encode(), value=copy.SerializeToString(),
                           headers=record_headers(copy.event_id, copy.event_type, traceparent=traceparent))

    def drain(self, timeout_s: float = 30.0) -> None:
        """Publish until the outbox is empty or the time is up (used on shutdown)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if self.publish_pending(timeout_s=max(1.0, deadline - time.monotonic())) == 0:
                    return
            except KafkaError as exc:
                log.warning("outbox drain interrupted", extra={"error": str(exc)})
                time.sleep(0.5)

    # -- background thread -------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self, drain_timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=drain_timeout_s + 30)
        self.drain(drain_timeout_s)

    def _run(self) -> None:
        # This thread's connection commits only deletes of rows already on the broker: a delete lost
        # to a power cut publishes the row again, which every consumer's inbox recognises. So its
        # commits need not wait for the disk; the consumers' and intake's do.
        self.db.relax_durability(self.db.connection())
        idle = self.settings.relay_idle_interval_ms / 1000
        broker_away = Backoff(0.1, 5.0)
        wait_s = 0.0  # look once at start: rows a previous run left behind
        while not self._stop.is_set():
            # Waits on the wake of the next commit, not on a timer: an idle service does nothing.
            self._wake.wait(wait_s)
            self._wake.clear()
            try:
                stuck = self._publish_all()
            except Exception:  # keep relaying; rows stay in the outbox until published
                log.exception("outbox relay error; retrying")
                stuck = True
            if stuck:  # the broker refused or is away: try again soon, then less and less often
                wait_s = broker_away.next()
            elif not self.db.holds(RELAY_ROLE):  # standing by: look again soon whether the holder lives
                wait_s = min(idle, STANDBY_LOOK_S)
            else:
                wait_s = idle
                broker_away.reset()

    def _publish_all(self) -> bool:
        """Publish batches until the outbox is empty; True when a row could not be published."""
        while not self._stop.is_set():
            read, published = self._publish_batch()
            if published < read:
                return True
            if read < self.settings.relay_batch_size:
                return False
        return False
