"""Sends the external messages (e-mail, SMS) that handlers queued, with retries and fallback.

A temporary failure is retried with backoff up to the budget; a permanent one (or a spent budget)
is recorded as NotificationFailed and the next configured channel takes over. Every outcome is
recorded with its event in one transaction, so a restart resends only what was not recorded.
"""

from __future__ import annotations

import json
import logging
import time

from opentelemetry.trace import SpanKind

from onewindow.notification.v1.events_pb2 import NotificationChannel, NotificationFailed, NotificationSent
from onewindow_platform.backoff import backoff_delay
from onewindow_platform.events import build_envelope, derived_id
from onewindow_platform.failpoints import failpoint, fires
from onewindow_platform.outbox import OutboxRelay, add_to_outbox
from onewindow_platform.personal_data import PersonalDataCipher
from onewindow_platform.pii import mask_email, mask_phone
from onewindow_platform.storage import Database
from onewindow_platform.tracing import APPLICATION_ID_ATTRIBUTE, context_from_traceparent, tracer
from onewindow_platform.worker import PollingWorker

from . import storage
from .channels import Channel, Contact, PermanentFailure, TemporaryFailure
from .settings import NotificationSettings

log = logging.getLogger(__name__)
_tracer = tracer("onewindow.notification")

CHANNEL_ENUM = {"email": NotificationChannel.NOTIFICATION_CHANNEL_EMAIL,
                "sms": NotificationChannel.NOTIFICATION_CHANNEL_SMS,
                "inbox": NotificationChannel.NOTIFICATION_CHANNEL_INBOX}


def notification_id(application_id: str, reason: int, channel: str) -> str:
    return derived_id("notification", application_id, str(reason), channel)


def open_contact(cipher: PersonalDataCipher, recipient: storage.Recipient) -> Contact:
    data = json.loads(cipher.open(recipient.sealed_contact, recipient.application_id.encode()))
    return Contact(name=data.get("name", ""), phone=data.get("phone", ""), email=data.get("email", ""))


def masked_address(channel: str, contact: Contact) -> str:
    if channel == "email":
        return mask_email(contact.email)
    if channel == "sms":
        return mask_phone(contact.phone)
    return "inbox"


class Sender:
    def __init__(self, settings: NotificationSettings, db: Database, relay: OutboxRelay, cipher: PersonalDataCipher,
                 channels: dict[str, Channel]) -> None:
        self.settings = settings
        self.db = db
        self.relay = relay
        self.cipher = cipher
        self.channels = channels
        self.jobs = storage.job_table(settings.job_lease_s, self.db)
        self.worker = PollingWorker("notify", self._claim, self.send, lambda: self.jobs.next_due(self.db.connection()),
                                    workers=settings.notify_workers, renew=self._renew,
                                    renew_every_s=settings.job_lease_s / 3)

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()

    def wake(self) -> None:
        self.worker.wake()

    def _claim(self, limit: int) -> list[storage.Notification]:
        with self.db.transaction() as tx:
            return storage.claim_due(tx, self.jobs, limit, time.time())

    def _renew(self) -> None:
        with self.db.transaction() as tx:
            self.jobs.renew(tx, time.time())

    def send(self, job: storage.Notification) -> None:
        # The message belongs to the case's trace: its span (and the NotificationSent or
        # NotificationFailed it records) continue the trace of the event that queued it.
        with _tracer.start_as_current_span(
                f"notify {job.channel}", context=context_from_traceparent(job.traceparent), kind=SpanKind.CLIENT,
                attributes={APPLICATION_ID_ATTRIBUTE: job.application_id, "onewindow.notification.channel": job.channel,
                            "onewindow.notification.reason": job.reason}):
            self._send(job)

    def _send(self, job: storage.Notification) -> None:
        conn = self.db.connection()
        recipient = storage.recipient(conn, job.application_id)
        assert recipient is not None, "a notification is only queued for a known recipient"
        contact = open_contact(self.cipher, recipient)
        channel = self.channels[job.channel]
        attempts = job.attempts + 1
        failpoint("notification.before_send")
        try:
            provider_id = channel.send(job, contact)
        except TemporaryFailure as exc:
            if attempts < self.settings.notify_max_attempts:
                delay = backoff_delay(attempts + 1, self.settings.notify_backoff_initial_s,
                                      self.settings.notify_backoff_max_s, jitter=False)
                with self.db.transaction() as tx:
                    storage.mark(tx, job.notification_id, "pending", attempts, str(exc),
                                 next_attempt_at=time.time() + delay)
                log.warning("notification will be retried", extra={"channel": job.channel, "error": str(exc)})
                return
            self._give_up(job, contact, attempts, f"gave up after {attempts} attempts: {exc}")
            return
        except PermanentFailure as exc:
            self._give_up(job, contact, attempts, str(exc))
            return
        failpoint("notification.after_send")
        with self.db.transaction() as tx:
            storage.mark(tx, job.notification_id, "sent", attempts, provider_message_id=provider_id)
            if fires("notification.send_again_later"):  # planted bug (fault-suite tests): a late second copy
                storage.mark(tx, job.notification_id, "pending", attempts, next_attempt_at=time.time() + 8)
            sent = NotificationSent(notification_id=job.notification_id, reason=job.reason,
                                    channel=CHANNEL_ENUM[job.channel],
                                    recipient_masked=masked_address(job.channel, contact),
                                    provider_message_id=provider_id)
            add_to_outbox(tx, self.settings, build_envelope(
                sent, application_id=job.application_id, source=self.settings.service_name,
                event_id=derived_id("notification-sent", job.notification_id)))
        self.relay.wake()

    def record_receipt(self, channel: str, provider_message_id: str, delivered: bool, detail: str) -> bool:
        """A provider's delivery receipt; a failed delivery falls back to the next channel."""
        with self.db.transaction() as tx:
            job = storage.by_provider_id(tx, channel, provider_message_id)
            if job is None:
                return False
            storage.set_delivery_status(tx, job.notification_id, "delivered" if delivered else "failed")
            if not delivered:
                recipient = storage.recipient(tx, job.application_id)
                assert recipient is not None
                self._fail_and_fall_back(tx, job, open_contact(self.cipher, recipient), job.attempts,
                                         f"provider reported the message undelivered: {detail}"[:500])
        self.relay.wake()
        self.wake()
        return True

    def _give_up(self, job: storage.Notification, contact: Contact, attempts: int, error: str) -> None:
        """Record the permanent failure and hand the message to the next channel that can reach them."""
        log.warning("notification failed on this channel", extra={"channel": job.channel, "error": error})
        with self.db.transaction() as tx:
            self._fail_and_fall_back(tx, job, contact, attempts, error)
        self.relay.wake()
        self.wake()

    def _fail_and_fall_back(self, tx: storage.Transaction, job: storage.Notification, contact: Contact,
                            attempts: int, error: str) -> None:
        storage.mark(tx, job.notification_id, "failed", attempts, error)
        failed = NotificationFailed(notification_id=job.notification_id, reason=job.reason,
                                    channel=CHANNEL_ENUM[job.channel], error=error, permanent=True)
        add_to_outbox(tx, self.settings, build_envelope(
            failed, application_id=job.application_id, source=self.settings.service_name,
            event_id=derived_id("notification-failed", job.notification_id)))
        remaining = [c for c in job.fallback_channels if c in self.channels and self.channels[c].can_reach(contact)]
        if remaining:
            storage.add_notification(tx, storage.Notification(
                notification_id=notification_id(job.application_id, job.reason, remaining[0]),
                application_id=job.application_id, reason=job.reason, channel=remaining[0],
                fallback_channels=tuple(remaining[1:]), attempts=0, subject=job.subject, body=job.body,
                traceparent=job.traceparent))
