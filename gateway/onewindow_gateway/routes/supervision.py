"""督办 and 评效果: the month's rankings with their red and black lists (JSON or CSV), one
department's or region's indicators month by month, and the 回访 team's calls.

Who sees what: ops (the supervision office included) everything; an agency its own department's
indicators; a clerk the indicators and 回访 calls of their region. The rankings are the office's
(published as 张榜 by it), so only ops reads them here."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from onewindow.common.v1.types_pb2 import Level
from onewindow.supervision.v1 import supervision_pb2
from onewindow.supervision.v1.events_pb2 import FollowUpOutcome, FollowUpReason
from onewindow.supervision.v1.supervision_pb2 import Scope

from ..access import in_region
from ..auth import CurrentPrincipal, Principal

router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
LEVELS = {"province": Level.LEVEL_PROVINCE, "city": Level.LEVEL_CITY, "district": Level.LEVEL_DISTRICT,
          "street": Level.LEVEL_STREET, "community": Level.LEVEL_COMMUNITY}
SCOPES = {"department": Scope.SCOPE_DEPARTMENT, "region": Scope.SCOPE_REGION}
OUTCOMES = {"satisfied": FollowUpOutcome.FOLLOW_UP_OUTCOME_SATISFIED,
            "not_satisfied": FollowUpOutcome.FOLLOW_UP_OUTCOME_NOT_SATISFIED,
            "not_reached": FollowUpOutcome.FOLLOW_UP_OUTCOME_NOT_REACHED,
            "declined": FollowUpOutcome.FOLLOW_UP_OUTCOME_DECLINED}
OUTCOME_NAMES = {value: name for name, value in OUTCOMES.items()}
REASONS = {FollowUpReason.FOLLOW_UP_REASON_COMPLETED: "completed",
           FollowUpReason.FOLLOW_UP_REASON_TIME_LIMIT: "time_limit"}


class IndicatorsOut(BaseModel):
    month: str
    code: str
    name: str
    score: float | None = Field(description="the composite score, 0–100 (none while no weighted rate has a "
                                            "denominator)")
    rates: dict[str, float] = Field(description="shares 0–1; a rate without a denominator is absent")
    counters: dict[str, int]


class RankedOut(IndicatorsOut):
    rank: int


class RankingOut(BaseModel):
    month: str
    scope: str
    level: str
    ranking: list[RankedOut]
    red_list: list[str] = Field(description="红榜: codes, best first")
    black_list: list[str] = Field(description="黑榜: codes, worst first")
    weights: dict[str, float]


class FollowUpCallOut(BaseModel):
    call_id: str
    application_id: str
    region_code: str
    reason: str = Field(description="completed (after the answer) or time_limit (no answer in time)")
    due_at: dt.datetime
    outcome: str | None
    note: str
    recorded_by: str
    recorded_at: dt.datetime | None


class FollowUpOutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["satisfied", "not_satisfied", "not_reached", "declined"]
    note: str = Field(default="", max_length=2000)


def indicators_out(message: supervision_pb2.Indicators) -> dict[str, Any]:
    counters = {f.name: getattr(message.counters, f.name) for f in message.counters.DESCRIPTOR.fields}
    return {"month": message.month, "code": message.code, "name": message.name,
            "score": message.score if message.HasField("score") else None,
            "rates": {k: round(v, 4) for k, v in sorted(message.rates.items())}, "counters": counters}


def call_out(call: supervision_pb2.FollowUpCall) -> FollowUpCallOut:
    return FollowUpCallOut(
        call_id=call.call_id, application_id=call.application_id, region_code=call.region_code,
        reason=REASONS.get(call.reason, "unknown"), due_at=call.due_at.ToDatetime(tzinfo=dt.UTC),
        outcome=OUTCOME_NAMES.get(call.outcome), note=call.note, recorded_by=call.recorded_by,
        recorded_at=call.recorded_at.ToDatetime(tzinfo=dt.UTC) if call.HasField("recorded_at") else None)


def _require_ops(principal: Principal) -> None:
    if principal.role != "ops":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs the role ops (the supervision office)")


async def get_ranking(request: Request, month: str, scope: str, level: str,
                      csv: bool = False) -> supervision_pb2.GetRankingResponse:
    return await request.app.state.supervision.ranking(supervision_pb2.GetRankingRequest(
        month=month, scope=SCOPES[scope], level=LEVELS[level], csv=csv))


def ranking_csv_response(found: supervision_pb2.GetRankingResponse, month: str, scope: str, level: str) -> Response:
    """The ranking as a CSV file (the API's and the console's download alike)."""
    # A BOM so a spreadsheet opens the Chinese names as UTF-8.
    return Response("\ufeff" + found.csv, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="ranking-{month}-{scope}-{level}.csv"'})


@router.get("/rankings", response_model=RankingOut,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             "description": "JSON, or with format=csv the ranking as a CSV file"}},
            summary="The month's ranking of a level with its red and black lists (ops); format=csv for a file")
async def rankings(request: Request, principal: CurrentPrincipal,
                   month: Annotated[str, Query(pattern=MONTH, description="YYYY-MM")],
                   level: Annotated[Literal["province", "city", "district", "street", "community"], Query()] = "street",
                   scope: Annotated[Literal["department", "region"], Query()] = "region",
                   format: Annotated[Literal["json", "csv"], Query()] = "json") -> RankingOut | Response:
    _require_ops(principal)
    found = await get_ranking(request, month, scope, level, csv=format == "csv")
    if format == "csv":
        return ranking_csv_response(found, month, scope, level)
    return RankingOut(month=month, scope=scope, level=level, weights=dict(found.weights),
                      red_list=list(found.red_list), black_list=list(found.black_list),
                      ranking=[RankedOut(rank=e.rank, **indicators_out(e.indicators)) for e in found.ranking])


def _may_see(principal: Principal, scope: str, code: str) -> bool:
    if principal.role == "ops":
        return True
    if principal.role == "agency":
        return scope == "department" and code == principal.department_code
    if principal.role == "clerk":
        region = code.split(".", 1)[0]  # a department's code starts with its region's
        return in_region(region, principal.region_code)
    return False


@router.get("/indicators/{scope}/{code}", response_model=list[IndicatorsOut],
            summary="A department's or region's indicators month by month (ops; an agency its own department; "
                    "a clerk their region)")
async def indicators(request: Request, principal: CurrentPrincipal,
                     scope: Annotated[Literal["department", "region"], Path()],
                     code: Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Za-z.\-_]+$")],
                     since: Annotated[str, Query(alias="from", pattern=MONTH)],
                     until: Annotated[str, Query(alias="to", pattern=MONTH)]) -> list[IndicatorsOut]:
    if not _may_see(principal, scope, code):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not yours to see")
    if since > until:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "from is after to")
    found = await request.app.state.supervision.history(supervision_pb2.GetIndicatorHistoryRequest(
        scope=SCOPES[scope], code=code, from_month=since, to_month=until))
    return [IndicatorsOut(**indicators_out(m)) for m in found.months]


@router.get("/follow-up-calls", response_model=list[FollowUpCallOut],
            summary="回访 calls, the ones still to make first by default (ops; a clerk their region)")
async def follow_up_calls(request: Request, principal: CurrentPrincipal,
                          open_only: Annotated[bool, Query(alias="open")] = True,
                          region_code: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None,
                          application_id: Annotated[str | None, Query(max_length=64)] = None,
                          ) -> list[FollowUpCallOut]:
    if principal.role == "clerk":
        if region_code and not in_region(region_code, principal.region_code):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"a clerk of {principal.region_code} sees only that region")
        region_code = region_code or principal.region_code
    elif principal.role != "ops":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs the role ops or clerk")
    found = await request.app.state.supervision.calls(supervision_pb2.ListFollowUpCallsRequest(
        open_only=open_only, region_code=region_code or "", application_id=application_id or ""))
    return [call_out(c) for c in found.calls]


@router.post("/follow-up-calls/{call_id}/outcome", status_code=status.HTTP_201_CREATED,
             summary="Record what a 回访 call found, once (ops, the supervision office's callers)")
async def record_follow_up(request: Request, principal: CurrentPrincipal, body: FollowUpOutcomeIn,
                           call_id: Annotated[str, Path(max_length=64)]) -> dict[str, str]:
    _require_ops(principal)
    recorded = await request.app.state.supervision.record_call(supervision_pb2.RecordFollowUpCallRequest(
        call_id=call_id, outcome=OUTCOMES[body.outcome], note=body.note, recorded_by=principal.actor))
    return {"event_id": recorded.event_id}
