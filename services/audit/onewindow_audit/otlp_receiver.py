"""An OTLP/gRPC trace receiver (opentelemetry.proto.collector.trace.v1.TraceService) on the audit
service's gRPC port: services export their spans here with the stock OTLP exporter
(`OTEL_EXPORTER_OTLP_ENDPOINT=http://<audit>`), exactly as they would to Jaeger or a collector."""

from __future__ import annotations

import logging

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from .span_forwarder import SpanForwarder
from .span_store import SpanStore, StoredSpan

log = logging.getLogger(__name__)

_KINDS = {Span.SPAN_KIND_INTERNAL: "INTERNAL", Span.SPAN_KIND_SERVER: "SERVER", Span.SPAN_KIND_CLIENT: "CLIENT",
          Span.SPAN_KIND_PRODUCER: "PRODUCER", Span.SPAN_KIND_CONSUMER: "CONSUMER"}
_STATUS = {Status.STATUS_CODE_OK: "OK", Status.STATUS_CODE_ERROR: "ERROR"}


def _text(value: AnyValue) -> str:
    which = value.WhichOneof("value")
    if which is None:
        return ""
    if which in ("array_value", "kvlist_value", "bytes_value"):
        return str(getattr(value, which)).strip()
    return str(getattr(value, which))


def spans_of(request: trace_service_pb2.ExportTraceServiceRequest) -> list[StoredSpan]:
    spans = []
    for resource_spans in request.resource_spans:
        resource = {kv.key: _text(kv.value) for kv in resource_spans.resource.attributes}
        service = resource.get("service.name", "unknown")
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(StoredSpan(
                    trace_id=span.trace_id.hex(), span_id=span.span_id.hex(), parent_span_id=span.parent_span_id.hex(),
                    name=span.name, kind=_KINDS.get(span.kind, "UNSPECIFIED"), service=service,
                    start_unix_nano=span.start_time_unix_nano, end_unix_nano=span.end_time_unix_nano,
                    status=_STATUS.get(span.status.code, "UNSET"),
                    attributes={kv.key: _text(kv.value) for kv in span.attributes}))
    return spans


class OtlpTraceReceiver(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, store: SpanStore, forwarder: SpanForwarder | None = None) -> None:
        self.store = store
        self.forwarder = forwarder

    def Export(self, request: trace_service_pb2.ExportTraceServiceRequest,
               context: grpc.ServicerContext) -> trace_service_pb2.ExportTraceServiceResponse:
        # No span of our own here: tracing the export of spans would feed itself.
        if self.forwarder is not None:
            self.forwarder.offer(request)
        try:
            self.store.add(spans_of(request))
        except Exception as exc:  # the exporter retries UNAVAILABLE; say what went wrong
            log.warning("span store write failed", extra={"error": str(exc)})
            context.abort(grpc.StatusCode.UNAVAILABLE, "span store unavailable")
        return trace_service_pb2.ExportTraceServiceResponse()
