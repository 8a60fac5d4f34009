"""A simulated HTTP SMS gateway, speaking a small provider API like the ones real SMS providers offer.

    POST /v1/messages        Authorization: Bearer <OW_SMS_API_KEY>
                             {"to": "13812345678", "content": "…", "client_reference": "…"}
                             → 201 {"message_id": "…", "status": "accepted"}; the same client_reference
                               again → 200 with the first message_id (the provider deduplicates)
    delivery receipts        POSTed to OW_SMS_RECEIPT_URL with header X-SMS-Receipt-Token:
                             {"message_id", "client_reference", "status": "delivered|failed", "at"}
    GET  /control/messages   what was accepted (tests)
    PUT  /control            {"mode": "normal|down", "fail_numbers": ["138…"]}

    python -m onewindow_devtools.sms_gateway   (OW_SMS_GATEWAY_HOST/PORT, OW_SMS_API_KEY, OW_SMS_RECEIPT_URL,
                                                OW_SMS_RECEIPT_TOKEN)
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from onewindow_platform.backoff import backoff_delay


class MessageIn(BaseModel):
    to: str = Field(pattern=r"^1[3-9]\d{9}$")
    content: str = Field(min_length=1, max_length=500)
    client_reference: str = Field(min_length=1, max_length=100)


class Control(BaseModel):
    mode: str | None = Field(default=None, pattern="^(normal|down)$")
    fail_numbers: list[str] | None = None


def create_app(api_key: str, receipt_url: str, receipt_token: str) -> FastAPI:
    app = FastAPI(title="SMS gateway simulator")
    lock = threading.Lock()
    messages: dict[str, dict[str, Any]] = {}
    state: dict[str, Any] = {"mode": "normal", "fail_numbers": set()}
    http = httpx.Client(timeout=5)

    def send_receipt(message: dict[str, Any]) -> None:
        time.sleep(0.2)
        status = "failed" if message["to"] in state["fail_numbers"] else "delivered"
        message["receipt"] = status
        body = {"message_id": message["message_id"], "client_reference": message["client_reference"],
                "status": status, "at": dt.datetime.now(dt.UTC).isoformat()}
        for attempt in range(8):
            try:
                if http.post(receipt_url, json=body, headers={"X-SMS-Receipt-Token": receipt_token}).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(backoff_delay(attempt + 1, 0.2, 30.0, jitter=False))

    @app.post("/v1/messages")
    async def accept(message: MessageIn, authorization: str = Header(default="")) -> JSONResponse:
        if authorization != f"Bearer {api_key}":
            raise HTTPException(401, "bad API key")
        if state["mode"] == "down":
            raise HTTPException(503, "gateway maintenance")
        with lock:
            earlier = messages.get(message.client_reference)
            if earlier is not None:
                earlier["requests"] += 1
                first = {"message_id": earlier["message_id"], "status": "accepted"}
                return JSONResponse(status_code=200, content=first)
            stored = {"message_id": uuid.uuid4().hex, **message.model_dump(), "requests": 1, "receipt": ""}
            messages[message.client_reference] = stored
        if receipt_url:
            threading.Thread(target=send_receipt, args=(stored,), daemon=True).start()
        return JSONResponse(status_code=201, content={"message_id": stored["message_id"], "status": "accepted"})

    @app.get("/control/messages")
    async def list_messages() -> list[dict[str, Any]]:
        with lock:
            return list(messages.values())

    @app.put("/control")
    async def control(change: Control) -> dict[str, Any]:
        if change.mode:
            state["mode"] = change.mode
        if change.fail_numbers is not None:
            state["fail_numbers"] = set(change.fail_numbers)
        return {"mode": state["mode"], "fail_numbers": sorted(state["fail_numbers"])}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> int:
    app = create_app(os.environ.get("OW_SMS_API_KEY", "dev-sms-key"), os.environ.get("OW_SMS_RECEIPT_URL", ""),
                     os.environ.get("OW_SMS_RECEIPT_TOKEN", "dev-receipt-token"))
    uvicorn.run(app, host=os.environ.get("OW_SMS_GATEWAY_HOST", "127.0.0.1"),
                port=int(os.environ.get("OW_SMS_GATEWAY_PORT", "8095")), log_config=None, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
