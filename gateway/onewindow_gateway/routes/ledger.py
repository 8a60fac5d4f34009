"""The ledger of livelihood projects (实事项目台账) over the API: everyone signed in reads every
project and the slow list (张榜: the same as the public page shows); the supervision office
(ops) registers a project for any department, an agency for its own; the owner department (or
ops) reports progress and finishes it; a citizen rates a finished project, once."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from onewindow.feedback.v1.events_pb2 import Rating
from onewindow.ledger.v1 import ledger_pb2
from onewindow.ledger.v1.project_pb2 import Milestone

from ..auth import CurrentPrincipal, Principal

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])

ProjectId = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")]
DAY = r"^\d{4}-\d{2}-\d{2}$"
RATINGS = {"very_satisfied": Rating.RATING_VERY_SATISFIED, "satisfied": Rating.RATING_SATISFIED,
           "basically_satisfied": Rating.RATING_BASICALLY_SATISFIED, "dissatisfied": Rating.RATING_DISSATISFIED,
           "very_dissatisfied": Rating.RATING_VERY_DISSATISFIED}


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    milestone_id: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")
    title: str = Field(min_length=1, max_length=200)
    due_on: str = Field(pattern=DAY, description="YYYY-MM-DD, China date")


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$",
                            description="chosen by the caller: sending it again registers nothing new")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    owner_department_code: str = Field(max_length=64)
    region_code: str = Field(pattern=r"^\d{6,12}$")
    milestones: list[MilestoneIn] = Field(min_length=1, max_length=50)
    source_application_ids: list[str] = Field(default_factory=list, max_length=200)


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    update_id: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$",
                           description="chosen by the caller: sending it again reports nothing twice")
    note: str = Field(default="", max_length=4000)
    percent_done: int = Field(ge=0, le=100)
    milestone_reached: str = Field(default="", max_length=64)


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Literal["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"]
    comment: str = Field(default="", max_length=4000)


class MilestoneOut(BaseModel):
    milestone_id: str
    title: str
    due_on: str
    reached_on: str | None
    overdue: bool


class UpdateOut(BaseModel):
    reported_on: str
    note: str
    percent_done: int
    milestone_reached: str | None
    reported_by: str


class ProjectOut(BaseModel):
    project_id: str
    title: str
    description: str
    owner_department_code: str
    owner_department_name: str
    region_code: str
    milestones: list[MilestoneOut]
    source_application_ids: list[str]
    percent_done: int
    registered_on: str
    completed_on: str | None
    behind_schedule: bool = Field(description="an unreached milestone's date has passed: on the slow list (张榜)")
    days_behind: int
    ratings: int
    satisfaction_rate: float | None = Field(description="(非常满意 + 满意 + 基本满意) / ratings; none before any")
    updates: list[UpdateOut] = Field(default_factory=list, description="newest first (one project only)")


class ChangedOut(BaseModel):
    event_id: str


def project_out(p: ledger_pb2.Project) -> ProjectOut:
    return ProjectOut(
        project_id=p.project_id, title=p.title, description=p.description,
        owner_department_code=p.owner_department_code, owner_department_name=p.owner_department_name,
        region_code=p.region_code, source_application_ids=list(p.source_application_ids),
        milestones=[MilestoneOut(milestone_id=m.milestone.milestone_id, title=m.milestone.title,
                                 due_on=m.milestone.due_on, reached_on=m.reached_on or None, overdue=m.overdue)
                    for m in p.milestones],
        percent_done=p.percent_done, registered_on=p.registered_on, completed_on=p.completed_on or None,
        behind_schedule=p.behind_schedule, days_behind=p.days_behind, ratings=p.ratings,
        satisfaction_rate=round(p.satisfied / p.ratings, 4) if p.ratings else None,
        updates=[UpdateOut(reported_on=u.reported_on, note=u.note, percent_done=u.percent_done,
                           milestone_reached=u.milestone_reached or None, reported_by=u.reported_by)
                 for u in p.updates])


async def _owned(request: Request, principal: Principal, project_id: str) -> ledger_pb2.Project:
    """The project, when the caller may change it: ops, or the agency that owns it."""
    if principal.role not in ("ops", "agency"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs the role ops or the owner department's agency")
    found = await request.app.state.ledger.project(project_id)
    if principal.role == "agency" and found.owner_department_code != principal.department_code:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "another department's project")
    return found


@router.get("/projects", response_model=list[ProjectOut],
            summary="Every project on the ledger (newest first), or the slow list with behind=true")
async def list_projects(request: Request, _: CurrentPrincipal,
                        behind: Annotated[bool, Query(description="only projects behind schedule (张榜)")] = False,
                        region_code: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None,
                        department_code: Annotated[str | None, Query(max_length=64)] = None) -> list[ProjectOut]:
    found = await request.app.state.ledger.projects(ledger_pb2.ListProjectsRequest(
        behind_only=behind, region_code=region_code or "", owner_department_code=department_code or ""))
    return [project_out(p) for p in found.projects]


@router.get("/projects/{project_id}", response_model=ProjectOut, summary="One project with its progress updates")
async def get_project(request: Request, _: CurrentPrincipal, project_id: ProjectId) -> ProjectOut:
    return project_out(await request.app.state.ledger.project(project_id))


@router.post("/projects", response_model=ChangedOut, status_code=status.HTTP_201_CREATED,
             summary="Put a project on the ledger (ops for any department; an agency for its own)")
async def register_project(request: Request, principal: CurrentPrincipal, body: ProjectIn) -> ChangedOut:
    if principal.role not in ("ops", "agency"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs the role ops or agency")
    if principal.role == "agency" and body.owner_department_code != principal.department_code:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "an agency registers its own department's projects")
    changed = await request.app.state.ledger.register(ledger_pb2.RegisterProjectRequest(
        project_id=body.project_id, title=body.title, description=body.description,
        owner_department_code=body.owner_department_code, region_code=body.region_code,
        milestones=[Milestone(milestone_id=m.milestone_id, title=m.title, due_on=m.due_on) for m in body.milestones],
        source_application_ids=body.source_application_ids, registered_by=principal.actor))
    return ChangedOut(event_id=changed.event_id)


@router.post("/projects/{project_id}/progress", response_model=ChangedOut, status_code=status.HTTP_201_CREATED,
             summary="Report progress: a note, the share done, a milestone reached (the owner, or ops)")
async def report_progress(request: Request, principal: CurrentPrincipal, project_id: ProjectId,
                          body: ProgressIn) -> ChangedOut:
    await _owned(request, principal, project_id)
    changed = await request.app.state.ledger.progress(ledger_pb2.ReportProgressRequest(
        project_id=project_id, update_id=body.update_id, note=body.note, percent_done=body.percent_done,
        milestone_reached=body.milestone_reached, reported_by=principal.actor))
    return ChangedOut(event_id=changed.event_id)


@router.post("/projects/{project_id}/completion", response_model=ChangedOut, status_code=status.HTTP_201_CREATED,
             summary="Finish the project: every milestone reached (the owner, or ops); 409 otherwise")
async def complete_project(request: Request, principal: CurrentPrincipal, project_id: ProjectId) -> ChangedOut:
    await _owned(request, principal, project_id)
    changed = await request.app.state.ledger.complete(ledger_pb2.CompleteProjectRequest(
        project_id=project_id, completed_by=principal.actor))
    return ChangedOut(event_id=changed.event_id)


@router.post("/projects/{project_id}/ratings", response_model=ChangedOut, status_code=status.HTTP_201_CREATED,
             summary="A citizen rates a finished project, once (409 after, and before it is finished)")
async def rate_project(request: Request, principal: CurrentPrincipal, project_id: ProjectId,
                       body: RatingIn) -> ChangedOut:
    if principal.role != "citizen" or not principal.subject_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs a citizen's token")
    changed = await request.app.state.ledger.rate(ledger_pb2.RateProjectRequest(
        project_id=project_id, rater_key=request.app.state.session_signer.rater_key(project_id, principal.subject_id),
        rating=RATINGS[body.rating], comment=body.comment))
    return ChangedOut(event_id=changed.event_id)
