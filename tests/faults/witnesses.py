"""Independent witnesses of what a fault-suite row's submissions became, and the quiescence wait.

Each witness is read from where the effect landed, not from what the system says about itself:

- **intake** — every application in intake's own database whose company name carries the row's
  tag (`tests/faults/load.py`), also those the clerk never heard of;
- **agency** — every task the agency simulator received (its own SQLite file, via its control API);
- **mail** — every e-mail the SMTP sink wrote to disk;
- **bus** — every event on the stack's Kafka topics, read from the beginning;
- **audit** — every record in the audit service's store.

Stores are read where they lie: each service's SQLite file, or its schema in PostgreSQL when the
stack runs with OW_DATABASE_URL.

`wait_for_quiescence` replaces "anything sent twice would arrive by now": it waits until nothing
can move any more — every outbox empty, every job table without due or claimed work, the agency
simulator without work in hand, every consumer group stable, with a live member and lag 0 — seen twice in a row.
"""

from __future__ import annotations

import email
import email.policy
import json
import sqlite3
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from onewindow_devtools.registry import SERVICES
from onewindow_platform.events import PoisonRecord, decode
from onewindow_platform.postgres import PostgresConnection
from onewindow_platform.storage import schema_name
from onewindow_platform.topics import ALL_TOPICS
from tests.faults.load import COMPANY, COMPLAINT
from tests.support.stack import Stack

# The e-mails a completed case brings: acceptance, completion, and the invitation to rate it.
COMPLETED_CASE_MAILS = ("已受理", "已办结", "评价")


def database_url(stack: Stack, service: str) -> str:
    """The PostgreSQL database `service` keeps its state in ("" : its SQLite file)."""
    if service == "ow-audit" and stack.extra_env.get("OW_AUDIT_DATABASE_URL"):
        return stack.extra_env["OW_AUDIT_DATABASE_URL"]
    return stack.extra_env.get("OW_DATABASE_URL", "")


def read_only(stack: Stack, service: str) -> Any:
    """A read-only connection to `service`'s store (its SQLite file or its PostgreSQL schema)."""
    url = database_url(stack, service)
    if url:  # the platform's own adapter (it takes the `?` SQL), on a read-only session
        raw = psycopg.connect(url, autocommit=True, connect_timeout=10, options=(
            f"-c search_path={schema_name(service.removeprefix('ow-'))} -c default_transaction_read_only=on"))
        return closing(PostgresConnection(raw))
    return sqlite3.connect(f"file:{database(stack, service)}?mode=ro", uri=True, timeout=10)


def database(stack: Stack, service: str) -> Path:
    return stack.root / "data" / f"{service}.db"


# -- intake --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredCase:
    application_id: str
    n: int  # the submission it came from
    status: str
    updated_at: str


def _numbered_cases(stack: Stack, field: str, prefix: str) -> list[StoredCase]:
    """Applications whose form `field` reads `<prefix>·<n>`, with their number n."""
    value = (f"(fields_json::json ->> '{field}')" if database_url(stack, "ow-intake")
             else f"json_extract(fields_json, '$.{field}')")
    with read_only(stack, "ow-intake") as conn:
        rows = conn.execute(f"SELECT application_id, {value}, status, updated_at FROM applications"
                            f" WHERE {value} LIKE ?", (f"{prefix}·%",)).fetchall()
    return [StoredCase(str(a), int(str(text).rsplit("·", 1)[1]), str(status), str(updated))
            for a, text, status, updated in rows]


def intake_cases(stack: Stack, tag: str) -> list[StoredCase]:
    """Every application in intake's store filed by this row's submissions."""
    return _numbered_cases(stack, "company_name", f"{COMPANY}·{tag}")


def intake_complaints(stack: Stack, tag: str) -> list[StoredCase]:
    """Every complaint in intake's store filed by a background load (`load.complaint_payload`)."""
    return _numbered_cases(stack, "description", f"{COMPLAINT}·{tag}")


def applications_filed(stack: Stack) -> int:
    with read_only(stack, "ow-intake") as conn:
        return int(conn.execute("SELECT count(*) FROM applications").fetchone()[0])


# -- agency, mail, adapter -----------------------------------------------------------------------

def agency_tasks(stack: Stack) -> list[dict[str, object]]:
    return list(httpx.get(f"{stack.simulator_url}/control/tasks", timeout=30).raise_for_status().json())


@dataclass(frozen=True)
class Mail:
    application_id: str
    reason: str
    message_id: str


def mails(maildir: Path) -> list[Mail]:
    found = []
    for path in sorted(maildir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        subject = str(message["Subject"])
        reason = next((r for r in COMPLETED_CASE_MAILS if r in subject), subject)
        found.append(Mail(str(message["X-OW-Application-Id"] or ""), reason, str(message["Message-ID"] or "")))
    return found


def parked_deliveries(stack: Stack) -> list[tuple[str, str]]:
    """(application, department) of every task the adapter parked."""
    with read_only(stack, "ow-department-adapter") as conn:
        return [(str(a), str(d)) for a, d in conn.execute(
            "SELECT application_id, department_code FROM deliveries WHERE status = 'parked'")]


def delivery_attempts(stack: Stack, department_code: str, application_ids: Iterable[str]) -> list[int]:
    wanted = set(application_ids)
    with read_only(stack, "ow-department-adapter") as conn:
        return [int(n) for a, n in conn.execute(
            "SELECT application_id, attempts FROM deliveries WHERE department_code = ? AND kind = 'task'",
            (department_code,)) if a in wanted]


def handled_events(stack: Stack, service: str) -> int:
    """How many events a consuming service has applied (its inbox), for 'the fault hit it'."""
    with read_only(stack, service) as conn:
        return int(conn.execute("SELECT count(*) FROM ow_inbox").fetchone()[0])


# -- the event bus -------------------------------------------------------------------------------

@dataclass(frozen=True)
class BusEvent:
    topic: str
    application_id: str
    event_id: str
    event_type: str  # short name, e.g. TaskCompleted
    subject: str  # what the fact is about within the case: a task id, a notification id, or ""


def read_topic(bootstrap: str, topic: str) -> list[tuple[bytes, bytes, dict[str, bytes]]]:
    """(key, value, headers) of every record now on `topic` (from the beginning to the end)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                             client_id=f"fault-witness-{uuid.uuid4().hex[:6]}")
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(partitions)
        records = []
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for batch in consumer.poll(timeout_ms=500).values():
                records += [(r.key or b"", r.value or b"", dict(r.headers or [])) for r in batch]
        return records
    finally:
        consumer.close()


def bus_events(stack: Stack, application_ids: set[str]) -> list[BusEvent]:
    events = []
    for topic in ALL_TOPICS:
        name = stack.topic_prefix + topic.name
        for key, value, _headers in read_topic(stack.bootstrap, name):
            if key.decode(errors="replace") not in application_ids:
                continue
            try:
                event = decode(value)
            except PoisonRecord:
                continue
            payload = event.payload
            subject = str(getattr(payload, "task_id", "") or getattr(payload, "notification_id", ""))
            events.append(BusEvent(name, event.application_id, event.event_id,
                                   event.event_type.rsplit(".", 1)[-1], subject))
    return events


# The facts each case (or each of its tasks / messages) is expected to put on the bus exactly once.
ONCE_PER_CASE = ("ApplicationAccepted", "ApplicationRouted", "ApplicationCompleted")
ONCE_PER_TASK = ("TaskDispatched", "TaskDelivered", "TaskAcknowledged", "TaskCompleted")
ONCE_PER_MESSAGE = ("NotificationSent",)


@dataclass
class FactCount:
    missing: list[str] = field(default_factory=list)
    twice: list[str] = field(default_factory=list)


def count_facts(events: list[BusEvent], completed: set[str], tasks_per_case: int) -> FactCount:
    """Facts missing from or doubled on the bus. A fact is doubled when two events with *different*
    ids say it (the same event id twice is a redelivery every inbox recognises)."""
    ids: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for e in events:
        ids[(e.application_id, e.event_type, e.subject)].add(e.event_id)
    result = FactCount()
    for (application_id, event_type, subject), event_ids in ids.items():
        if event_type in ONCE_PER_CASE + ONCE_PER_TASK + ONCE_PER_MESSAGE and len(event_ids) > 1:
            result.twice.append(f"{application_id} {event_type} {subject}".strip())
    for application_id in completed:
        for event_type in ONCE_PER_CASE:
            if not ids.get((application_id, event_type, "")):
                result.missing.append(f"{application_id} {event_type}")
        for event_type in ONCE_PER_TASK:
            tasks = {s for (a, t, s) in ids if a == application_id and t == event_type}
            if len(tasks) < tasks_per_case:
                result.missing.append(f"{application_id} {event_type} ×{tasks_per_case - len(tasks)}")
    return result


# -- the audit record ----------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditStore:
    """The audit service's record, read where it lies (its SQLite file or its PostgreSQL schema)."""

    stack: Stack
    sqlite_path: Path | None = None  # a file the row moved elsewhere (OW_DATABASE_PATH of the audit alone)

    def event_ids(self, application_ids: set[str]) -> Counter[str]:
        """How many times each event id of these cases is on the record."""
        reader = (sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=10) if self.sqlite_path
                  else read_only(self.stack, "ow-audit"))
        with reader as conn:
            rows = conn.execute("SELECT application_id, event_id FROM audit_log").fetchall()
        return Counter(str(e) for a, e in rows if a in application_ids)


def audit_store_of(stack: Stack) -> AuditStore:
    return AuditStore(stack)


# -- quiescence ----------------------------------------------------------------------------------

def _outbox_rows(stack: Stack, service: str) -> int:
    if not database_url(stack, service) and not database(stack, service).exists():
        return 0
    try:
        with read_only(stack, service) as conn:
            return int(conn.execute("SELECT count(*) FROM ow_outbox").fetchone()[0])
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise


def _subscribed(member: dict[str, object]) -> list[str]:
    """A group member's subscribed topics (its metadata is empty while the group rebalances)."""
    metadata = member.get("member_metadata")
    return list(metadata.get("topics") or []) if isinstance(metadata, dict) else []


def consumer_groups(stack: Stack) -> list[str]:
    """What the stack's consumer groups (named with its topic prefix) have yet to do: a group that
    is rebalancing or has no live member, and records on its topics it has not committed past."""
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap, client_id="fault-witness")
    reader = KafkaConsumer(bootstrap_servers=stack.bootstrap, group_id=None, client_id="fault-witness")
    try:
        committed = _committed_offsets(admin, stack)
        groups = list(committed)
        if not groups:
            return ["no consumer group has joined yet"]
        described = admin.describe_groups(groups)
        behind = []
        for group in groups:
            name = group.removeprefix(stack.topic_prefix)
            state = described[group]["group_state"]
            members = described[group]["members"]
            if state != "Stable" or not members:
                behind.append(f"{name} is {state} with {len(members)} member(s)")
            offsets = committed.get(group, {})
            topics = {t for m in members for t in _subscribed(m)} | {tp.topic for tp in offsets}
            partitions = [TopicPartition(t, p) for t in sorted(topics) for p in reader.partitions_for_topic(t) or ()]
            end = reader.end_offsets(partitions) if partitions else {}
            lag = sum(end[tp] - (offsets[tp].offset if tp in offsets and offsets[tp].offset >= 0 else 0)
                      for tp in partitions)
            if lag:
                behind.append(f"{name} lags {lag}")
        return behind
    finally:
        reader.close()
        admin.close()


def still_moving(stack: Stack) -> list[str]:
    """What could still change a count; empty when the stack is quiet."""
    moving = []
    busy = int(httpx.get(f"{stack.simulator_url}/control/busy", timeout=10).raise_for_status().json()["busy"])
    if busy:
        moving.append(f"agency simulator busy with {busy} task(s)")
    with read_only(stack, "ow-department-adapter") as conn:
        due = conn.execute("SELECT count(*) FROM deliveries WHERE status IN ('pending', 'delivering')").fetchone()[0]
    if due:
        moving.append(f"{due} agency deliveries pending")
    with read_only(stack, "ow-notification") as conn:
        due = conn.execute("SELECT count(*) FROM notifications WHERE status IN ('pending', 'sending')").fetchone()[0]
        deferred = conn.execute("SELECT count(*) FROM deferred_events").fetchone()[0]
    if due:
        moving.append(f"{due} notifications pending")
    if deferred:
        moving.append(f"{deferred} notification events waiting for their case")
    for service in SERVICES:
        if rows := _outbox_rows(stack, service.name):
            moving.append(f"{rows} rows in {service.name}'s outbox")
    moving += consumer_groups(stack)
    return moving


def wait_for_quiescence(stack: Stack, timeout_s: float = 240) -> list[str]:
    """Wait until nothing is moving on two looks a second apart. Returns what was still moving
    when the time ran out (empty when quiet)."""
    deadline = time.monotonic() + timeout_s
    quiet_looks = 0
    moving: list[str] = ["not looked yet"]
    while time.monotonic() < deadline:
        try:
            moving = still_moving(stack)
        except (httpx.HTTPError, sqlite3.OperationalError, psycopg.OperationalError, KafkaError) as exc:
            # restarting, rebalancing, a database away
            moving = [f"could not look: {exc}"]
        quiet_looks = quiet_looks + 1 if not moving else 0
        if quiet_looks == 2:
            return []
        time.sleep(1.0)
    return moving


def complaints(stack: Stack, per_service: int = 3) -> list[str]:
    """What a stack that never went quiet said about it: restarts the runner reported, and each
    service's last warnings and errors (so a red CI run shows why, not only that)."""
    said = [line.strip() for line in stack.out.read_text(errors="replace").splitlines() if line.startswith("run: ")]
    for path in sorted((stack.root / ".run" / "logs").glob("*.log")):
        worrying = []
        for line in path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:  # a traceback on stderr: its last line names the exception
                if line and not line.startswith((" ", "Traceback")):
                    worrying.append(f"{path.stem} stderr: {line.strip()[:300]}")
                continue
            if entry.get("level") in ("WARNING", "ERROR", "CRITICAL"):
                worrying.append(f"{path.stem} {entry['ts'][11:23]} {entry['level']} {entry.get('msg')}"
                                f"{' — ' + str(entry['error']) if entry.get('error') else ''}")
        said += worrying[-per_service:]
    return said


def _committed_offsets(admin: KafkaAdminClient, stack: Stack) -> dict[str, dict[TopicPartition, Any]]:
    """group -> its committed offsets, for the stack's groups (named with its topic prefix)."""
    groups = [g["group_id"] for g in admin.list_groups() if g["group_id"].startswith(stack.topic_prefix)]
    return dict(admin.list_group_offsets({g: None for g in groups})) if groups else {}


def topic_consumers(stack: Stack) -> dict[str, set[str]]:
    """topic -> the consumer groups that have committed offsets on it (the services consuming it)."""
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap, client_id="fault-witness")
    try:
        committed = _committed_offsets(admin, stack)
    finally:
        admin.close()
    consumers: dict[str, set[str]] = defaultdict(set)
    for group, offsets in committed.items():
        for tp in offsets:
            consumers[tp.topic].add(group)
    return consumers
