"""Telling the citizen: one message to the in-app inbox at once and to the first external channel
that can reach them (e-mail, then SMS), exactly once per (application, reason, channel)."""

from __future__ import annotations

from onewindow.notification.v1.events_pb2 import NotificationSent
from onewindow_platform.consumer import Emit, HandlerContext
from onewindow_platform.events import derived_id
from onewindow_platform.personal_data import PersonalDataCipher

from . import storage
from .channels import Channel
from .domain.messages import Templates
from .sender import CHANNEL_ENUM, Sender, notification_id, open_contact
from .settings import NotificationSettings


class Teller:
    def __init__(self, settings: NotificationSettings, templates: Templates, cipher: PersonalDataCipher,
                 channels: dict[str, Channel], sender: Sender) -> None:
        self.templates = templates
        self.cipher = cipher
        self.channels = channels
        self.sender = sender
        self.external = [name.strip() for name in settings.notify_channels.split(",") if name.strip() in channels]

    def tell(self, ctx: HandlerContext, application_id: str, reason: int, extra: dict[str, str]) -> list[Emit]:
        recipient = storage.recipient(ctx.tx, application_id)
        assert recipient is not None, "handlers defer events of cases whose acceptance has not arrived"
        contact = open_contact(self.cipher, recipient)
        rendered = self.templates.render(reason, {**recipient.facts, "name": contact.name or "您",
                                                  "item_name": recipient.item_name, **extra})
        emits: list[Emit] = []
        inbox = storage.Notification(notification_id(application_id, reason, "inbox"), application_id, reason,
                                     "inbox", (), 0, rendered.subject, rendered.body)
        if storage.add_notification(ctx.tx, inbox, status="sent"):
            storage.add_to_inbox(ctx.tx, inbox, recipient.subject_id)
            emits.append(Emit(NotificationSent(notification_id=inbox.notification_id, reason=reason,
                                               channel=CHANNEL_ENUM["inbox"], recipient_masked="inbox"),
                              event_id=derived_id("notification-sent", inbox.notification_id)))
        reachable = [name for name in self.external if self.channels[name].can_reach(contact)]
        if reachable:
            first = storage.Notification(notification_id(application_id, reason, reachable[0]), application_id,
                                         reason, reachable[0], tuple(reachable[1:]), 0, rendered.subject, rendered.body)
            if storage.add_notification(ctx.tx, first):
                ctx.after_commit(self.sender.wake)  # the sender sees the row only once it is committed
        return emits
