"""The consuming loop every service runs.

    poll → one local transaction for the whole batch, each record in its own savepoint (a record
    whose header names a type the service has no handler for is passed over, undecoded):
        decode → skip if the event id is in the inbox → handler → its new events into the
        outbox → inbox row
    → COMMIT (one fsync for the batch) → wake the outbox relay → commit the Kafka offsets of what
    is durable (at most every `consumer_commit_interval_ms`)

A record that cannot be handled inside the batch (poison, a handler error) is rolled back to its
savepoint; what came before it commits, and that record goes the careful way, alone: infrastructure
errors (the database is locked, full or read-only; the broker is down while dead-lettering) are
retried with backoff for as long as they last — the consumer stalls rather than skips. Any other
handler error is retried `handler_max_attempts` times, then the record goes to `<topic>.dlq` with
the error in its headers and the consumer moves on; then the rest of the batch is batched again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field

from google.protobuf import message as pb_message
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from opentelemetry import context as otel_context
from opentelemetry.trace import SpanKind, Status, StatusCode

from onewindow.common.v1.types_pb2 import Actor

from . import inbox
from .backoff import Backoff, backoff_delay
from .config import PlatformSettings
from .dead_letters import dead_letter_headers
from .events import EVENT_TYPES, DecodedEvent, PoisonRecord, build_envelope, decode
from .failpoints import failpoint
from .kafka import FetchPacing
from .logs import application_id_var
from .outbox import OutboxRelay, add_to_outbox
from .storage import Database, Transaction
from .topics import DLQ_SUFFIX
from .tracing import APPLICATION_ID_ATTRIBUTE, EVENT_TYPE_HEADER, context_from_headers, tracer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Emit:
    """A new event a handler wants published. It inherits the incoming event's application id
    and gets the incoming event id as its causation id unless told otherwise."""

    payload: pb_message.Message
    application_id: str | None = None
    actor: Actor | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class HandlerContext:
    tx: Transaction
    event: DecodedEvent
    topic: str
    partition: int
    offset: int
    settings: PlatformSettings = field(repr=False)
    _after_commit: set[Callable[[], None]] = field(default_factory=set, repr=False)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the transaction holding this event's effects has committed (e.g.
        wake the worker that takes the job just queued: woken earlier it would not see the row)."""
        self._after_commit.add(callback)


Handler = Callable[[DecodedEvent, HandlerContext], Iterable[Emit] | None]


class PermanentError(Exception):
    """The handler can never succeed with this record; dead-letter it without retrying."""


def is_infrastructure_error(exc: BaseException, db: Database) -> bool:
    """Errors of our own storage (locked, full, read-only, away) or broker: retried until they
    clear, never dead-lettered."""
    return isinstance(exc, (KafkaError, *db.transient_errors))


class ConsumingLoop:
    def __init__(
        self,
        settings: PlatformSettings,
        consumer: KafkaConsumer,
        producer: KafkaProducer,
        db: Database,
        relay: OutboxRelay,
        handlers: Mapping[str, Handler],
        stop_event: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.consumer = consumer
        self.producer = producer
        self.db = db
        self.relay = relay
        self.handlers = dict(handlers)
        self.stop_event = stop_event or threading.Event()
        self._tracer = tracer("onewindow.consumer")
        self._pending_offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        self._last_commit = 0.0
        self._pacing = FetchPacing(consumer, settings)
        # The `ow-event-type` header values of the known types this service has no handler for.
        self._not_ours = frozenset(t.encode() for t in EVENT_TYPES if t not in self.handlers)
        self._after_commit: set[Callable[[], None]] = set()  # what handlers asked for, run per commit
        self._pruner = inbox.InboxPruner(db, settings.resolved_inbox_retention_days(),
                                         settings.inbox_prune_interval_s)
        self.on_poll: Callable[[], None] = lambda: None

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> None:
        log.info("consuming", extra={"group": self.settings.consumer_group,
                                     "handlers": sorted(self.handlers)})
        broker_away = Backoff(0.5, 10.0)
        try:
            while not self.stop_event.is_set():
                try:
                    self.run_once()
                    broker_away.reset()
                except KafkaError as exc:
                    # The broker is away (restarting, network): ride it out instead of exiting;
                    # what was handled but not committed comes again and the inbox skips it.
                    wait_s = broker_away.next()
                    log.warning("broker unreachable; polling again shortly",
                                extra={"error": f"{type(exc).__name__}: {exc}", "retry_in_s": wait_s})
                    self.stop_event.wait(wait_s)
                self.on_poll()
        finally:
            self._commit_offsets()

    def run_once(self) -> int:
        batch = self.consumer.poll(timeout_ms=self.settings.consumer_poll_timeout_ms,
                                   max_records=self.settings.consumer_max_poll_records)
        self._pacing.update(records_came=bool(batch))
        # Per-partition order is kept; partitions are independent, so their records may interleave.
        pending = [record for records in batch.values() for record in records]
        handled = 0  # records whose handler's effects were committed
        while pending and not self.stop_event.is_set():
            chunk = pending[:self.settings.consumer_transaction_max_records]
            together, applied = self._process_together(chunk)
            self._run_after_commit()
            self._mark_done(chunk[:together])
            handled += applied
            pending = pending[together:]
            if together == len(chunk):
                continue
            # On SIGTERM the rest of the batch is left for the next owner of the partition (its
            # offsets are not committed); otherwise the first record the batch could not take goes alone.
            alone = bool(pending) and not self.stop_event.is_set() and self._process_with_retries(pending[0])
            self._run_after_commit()
            if not alone:
                break
            self._mark_done(pending[:1])
            handled += 1
            pending = pending[1:]
        if handled:
            self.relay.wake()
            self._pruner.maybe_prune()
        # Offsets go to the broker at most every `consumer_commit_interval_ms` (and when the poll
        # comes back empty): what they cover is already durable, so committing later only means a
        # crash re-reads a little more, which the inbox skips — and the broker sees far fewer commits.
        if self._pending_offsets and (not batch or time.monotonic() - self._last_commit
                                      >= self.settings.consumer_commit_interval_ms / 1000):
            self._commit_offsets()
        return handled

    def _run_after_commit(self) -> None:
        """The callbacks handlers registered; also after a rolled-back record (a needless wake is
        harmless, a missing one would leave a job waiting)."""
        callbacks, self._after_commit = self._after_commit, set()
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback failed")

    def _mark_done(self, records: list[ConsumerRecord]) -> None:
        for record in records:
            self._pending_offsets[TopicPartition(record.topic, record.partition)] = OffsetAndMetadata(
                record.offset + 1, "", -1)

    # -- a batch in one transaction -------------------------------------------------------------

    def _process_together(self, records: list[ConsumerRecord]) -> tuple[int, int]:
        """Handle the leading records of `records` in one transaction, each in a savepoint. Returns
        (how many are done with, how many of those a handler applied); stops before the first record
        that is poison or whose handler fails (rolled back to its savepoint), and returns (0, 0) when
        the COMMIT itself fails. Records of a known type this service does not handle are done with
        as they stand: read off their header, never decoded (about half of what a service's topics
        carry); the transaction is opened only for the first record with a handler."""
        done = applied = 0
        try:
            with ExitStack() as open_transaction:
                tx: Transaction | None = None
                for record in records:
                    if self.stop_event.is_set():
                        break
                    if self._uninteresting(record):
                        done += 1
                        continue
                    try:
                        event = decode(record.value)
                    except PoisonRecord:
                        break
                    handler = self.handlers.get(event.event_type)
                    if handler is not None:
                        if tx is None:
                            tx = open_transaction.enter_context(self.db.transaction())
                        try:
                            with self.db.savepoint(tx):
                                self._process(record, event, handler, tx)
                        except Exception as exc:
                            log.info("record left out of its batch; handling it alone",
                                     extra={"event_id": event.event_id, "error": f"{type(exc).__name__}: {exc}"})
                            break
                        applied += 1
                    done += 1
        except Exception as exc:
            if not is_infrastructure_error(exc, self.db):
                raise
            log.warning("batch commit failed; handling records alone",
                        extra={"records": done, "error": f"{type(exc).__name__}: {exc}"})
            return 0, 0
        if applied:
            failpoint("consumer.after_commit")
        return done, applied

    def _uninteresting(self, record: ConsumerRecord) -> bool:
        """A record whose header names a known event type this service has no handler for. One
        without the header, or naming a type nobody knows, is decoded (and dead-lettered if poison)."""
        return any(key == EVENT_TYPE_HEADER and value in self._not_ours for key, value in record.headers or ())

    # -- one record -----------------------------------------------------------------------------

    def _process_with_retries(self, record: ConsumerRecord) -> bool:
        """Returns True when the record is done with (handled, skipped or dead-lettered)."""
        try:
            event = decode(record.value)
        except PoisonRecord as exc:
            self._dead_letter(record, exc, attempts=0, reason="undecodable")
            return True
        handler = self.handlers.get(event.event_type)
        if handler is None:
            return True  # a valid event this service has no interest in
        attempts = 0
        while True:
            attempts += 1
            try:
                with self.db.transaction() as tx:
                    self._process(record, event, handler, tx)
                failpoint("consumer.after_commit")
                return True
            except Exception as exc:
                infrastructure = is_infrastructure_error(exc, self.db)
                permanent = isinstance(exc, PermanentError)
                log.warning(
                    "handler failed",
                    extra={"event_id": event.event_id, "event_type": event.event_type,
                           "attempt": attempts, "error": f"{type(exc).__name__}: {exc}",
                           "infrastructure": infrastructure},
                )
                if permanent or (not infrastructure and attempts >= self.settings.handler_max_attempts):
                    return self._dead_letter(record, exc, attempts,
                                             reason="permanent-error" if permanent else "attempts-spent")
            delay_ms = backoff_delay(attempts, self.settings.retry_backoff_initial_ms,
                                     self.settings.retry_backoff_max_ms)
            if self.stop_event.wait(delay_ms / 1000):
                return False

    def _process(self, record: ConsumerRecord, event: DecodedEvent, handler: Handler, tx: Transaction) -> None:
        """Apply one event inside the caller's open transaction, in a consumer span of its own (or,
        where the service turns consumer spans off, in the trace context the event came with)."""
        producer_context = context_from_headers(record.headers)
        token = application_id_var.set(event.application_id)
        try:
            if not self.settings.consumer_spans:
                attached = otel_context.attach(producer_context)
                try:
                    self._apply(record, event, handler, tx)
                finally:
                    otel_context.detach(attached)
                return
            with self._tracer.start_as_current_span(
                f"process {record.topic}", context=producer_context, kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": record.topic,
                    "messaging.consumer.group.name": self.settings.consumer_group,
                    "messaging.kafka.message.offset": record.offset,
                    "messaging.destination.partition.id": str(record.partition),
                    "messaging.message.id": event.event_id,
                    "onewindow.event.type": event.event_type,
                    APPLICATION_ID_ATTRIBUTE: event.application_id,
                },
            ) as span:
                try:
                    if self._apply(record, event, handler, tx):
                        span.set_attribute("onewindow.duplicate", True)
                except Exception as exc:
                    span.record_exception(exc)
                    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                    raise
        finally:
            application_id_var.reset(token)

    def _apply(self, record: ConsumerRecord, event: DecodedEvent, handler: Handler, tx: Transaction) -> bool:
        """The handler, its new events into the outbox and the inbox row. Returns True when the
        event was already processed (a redelivery: nothing is done)."""
        if self._already_processed(tx, event.event_id):
            return True
        ctx = HandlerContext(tx=tx, event=event, topic=record.topic, partition=record.partition,
                             offset=record.offset, settings=self.settings, _after_commit=self._after_commit)
        for emit in handler(event, ctx) or ():
            self._stage(tx, event, emit)
        inbox.remember(tx, self.settings.consumer_group, event.event_id, event.event_type,
                       record.topic, record.partition, record.offset)
        return False

    def _already_processed(self, tx: Transaction, event_id: str) -> bool:
        return inbox.seen(tx, self.settings.consumer_group, event_id)

    def _stage(self, tx: Transaction, cause: DecodedEvent, emit: Emit) -> None:
        envelope = build_envelope(
            emit.payload,
            application_id=emit.application_id or cause.application_id,
            source=self.settings.service_name,
            causation_id=cause.event_id,
            actor=emit.actor,
            event_id=emit.event_id,
        )
        add_to_outbox(tx, self.settings, envelope)

    # -- dead letters and offsets ------------------------------------------------------------------

    def _dead_letter(self, record: ConsumerRecord, exc: BaseException, attempts: int, reason: str) -> bool:
        """Publish the record unchanged to `<topic>.dlq` with the error in headers. Returns False
        only when stopping before the DLQ accepted it (the offset is then not committed)."""
        dlq = record.topic + DLQ_SUFFIX
        headers = dead_letter_headers(reason, f"{type(exc).__name__}: {exc}", attempts, self.settings.consumer_group,
                                      original=(record.topic, record.partition, record.offset),
                                      kept=list(record.headers or []))
        dlq_away = Backoff(0.2, 5.0)
        while True:
            try:
                self.producer.send(dlq, key=record.key, value=record.value, headers=headers).get(timeout=30)
                log.error("record dead-lettered",
                          extra={"dlq": dlq, "partition": record.partition, "offset": record.offset,
                                 "error": f"{type(exc).__name__}: {exc}", "attempts": attempts})
                return True
            except KafkaError as send_error:
                log.warning("dead-lettering failed; retrying", extra={"error": str(send_error)})
                if self.stop_event.wait(dlq_away.next()):
                    return False

    def _commit_offsets(self) -> None:
        if not self._pending_offsets:
            return
        offsets, self._pending_offsets = self._pending_offsets, {}
        self._last_commit = time.monotonic()
        try:
            self.consumer.commit(offsets=offsets)
        except CommitFailedError as exc:
            # The group rebalanced; the new owner re-reads from the last commit and the inbox
            # skips what we already applied.
            log.warning("offset commit failed after a rebalance", extra={"error": str(exc)})
        except KafkaError as exc:
            log.warning("offset commit failed; will be retried", extra={"error": str(exc)})
            for tp, meta in offsets.items():
                self._pending_offsets.setdefault(tp, meta)
