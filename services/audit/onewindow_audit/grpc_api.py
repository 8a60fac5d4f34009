"""onewindow.audit.v1.AuditService: a case's timeline, verification of the whole chain, and the
spans of one trace from the span store."""

from __future__ import annotations

import re
from collections.abc import Callable

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from google.protobuf.timestamp_pb2 import Timestamp

from onewindow.audit.v1 import audit_pb2, audit_pb2_grpc
from onewindow.common.v1.types_pb2 import Actor, ActorKind
from onewindow_platform.rpc import server_span
from onewindow_platform.tracing import APPLICATION_ID_ATTRIBUTE

from .span_store import SpanStore
from .storage import AuditStore

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


def _timestamp(value: str) -> Timestamp:
    stamp = Timestamp()
    stamp.FromJsonString(value.replace("+00:00", "Z"))
    return stamp


def _actor(text: str) -> Actor:
    kind, _, identity = text.partition(":")
    return Actor(kind=ActorKind.Value(f"ACTOR_KIND_{kind.upper()}") if kind else 0, id=identity)


class AuditApi(audit_pb2_grpc.AuditServiceServicer):
    def __init__(self, store: AuditStore, spans: SpanStore, keys: Callable[[], dict[str, Ed25519PublicKey]]) -> None:
        self.store = store
        self.spans = spans
        self.keys = keys

    def GetTimeline(self, request: audit_pb2.GetTimelineRequest,
                    context: grpc.ServicerContext) -> audit_pb2.GetTimelineResponse:
        with server_span(context, "AuditService/GetTimeline", **{APPLICATION_ID_ATTRIBUTE: request.application_id}):
            try:
                records = self.store.timeline(request.application_id)
            except self.store.db.transient_errors as exc:  # the store is away: try again later
                context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))
            return audit_pb2.GetTimelineResponse(application_id=request.application_id, entries=[
                audit_pb2.TimelineEntry(sequence=r.sequence, occurred_at=_timestamp(r.occurred_at),
                                        recorded_at=_timestamp(r.recorded_at), source=r.source,
                                        event_type=r.event_type, actor=_actor(r.actor), event_id=r.event_id,
                                        trace_id=r.trace_id, span_id=r.span_id) for r in records])

    def VerifyChain(self, request: audit_pb2.VerifyChainRequest,
                    context: grpc.ServicerContext) -> audit_pb2.VerifyChainResponse:
        with server_span(context, "AuditService/VerifyChain"):
            try:
                verdict = self.store.verify(self.keys())
            except self.store.db.transient_errors as exc:  # the store is away: try again later
                context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))
            return audit_pb2.VerifyChainResponse(
                ok=verdict.ok, records_checked=verdict.records_checked,
                first_bad_sequence=verdict.first_bad_sequence, problem=verdict.problem,
                checkpoint_sequence=verdict.checkpoint_sequence, checkpoints_checked=verdict.checkpoints_checked,
                archived_through=verdict.archived_through)

    def GetTrace(self, request: audit_pb2.GetTraceRequest,
                 context: grpc.ServicerContext) -> audit_pb2.GetTraceResponse:
        with server_span(context, "AuditService/GetTrace"):
            if not TRACE_ID.match(request.trace_id):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "trace_id must be 32 lower-case hex digits")
            return audit_pb2.GetTraceResponse(trace_id=request.trace_id, spans=[
                audit_pb2.SpanRecord(trace_id=s.trace_id, span_id=s.span_id, parent_span_id=s.parent_span_id,
                                     name=s.name, kind=s.kind, service=s.service, start_unix_nano=s.start_unix_nano,
                                     end_unix_nano=s.end_unix_nano, status=s.status, attributes=s.attributes)
                for s in self.spans.trace(request.trace_id)])
