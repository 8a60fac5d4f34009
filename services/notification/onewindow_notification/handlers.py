"""Event handlers of the notification service: which event tells the citizen what.

ApplicationAccepted (remember whom to tell; "accepted, promised by …"), SupplementRequested
("please supply …"), ApplicationCompleted ("the outcome", then the satisfaction invitation),
TaskDeadlineMissed (an apology and the new date). The acceptance comes on another topic than the
task events, so an event that overtakes it is kept aside and handled when it arrives.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from google.protobuf.message import Message

from onewindow.application.v1.events_pb2 import ApplicationAccepted, ApplicationCompleted
from onewindow.notification.v1.events_pb2 import NotificationReason
from onewindow.task.v1.events_pb2 import SupplementRequested, TaskDeadlineMissed
from onewindow_catalog import Catalog
from onewindow_platform.bootstrap import UseCase
from onewindow_platform.consumer import Emit, HandlerContext
from onewindow_platform.events import decode

from . import storage
from .domain.messages import OUTCOME_TEXT, china_date
from .telling import Teller

Reason = NotificationReason


def on_accepted(accepted: ApplicationAccepted, ctx: HandlerContext, teller: Teller, catalog: Catalog) -> list[Emit]:
    """Remember whom to tell, tell them, then handle whatever overtook the acceptance, in order."""
    application_id = ctx.event.application_id
    accepted_at = ctx.event.envelope.occurred_at.ToDatetime(tzinfo=dt.UTC)
    storage.save_recipient(ctx.tx, storage.Recipient(
        application_id=application_id, subject_id=accepted.applicant.subject_id,
        sealed_contact=accepted.applicant.sealed_contact, item_name=accepted.item_name,
        facts={"case_number": accepted.case_number, "accepted_date": china_date(accepted_at),
               "item_code": accepted.item_code,
               "region_code": accepted.receiving_region_code,
               "promised_date": china_date(accepted.promised_by.ToDatetime(tzinfo=dt.UTC))},
    ))
    emits = teller.tell(ctx, application_id, Reason.NOTIFICATION_REASON_ACCEPTED, {})
    for serialized in storage.take_deferred(ctx.tx, application_id):
        deferred = decode(serialized)
        use_case = AFTER_ACCEPTANCE[type(deferred.payload)]
        emits += use_case(deferred.payload, dataclasses.replace(ctx, event=deferred), teller, catalog)
    return emits


def _before_acceptance(ctx: HandlerContext) -> bool:
    """True (and the event kept aside) when the case's acceptance has not arrived yet."""
    if storage.recipient(ctx.tx, ctx.event.application_id) is not None:
        return False
    storage.defer(ctx.tx, ctx.event.application_id, ctx.event.envelope.SerializeToString())
    return True


def on_supplement_requested(request: SupplementRequested, ctx: HandlerContext, teller: Teller,
                            catalog: Catalog) -> list[Emit]:
    if _before_acceptance(ctx):
        return []
    recipient = storage.recipient(ctx.tx, ctx.event.application_id)
    item = catalog.items.get(recipient.facts.get("item_code", "")) if recipient else None
    labels = {spec.name: spec.label for spec in item.fields} if item else {}
    missing = "、".join(labels.get(name, name) for name in request.missing_fields)
    return teller.tell(ctx, ctx.event.application_id, Reason.NOTIFICATION_REASON_SUPPLEMENT_NEEDED,
                       {"missing": missing, "note": request.note})


def on_completed(completed: ApplicationCompleted, ctx: HandlerContext, teller: Teller, catalog: Catalog) -> list[Emit]:
    """The outcome, department by department, then the satisfaction invitation (好差评)."""
    if _before_acceptance(ctx):
        return []
    application_id = ctx.event.application_id
    storage.record_completion(ctx.tx, application_id, completed.completed_at.ToDatetime(tzinfo=dt.UTC).isoformat(),
                              [result.department_code for result in completed.results])
    lines = []
    for result in completed.results:
        department = catalog.departments.get(result.department_code)
        name = department.name if department else result.department_code
        lines.append(f"· {name}：{OUTCOME_TEXT.get(result.outcome, '已办结')} {result.result_text}".rstrip())
    emits = teller.tell(ctx, application_id, Reason.NOTIFICATION_REASON_COMPLETED,
                        {"outcome": OUTCOME_TEXT.get(completed.outcome, "已办结"), "results": "\n".join(lines)})
    return emits + teller.tell(ctx, application_id, Reason.NOTIFICATION_REASON_SATISFACTION_INVITATION, {})


def on_deadline_missed(missed: TaskDeadlineMissed, ctx: HandlerContext, teller: Teller,
                       catalog: Catalog) -> list[Emit]:
    """An apology and the new date."""
    if _before_acceptance(ctx):
        return []
    department = catalog.departments.get(missed.department_code)
    new_date = china_date(missed.new_deadline.due_at.ToDatetime(tzinfo=dt.UTC)) \
        if missed.HasField("new_deadline") else "尽快"
    return teller.tell(ctx, ctx.event.application_id, Reason.NOTIFICATION_REASON_OVERDUE,
                       {"department": department.name if department else missed.department_code, "new_date": new_date})


AFTER_ACCEPTANCE: dict[type[Message], UseCase] = {
    SupplementRequested: on_supplement_requested,
    ApplicationCompleted: on_completed,
    TaskDeadlineMissed: on_deadline_missed,
}
HANDLERS: dict[type[Message], UseCase] = {ApplicationAccepted: on_accepted, **AFTER_ACCEPTANCE}
