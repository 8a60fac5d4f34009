"""Event handlers of the department-adapter: TaskDispatched → a delivery to make; a supplement and
a supervision step (预警, 催办, 督办 …) about a delivered task → a delivery to the same agency.

The handler only records the delivery (in the consuming transaction); the delivery worker makes
it, so a slow agency never holds up the partition.
"""

from __future__ import annotations

import datetime as dt
import logging

from google.protobuf.json_format import MessageToDict

from onewindow.application.v1.events_pb2 import SupplementProvided
from onewindow.supervision.v1.events_pb2 import SupervisionStep, SupervisionStepIssued
from onewindow.task.v1.events_pb2 import TaskDispatched
from onewindow_platform.consumer import HandlerContext, PermanentError
from onewindow_platform.tracing import current_traceparent

from . import storage
from .connectors import DeliveryRequest
from .delivery import DeliveryWorker

log = logging.getLogger(__name__)


def on_dispatched(task: TaskDispatched, ctx: HandlerContext, worker: DeliveryWorker) -> None:
    deadline = task.deadline.due_at.ToJsonString() if task.HasField("deadline") else ""
    request = DeliveryRequest(
        task_id=task.task_id, application_id=ctx.event.application_id, department_code=task.department_code,
        item_code=task.item_code, dispatch_number=task.dispatch_number or 1, deadline_iso=deadline,
        applicant_name_masked=task.applicant.name_masked,
        applicant_id_number_masked=task.applicant.id_number_masked,
        fields=MessageToDict(task.fields), traceparent=current_traceparent(),
    )
    storage.enqueue(ctx.tx, request, ctx.event.envelope.SerializeToString())
    ctx.after_commit(worker.wake)


def on_supplement(supplement: SupplementProvided, ctx: HandlerContext, worker: DeliveryWorker) -> None:
    task = storage.latest(ctx.tx, supplement.task_id)
    if task is None:
        raise PermanentError(f"no delivered task {supplement.task_id} to send a supplement to")
    request = DeliveryRequest(
        task_id=task.task_id, application_id=ctx.event.application_id, department_code=task.department_code,
        item_code=task.request.item_code, dispatch_number=task.dispatch_number, deadline_iso="",
        applicant_name_masked="", applicant_id_number_masked="", fields=MessageToDict(supplement.fields),
        traceparent=current_traceparent(), kind="supplement", supplement_id=ctx.event.event_id,
    )
    storage.enqueue(ctx.tx, request, ctx.event.envelope.SerializeToString())
    ctx.after_commit(worker.wake)


STEP_NAMES = {SupervisionStep.SUPERVISION_STEP_WARNING: "warning",
              SupervisionStep.SUPERVISION_STEP_SIGN_FOR_OVERDUE: "sign_for_overdue",
              SupervisionStep.SUPERVISION_STEP_URGE: "urge", SupervisionStep.SUPERVISION_STEP_NOTICE: "notice",
              SupervisionStep.SUPERVISION_STEP_CIRCULAR: "circular"}


def on_supervision_step(step: SupervisionStepIssued, ctx: HandlerContext, worker: DeliveryWorker) -> None:
    """The department hears of a supervision step in its own system, not only on the case's
    timeline. A step about a dispatch the agency never got (parked, or since replaced by another
    dispatch) has nobody to tell there: it stays on the bus and the timeline."""
    task = storage.latest(ctx.tx, step.task_id)
    if task is None or task.dispatch_number != step.dispatch_number or task.status == "parked":
        log.info("supervision step not sent to the agency", extra={
            "task_id": step.task_id, "step": STEP_NAMES.get(step.step, "?"),
            "why": "the agency does not have this dispatch"})
        return
    rule = worker.config.rule_for(task.department_code)
    if rule.kind == "webhook" and not rule.notice_url:
        log.info("supervision step not sent to the agency", extra={
            "task_id": step.task_id, "step": STEP_NAMES.get(step.step, "?"), "why": f"{rule.name} has no notice_url"})
        return
    fields: dict[str, object] = {"step": STEP_NAMES.get(step.step, "unknown"), "reason": step.reason,
                                 "task_due_at": step.task_due_at.ToDatetime(tzinfo=dt.UTC).isoformat()
                                 if step.HasField("task_due_at") else ""}
    if step.HasField("respond_by"):
        fields["respond_by"] = step.respond_by.ToDatetime(tzinfo=dt.UTC).isoformat()
    request = DeliveryRequest(
        task_id=task.task_id, application_id=ctx.event.application_id, department_code=task.department_code,
        item_code=task.request.item_code, dispatch_number=task.dispatch_number, deadline_iso="",
        applicant_name_masked="", applicant_id_number_masked="", fields=fields, traceparent=current_traceparent(),
        kind="notice", supplement_id=ctx.event.event_id)
    storage.enqueue(ctx.tx, request, ctx.event.envelope.SerializeToString())
    ctx.after_commit(worker.wake)
