"""Producing and reading records in tests with the platform's own codec and settings."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from google.protobuf.struct_pb2 import Struct
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from onewindow.application.v1.events_pb2 import SupplementProvided
from onewindow.common.v1.envelope_pb2 import Envelope
from onewindow_platform.events import build_envelope
from onewindow_platform.tracing import Headers, record_headers


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def probe_event(application_id: str, marker: str, item_code: str = "probe-item") -> Envelope:
    """The event the test probe (tests/support/probe_service.py) handles, carrying `marker`."""
    fields = Struct()
    fields.update({"item_code": item_code})
    return build_envelope(SupplementProvided(task_id=marker, fields=fields), application_id=application_id,
                          source="tests")


def produce(producer: KafkaProducer, topic: str, envelopes: Iterable[Envelope],
            headers: Headers | None = None) -> None:
    for envelope in envelopes:
        producer.send(topic, key=envelope.application_id.encode(), value=envelope.SerializeToString(),
                      headers=headers or record_headers(envelope.event_id, envelope.event_type))
    producer.flush(timeout=30)


def produce_raw(producer: KafkaProducer, topic: str, key: bytes, value: bytes) -> None:
    producer.send(topic, key=key, value=value).get(timeout=30)


def read_all(bootstrap: str, topic: str, expect_at_least: int = 0, timeout_s: float = 60.0) -> list[Record]:
    """Every record of a topic from the beginning (no consumer group), waiting until at least
    `expect_at_least` are there or the time is up."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                             client_id=f"test-reader-{uuid.uuid4().hex[:6]}")
    try:
        deadline = time.monotonic() + timeout_s
        partitions: list[TopicPartition] = []
        while not partitions and time.monotonic() < deadline:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            if not partitions:
                time.sleep(0.2)
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        records: list[Record] = []
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300).values():
                for r in batch:
                    records.append(Record(r.topic, r.partition, r.offset, r.key, r.value,
                                          {k: v for k, v in (r.headers or [])}))
            end = consumer.end_offsets(partitions)
            caught_up = all(consumer.position(tp) >= end[tp] for tp in partitions)
            if caught_up and len(records) >= expect_at_least:
                break
        return records
    finally:
        consumer.close()


def decode_envelopes(records: Iterable[Record]) -> list[Envelope]:
    out = []
    for record in records:
        envelope = Envelope()
        envelope.ParseFromString(record.value or b"")
        out.append(envelope)
    return out
