"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from onewindow_catalog import load_catalog
from onewindow_platform.personal_data import PersonalDataCipher

from . import health
from .agency_auth import SeenSignatures
from .auth import TokenStore
from .errors import BodySizeLimit, install_error_handlers
from .routes import agency, applications, catalog, me, ops, providers, satisfaction
from .rpc_clients import AdapterClient, AuditClient, IntakeClient, NotificationClient
from .settings import GatewaySettings
from .tracing_middleware import trace_requests


def create_app(settings: GatewaySettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.intake.close()
        app.state.adapter.close()
        app.state.notification.close()
        app.state.audit.close()

    app = FastAPI(
        title="onewindow gateway",
        version="0.1.0",
        description="One window for cross-agency government services (一窗受理 · 一网通办).",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.tokens = TokenStore.from_file(settings.gateway_tokens_file)
    app.state.catalog = load_catalog(settings.catalog_dir)
    app.state.cipher = PersonalDataCipher.from_environment(settings.data_dir)
    app.state.intake = IntakeClient(settings.intake_grpc_address, settings.grpc_timeout_s)
    app.state.adapter = AdapterClient(settings.adapter_grpc_address, settings.grpc_timeout_s)
    app.state.notification = NotificationClient(settings.notification_grpc_address, settings.grpc_timeout_s)
    app.state.audit = AuditClient(settings.audit_grpc_address, settings.grpc_timeout_s)
    app.state.seen_signatures = SeenSignatures()
    install_error_handlers(app)
    app.middleware("http")(trace_requests)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    app.include_router(applications.router)
    app.include_router(catalog.router)
    app.include_router(agency.router)
    app.include_router(ops.router)
    app.include_router(me.router)
    app.include_router(providers.router)
    app.include_router(satisfaction.router)
    return app
