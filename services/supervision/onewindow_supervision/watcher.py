"""The watcher: looks at each followed task when its next step falls due (never on a timer),
announces what is due — each step once, its event id derived from the step's key — and sets
when to look next; and at each followed case when its 回访 call falls due, to plan it once.
Looks are leased jobs, so several instances share the work and one killed in the middle of a
look leaves it to another once the lease lapses."""

from __future__ import annotations

import datetime as dt
import logging
import time

from onewindow.supervision.v1.events_pb2 import (
    FollowUpCallPlanned,
    FollowUpReason,
    SupervisionStep,
    SupervisionStepIssued,
)
from onewindow_catalog import WorkingCalendar
from onewindow_catalog.calendar import CHINA
from onewindow_platform.events import build_envelope, derived_id
from onewindow_platform.outbox import OutboxRelay, add_to_outbox
from onewindow_platform.storage import Database, Transaction
from onewindow_platform.worker import PollingWorker

from . import storage
from .domain.escalation import CaseClock, DueStep, TaskClock, due_steps, follow_up_at, next_look
from .domain.policy import Policy
from .settings import SupervisionSettings

log = logging.getLogger(__name__)

STEPS = {"warning": SupervisionStep.SUPERVISION_STEP_WARNING,
         "sign_for": SupervisionStep.SUPERVISION_STEP_SIGN_FOR_OVERDUE,
         "urge": SupervisionStep.SUPERVISION_STEP_URGE, "notice": SupervisionStep.SUPERVISION_STEP_NOTICE,
         "circular": SupervisionStep.SUPERVISION_STEP_CIRCULAR}


def clock_of(task: storage.FollowedTask, taken: frozenset[str]) -> TaskClock:
    return TaskClock(task.task_id, task.dispatch_number, dt.datetime.fromisoformat(task.dispatched_at),
                     dt.datetime.fromisoformat(task.due_at),
                     dt.datetime.fromisoformat(task.acknowledged_at) if task.acknowledged_at else None,
                     bool(task.closed), taken)


def reschedule(tx: Transaction, task: storage.FollowedTask, policy: Policy, calendar: WorkingCalendar,
               now: dt.datetime) -> None:
    """Set the task's next look from what is stored now (after any fact or look)."""
    clock = clock_of(task, storage.issued_keys(tx, task))
    due_now = due_steps(clock, now, policy, calendar)
    following = next_look(clock, now, policy, calendar)
    storage.schedule(tx, task.task_id, now.timestamp() if due_now else following.timestamp() if following else None)


def case_clock(case: storage.FollowedCase, planned: bool) -> CaseClock | None:
    """The case's clock, or None while nothing can fall due: no promised date and no answer yet."""
    completed = dt.datetime.fromisoformat(case.completed_at) if case.completed_at else None
    due = dt.datetime.fromisoformat(case.due_at) if case.due_at else completed
    if due is None:
        return None
    taken = frozenset({f"{case.application_id}:follow_up"}) if planned else frozenset()
    return CaseClock(case.application_id, due, completed, taken)


def reschedule_case(tx: Transaction, case: storage.FollowedCase, policy: Policy, calendar: WorkingCalendar) -> None:
    clock = case_clock(case, storage.call_planned(tx, case.application_id))
    call = follow_up_at(clock, policy, calendar) if clock is not None else None
    storage.schedule_case(tx, case.application_id, call.due_at.timestamp() if call else None)


def _reason(step: DueStep, policy: Policy) -> str:
    if step.kind == "warning":
        return f"已过办理时限的 {policy.warning_at:.0%}, 请抓紧办理 (预警)"
    if step.kind == "sign_for":
        return "派单后未在规定时间内签收 (签收超时)"
    if step.kind == "urge":
        return "已超过办理时限, 请尽快办结 (催办)"
    if step.kind == "notice":
        by = step.respond_by.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if step.respond_by else ""
        return f"督办通知: 请于 {by} 前反馈办理情况 (督办)"
    return "超期未办结, 予以通报 (通报)"


class Watcher:
    def __init__(self, settings: SupervisionSettings, db: Database, relay: OutboxRelay, policy: Policy,
                 calendar: WorkingCalendar) -> None:
        self.settings, self.db, self.relay, self.policy, self.calendar = settings, db, relay, policy, calendar
        self.jobs = storage.job_table(settings.job_lease_s, db)
        self.worker = PollingWorker("supervise", self._claim, self.look, lambda: self.jobs.next_due(db.connection()),
                                    workers=2, renew=self._renew, renew_every_s=settings.job_lease_s / 3)
        self.case_jobs = storage.case_job_table(settings.job_lease_s, db)
        self.follow_up = PollingWorker("follow-up", self._claim_cases, self.look_at_case,
                                       lambda: self.case_jobs.next_due(db.connection()), workers=1,
                                       renew=self._renew_cases, renew_every_s=settings.job_lease_s / 3)

    def start(self) -> None:
        self.worker.start()
        self.follow_up.start()

    def stop(self) -> None:
        self.worker.stop()
        self.follow_up.stop()

    def wake(self) -> None:
        self.worker.wake()

    def wake_follow_up(self) -> None:
        self.follow_up.wake()

    def _claim(self, limit: int) -> list[str]:
        with self.db.transaction() as tx:
            return [row[0] for row in self.jobs.claim(tx, limit, time.time())]

    def _renew(self) -> None:
        with self.db.transaction() as tx:
            self.jobs.renew(tx, time.time())

    def _claim_cases(self, limit: int) -> list[str]:
        with self.db.transaction() as tx:
            return [row[0] for row in self.case_jobs.claim(tx, limit, time.time())]

    def _renew_cases(self) -> None:
        with self.db.transaction() as tx:
            self.case_jobs.renew(tx, time.time())

    def look_at_case(self, application_id: str) -> None:
        """Plan the case's 回访 once it is due (the call's id and event id derive from the case)."""
        now = dt.datetime.now(dt.UTC)
        planned = False
        with self.db.transaction() as tx:
            case = storage.followed_case(tx, application_id)
            if case is None:
                return
            clock = case_clock(case, storage.call_planned(tx, application_id))
            call = follow_up_at(clock, self.policy, self.calendar) if clock is not None else None
            if call is not None and call.due_at <= now:
                answered = clock is not None and clock.completed_at is not None and clock.completed_at <= call.due_at
                reason = (FollowUpReason.FOLLOW_UP_REASON_COMPLETED if answered
                          else FollowUpReason.FOLLOW_UP_REASON_TIME_LIMIT)
                call_id = derived_id("follow-up-call", call.key)
                if storage.plan_call(tx, storage.FollowUpCall(call_id, application_id, case.region_code, reason,
                                                              call.due_at.isoformat())):
                    event = FollowUpCallPlanned(call_id=call_id, reason=reason, region_code=case.region_code)
                    event.due_at.FromDatetime(call.due_at)
                    add_to_outbox(tx, self.settings, build_envelope(
                        event, application_id=application_id, source=self.settings.service_name,
                        event_id=derived_id("supervision-step", call.key)))
                    planned = True
            reschedule_case(tx, case, self.policy, self.calendar)
        if planned:
            log.info("follow-up call planned", extra={"application_id": application_id})
            self.relay.wake()

    def look(self, task_id: str) -> None:
        now = dt.datetime.now(dt.UTC)
        announced = 0
        with self.db.transaction() as tx:
            task = storage.followed_task(tx, task_id)
            if task is None:
                return
            clock = clock_of(task, storage.issued_keys(tx, task))
            for step in due_steps(clock, now, self.policy, self.calendar):
                if not storage.issue(tx, step.key, task.application_id, step.kind, now.isoformat()):
                    continue  # another instance announced it meanwhile
                issued = SupervisionStepIssued(task_id=task.task_id, department_code=task.department_code,
                                               dispatch_number=task.dispatch_number, step=STEPS[step.kind],
                                               reason=_reason(step, self.policy))
                issued.task_due_at.FromDatetime(clock.due_at)
                if step.respond_by is not None:
                    issued.respond_by.FromDatetime(step.respond_by)
                add_to_outbox(tx, self.settings, build_envelope(
                    issued, application_id=task.application_id, source=self.settings.service_name,
                    event_id=derived_id("supervision-step", step.key)))
                announced += 1
            reschedule(tx, task, self.policy, self.calendar, now)
        if announced:
            log.info("supervision steps issued", extra={"task_id": task_id, "count": announced})
            self.relay.wake()
