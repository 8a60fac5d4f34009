"""Kafka client factories with the platform's guarantees built in.

Producers: acks=all and idempotence (no loss, no duplicates from client retries, per-partition
order kept). Consumers: manual commits only. Both refuse to start without kafka-python's C
crc32c extension, which makes the client 20-30x faster.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaConfigurationError, KafkaError

from .config import ConfigurationError, PlatformSettings

log = logging.getLogger(__name__)


class BrokerUnavailable(RuntimeError):
    """No Kafka broker answered in time; the message says where we looked and what to do."""


def require_crc32c() -> None:
    """Fail fast when kafka-python would silently fall back to its pure-Python crc32c."""
    from kafka.record import util

    if getattr(util, "crc32c_c", None) is None:
        raise ConfigurationError(
            "kafka-python's C crc32c extension is missing, which makes Kafka I/O 20-30x slower. "
            "Install it with: pip install 'kafka-python[crc32c]' (the 'crc32c' package)."
        )


def wait_for_broker(bootstrap_servers: str, timeout_s: float = 30.0) -> None:
    """Block until a client can fetch cluster metadata, or raise BrokerUnavailable."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while True:
        admin = None
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap_servers,
                client_id="ow-readiness",
                request_timeout_ms=5000,
                bootstrap_timeout_ms=int(min(5.0, max(0.5, deadline - time.monotonic())) * 1000),
            )
            cluster = admin.describe_cluster()
            if cluster.get("brokers"):
                return
            last_error = RuntimeError("cluster metadata lists no brokers yet")
        except KafkaConfigurationError:
            raise  # a programming error, not an unavailable broker
        except (KafkaError, OSError, ValueError) as exc:
            last_error = exc
        finally:
            if admin is not None:
                admin.close()
        if time.monotonic() >= deadline:
            raise BrokerUnavailable(
                f"no Kafka broker answered at {bootstrap_servers} within {timeout_s:.0f}s "
                f"({type(last_error).__name__}: {last_error}). Start one with `make kafka-up`, "
                "or point OW_KAFKA_BOOTSTRAP_SERVERS at a running cluster."
            )
        time.sleep(0.5)


def make_producer(settings: PlatformSettings, **overrides: object) -> KafkaProducer:
    require_crc32c()
    config: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.kafka_client_id or settings.service_name,
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": settings.producer_linger_ms,
        "max_in_flight_requests_per_connection": 5,
        "compression_type": None,
        "metrics_enabled": False,  # nobody reads the client's own metrics; recording them costs per record
    }
    config.update(overrides)
    return KafkaProducer(**config)


def make_consumer(settings: PlatformSettings, topics: list[str], group_id: str | None = None,
                  **overrides: object) -> KafkaConsumer:
    require_crc32c()
    config: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.kafka_client_id or settings.service_name,
        "group_id": group_id or settings.consumer_group,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": settings.consumer_max_poll_records,
        "fetch_min_bytes": settings.consumer_fetch_min_bytes,
        "fetch_max_wait_ms": settings.consumer_fetch_max_wait_ms,
        "isolation_level": "read_committed",
        "session_timeout_ms": settings.consumer_session_timeout_ms,
        "heartbeat_interval_ms": max(500, settings.consumer_session_timeout_ms // 4),
        "metrics_enabled": False,
    }
    config.update(overrides)
    consumer = KafkaConsumer(**config)
    _wait_for_partitions(consumer, topics, settings.kafka_startup_timeout_s)
    consumer.subscribe(topics, listener=_LogRebalance())
    return consumer


def _wait_for_partitions(consumer: KafkaConsumer, topics: list[str], timeout_s: float) -> None:
    """Join the group only once the client knows every subscribed topic's partitions. A join made
    while a just-created topic has no metadata yet gets an empty assignment and must rebalance at
    once (seen on every fresh stack). A CI run once found routing's group Empty and the service
    idle after such a start; joining with the partitions known takes that path away."""
    deadline = time.monotonic() + timeout_s
    missing = list(topics)
    while missing and time.monotonic() < deadline:
        try:
            missing = [topic for topic in missing if not consumer.partitions_for_topic(topic)]
        except KafkaError as exc:  # the broker went away meanwhile: the loop rides that out later
            log.warning("could not read topic metadata before subscribing", extra={"error": str(exc)})
            break
        if missing:
            time.sleep(0.1)
    if missing:
        log.warning("subscribing before these topics' partitions are known", extra={"topics": missing})


class _LogRebalance(ConsumerRebalanceListener):
    """Which partitions this instance holds, in the log: what ops look at when a group rebalances."""

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        log.info("partitions revoked", extra={"partitions": sorted(f"{tp.topic}:{tp.partition}" for tp in revoked)})

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        log.info("partitions assigned",
                 extra={"partitions": sorted(f"{tp.topic}:{tp.partition}" for tp in assigned)})


class FetchPacing:
    """How long the broker may hold a fetch, by whether records are flowing.

    While records flow, a fetch waits up to `consumer_fetch_max_wait_ms` for
    `consumer_fetch_min_bytes`, so a poll brings a batch instead of one record per fetch per group
    (the fetch, its hand-off to the consumer's thread and the transaction around it are most of a
    consuming hop's cost). Once a poll comes back empty the consumer is idle: the broker answers at
    the first byte (no waiting for a batch that is not coming) and otherwise holds the fetch for
    `consumer_idle_fetch_max_wait_ms` (few requests while nothing happens). kafka-python reads
    these two values each time it builds a fetch request, from its fetcher's configuration.
    """

    def __init__(self, consumer: KafkaConsumer, settings: PlatformSettings) -> None:
        fetcher = getattr(consumer, "_fetcher", None)
        self._config: dict[str, object] | None = getattr(fetcher, "config", None)
        self._busy_values = {"fetch_min_bytes": settings.consumer_fetch_min_bytes,
                             "fetch_max_wait_ms": settings.consumer_fetch_max_wait_ms}
        self._idle_values = {"fetch_min_bytes": 1, "fetch_max_wait_ms": settings.consumer_idle_fetch_max_wait_ms}
        self.busy: bool | None = None
        self.update(records_came=False)

    def update(self, records_came: bool) -> None:
        if self._config is None or records_came == self.busy:
            return
        self.busy = records_came
        self._config.update(self._busy_values if records_came else self._idle_values)

