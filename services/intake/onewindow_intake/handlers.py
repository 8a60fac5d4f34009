"""Event handlers of the intake service: keep the case view (application + tasks) current.

Task events arrive in order (one topic, keyed by case); ApplicationRouted comes on another
topic and may arrive after the first dispatch, so planning never overwrites a dispatched task,
and the application's status never moves back from `completed`.
"""

from __future__ import annotations

import datetime as dt
import json

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

PARKED_NOTE = "delivery parked"
APPLICATION_STATUS_RANK = {"accepted": 0, "routed": 1, "in_progress": 2, "needs_supplement": 2, "completed": 4,
                           "rejected": 4}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _current_status(ctx: HandlerContext, application_id: str) -> str | None:
    row = ctx.tx.execute("SELECT status FROM applications WHERE application_id = ?", (application_id,)).fetchone()
    return row[0] if row else None


def _advance(ctx: HandlerContext, application_id: str, status: str, handling_region: str | None = None) -> None:
    current = _current_status(ctx, application_id)
    if current is None:
        return  # not one of ours (another intake deployment's case)
    if APPLICATION_STATUS_RANK[status] >= APPLICATION_STATUS_RANK[current]:
        storage.set_application_status(ctx.tx, application_id, status, _now(), handling_region)
    elif handling_region:
        storage.set_application_status(ctx.tx, application_id, current, _now(), handling_region)


def _after_task_change(ctx: HandlerContext, application_id: str | None) -> None:
    """The application needs a supplement while any task does; otherwise it is in progress."""
    if application_id is None:
        return
    current = _current_status(ctx, application_id)
    if current in (None, "completed", "rejected"):
        return
    statuses = storage.task_statuses(ctx.tx, application_id)
    status = "needs_supplement" if "needs_supplement" in statuses else "in_progress"
    storage.set_application_status(ctx.tx, application_id, status, _now())


def on_routed(routed: ApplicationRouted, ctx: HandlerContext) -> None:
    for planned in routed.tasks:
        storage.plan_task(ctx.tx, ctx.event.application_id, storage.StoredTask(
            task_id=planned.task_id, department_code=planned.department_code,
            department_name=planned.department_name, region_code=planned.region_code, level=planned.level,
            step=planned.step, status="waiting" if planned.depends_on_task_ids else "planned",
            deadline=MessageToDict(planned.deadline) if planned.HasField("deadline") else {},
        ))
    storage.record_routing(ctx.tx, ctx.event.application_id, routed.cross_region, routed.fallback_used,
                           routed.fallback_reason)
    _advance(ctx, ctx.event.application_id, "routed", routed.handling_region_code)


def on_task_dispatched(task: TaskDispatched, ctx: HandlerContext) -> None:
    storage.dispatch_task(ctx.tx, ctx.event.application_id, storage.StoredTask(
        task_id=task.task_id, department_code=task.department_code, department_name=task.department_name,
        region_code=task.region_code, level=task.level, step=task.step, status="dispatched",
        deadline=MessageToDict(task.deadline) if task.HasField("deadline") else {},
        dispatch_number=task.dispatch_number or 1,
    ))
    if task.purpose == "follow_up":
        storage.update_task(ctx.tx, task.task_id, note="回访: follow-up of a dissatisfied rating (差评)")
    _advance(ctx, ctx.event.application_id, "in_progress")


def _set_task(ctx: HandlerContext, task_id: str, **changes: str | int | None) -> None:
    _after_task_change(ctx, storage.update_task(ctx.tx, task_id, **changes))  # type: ignore[arg-type]


# The adapter records a delivery when the agency's answer is back, and an instant agency may have
# acknowledged (even completed) the task through its callback before that: TaskDelivered can come
# after TaskAcknowledged on the topic, and must not move the task back.
BEFORE_DELIVERY = {"planned", "waiting", "dispatched", "delivery_parked"}


def on_delivered(delivered: TaskDelivered, ctx: HandlerContext) -> None:
    row = ctx.tx.execute("SELECT note, status FROM tasks WHERE task_id = ?", (delivered.task_id,)).fetchone()
    stale_parking_note = bool(row) and str(row[0]).startswith(PARKED_NOTE)  # delivered after all
    status = "delivered" if row is None or row[1] in BEFORE_DELIVERY else None
    _set_task(ctx, delivered.task_id, status=status, note="" if stale_parking_note else None)


def on_delivery_failed(failed: TaskDeliveryFailed, ctx: HandlerContext) -> None:
    if failed.parked:
        _set_task(ctx, failed.task_id, status="delivery_parked",
                  note=f"{PARKED_NOTE} after {failed.attempts} attempts: {failed.reason}")


def on_acknowledged(acknowledged: TaskAcknowledged, ctx: HandlerContext) -> None:
    _set_task(ctx, acknowledged.task_id, status="acknowledged")


def on_supplement_requested(request: SupplementRequested, ctx: HandlerContext) -> None:
    note = "missing: " + ", ".join(request.missing_fields) + (f" ({request.note})" if request.note else "")
    _set_task(ctx, request.task_id, status="needs_supplement", note=note)


def on_task_completed(completed: TaskCompleted, ctx: HandlerContext) -> None:
    _set_task(ctx, completed.task_id, status="completed", outcome=completed.outcome, result_text=completed.result_text)


def on_returned(returned: TaskReturned, ctx: HandlerContext) -> None:
    _set_task(ctx, returned.task_id, status="returned", note=f"returned: {returned.reason}")


def on_deadline_missed(missed: TaskDeadlineMissed, ctx: HandlerContext) -> None:
    new_due = missed.new_deadline.due_at.ToJsonString()
    application_id = storage.update_task(ctx.tx, missed.task_id, note=f"overdue; new deadline {new_due}")
    if application_id is not None:
        ctx.tx.execute("UPDATE tasks SET deadline_json = ? WHERE task_id = ?",
                       (json.dumps(MessageToDict(missed.new_deadline)), missed.task_id))


def on_notification_failed(failed: NotificationFailed, ctx: HandlerContext) -> None:
    if failed.permanent:
        channel = NotificationChannel.Name(failed.channel).removeprefix("NOTIFICATION_CHANNEL_").lower()
        reason = NotificationReason.Name(failed.reason).removeprefix("NOTIFICATION_REASON_").lower()
        storage.add_notification_problem(ctx.tx, ctx.event.application_id, f"{reason} by {channel}: {failed.error}")


def on_escalated(escalated: TaskEscalated, ctx: HandlerContext) -> None:
    status = "coordination" if escalated.to_coordinator else None  # a re-dispatch follows otherwise
    application_id = storage.update_task(ctx.tx, escalated.task_id, status=status, note=escalated.reason)
    _after_task_change(ctx, application_id)


def on_application_completed(completed: ApplicationCompleted, ctx: HandlerContext) -> None:
    if _current_status(ctx, ctx.event.application_id) is None:
        return
    storage.set_application_status(ctx.tx, ctx.event.application_id, "completed", _now(), outcome=completed.outcome)


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
