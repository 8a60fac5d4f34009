"""Nothing lost, nothing done twice, under faults injected while cases are in flight (#7, #20).

Each scenario runs a bounded load of business start-up bundles (five departments each) against the
whole stack as processes under the `make run` supervisor (which restarts what dies), injects its
fault at a moment proven to be mid-flow, waits until the stack is quiet (no outbox row, no due
job, no consumer lag), and counts from independent witnesses (`tests/faults/harness.py`): intake's
store, the agencies, the mail sink, the event bus and the audit record. The rows are printed as a
table at the end of the run (and written to .run/fault-report.md)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from onewindow_devtools.registry import OURS
from tests.faults import witnesses as w
from tests.faults.conftest import StackFactory
from tests.faults.harness import (
    Expect,
    assert_clean,
    cases_under_way,
    completed_since,
    count_row,
    set_agency,
    work_done_by,
)
from tests.faults.load import Load, Outcome, application_payload
from tests.support.processes import wait_until
from tests.support.stack import Stack

pytestmark = [pytest.mark.faults, pytest.mark.timeout(900)]

SERVICES = [(c.short_name, c.module) for c in OURS]  # killed in turn


def steady_load(stack: Stack, count: int = 12) -> Load:
    """Twelve business start-up bundles (sixty agency tasks) at three a second."""
    return Load(stack, count=count, rate_per_s=3.0).start()


def wait_for_work(stack: Stack, load: Load, service: str, at_least: int, baseline: int) -> None:
    """Until `service` has done `at_least` pieces of this load's work (the fault then hits mid-flow)."""
    wait_until(lambda: work_done_by(stack, service, load) - baseline >= at_least, 60,
               f"{service} did no work for the load", on_timeout=load.so_far)


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


NOTIFY_WORKERS = 2  # sender threads of the notification service in the kill rows (its default)

# Work a service must have done for the load before it is killed: the kill then falls mid-flow.
WORK_BEFORE_KILL = {"gateway": 2, "intake": 2}


def test_sigkill_of_each_service_in_turn(make_stack: StackFactory) -> None:
    stack = make_stack(OW_NOTIFY_WORKERS=str(NOTIFY_WORKERS))
    rows = []
    for service, module in SERVICES:
        load = Load(stack, count=12, rate_per_s=3.0)
        baseline = work_done_by(stack, service, load)
        load.start()
        wait_for_work(stack, load, service, WORK_BEFORE_KILL.get(service, 5), baseline)
        in_flight = cases_under_way(stack, load)
        at_kill = work_done_by(stack, service, load)
        kill_and_wait_for_restart(stack, module)
        recovered_at = time.monotonic()

        def evidence(s: str = service, b: int = baseline, k: int = at_kill, ld: Load = load) -> dict[str, int]:
            return {f"{s} work before the kill": k - b, "after the restart": work_done_by(stack, s, ld) - k}

        # A kill of the notification service can land between an SMTP server's 250 OK and the commit
        # that records it: that message goes again with the same Message-ID, at most one per sender
        # worker (services/notification/README.md). Allowed here, and counted in the `resent` column.
        expect = Expect(resent=NOTIFY_WORKERS) if service == "notification" else Expect()
        rows.append(count_row(stack, f"SIGKILL {service}, restart", load, recovered_at, in_flight=in_flight,
                              evidence=evidence, expect=expect))
    assert_clean(rows)


def test_sigkill_in_the_crash_windows(make_stack: StackFactory, tmp_path: Path) -> None:
    """Each service dies once right after its outbox row committed and before the record is sent;
    the notification service also dies once between the SMTP server's 250 OK and its own commit —
    the window its README admits to: that one e-mail is sent again with the same Message-ID."""
    windows = [("intake", "outbox.before_publish", 4), ("routing", "outbox.before_publish", 6),
               ("department-adapter", "outbox.before_publish", 6), ("notification", "outbox.before_publish", 6),
               ("notification", "notification.after_send", 5)]
    points = ",".join(f"ow-{name}:{point}={n}" for name, point, n in windows)
    fired = tmp_path / "fired"
    stack = make_stack(OW_FAILPOINTS=points, OW_FAILPOINTS_ONCE_DIR=str(fired), OW_NOTIFY_WORKERS="1")
    load = steady_load(stack)
    wait_until(lambda: len(list(fired.glob("*"))) == len(windows), 90, "not every failpoint fired",
               on_timeout=lambda: str(sorted(p.name for p in fired.glob("*"))))
    row = count_row(stack, "SIGKILL after commit before publish (intake, routing, adapter, notification); "
                    "SIGKILL between SMTP 250 OK and its commit", load, time.monotonic(),
                    evidence=lambda: {f"{name} killed at {point}": int((fired / f"ow-{name}.{point}").exists())
                                      for name, point, _ in windows},
                    expect=Expect(resent=1))
    assert row.resent == 1, "the kill between 250 OK and the commit should resend exactly that e-mail"
    assert_clean([row])


def test_the_gateway_loses_replies_after_the_commit(make_stack: StackFactory, tmp_path: Path) -> None:
    """The case is committed but the 202 never reaches the clerk (the gateway dies or the network
    drops the answer): the clerk's retry with the same Idempotency-Key gets the same case, and the
    witnesses find one application, one task per department and one e-mail per reason."""
    stack = make_stack(OW_FAILPOINTS="ow-gateway:gateway.lose_reply_after_commit=3")
    load = steady_load(stack)
    row = count_row(stack, "gateway loses a 202 after intake committed (client retries, same key)", load,
                    time.monotonic(), evidence=lambda: {"replies lost and retried": load.retried[503]})
    assert_clean([row])


def test_broker_stopped_and_killed_then_restarted(make_stack: StackFactory, fault_broker) -> None:
    stack = make_stack()
    rows = []
    for how in ("stopped cleanly", "SIGKILL"):
        load = Load(stack, count=12, rate_per_s=3.0)
        baseline = work_done_by(stack, "intake", load)
        load.start()
        wait_for_work(stack, load, "intake", 2, baseline)
        in_flight = cases_under_way(stack, load)
        if how == "SIGKILL":
            fault_broker.kill()
        else:
            fault_broker.down()
        time.sleep(5)  # down for a while: producers buffer, consumers reconnect, the gateway keeps accepting
        fault_broker.up()
        back_at = time.time()
        rows.append(count_row(stack, f"broker {how}, restarted after 5 s", load, time.monotonic(),
                              in_flight=in_flight,
                              evidence=lambda ld=load, t=back_at: {"cases completed after the broker came back":
                                                                   completed_since(stack, ld, t)}))
    assert_clean(rows)
    assert_no_service_restarted(stack)


def test_an_agency_down_slow_and_answering_garbage(make_stack: StackFactory) -> None:
    stack = make_stack()
    rows = []
    department = "110101.tax"
    for mode, extra in (("down", {}), ("slow", {"slow_s": 7.0}), ("garbage", {})):
        set_agency(stack, department, mode=mode, **extra)
        load = steady_load(stack)
        load.join()
        time.sleep(3)  # deliveries to the department fail and are retried with backoff
        in_flight = cases_under_way(stack, load)
        restored = dt.datetime.now(dt.UTC)
        set_agency(stack, department, mode="normal")
        recovered_at = time.monotonic()

        def evidence(ld: Load = load, m: str = mode, since: dt.datetime = restored) -> dict[str, int]:
            ids = {c.application_id for c in w.intake_cases(stack, ld.tag)}
            attempts = w.delivery_attempts(stack, department, ids)
            tasks = [t for t in w.agency_tasks(stack) if t["application_id"] in ids
                     and t["department_code"] == department]
            found = {"deliveries to tax tried more than once": sum(a > 1 for a in attempts)}
            if m != "slow":  # the department took its tasks only once it was back
                taken = [dt.datetime.fromisoformat(str(t["received_at"])) for t in tasks]
                early = any(at < since for at in taken)  # any task taken while down counts as no evidence
                found["tax tasks taken once it was back, none before"] = 0 if early else len(taken)
            return found

        rows.append(count_row(stack, f"agency {department} {mode}", load, recovered_at, in_flight=in_flight,
                              evidence=evidence))
    assert_clean(rows)


def test_broker_down_longer_than_the_clients_timeouts(make_stack: StackFactory, fault_broker) -> None:
    """While accepted cases cannot reach the broker for longer than intake's publish-lag limit,
    the gateway answers 503 with Retry-After instead of handing out receipts; what was accepted
    before stays in intake's outbox and moves on once the broker is back."""
    stack = make_stack(OW_INTAKE_MAX_PUBLISH_LAG_S="6")
    load = Load(stack, count=20, rate_per_s=1.0, give_up_after_s=120)
    baseline = work_done_by(stack, "intake", load)
    load.start()
    wait_for_work(stack, load, "intake", 2, baseline)
    in_flight = cases_under_way(stack, load)
    fault_broker.down()
    time.sleep(20)  # longer than the producers' request timeout and the publish-lag limit
    fault_broker.up()
    row = count_row(stack, "broker down 20 s (> 6 s publish-lag limit)", load, time.monotonic(),
                    in_flight=in_flight, evidence=lambda: {"503 answers while the broker was away": load.retried[503]})
    assert load.retry_after_missing == 0
    assert_clean([row])
    assert_no_service_restarted(stack)


def test_poison_records_on_every_topic(make_stack: StackFactory) -> None:
    from kafka import KafkaProducer

    from onewindow_platform.topics import ALL_TOPICS
    from tests.support.kafka_io import probe_event, produce, produce_raw

    stack = make_stack()
    load = Load(stack, count=12, rate_per_s=3.0)
    baseline = work_done_by(stack, "intake", load)
    load.start()
    wait_for_work(stack, load, "intake", 2, baseline)
    in_flight = cases_under_way(stack, load)
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap)
    poisoned = []
    for topic in ALL_TOPICS:
        name = stack.topic_prefix + topic.name
        package = topic.module.DESCRIPTOR.package  # type: ignore[attr-defined]
        unknown = probe_event("poison-case", "unknown")
        unknown.event_type = f"{package}.SomethingTeleported"
        wrong_schema = probe_event("poison-case", "wrong-schema")
        wrong_schema.event_type = next(t for t in topic.module.DESCRIPTOR.message_types_by_name)  # type: ignore[attr-defined]
        wrong_schema.event_type = f"{package}.{wrong_schema.event_type}"
        wrong_schema.payload.type_url = "type.googleapis.com/onewindow.common.v1.Actor"
        produce_raw(producer, name, b"poison-case", b"\x00\xff undecodable")
        produce(producer, name, [unknown, wrong_schema])
        poisoned.append(name)
    producer.close()

    def dead_letters_per_consumer() -> dict[str, int]:
        """Every group that consumes a poisoned topic dead-lettered the undecodable record and the
        one of an unknown type. The one whose payload does not match its (known) type is read only
        by the groups that handle that type — the others skip it by its header, undecoded — and the
        audit handles every type: its group dead-letters all three."""
        consumers = w.topic_consumers(stack)
        pairs = short = 0
        for name in poisoned:
            by_group: Counter[str] = Counter()
            for _key, _value, headers in w.read_topic(stack.bootstrap, name + ".dlq"):
                by_group[headers.get("ow-dlq-consumer-group", b"").decode()] += 1
            for group in consumers.get(name, ()):
                pairs += 1
                due = 3 if group.endswith("ow-audit") else 2
                short += by_group[group] < due
                if by_group[group] < due:
                    missed.append(f"{group} on {name}: {by_group[group]} of {due}")
        return {"(consuming group, topic) pairs": pairs, "each dead-lettering its poison": pairs - short}

    missed: list[str] = []
    row = count_row(stack, "poison records (undecodable, unknown type, wrong schema) on every topic", load,
                    time.monotonic(), in_flight=in_flight, evidence=dead_letters_per_consumer)
    assert not missed, f"a consuming service did not dead-letter all three poison records: {missed}"
    assert row.evidence["(consuming group, topic) pairs"] >= len(poisoned), row.evidence
    assert_clean([row])


def test_duplicate_submissions_racing_on_one_idempotency_key(make_stack: StackFactory) -> None:
    import threading
    import uuid

    stack = make_stack()
    load = Load(stack, count=8, rate_per_s=1.0)
    keys = [uuid.uuid4().hex for _ in range(load.count)]
    answers: dict[int, list[tuple[int, str]]] = {n: [] for n in range(load.count)}
    errors: list[str] = []
    clients_per_key = 6
    barrier = threading.Barrier(clients_per_key * len(keys))

    def submit(n: int) -> None:
        try:
            with stack.client("clerk") as http:
                barrier.wait(timeout=60)
                response = http.post("/api/v1/applications", json=application_payload(load.tag, n),
                                     headers={"Idempotency-Key": keys[n]})
                answers[n].append((response.status_code, str(response.json().get("application_id", ""))))
        except Exception as exc:  # recorded and asserted below
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(load.count) for _ in range(clients_per_key)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert not [t for t in threads if t.is_alive()], "a racing client never finished"
    assert not errors, errors
    outcomes = []
    for n, replies in answers.items():
        assert len(replies) == clients_per_key
        assert {status for status, _ in replies} == {202}, replies
        ids = {application_id for _, application_id in replies}
        assert len(ids) == 1, f"one key, {len(ids)} applications: {ids}"
        outcomes.append(Outcome(n=n, key=keys[n], status=202, application_id=ids.pop()))
    load.record(outcomes)
    row = count_row(stack, f"{clients_per_key} clients racing on each of {len(keys)} Idempotency-Keys", load,
                    time.monotonic(), evidence={"racing requests answered 202": sum(len(a) for a in answers.values())})
    assert_clean([row])


@pytest.mark.postgres
def test_audit_store_read_only_stalls_the_audit_and_it_catches_up(make_stack: StackFactory,
                                                                   postgres_server: str) -> None:
    """The audit service's database (PostgreSQL, OW_AUDIT_DATABASE_URL: the other services stay on
    SQLite) turns read-only (what PostgreSQL does on a full disk's emergency, or a demoted
    primary): the audit service stops consuming — its lag grows, nothing is skipped or
    dead-lettered — and it catches up once the database takes writes again."""
    import psycopg

    name = f"faults_{os.urandom(4).hex()}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    stack = make_stack(OW_AUDIT_DATABASE_URL=url, OW_RETRY_BACKOFF_MAX_MS="2000")

    def records() -> int:
        with psycopg.connect(url) as conn:
            return int(conn.execute("SELECT count(*) FROM audit.audit_log").fetchone()[0])  # type: ignore[index]

    def set_read_only(on: bool) -> None:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))

    load = Load(stack, count=12, rate_per_s=3.0)
    baseline = records()
    load.start()
    wait_until(lambda: records() > baseline, 60, "the audit recorded nothing of the load")
    in_flight = cases_under_way(stack, load)
    set_read_only(True)
    time.sleep(2)
    stalled_at = records()
    load.join()
    time.sleep(6)  # the cases move on; the audit record does not
    assert records() == stalled_at, "the audit wrote to a read-only database?"
    set_read_only(False)
    row = count_row(stack, "audit database read-only (PostgreSQL), then writable", load, time.monotonic(),
                    in_flight=in_flight,
                    evidence=lambda: {"audit records before it stalled": stalled_at - baseline,
                                      "written once writable again": records() - stalled_at})
    assert_clean([row])


def test_a_second_routing_instance_joins_mid_flow_and_leaves(make_stack: StackFactory) -> None:
    """Scale-out on one host: a second routing process with the same settings (same consumer
    group, same database file) joins while cases are in flight — the group rebalances — and later
    leaves with SIGTERM, rebalancing again."""
    import json
    import subprocess
    import sys

    stack = make_stack()
    first = stack.child_pid("onewindow_routing")
    environ = dict(item.split("=", 1) for item in
                   Path(f"/proc/{first}/environ").read_bytes().decode().split("\0") if "=" in item)
    log = stack.root / "routing-2.log"
    load = Load(stack, count=24, rate_per_s=3.0)
    baseline = work_done_by(stack, "routing", load)
    load.start()
    wait_for_work(stack, load, "routing", 5, baseline)
    in_flight = cases_under_way(stack, load)
    with open(log, "wb") as out:
        second = subprocess.Popen([sys.executable, "-m", "onewindow_routing"], env=environ, cwd=stack.root,
                                  stdout=out, stderr=subprocess.STDOUT)

    def partitions_held() -> int:
        held = 0
        for line in log.read_text().splitlines():
            if '"msg": "partitions assigned"' in line:
                held = max(held, len(json.loads(line)["partitions"]))
        return held

    try:
        wait_until(partitions_held, 60, "the second instance was given no partitions", on_timeout=log.read_text)
        time.sleep(3)
    finally:
        second.terminate()
        assert second.wait(timeout=60) == 0, log.read_text()[-2000:]
    row = count_row(stack, "second routing instance joins mid-flow, then leaves", load, time.monotonic(),
                    in_flight=in_flight, evidence=lambda: {"partitions the second instance held": partitions_held()})
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

    load = Load(stack, count=12, rate_per_s=3.0)
    baseline = records()
    load.start()
    wait_until(lambda: records() > baseline, 60, "the audit recorded nothing of the load")
    in_flight = cases_under_way(stack, load)
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
    row = count_row(stack, "audit database disk full (SQLite on a 16 MB tmpfs), then freed", load, time.monotonic(),
                    in_flight=in_flight, audit=w.AuditStore(stack, sqlite_path=database),
                    evidence=lambda: {"audit records before the disk filled": stalled_at - baseline,
                                      "written once there was room": records() - stalled_at})
    assert_clean([row])
