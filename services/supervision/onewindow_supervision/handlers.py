"""Event handlers of the supervision service: each fact about a task moves its clock and adds
to the monthly counters of its department and of the department's region — in the event's own
transaction, so a replay from the beginning of the topics rebuilds the same counters.

Each fact also sets when the watcher looks at the task next.

- TaskDispatched → follow the dispatch (its clock and ladder); received + 1 — or, for routing's
  整改 after a bad rating (purpose follow_up), reopened + 1 on the department's own task of the case
  (the redo keeps its own clock and ladder, and its later facts count nothing more);
- TaskAcknowledged → signed for (on time or not, by the policy's sign-for limit);
- TaskCompleted → closed; completed, resolved (approved, resolved or partly approved), on time;
- TaskReturned → closed for this dispatch; returned + 1;
- SatisfactionRecorded → rated, and satisfied for the top three levels, for each department rated;
- ApplicationAccepted / ApplicationCompleted → the case's clock, from which its 回访 falls due;
- FollowUpCallPlanned / FollowUpCallRecorded (its own, back from the topic) → the 回访 call and
  its outcome: a no-op for what this store did itself, the work list again after a replay.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from google.protobuf.message import Message

from onewindow.application.v1.events_pb2 import ApplicationAccepted, ApplicationCompleted
from onewindow.common.v1.types_pb2 import Outcome
from onewindow.feedback.v1.events_pb2 import Rating, SatisfactionRecorded
from onewindow.supervision.v1.events_pb2 import FollowUpCallPlanned, FollowUpCallRecorded
from onewindow.task.v1.events_pb2 import TaskAcknowledged, TaskCompleted, TaskDispatched, TaskReturned
from onewindow_catalog import WorkingCalendar
from onewindow_catalog.calendar import CHINA
from onewindow_platform.bootstrap import UseCase
from onewindow_platform.consumer import HandlerContext

from . import storage
from .domain.policy import Policy, later
from .watcher import reschedule, reschedule_case


class Waker(Protocol):
    def wake(self) -> None: ...

    def wake_follow_up(self) -> None: ...


RESOLVED = frozenset({Outcome.OUTCOME_APPROVED, Outcome.OUTCOME_RESOLVED, Outcome.OUTCOME_PARTIALLY_APPROVED})
SATISFIED = frozenset({Rating.RATING_VERY_SATISFIED, Rating.RATING_SATISFIED, Rating.RATING_BASICALLY_SATISFIED})


def _occurred(ctx: HandlerContext) -> dt.datetime:
    # Times come from the event, not the clock: a replay computes the same months and verdicts.
    return ctx.event.envelope.occurred_at.ToDatetime(tzinfo=dt.UTC)


def _count(ctx: HandlerContext, task: storage.FollowedTask, **increments: int) -> None:
    if not task.counted:
        return
    storage.count(ctx.tx, task.month, "department", task.department_code, task.level, **increments)
    storage.count(ctx.tx, task.month, "region", task.region_code, task.level, **increments)


def _watch(ctx: HandlerContext, task_id: str, policy: Policy, calendar: WorkingCalendar, watcher: Waker) -> None:
    """After a fact, the task's next look follows from what is stored now; the watcher is woken
    once the fact is committed (woken earlier it would read the row as it was)."""
    task = storage.followed_task(ctx.tx, task_id)
    if task is not None:
        reschedule(ctx.tx, task, policy, calendar, dt.datetime.now(dt.UTC))
        ctx.after_commit(watcher.wake)


def on_dispatched(dispatched: TaskDispatched, ctx: HandlerContext, policy: Policy, calendar: WorkingCalendar,
                  watcher: Waker) -> None:
    at = _occurred(ctx)
    known = storage.followed_task(ctx.tx, dispatched.task_id)
    if known is not None and known.dispatch_number >= dispatched.dispatch_number:
        return  # an older dispatch arriving late changes nothing
    due = dispatched.deadline.due_at.ToDatetime(tzinfo=dt.UTC) if dispatched.HasField("deadline") else at
    task = storage.FollowedTask(
        task_id=dispatched.task_id, application_id=ctx.event.application_id,
        department_code=dispatched.department_code, region_code=dispatched.region_code, level=dispatched.level,
        dispatch_number=dispatched.dispatch_number, month=at.astimezone(CHINA).strftime("%Y-%m"),
        dispatched_at=at.isoformat(), due_at=due.isoformat(), acknowledged_at="", closed=0,
        purpose=dispatched.purpose)
    storage.follow(ctx.tx, task)
    if task.counted:
        _count(ctx, task, received=1)
    elif known is None:  # the first dispatch of a redo reopens the department's work on the case
        original = next((t for t in storage.tasks_of(ctx.tx, task.application_id)
                         if t.counted and t.department_code == task.department_code), None)
        if original is not None:
            _count(ctx, original, reopened=1)
    _watch(ctx, task.task_id, policy, calendar, watcher)


def on_acknowledged(acknowledged: TaskAcknowledged, ctx: HandlerContext, policy: Policy,
                    calendar: WorkingCalendar, watcher: Waker) -> None:
    task = storage.followed_task(ctx.tx, acknowledged.task_id)
    if task is None or task.acknowledged_at:
        return
    at = (acknowledged.acknowledged_at.ToDatetime(tzinfo=dt.UTC) if acknowledged.HasField("acknowledged_at")
          else _occurred(ctx))
    storage.acknowledge(ctx.tx, task.task_id, at.isoformat())
    on_time = at <= later(dt.datetime.fromisoformat(task.dispatched_at), policy.sign_for, calendar)
    _count(ctx, task, signed_for=1, signed_on_time=int(on_time))
    _watch(ctx, task.task_id, policy, calendar, watcher)


def on_completed(completed: TaskCompleted, ctx: HandlerContext, policy: Policy, calendar: WorkingCalendar,
                 watcher: Waker) -> None:
    task = storage.followed_task(ctx.tx, completed.task_id)
    if task is None or task.closed:
        return
    storage.close(ctx.tx, task.task_id)
    on_time = _occurred(ctx) <= dt.datetime.fromisoformat(task.due_at)
    _count(ctx, task, completed=1, resolved=int(completed.outcome in RESOLVED), completed_on_time=int(on_time))
    _watch(ctx, task.task_id, policy, calendar, watcher)


def on_returned(returned: TaskReturned, ctx: HandlerContext, policy: Policy, calendar: WorkingCalendar,
                watcher: Waker) -> None:
    task = storage.followed_task(ctx.tx, returned.task_id)
    if task is None or task.closed:
        return
    storage.close(ctx.tx, task.task_id)
    _count(ctx, task, returned=1)
    _watch(ctx, task.task_id, policy, calendar, watcher)


def on_rated(rated: SatisfactionRecorded, ctx: HandlerContext) -> None:
    wanted = set(rated.department_codes)
    for task in storage.tasks_of(ctx.tx, ctx.event.application_id):
        if task.counted and task.department_code in wanted:
            wanted.discard(task.department_code)  # one rating per department per case
            _count(ctx, task, rated=1, satisfied=int(rated.rating in SATISFIED))


def _watch_case(ctx: HandlerContext, policy: Policy, calendar: WorkingCalendar, watcher: Waker) -> None:
    case = storage.followed_case(ctx.tx, ctx.event.application_id)
    if case is not None:
        reschedule_case(ctx.tx, case, policy, calendar)
        ctx.after_commit(watcher.wake_follow_up)


def on_accepted(accepted: ApplicationAccepted, ctx: HandlerContext, policy: Policy, calendar: WorkingCalendar,
                watcher: Waker) -> None:
    due = accepted.promised_by.ToDatetime(tzinfo=dt.UTC).isoformat() if accepted.HasField("promised_by") else ""
    storage.follow_case(ctx.tx, storage.FollowedCase(
        application_id=ctx.event.application_id, region_code=accepted.receiving_region_code,
        accepted_at=_occurred(ctx).isoformat(), due_at=due, completed_at=""))
    _watch_case(ctx, policy, calendar, watcher)


def on_case_completed(completed: ApplicationCompleted, ctx: HandlerContext, policy: Policy,
                      calendar: WorkingCalendar, watcher: Waker) -> None:
    at = completed.completed_at.ToDatetime(tzinfo=dt.UTC) if completed.HasField("completed_at") else _occurred(ctx)
    storage.complete_case(ctx.tx, ctx.event.application_id, at.isoformat())
    _watch_case(ctx, policy, calendar, watcher)


def on_call_planned(planned: FollowUpCallPlanned, ctx: HandlerContext) -> None:
    storage.plan_call(ctx.tx, storage.FollowUpCall(
        planned.call_id, ctx.event.application_id, planned.region_code, planned.reason,
        planned.due_at.ToDatetime(tzinfo=dt.UTC).isoformat()))


def on_call_recorded(recorded: FollowUpCallRecorded, ctx: HandlerContext) -> None:
    storage.record_call(ctx.tx, recorded.call_id, recorded.outcome, recorded.note, ctx.event.envelope.actor.id,
                        _occurred(ctx).isoformat())


HANDLERS: dict[type[Message], UseCase] = {
    TaskDispatched: on_dispatched,
    TaskAcknowledged: on_acknowledged,
    TaskCompleted: on_completed,
    TaskReturned: on_returned,
    SatisfactionRecorded: on_rated,
    ApplicationAccepted: on_accepted,
    ApplicationCompleted: on_case_completed,
    FollowUpCallPlanned: on_call_planned,
    FollowUpCallRecorded: on_call_recorded,
}
