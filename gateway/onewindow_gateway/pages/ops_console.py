"""The ops console: the health of every service and each consumer group's lag, a case's trace as
a waterfall and its audit timeline with the chain's verdict, parked deliveries with replay,
dead-letter records per topic with their error and replay, the coordination queue and overdue
tasks. Ops role only."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from kafka.errors import KafkaError

from onewindow.intake.v1 import intake_pb2
from onewindow_platform import bus_inspection
from onewindow_platform.config import PlatformSettings
from onewindow_platform.kafka import BrokerUnavailable, wait_for_broker

from ..routes import applications as cases
from ..trace_tree import SpanNodeOut, TraceOut, build_tree
from . import labels
from .web import redirect, render, require_viewer, signed_in_form

router = APIRouter(prefix="/ops", include_in_schema=False)
CaseId = Annotated[str, Path(max_length=64)]


@dataclass(frozen=True)
class WaterfallRow:
    """One span as a bar: where it starts and how long it lasts, in percent of the whole trace."""

    depth: int
    node: SpanNodeOut
    offset_pct: float
    width_pct: float


def waterfall(trace: TraceOut) -> list[WaterfallRow]:
    total = trace.duration_ms or 1.0
    rows: list[WaterfallRow] = []

    def walk(node: SpanNodeOut, depth: int) -> None:
        offset = 100.0 * node.start_ms / total
        width = max(1.0, 100.0 * node.duration_ms / total)  # a 1 ms span in a 6 s trace stays visible
        rows.append(WaterfallRow(depth, node, round(offset, 2), round(min(width, 100.0 - offset), 2)))
        for child in node.children:
            walk(child, depth + 1)

    for root in trace.roots:
        walk(root, 0)
    return rows


@router.get("", response_class=HTMLResponse)
async def overview(request: Request) -> HTMLResponse:
    viewer = require_viewer(request, "ops")
    state, settings = request.app.state, request.app.state.settings
    timeout = settings.readiness_timeout_s

    async def kafka() -> bool:
        try:
            await asyncio.to_thread(wait_for_broker, settings.kafka_bootstrap_servers, timeout)
            return True
        except BrokerUnavailable:
            return False

    clients = {"intake": state.intake, "department-adapter": state.adapter, "notification": state.notification,
               "audit": state.audit, "supervision": state.supervision}
    answers = await asyncio.gather(kafka(), *(client.ready(timeout) for client in clients.values()))
    health = [("kafka", settings.kafka_bootstrap_servers, answers[0])] + [
        (name, client.address, ok) for (name, client), ok in zip(clients.items(), answers[1:], strict=True)]
    parked = (await state.adapter.parked("")).tasks if answers[2] else []
    lag = await _lag(settings) if answers[0] else []
    coordination, overdue = [], []
    if answers[1]:
        queue = await state.intake.list(intake_pb2.ListApplicationsRequest(task_status="coordination", page_size=50))
        coordination = [cases.application_out(v) for v in queue.applications]
        overdue = await _overdue_tasks(request)
    return render(request, "ops/overview.html", {
        "health": health, "lag": lag, "parked": parked, "coordination": coordination, "overdue": overdue,
        "replayed": request.query_params.get("replayed", "")}, viewer=viewer)


async def _lag(settings: PlatformSettings) -> list[bus_inspection.GroupLag]:
    try:
        return await asyncio.to_thread(bus_inspection.consumer_lag, settings)
    except KafkaError:
        return []


async def _overdue_tasks(request: Request) -> list[dict[str, object]]:
    """Open tasks past their deadline among the newest open cases."""
    now = dt.datetime.now(dt.UTC)
    found: list[dict[str, object]] = []
    for case_status in ("in_progress", "needs_supplement", "routed"):
        page = await request.app.state.intake.list(intake_pb2.ListApplicationsRequest(
            status=cases.STATUS_VALUES[case_status], page_size=100))
        for view in page.applications:
            case = cases.application_out(view)
            for task in case.tasks:
                left = labels.task_left(task, now, request.app.state.calendar)
                if left is not None and left.overdue:
                    found.append({"case": case, "task": task, "left": left})
    return found


@router.get("/find", response_model=None)
async def find_case(request: Request, case: Annotated[str, Query(max_length=64)] = "") -> RedirectResponse:
    require_viewer(request, "ops")
    return redirect(f"/ops/cases/{quote(case.strip(), safe='')}" if case.strip() else "/ops")


@router.get("/cases/{application_id}", response_class=HTMLResponse)
async def case_trace(request: Request, application_id: CaseId) -> HTMLResponse:
    viewer = require_viewer(request, "ops")
    view = await cases.open_case(request, viewer.principal, application_id, "ops: trace and audit opened")
    case = cases.application_out(view)
    timeline = await cases.timeline_entries(request, application_id)
    verdict = await request.app.state.audit.verify()
    trace_ids = list(dict.fromkeys(entry.trace_id for entry in timeline if entry.trace_id))
    trace = None
    if trace_ids:
        spans = (await request.app.state.audit.trace(trace_ids[0])).spans
        trace = build_tree(trace_ids[0], list(spans)) if spans else None
    return render(request, "ops/case.html", {
        "case": case, "timeline": timeline, "verdict": verdict, "trace": trace,
        "rows": waterfall(trace) if trace else [], "other_traces": trace_ids[1:]}, viewer=viewer)


@router.get("/traces/{trace_id}", response_class=HTMLResponse)
async def trace_page(request: Request, trace_id: Annotated[str, Path(pattern="^[0-9a-f]{32}$")]) -> HTMLResponse:
    viewer = require_viewer(request, "ops")
    spans = (await request.app.state.audit.trace(trace_id)).spans
    if not spans:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"span store 中没有 trace {trace_id}")
    trace = build_tree(trace_id, list(spans))
    return render(request, "ops/trace.html", {"trace": trace, "rows": waterfall(trace)}, viewer=viewer)


@router.post("/parked/{task_id}/replay", response_model=None)
async def replay_parked(request: Request, task_id: Annotated[str, Path(max_length=80)]) -> RedirectResponse:
    viewer = require_viewer(request, "ops")
    await signed_in_form(request, viewer)
    await request.app.state.adapter.replay(task_id)
    return redirect(f"/ops?replayed={quote(task_id, safe='')}")


@router.get("/dead-letters", response_class=HTMLResponse)
async def dead_letters(request: Request) -> HTMLResponse:
    viewer = require_viewer(request, "ops")
    settings = request.app.state.settings
    try:
        found = await asyncio.to_thread(bus_inspection.read_dead_letters, settings)
    except KafkaError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"Kafka: {exc}") from None
    topics = [(topic.removeprefix(settings.topic_prefix), records) for topic, records in found.items()]
    return render(request, "ops/dead_letters.html", {
        "topics": topics, "replayed": request.query_params.get("replayed", "")}, viewer=viewer)


@router.post("/dead-letters/replay", response_model=None)
async def replay_dead_letter(request: Request) -> RedirectResponse:
    viewer = require_viewer(request, "ops")
    form = await signed_in_form(request, viewer)
    settings = request.app.state.settings
    try:
        topic = settings.topic_prefix + str(form.get("topic", ""))
        partition, offset = int(str(form.get("partition", ""))), int(str(form.get("offset", "")))
    except ValueError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "partition 与 offset 须为整数") from None
    try:
        to = await asyncio.to_thread(bus_inspection.replay_dead_letter, settings, topic, partition, offset)
    except bus_inspection.NoSuchDeadLetter as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except KafkaError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"Kafka: {exc}") from None
    return redirect(f"/ops/dead-letters?replayed={to.removeprefix(settings.topic_prefix)}:{partition}:{offset}")
