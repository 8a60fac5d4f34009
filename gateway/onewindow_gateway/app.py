"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware

from onewindow_catalog import load_catalog
from onewindow_platform.personal_data import Pseudonyms
from onewindow_platform.tracing import FASTAPI_TELEMETRY_OFF

from . import health
from .agency_auth import SeenSignatures
from .auth import TokenStore
from .errors import BodySizeLimit, install_error_handlers
from .pages import install_pages
from .pages.web import error_page, is_page_path
from .rate_limit import RateLimiter
from .routes import agency, applications, catalog, ledger, me, ops, providers, satisfaction, supervision
from .rpc_clients import (
    AdapterClient,
    AuditClient,
    IntakeClient,
    LedgerClient,
    NotificationClient,
    SupervisionClient,
)
from .schemas import ErrorOut
from .settings import GatewaySettings
from .tracing_middleware import TraceRequests

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text} for code, text in (
        (401, "No or unknown credentials"), (403, "Not allowed for this role"), (404, "Not found, or not yours"),
        (413, "Request body too large"), (422, "The request is invalid"),
        (429, "Too many requests; see Retry-After"), (503, "A service is unavailable; see Retry-After"))}


def page_error(request: Request, status_code: int, detail: str, headers: Mapping[str, str] | None) -> Response | None:
    return error_page(request, status_code, detail, headers) if is_page_path(request.url.path) else None


def create_app(settings: GatewaySettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await app.state.intake.close()
        await app.state.adapter.close()
        await app.state.notification.close()
        await app.state.audit.close()
        await app.state.supervision.close()
        await app.state.ledger.close()

    docs = settings.gateway_docs  # production turns the interactive docs and the schema off
    app = FastAPI(
        title="onewindow gateway",
        version="0.1.0",
        description="One window for cross-agency government services (一窗受理 · 一网通办).",
        lifespan=lifespan,
        docs_url="/docs" if docs else None, redoc_url=None, openapi_url="/openapi.json" if docs else None,
        telemetry=FASTAPI_TELEMETRY_OFF,
    )
    app.state.settings = settings
    app.state.tokens = TokenStore.from_file(settings.gateway_tokens_file)
    app.state.catalog = load_catalog(settings.catalog_dir)
    app.state.pseudonyms = Pseudonyms.from_environment(settings.data_dir)
    app.state.intake = IntakeClient(settings.intake_grpc_address, settings.grpc_timeout_s)
    app.state.adapter = AdapterClient(settings.adapter_grpc_address, settings.grpc_timeout_s)
    app.state.notification = NotificationClient(settings.notification_grpc_address, settings.grpc_timeout_s)
    app.state.audit = AuditClient(settings.audit_grpc_address, settings.grpc_timeout_s)
    app.state.supervision = SupervisionClient(settings.supervision_grpc_address, settings.grpc_timeout_s)
    app.state.ledger = LedgerClient(settings.supervision_grpc_address, settings.grpc_timeout_s)
    app.state.seen_signatures = SeenSignatures()
    app.state.rate_limit = RateLimiter.share_of(settings.rate_limit_per_s, settings.rate_limit_burst,
                                                settings.gateway_processes)
    app.state.auth_failure_limit = RateLimiter.share_of(settings.auth_failures_per_min / 60,
                                                        settings.auth_failures_per_min, settings.gateway_processes)
    install_error_handlers(app, page_error)
    install_pages(app, settings)
    app.add_middleware(TraceRequests)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    origins = [o.strip() for o in settings.gateway_cors_origins.split(",") if o.strip()]
    if origins:  # no CORS headers at all unless origins are named
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST", "PUT"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key"], max_age=600)
    app.include_router(health.router)
    for router in (applications.router, catalog.router, agency.router, ops.router, me.router, providers.router,
                   satisfaction.router, supervision.router, ledger.router):
        # The contract documents the one error format every error answer has (422 included,
        # instead of FastAPI's default validation-error schema).
        app.include_router(router, responses=ERROR_RESPONSES)
    return app
