"""The citizen's status page (办件进度查询): a case number and the last four digits of the phone
it was filed with show its status, what each department is doing, the deadline and what is
missing — nothing personal beyond the masked name. Lookups are rate-limited per address; a
wrong number and wrong digits get the same answer.

In the elderly-friendly mode (适老化, the switch in the page header) the same facts come one per
screen, in large type and high contrast, with big 上一项 / 下一项 buttons.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from onewindow_catalog import Catalog

from ..rate_limit import client_address
from ..routes.applications import application_out
from ..schemas import ApplicationOut
from ..sessions import STATUS_COOKIE_NAME, STATUS_GRANT_S, SessionSigner
from . import labels
from .web import anonymous_form, elderly_mode, redirect, render, set_cookie

router = APIRouter(prefix="/status", include_in_schema=False)
CASE_NUMBER = re.compile(r"[A-Za-z0-9._:-]{1,64}")
NOT_FOUND = "没有找到: 请核对受理回执上的办件编号和手机号码后四位"


@router.get("", response_class=HTMLResponse)
async def lookup_page(request: Request, case: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    return render(request, "status/lookup.html", {"case_number": case, "error": ""})


@router.post("", response_model=None)
async def lookup(request: Request) -> HTMLResponse | RedirectResponse:
    form = await anonymous_form(request)
    case_number = str(form.get("case_number", "")).strip()[:64]
    digits = str(form.get("phone_last4", "")).strip()
    request.app.state.status_lookup_limit.enforce(f"status:{client_address(request)}")
    context = {"case_number": case_number, "error": NOT_FOUND}
    if not CASE_NUMBER.fullmatch(case_number) or not re.fullmatch(r"\d{4}", digits):
        context["error"] = "请输入办件编号和手机号码后四位(4 位数字)"
        return render(request, "status/lookup.html", context, status_code=422)
    try:
        view = await request.app.state.intake.get(case_number)
    except HTTPException as exc:
        if exc.status_code != 404:
            raise
        return render(request, "status/lookup.html", context, status_code=404)
    if not view.applicant.phone_masked.endswith(digits):
        return render(request, "status/lookup.html", context, status_code=404)
    signer: SessionSigner = request.app.state.session_signer
    response = redirect(f"/status/{quote(case_number, safe='')}")
    set_cookie(request, response, STATUS_COOKIE_NAME, signer.status_grant(case_number, time.time()),
               max_age=STATUS_GRANT_S)
    return response


@router.get("/{application_id}", response_model=None)
async def case_status(request: Request, application_id: Annotated[str, Path(max_length=64)],
                      step: Annotated[int, Query(ge=0, le=50)] = 0) -> HTMLResponse | RedirectResponse:
    signer: SessionSigner = request.app.state.session_signer
    if not signer.status_granted(request.cookies.get(STATUS_COOKIE_NAME, ""), application_id, time.time()):
        return redirect(f"/status?case={quote(application_id, safe='')}")
    case = application_out(await request.app.state.intake.get(application_id))
    screens = status_screens(case, request.app.state.catalog, request.app.state.calendar)
    step = min(step, len(screens) - 1)
    return render(request, "status/case.html", {
        "case": case, "screens": screens, "step": step, "one_per_screen": elderly_mode(request)})


def status_screens(case: ApplicationOut, catalog: Catalog, calendar: Any) -> list[dict[str, Any]]:
    """What the citizen is told, as screens: the case, each department, what is missing."""
    now = dt.datetime.now(dt.UTC)
    open_deadlines = [t.deadline.due_at for t in case.tasks if t.deadline and t.status in labels.OPEN_TASK]
    deadline = labels.local_time(max(open_deadlines)) if open_deadlines else ""
    screens: list[dict[str, Any]] = [{"kind": "case", "status": labels.status_label(case.status),
                                      "deadline": deadline}]
    item = catalog.items.get(case.item_code)
    specs = {spec.name: spec.label for spec in (item.fields if item else ())}
    missing: list[str] = []
    for task in case.tasks:
        wanted = [specs.get(name, name) for name in labels.asked_for(task)]
        missing += wanted
        left = labels.task_left(task, now, calendar)
        screens.append({"kind": "task", "department": task.department_name or task.department_code,
                        "status": labels.task_status_label(task.status),
                        "deadline": labels.local_time(task.deadline.due_at) if task.deadline else "",
                        "left": left.text if left else "", "missing": wanted,
                        "result": task.result_text if task.status == "completed" else ""})
    screens.append({"kind": "missing", "missing": missing})
    return screens
