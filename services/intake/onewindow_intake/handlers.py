"""Event handlers of the intake service: keep the case view (application + tasks) current.

Task events arrive in order (one topic, keyed by case); ApplicationRouted comes on another
topic and may arrive after the first dispatch, so planning never overwrites a dispatched task,
and the application's status never moves back from `completed`.
"""

from __future__ import annotations

import datetime as dt

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from onewindow.application.v1.events_pb2 import ApplicationCompleted, ApplicationRouted
from onewindow.notification.v1.events_pb2 import NotificationChannel, NotificationFailed, NotificationReason
from onewindow.task.v1.events_pb2 import (
    SupplementRequested,
    TaskAcknowledged,
    TaskCompleted,
    TaskDeadlineMissed,
    TaskDelivered,
    TaskDeliveryFailed,
    TaskDispatched,
    TaskEscalated,
    TaskReturned,
)
from onewindow_platform.bootstrap import UseCase
from onewindow_platform.consumer import HandlerContext

from . import storage
from .domain.case_states import FINAL, CaseStatus, TaskStatus, advanced, after_delivery, from_tasks

PARKED_NOTE = "delivery parked"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _advance(ctx: HandlerContext, status: CaseStatus, handling_region: str | None = None) -> None:
    application_id = ctx.event.application_id
    current = storage.application_status(ctx.tx, application_id)
    if current is None:
        return  # not one of ours (another intake deployment's case)
    status_now = advanced(current, status)
    if status_now != current or handling_region:
        storage.set_application_status(ctx.tx, application_id, status_now, _now(), handling_region)


def _after_task_change(ctx: HandlerContext, application_id: str | None) -> None:
    current = storage.application_status(ctx.tx, application_id) if application_id else None
    if application_id is None or current is None or current in FINAL:
        return
    storage.set_application_status(ctx.tx, application_id,
                                   from_tasks(current, storage.task_statuses(ctx.tx, application_id)), _now())


def on_routed(routed: ApplicationRouted, ctx: HandlerContext) -> None:
    for planned in routed.tasks:
        storage.plan_task(ctx.tx, ctx.event.application_id, storage.StoredTask(
            task_id=planned.task_id, department_code=planned.department_code,
            department_name=planned.department_name, region_code=planned.region_code, level=planned.level,
            step=planned.step, status=TaskStatus.WAITING if planned.depends_on_task_ids else TaskStatus.PLANNED,
            deadline=MessageToDict(planned.deadline) if planned.HasField("deadline") else {},
        ))
    storage.record_routing(ctx.tx, ctx.event.application_id, routed.cross_region, routed.fallback_used,
                           routed.fallback_reason)
    _advance(ctx, CaseStatus.ROUTED, routed.handling_region_code)


def on_task_dispatched(task: TaskDispatched, ctx: HandlerContext) -> None:
    storage.dispatch_task(ctx.tx, ctx.event.application_id, storage.StoredTask(
        task_id=task.task_id, department_code=task.department_code, department_name=task.department_name,
        region_code=task.region_code, level=task.level, step=task.step, status=TaskStatus.DISPATCHED,
        deadline=MessageToDict(task.deadline) if task.HasField("deadline") else {},
        dispatch_number=task.dispatch_number or 1,
    ))
    if task.purpose == "follow_up":
        storage.update_task(ctx.tx, task.task_id, note="回访: follow-up of a dissatisfied rating (差评)")
    _advance(ctx, CaseStatus.IN_PROGRESS)


def _set_task(ctx: HandlerContext, task_id: str, **changes: str | int | bool | None) -> None:
    _after_task_change(ctx, storage.update_task(ctx.tx, task_id, **changes))  # type: ignore[arg-type]


def on_delivered(delivered: TaskDelivered, ctx: HandlerContext) -> None:
    found = storage.task_status(ctx.tx, delivered.task_id)
    parked = found is not None and found[1]  # delivered after all: the parking note no longer holds
    _set_task(ctx, delivered.task_id, status=after_delivery(found[0] if found else None),
              note="" if parked else None, parked=False if parked else None)


def on_delivery_failed(failed: TaskDeliveryFailed, ctx: HandlerContext) -> None:
    if failed.parked:
        _set_task(ctx, failed.task_id, status=TaskStatus.DELIVERY_PARKED, parked=True,
                  note=f"{PARKED_NOTE} after {failed.attempts} attempts: {failed.reason}")


def on_acknowledged(acknowledged: TaskAcknowledged, ctx: HandlerContext) -> None:
    _set_task(ctx, acknowledged.task_id, status=TaskStatus.ACKNOWLEDGED)


def on_supplement_requested(request: SupplementRequested, ctx: HandlerContext) -> None:
    note = "missing: " + ", ".join(request.missing_fields) + (f" ({request.note})" if request.note else "")
    _set_task(ctx, request.task_id, status=TaskStatus.NEEDS_SUPPLEMENT, note=note)


def on_task_completed(completed: TaskCompleted, ctx: HandlerContext) -> None:
    _set_task(ctx, completed.task_id, status=TaskStatus.COMPLETED, outcome=completed.outcome,
              result_text=completed.result_text)


def on_returned(returned: TaskReturned, ctx: HandlerContext) -> None:
    _set_task(ctx, returned.task_id, status=TaskStatus.RETURNED, note=f"returned: {returned.reason}")


def on_deadline_missed(missed: TaskDeadlineMissed, ctx: HandlerContext) -> None:
    new_due = missed.new_deadline.due_at.ToJsonString()
    storage.update_task(ctx.tx, missed.task_id, note=f"overdue; new deadline {new_due}",
                        deadline=MessageToDict(missed.new_deadline))


def on_notification_failed(failed: NotificationFailed, ctx: HandlerContext) -> None:
    if failed.permanent:
        channel = NotificationChannel.Name(failed.channel).removeprefix("NOTIFICATION_CHANNEL_").lower()
        reason = NotificationReason.Name(failed.reason).removeprefix("NOTIFICATION_REASON_").lower()
        storage.add_notification_problem(ctx.tx, ctx.event.application_id, f"{reason} by {channel}: {failed.error}")


def on_escalated(escalated: TaskEscalated, ctx: HandlerContext) -> None:
    status = TaskStatus.COORDINATION if escalated.to_coordinator else None  # a re-dispatch follows otherwise
    application_id = storage.update_task(ctx.tx, escalated.task_id, status=status, note=escalated.reason)
    _after_task_change(ctx, application_id)


def on_application_completed(completed: ApplicationCompleted, ctx: HandlerContext) -> None:
    if storage.application_status(ctx.tx, ctx.event.application_id) is None:
        return
    storage.set_application_status(ctx.tx, ctx.event.application_id, CaseStatus.COMPLETED, _now(),
                                   outcome=completed.outcome)


HANDLERS: dict[type[Message], UseCase] = {
    ApplicationRouted: on_routed,
    TaskDispatched: on_task_dispatched,
    TaskDelivered: on_delivered,
    TaskDeliveryFailed: on_delivery_failed,
    TaskAcknowledged: on_acknowledged,
    SupplementRequested: on_supplement_requested,
    TaskCompleted: on_task_completed,
    TaskReturned: on_returned,
    TaskEscalated: on_escalated,
    TaskDeadlineMissed: on_deadline_missed,
    NotificationFailed: on_notification_failed,
    ApplicationCompleted: on_application_completed,
}
