"""The supervision office's pages in the ops console: the month's ranking of a level with its
red and black lists (and the CSV to publish), a department's or region's rates month by month
as a chart with the numbers beside it, and the 回访 work list where a caller records what the
citizen said. Ops role only (the office works in the ops console)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from onewindow.supervision.v1 import supervision_pb2
from onewindow_catalog.calendar import CHINA

from ..routes import supervision as api
from . import rate_chart
from .web import redirect, render, require_viewer, signed_in_form

router = APIRouter(prefix="/ops", include_in_schema=False)

Month = Annotated[str | None, Query(pattern=api.MONTH)]
LevelName = Literal["province", "city", "district", "street", "community"]
ScopeName = Literal["department", "region"]
Code = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Za-z.\-_]+$")]
OUTCOME_LABELS = {"satisfied": "满意", "not_satisfied": "不满意", "not_reached": "未联系上", "declined": "拒绝回访"}
REASON_LABELS = {"completed": "办结后回访", "time_limit": "期限届满未答复"}
SCOPE_LABELS = {"department": "部门", "region": "属地"}
LIST_SIZE = 5       # 红榜 top five, 黑榜 bottom five (what the supervision service returns)


def this_month() -> str:
    return dt.datetime.now(CHINA).strftime("%Y-%m")


@router.get("/supervision", response_class=HTMLResponse)
async def rankings(request: Request, month: Month = None, level: LevelName = "street",
                   scope: ScopeName = "region") -> HTMLResponse:
    viewer = require_viewer(request, "ops")
    month = month or this_month()
    found = await api.get_ranking(request, month, scope, level)
    ranking = [{"rank": entry.rank, **api.indicators_out(entry.indicators)} for entry in found.ranking]
    names = {row["code"]: row["name"] for row in ranking}
    query = urlencode({"month": month, "scope": scope, "level": level})
    return render(request, "ops/rankings.html", {
        "month": month, "level": level, "scope": scope, "ranking": ranking, "rates": rate_chart.RATES,
        "red_list": [(code, names.get(code, code)) for code in found.red_list],
        "black_list": [(code, names.get(code, code)) for code in found.black_list],
        "weights": dict(sorted(found.weights.items())), "csv_href": f"/ops/supervision/rankings.csv?{query}",
        "levels": api.LEVELS, "scope_labels": SCOPE_LABELS}, viewer=viewer)


@router.get("/supervision/rankings.csv", response_model=None)
async def rankings_csv(request: Request, month: Month = None, level: LevelName = "street",
                       scope: ScopeName = "region") -> Response:
    require_viewer(request, "ops")
    month = month or this_month()
    return api.ranking_csv_response(await api.get_ranking(request, month, scope, level, csv=True),
                                    month, scope, level)


@router.get("/supervision/{scope}/{code}", response_class=HTMLResponse)
async def months_of(request: Request, scope: ScopeName, code: Code,
                    since: Annotated[str | None, Query(alias="from", pattern=api.MONTH)] = None,
                    until: Annotated[str | None, Query(alias="to", pattern=api.MONTH)] = None) -> HTMLResponse:
    viewer = require_viewer(request, "ops")
    until = until or this_month()
    since = since or rate_chart.months_back(until, 12)
    try:
        months = rate_chart.month_range(since, until)
    except rate_chart.BadMonthRange as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"月份范围: {exc}") from None
    found = await request.app.state.supervision.history(supervision_pb2.GetIndicatorHistoryRequest(
        scope=api.SCOPES[scope], code=code, from_month=since, to_month=until))
    history = [api.indicators_out(m) for m in found.months]
    chart = rate_chart.rate_chart(months, {m["month"]: m["rates"] for m in history})
    return render(request, "ops/indicator_months.html", {
        "scope": scope, "code": code, "name": next((m["name"] for m in reversed(history) if m["name"]), code),
        "since": since, "until": until, "history": history, "chart": chart, "rates": rate_chart.RATES,
        "polyline": rate_chart.polyline, "marker_path": rate_chart.marker_path,
        "scope_labels": SCOPE_LABELS}, viewer=viewer)


@router.get("/follow-up-calls", response_class=HTMLResponse)
async def follow_up_calls(request: Request,
                          region_code: Annotated[str | None, Query(pattern=r"^(\d{6,12})?$")] = None,
                          show: Literal["open", "all"] = "open") -> HTMLResponse:
    viewer = require_viewer(request, "ops")
    found = await request.app.state.supervision.calls(supervision_pb2.ListFollowUpCallsRequest(
        open_only=show == "open", region_code=region_code or ""))
    return render(request, "ops/follow_up_calls.html", {
        "calls": [api.call_out(c) for c in found.calls], "region_code": region_code or "", "show": show,
        "outcomes": OUTCOME_LABELS, "reasons": REASON_LABELS,
        "recorded": request.query_params.get("recorded", "")}, viewer=viewer)


@router.post("/follow-up-calls/{call_id}/outcome", response_model=None)
async def record_follow_up(request: Request, call_id: Annotated[str, Path(max_length=64)]) -> RedirectResponse:
    viewer = require_viewer(request, "ops")
    form = await signed_in_form(request, viewer)
    outcome, note = str(form.get("outcome", "")), str(form.get("note", "")).strip()
    if outcome not in api.OUTCOMES:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "请选择回访结果")
    if len(note) > 2000:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "备注最多 2000 字")
    await request.app.state.supervision.record_call(supervision_pb2.RecordFollowUpCallRequest(
        call_id=call_id, outcome=api.OUTCOMES[outcome], note=note, recorded_by=viewer.principal.actor))
    return redirect(f"/ops/follow-up-calls?recorded={quote(call_id, safe='')}")
