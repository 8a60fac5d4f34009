"""onewindow.audit.v1.AuditService: a case's timeline, and verification of the whole chain."""

from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from onewindow.audit.v1 import audit_pb2, audit_pb2_grpc
from onewindow.common.v1.types_pb2 import Actor, ActorKind
from onewindow_platform.rpc import server_span
from onewindow_platform.storage import Database
from onewindow_platform.tracing import APPLICATION_ID_ATTRIBUTE

from . import storage
from .domain.chain import verify


def _timestamp(value: str) -> Timestamp:
    stamp = Timestamp()
    stamp.FromJsonString(value.replace("+00:00", "Z"))
    return stamp


def _actor(text: str) -> Actor:
    kind, _, identity = text.partition(":")
    return Actor(kind=ActorKind.Value(f"ACTOR_KIND_{kind.upper()}") if kind else 0, id=identity)


class AuditApi(audit_pb2_grpc.AuditServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    def GetTimeline(self, request: audit_pb2.GetTimelineRequest,
                    context: grpc.ServicerContext) -> audit_pb2.GetTimelineResponse:
        with server_span(context, "AuditService/GetTimeline", **{APPLICATION_ID_ATTRIBUTE: request.application_id}):
            records = storage.timeline(self.db.connection(), request.application_id)
            return audit_pb2.GetTimelineResponse(application_id=request.application_id, entries=[
                audit_pb2.TimelineEntry(sequence=r.sequence, occurred_at=_timestamp(r.occurred_at),
                                        recorded_at=_timestamp(r.recorded_at), source=r.source,
                                        event_type=r.event_type, actor=_actor(r.actor), event_id=r.event_id,
                                        trace_id=r.trace_id, span_id=r.span_id) for r in records])

    def VerifyChain(self, request: audit_pb2.VerifyChainRequest,
                    context: grpc.ServicerContext) -> audit_pb2.VerifyChainResponse:
        with server_span(context, "AuditService/VerifyChain"):
            verdict = verify(storage.all_records(self.db.connection()))
            return audit_pb2.VerifyChainResponse(ok=verdict.ok, records_checked=verdict.records_checked,
                                                 first_bad_sequence=verdict.first_bad_sequence,
                                                 problem=verdict.problem)
