"""Forwards the spans the receiver took to another OTLP/gRPC endpoint (Jaeger, a collector), so
the project's span store and an ops team's tracing backend see the same traces. Spans are
diagnostics: when the backend is down or slow, batches are dropped (and counted), never allowed
to hold up the services that export them."""

from __future__ import annotations

import logging
import queue
import threading
import time

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

log = logging.getLogger(__name__)


def grpc_target(endpoint: str) -> str:
    """'http://jaeger:4317' → 'jaeger:4317' (OTLP endpoints are written as URLs)."""
    return endpoint.split("://", 1)[-1].rstrip("/")


class SpanForwarder:
    def __init__(self, endpoint: str, max_batches: int = 1000, timeout_s: float = 5.0) -> None:
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self.channel = grpc.insecure_channel(grpc_target(endpoint))
        self.stub = trace_service_pb2_grpc.TraceServiceStub(self.channel)
        self.pending: queue.Queue[trace_service_pb2.ExportTraceServiceRequest | None] = queue.Queue(max_batches)
        self.forwarded = 0
        self.dropped = 0
        self._last_warning = 0.0
        self._thread = threading.Thread(target=self._run, name="span-forwarder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def offer(self, request: trace_service_pb2.ExportTraceServiceRequest) -> None:
        try:
            self.pending.put_nowait(request)
        except queue.Full:
            self._drop("queue full")

    def stop(self) -> None:
        self.pending.put(None)
        self._thread.join(timeout=self.timeout_s + 1)
        self.channel.close()

    def _run(self) -> None:
        while (request := self.pending.get()) is not None:
            try:
                self.stub.Export(request, timeout=self.timeout_s)
                self.forwarded += 1
            except grpc.RpcError as exc:
                self._drop(exc.code().name)

    def _drop(self, why: str) -> None:
        self.dropped += 1
        if time.monotonic() - self._last_warning > 60:  # one warning a minute, not one per batch
            self._last_warning = time.monotonic()
            log.warning("spans not forwarded", extra={"endpoint": self.endpoint, "reason": why,
                                                      "dropped_batches": self.dropped})
