"""Crashes at the worst moments lose nothing and apply nothing twice.

The probe service records every application it applies in a table without a uniqueness
constraint, so a double application would show as a second row, and emits one event per
submission with an id derived from its cause, so a lost or doubled effect shows on the topic.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest

from onewindow_platform.config import PlatformSettings
from onewindow_platform.topics import APPLICATIONS, physical_name
from tests.support.kafka_io import decode_envelopes, probe_event, produce, read_all
from tests.support.processes import wait_until

pytestmark = pytest.mark.kafka


def _applied(tmp_path: Path, group: str) -> list[tuple[str, str]]:
    db = sqlite3.connect(tmp_path / "probe-data" / f"{group}.db")
    try:
        return db.execute("SELECT event_id, marker FROM applied ORDER BY seq").fetchall()
    finally:
        db.close()


def _accepted_ids(settings: PlatformSettings, expect: int, timeout_s: float = 90) -> set[str]:
    topic = physical_name(settings, APPLICATIONS.name)
    records = read_all(settings.kafka_bootstrap_servers, topic, expect, timeout_s=timeout_s)
    return {e.causation_id for e in decode_envelopes(records) if e.event_type.endswith("Accepted")}


def _wait_for_all_accepted(settings: PlatformSettings, inputs: set[str]) -> None:
    wait_until(lambda: _accepted_ids(settings, 0, timeout_s=5) >= inputs, 120,
               "not every submission was accepted after the restart")


def test_sigkill_after_the_database_commit_before_the_offset_commit(
        topics: PlatformSettings, producer, probe_factory, tmp_path: Path) -> None:
    inbound = physical_name(topics, APPLICATIONS.name)
    envelopes = [probe_event(f"app-{i % 7}-{uuid.uuid4().hex[:4]}", f"m{i:03d}") for i in range(40)]
    produce(producer, inbound, envelopes)

    # Dies right after its first transaction committed (a batch of records, or one), before
    # any offset commit: everything in it comes again and must not be applied again.
    crashing = probe_factory("crashing", OW_FAILPOINTS="consumer.after_commit=1").start()
    assert crashing.wait_exit(timeout_s=90) == -signal.SIGKILL
    assert len(_applied(tmp_path, crashing.env["OW_SERVICE_NAME"])) >= 1

    probe_factory("restarted").start()
    inputs = {e.event_id for e in envelopes}
    _wait_for_all_accepted(topics, inputs)

    applied = _applied(tmp_path, crashing.env["OW_SERVICE_NAME"])
    assert len(applied) == len(envelopes), "an event was applied twice or not at all"
    assert {event_id for event_id, _ in applied} == inputs
    assert _accepted_ids(topics, 0) == inputs


def test_sigkill_at_random_moments_under_load(
        topics: PlatformSettings, producer, probe_factory, tmp_path: Path) -> None:
    """Kill -9 the consumer three times at arbitrary points while records keep arriving."""
    inbound = physical_name(topics, APPLICATIONS.name)
    envelopes = [probe_event(f"app-{i % 11}-x", f"m{i:04d}") for i in range(600)]
    feeding_done = threading.Event()

    def feed() -> None:
        for start in range(0, len(envelopes), 50):
            produce(producer, inbound, envelopes[start:start + 50])
            time.sleep(0.15)
        feeding_done.set()

    feeder = threading.Thread(target=feed)
    feeder.start()
    group = ""
    for round_number in range(3):
        probe = probe_factory(f"round{round_number}").start()
        group = probe.env["OW_SERVICE_NAME"]
        probe.wait_for_log('"msg": "consuming"')
        target = (round_number + 1) * 60
        wait_until(lambda g=group, n=target: len(_applied(tmp_path, g)) > n, 60, "the probe made no progress")
        probe.kill()
    feeder.join()
    assert feeding_done.is_set()

    probe_factory("final").start()
    inputs = {e.event_id for e in envelopes}
    _wait_for_all_accepted(topics, inputs)
    applied = _applied(tmp_path, group)
    assert len(applied) == len(envelopes), f"{len(applied) - len(envelopes)} extra applications"
    assert {event_id for event_id, _ in applied} == inputs


def test_outbox_row_survives_a_crash_before_publish(
        topics: PlatformSettings, producer, probe_factory, tmp_path: Path) -> None:
    inbound = physical_name(topics, APPLICATIONS.name)
    envelope = probe_event("app-" + uuid.uuid4().hex[:8], "only-one")
    produce(producer, inbound, [envelope])

    crashing = probe_factory("crashing", OW_FAILPOINTS="outbox.before_publish=1").start()
    assert crashing.wait_exit(timeout_s=90) == -signal.SIGKILL
    group = crashing.env["OW_SERVICE_NAME"]
    db = sqlite3.connect(tmp_path / "probe-data" / f"{group}.db")
    staged = db.execute("SELECT event_type FROM ow_outbox").fetchall()
    db.close()
    assert staged == [("onewindow.application.v1.ApplicationAccepted",)]
    assert _accepted_ids(topics, 0, timeout_s=3) == set(), "published although the process died first"

    restarted = probe_factory("restarted").start()
    _wait_for_all_accepted(topics, {envelope.event_id})
    wait_until(lambda: _outbox_empty(tmp_path, group), 30, "outbox row was not cleared after publishing")
    assert len(_applied(tmp_path, group)) == 1
    assert restarted.terminate() == 0


def _outbox_empty(tmp_path: Path, group: str) -> bool:
    db = sqlite3.connect(tmp_path / "probe-data" / f"{group}.db")
    try:
        return db.execute("SELECT COUNT(*) FROM ow_outbox").fetchone()[0] == 0
    finally:
        db.close()
