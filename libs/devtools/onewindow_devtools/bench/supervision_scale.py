"""A month of one province's cases through supervision's own handlers, and the ranking read off
the counters they keep (#17: ≥ 1,000,000 cases, ranking p99 ≤ 200 ms, counters equal to a
from-scratch recount).

    python -m onewindow_devtools.bench.supervision_scale [--cases 1000000] [--seed 20261101]

The cases are generated from a seed: a synthetic province of 16 districts and 343 streets and
towns (Beijing's count), each case a task for its street office and, for two in five, one for a
district bureau too; each task is signed for (in time or late), completed (in time or late, with
an outcome) or returned; three in five answered cases are rated; a bad rating sometimes brings
routing's 整改 (a redo). Each case's facts go, in their order, through the real handlers
(`onewindow_supervision.handlers`) into a SQLite store, a transaction per batch as the consumer
commits; the same stream is recounted by `recount`, written apart from the handlers from the
README's definitions, and the two must agree row for row. Then the rankings of every level are
asked for over a real gRPC channel, and their latency percentiles reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from itertools import islice
from pathlib import Path

import grpc
from google.protobuf.message import Message

from onewindow.common.v1.envelope_pb2 import Envelope
from onewindow.common.v1.types_pb2 import Deadline, Level, Outcome
from onewindow.feedback.v1.events_pb2 import Rating, SatisfactionRecorded
from onewindow.supervision.v1 import supervision_pb2, supervision_pb2_grpc
from onewindow.task.v1.events_pb2 import TaskAcknowledged, TaskCompleted, TaskDispatched, TaskReturned
from onewindow_catalog import WorkingCalendar, load_catalog
from onewindow_catalog.calendar import CHINA
from onewindow_platform.bootstrap import Built, wire
from onewindow_platform.config import load_settings
from onewindow_platform.consumer import HandlerContext
from onewindow_platform.events import DecodedEvent
from onewindow_platform.rpc import grpc_server
from onewindow_platform.storage import SqliteDatabase
from onewindow_supervision import storage
from onewindow_supervision.domain.indicators import Counters
from onewindow_supervision.domain.policy import Policy, later, load_policy
from onewindow_supervision.grpc_api import SupervisionApi
from onewindow_supervision.handlers import HANDLERS
from onewindow_supervision.settings import SupervisionSettings

MONTH_START = dt.datetime(2026, 11, 1, tzinfo=CHINA)
MONTH = "2026-11"
DISTRICTS, STREETS = 16, 343
BUREAUS = ("housing", "urban-management", "water", "heating", "civil-affairs", "market-regulation",
           "public-security", "hrss", "medical-insurance", "natural-resources", "tax", "district-government")
OUTCOMES = ((Outcome.OUTCOME_APPROVED, 50), (Outcome.OUTCOME_RESOLVED, 35), (Outcome.OUTCOME_REJECTED, 10),
            (Outcome.OUTCOME_PARTIALLY_APPROVED, 5))
RATINGS = ((Rating.RATING_VERY_SATISFIED, 40), (Rating.RATING_SATISFIED, 30), (Rating.RATING_BASICALLY_SATISFIED, 15),
           (Rating.RATING_DISSATISFIED, 10), (Rating.RATING_VERY_DISSATISFIED, 5))
BAD = frozenset({Rating.RATING_DISSATISFIED, Rating.RATING_VERY_DISSATISFIED})
RESOLVED = frozenset({Outcome.OUTCOME_APPROVED, Outcome.OUTCOME_RESOLVED, Outcome.OUTCOME_PARTIALLY_APPROVED})
SATISFIED = frozenset({Rating.RATING_VERY_SATISFIED, Rating.RATING_SATISFIED, Rating.RATING_BASICALLY_SATISFIED})
RANKED = (("region", Level.LEVEL_STREET), ("region", Level.LEVEL_DISTRICT), ("department", Level.LEVEL_STREET),
          ("department", Level.LEVEL_DISTRICT))
SCOPES = {"region": supervision_pb2.Scope.SCOPE_REGION, "department": supervision_pb2.Scope.SCOPE_DEPARTMENT}


def streets() -> list[tuple[str, str]]:
    """(district, street) codes: 343 streets and towns spread over 16 districts."""
    found = []
    for n in range(STREETS):
        district = f"99{n % DISTRICTS + 1:04d}"
        found.append((district, f"{district}{n // DISTRICTS + 1:03d}"))
    return found


@dataclass(frozen=True)
class Fact:
    payload: Message
    at: dt.datetime


def _pick(rng: random.Random, weighted: tuple[tuple[int, int], ...]) -> int:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def generate(cases: int, seed: int) -> Iterator[tuple[str, list[Fact]]]:
    """Each case's facts, in the order they happened (a case's facts share one partition)."""
    rng = random.Random(seed)
    places = streets()
    for n in range(cases):
        district, street = places[rng.randrange(len(places))]
        case = f"{street}-{MONTH.replace('-', '')}-{n:07d}"
        received = MONTH_START + dt.timedelta(seconds=rng.uniform(0, 29 * 86400))
        departments = [(f"{street}.street-office", street, Level.LEVEL_STREET)]
        if rng.random() < 0.4:
            departments.append((f"{district}.{rng.choice(BUREAUS)}", district, Level.LEVEL_DISTRICT))
        facts: list[Fact] = []
        completed: list[tuple[str, dt.datetime]] = []
        for t, (department, region, level) in enumerate(departments, 1):
            task_id = f"{case}-T{t}"
            dispatched = received + dt.timedelta(minutes=rng.uniform(1, 30))
            deadline = Deadline()
            deadline.due_at.FromDatetime(dispatched + dt.timedelta(days=rng.choice((1, 3, 5, 10))))
            facts.append(Fact(TaskDispatched(task_id=task_id, department_code=department, region_code=region,
                                             level=level, deadline=deadline, dispatch_number=1), dispatched))
            if rng.random() < 0.05:
                continue                                    # never signed for
            acknowledged = dispatched + dt.timedelta(hours=rng.expovariate(1 / 2.0))
            facts.append(Fact(TaskAcknowledged(task_id=task_id), acknowledged))
            roll = rng.random()
            if roll < 0.88:
                done = acknowledged + dt.timedelta(hours=rng.uniform(1, 12 * 24))
                facts.append(Fact(TaskCompleted(task_id=task_id, outcome=_pick(rng, OUTCOMES)), done))
                completed.append((department, done))
            elif roll < 0.95:
                facts.append(Fact(TaskReturned(task_id=task_id, reason="非本单位职责"),
                                  acknowledged + dt.timedelta(hours=rng.uniform(0.5, 8))))
        if completed and rng.random() < 0.6:
            rated_at = max(at for _, at in completed) + dt.timedelta(days=1)
            rating = _pick(rng, RATINGS)
            facts.append(Fact(SatisfactionRecorded(rating=rating, department_codes=[d for d, _ in completed]),
                              rated_at))
            if rating in BAD and rng.random() < 0.5:    # routing's 整改: the department does it again
                department = completed[0][0]
                region, level = next((r, lv) for d, r, lv in departments if d == department)
                deadline = Deadline()
                deadline.due_at.FromDatetime(rated_at + dt.timedelta(days=5))
                facts.append(Fact(TaskDispatched(task_id=f"{case}-R1", department_code=department,
                                                 region_code=region, level=level, deadline=deadline,
                                                 dispatch_number=1, purpose="follow_up"),
                                  rated_at + dt.timedelta(hours=1)))
        facts.sort(key=lambda f: f.at)
        yield case, facts


@dataclass
class _Task:
    department: str
    region: str
    month: str
    dispatched: dt.datetime
    due: dt.datetime
    counted: bool
    acknowledged: bool = False
    closed: bool = False


@dataclass
class Recount:
    """The counters again, from the facts alone: a second reading of the README's definitions,
    sharing nothing with the handlers but the policy's sign-for limit."""

    policy: Policy
    calendar: WorkingCalendar
    counters: dict[tuple[str, str, str], Counters] = field(default_factory=dict)

    def _add(self, task: _Task, name: str, amount: int = 1) -> None:
        for scope, code in (("department", task.department), ("region", task.region)):
            found = self.counters.setdefault((task.month, scope, code), Counters())
            setattr(found, name, getattr(found, name) + amount)

    def case(self, facts: list[Fact]) -> None:
        tasks: dict[str, _Task] = {}
        for fact in facts:
            p = fact.payload
            if isinstance(p, TaskDispatched):
                if p.task_id in tasks:
                    continue
                task = _Task(p.department_code, p.region_code, fact.at.astimezone(CHINA).strftime("%Y-%m"),
                             fact.at, p.deadline.due_at.ToDatetime(tzinfo=dt.UTC), p.purpose != "follow_up")
                tasks[p.task_id] = task
                if task.counted:
                    self._add(task, "received")
                else:
                    original = next((t for t in tasks.values() if t.counted and t.department == task.department), None)
                    if original is not None:
                        self._add(original, "reopened")
            elif isinstance(p, TaskAcknowledged):
                task = tasks[p.task_id]
                if task.counted and not task.acknowledged:
                    self._add(task, "signed_for")
                    if fact.at <= later(task.dispatched, self.policy.sign_for, self.calendar):
                        self._add(task, "signed_on_time")
                task.acknowledged = True
            elif isinstance(p, TaskCompleted | TaskReturned):
                task = tasks[p.task_id]
                if task.closed:
                    continue
                task.closed = True
                if not task.counted:
                    continue
                if isinstance(p, TaskReturned):
                    self._add(task, "returned")
                    continue
                self._add(task, "completed")
                self._add(task, "resolved", int(p.outcome in RESOLVED))
                self._add(task, "completed_on_time", int(fact.at <= task.due))
            elif isinstance(p, SatisfactionRecorded):
                rated = set(p.department_codes)
                for task in tasks.values():
                    if task.counted and task.department in rated:
                        rated.discard(task.department)
                        self._add(task, "rated")
                        self._add(task, "satisfied", int(p.rating in SATISFIED))


class _NoWatcher:
    """The watcher's wake-ups (the bench looks at the counters; the looks stay queued in the store)."""

    def wake(self) -> None:
        pass

    def wake_follow_up(self) -> None:
        pass


def load(db: SqliteDatabase, cases: int, seed: int, policy: Policy, calendar: WorkingCalendar,
         settings: SupervisionSettings, batch: int = 500) -> tuple[Recount, int, float]:
    """Every case's facts through the handlers (a transaction per `batch` cases, as the consumer
    commits a batch of records at once) and through the recount."""
    handled = wire(HANDLERS, Built({"policy": policy, "calendar": calendar, "watcher": _NoWatcher()}))
    recount = Recount(policy, calendar)
    events = 0
    started = time.perf_counter()
    stream = generate(cases, seed)
    while chunk := list(islice(stream, batch)):
        with db.transaction() as tx:
            for case, facts in chunk:
                recount.case(facts)
                for fact in facts:
                    envelope = Envelope(event_id=f"{case}-{events}", application_id=case,
                                        event_type=fact.payload.DESCRIPTOR.full_name)
                    envelope.occurred_at.FromDatetime(fact.at)
                    event = DecodedEvent(envelope=envelope, payload=fact.payload)
                    handled[event.event_type](event, HandlerContext(tx=tx, event=event, topic="bench", partition=0,
                                                                    offset=events, settings=settings))
                    events += 1
    return recount, events, time.perf_counter() - started


def stored_counters(db: SqliteDatabase) -> dict[tuple[str, str, str], Counters]:
    names = [f.name for f in fields(Counters)]
    with db.transaction() as tx:
        rows = tx.execute(f"SELECT month, scope, code, {', '.join(names)} FROM monthly_counters").fetchall()
    return {(r[0], r[1], r[2]): Counters(*r[3:]) for r in rows}


def differences(stored: dict[tuple[str, str, str], Counters], recounted: dict[tuple[str, str, str], Counters]
                ) -> list[str]:
    found = []
    for key in sorted(set(stored) | set(recounted)):
        if stored.get(key) != recounted.get(key):
            found.append(f"{key}: store {stored.get(key)} recount {recounted.get(key)}")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ranking_latency(db: SqliteDatabase, settings: SupervisionSettings, policy: Policy, queries: int,
                    csv: bool) -> dict[str, float]:
    """GetRanking of every level in turn over a real channel: milliseconds, client side."""
    address = f"127.0.0.1:{_free_port()}"
    api = SupervisionApi(settings, db, policy, load_catalog(), lambda: None)
    stop = grpc_server(address, lambda server: supervision_pb2_grpc.add_SupervisionServiceServicer_to_server(
        api, server))
    try:
        with grpc.insecure_channel(address) as channel:
            stub = supervision_pb2_grpc.SupervisionServiceStub(channel)
            times, sizes = [], []
            for n in range(queries):
                scope, level = RANKED[n % len(RANKED)]
                started = time.perf_counter()
                answer = stub.GetRanking(supervision_pb2.GetRankingRequest(month=MONTH, scope=SCOPES[scope],
                                                                            level=level, csv=csv))
                times.append(1000 * (time.perf_counter() - started))
                sizes.append(len(answer.ranking))
    finally:
        stop()
    return {"queries": queries, "p50_ms": round(_percentile(times, 0.5), 2),
            "p99_ms": round(_percentile(times, 0.99), 2), "max_ms": round(max(times), 2),
            "ranked_min": min(sizes), "ranked_max": max(sizes)}


def run(cases: int, seed: int, work: Path, queries: int = 400) -> dict[str, object]:
    work.mkdir(parents=True, exist_ok=True)
    path = work / "supervision-scale.db"
    for leftover in work.glob("supervision-scale.db*"):
        leftover.unlink()
    policy, calendar = load_policy(), WorkingCalendar()
    settings = load_settings(SupervisionSettings, data_dir=work)
    db = SqliteDatabase(path, synchronous="NORMAL")
    storage.SCHEMA.upgrade(db)
    print(f"bench: supervision at scale — {cases} cases through the handlers", flush=True)
    recount, events, seconds = load(db, cases, seed, policy, calendar, settings)
    stored = stored_counters(db)
    wrong = differences(stored, recount.counters)
    with db.transaction() as tx:
        tasks = int(tx.execute("SELECT COUNT(*) FROM followed_tasks").fetchone()[0])
    result: dict[str, object] = {
        "cases": cases, "seed": seed, "events": events, "tasks": tasks, "load_s": round(seconds, 1),
        "events_per_s": round(events / seconds, 1), "counter_rows": len(stored),
        "received": sum(c.received for (_, scope, _), c in stored.items() if scope == "department"),
        "recount_equal": not wrong, "recount_differences": wrong[:10],
        "store_mb": round(sum(p.stat().st_size for p in work.glob("supervision-scale.db*")) / 2**20, 1),
        "ranking": ranking_latency(db, settings, policy, queries, csv=False),
        "ranking_csv": ranking_latency(db, settings, policy, max(40, queries // 10), csv=True),
    }
    db.close()
    print(f"bench: supervision_scale: {json.dumps(result, ensure_ascii=False)}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onewindow_devtools.bench.supervision_scale")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ow-supervision-scale-") as scratch:
        result = run(args.cases, args.seed, args.work or Path(scratch), args.queries)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0 if result["recount_equal"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
