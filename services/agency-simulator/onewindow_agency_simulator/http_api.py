"""HTTP face of the simulator: the agency webhook and the control API.

    POST /agency/{department_code}/tasks              signed webhook (X-OW-Timestamp, X-OW-Signature)
    POST /agency/{department_code}/supplements        signed webhook for supplement material
    POST /agency/{department_code}/notices            signed webhook for supervision notices (预警, 催办, 督办 …)
    PUT  /control/departments/{department_code}       {"mode": "normal|down|slow|garbage", "then":
                                                       "complete|return|supplement|hold", "outcome",
                                                       "delay_s", "slow_s", "reason", "missing_fields"}
    GET  /control/departments/{department_code}       the department's behaviour
    GET  /control/tasks?department_code=&application_id=   tasks received, with receipt counts
    GET  /control/notices?task_id=                    supervision notices received, with receipt counts
    GET  /control/busy                                {"busy": n}: tasks the back office is still working on
    POST /control/tasks/{task_id}/events              make the agency call back now (body as the gateway's)
    POST /control/reset                               every department back to normal
"""

from __future__ import annotations

import asyncio
import json
from typing import Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel

from onewindow_platform.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from onewindow_platform.tracing import FASTAPI_TELEMETRY_OFF

from .agency import Agency, AgencyDown, AnswerGarbage


class BehaviourChange(BaseModel):
    mode: Literal["normal", "down", "slow", "garbage"] | None = None
    then: Literal["complete", "return", "supplement", "hold"] | None = None
    outcome: Literal["approved", "rejected", "resolved"] | None = None
    delay_s: float | None = None
    slow_s: float | None = None
    reason: str | None = None
    missing_fields: list[str] | None = None


def _mapping(value: object) -> dict[str, object]:
    return dict(value) if isinstance(value, dict) else {}


def create_app(agency: Agency, webhook_secret: bytes) -> FastAPI:
    app = FastAPI(title="onewindow agency simulator", telemetry=FASTAPI_TELEMETRY_OFF)

    async def verified_json(request: Request) -> dict[str, object]:
        body = await request.body()
        problem = verify(webhook_secret, body, request.headers.get(TIMESTAMP_HEADER, ""),
                         request.headers.get(SIGNATURE_HEADER, ""))
        if problem:
            raise HTTPException(401, f"signature rejected: {problem}")
        try:
            data = json.loads(body)
        except ValueError:
            raise HTTPException(400, "body is not JSON") from None
        if not isinstance(data, dict):
            raise HTTPException(400, "body must be an object")
        return data

    @app.post("/agency/{department_code}/tasks")
    async def receive_task(department_code: str, request: Request) -> object:
        data = await verified_json(request)
        key = request.headers.get("Idempotency-Key", "")
        if not key or data.get("department_code") != department_code:
            raise HTTPException(400, "Idempotency-Key and a matching department_code are required")
        try:
            reference = await asyncio.to_thread(
                agency.receive, key, str(data["task_id"]), str(data["application_id"]), department_code, "webhook",
                request.headers.get("traceparent", ""))
        except AgencyDown:
            return JSONResponse(status_code=503, content={"error": "system maintenance"})
        except AnswerGarbage:
            return PlainTextResponse("<html>500 upstream %%% not json", status_code=200)
        return {"agency_reference": reference}

    @app.post("/agency/{department_code}/supplements")
    async def receive_supplement(department_code: str, request: Request) -> object:
        data = await verified_json(request)
        reference = await asyncio.to_thread(agency.receive_supplement, str(data["task_id"]), department_code,
                                            _mapping(data.get("fields")), request.headers.get("traceparent", ""))
        return {"agency_reference": reference}

    @app.post("/agency/{department_code}/notices")
    async def receive_notice(department_code: str, request: Request) -> object:
        data = await verified_json(request)
        key = request.headers.get("Idempotency-Key", "")
        if not key or data.get("department_code") != department_code or not data.get("step"):
            raise HTTPException(400, "Idempotency-Key, a matching department_code and a step are required")
        try:
            reference = await asyncio.to_thread(
                agency.receive_notice, key, str(data["task_id"]), department_code, str(data["step"]),
                str(data.get("reason", "")), str(data.get("respond_by", "")), "webhook")
        except AgencyDown:
            return JSONResponse(status_code=503, content={"error": "system maintenance"})
        return {"agency_reference": reference}

    @app.get("/control/notices")
    async def list_notices(task_id: str = "") -> list[dict[str, object]]:
        return agency.store.notices(task_id)

    @app.put("/control/departments/{department_code}")
    async def set_behaviour(department_code: str, change: BehaviourChange) -> dict[str, object]:
        return agency.behaviours.set(department_code, **change.model_dump()).as_dict()

    @app.get("/control/departments/{department_code}")
    async def get_behaviour(department_code: str) -> dict[str, object]:
        return agency.behaviours.of(department_code).as_dict()

    @app.get("/control/tasks")
    async def list_tasks(department_code: str = "", application_id: str = "") -> list[dict[str, object]]:
        return agency.store.tasks(department_code, application_id)

    @app.get("/control/busy")
    async def busy() -> dict[str, int]:
        return {"busy": agency.busy}

    @app.post("/control/tasks/{task_id}/events")
    async def call_back(task_id: str, request: Request) -> dict[str, object]:
        body = await request.json()
        department_code = body.pop("department_code")
        status = await asyncio.to_thread(agency.callback, task_id, department_code, body, "", 1)
        return {"gateway_status": status}

    @app.post("/control/reset")
    async def reset() -> dict[str, str]:
        agency.behaviours.reset()
        return {"status": "reset"}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
