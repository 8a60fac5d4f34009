"""/api/v1/agency: callbacks from agency systems about their own tasks."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field

from onewindow.adapter.v1 import adapter_pb2
from onewindow.adapter.v1.adapter_pb2 import AgencyEventKind
from onewindow.common.v1.types_pb2 import Outcome

from ..agency_auth import agency_principal
from ..auth import Principal
from ..schemas import ErrorOut

router = APIRouter(prefix="/api/v1/agency", tags=["agency"])

KINDS = {"acknowledged": AgencyEventKind.AGENCY_EVENT_KIND_ACKNOWLEDGED,
         "supplement_requested": AgencyEventKind.AGENCY_EVENT_KIND_SUPPLEMENT_REQUESTED,
         "completed": AgencyEventKind.AGENCY_EVENT_KIND_COMPLETED,
         "returned": AgencyEventKind.AGENCY_EVENT_KIND_RETURNED}
OUTCOMES = {"approved": Outcome.OUTCOME_APPROVED, "rejected": Outcome.OUTCOME_REJECTED,
            "resolved": Outcome.OUTCOME_RESOLVED}


class AgencyEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: Literal["acknowledged", "supplement_requested", "completed", "returned"]
    callback_id: str | None = Field(default=None, max_length=100,
                                    description="unique per callback; a repeat is answered, not recorded again")
    missing_fields: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=50)
    note: str = Field(default="", max_length=2000)
    outcome: Literal["approved", "rejected", "resolved"] | None = None
    result_text: str = Field(default="", max_length=4000)
    document_ref: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=2000)


class AgencyEventOut(BaseModel):
    event_id: str
    duplicate: bool


@router.post("/tasks/{task_id}/events", status_code=status.HTTP_202_ACCEPTED, response_model=AgencyEventOut,
             responses={401: {"model": ErrorOut}, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
             summary="An agency reports 签收 / 补正 / 办结 / 退单 on one of its own tasks")
async def record_event(task_id: Annotated[str, Path(max_length=80)], body: AgencyEventIn, request: Request,
                       agency: Annotated[Principal, Depends(agency_principal)]) -> AgencyEventOut:
    callback_id = body.callback_id or hashlib.sha256(
        json.dumps([task_id, body.model_dump()], sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:40]
    rpc = adapter_pb2.RecordAgencyEventRequest(
        task_id=task_id, department_code=agency.department_code, kind=KINDS[body.event], callback_id=callback_id,
        missing_fields=body.missing_fields, note=body.note, outcome=OUTCOMES.get(body.outcome or "", 0),
        result_text=body.result_text, document_ref=body.document_ref, reason=body.reason,
    )
    response = await request.app.state.adapter.record(rpc)
    return AgencyEventOut(event_id=response.event_id, duplicate=response.duplicate)
