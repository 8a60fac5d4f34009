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
    checks: dict[str, str] = {}
    try:
        await asyncio.to_thread(wait_for_broker, settings.kafka_bootstrap_servers, settings.readiness_timeout_s)
        checks["kafka"] = "ok"
    except BrokerUnavailable as exc:
        checks["kafka"] = str(exc)
    intake_ready = await request.app.state.intake.ready(settings.readiness_timeout_s)
    checks["intake"] = "ok" if intake_ready else f"no answer at {settings.intake_grpc_address}"
    adapter_ready = await request.app.state.adapter.ready(settings.readiness_timeout_s)
    checks["department_adapter"] = "ok" if adapter_ready else f"no answer at {settings.adapter_grpc_address}"
    if all(value == "ok" for value in checks.values()):
        return JSONResponse(content={"status": "ready", **checks})
    return JSONResponse(status_code=503, content={"status": "unavailable", **checks}, headers={"Retry-After": "5"})
