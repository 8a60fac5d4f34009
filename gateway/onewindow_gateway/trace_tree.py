"""Turns a trace's flat spans into the tree an ops engineer reads: each span with its duration
and its offset from the start of the trace, children in start order. The gap between a parent's
start and a child's start is where the case waited (a queue, a retry, an agency)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from pydantic import BaseModel


class SpanLike(Protocol):
    span_id: str
    parent_span_id: str
    name: str
    kind: str
    service: str
    start_unix_nano: int
    end_unix_nano: int
    status: str

    @property
    def attributes(self) -> Mapping[str, str]: ...


class SpanNodeOut(BaseModel):
    span_id: str
    name: str
    service: str
    kind: str
    status: str
    start_ms: float  # since the trace's first span started
    duration_ms: float
    attributes: dict[str, str]
    children: list[SpanNodeOut]


class TraceOut(BaseModel):
    trace_id: str
    span_count: int
    services: list[str]
    duration_ms: float
    roots: list[SpanNodeOut]


def build_tree(trace_id: str, spans: Sequence[SpanLike]) -> TraceOut:
    if not spans:
        return TraceOut(trace_id=trace_id, span_count=0, services=[], duration_ms=0.0, roots=[])
    t0 = min(s.start_unix_nano for s in spans)
    t1 = max(s.end_unix_nano for s in spans)
    nodes = {s.span_id: SpanNodeOut(
        span_id=s.span_id, name=s.name, service=s.service, kind=s.kind, status=s.status,
        start_ms=_ms(s.start_unix_nano - t0), duration_ms=_ms(s.end_unix_nano - s.start_unix_nano),
        attributes=dict(s.attributes), children=[]) for s in spans}
    roots: list[SpanNodeOut] = []
    for span in sorted(spans, key=lambda s: (s.start_unix_nano, s.span_id)):
        parent = nodes.get(span.parent_span_id)
        # A parent outside the store (not sampled, not yet exported, pruned) leaves its child a root.
        (parent.children if parent is not None and parent is not nodes[span.span_id] else roots).append(
            nodes[span.span_id])
    return TraceOut(trace_id=trace_id, span_count=len(spans), services=sorted({s.service for s in spans}),
                    duration_ms=_ms(t1 - t0), roots=roots)


def _ms(nanoseconds: int) -> float:
    return round(nanoseconds / 1e6, 3)
