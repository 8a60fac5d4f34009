"""When each supervision step of a task, and the 回访 of a case, falls due. Pure: the watcher
gives the facts it stored and the time; what it gets back it announces once each (the step's
key makes the event id, so a second look, a restart or a second instance cannot repeat it).

Steps of a task, per dispatch (a re-dispatch gets a new deadline and a new ladder):
- warning (预警): once `warning_at` of the time from dispatch to deadline has passed, if the
  task is still open and not yet late;
- sign_for: not signed for (签收) within the policy's limit after dispatch;
- the ladder after a missed deadline: urge (催办), notice (督办, with its own deadline), circular (通报).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from onewindow_catalog.calendar import WorkingCalendar

from .policy import Policy, later


@dataclass(frozen=True)
class TaskClock:
    task_id: str
    dispatch_number: int
    dispatched_at: dt.datetime
    due_at: dt.datetime
    acknowledged_at: dt.datetime | None = None
    closed: bool = False                       # completed, or returned to be sent elsewhere
    taken: frozenset[str] = field(default_factory=frozenset)  # keys of the steps announced


@dataclass(frozen=True)
class CaseClock:
    application_id: str
    due_at: dt.datetime                         # the latest deadline of its tasks
    completed_at: dt.datetime | None = None
    taken: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class DueStep:
    kind: str                                   # warning | sign_for | urge | notice | circular | follow_up
    key: str                                    # unique per task dispatch (or case) and kind
    due_at: dt.datetime                         # when it fell due
    respond_by: dt.datetime | None = None       # a notice's own deadline


def _planned(task: TaskClock, policy: Policy, calendar: WorkingCalendar) -> list[DueStep]:
    prefix = f"{task.task_id}#{task.dispatch_number}"
    span = task.due_at - task.dispatched_at
    planned = []
    if span > dt.timedelta(0):
        planned.append(DueStep("warning", f"{prefix}:warning", task.dispatched_at + span * policy.warning_at))
    if task.acknowledged_at is None:
        planned.append(DueStep("sign_for", f"{prefix}:sign_for", later(task.dispatched_at, policy.sign_for, calendar)))
    for rung in policy.ladder:
        at = later(task.due_at, rung.after, calendar)
        respond_by = later(at, rung.respond_within, calendar) if rung.respond_within else None
        planned.append(DueStep(rung.step.value, f"{prefix}:{rung.step.value}", at, respond_by))
    return planned


def due_steps(task: TaskClock, now: dt.datetime, policy: Policy, calendar: WorkingCalendar) -> list[DueStep]:
    """The steps to announce now, in the order they fell due."""
    if task.closed:
        return []
    due = []
    for step in _planned(task, policy, calendar):
        if step.key in task.taken or step.due_at > now:
            continue
        if step.kind == "warning" and now >= task.due_at:
            continue  # already late: the ladder speaks instead
        due.append(step)
    return sorted(due, key=lambda s: s.due_at)


def next_look(task: TaskClock, now: dt.datetime, policy: Policy, calendar: WorkingCalendar) -> dt.datetime | None:
    """When a step of this task falls due next (None: nothing is left to announce), so the
    watcher sleeps until then rather than scanning on a timer."""
    if task.closed:
        return None
    ahead = [s.due_at for s in _planned(task, policy, calendar) if s.key not in task.taken and s.due_at > now
             and not (s.kind == "warning" and s.due_at >= task.due_at)]
    return min(ahead, default=None)


def follow_up_at(case: CaseClock, policy: Policy, calendar: WorkingCalendar) -> DueStep | None:
    """The case's one 回访 call and when it falls due: after completion, or after the time limit
    when no answer came by then (Beijing's rule: the citizen is called back either way); None
    once it was planned."""
    key = f"{case.application_id}:follow_up"
    if key in case.taken:
        return None
    by_time_limit = later(case.due_at, policy.follow_up_after_time_limit, calendar)
    if case.completed_at is not None and case.completed_at <= by_time_limit:
        return DueStep("follow_up", key, later(case.completed_at, policy.follow_up_after_completion, calendar))
    return DueStep("follow_up", key, by_time_limit)


def follow_up_due(case: CaseClock, now: dt.datetime, policy: Policy, calendar: WorkingCalendar) -> DueStep | None:
    """The 回访 call to plan now, if it is due."""
    call = follow_up_at(case, policy, calendar)
    return call if call is not None and call.due_at <= now else None
