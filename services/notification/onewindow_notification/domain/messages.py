"""Messages to citizens: templates in files (zh-CN), rendered with the case's data.

A template is `subject: …`, a line `---`, then the body, with `$placeholders`. Rendering never
puts a full ID number in a message: the context holds only what a template may show.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass
from pathlib import Path

from onewindow.common.v1.types_pb2 import Outcome
from onewindow.notification.v1.events_pb2 import NotificationReason

SHIPPED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CHINA = dt.timezone(dt.timedelta(hours=8))

REASON_FILES = {
    NotificationReason.NOTIFICATION_REASON_ACCEPTED: "accepted",
    NotificationReason.NOTIFICATION_REASON_SUPPLEMENT_NEEDED: "supplement_needed",
    NotificationReason.NOTIFICATION_REASON_COMPLETED: "completed",
    NotificationReason.NOTIFICATION_REASON_OVERDUE: "overdue",
    NotificationReason.NOTIFICATION_REASON_SATISFACTION_INVITATION: "satisfaction_invitation",
}
OUTCOME_TEXT = {
    Outcome.OUTCOME_APPROVED: "准予办理", Outcome.OUTCOME_REJECTED: "不予办理",
    Outcome.OUTCOME_RESOLVED: "已解决", Outcome.OUTCOME_PARTIALLY_APPROVED: "部分准予办理",
}


class TemplateError(ValueError):
    pass


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


class Templates:
    def __init__(self, folder: Path | None = None, locale: str = "zh-CN") -> None:
        base = (folder or SHIPPED_TEMPLATES) / locale
        self._templates: dict[int, tuple[string.Template, string.Template]] = {}
        for reason, name in REASON_FILES.items():
            path = base / f"{name}.txt"
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise TemplateError(f"template {path} is missing") from None
            head, separator, body = text.partition("\n---\n")
            if not separator or not head.startswith("subject:"):
                raise TemplateError(f"{path}: expected 'subject: …', a line '---', then the body")
            self._templates[reason] = (string.Template(head.removeprefix("subject:").strip()),
                                       string.Template(body.strip() + "\n"))

    def render(self, reason: int, context: dict[str, str]) -> Rendered:
        subject, body = self._templates[reason]
        try:
            return Rendered(subject.substitute(context), body.substitute(context))
        except KeyError as exc:
            raise TemplateError(f"template {REASON_FILES[reason]} needs ${exc.args[0]}") from None


def china_date(value: dt.datetime) -> str:
    local = value.astimezone(CHINA)
    return f"{local.year}年{local.month}月{local.day}日"
