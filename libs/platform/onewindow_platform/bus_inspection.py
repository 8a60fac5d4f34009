"""What ops read off the bus: each consumer group's lag, the dead-letter records of every topic
with the error that put them there, and the replay of one record once its fault is fixed.

Blocking (kafka-python); callers on an event loop run these in a thread. Every call opens its
own short-lived clients: ops look now and then, and nothing is held open between looks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from .config import PlatformSettings
from .dead_letters import PREFIX
from .topics import ALL_TOPICS, DLQ_SUFFIX, physical_name
from .tracing import EVENT_TYPE_HEADER

REPLAYED_FROM = "ow-replayed-from"


@dataclass(frozen=True)
class GroupLag:
    group: str                    # without the deployment's topic prefix
    lag: int                      # records on the group's topics not yet committed
    partitions: int
    per_topic: dict[str, int] = field(default_factory=dict)
    state: str = ""               # Stable: instances consume; Empty: none does (the service is down)


@dataclass(frozen=True)
class DeadLetter:
    topic: str                    # the DLQ, as named on the cluster
    partition: int
    offset: int
    key: str
    headers: dict[str, str]

    @property
    def reason(self) -> str:
        return self.headers.get(PREFIX + "reason", "")

    @property
    def error(self) -> str:
        return self.headers.get(PREFIX + "error", "")

    @property
    def group(self) -> str:
        return self.headers.get(PREFIX + "consumer-group", "")

    @property
    def failed_at(self) -> str:
        return self.headers.get(PREFIX + "failed-at", "")

    @property
    def task_id(self) -> str:
        """Set on a delivery the adapter gave up on: replayed through the parked-task replay."""
        return self.headers.get(PREFIX + "task-id", "")

    @property
    def event_type(self) -> str:
        return self.headers.get(EVENT_TYPE_HEADER, "").rsplit(".", 1)[-1]


def _reader(settings: PlatformSettings) -> KafkaConsumer:
    return KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=None,
                         enable_auto_commit=False, client_id=f"{settings.service_name}-inspect-{uuid.uuid4().hex[:6]}",
                         consumer_timeout_ms=2000, metrics_enabled=False)


def consumer_lag(settings: PlatformSettings) -> list[GroupLag]:
    """Every consumer group of this deployment (named with its topic prefix) and how far behind
    the end of its topics it has committed."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                             client_id=f"{settings.service_name}-inspect")
    reader = _reader(settings)
    try:
        states = {g["group_id"]: str(g.get("group_state") or "") for g in admin.list_groups()
                  if g["group_id"].startswith(settings.topic_prefix) and g.get("protocol_type") == "consumer"}
        groups = sorted(states)
        committed = admin.list_group_offsets({group: None for group in groups}) if groups else {}
        partitions = sorted({tp for offsets in committed.values() for tp in offsets})
        ends = reader.end_offsets(partitions) if partitions else {}
        lags = []
        for group in groups:
            per_topic: dict[str, int] = {}
            for tp, meta in committed.get(group, {}).items():
                behind = max(0, ends.get(tp, 0) - max(meta.offset, 0))
                name = tp.topic.removeprefix(settings.topic_prefix)
                per_topic[name] = per_topic.get(name, 0) + behind
            lags.append(GroupLag(group.removeprefix(settings.topic_prefix), sum(per_topic.values()),
                                 len(committed.get(group, {})), per_topic, states[group]))
        return lags
    finally:
        reader.close()
        admin.close()


def dead_letter_topics(settings: PlatformSettings) -> list[str]:
    return [physical_name(settings, topic.dlq) for topic in ALL_TOPICS]


def read_dead_letters(settings: PlatformSettings, newest: int = 50) -> dict[str, list[DeadLetter]]:
    """The newest `newest` records of each DLQ (per partition), newest first."""
    reader = _reader(settings)
    found: dict[str, list[DeadLetter]] = {}
    try:
        for topic in dead_letter_topics(settings):
            partitions = [TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic) or ())]
            found[topic] = []
            if not partitions:
                continue
            reader.assign(partitions)
            ends = reader.end_offsets(partitions)
            starts = reader.beginning_offsets(partitions)
            for tp in partitions:
                reader.seek(tp, max(starts[tp], ends[tp] - newest))
            wanted = {tp: ends[tp] for tp in partitions if ends[tp] > starts[tp]}
            while wanted:
                batches = reader.poll(timeout_ms=1000)
                if not batches:
                    break
                for tp, records in batches.items():
                    found[topic] += [_dead_letter(topic, r) for r in records]
                    if reader.position(tp) >= wanted.get(tp, 0):
                        wanted.pop(tp, None)
            found[topic].sort(key=lambda d: (d.failed_at, d.offset), reverse=True)
        return found
    finally:
        reader.close()


def _dead_letter(topic: str, record: object) -> DeadLetter:
    headers = {name: value.decode(errors="replace") for name, value in (record.headers or [])}  # type: ignore[attr-defined]
    key = (record.key or b"").decode(errors="replace")  # type: ignore[attr-defined]
    return DeadLetter(topic, record.partition, record.offset, key, headers)  # type: ignore[attr-defined]


class NoSuchDeadLetter(LookupError):
    pass


def replay_dead_letter(settings: PlatformSettings, topic: str, partition: int, offset: int) -> str:
    """Publish one dead-letter record again to the topic it came from, as it was (key, value, its
    own headers; the ow-dlq-* ones dropped, where it was replayed from added). The consumers'
    inboxes drop it if it was applied meanwhile, so a replay twice is harmless. Returns the topic."""
    if topic not in dead_letter_topics(settings):
        raise NoSuchDeadLetter(f"{topic} is not a dead-letter topic of this deployment")
    reader = _reader(settings)
    try:
        tp = TopicPartition(topic, partition)
        reader.assign([tp])
        reader.seek(tp, offset)
        record = None
        for candidate in reader:
            if candidate.offset == offset:
                record = candidate
            break
        if record is None:
            raise NoSuchDeadLetter(f"no record at {topic}[{partition}]@{offset}")
    finally:
        reader.close()
    headers = [(k, v) for k, v in (record.headers or []) if not k.startswith(PREFIX)]
    headers.append((REPLAYED_FROM, f"{topic}:{partition}:{offset}".encode()))
    original = dict(record.headers or []).get(PREFIX + "original-topic", b"").decode() \
        or topic.removesuffix(DLQ_SUFFIX)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                             client_id=f"{settings.service_name}-replay")
    try:
        producer.send(original, key=record.key, value=record.value, headers=headers).get(timeout=30)
    finally:
        producer.close()
    return original
