"""SMS through an HTTP SMS gateway (provider API: POST /v1/messages with a client reference the
provider deduplicates on, delivery receipts pushed back to the gateway's provider endpoint)."""

from __future__ import annotations

import httpx

from ..storage import Notification
from . import Contact, PermanentFailure, TemporaryFailure

SMS_MAX_CHARS = 300


class SmsChannel:
    name = "sms"

    def __init__(self, base_url: str, api_key: str, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = httpx.Client(timeout=timeout_s, headers={"Authorization": f"Bearer {api_key}"})

    def can_reach(self, contact: Contact) -> bool:
        return len(contact.phone) == 11 and contact.phone.startswith("1")

    def send(self, notification: Notification, contact: Contact) -> str:
        # An SMS carries the subject and the first lines, not the whole letter.
        content = f"{notification.subject} {notification.body}".replace("\n", " ")[:SMS_MAX_CHARS]
        try:
            response = self.client.post(f"{self.base_url}/v1/messages", json={
                "to": contact.phone, "content": content, "client_reference": notification.notification_id})
        except httpx.HTTPError as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise TemporaryFailure(f"SMS gateway answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PermanentFailure(f"SMS gateway refused the message: HTTP {response.status_code}")
        try:
            message_id = response.json()["message_id"]
        except (ValueError, KeyError, TypeError):
            raise TemporaryFailure("SMS gateway answer lacks message_id") from None
        if not isinstance(message_id, str) or not 0 < len(message_id) <= 100:
            raise TemporaryFailure("SMS gateway answer has a bad message_id")
        return message_id
