"""/api/v1/ops: what operators act on — parked deliveries, the coordination queue, the audit
chain's verification and traces."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import BaseModel

from onewindow.intake.v1 import intake_pb2

from ..auth import require_roles
from ..schemas import ApplicationOut
from ..trace_tree import TraceOut, build_tree
from .applications import application_out

router = APIRouter(prefix="/api/v1/ops", tags=["ops"], dependencies=[require_roles("ops")])


class ParkedTaskOut(BaseModel):
    task_id: str
    application_id: str
    department_code: str
    reason: str
    attempts: int
    parked_at: str


@router.get("/parked-tasks", response_model=list[ParkedTaskOut], summary="Tasks no agency has taken yet")
async def parked_tasks(request: Request,
                       department_code: Annotated[str | None, Query(max_length=64)] = None) -> list[ParkedTaskOut]:
    response = await request.app.state.adapter.parked(department_code or "")
    return [ParkedTaskOut(task_id=t.task_id, application_id=t.application_id, department_code=t.department_code,
                          reason=t.reason, attempts=t.attempts, parked_at=t.parked_at.ToJsonString())
            for t in response.tasks]


@router.get("/coordination", response_model=list[ApplicationOut],
            summary="Cases with a task in the human coordinator queue (returned too often)")
async def coordination_queue(request: Request) -> list[ApplicationOut]:
    rpc = intake_pb2.ListApplicationsRequest(task_status="coordination", page_size=100)
    response = await request.app.state.intake.list(rpc)
    return [application_out(view) for view in response.applications]


@router.get("/audit/verify", summary="Recompute the audit hash chain; names the first record that fails")
async def verify_audit(request: Request) -> dict[str, object]:
    verdict = await request.app.state.audit.verify()
    return {"ok": verdict.ok, "records_checked": verdict.records_checked,
            "first_bad_sequence": verdict.first_bad_sequence or None, "problem": verdict.problem,
            "checkpoints_checked": verdict.checkpoints_checked,
            "newest_checkpoint_sequence": verdict.checkpoint_sequence or None,
            "archived_through": verdict.archived_through or None}


@router.get("/traces/{trace_id}", response_model=TraceOut,
            summary="The spans of one trace as a tree with durations (from the span store, last N days)")
async def get_trace(trace_id: Annotated[str, Path(pattern="^[0-9a-f]{32}$")], request: Request) -> TraceOut:
    response = await request.app.state.audit.trace(trace_id)
    if not response.spans:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no spans of trace {trace_id} in the span store")
    return build_tree(trace_id, list(response.spans))


@router.post("/tasks/{task_id}/replay", status_code=202, summary="Deliver a parked task again")
async def replay(task_id: Annotated[str, Path(max_length=80)], request: Request) -> dict[str, str]:
    response = await request.app.state.adapter.replay(task_id)
    return {"task_id": response.task_id, "status": response.status}
