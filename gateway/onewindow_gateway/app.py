"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from . import health
from .settings import GatewaySettings


def create_app(settings: GatewaySettings) -> FastAPI:
    app = FastAPI(
        title="onewindow gateway",
        version="0.1.0",
        description="One window for cross-agency government services (一窗受理 · 一网通办).",
    )
    app.state.settings = settings
    app.include_router(health.router)
    return app
