"""Liveness and readiness endpoints."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from onewindow_platform.kafka import BrokerUnavailable, wait_for_broker

from .settings import GatewaySettings

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Kafka and the gateway's dependencies are reachable")
async def readyz(request: Request) -> JSONResponse:
    settings: GatewaySettings = request.app.state.settings
    try:
        await asyncio.to_thread(wait_for_broker, settings.kafka_bootstrap_servers,
                                settings.readiness_timeout_s)
    except BrokerUnavailable as exc:
        return JSONResponse(status_code=503, content={"status": "unavailable", "kafka": str(exc)},
                            headers={"Retry-After": "5"})
    return JSONResponse(content={"status": "ready", "kafka": "ok"})
