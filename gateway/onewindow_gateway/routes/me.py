"""/api/v1/me: what a signed-in citizen sees of their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from onewindow.notification.v1.events_pb2 import NotificationReason

from ..auth import Principal, require_roles

router = APIRouter(prefix="/api/v1/me", tags=["citizen"])
REASONS = {value: name.removeprefix("NOTIFICATION_REASON_").lower() for name, value in NotificationReason.items()}


class InboxMessageOut(BaseModel):
    notification_id: str
    application_id: str
    reason: str
    subject: str
    body: str
    created_at: str


@router.get("/notifications", response_model=list[InboxMessageOut], summary="The citizen's in-app inbox")
async def my_notifications(request: Request, principal: Annotated[Principal, require_roles("citizen")],
                           page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> list[InboxMessageOut]:
    response = await request.app.state.notification.inbox(principal.subject_id, page_size)
    return [InboxMessageOut(notification_id=m.notification_id, application_id=m.application_id,
                            reason=REASONS.get(m.reason, ""), subject=m.subject, body=m.body,
                            created_at=m.created_at.ToJsonString()) for m in response.messages]
