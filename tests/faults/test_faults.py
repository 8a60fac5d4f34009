"""Nothing lost, nothing done twice, under faults injected while cases are in flight (#7).

Each scenario runs a bounded load of business start-up bundles (five departments each) against the
whole stack as processes under the `make run` supervisor (which restarts what dies), injects its
fault, and then checks every accepted case: completed or visibly parked, one task per department at
the agencies, one e-mail per (case, reason), and an audit chain that verifies. The rows are printed
as a table at the end of the run (and written to .run/fault-report.md)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import StackFactory
from tests.faults.harness import Load, Row, settle
from tests.support.processes import wait_until
from tests.support.stack import Stack

pytestmark = [pytest.mark.faults, pytest.mark.timeout(900)]

SERVICES = [("intake", "onewindow_intake"), ("routing", "onewindow_routing"),
            ("department-adapter", "onewindow_department_adapter"), ("notification", "onewindow_notification"),
            ("audit", "onewindow_audit"), ("gateway", "onewindow_gateway")]


def steady_load(stack: Stack) -> Load:
    """Twelve business start-up bundles (sixty agency tasks) at three a second."""
    return Load(stack, count=12, rate_per_s=3.0).start()


def kill_and_wait_for_restart(stack: Stack, module: str) -> None:
    pid = stack.child_pid(module)
    os.kill(pid, signal.SIGKILL)

    def restarted() -> bool:
        try:
            return stack.child_pid(module) != pid
        except LookupError:
            return False

    wait_until(restarted, 30, f"{module} was not restarted")


def assert_no_service_restarted(stack: Stack) -> None:
    """Services ride out a broker outage: none of them exits and needs the supervisor."""
    assert "exited with code" not in (stack.root / "run.out").read_text(), (stack.root / "run.out").read_text()


def assert_every_case_on_record(stack: Stack, load: Load) -> None:
    """Nothing was skipped by the audit: every case's events are on record, each once."""
    def complete_on_record(application_id: str) -> bool:
        with stack.client("ops") as http:
            entries = http.get(f"/api/v1/applications/{application_id}/timeline").json()
        types = [e["event_type"] for e in entries]
        return types.count("TaskCompleted") == 5 and types.count("ApplicationCompleted") == 1

    for application_id in load.accepted.values():
        wait_until(lambda a=application_id: complete_on_record(a), 60, f"the audit record of {application_id} has gaps")


def assert_clean(rows: list[Row]) -> None:
    bad = [row for row in rows if not row.ok()]
    assert not bad, "\n".join(f"{r.fault}: lost {r.lost}, duplicated {r.duplicated}, {r.detail}" for r in bad)


def test_sigkill_of_each_service_in_turn(make_stack: StackFactory) -> None:
    stack = make_stack()
    rows = []
    for name, module in SERVICES:
        load = steady_load(stack)
        time.sleep(1.5)  # cases are in flight
        kill_and_wait_for_restart(stack, module)
        recovered_at = time.monotonic()
        rows.append(settle(stack, f"SIGKILL {name}, restart", load.join(), recovered_at))
    assert_clean(rows)


def test_sigkill_between_database_commit_and_publish(make_stack: StackFactory, tmp_path) -> None:
    # Each service dies once right after its outbox row committed and before the record is sent.
    points = ",".join(f"ow-{name}:outbox.before_publish={n}" for name, n in
                      (("intake", 4), ("routing", 6), ("department-adapter", 6), ("notification", 6)))
    stack = make_stack(OW_FAILPOINTS=points, OW_FAILPOINTS_ONCE_DIR=str(tmp_path / "fired"))
    load = steady_load(stack).join()
    wait_until(lambda: len(list((tmp_path / "fired").glob("*"))) == 4, 60, "not every failpoint fired")
    row = settle(stack, "SIGKILL between commit and publish (intake, routing, adapter, notification)", load,
                 time.monotonic())
    assert_clean([row])


def test_broker_stopped_and_killed_then_restarted(make_stack: StackFactory, fault_broker) -> None:
    stack = make_stack()
    rows = []
    for how in ("stopped cleanly", "SIGKILL"):
        load = steady_load(stack)
        time.sleep(1.5)
        if how == "SIGKILL":
            fault_broker.kill()
        else:
            fault_broker.down()
        time.sleep(5)  # down for a while: producers buffer, consumers reconnect, the gateway keeps accepting
        fault_broker.up()
        recovered_at = time.monotonic()
        rows.append(settle(stack, f"broker {how}, restarted after 5 s", load.join(), recovered_at))
    assert_clean(rows)
    assert_no_service_restarted(stack)


def test_an_agency_down_slow_and_answering_garbage(make_stack: StackFactory) -> None:
    import httpx

    stack = make_stack()
    rows = []
    department = "110101.tax"
    for mode, extra in (("down", {}), ("slow", {"slow_s": 7.0}), ("garbage", {})):
        httpx.put(f"{stack.simulator_url}/control/departments/{department}", json={"mode": mode, **extra},
                  timeout=10).raise_for_status()
        load = steady_load(stack).join()
        time.sleep(3)  # deliveries to the department fail and are retried with backoff
        restored = dt.datetime.now(dt.UTC)
        httpx.put(f"{stack.simulator_url}/control/departments/{department}", json={"mode": "normal"},
                  timeout=10).raise_for_status()
        recovered_at = time.monotonic()
        rows.append(settle(stack, f"agency {department} {mode}", load, recovered_at, timeout_s=180))
        if mode != "slow":  # the fault did bite: the department took its tasks only once it was back
            tasks = httpx.get(f"{stack.simulator_url}/control/tasks", params={"department_code": department},
                              timeout=30).json()
            mine = [t for t in tasks if t["application_id"] in set(load.accepted.values())]
            assert len(mine) == len(load.accepted)
            assert all(dt.datetime.fromisoformat(t["received_at"]) >= restored for t in mine), mine
    assert_clean(rows)


def test_broker_down_longer_than_the_clients_timeouts(make_stack: StackFactory, fault_broker) -> None:
    """While accepted cases cannot reach the broker for longer than intake's publish-lag limit,
    the gateway answers 503 with Retry-After instead of handing out receipts; what was accepted
    before stays in intake's outbox and moves on once the broker is back."""
    stack = make_stack(OW_INTAKE_MAX_PUBLISH_LAG_S="6")
    load = Load(stack, count=20, rate_per_s=1.0, give_up_after_s=120).start()
    time.sleep(2)
    fault_broker.down()
    time.sleep(20)  # longer than the producers' request timeout and the publish-lag limit
    fault_broker.up()
    recovered_at = time.monotonic()
    row = settle(stack, "broker down 20 s (> 6 s publish-lag limit)", load.join(), recovered_at)
    assert load.retried[503] > 0, "the gateway never said 503 while the broker was away"
    assert load.retry_after_missing == 0
    assert not load.refused, load.refused
    assert_clean([row])
    assert_no_service_restarted(stack)


def test_poison_records_on_every_topic(make_stack: StackFactory) -> None:
    from kafka import KafkaProducer

    from onewindow_platform.topics import ALL_TOPICS
    from tests.support.kafka_io import produce, produce_raw, read_all, submitted

    stack = make_stack()
    load = steady_load(stack)
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap)
    poisoned = []
    for topic in ALL_TOPICS:
        name = stack.topic_prefix + topic.name
        package = topic.module.DESCRIPTOR.package  # type: ignore[attr-defined]
        unknown = submitted("poison-case", "unknown")
        unknown.event_type = f"{package}.SomethingTeleported"
        wrong_schema = submitted("poison-case", "wrong-schema")
        wrong_schema.event_type = next(t for t in topic.module.DESCRIPTOR.message_types_by_name)  # type: ignore[attr-defined]
        wrong_schema.event_type = f"{package}.{wrong_schema.event_type}"
        wrong_schema.payload.type_url = "type.googleapis.com/onewindow.common.v1.Actor"
        produce_raw(producer, name, b"poison-case", b"\x00\xff undecodable")
        produce(producer, name, [unknown, wrong_schema])
        poisoned.append(name)
    producer.close()
    row = settle(stack, "poison records (undecodable, unknown type, wrong schema) on every topic", load.join(),
                 time.monotonic())
    for name in poisoned:  # every consuming service dead-lettered each of the three, and kept going
        dlq = read_all(stack.bootstrap, name + ".dlq", expect_at_least=3, timeout_s=30)
        assert len({r.value for r in dlq}) >= 3, name
    assert_clean([row])


def test_duplicate_submissions_racing_on_one_idempotency_key(make_stack: StackFactory) -> None:
    import threading
    import uuid

    from tests.faults.harness import application_payload

    stack = make_stack()
    keys = [uuid.uuid4().hex for _ in range(8)]
    answers: dict[str, list[tuple[int, str]]] = {key: [] for key in keys}
    barrier = threading.Barrier(6 * len(keys))

    def submit(key: str) -> None:
        with stack.client("clerk") as http:
            barrier.wait()
            response = http.post("/api/v1/applications", json=application_payload(0), headers={"Idempotency-Key": key})
            answers[key].append((response.status_code, response.json().get("application_id", "")))

    threads = [threading.Thread(target=submit, args=(key,)) for key in keys for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    load = Load(stack, count=0, rate_per_s=1.0)
    for key, replies in answers.items():
        assert {status for status, _ in replies} == {202}, replies
        ids = {application_id for _, application_id in replies}
        load.accepted[key] = sorted(ids)[0]
        extra = len(ids) - 1
        if extra:
            load.accepted.update({f"{key}-{i}": other for i, other in enumerate(sorted(ids)[1:])})
    row = settle(stack, "6 clients racing on each of 8 Idempotency-Keys", load, time.monotonic())
    assert row.in_flight == len(keys), "one key made more than one application"
    assert_clean([row])


@pytest.mark.postgres
def test_audit_store_read_only_stalls_the_audit_and_it_catches_up(make_stack: StackFactory,
                                                                   postgres_server: str) -> None:
    """The audit database turns read-only (what PostgreSQL does on a full disk's emergency, or a
    demoted primary): the audit service stops consuming — its lag grows, nothing is skipped or
    dead-lettered — and it catches up once the database takes writes again."""
    import psycopg

    name = f"faults_{os.urandom(4).hex()}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    stack = make_stack(OW_AUDIT_DATABASE_URL=url, OW_RETRY_BACKOFF_MAX_MS="2000")

    def records() -> int:
        with psycopg.connect(url) as conn:
            return int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])  # type: ignore[index]

    def set_read_only(on: bool) -> None:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))

    load = steady_load(stack)
    time.sleep(1.5)
    set_read_only(True)
    time.sleep(2)
    stalled_at = records()
    load.join()
    time.sleep(6)  # the cases move on; the audit record does not
    assert records() == stalled_at, "the audit wrote to a read-only database?"
    set_read_only(False)
    recovered_at = time.monotonic()
    row = settle(stack, "audit database read-only (PostgreSQL), then writable", load, recovered_at)
    assert_every_case_on_record(stack, load)
    assert records() > stalled_at
    row.recover_s = round(time.monotonic() - recovered_at, 1)  # until the audit record caught up
    row.detail += f"; audit stalled at {stalled_at} records while read-only, caught up after"
    assert_clean([row])


def test_a_second_routing_instance_joins_mid_flow_and_leaves(make_stack: StackFactory) -> None:
    """Scale-out on one host: a second routing process with the same settings (same consumer
    group, same database file) joins while cases are in flight — the group rebalances — and later
    leaves with SIGTERM, rebalancing again."""
    import re
    import subprocess
    import sys

    stack = make_stack()
    first = stack.child_pid("onewindow_routing")
    environ = dict(item.split("=", 1) for item in
                   Path(f"/proc/{first}/environ").read_bytes().decode().split("\0") if "=" in item)
    log = stack.root / "routing-2.log"
    load = Load(stack, count=24, rate_per_s=3.0).start()
    time.sleep(1.5)
    with open(log, "wb") as out:
        second = subprocess.Popen([sys.executable, "-m", "onewindow_routing"], env=environ, cwd=stack.root,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        # It joined when the group gave it partitions of its own.
        wait_until(lambda: re.search(r'"msg": "partitions assigned".*"partitions": \["', log.read_text()), 60,
                   "the second instance was given no partitions", on_timeout=log.read_text)
        time.sleep(3)
    finally:
        second.terminate()
        assert second.wait(timeout=60) == 0, log.read_text()[-2000:]
    recovered_at = time.monotonic()
    row = settle(stack, "second routing instance joins mid-flow, then leaves", load.join(), recovered_at)
    assert_clean([row])


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs: a disk that can really fill up (needs root with CAP_SYS_ADMIN, as on CI)."""
    import subprocess

    disk = tmp_path / "small-disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "onewindow-small-disk", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"the disk-full fault needs to mount a small tmpfs (root, CAP_SYS_ADMIN): {mounted.stderr}",
                    pytrace=False)
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_audit_disk_full_stalls_the_audit_and_it_catches_up(small_disk: Path, make_stack: StackFactory) -> None:
    """The audit database's disk fills up: the audit stops consuming (its record stops growing,
    nothing is skipped or dead-lettered) and catches up once there is room again."""
    import json
    import sqlite3

    database = small_disk / "ow-audit.db"
    stack = make_stack(OW_RUN_CHILD_ENV=json.dumps({"ow-audit": {"OW_DATABASE_PATH": str(database)}}))

    def records() -> int:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])

    load = steady_load(stack)
    time.sleep(1.5)
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as handle:  # take every free block (unbuffered: nothing left to flush)
        try:
            while handle.write(b"\0" * 65536):
                pass
        except OSError:
            pass
    time.sleep(3)
    stalled_at = records()
    load.join()
    time.sleep(6)  # the cases move on; the audit record cannot
    assert records() == stalled_at, "the audit wrote to a full disk?"
    assert "disk is full" in (stack.root / ".run" / "logs" / "ow-audit.log").read_text()
    filler.unlink()
    recovered_at = time.monotonic()
    row = settle(stack, "audit database disk full (SQLite on a 16 MB tmpfs), then freed", load, recovered_at)
    assert_every_case_on_record(stack, load)
    row.recover_s = round(time.monotonic() - recovered_at, 1)
    row.detail += f"; audit stalled at {stalled_at} records while the disk was full, caught up after"
    assert_clean([row])
