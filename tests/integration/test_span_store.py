"""The span store behind GET /api/v1/ops/traces: spans exported by the stock OTLP/gRPC exporter
reach a real gRPC receiver, are stored once with their parents, forwarded to a second OTLP
backend (where Jaeger would be), pruned after the retention period, and read back as a tree."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from onewindow_audit.otlp_receiver import OtlpTraceReceiver
from onewindow_audit.span_forwarder import SpanForwarder
from onewindow_audit.span_store import SpanStore
from onewindow_gateway.trace_tree import build_tree
from onewindow_platform.rpc import make_server
from onewindow_platform.storage import Database, SqliteDatabase
from tests.support.processes import wait_until
from tests.support.stack import free_port


def serve(receiver: OtlpTraceReceiver) -> tuple[grpc.Server, str]:
    server = make_server(max_workers=4)
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(receiver, server)
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture
def receivers(tmp_path: Path, database: Database) -> Iterator[tuple[SpanStore, SpanStore, str, SpanForwarder]]:
    backend_store = SpanStore(SqliteDatabase(tmp_path / "backend.db"), retention_days=7)
    backend, backend_url = serve(OtlpTraceReceiver(backend_store))
    store = SpanStore(database, retention_days=7)  # the audit's own store, on each back-end
    forwarder = SpanForwarder(backend_url)
    forwarder.start()
    audit, audit_url = serve(OtlpTraceReceiver(store, forwarder))
    yield store, backend_store, audit_url, forwarder
    audit.stop(0)
    forwarder.stop()
    backend.stop(0)


def export_case(endpoint: str, service: str) -> tuple[str, OTLPSpanExporter]:
    exporter = OTLPSpanExporter(endpoint=endpoint)
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests")
    with (tracer.start_as_current_span("POST /api/v1/applications", kind=SpanKind.SERVER,
                                       attributes={"onewindow.application.id": "110101-20261126-00009"}) as root,
          tracer.start_as_current_span("send onewindow.applications.v1", kind=SpanKind.PRODUCER,
                                       attributes={"onewindow.department.code": "110101-scjgj", "retries": 2})):
        time.sleep(0.01)
    provider.shutdown()
    return f"{root.get_span_context().trace_id:032x}", exporter


def test_exported_spans_are_stored_once_forwarded_and_read_back_as_a_tree(receivers) -> None:
    store, backend_store, endpoint, forwarder = receivers
    trace_id, _ = export_case(endpoint, "ow-gateway")
    spans = store.trace(trace_id)
    assert [s.name for s in spans] == ["POST /api/v1/applications", "send onewindow.applications.v1"]
    root, child = spans
    assert child.parent_span_id == root.span_id and root.parent_span_id == ""
    assert (root.service, root.kind, child.kind) == ("ow-gateway", "SERVER", "PRODUCER")
    assert child.attributes == {"onewindow.department.code": "110101-scjgj", "retries": "2"}
    assert child.end_unix_nano - child.start_unix_nano >= 10_000_000

    tree = build_tree(trace_id, spans)
    assert tree.span_count == 2 and len(tree.roots) == 1
    assert tree.roots[0].children[0].name == "send onewindow.applications.v1"
    assert tree.roots[0].children[0].duration_ms >= 10

    wait_until(lambda: len(backend_store.trace(trace_id)) == 2, 10, "the spans were not forwarded")
    assert forwarder.dropped == 0


def test_a_re_exported_batch_is_stored_once_and_old_spans_are_pruned(receivers) -> None:
    store, _, endpoint, _ = receivers
    trace_id, _ = export_case(endpoint, "ow-intake")
    rows = store.trace(trace_id)
    store.add(rows)  # an exporter retry delivers the same spans again
    assert len(store.trace(trace_id)) == 2
    assert store.prune(now_ns=time.time_ns()) == 0
    assert store.prune(now_ns=time.time_ns() + 8 * 86400 * 10**9) >= 2
    assert store.trace(trace_id) == []


def test_a_child_whose_parent_is_missing_stays_visible_as_a_root() -> None:
    from onewindow_audit.span_store import StoredSpan

    spans = [StoredSpan("t" * 32, "a" * 16, "", "root", "SERVER", "ow-gateway", 0, 5_000_000, "OK"),
             StoredSpan("t" * 32, "b" * 16, "f" * 16, "orphan", "CONSUMER", "ow-routing", 1_000_000, 2_000_000, "OK")]
    tree = build_tree("t" * 32, spans)
    assert [r.name for r in tree.roots] == ["root", "orphan"] and tree.roots[1].start_ms == 1.0


def test_forwarding_to_a_dead_backend_drops_batches_without_blocking(tmp_path: Path) -> None:
    store = SpanStore(SqliteDatabase(tmp_path / "spans.db"), retention_days=7)
    forwarder = SpanForwarder(f"http://127.0.0.1:{free_port()}", timeout_s=0.5)
    forwarder.start()
    server, endpoint = serve(OtlpTraceReceiver(store, forwarder))
    try:
        started = time.monotonic()
        trace_id, _ = export_case(endpoint, "ow-routing")
        assert time.monotonic() - started < 5
        assert len(store.trace(trace_id)) == 2  # the project's own store has them regardless
        wait_until(lambda: forwarder.dropped >= 1, 10, "the failed forward was not counted")
    finally:
        server.stop(0)
        forwarder.stop()
