"""Event handlers of the department-adapter: TaskDispatched → a delivery to make.

The handler only records the delivery (in the consuming transaction); the delivery worker makes
it, so a slow agency never holds up the partition.
"""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.json_format import MessageToDict

from onewindow.application.v1.events_pb2 import SupplementProvided
from onewindow.task.v1.events_pb2 import TaskDispatched
from onewindow_platform.consumer import Handler, HandlerContext, PermanentError
from onewindow_platform.events import DecodedEvent
from onewindow_platform.tracing import current_traceparent

from . import storage
from .connectors import DeliveryRequest


def make_handlers(wake_worker: Callable[[], None]) -> dict[str, Handler]:
    def on_dispatched(event: DecodedEvent, ctx: HandlerContext) -> None:
        task = event.payload
        assert isinstance(task, TaskDispatched)
        deadline = task.deadline.due_at.ToJsonString() if task.HasField("deadline") else ""
        request = DeliveryRequest(
            task_id=task.task_id, application_id=event.application_id, department_code=task.department_code,
            item_code=task.item_code, dispatch_number=task.dispatch_number or 1, deadline_iso=deadline,
            applicant_name_masked=task.applicant.name_masked,
            applicant_id_number_masked=task.applicant.id_number_masked,
            fields=MessageToDict(task.fields), traceparent=current_traceparent(),
        )
        storage.enqueue(ctx.tx, request, event.envelope.SerializeToString())
        ctx.after_commit(wake_worker)

    def on_supplement(event: DecodedEvent, ctx: HandlerContext) -> None:
        supplement = event.payload
        assert isinstance(supplement, SupplementProvided)
        task = storage.latest(ctx.tx, supplement.task_id)
        if task is None:
            raise PermanentError(f"no delivered task {supplement.task_id} to send a supplement to")
        request = DeliveryRequest(
            task_id=task.task_id, application_id=event.application_id, department_code=task.department_code,
            item_code=task.request.item_code, dispatch_number=task.dispatch_number, deadline_iso="",
            applicant_name_masked="", applicant_id_number_masked="", fields=MessageToDict(supplement.fields),
            traceparent=current_traceparent(), kind="supplement", supplement_id=event.event_id,
        )
        storage.enqueue(ctx.tx, request, event.envelope.SerializeToString())
        ctx.after_commit(wake_worker)

    return {TaskDispatched.DESCRIPTOR.full_name: on_dispatched,
            SupplementProvided.DESCRIPTOR.full_name: on_supplement}
