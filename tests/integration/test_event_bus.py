"""The event platform against a real broker: envelope round trip, per-application ordering,
dead-lettering, and a clean drain on SIGTERM."""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections import defaultdict
from pathlib import Path

import pytest

from onewindow.application.v1.events_pb2 import ApplicationAccepted
from onewindow_platform.config import PlatformSettings
from onewindow_platform.events import build_envelope, decode
from onewindow_platform.kafka import make_consumer
from onewindow_platform.topics import APPLICATIONS, physical_name
from tests.support.kafka_io import decode_envelopes, produce, produce_raw, read_all, submitted

pytestmark = pytest.mark.kafka


def test_envelope_round_trip_through_the_broker(topics: PlatformSettings, producer) -> None:
    topic = physical_name(topics, APPLICATIONS.name)
    sent = build_envelope(
        ApplicationAccepted(case_number="BJ-2026-000001", item_code="biz-startup", item_name="企业开办一件事"),
        application_id="app-" + uuid.uuid4().hex, source="ow-tests", causation_id="cause-1",
    )
    produce(producer, topic, [sent])

    consumer = make_consumer(topics, [topic], group_id="roundtrip-" + uuid.uuid4().hex[:6])
    try:
        records = []
        for _ in range(40):
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
            if records:
                break
    finally:
        consumer.close()

    assert len(records) == 1
    record = records[0]
    assert record.key == sent.application_id.encode()
    headers = dict(record.headers)
    assert headers["ow-event-id"] == sent.event_id.encode()
    assert headers["ow-event-type"] == b"onewindow.application.v1.ApplicationAccepted"
    event = decode(record.value)
    assert event.envelope == sent
    assert isinstance(event.payload, ApplicationAccepted)
    assert event.payload.item_name == "企业开办一件事"


def test_events_of_one_application_keep_their_order_across_partitions(
        topics: PlatformSettings, producer, probe_factory) -> None:
    inbound = physical_name(topics, APPLICATIONS.name)
    applications = [f"app-{i:02d}-{uuid.uuid4().hex[:6]}" for i in range(24)]
    per_application = 15
    envelopes = []
    sequence = {app: 0 for app in applications}
    # Interleave the applications at random so order can only survive through keying.
    pool = [app for app in applications for _ in range(per_application)]
    random.shuffle(pool)
    for app in pool:
        envelopes.append(submitted(app, f"{app}#{sequence[app]:03d}"))
        sequence[app] += 1
    produce(producer, inbound, envelopes)

    partitions_used = {r.partition for r in read_all(topics.kafka_bootstrap_servers, inbound, len(envelopes))}
    assert len(partitions_used) > 1, "the test needs the applications spread over several partitions"

    probe = probe_factory().start()
    probe.wait_for_log('"msg": "consuming"')
    total = len(envelopes)
    out = read_all(topics.kafka_bootstrap_servers, inbound, total * 2, timeout_s=90)
    accepted = [e for e in decode_envelopes(out) if e.event_type.endswith("ApplicationAccepted")]
    assert len({e.event_id for e in accepted}) == total

    seen: dict[str, list[str]] = defaultdict(list)
    for envelope in accepted:
        payload = ApplicationAccepted()
        envelope.payload.Unpack(payload)
        seen[envelope.application_id].append(payload.case_number)
    for app in applications:
        markers = list(dict.fromkeys(seen[app]))  # a republished duplicate would repeat, not reorder
        assert markers == sorted(markers), f"{app} lost its order: {markers}"
        assert len(markers) == per_application
    assert probe.terminate() == 0


def test_poison_records_go_to_the_dlq_and_the_consumer_keeps_going(
        topics: PlatformSettings, producer, probe_factory, tmp_path: Path) -> None:
    inbound = physical_name(topics, APPLICATIONS.name)
    app = "app-" + uuid.uuid4().hex[:8]
    unknown_type = submitted(app, "unknown")
    unknown_type.event_type = "onewindow.application.v1.ApplicationTeleported"
    wrong_schema = submitted(app, "wrong-schema")
    wrong_schema.payload.type_url = "type.googleapis.com/onewindow.task.v1.TaskCompleted"

    # One poll brings them all: the good record before the bad ones must survive the savepoints
    # rolled back around it, and the one after must still be applied.
    produce(producer, inbound, [submitted(app, "good-before-poison")])
    produce_raw(producer, inbound, app.encode(), b"\x00\xffnot a protobuf envelope at all")
    produce(producer, inbound, [unknown_type, wrong_schema,
                                submitted(app, "refused", item_code="fail-in-handler"),
                                submitted(app, "good-after-poison")])

    probe = probe_factory().start()
    dlq = read_all(topics.kafka_bootstrap_servers, inbound + ".dlq", 4, timeout_s=60)
    assert len(dlq) == 4
    errors = [record.headers["ow-dlq-error"].decode() for record in dlq]
    assert "not an Envelope" in errors[0] or "lacks" in errors[0]
    assert "unknown event type" in errors[1]
    assert "payload is" in errors[2]
    assert "ValueError: the probe refuses this item on purpose" in errors[3]
    assert dlq[3].headers["ow-dlq-attempts"] == b"3"
    assert all(record.headers["ow-dlq-original-topic"] == inbound.encode() for record in dlq)
    assert dlq[0].value == b"\x00\xffnot a protobuf envelope at all"  # the record itself, unchanged

    out = read_all(topics.kafka_bootstrap_servers, inbound, 8, timeout_s=60)
    accepted = [r for r in out if r.headers.get("ow-event-type", b"").endswith(b"ApplicationAccepted")]
    assert len(accepted) == 2
    assert probe.alive
    assert probe.terminate() == 0

    # The failing handler's writes were rolled back each time: only the good record applied.
    db = sqlite3.connect(tmp_path / "probe-data" / f"{_group(probe)}.db")
    assert [row[0] for row in db.execute("SELECT marker FROM applied ORDER BY rowid")] == [
        "good-before-poison", "good-after-poison"]


def test_sigterm_drains_and_exits_cleanly(topics: PlatformSettings, producer, probe_factory,
                                          tmp_path: Path) -> None:
    inbound = physical_name(topics, APPLICATIONS.name)
    produce(producer, inbound, [submitted(f"app-{i}", f"m{i}") for i in range(50)])
    probe = probe_factory().start()
    probe.wait_for_log('"msg": "consuming"')
    assert probe.terminate(timeout_s=60) == 0
    assert '"msg": "service stopped"' in probe.log_text()
    db = sqlite3.connect(tmp_path / "probe-data" / f"{_group(probe)}.db")
    assert db.execute("SELECT COUNT(*) FROM ow_outbox").fetchone()[0] == 0, "outbox not drained"


def _group(probe) -> str:
    return probe.env["OW_SERVICE_NAME"]
