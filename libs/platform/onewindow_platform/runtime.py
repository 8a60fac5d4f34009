"""The platform's parts of a running service process: logging, tracing, the broker, topics, the
database and its migrations, the producer and the outbox relay; then the consuming loop until
SIGTERM/SIGINT, and a clean drain. `bootstrap.run` drives it; services never use it directly.

Start-up fails fast, with a message that says what to do, when the configuration is invalid,
kafka-python lacks its C crc32c extension, or no broker answers.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType

from kafka import KafkaProducer

from .config import PlatformSettings
from .consumer import ConsumingLoop, Handler
from .failpoints import arm
from .kafka import make_consumer, make_producer, require_crc32c, wait_for_broker
from .logs import setup_logging
from .migrations import Schema
from .outbox import OutboxRelay
from .periodic import AtMostEvery
from .storage import Database, open_database
from .topics import ensure_topics, physical_name, topic_for_event
from .tracing import setup_tracing, shutdown_tracing

log = logging.getLogger(__name__)

# Starts a server beside the consuming loop (gRPC, HTTP) and returns the function that stops it.
ExtraServer = Callable[["ServiceRuntime"], Callable[[], None]]


class ServiceRuntime:
    """One service process: database, producer, outbox relay and (given handlers) a consuming
    loop, plus the stop steps of the servers the service runs beside them (gRPC, HTTP)."""

    def __init__(self, settings: PlatformSettings, *, schema: Schema | None = None) -> None:
        self.settings = settings
        self.schema = schema
        self.stop_event = threading.Event()
        self._on_stop: list[Callable[[], None]] = []
        self.db: Database | None = None
        self.relay: OutboxRelay | None = None
        self.producer: KafkaProducer | None = None
        self._heartbeat_turn = AtMostEvery(1.0)

    def start(self) -> None:
        """Everything but the consuming loop: checks, topics, storage, producer, relay."""
        settings = self.settings
        setup_logging(settings.service_name, settings.log_level, settings.log_file)
        arm(settings.failpoints, settings.service_name)
        require_crc32c()
        setup_tracing(settings)
        wait_for_broker(settings.kafka_bootstrap_servers, settings.kafka_startup_timeout_s)
        ensure_topics(settings)
        self.db = open_database(settings, self.schema.component if self.schema else settings.service_name)
        if self.schema is not None:
            self.schema.upgrade(self.db)
        self.producer = make_producer(settings)
        self.relay = OutboxRelay(self.db, self.producer, settings)
        self.relay.start()
        self.relay.wake()  # publish what a previous run committed but did not send

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("the runtime has not started")
        return self.db

    @property
    def outbox_relay(self) -> OutboxRelay:
        if self.relay is None:
            raise RuntimeError("the runtime has not started")
        return self.relay

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Register a shutdown step for an extra server (run before the relay drains)."""
        self._on_stop.append(callback)

    def consume(self, handlers: Mapping[str, Handler]) -> None:
        """The consuming loop until stopped (without handlers: only the heartbeat)."""
        log.info("service started", extra={"topics": subscribed_topics(self.settings, handlers)})
        if not handlers:
            while not self.stop_event.wait(1.0):
                self.heartbeat()
            return
        consumer = make_consumer(self.settings, subscribed_topics(self.settings, handlers))
        try:
            loop = ConsumingLoop(self.settings, consumer, self.producer, self.database, self.outbox_relay,
                                 handlers, self.stop_event)
            loop.on_poll = self.heartbeat
            loop.run()
        finally:
            consumer.close(autocommit=False, timeout_ms=5000)

    def heartbeat(self) -> None:
        """Touch the liveness file that `python -m onewindow_platform.healthcheck` reads."""
        if self._heartbeat_turn.due():
            heartbeat_path(self.settings).touch()

    def shutdown(self) -> None:
        for callback in reversed(self._on_stop):
            try:
                callback()
            except Exception:
                log.exception("shutdown step failed")
        if self.relay is not None:
            self.relay.stop()
        if self.producer is not None:
            self.producer.close(timeout=10)
        if self.db is not None:
            self.db.close()
        log.info("service stopped")
        shutdown_tracing()

    def install_signal_handlers(self) -> None:
        # A signal handler runs on the main thread between two bytecodes: it must take no lock the
        # main thread may hold (the stop event's, a log handler's stream) — a Ctrl-C followed at
        # once by the supervisor's SIGTERM would otherwise nest one handler in the other, waiting
        # on itself for ever. The handler only starts a thread, which logs and sets the event.
        signalled: list[str] = []

        def request_stop(signum: int, _frame: FrameType | None) -> None:
            if signalled:
                return  # stopping already: a second signal adds nothing
            signalled.append(signal.Signals(signum).name)
            threading.Thread(target=self._stop_on_signal, args=(signalled[0],), name="stop-signal",
                             daemon=True).start()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)

    def _stop_on_signal(self, name: str) -> None:
        log.info("stop requested", extra={"signal": name})
        self.stop_event.set()


def subscribed_topics(settings: PlatformSettings, handlers: Mapping[str, Handler]) -> list[str]:
    names = {topic_for_event(event_type).name for event_type in handlers}
    return sorted(physical_name(settings, name) for name in names)


def heartbeat_path(settings: PlatformSettings) -> Path:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    instance = f"-{settings.instance_id}" if settings.instance_id else ""
    return settings.data_dir / f"{settings.service_name}{instance}.alive"
