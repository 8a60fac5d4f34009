"""Supervision's handlers keep the monthly counters as the facts arrive (#17): each rate's
numerator and denominator, per department and per region, in the month the task was received,
from the events' own times (a replay gives the same counters)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from google.protobuf.message import Message

from onewindow.application.v1.events_pb2 import ApplicationAccepted, ApplicationCompleted
from onewindow.common.v1.types_pb2 import Deadline, Outcome
from onewindow.feedback.v1.events_pb2 import Rating, SatisfactionRecorded
from onewindow.supervision.v1.events_pb2 import (
    FollowUpCallPlanned,
    FollowUpCallRecorded,
    FollowUpOutcome,
    FollowUpReason,
    SupervisionStep,
    SupervisionStepIssued,
)
from onewindow.task.v1.events_pb2 import TaskAcknowledged, TaskCompleted, TaskDispatched, TaskReturned
from onewindow_catalog.calendar import CHINA, WorkingCalendar
from onewindow_platform.bootstrap import Built, wire
from onewindow_platform.config import PlatformSettings, load_settings
from onewindow_platform.consumer import HandlerContext
from onewindow_platform.events import build_envelope, decode
from onewindow_platform.storage import Database
from onewindow_supervision import storage
from onewindow_supervision.domain.indicators import Counters
from onewindow_supervision.domain.policy import load_policy
from onewindow_supervision.handlers import HANDLERS
from onewindow_supervision.settings import SupervisionSettings
from onewindow_supervision.watcher import Watcher as SupervisionWatcher

POLICY = load_policy()
CALENDAR = WorkingCalendar()


class Watcher:
    """Stands in for the watcher process: these tests look at the counters, not at the looks."""

    def wake(self) -> None:
        pass

    def wake_follow_up(self) -> None:
        pass


HANDLED = wire(HANDLERS, Built({"policy": POLICY, "calendar": CALENDAR, "watcher": Watcher()}))
NOV_30 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=CHINA)          # a Monday, the last day of November
TAX, HOUSING = "110101.tax", "110100.housing-fund"


def dispatched(task_id: str, department: str, region: str, due: dt.datetime, number: int = 1,
               purpose: str = "") -> TaskDispatched:
    deadline = Deadline()
    deadline.due_at.FromDatetime(due)
    return TaskDispatched(task_id=task_id, department_code=department, region_code=region, level=3,
                          deadline=deadline, dispatch_number=number, purpose=purpose)


class Store:
    def __init__(self, db: Database, root: Path) -> None:
        self.db = db
        storage.SCHEMA.upgrade(self.db)
        self.settings = load_settings(PlatformSettings, data_dir=root)

    def apply(self, application_id: str, payload: Message, at: dt.datetime) -> None:
        envelope = build_envelope(payload, application_id=application_id, source="tests", occurred_at=at)
        event = decode(envelope.SerializeToString())
        with self.db.transaction() as tx:
            HANDLED[event.event_type](event, HandlerContext(tx=tx, event=event, topic="t", partition=0, offset=0,
                                                            settings=self.settings))

    def counters(self, month: str, scope: str) -> dict[str, Counters]:
        with self.db.transaction() as tx:
            return storage.counters(tx, month, scope)


def story(store: Store) -> None:
    """Two cases received on 30 November; most of what follows happens in December."""
    a, b = "110101-20261130-00001", "110101-20261130-00002"
    store.apply(a, dispatched(f"{a}-T1", TAX, "110101", NOV_30 + dt.timedelta(days=1)), NOV_30)
    store.apply(a, dispatched(f"{a}-T2", HOUSING, "110100", NOV_30 + dt.timedelta(days=1)), NOV_30)
    store.apply(b, dispatched(f"{b}-T1", TAX, "110101", NOV_30 + dt.timedelta(hours=20)), NOV_30)
    store.apply(a, TaskAcknowledged(task_id=f"{a}-T1"), NOV_30 + dt.timedelta(hours=1))        # on time
    store.apply(a, TaskAcknowledged(task_id=f"{a}-T1"), NOV_30 + dt.timedelta(hours=2))        # again: once
    store.apply(b, TaskAcknowledged(task_id=f"{b}-T1"), NOV_30 + dt.timedelta(hours=5))        # late (limit 4 h)
    store.apply(a, TaskCompleted(task_id=f"{a}-T1", outcome=Outcome.OUTCOME_APPROVED),
                NOV_30 + dt.timedelta(hours=22))                                                # Dec 1, on time
    store.apply(a, TaskCompleted(task_id=f"{a}-T1", outcome=Outcome.OUTCOME_APPROVED),
                NOV_30 + dt.timedelta(hours=23))                                                # redelivered
    store.apply(b, TaskCompleted(task_id=f"{b}-T1", outcome=Outcome.OUTCOME_REJECTED),
                NOV_30 + dt.timedelta(hours=30))                                                # late, rejected
    store.apply(a, TaskReturned(task_id=f"{a}-T2", reason="非本单位事项"), NOV_30 + dt.timedelta(hours=3))
    store.apply(a, SatisfactionRecorded(rating=Rating.RATING_SATISFIED, department_codes=[TAX, HOUSING]),
                NOV_30 + dt.timedelta(days=2))
    store.apply(b, SatisfactionRecorded(rating=Rating.RATING_DISSATISFIED, department_codes=[TAX]),
                NOV_30 + dt.timedelta(days=2))


def test_every_fact_counts_once_in_the_month_its_task_was_received(database: Database, tmp_path: Path) -> None:
    store = Store(database, tmp_path)
    story(store)
    departments = store.counters("2026-11", "department")
    assert departments[TAX] == Counters(received=2, signed_for=2, signed_on_time=1, completed=2, resolved=1,
                                        completed_on_time=1, rated=2, satisfied=1)
    assert departments[HOUSING] == Counters(received=1, returned=1, rated=1, satisfied=1)
    assert store.counters("2026-12", "department") == {}                 # December's facts are November's tasks'
    regions = store.counters("2026-11", "region")
    assert regions["110101"] == departments[TAX] and regions["110100"] == departments[HOUSING]


def test_a_replay_into_an_empty_store_gives_the_same_counters(database_factory: Callable[[str], Database],
                                                             tmp_path: Path) -> None:
    first, second = Store(database_factory("first"), tmp_path), Store(database_factory("second"), tmp_path)
    story(first)
    story(second)
    assert first.counters("2026-11", "department") == second.counters("2026-11", "department")


def test_a_redispatch_counts_as_received_by_the_new_department_and_an_old_one_is_ignored(
        database: Database, tmp_path: Path) -> None:
    store = Store(database, tmp_path)
    a = "110101-20261130-00003"
    store.apply(a, dispatched(f"{a}-T1", TAX, "110101", NOV_30 + dt.timedelta(days=1)), NOV_30)
    store.apply(a, TaskReturned(task_id=f"{a}-T1"), NOV_30 + dt.timedelta(hours=1))
    store.apply(a, dispatched(f"{a}-T1", "110101.district-government", "110101", NOV_30 + dt.timedelta(days=2),
                              number=2), NOV_30 + dt.timedelta(hours=2))
    store.apply(a, dispatched(f"{a}-T1", TAX, "110101", NOV_30 + dt.timedelta(days=1)), NOV_30)  # late copy
    departments = store.counters("2026-11", "department")
    assert departments[TAX] == Counters(received=1, returned=1)
    assert departments["110101.district-government"] == Counters(received=1)


class Relay:
    """Stands in for the outbox relay: the test reads the outbox table itself."""

    def wake(self) -> None:
        pass


def test_the_watcher_issues_each_due_step_once_and_sleeps_until_the_next(database: Database,
                                                                         tmp_path: Path) -> None:
    store = Store(database, tmp_path)
    settings = load_settings(SupervisionSettings, data_dir=tmp_path)
    watcher = SupervisionWatcher(settings, database, Relay(), POLICY, CALENDAR)  # type: ignore[arg-type]
    now = dt.datetime.now(dt.UTC)
    a = "110101-20261203-00009"
    # Dispatched five hours ago, due an hour ago, never signed for.
    store.apply(a, dispatched(f"{a}-T1", TAX, "110101", now - dt.timedelta(hours=1)), now - dt.timedelta(hours=5))
    jobs = storage.job_table(settings.job_lease_s, database)
    with database.transaction() as tx:
        due = [row[0] for row in jobs.claim(tx, 10, time.time())]
    assert due == [f"{a}-T1"]                                     # its steps are due: it is a job now
    watcher.look(f"{a}-T1")
    watcher.look(f"{a}-T1")                                       # a second look (another instance) adds nothing
    with database.transaction() as tx:
        rows = tx.execute("SELECT event_type, value FROM ow_outbox ORDER BY id").fetchall()
        next_at = tx.execute("SELECT status, next_attempt_at FROM followed_tasks").fetchone()
    steps = [SupervisionStepIssued.FromString(decode(bytes(r[1])).envelope.payload.value).step for r in rows]
    assert steps == [SupervisionStep.SUPERVISION_STEP_SIGN_FOR_OVERDUE, SupervisionStep.SUPERVISION_STEP_URGE]
    # Late already: no warning. Next: the 督办 notice, a working day after the deadline.
    notice_at = CALENDAR.add_working_days(now - dt.timedelta(hours=1), 1)[0]
    assert next_at[0] == "pending" and abs(next_at[1] - notice_at.timestamp()) < 1
    store.apply(a, TaskCompleted(task_id=f"{a}-T1", outcome=Outcome.OUTCOME_APPROVED), now)
    with database.transaction() as tx:
        assert tx.execute("SELECT status FROM followed_tasks").fetchone()[0] == "done"   # nothing left to say


def test_a_redo_after_a_bad_rating_reopens_the_departments_task_and_counts_nothing_else(
        database: Database, tmp_path: Path) -> None:
    store = Store(database, tmp_path)
    a = "110101-20261130-00004"
    store.apply(a, dispatched(f"{a}-T1", TAX, "110101", NOV_30 + dt.timedelta(days=1)), NOV_30)
    store.apply(a, TaskCompleted(task_id=f"{a}-T1", outcome=Outcome.OUTCOME_APPROVED), NOV_30 + dt.timedelta(hours=2))
    store.apply(a, SatisfactionRecorded(rating=Rating.RATING_VERY_DISSATISFIED, department_codes=[TAX]),
                NOV_30 + dt.timedelta(days=3))
    # Routing's 整改 task, in December: it reopens November's task, and is no new work of its own.
    redo = dispatched(f"{a}-F-{TAX}", TAX, "110101", NOV_30 + dt.timedelta(days=20), purpose="follow_up")
    store.apply(a, redo, NOV_30 + dt.timedelta(days=3))
    store.apply(a, redo, NOV_30 + dt.timedelta(days=3))                                        # redelivered
    store.apply(a, TaskAcknowledged(task_id=f"{a}-F-{TAX}"), NOV_30 + dt.timedelta(days=4))
    store.apply(a, TaskCompleted(task_id=f"{a}-F-{TAX}", outcome=Outcome.OUTCOME_RESOLVED),
                NOV_30 + dt.timedelta(days=5))
    assert store.counters("2026-11", "department")[TAX] == Counters(
        received=1, completed=1, resolved=1, completed_on_time=1, reopened=1, rated=1)
    assert store.counters("2026-12", "department") == {}


def _planned_calls(database: Database) -> list[FollowUpCallPlanned]:
    with database.transaction() as tx:
        rows = tx.execute("SELECT value FROM ow_outbox WHERE event_type LIKE '%FollowUpCallPlanned'"
                          " ORDER BY id").fetchall()
    return [FollowUpCallPlanned.FromString(decode(bytes(r[0])).envelope.payload.value) for r in rows]


def test_the_follow_up_call_is_planned_once_after_completion_or_after_the_time_limit(
        database: Database, tmp_path: Path) -> None:
    store = Store(database, tmp_path)
    settings = load_settings(SupervisionSettings, data_dir=tmp_path)
    watcher = SupervisionWatcher(settings, database, Relay(), POLICY, CALENDAR)  # type: ignore[arg-type]
    now = dt.datetime.now(dt.UTC)
    answered, silent, waiting = "110101-20261203-00011", "110101-20261203-00012", "110101-20261203-00013"
    for case, promised in ((answered, now + dt.timedelta(days=5)), (silent, now - dt.timedelta(hours=25)),
                           (waiting, now + dt.timedelta(days=5))):
        accepted = ApplicationAccepted(receiving_region_code="110101")
        accepted.promised_by.FromDatetime(promised)
        store.apply(case, accepted, now - dt.timedelta(days=3))
    done = ApplicationCompleted(outcome=Outcome.OUTCOME_APPROVED)
    done.completed_at.FromDatetime(now - dt.timedelta(hours=25))        # answered, a day and an hour ago
    store.apply(answered, done, now - dt.timedelta(hours=25))
    jobs = storage.case_job_table(settings.job_lease_s, database)
    with database.transaction() as tx:
        due = sorted(row[0] for row in jobs.claim(tx, 10, time.time()))
    assert due == [answered, silent]                                    # the third is not due for days
    for case in (answered, silent, answered, silent):                   # looked at twice: planned once each
        watcher.look_at_case(case)
    calls = _planned_calls(database)
    assert [c.reason for c in calls] == [FollowUpReason.FOLLOW_UP_REASON_COMPLETED,
                                         FollowUpReason.FOLLOW_UP_REASON_TIME_LIMIT]
    with database.transaction() as tx:
        states = dict(tx.execute("SELECT application_id, status FROM followed_cases").fetchall())
        listed = storage.follow_up_calls(tx, open_only=True, region_prefix="110101")
    assert states == {answered: "done", silent: "done", waiting: "pending"}
    assert {c.application_id for c in listed} == {answered, silent} and {c.call_id for c in listed} == \
        {c.call_id for c in calls}


def test_the_follow_up_calls_and_their_outcomes_come_back_from_the_topic_into_an_empty_store(
        database_factory: Callable[[str], Database], tmp_path: Path) -> None:
    """The 回访 work list is derived too: its own events, replayed, rebuild it with the outcomes."""
    live, replayed = Store(database_factory("live"), tmp_path), Store(database_factory("replayed"), tmp_path)
    at = NOV_30 + dt.timedelta(days=2)
    planned = FollowUpCallPlanned(call_id="call-1", reason=FollowUpReason.FOLLOW_UP_REASON_COMPLETED,
                                  region_code="110101")
    planned.due_at.FromDatetime(at)
    recorded = FollowUpCallRecorded(call_id="call-1", outcome=FollowUpOutcome.FOLLOW_UP_OUTCOME_SATISFIED,
                                    note="已回电")
    for store in (live, replayed):
        for payload in (planned, recorded, planned, recorded):         # redelivered: nothing changes
            store.apply("110101-20261130-00021", payload, at)
    [call] = [c for c in _listed(replayed)]
    assert (call.region_code, call.outcome, call.note, call.due_at) == (
        "110101", FollowUpOutcome.FOLLOW_UP_OUTCOME_SATISFIED, "已回电", at.astimezone(dt.UTC).isoformat())
    assert _listed(live) == _listed(replayed)


def _listed(store: Store) -> list[storage.FollowUpCall]:
    with store.db.transaction() as tx:
        return storage.follow_up_calls(tx, open_only=False)
