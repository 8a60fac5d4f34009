"""A server span per HTTP request, continuing the caller's W3C trace context if it sent one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from opentelemetry.trace import SpanKind

from onewindow_platform.tracing import extract_carrier, tracer


async def trace_requests(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    carrier = {k: v for k, v in request.headers.items() if k in ("traceparent", "tracestate")}
    route = request.url.path
    with tracer("onewindow.gateway").start_as_current_span(
        f"{request.method} {route}", context=extract_carrier(carrier), kind=SpanKind.SERVER,
        attributes={"http.request.method": request.method, "url.path": route},
    ) as span:
        response = await call_next(request)
        span.set_attribute("http.response.status_code", response.status_code)
        return response
