"""Instances of one service share its outbox on PostgreSQL: one relay at a time publishes it (the
others stand by), every event reaches the real broker once, in order per key, and when the
relaying instance dies another takes over and publishes what it left behind."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from onewindow_platform import postgres
from onewindow_platform.config import PlatformSettings, load_settings
from onewindow_platform.kafka import make_producer
from onewindow_platform.outbox import RELAY_ROLE, OutboxRelay, add_to_outbox
from onewindow_platform.postgres import PostgresDatabase
from onewindow_platform.storage import Database, schema_name
from onewindow_platform.topics import ensure_topics, physical_name, topic_for_event
from onewindow_platform.tracing import EVENT_ID_HEADER
from tests.support.kafka_io import probe_event, read_all
from tests.support.processes import wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def test_one_instance_at_a_time_holds_a_role_and_a_dead_holder_frees_it(database_factory: Callable[[str], Database],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "HOLD_CHECK_S", 0.0)  # ask the server every time
    first, second = database_factory("svc"), database_factory("svc")
    assert first.holds("relay")
    if isinstance(first, PostgresDatabase):
        assert not second.holds("relay") and first.holds("relay")   # one holder, and it keeps it
        assert second.holds("another role")                         # roles are separate
        first.close()                                               # the holder's process ends
        wait_until(lambda: second.holds("relay"), 10, "the role was never freed")
    else:  # instances sharing one SQLite file each relay (one machine's layout)
        assert second.holds("relay")


def _settings(kafka_bootstrap: str, tmp_path: Path, prefix: str) -> PlatformSettings:
    return load_settings(PlatformSettings, kafka_bootstrap_servers=kafka_bootstrap, service_name="ow-relay-test",
                         topic_prefix=prefix, data_dir=tmp_path, relay_idle_interval_ms=200)


def test_two_instances_publish_their_shared_outbox_once_and_survive_the_relayers_death(
        kafka_bootstrap: str, postgres_url: str, tmp_path: Path) -> None:
    settings = _settings(kafka_bootstrap, tmp_path, f"r{uuid.uuid4().hex[:6]}.")
    ensure_topics(settings)
    schema = schema_name("ow-relay-test")
    instances = [PostgresDatabase(postgres_url, schema) for _ in range(2)]
    relays = [OutboxRelay(db, make_producer(settings), settings) for db in instances]
    for relay in relays:
        relay.start()
    staged: list[tuple[str, str]] = []  # (key, event id) in commit order

    def stage(count: int, by: list[int]) -> None:
        for n in range(count):
            i = by[n % len(by)]
            event = probe_event(f"case-{n % 7}", f"m{len(staged)}")
            with instances[i].transaction() as tx:
                add_to_outbox(tx, settings, event, traceparent="")
            relays[i].wake()
            staged.append((event.application_id, event.event_id))

    def outbox_empty(db: Database) -> bool:
        return db.connection().execute("SELECT count(*) FROM ow_outbox").fetchone()[0] == 0

    topic = physical_name(settings, topic_for_event(probe_event("x", "y").event_type).name)
    try:
        stage(200, by=[0, 1])  # both instances commit events
        wait_until(lambda: outbox_empty(instances[1]), 60, "the outbox was not emptied")
        holder = 0 if instances[0].holds(RELAY_ROLE) else 1
        assert not instances[1 - holder].holds(RELAY_ROLE)  # exactly one relays
        relays[holder].stop(drain_timeout_s=1)  # the relaying instance dies: its connections go
        instances[holder].close()
        survivor = 1 - holder
        stage(100, by=[survivor])
        started = time.monotonic()
        wait_until(lambda: outbox_empty(instances[survivor]), 60, "the standby never took over")
        took_over_s = time.monotonic() - started
    finally:
        for relay, db in zip(relays, instances, strict=True):
            relay.stop(drain_timeout_s=1)
            db.close()
    records = read_all(kafka_bootstrap, topic, len(staged), timeout_s=60)
    ids = [r.headers[EVENT_ID_HEADER].decode() for r in records]
    assert Counter(ids) == Counter(e for _, e in staged)  # each once: no relay published another's rows
    for key in {k for k, _ in staged}:  # the order of each key's events is the order of their commits
        assert [i for i, r in zip(ids, records, strict=True) if r.key == key.encode()] == [
            e for k, e in staged if k == key]
    assert took_over_s < 10
