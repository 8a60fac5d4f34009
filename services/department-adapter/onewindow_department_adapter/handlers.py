"""Event handlers of the department-adapter: TaskDispatched → a delivery to make.

The handler only records the delivery (in the consuming transaction); the delivery worker makes
it, so a slow agency never holds up the partition.
"""

from __future__ import annotations

from google.protobuf.json_format import MessageToDict

from onewindow.application.v1.events_pb2 import SupplementProvided
from onewindow.task.v1.events_pb2 import TaskDispatched
from onewindow_platform.consumer import HandlerContext, PermanentError
from onewindow_platform.tracing import current_traceparent

from . import storage
from .connectors import DeliveryRequest
from .delivery import DeliveryWorker


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
