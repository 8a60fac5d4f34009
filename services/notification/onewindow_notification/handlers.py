"""Event handlers of the notification service: which event tells the citizen what.

ApplicationAccepted (remember whom to tell; "accepted, promised by …"), SupplementRequested
("please supply …"), ApplicationCompleted ("the outcome", then the satisfaction invitation),
TaskDeadlineMissed (an apology and the new date). Each message goes to the in-app inbox at once
and to the first external channel that can reach the person (e-mail, then SMS), exactly once per
(application, reason, channel): ids derive from those three.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from onewindow.application.v1.events_pb2 import ApplicationAccepted, ApplicationCompleted
from onewindow.notification.v1.events_pb2 import NotificationReason, NotificationSent
from onewindow.task.v1.events_pb2 import SupplementRequested, TaskDeadlineMissed
from onewindow_catalog import Catalog
from onewindow_platform.consumer import Emit, Handler, HandlerContext
from onewindow_platform.events import DecodedEvent, decode, derived_id
from onewindow_platform.personal_data import PersonalDataCipher

from . import storage
from .channels import Channel
from .domain.messages import OUTCOME_TEXT, Templates, china_date
from .sender import CHANNEL_ENUM, notification_id, open_contact
from .settings import NotificationSettings

Reason = NotificationReason


def make_handlers(settings: NotificationSettings, templates: Templates, catalog: Catalog, cipher: PersonalDataCipher,
                  channels: dict[str, Channel], wake_sender: Callable[[], None]) -> dict[str, Handler]:
    external = [name.strip() for name in settings.notify_channels.split(",") if name.strip() in channels]

    def notify(ctx: HandlerContext, application_id: str, reason: int, extra: dict[str, str]) -> list[Emit]:
        recipient = storage.recipient(ctx.tx, application_id)
        assert recipient is not None, "handlers defer events of cases whose acceptance has not arrived"
        contact = open_contact(cipher, recipient)
        rendered = templates.render(reason, {**recipient.facts, "name": contact.name or "您",
                                             "item_name": recipient.item_name, **extra})
        emits: list[Emit] = []
        inbox = storage.Notification(notification_id(application_id, reason, "inbox"), application_id, reason,
                                     "inbox", (), 0, rendered.subject, rendered.body)
        if storage.add_notification(ctx.tx, inbox, status="sent"):
            storage.add_to_inbox(ctx.tx, inbox, recipient.subject_id)
            emits.append(Emit(NotificationSent(notification_id=inbox.notification_id, reason=reason,
                                               channel=CHANNEL_ENUM["inbox"], recipient_masked="inbox"),
                              event_id=derived_id("notification-sent", inbox.notification_id)))
        reachable = [name for name in external if channels[name].can_reach(contact)]
        if reachable:
            first = storage.Notification(notification_id(application_id, reason, reachable[0]), application_id,
                                         reason, reachable[0], tuple(reachable[1:]), 0, rendered.subject, rendered.body)
            if storage.add_notification(ctx.tx, first):
                ctx.after_commit(wake_sender)
        return emits

    def on_accepted(event: DecodedEvent, ctx: HandlerContext) -> list[Emit]:
        accepted = event.payload
        assert isinstance(accepted, ApplicationAccepted)
        accepted_at = event.envelope.occurred_at.ToDatetime(tzinfo=dt.UTC)
        storage.save_recipient(ctx.tx, storage.Recipient(
            application_id=event.application_id, subject_id=accepted.applicant.subject_id,
            sealed_contact=accepted.applicant.sealed_contact, item_name=accepted.item_name,
            facts={"case_number": accepted.case_number, "accepted_date": china_date(accepted_at),
                   "item_code": accepted.item_code,
                   "region_code": accepted.receiving_region_code,
                   "promised_date": china_date(accepted.promised_by.ToDatetime(tzinfo=dt.UTC))},
        ))
        emits = notify(ctx, event.application_id, Reason.NOTIFICATION_REASON_ACCEPTED, {})
        # Whatever overtook the acceptance (another topic) is handled now, in arrival order.
        for serialized in storage.take_deferred(ctx.tx, event.application_id):
            deferred = decode(serialized)
            emits += handlers[deferred.event_type](deferred, ctx) or []
        return emits

    def on_supplement(event: DecodedEvent, ctx: HandlerContext) -> list[Emit]:
        request = event.payload
        assert isinstance(request, SupplementRequested)
        recipient = storage.recipient(ctx.tx, event.application_id)
        item = catalog.items.get(recipient.facts.get("item_code", "")) if recipient else None
        labels = {spec.name: spec.label for spec in item.fields} if item else {}
        missing = "、".join(labels.get(name, name) for name in request.missing_fields)
        return notify(ctx, event.application_id, Reason.NOTIFICATION_REASON_SUPPLEMENT_NEEDED,
                      {"missing": missing, "note": request.note})

    def on_completed(event: DecodedEvent, ctx: HandlerContext) -> list[Emit]:
        completed = event.payload
        assert isinstance(completed, ApplicationCompleted)
        storage.record_completion(ctx.tx, event.application_id,
                                  completed.completed_at.ToDatetime(tzinfo=dt.UTC).isoformat(),
                                  [result.department_code for result in completed.results])
        lines = []
        for result in completed.results:
            department = catalog.departments.get(result.department_code)
            name = department.name if department else result.department_code
            lines.append(f"· {name}：{OUTCOME_TEXT.get(result.outcome, '已办结')} {result.result_text}".rstrip())
        emits = notify(ctx, event.application_id, Reason.NOTIFICATION_REASON_COMPLETED,
                       {"outcome": OUTCOME_TEXT.get(completed.outcome, "已办结"), "results": "\n".join(lines)})
        return emits + notify(ctx, event.application_id, Reason.NOTIFICATION_REASON_SATISFACTION_INVITATION, {})

    def on_deadline_missed(event: DecodedEvent, ctx: HandlerContext) -> list[Emit]:
        missed = event.payload
        assert isinstance(missed, TaskDeadlineMissed)
        department = catalog.departments.get(missed.department_code)
        new_date = china_date(missed.new_deadline.due_at.ToDatetime(tzinfo=dt.UTC)) \
            if missed.HasField("new_deadline") else "尽快"
        return notify(ctx, event.application_id, Reason.NOTIFICATION_REASON_OVERDUE,
                      {"department": department.name if department else missed.department_code, "new_date": new_date})

    def after_acceptance(handler: Handler) -> Handler:
        """Run `handler` once the case's recipient is known; until then keep the event aside."""
        def handle(event: DecodedEvent, ctx: HandlerContext) -> list[Emit]:
            if storage.recipient(ctx.tx, event.application_id) is None:
                storage.defer(ctx.tx, event.application_id, event.envelope.SerializeToString())
                return []
            return list(handler(event, ctx) or [])

        return handle

    handlers: dict[str, Handler] = {
        ApplicationAccepted.DESCRIPTOR.full_name: on_accepted,
        SupplementRequested.DESCRIPTOR.full_name: after_acceptance(on_supplement),
        ApplicationCompleted.DESCRIPTOR.full_name: after_acceptance(on_completed),
        TaskDeadlineMissed.DESCRIPTOR.full_name: after_acceptance(on_deadline_missed),
    }
    return handlers
