"""/api/v1/applications: submit, read and list cases."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, status
from fastapi.responses import JSONResponse
from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from pydantic import BaseModel

from onewindow.common.v1.types_pb2 import ActorKind, Channel, Level, Outcome
from onewindow.intake.v1 import intake_pb2
from onewindow.intake.v1.intake_pb2 import ApplicationStatus
from onewindow_catalog.calendar import CHINA
from onewindow_platform.failpoints import fires

from ..access import in_region, may_read
from ..auth import CurrentPrincipal, Principal
from ..schemas import (
    ApplicantOut,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    DeadlineOut,
    ErrorOut,
    SubmitAccepted,
    SupplementAccepted,
    SupplementIn,
    TaskOut,
)

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])

STATUS_NAMES = {value: name.removeprefix("APPLICATION_STATUS_").lower()
                for name, value in ApplicationStatus.items() if value}
STATUS_VALUES = {name: value for value, name in STATUS_NAMES.items()}
LEVEL_NAMES = {value: name.removeprefix("LEVEL_").lower() for name, value in Level.items() if value}
CHANNEL_NAMES = {value: name.removeprefix("CHANNEL_").lower() for name, value in Channel.items() if value}
OUTCOME_NAMES = {value: name.removeprefix("OUTCOME_").lower() for name, value in Outcome.items() if value}


def _check_may_submit(principal: Principal, body: ApplicationIn, request: Request) -> None:
    if principal.role == "clerk" and not in_region(body.region_code, principal.region_code):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"a clerk of region {principal.region_code} receives applications only at windows "
                            f"in that region, not {body.region_code}")
    if principal.role == "citizen" and (
            request.app.state.pseudonyms.subject_id(body.applicant.id_number) != principal.subject_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "citizens submit applications for themselves only")
    if principal.role not in ("clerk", "citizen", "ops"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs the role clerk, citizen or ops")


async def submit(request: Request, principal: Principal, body: ApplicationIn,
                 idempotency_key: str) -> intake_pb2.SubmitApplicationResponse:
    """File an application for `principal` (the API's and the counter page's one way in)."""
    _check_may_submit(principal, body, request)
    fields = Struct()
    fields.update(body.fields)
    rpc = intake_pb2.SubmitApplicationRequest(
        idempotency_key=idempotency_key, item_code=body.item_code, region_code=body.region_code,
        location_region_code=body.location_region_code or "",
        channel=Channel.Value(f"CHANNEL_{body.channel.upper()}"),
        applicant=intake_pb2.ApplicantInput(name=body.applicant.name, id_number=body.applicant.id_number,
                                            phone=body.applicant.phone, email=body.applicant.email or ""),
        fields=fields, submitted_by=principal.actor,
    )
    return await request.app.state.intake.submit(rpc)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=SubmitAccepted,
             responses={409: {"model": ErrorOut}, 413: {"model": ErrorOut}, 422: {"model": ErrorOut},
                        503: {"model": ErrorOut}},
             summary="Submit an application, complaint or alert (一窗受理)")
async def submit_application(
    body: ApplicationIn, request: Request, principal: CurrentPrincipal,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)] = None,
) -> JSONResponse:
    if idempotency_key is not None and not idempotency_key.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                            "Idempotency-Key is empty: send a new unique value (a UUID) with each application "
                            "and the same one when retrying it, or leave the header out")
    response = await submit(request, principal, body, idempotency_key or "")
    if response.violations:
        errors = [{"field": v.field, "message": v.message} for v in response.violations]
        return JSONResponse(status_code=422, content={"detail": "the application was not accepted", "errors": errors})
    # Planted faults for the fault suite's own tests (never armed otherwise): the case is committed
    # but the clerk never hears of it (the client retries), or hears a 202 that names no case.
    if fires("gateway.lose_reply_after_commit"):
        return JSONResponse(status_code=503, content={"detail": "the reply was lost"}, headers={"Retry-After": "1"})
    if fires("gateway.reply_without_id"):
        return JSONResponse(status_code=202, content={"status": "accepted"})
    accepted = SubmitAccepted(application_id=response.application_id, status=STATUS_NAMES[response.status],
                              trace_id=response.trace_id, replayed=response.replayed)
    return JSONResponse(status_code=202, content=accepted.model_dump())


def application_out(view: intake_pb2.ApplicationView) -> ApplicationOut:
    applicant = view.applicant
    return ApplicationOut(
        application_id=view.application_id, status=STATUS_NAMES.get(view.status, "unknown"),
        item_code=view.item_code, item_name=view.item_name, channel=CHANNEL_NAMES.get(view.channel, ""),
        receiving_region_code=view.receiving_region_code, location_region_code=view.location_region_code,
        handling_region_code=view.handling_region_code, cross_region=view.cross_region,
        routing_fallback=view.routing_fallback, routing_note=view.routing_note,
        outcome=OUTCOME_NAMES.get(view.outcome, ""), notification_problems=list(view.notification_problems),
        # Masked for every role: no endpoint returns a full ID or phone number.
        applicant=ApplicantOut(name=applicant.name_masked, id_number=applicant.id_number_masked,
                               phone=applicant.phone_masked, email=applicant.email_masked),
        submitted_at=view.submitted_at.ToJsonString(), updated_at=view.updated_at.ToJsonString(),
        tasks=[TaskOut(
            task_id=t.task_id, department_code=t.department_code, department_name=t.department_name,
            region_code=t.region_code, level=LEVEL_NAMES.get(t.level, ""), status=t.status,
            dispatch_number=t.dispatch_number, outcome=OUTCOME_NAMES.get(t.outcome, ""), result_text=t.result_text,
            note=t.note,
            deadline=DeadlineOut(
                due_at=t.deadline.due_at.ToDatetime(tzinfo=dt.UTC).astimezone(CHINA).isoformat(),
                basis=MessageToDict(t.deadline).get("basis", "").removeprefix("DEADLINE_BASIS_").lower(),
                amount=t.deadline.amount, calendar_fallback=t.deadline.calendar_fallback,
            ) if t.HasField("deadline") else None,
        ) for t in view.tasks],
    )


# People whose opening of a case is put on the audit record, and what personal data they see.
STAFF_ROLES = ("clerk", "ops")
PERSONAL_DATA_SHOWN = ["applicant.name_masked", "applicant.id_number_masked", "applicant.phone_masked",
                       "applicant.email_masked"]


async def readable_case(request: Request, principal: Principal, application_id: str) -> intake_pb2.ApplicationView:
    view = await request.app.state.intake.get(application_id)
    if not may_read(principal, view):
        # Same answer as a missing case: do not confirm that another region's case exists.
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no application {application_id}")
    return view


async def open_case(request: Request, principal: Principal, application_id: str,
                    purpose: str = "case opened") -> intake_pb2.ApplicationView:
    """A case `principal` may read, its opening on the audit record first when staff open it."""
    view = await readable_case(request, principal, application_id)
    if principal.role in STAFF_ROLES:
        # On record before it is shown: if the record cannot be made, the case is not shown (503).
        await request.app.state.intake.record_access(application_id, principal.actor, purpose, PERSONAL_DATA_SHOWN)
    return view


@router.get("/{application_id}", response_model=ApplicationOut, responses={404: {"model": ErrorOut}},
            summary="A case with its tasks, departments and deadlines")
async def get_application(application_id: Annotated[str, Path(max_length=64)], request: Request,
                          principal: CurrentPrincipal) -> ApplicationOut:
    return application_out(await open_case(request, principal, application_id))


@router.get("", response_model=ApplicationPage, summary="Cases for counters and ops, newest case numbers last")
async def list_applications(
    request: Request, principal: CurrentPrincipal,
    status_filter: Annotated[str | None, Query(alias="status", pattern="^(" + "|".join(STATUS_VALUES) + ")$")] = None,
    region_code: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None,
    department_code: Annotated[str | None, Query(max_length=64)] = None,
    item_code: Annotated[str | None, Query(max_length=64)] = None,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    page_token: Annotated[str | None, Query(max_length=64)] = None,
) -> ApplicationPage:
    region = region_code or ""
    department = department_code or ""
    subject = ""
    if principal.role == "clerk":
        if region and not in_region(region, principal.region_code):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"a clerk of {principal.region_code} cannot list {region}")
        region = region or principal.region_code
    elif principal.role == "agency":
        if department and department != principal.department_code:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "an agency lists only its own department's cases")
        department = principal.department_code
    elif principal.role == "citizen":
        subject = principal.subject_id or "-"
    rpc = intake_pb2.ListApplicationsRequest(
        status=STATUS_VALUES.get(status_filter or "", 0), region_code=region, department_code=department,
        item_code=item_code or "", page_size=page_size, page_token=page_token or "",
    )
    response = await request.app.state.intake.list(rpc, subject)
    return ApplicationPage(items=[application_out(v) for v in response.applications],
                           next_page_token=response.next_page_token)


async def supplement(request: Request, principal: Principal, application_id: str,
                     body: SupplementIn) -> intake_pb2.ProvideSupplementResponse:
    if principal.role not in ("clerk", "citizen", "ops"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs the role clerk, citizen or ops")
    await readable_case(request, principal, application_id)
    fields = Struct()
    fields.update(body.fields)
    rpc = intake_pb2.ProvideSupplementRequest(application_id=application_id, task_id=body.task_id, fields=fields,
                                              provided_by=principal.actor)
    return await request.app.state.intake.provide_supplement(rpc)


@router.post("/{application_id}/supplements", status_code=status.HTTP_202_ACCEPTED, response_model=SupplementAccepted,
             responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}},
             summary="Send the material a department asked for (补正) to the same task")
async def provide_supplement(application_id: Annotated[str, Path(max_length=64)], body: SupplementIn,
                             request: Request, principal: CurrentPrincipal) -> JSONResponse:
    response = await supplement(request, principal, application_id, body)
    if response.violations:
        errors = [{"field": v.field, "message": v.message} for v in response.violations]
        return JSONResponse(status_code=422, content={"detail": "the supplement was not accepted", "errors": errors})
    return JSONResponse(status_code=202, content={"event_id": response.event_id})


class TimelineEntryOut(BaseModel):
    sequence: int
    occurred_at: str
    recorded_at: str
    service: str
    event_type: str
    actor: str
    event_id: str
    trace_id: str
    span_id: str


@router.get("/{application_id}/timeline", response_model=list[TimelineEntryOut],
            summary="Every event of the case in order, from the audit record, with trace and span ids")
async def timeline(application_id: Annotated[str, Path(max_length=64)], request: Request,
                   principal: CurrentPrincipal) -> list[TimelineEntryOut]:
    await readable_case(request, principal, application_id)
    return await timeline_entries(request, application_id)


async def timeline_entries(request: Request, application_id: str) -> list[TimelineEntryOut]:
    response = await request.app.state.audit.timeline(application_id)
    return [TimelineEntryOut(
        sequence=e.sequence, occurred_at=e.occurred_at.ToJsonString(), recorded_at=e.recorded_at.ToJsonString(),
        service=e.source, event_type=e.event_type.rsplit(".", 1)[-1],
        actor=f"{ActorKind.Name(e.actor.kind).removeprefix('ACTOR_KIND_').lower()}:{e.actor.id}",
        event_id=e.event_id, trace_id=e.trace_id, span_id=e.span_id) for e in response.entries]
