"""The per-hop baseline: an empty kafka-python consume→produce relay with the platform's own
producer and consumer settings and records of the size the platform's events have. It does what
every consuming hop must (read, write onward, commit offsets after the write) and nothing else."""

from __future__ import annotations

import os
import time

from kafka.admin import KafkaAdminClient, NewTopic

from onewindow_platform.config import PlatformSettings, load_settings
from onewindow_platform.kafka import make_consumer, make_producer
from onewindow_platform.tracing import record_headers


def relay_rate(bootstrap: str, records: int, record_size: int) -> dict[str, float]:
    settings = load_settings(PlatformSettings, kafka_bootstrap_servers=bootstrap, service_name="bench-relay",
                             topic_prefix=f"benchrelay{os.urandom(3).hex()}.")
    inbound, outbound = settings.topic_prefix + "in", settings.topic_prefix + "out"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name, settings.topic_partitions, 1) for name in (inbound, outbound)])
    admin.close()
    producer = make_producer(settings)
    value = os.urandom(record_size)
    headers = record_headers("00000000-0000-0000-0000-000000000000", "onewindow.application.v1.ApplicationAccepted")
    for n in range(records):
        producer.send(inbound, key=f"110101-20261126-{n % 5000:05d}".encode(), value=value, headers=headers)
    producer.flush()
    consumer = make_consumer(settings, [inbound], group_id=settings.topic_prefix + "relay")
    relayed, started = 0, 0.0
    deadline = time.monotonic() + 600
    while relayed < records and time.monotonic() < deadline:
        batch = consumer.poll(timeout_ms=settings.consumer_poll_timeout_ms,
                              max_records=settings.consumer_max_poll_records)
        if not batch:
            continue
        started = started or time.monotonic()
        for partition_records in batch.values():
            for record in partition_records:
                producer.send(outbound, key=record.key, value=record.value, headers=record.headers)
                relayed += 1
        producer.flush()  # the write is acknowledged (acks=all) before the offsets move
        consumer.commit()
    elapsed = time.monotonic() - started
    consumer.close()
    producer.close()
    return {"records": relayed, "record_bytes": record_size, "seconds": round(elapsed, 2),
            "records_per_s": round(relayed / elapsed, 1) if elapsed else 0.0}
