"""OpenTelemetry set-up and W3C trace context carried in Kafka record headers.

One application is one trace: the outbox stores the `traceparent` of the span that staged an
event (a handler's "process <topic>" span, the gateway's request) and the relay puts it in the
record's headers as it stands; the consumer extracts it and makes its "process <topic>" span a
child of that span. The relay adds no span of its own per record (it would double the spans of a
case for a fact the gap between the two spans already shows: how long the event took to arrive).
Only trace context and debugging ids travel in headers, never personal data.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from .config import PlatformSettings

Headers = list[tuple[str, bytes]]

APPLICATION_ID_ATTRIBUTE = "onewindow.application.id"
EVENT_ID_HEADER = "ow-event-id"
EVENT_TYPE_HEADER = "ow-event-type"

# FastAPI (0.16x) traces requests by itself once a tracer provider is installed: a second server
# span per request beside the one our ASGI middleware opens, and spans of its own for the
# dependencies, the endpoint and the serialization (11 of the 64 spans of a case). Our apps pass
# `FastAPI(telemetry=FASTAPI_TELEMETRY_OFF)` and keep their one span per request.
FASTAPI_TELEMETRY_OFF: dict[str, bool] = {"tracing": False, "metrics": False, "logs": False,
                                          "operation_spans": False}

_propagator = TraceContextTextMapPropagator()
_provider_lock = threading.Lock()
_provider: TracerProvider | None = None


class JsonLinesSpanExporter(SpanExporter):
    """Appends finished spans as JSON lines to a file (tests and the local span store)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in shutdown
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = [json.dumps(span_to_dict(span), ensure_ascii=False) for span in spans]
        with self._lock:
            self._file.write("\n".join(lines) + "\n")
            self._file.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        with self._lock:
            self._file.close()


def span_to_dict(span: ReadableSpan) -> dict[str, object]:
    ctx = span.get_span_context()
    parent = span.parent
    return {
        "name": span.name,
        "kind": span.kind.name if span.kind else None,
        "trace_id": f"{ctx.trace_id:032x}" if ctx else None,
        "span_id": f"{ctx.span_id:016x}" if ctx else None,
        "parent_span_id": f"{parent.span_id:016x}" if parent else None,
        "links": [f"{link.context.trace_id:032x}/{link.context.span_id:016x}" for link in span.links],
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": span.status.status_code.name,
        "service": span.resource.attributes.get("service.name"),
        "attributes": dict(span.attributes or {}),
    }


def setup_tracing(settings: PlatformSettings) -> TracerProvider:
    return install_tracing(settings.service_name, settings.otlp_endpoint, settings.trace_file,
                           settings.trace_sampling_ratio)


def install_tracing(service_name: str, otlp_endpoint: str | None = None, trace_file: Path | None = None,
                    sampling_ratio: float = 1.0) -> TracerProvider:
    """Install the process's tracer provider once: OTLP/gRPC when an endpoint is configured (the
    audit service's span store under `make run`, Jaeger or a collector elsewhere), a JSON-lines
    file when OW_TRACE_FILE is set, otherwise spans are created (for context propagation) and
    dropped. Sampling follows the caller's decision, so a case is traced whole or not at all."""
    global _provider
    with _provider_lock:
        if _provider is not None:
            return _provider
        provider = TracerProvider(
            resource=Resource.create({"service.name": service_name}),
            sampler=ParentBased(TraceIdRatioBased(sampling_ratio)),
        )
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
        if trace_file:
            provider.add_span_processor(
                BatchSpanProcessor(JsonLinesSpanExporter(trace_file), schedule_delay_millis=200)
            )
        trace.set_tracer_provider(provider)
        propagate.set_global_textmap(_propagator)
        _provider = provider
        return provider


def shutdown_tracing() -> None:
    global _provider
    with _provider_lock:
        if _provider is not None:
            _provider.shutdown()
            _provider = None


def tracer(name: str = "onewindow") -> trace.Tracer:
    return trace.get_tracer(name)


def inject_carrier(ctx: otel_context.Context | None = None) -> dict[str, str]:
    """W3C trace context of `ctx` (or the current span) as a str->str carrier."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=ctx)
    return carrier


def extract_carrier(carrier: dict[str, str]) -> otel_context.Context:
    return _propagator.extract(carrier)


def current_traceparent() -> str:
    """The W3C traceparent of the current span ('' when there is none)."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent", "")


def context_from_traceparent(traceparent: str | None) -> otel_context.Context | None:
    if not traceparent:
        return None
    return _propagator.extract({"traceparent": traceparent})


def record_headers(event_id: str, event_type: str, ctx: otel_context.Context | None = None,
                   traceparent: str | None = None) -> Headers:
    """Headers for a produced record: the given `traceparent` (what the outbox stored when the
    event was staged), else the trace context of `ctx` (or the current span); plus ids."""
    if traceparent is not None:
        headers = [("traceparent", traceparent.encode())] if traceparent else []
    else:
        carrier: dict[str, str] = {}
        _propagator.inject(carrier, context=ctx)
        headers = [(key, value.encode()) for key, value in carrier.items()]
    headers.append((EVENT_ID_HEADER, event_id.encode()))
    headers.append((EVENT_TYPE_HEADER, event_type.encode()))
    return headers


def context_from_headers(headers: Iterable[tuple[str, bytes]] | None) -> otel_context.Context:
    carrier = {key: value.decode("latin-1") for key, value in headers or ()
               if key in ("traceparent", "tracestate") and value is not None}
    return _propagator.extract(carrier)


def trace_id_hex(span: trace.Span | None = None) -> str:
    ctx = (span or trace.get_current_span()).get_span_context()
    return f"{ctx.trace_id:032x}" if ctx.is_valid else ""
