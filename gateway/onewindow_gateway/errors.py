"""One error format for every 4xx/5xx: {"detail": …, "errors": [{"field", "message"}]}, and a
request-body cap answered with 413 before the body is read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _plain(error: dict[str, Any]) -> str:
    kind, message = error.get("type", ""), error.get("msg", "is invalid")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field; remove it"
    if kind == "literal_error":
        return message.replace("Input should be", "must be")
    return message.replace("Input should", "should").replace("String should", "should")


def plain_errors(errors: Sequence[Any]) -> dict[str, str]:
    """Pydantic's errors as {dotted field: message}, worded as the API words them."""
    return {_field_path(tuple(e["loc"])): _plain(e) for e in errors}


# Renders an error as a page for a request to a page (None: answer JSON as the API does).
PageError = Callable[[Request, int, str, "Mapping[str, str] | None"], Response | None]


def install_error_handlers(app: FastAPI, page_error: PageError | None = None) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": _field_path(tuple(e["loc"])), "message": _plain(e)} for e in exc.errors()]
        page = page_error(request, 422, "; ".join(f"{e['field']}: {e['message']}" for e in errors), None) \
            if page_error else None
        return page or JSONResponse(status_code=422, content={"detail": "the request is invalid", "errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        page = page_error(request, exc.status_code, str(exc.detail), headers) if page_error else None
        return page or JSONResponse(status_code=exc.status_code, content={"detail": exc.detail, "errors": []},
                                    headers=headers)


class BodySizeLimit:
    """ASGI middleware: refuse bodies over `max_bytes` with 413, by header or while streaming."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        response = JSONResponse(status_code=413, content={
            "detail": f"the request body is larger than {self.max_bytes} bytes", "errors": []})
        await response({"type": "http"}, _no_receive, send)


class _TooLarge(Exception):
    pass


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
