"""The acceptance receipt's computed parts (受理回执): the promised completion date and the QR
code of the citizen's status link."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import segno
from fastapi import Request
from markupsafe import Markup

from onewindow_catalog import Catalog, ServiceItem
from onewindow_catalog.calendar import CHINA, WorkingCalendar

from ..schemas import ApplicationOut


def promised_date(case: ApplicationOut, item: ServiceItem | None, catalog: Catalog,
                  calendar: WorkingCalendar) -> str:
    """The day the window promises the case done: the item's promised working days (承诺时限)
    from acceptance, else the latest deadline among its tasks."""
    submitted = dt.datetime.fromisoformat(case.submitted_at.replace("Z", "+00:00"))
    if item is not None and item.promised_working_days:
        day, _fallback = calendar.add_working_days(submitted, item.promised_working_days)
        return f"{day:%Y年%m月%d日} (承诺 {item.promised_working_days} 个工作日)"
    deadlines = [t.deadline.due_at for t in case.tasks if t.deadline]
    if deadlines:
        latest = max(dt.datetime.fromisoformat(d) for d in deadlines).astimezone(CHINA)
        return f"{latest:%Y年%m月%d日 %H:%M}"
    if item is not None:
        rule = catalog.deadline_rule(item)
        if rule.working_days:
            day, _fallback = calendar.add_working_days(submitted, rule.working_days)
            return f"{day:%Y年%m月%d日} (法定 {rule.working_days} 个工作日)"
    return "以各部门办理时限为准"


def status_link(request: Request, application_id: str) -> str:
    base = request.app.state.settings.gateway_public_url or str(request.base_url)
    return f"{base.rstrip('/')}/status?case={quote(application_id, safe='')}"


def status_qr_svg(link: str) -> Markup:
    """The link as an inline SVG QR code (no image request, nothing for the CSP to allow)."""
    svg = segno.make(link, error="m").svg_inline(scale=4, title="扫码查询办理进度")
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="办理进度查询二维码" ', 1))
