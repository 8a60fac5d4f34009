"""/api/v1/providers: callbacks from message providers (SMS delivery receipts)."""

from __future__ import annotations

import hmac
from typing import Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from pydantic import BaseModel, Field

from onewindow.notification.v1 import notification_pb2
from onewindow.notification.v1.events_pb2 import NotificationChannel

from ..rate_limit import count_failed_authentication

router = APIRouter(prefix="/api/v1/providers", tags=["providers"])


class SmsReceiptIn(BaseModel):
    message_id: str = Field(min_length=1, max_length=100)
    client_reference: str = Field(default="", max_length=100)
    status: Literal["delivered", "failed"]
    at: str = Field(default="", max_length=64)


async def sms_provider(request: Request, token: str = Header(default="", alias="X-SMS-Receipt-Token")) -> None:
    """Who sends receipts is checked before what they sent is looked at (401 before 422)."""
    expected = request.app.state.settings.sms_receipt_token
    if not expected or not hmac.compare_digest(token, expected):
        count_failed_authentication(request)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown provider")


@router.post("/sms/receipts", status_code=status.HTTP_202_ACCEPTED, summary="SMS delivery receipt",
             dependencies=[Depends(sms_provider)])
async def sms_receipt(body: SmsReceiptIn, request: Request) -> dict[str, bool]:
    receipt = notification_pb2.RecordDeliveryReceiptRequest(
        channel=NotificationChannel.NOTIFICATION_CHANNEL_SMS, provider_message_id=body.message_id,
        delivered=body.status == "delivered", detail=body.status)
    known = await request.app.state.notification.receipt(receipt)
    if not known:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no message {body.message_id}")
    return {"recorded": True}
