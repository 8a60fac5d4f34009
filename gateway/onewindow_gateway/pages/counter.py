"""The counter workstation (一窗受理): pick an item, fill its form, file the case once, print the
receipt; the region's work queue; a case with its tasks, timeline, 补正 and 好差评.

A clerk sees and files exactly what their bearer token would let them (the same region scope,
through the same functions as /api/v1).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from onewindow.intake.v1 import intake_pb2
from onewindow_catalog import Catalog, ServiceItem

from ..errors import plain_errors
from ..routes import applications as cases
from ..routes.satisfaction import SatisfactionIn, record_rating
from ..schemas import ApplicationIn, ApplicationOut, SupplementIn
from . import labels
from .forms import form_widgets, matching_items, parse_application_form, parse_item_fields
from .receipt import promised_date, status_link, status_qr_svg
from .web import Viewer, new_submission_key, redirect, render, require_viewer, signed_in_form

router = APIRouter(prefix="/counter", include_in_schema=False)
QUEUE_PAGE = 50
MAX_PAGES = 20
CaseId = Annotated[str, Path(max_length=64)]


def _item(request: Request, code: str) -> ServiceItem:
    item = request.app.state.catalog.items.get(code)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有这个事项: {code}")
    return item


@router.get("", response_class=HTMLResponse)
async def pick_item(request: Request, q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    viewer = require_viewer(request, "clerk", "ops")
    catalog: Catalog = request.app.state.catalog
    region = viewer.account.region_code or next(iter(catalog.regions))
    items = matching_items(catalog, q, region)
    return render(request, "counter/items.html", {"q": q, "items": items, "catalog": catalog}, viewer=viewer)


def _window_region(request: Request, viewer_region: str) -> str:
    if viewer_region:
        return viewer_region
    raise HTTPException(status.HTTP_403_FORBIDDEN, "只有窗口工作人员(clerk)在本窗口所属区域受理申请")


@router.get("/items/{code}", response_class=HTMLResponse)
async def application_form(request: Request, code: Annotated[str, Path(max_length=64)]) -> HTMLResponse:
    viewer = require_viewer(request, "clerk")
    item = _item(request, code)
    return _render_form(request, viewer, item, {}, {}, new_submission_key(), status.HTTP_200_OK)


def _render_form(request: Request, viewer: Viewer, item: ServiceItem, values: dict[str, str],
                 errors: dict[str, str], submission_key: str, status_code: int) -> HTMLResponse:
    catalog: Catalog = request.app.state.catalog
    region = _window_region(request, viewer.account.region_code)
    rule = catalog.deadline_rule(item)
    widgets = form_widgets(item, catalog, region, values, errors)
    general = [message for name, message in errors.items() if name not in {w.name for w in widgets}]
    return render(request, "counter/form.html", {
        "item": item, "widgets": widgets, "general_errors": general, "submission_key": submission_key,
        "rule": rule, "departments": _department_names(catalog, item, region),
    }, status_code=status_code, viewer=viewer)


def _department_names(catalog: Catalog, item: ServiceItem, region: str) -> list[str]:
    names = []
    for task in item.tasks:
        resolved = catalog.resolve_level(region, task.level)
        department = catalog.nearest_department(resolved.code if resolved else region, task.department_kind)
        names.append(department.name if department else task.department_kind)
    return names


@router.post("/items/{code}", response_model=None)
async def file_application(request: Request,
                           code: Annotated[str, Path(max_length=64)]) -> HTMLResponse | RedirectResponse:
    viewer = require_viewer(request, "clerk")
    form = await signed_in_form(request, viewer)
    item = _item(request, code)
    values = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    # The key was made when the form was shown: a double click, a reload of the post or a retry
    # after a lost answer sends it again, and intake answers with the case already filed.
    submission_key = values.get("submission_key", "")[:40] or new_submission_key()
    parsed = parse_application_form(item, values)
    try:
        body = ApplicationIn(item_code=item.code, region_code=_window_region(request, viewer.account.region_code),
                             channel="counter", applicant=parsed.applicant, fields=parsed.fields,  # type: ignore[arg-type]
                             location_region_code=parsed.location_region_code or None)
    except ValidationError as exc:
        errors = plain_errors(exc.errors())
    else:
        key = f"page:{viewer.account.name}:{submission_key}"
        response = await cases.submit(request, viewer.principal, body, key)
        if not response.violations:
            return redirect(f"/counter/cases/{quote(response.application_id, safe='')}/receipt")
        errors = {v.field: v.message for v in response.violations}
    return _render_form(request, viewer, item, values, errors, submission_key, status.HTTP_422_UNPROCESSABLE_CONTENT)


@router.get("/cases/{application_id}/receipt", response_class=HTMLResponse)
async def receipt(request: Request, application_id: CaseId) -> HTMLResponse:
    viewer = require_viewer(request, "clerk", "ops")
    view = await cases.open_case(request, viewer.principal, application_id, "acceptance receipt printed")
    case = cases.application_out(view)
    catalog: Catalog = request.app.state.catalog
    item = catalog.items.get(case.item_code)
    link = status_link(request, application_id)
    return render(request, "counter/receipt.html", {
        "case": case, "item": item, "promised": promised_date(case, item, catalog, request.app.state.calendar),
        "status_link": link, "qr_svg": status_qr_svg(link),
    }, viewer=viewer)


@router.get("/queue", response_class=HTMLResponse)
async def work_queue(
    request: Request,
    status_filter: Annotated[str, Query(alias="status", max_length=32)] = "",
    item: Annotated[str, Query(max_length=64)] = "",
    overdue: Annotated[str, Query(max_length=3)] = "",
    page_token: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    viewer = require_viewer(request, "clerk", "ops")
    if status_filter and status_filter not in cases.STATUS_VALUES:
        status_filter = ""
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, object]] = []
    token = page_token
    # Overdue is decided here (deadlines against the working calendar), so with that filter the
    # queue reads on through up to MAX_PAGES pages of intake's list to fill one page of its own.
    for _ in range(MAX_PAGES if overdue else 1):
        rpc = intake_pb2.ListApplicationsRequest(status=cases.STATUS_VALUES.get(status_filter, 0),
                                                 region_code=viewer.account.region_code, item_code=item,
                                                 page_size=QUEUE_PAGE, page_token=token)
        response = await request.app.state.intake.list(rpc)
        for view in response.applications:
            case = cases.application_out(view)
            left = _soonest_left(case, now, request)
            if not overdue or (left and left.overdue):
                rows.append({"case": case, "left": left})
        token = response.next_page_token
        if not token or len(rows) >= QUEUE_PAGE:
            break
    catalog: Catalog = request.app.state.catalog
    return render(request, "counter/queue.html", {
        "rows": rows, "status_filter": status_filter, "item_filter": item, "overdue": bool(overdue),
        "statuses": labels.CASE_STATUS, "items": sorted(catalog.items.values(), key=lambda i: i.code),
        "next_page_token": token,
    }, viewer=viewer)


def _soonest_left(case: ApplicationOut, now: dt.datetime, request: Request) -> labels.TimeLeft | None:
    """The time left of the open task that is due first (what decides whether the case is late)."""
    open_tasks = [t for t in case.tasks if t.deadline and t.status in labels.OPEN_TASK]
    first = min(open_tasks, key=lambda t: t.deadline.due_at if t.deadline else "", default=None)
    return labels.task_left(first, now, request.app.state.calendar) if first else None


@router.get("/cases/{application_id}", response_class=HTMLResponse)
async def case_page(request: Request, application_id: CaseId, done: Annotated[str, Query(max_length=32)] = "",
                    ) -> HTMLResponse:
    viewer = require_viewer(request, "clerk", "ops")
    return await _render_case(request, viewer, application_id, {}, done, status.HTTP_200_OK)


async def _render_case(request: Request, viewer: Viewer, application_id: str,
                       supplement_errors: dict[str, dict[str, str]], done: str, status_code: int) -> HTMLResponse:
    view = await cases.open_case(request, viewer.principal, application_id)
    case = cases.application_out(view)
    timeline = await cases.timeline_entries(request, application_id)
    catalog: Catalog = request.app.state.catalog
    item = catalog.items.get(case.item_code)
    now = dt.datetime.now(dt.UTC)
    tasks = []
    specs = {spec.name: spec for spec in (item.fields if item else ())}
    for task in case.tasks:
        left = labels.task_left(task, now, request.app.state.calendar)
        missing = labels.asked_for(task)
        tasks.append({"task": task, "left": left, "missing": [
            {"name": name, "label": specs[name].label if name in specs else name,
             "error": supplement_errors.get(task.task_id, {}).get(f"fields.{name}", "")} for name in missing]})
    notifications = [entry for entry in timeline if entry.service == "notification"]
    return render(request, "counter/case.html", {
        "case": case, "tasks": tasks, "timeline": timeline, "notifications": notifications,
        "ratings": labels.RATINGS, "done": done, "item": item,
    }, status_code=status_code, viewer=viewer)


@router.post("/cases/{application_id}/supplements", response_model=None)
async def provide_supplement(request: Request, application_id: CaseId) -> HTMLResponse | RedirectResponse:
    viewer = require_viewer(request, "clerk", "ops")
    form = await signed_in_form(request, viewer)
    values = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    task_id = values.get("task_id", "")[:80]
    view = await cases.readable_case(request, viewer.principal, application_id)
    item = request.app.state.catalog.items.get(view.item_code)
    errors: dict[str, str] = {}
    fields = parse_item_fields(item.fields if item else (), values)
    # A missing field the item does not define (an agency may ask for anything) is sent as text.
    known = {spec.name for spec in (item.fields if item else ())}
    fields.update({key.removeprefix("fields."): value.strip() for key, value in values.items()
                   if key.startswith("fields.") and key.removeprefix("fields.") not in known and value.strip()})
    if not fields and not errors:
        errors["fields"] = "请填写补正的材料"
    if not errors:
        response = await cases.supplement(request, viewer.principal, application_id,
                                          SupplementIn(task_id=task_id, fields=fields))  # type: ignore[arg-type]
        if not response.violations:
            return redirect(f"/counter/cases/{quote(application_id, safe='')}?done=supplement")
        errors = {v.field: v.message for v in response.violations}
    return await _render_case(request, viewer, application_id, {task_id: errors}, "",
                              status.HTTP_422_UNPROCESSABLE_CONTENT)


@router.post("/cases/{application_id}/satisfaction", response_model=None)
async def record_satisfaction(request: Request, application_id: CaseId) -> RedirectResponse:
    viewer = require_viewer(request, "clerk")
    form = await signed_in_form(request, viewer)
    try:
        body = SatisfactionIn(rating=str(form.get("rating", "")), comment=str(form.get("comment", "")))  # type: ignore[arg-type]
    except ValidationError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "请选择一个评价等级") from exc
    await record_rating(request, viewer.principal, application_id, body)
    return redirect(f"/counter/cases/{quote(application_id, safe='')}?done=rated")
