"""The event platform against a real broker: envelope round trip, per-application ordering,
dead-lettering, and a clean drain on SIGTERM."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import uuid
from collections import defaultdict
from pathlib import Path

import pytest

from onewindow.application.v1.events_pb2 import ApplicationAccepted
from onewindow_platform import inbox
from onewindow_platform.config import PlatformSettings
from onewindow_platform.events import build_envelope, decode
from onewindow_platform.kafka import make_consumer
from onewindow_platform.storage import SqliteDatabase
from onewindow_platform.topics import APPLICATIONS, physical_name
from tests.support.kafka_io import decode_envelopes, probe_event, produce, produce_raw, read_all
from tests.support.processes import wait_until

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
        envelopes.append(probe_event(app, f"{app}#{sequence[app]:03d}"))
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
    unknown_type = probe_event(app, "unknown")
    unknown_type.event_type = "onewindow.application.v1.ApplicationTeleported"
    wrong_schema = probe_event(app, "wrong-schema")
    wrong_schema.payload.type_url = "type.googleapis.com/onewindow.task.v1.TaskCompleted"

    # One poll brings them all: the good record before the bad ones must survive the savepoints
    # rolled back around it, and the one after must still be applied.
    produce(producer, inbound, [probe_event(app, "good-before-poison")])
    produce_raw(producer, inbound, app.encode(), b"\x00\xffnot a protobuf envelope at all")
    produce(producer, inbound, [unknown_type, wrong_schema,
                                probe_event(app, "refused", item_code="fail-in-handler"),
                                probe_event(app, "good-after-poison")])

    probe = probe_factory().start()
    dlq = read_all(topics.kafka_bootstrap_servers, inbound + ".dlq", 4, timeout_s=60)
    assert len(dlq) == 4
    errors = [record.headers["ow-dlq-error"].decode() for record in dlq]
    assert "not an Envelope" in errors[0] or "lacks" in errors[0]
    assert "unknown event type" in errors[1]
    assert "payload is" in errors[2]
    assert "ValueError: the probe refuses this item on purpose" in errors[3]
    assert dlq[3].headers["ow-dlq-attempts"] == b"3"
    assert [record.headers["ow-dlq-reason"] for record in dlq] == [b"undecodable"] * 3 + [b"attempts-spent"]
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


def test_records_of_a_type_without_a_handler_are_skipped_by_their_header_undecoded(
        topics: PlatformSettings, producer, probe_factory, tmp_path: Path) -> None:
    inbound = physical_name(topics, APPLICATIONS.name)
    app = "app-" + uuid.uuid4().hex[:8]
    garbage = b"\x00\xff never parsed"
    # A known type the probe has no handler for: skipped from its header (the value is never read,
    # so even garbage passes). An unknown type in the header: decoded, hence dead-lettered.
    producer.send(inbound, key=app.encode(), value=garbage,
                  headers=[("ow-event-type", b"onewindow.application.v1.ApplicationCompleted")])
    producer.send(inbound, key=app.encode(), value=garbage,
                  headers=[("ow-event-type", b"onewindow.application.v1.ApplicationTeleported")])
    produce(producer, inbound, [probe_event(app, "after-the-skipped")])

    probe = probe_factory().start()
    out = read_all(topics.kafka_bootstrap_servers, inbound, 4, timeout_s=60)  # the three and the one emitted
    assert len([r for r in out if r.headers.get("ow-event-type", b"").endswith(b"ApplicationAccepted")]) == 1
    dlq = read_all(topics.kafka_bootstrap_servers, inbound + ".dlq", 1, timeout_s=30)
    assert len(dlq) == 1 and "not an Envelope" in dlq[0].headers["ow-dlq-error"].decode()
    assert probe.terminate() == 0
    db = sqlite3.connect(tmp_path / "probe-data" / f"{_group(probe)}.db")
    assert [row[0] for row in db.execute("SELECT marker FROM applied ORDER BY rowid")] == ["after-the-skipped"]


def test_sigterm_drains_and_exits_cleanly(topics: PlatformSettings, producer, probe_factory,
                                          tmp_path: Path) -> None:
    """SIGTERM mid-stream: the probe stops with exit code 0 after it committed the offsets of what
    it applied and published every event it staged; a restarted probe applies the rest, each once."""
    inbound = physical_name(topics, APPLICATIONS.name)
    total = 400
    produce(producer, inbound, [probe_event(f"app-{i}", f"m{i}") for i in range(total)])
    probe = probe_factory().start()
    database = tmp_path / "probe-data" / f"{_group(probe)}.db"

    def applied() -> int:
        if not database.exists():
            return 0
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            try:
                return int(db.execute("SELECT COUNT(*) FROM applied").fetchone()[0])
            except sqlite3.OperationalError:  # the probe has not created its tables yet
                return 0

    wait_until(lambda: applied() > 0, 60, "the probe applied nothing", on_timeout=probe.log_tail)
    assert probe.terminate(timeout_s=60) == 0
    assert '"msg": "service stopped"' in probe.log_text()
    done = applied()
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM ow_outbox").fetchone()[0] == 0, "outbox not drained"
        last_applied = dict(db.execute('SELECT partition, MAX("offset") FROM ow_inbox GROUP BY partition'))
    offsets = committed(topics, topics.topic_prefix + _group(probe), inbound)
    uncovered = {p: o for p, o in last_applied.items() if offsets.get(p, 0) <= o}
    assert not uncovered, f"applied but not committed on the way out: {uncovered} (committed {offsets})"
    accepted = [e for e in decode_envelopes(read_all(topics.kafka_bootstrap_servers, inbound, total + done))
                if e.event_type.endswith("ApplicationAccepted")]
    assert len({e.event_id for e in accepted}) == done, "an applied record's event was not published"

    again = probe_factory("probe-again").start()
    again.wait_for_log('"msg": "consuming"')
    wait_until(lambda: applied() >= total, 90, "the restarted probe did not apply the rest", on_timeout=again.log_tail)
    assert again.terminate(timeout_s=60) == 0
    assert applied() == total, "a record was applied twice across the stop"


def committed(settings: PlatformSettings, group: str, topic: str) -> dict[int, int]:
    """The group's committed offset on each partition of the topic."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        offsets = admin.list_group_offsets({group: None}).get(group, {})
    finally:
        admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


def _group(probe) -> str:
    return probe.env["OW_SERVICE_NAME"]


def test_the_inbox_forgets_events_past_the_horizon_and_keeps_the_rest(
        topics: PlatformSettings, producer, probe_factory, tmp_path: Path) -> None:
    """A row older than the horizon (topic retention + 8 days) is pruned while events are handled;
    the event just applied, and one from yesterday, are still recognised."""
    probe = probe_factory()
    database = tmp_path / "probe-data" / f"{_group(probe)}.db"
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    seed = SqliteDatabase(database)
    with seed.transaction() as tx:
        for event_id, processed_at in (("ancient", "2020-01-01T00:00:00.000Z"),
                                       ("yesterday", f"{yesterday:%Y-%m-%dT%H:%M:%S}.000Z")):
            inbox.remember(tx, topics.topic_prefix + _group(probe), event_id, "t", "t", 0, 0)
            tx.execute("UPDATE ow_inbox SET processed_at = ? WHERE event_id = ?", (processed_at, event_id))
    seed.close()
    inbound = physical_name(topics, APPLICATIONS.name)
    produce(producer, inbound, [probe_event("app-" + uuid.uuid4().hex[:8], "pruning")])
    probe.start()
    wait_until(lambda: "inbox pruned" in probe.log_text(), 60, "no pruning logged", on_timeout=probe.log_tail)
    assert probe.terminate() == 0
    db = sqlite3.connect(database)
    assert [row[0] for row in db.execute("SELECT marker FROM applied")] == ["pruning"]
    kept = {row[0] for row in db.execute("SELECT event_id FROM ow_inbox")}
    assert "ancient" not in kept and "yesterday" in kept and len(kept) == 2  # and the one just applied
