"""gRPC plumbing shared by servers and clients: trace context in call metadata and a
server span per call, so the gateway's request and the service's work are one trace; and client
channels that spread calls over every instance of a service."""

from __future__ import annotations

import ipaddress
import json
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


# Every call goes to the next ready instance (round robin over all the addresses the target names);
# a call that finds its instance gone (UNAVAILABLE: the process died, the pod is being replaced)
# is tried again on another one. Only UNAVAILABLE, which means the call was not processed or
# every method is idempotent anyway (submissions carry an Idempotency-Key, callbacks their id).
SERVICE_CONFIG = json.dumps({
    "loadBalancingConfig": [{"round_robin": {}}],
    "methodConfig": [{"name": [{}], "retryPolicy": {
        "maxAttempts": 3, "initialBackoff": "0.05s", "maxBackoff": "0.5s", "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"]}}],
})
CLIENT_OPTIONS = [("grpc.service_config", SERVICE_CONFIG), ("grpc.enable_retries", 1)]


def client_target(address: str) -> str:
    """The gRPC target for a service's address setting: `host:port` (a name's every address, as
    DNS gives them: a Kubernetes headless Service, a compose service with replicas), a list
    `10.0.0.5:50051,10.0.0.6:50051` of IP addresses, or a gRPC target as is (`dns:///…`, `ipv4:…`)."""
    address = address.strip()
    if "," not in address:
        return address
    parts = [part.strip() for part in address.split(",") if part.strip()]
    families = set()
    for part in parts:
        host, _, port = part.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"{part!r} in {address!r} has no port")
        try:
            families.add(ipaddress.ip_address(host.strip("[]")).version)
        except ValueError:
            raise ValueError(f"{address!r}: a list of addresses must be IP:port pairs; for names use one name "
                             "that resolves to every instance (DNS), e.g. dns:///intake:50051") from None
    if len(families) != 1:
        raise ValueError(f"{address!r}: mix of IPv4 and IPv6 addresses")
    return f"ipv{families.pop()}:{','.join(parts)}"
