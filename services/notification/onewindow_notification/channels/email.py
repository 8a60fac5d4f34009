"""E-mail over SMTP (any relay in production; aiosmtpd in tests and `make run`)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from ..storage import Notification
from . import Contact, PermanentFailure, TemporaryFailure


class EmailChannel:
    name = "email"

    def __init__(self, host: str, port: int, sender: str, timeout_s: float, starttls: bool = False,
                 username: str = "", password: str = "") -> None:
        self.host, self.port, self.sender, self.timeout_s = host, port, sender, timeout_s
        self.starttls, self.username, self.password = starttls, username, password

    def can_reach(self, contact: Contact) -> bool:
        return bool(contact.email)

    def send(self, notification: Notification, contact: Contact) -> str:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = contact.email
        message["Subject"] = notification.subject
        message["Date"] = formatdate(localtime=False)
        # Stable per (application, reason, channel): a resend after a crash carries the same id,
        # which mail systems use to recognise the duplicate.
        message_id = f"<{notification.notification_id}@onewindow>"
        message["Message-ID"] = message_id
        message["X-OW-Application-Id"] = notification.application_id
        message.set_content(notification.body, charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {_codes(exc.recipients)}") from None
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"SMTP {exc.smtp_code}") from None
            raise TemporaryFailure(f"SMTP {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from None
        return message_id


def _codes(recipients: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(str(code) for code, _ in recipients.values())
