"""onewindow.supervision.v1.SupervisionService: rankings and indicators read from the monthly
counters (one small query per call, never a scan of the cases), and the 回访 team's calls."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import grpc

from onewindow.common.v1.types_pb2 import Actor
from onewindow.supervision.v1 import supervision_pb2, supervision_pb2_grpc
from onewindow.supervision.v1.events_pb2 import FollowUpCallRecorded, FollowUpOutcome
from onewindow.supervision.v1.supervision_pb2 import Scope
from onewindow_catalog import Catalog
from onewindow_catalog.catalog import region_prefix
from onewindow_platform.events import build_envelope, derived_id
from onewindow_platform.outbox import add_to_outbox
from onewindow_platform.rpc import server_span
from onewindow_platform.storage import Database
from onewindow_platform.tracing import APPLICATION_ID_ATTRIBUTE

from . import storage
from .domain.indicators import Counters, composite, rates
from .domain.policy import Policy
from .domain.rankings import rank, ranking_csv, red_and_black
from .settings import SupervisionSettings

SCOPES = {Scope.SCOPE_DEPARTMENT: "department", Scope.SCOPE_REGION: "region"}
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
OUTCOMES = frozenset(FollowUpOutcome.values()) - {FollowUpOutcome.FOLLOW_UP_OUTCOME_UNSPECIFIED}
NOTE_LIMIT = 2000


def names(catalog: Catalog) -> dict[str, str]:
    """Department and region names by code (the codes never clash: departments have a dot)."""
    return {**{c: r.name for c, r in catalog.regions.items()}, **{c: d.name for c, d in catalog.departments.items()}}


def _fill(message: supervision_pb2.Indicators, month: str, code: str, name: str, c: Counters,
          score: float | None) -> None:
    message.month, message.code, message.name = month, code, name
    if score is not None:
        message.score = score
    for key, value in rates(c).items():
        if value is not None:
            message.rates[key] = value
    message.counters.CopyFrom(supervision_pb2.Counters(**vars(c)))


def _iso(at: str) -> dt.datetime:
    return dt.datetime.fromisoformat(at)


class SupervisionApi(supervision_pb2_grpc.SupervisionServiceServicer):
    def __init__(self, settings: SupervisionSettings, db: Database, policy: Policy, catalog: Catalog,
                 wake_relay: Callable[[], None]) -> None:
        self.settings, self.db, self.policy = settings, db, policy
        self.names = names(catalog)
        self.wake_relay = wake_relay

    def _scope(self, scope: int, context: grpc.ServicerContext) -> str:
        if scope not in SCOPES:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "scope: department or region")
        return SCOPES[scope]

    @staticmethod
    def _month(value: str, field: str, context: grpc.ServicerContext) -> str:
        if not MONTH.fullmatch(value):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"{field}: a month as YYYY-MM")
        return value

    def GetRanking(self, request: supervision_pb2.GetRankingRequest,
                   context: grpc.ServicerContext) -> supervision_pb2.GetRankingResponse:
        with server_span(context, "SupervisionService/GetRanking"):
            month = self._month(request.month, "month", context)
            scope = self._scope(request.scope, context)
            if not request.level:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "level: the level ranked (city, district, street …)")
            with self.db.transaction() as tx:
                found = storage.counters(tx, month, scope, int(request.level))
            ranked = rank(found, self.policy.weights)
            red, black = red_and_black(ranked, self.policy.list_size)
            response = supervision_pb2.GetRankingResponse(red_list=[r.code for r in red],
                                                          black_list=[r.code for r in black],
                                                          weights=dict(self.policy.weights))
            for r in ranked:
                entry = response.ranking.add(rank=r.rank)
                _fill(entry.indicators, month, r.code, self.names.get(r.code, ""), found[r.code], r.score)
            if request.csv:
                response.csv = ranking_csv(ranked, self.names)
            return response

    def GetIndicatorHistory(self, request: supervision_pb2.GetIndicatorHistoryRequest,
                            context: grpc.ServicerContext) -> supervision_pb2.GetIndicatorHistoryResponse:
        with server_span(context, "SupervisionService/GetIndicatorHistory"):
            scope = self._scope(request.scope, context)
            first = self._month(request.from_month, "from_month", context)
            last = self._month(request.to_month, "to_month", context)
            if not request.code:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "code: the department or region")
            with self.db.transaction() as tx:
                months = storage.history(tx, scope, request.code, first, last)
            response = supervision_pb2.GetIndicatorHistoryResponse()
            for month, c in months.items():
                _fill(response.months.add(), month, request.code, self.names.get(request.code, ""), c,
                      composite(rates(c), self.policy.weights))
            return response

    def ListFollowUpCalls(self, request: supervision_pb2.ListFollowUpCallsRequest,
                          context: grpc.ServicerContext) -> supervision_pb2.ListFollowUpCallsResponse:
        with server_span(context, "SupervisionService/ListFollowUpCalls"):
            with self.db.transaction() as tx:
                calls = storage.follow_up_calls(
                    tx, open_only=request.open_only,
                    region_prefix=region_prefix(request.region_code) if request.region_code else "",
                    limit=min(request.page_size or 100, 500), application_id=request.application_id)
            response = supervision_pb2.ListFollowUpCallsResponse()
            for call in calls:
                out = response.calls.add(call_id=call.call_id, application_id=call.application_id,
                                         region_code=call.region_code, reason=call.reason, outcome=call.outcome,
                                         note=call.note, recorded_by=call.recorded_by)
                out.due_at.FromDatetime(_iso(call.due_at))
                if call.recorded_at:
                    out.recorded_at.FromDatetime(_iso(call.recorded_at))
            return response

    def RecordFollowUpCall(self, request: supervision_pb2.RecordFollowUpCallRequest,
                           context: grpc.ServicerContext) -> supervision_pb2.RecordFollowUpCallResponse:
        with server_span(context, "SupervisionService/RecordFollowUpCall") as span:
            if request.outcome not in OUTCOMES:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                              "outcome: satisfied, not satisfied, not reached or declined")
            if len(request.note) > NOTE_LIMIT:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"note: at most {NOTE_LIMIT} characters")
            if not request.recorded_by.id:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "recorded_by: who made the call")
            now = dt.datetime.now(dt.UTC)
            event_id = derived_id("follow-up-recorded", request.call_id)
            with self.db.transaction() as tx:
                call = storage.follow_up_call(tx, request.call_id)
                if call is None:
                    context.abort(grpc.StatusCode.NOT_FOUND, f"no 回访 call {request.call_id!r}")
                    raise AssertionError("abort raises")
                if not storage.record_call(tx, call.call_id, request.outcome, request.note, request.recorded_by.id,
                                           now.isoformat()):
                    context.abort(grpc.StatusCode.FAILED_PRECONDITION, "this call's outcome is recorded already")
                add_to_outbox(tx, self.settings, build_envelope(
                    FollowUpCallRecorded(call_id=call.call_id, outcome=request.outcome, note=request.note),
                    application_id=call.application_id, source=self.settings.service_name, event_id=event_id,
                    actor=Actor(kind=request.recorded_by.kind, id=request.recorded_by.id)))
            span.set_attribute(APPLICATION_ID_ATTRIBUTE, call.application_id)
            self.wake_relay()
            return supervision_pb2.RecordFollowUpCallResponse(event_id=event_id)
