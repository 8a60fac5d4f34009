"""Wires the platform into a running service process.

    runtime = ServiceRuntime(settings, schema=SCHEMA, handlers={...})   # SCHEMA: a migrations.Schema
    runtime.run()   # blocks until SIGTERM/SIGINT, then drains and exits cleanly

Start-up fails fast, with a message that says what to do, when the configuration is invalid,
kafka-python lacks its C crc32c extension, or no broker answers.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType

from .config import ConfigurationError, PlatformSettings
from .consumer import ConsumingLoop, Handler
from .failpoints import arm
from .kafka import BrokerUnavailable, make_consumer, make_producer, require_crc32c, wait_for_broker
from .logs import setup_logging
from .migrations import Schema
from .outbox import OutboxRelay
from .periodic import AtMostEvery
from .storage import Database
from .topics import ensure_topics, physical_name, topic_for_event
from .tracing import setup_tracing, shutdown_tracing

log = logging.getLogger(__name__)

# Starts a server beside the consuming loop (gRPC, HTTP) and returns the function that stops it.
ExtraServer = Callable[["ServiceRuntime"], Callable[[], None]]


class ServiceRuntime:
    """One service process: database, producer, outbox relay and (if it has handlers) a
    consuming loop, plus any extra servers the service runs beside them (gRPC, HTTP)."""

    def __init__(
        self,
        settings: PlatformSettings,
        *,
        schema: Schema | None = None,
        handlers: Mapping[str, Handler] | None = None,
        servers: Sequence[ExtraServer] = (),
    ) -> None:
        self.settings = settings
        self.servers = list(servers)
        self.schema = schema
        self.handlers = dict(handlers or {})
        self.stop_event = threading.Event()
        self._on_stop: list[Callable[[], None]] = []
        self.db: Database | None = None
        self.relay: OutboxRelay | None = None
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
        self.db = Database(settings.resolved_database_path())
        if self.schema is not None:
            self.schema.upgrade(self.db)
        self.producer = make_producer(settings)
        self.relay = OutboxRelay(self.db, self.producer, settings)
        self.relay.start()
        self.relay.wake()  # publish what a previous run committed but did not send

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Register a shutdown step for an extra server (run before the relay drains)."""
        self._on_stop.append(callback)

    def subscribed_topics(self) -> list[str]:
        names = {topic_for_event(event_type).name for event_type in self.handlers}
        return sorted(physical_name(self.settings, name) for name in names)

    def run(self) -> None:
        self.install_signal_handlers()
        self.start()
        assert self.db is not None and self.relay is not None
        for start_server in self.servers:
            self.on_stop(start_server(self))
        log.info("service started", extra={"topics": self.subscribed_topics()})
        try:
            if self.handlers:
                consumer = make_consumer(self.settings, self.subscribed_topics())
                try:
                    loop = ConsumingLoop(self.settings, consumer, self.producer, self.db, self.relay,
                                         self.handlers, self.stop_event)
                    loop.on_poll = self.heartbeat
                    loop.run()
                finally:
                    consumer.close(autocommit=False, timeout_ms=5000)
            else:
                while not self.stop_event.wait(1.0):
                    self.heartbeat()
        finally:
            self.shutdown()

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
        if getattr(self, "producer", None) is not None:
            self.producer.close(timeout=10)
        if self.db is not None:
            self.db.close()
        log.info("service stopped")
        shutdown_tracing()

    def install_signal_handlers(self) -> None:
        def request_stop(signum: int, _frame: FrameType | None) -> None:
            log.info("stop requested", extra={"signal": signal.Signals(signum).name})
            self.stop_event.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)


def heartbeat_path(settings: PlatformSettings) -> Path:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.data_dir / f"{settings.service_name}.alive"


def run_service(
    settings_factory: Callable[[], PlatformSettings],
    *,
    handlers: Mapping[str, Handler] | None = None,
    schema: Schema | None = None,
    servers: Sequence[ExtraServer] = (),
) -> int:
    """Run a service until it is told to stop. Returns the process exit code: 0 after a clean
    drain, 2 when it could not start (the reason is printed for the operator)."""
    try:
        settings = settings_factory()
        ServiceRuntime(settings, schema=schema, handlers=handlers, servers=servers).run()
    except (ConfigurationError, BrokerUnavailable) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    return 0
