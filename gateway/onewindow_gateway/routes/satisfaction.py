"""好差评: rating a completed case, and the satisfaction statistics."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ConfigDict, Field

from onewindow.feedback.v1.events_pb2 import Rating
from onewindow.notification.v1 import notification_pb2

from ..access import in_region, may_read
from ..auth import CurrentPrincipal, Principal
from ..schemas import ErrorOut

router = APIRouter(prefix="/api/v1", tags=["satisfaction"])

LEVELS = {"非常满意": Rating.RATING_VERY_SATISFIED, "满意": Rating.RATING_SATISFIED,
          "基本满意": Rating.RATING_BASICALLY_SATISFIED, "不满意": Rating.RATING_DISSATISFIED,
          "非常不满意": Rating.RATING_VERY_DISSATISFIED}
NAMES = {value: name for name, value in LEVELS.items()}


class SatisfactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # no field of the record can be set but these

    rating: Literal["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    comment: str = Field(default="", max_length=1000)


class SatisfactionStats(BaseModel):
    counts: dict[str, int]
    total: int
    satisfaction_rate: float = Field(description="(非常满意 + 满意 + 基本满意) / total")


@router.post("/applications/{application_id}/satisfaction", status_code=status.HTTP_201_CREATED,
             responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
             summary="Rate a completed case once (the applicant, or a clerk for them at the counter)")
async def rate(application_id: Annotated[str, Path(max_length=64)], body: SatisfactionIn, request: Request,
               principal: CurrentPrincipal) -> dict[str, str]:
    return {"event_id": await record_rating(request, principal, application_id, body)}


async def record_rating(request: Request, principal: Principal, application_id: str, body: SatisfactionIn) -> str:
    if principal.role not in ("citizen", "clerk"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the applicant, or a clerk on their behalf, rates a case")
    view = await request.app.state.intake.get(application_id)
    if not may_read(principal, view):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no application {application_id}")
    response = await request.app.state.notification.rate(notification_pb2.RecordSatisfactionRequest(
        application_id=application_id, rating=LEVELS[body.rating], comment=body.comment, rated_by=principal.actor))
    return str(response.event_id)


def _timestamp(value: dt.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    return stamp


@router.get("/stats/satisfaction", response_model=SatisfactionStats,
            summary="Counts per level and the satisfaction rate (ops; clerks for their own region)")
async def stats(request: Request, principal: CurrentPrincipal,
                department_code: Annotated[str | None, Query(max_length=64)] = None,
                region_code: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None,
                since: Annotated[dt.datetime | None, Query(alias="from")] = None,
                until: Annotated[dt.datetime | None, Query(alias="to")] = None) -> SatisfactionStats:
    if principal.role == "clerk":
        if region_code and not in_region(region_code, principal.region_code):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"a clerk of {principal.region_code} sees only that region")
        region_code = region_code or principal.region_code
    elif principal.role != "ops":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs the role ops or clerk")
    query = notification_pb2.GetSatisfactionStatsRequest(department_code=department_code or "",
                                                         region_code=region_code or "")
    if since is not None:
        getattr(query, "from").CopyFrom(_timestamp(since))
    if until is not None:
        query.to.CopyFrom(_timestamp(until))
    response = await request.app.state.notification.stats(query)
    return SatisfactionStats(counts={NAMES[c.rating]: c.count for c in response.counts}, total=response.total,
                             satisfaction_rate=round(response.satisfaction_rate, 4))
