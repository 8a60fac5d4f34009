"""The ledger of livelihood projects (实事项目台账) in pages. Public, no sign-in: every project's
progress (晒), the slow list of projects behind schedule (张榜) at the top, and on a finished
project the citizens' rating form (评) — one rating per phone number, which the gateway turns
into a keyed digest and never passes on. The supervision office (ops) registers projects and
reports their progress from the console (/ops/ledger)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from onewindow.ledger.v1 import ledger_pb2
from onewindow.ledger.v1.project_pb2 import Milestone
from onewindow_catalog.calendar import CHINA

from ..rate_limit import client_address
from ..routes.applications import timeline_entries
from ..routes.ledger import RATINGS, project_out
from .web import anonymous_form, new_submission_key, redirect, render, require_viewer, signed_in_form

public = APIRouter(prefix="/projects", include_in_schema=False)
console = APIRouter(prefix="/ops/ledger", include_in_schema=False)
ProjectId = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")]
PHONE = re.compile(r"1[3-9]\d{9}")
RATING_LABELS = {"very_satisfied": "非常满意", "satisfied": "满意", "basically_satisfied": "基本满意",
                 "dissatisfied": "不满意", "very_dissatisfied": "非常不满意"}
ALREADY_RATED = "这个手机号码已经评价过这个项目 (每人一次)"


# ---- the form's text read back (pure) ----

@dataclass(frozen=True)
class MilestoneLines:
    milestones: list[tuple[str, str, str]]    # (id, title, due_on)
    errors: list[str]


def parse_milestones(text: str) -> MilestoneLines:
    """One milestone per line, its date first: "2027-03-31 主体完工". Ids are m1, m2, … in order."""
    milestones: list[tuple[str, str, str]] = []
    errors: list[str] = []
    for number, line in enumerate((ln.strip() for ln in text.splitlines()), 1):
        if not line:
            continue
        day, _, title = line.partition(" ")
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            errors.append(f"第 {number} 行: 以日期开头 (YYYY-MM-DD), 再写节点名称")
            continue
        if not title.strip():
            errors.append(f"第 {number} 行: 日期后写节点名称")
            continue
        milestones.append((f"m{len(milestones) + 1}", title.strip(), day))
    if not milestones and not errors:
        errors.append("至少一个节点")
    return MilestoneLines(milestones, errors)


def case_numbers(text: str) -> list[str]:
    return list(dict.fromkeys(part for part in re.split(r"[\s,，;；]+", text) if part))


def new_project_id() -> str:
    return f"PRJ-{dt.datetime.now(CHINA):%Y%m%d}-{new_submission_key()[:8]}".replace("_", "x")


# ---- public ----

@public.get("", response_class=HTMLResponse)
async def all_projects(request: Request) -> HTMLResponse:
    found = await request.app.state.ledger.projects(ledger_pb2.ListProjectsRequest())
    projects = [project_out(p) for p in found.projects]
    slow = sorted((p for p in projects if p.behind_schedule), key=lambda p: -p.days_behind)
    return render(request, "projects/list.html", {"projects": projects, "slow": slow})


async def _show(request: Request, project_id: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    project = project_out(await request.app.state.ledger.project(project_id))
    return render(request, "projects/detail.html", {
        "project": project, "ratings": RATING_LABELS, "rated": request.query_params.get("rated") == "1",
        "error": "", "form": {}, **context}, status_code=status_code)


@public.get("/{project_id}", response_class=HTMLResponse)
async def one_project(request: Request, project_id: ProjectId) -> HTMLResponse:
    return await _show(request, project_id, {})


@public.post("/{project_id}/rating", response_model=None)
async def rate(request: Request, project_id: ProjectId) -> HTMLResponse | RedirectResponse:
    form = await anonymous_form(request)
    request.app.state.status_lookup_limit.enforce(f"rating:{client_address(request)}")
    phone, rating = str(form.get("phone", "")).strip(), str(form.get("rating", ""))
    comment = str(form.get("comment", "")).strip()
    kept = {"rating": rating, "comment": comment}
    if not PHONE.fullmatch(phone):
        return await _show(request, project_id, {"error": "请输入 11 位手机号码", "form": kept}, 422)
    if rating not in RATINGS:
        return await _show(request, project_id, {"error": "请选择满意程度", "form": kept}, 422)
    if len(comment) > 500:
        return await _show(request, project_id, {"error": "意见最多 500 字", "form": kept}, 422)
    try:
        await request.app.state.ledger.rate(ledger_pb2.RateProjectRequest(
            project_id=project_id, rater_key=request.app.state.session_signer.rater_key(project_id, f"phone:{phone}"),
            rating=RATINGS[rating], comment=comment))
    except HTTPException as exc:
        if exc.status_code != status.HTTP_409_CONFLICT:
            raise
        text = ALREADY_RATED if "already" in str(exc.detail) else "项目完工后才能评价"
        return await _show(request, project_id, {"error": text, "form": kept}, 409)
    return redirect(f"/projects/{quote(project_id, safe='')}?rated=1")


# ---- the supervision office's console ----

@console.get("", response_class=HTMLResponse)
async def ledger_console(request: Request) -> HTMLResponse:
    viewer = require_viewer(request, "ops")
    return await _console(request, viewer, {})


async def _console(request: Request, viewer: Any, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    found = await request.app.state.ledger.projects(ledger_pb2.ListProjectsRequest())
    departments = sorted(request.app.state.catalog.departments.values(), key=lambda d: d.code)
    return render(request, "ops/ledger.html", {
        "projects": [project_out(p) for p in found.projects], "departments": departments,
        "form": {"project_id": new_project_id()}, "errors": [],
        "registered": request.query_params.get("registered", ""), **context},
        viewer=viewer, status_code=status_code)


@console.post("", response_model=None)
async def register(request: Request) -> HTMLResponse | RedirectResponse:
    viewer = require_viewer(request, "ops")
    form = await signed_in_form(request, viewer)
    kept = {name: str(form.get(name, "")).strip() for name in
            ("project_id", "title", "description", "owner_department_code", "region_code", "milestones", "sources")}
    lines = parse_milestones(kept["milestones"])
    if lines.errors:
        return await _console(request, viewer, {"form": kept, "errors": lines.errors}, 422)
    try:
        await request.app.state.ledger.register(ledger_pb2.RegisterProjectRequest(
            project_id=kept["project_id"], title=kept["title"], description=kept["description"],
            owner_department_code=kept["owner_department_code"], region_code=kept["region_code"],
            milestones=[Milestone(milestone_id=m, title=t, due_on=d) for m, t, d in lines.milestones],
            source_application_ids=case_numbers(kept["sources"]), registered_by=viewer.principal.actor))
    except HTTPException as exc:
        if exc.status_code not in (status.HTTP_409_CONFLICT, status.HTTP_422_UNPROCESSABLE_CONTENT):
            raise
        return await _console(request, viewer, {"form": kept, "errors": [str(exc.detail)]}, exc.status_code)
    return redirect(f"/ops/ledger/{quote(kept['project_id'], safe='')}")


async def _console_project(request: Request, viewer: Any, project_id: str, context: dict[str, Any],
                           status_code: int = 200) -> HTMLResponse:
    project = project_out(await request.app.state.ledger.project(project_id))
    timeline = await timeline_entries(request, project_id)     # the audit's record of every change
    return render(request, "ops/ledger_project.html", {
        "project": project, "timeline": timeline, "update_id": new_submission_key()[:16].replace("_", "x"), "error": "",
        "changed": request.query_params.get("changed", ""), **context}, viewer=viewer, status_code=status_code)


@console.get("/{project_id}", response_class=HTMLResponse)
async def console_project(request: Request, project_id: ProjectId) -> HTMLResponse:
    viewer = require_viewer(request, "ops")
    return await _console_project(request, viewer, project_id, {})


@console.post("/{project_id}/progress", response_model=None)
async def report(request: Request, project_id: ProjectId) -> HTMLResponse | RedirectResponse:
    viewer = require_viewer(request, "ops")
    form = await signed_in_form(request, viewer)
    try:
        percent = int(str(form.get("percent_done", "")))
    except ValueError:
        return await _console_project(request, viewer, project_id, {"error": "完成比例填 0 到 100 的整数"}, 422)
    try:
        await request.app.state.ledger.progress(ledger_pb2.ReportProgressRequest(
            project_id=project_id, update_id=str(form.get("update_id", "")), note=str(form.get("note", "")),
            percent_done=percent, milestone_reached=str(form.get("milestone_reached", "")),
            reported_by=viewer.principal.actor))
    except HTTPException as exc:
        if exc.status_code not in (status.HTTP_409_CONFLICT, status.HTTP_422_UNPROCESSABLE_CONTENT):
            raise
        return await _console_project(request, viewer, project_id, {"error": str(exc.detail)}, exc.status_code)
    return redirect(f"/ops/ledger/{quote(project_id, safe='')}?changed=progress")


@console.post("/{project_id}/completion", response_model=None)
async def complete(request: Request, project_id: ProjectId) -> HTMLResponse | RedirectResponse:
    viewer = require_viewer(request, "ops")
    await signed_in_form(request, viewer)
    try:
        await request.app.state.ledger.complete(ledger_pb2.CompleteProjectRequest(
            project_id=project_id, completed_by=viewer.principal.actor))
    except HTTPException as exc:
        if exc.status_code != status.HTTP_409_CONFLICT:
            raise
        return await _console_project(request, viewer, project_id, {"error": str(exc.detail)}, 409)
    return redirect(f"/ops/ledger/{quote(project_id, safe='')}?changed=completed")
