"""gRPC plumbing shared by servers and clients: trace context in call metadata and a
server span per call, so the gateway's request and the service's work are one trace."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import contextmanager

import grpc
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from .tracing import extract_carrier, inject_carrier, tracer


def outgoing_metadata() -> list[tuple[str, str]]:
    """Metadata carrying the current trace context for an outgoing call."""
    return list(inject_carrier().items())


@contextmanager
def server_span(context: grpc.ServicerContext, method: str, **attributes: str) -> Iterator[trace.Span]:
    carrier = {k: v for k, v in context.invocation_metadata() if k in ("traceparent", "tracestate")}
    parent = extract_carrier(carrier)
    with tracer("onewindow.rpc").start_as_current_span(
        method, context=parent, kind=SpanKind.SERVER,
        attributes={"rpc.system": "grpc", "rpc.method": method, **attributes},
    ) as span:
        try:
            yield span
        except Exception as exc:
            if not isinstance(exc, grpc.RpcError):
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise


def make_server(max_workers: int = 8) -> grpc.Server:
    return grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
                       options=[("grpc.max_receive_message_length", 1 * 1024 * 1024)])


def grpc_server(address: str, register: Callable[[grpc.Server], None]) -> Callable[[], None]:
    """Start a gRPC server on `address` with the services `register` adds; returns its stop."""
    server = make_server()
    register(server)
    if server.add_insecure_port(address) == 0:
        raise OSError(f"cannot listen for gRPC on {address}: is another process using it?")
    server.start()

    def stop() -> None:
        server.stop(grace=5).wait()

    return stop
