"""onewindow.adapter.v1.DepartmentAdapterService: agency callbacks and ops actions on parked tasks."""

from __future__ import annotations

from collections.abc import Callable

import grpc

from onewindow.adapter.v1 import adapter_pb2, adapter_pb2_grpc
from onewindow.adapter.v1.adapter_pb2 import AgencyEventKind
from onewindow.common.v1.types_pb2 import Actor, ActorKind, Outcome
from onewindow.task.v1.events_pb2 import SupplementRequested, TaskAcknowledged, TaskCompleted, TaskReturned
from onewindow_platform.events import build_envelope, derived_id
from onewindow_platform.outbox import add_to_outbox
from onewindow_platform.rpc import server_span
from onewindow_platform.storage import Database
from onewindow_platform.tracing import APPLICATION_ID_ATTRIBUTE

from . import storage
from .domain.task_states import AgencyStep, OutOfOrder, after_step
from .settings import AdapterSettings

STEPS = {
    AgencyEventKind.AGENCY_EVENT_KIND_ACKNOWLEDGED: AgencyStep.ACKNOWLEDGED,
    AgencyEventKind.AGENCY_EVENT_KIND_SUPPLEMENT_REQUESTED: AgencyStep.SUPPLEMENT_REQUESTED,
    AgencyEventKind.AGENCY_EVENT_KIND_COMPLETED: AgencyStep.COMPLETED,
    AgencyEventKind.AGENCY_EVENT_KIND_RETURNED: AgencyStep.RETURNED,
}
OUTCOMES = {Outcome.OUTCOME_APPROVED, Outcome.OUTCOME_REJECTED, Outcome.OUTCOME_RESOLVED}


class AdapterApi(adapter_pb2_grpc.DepartmentAdapterServiceServicer):
    def __init__(self, settings: AdapterSettings, db: Database, on_commit: Callable[[], None],
                 wake_worker: Callable[[], None]) -> None:
        self.settings = settings
        self.db = db
        self.on_commit = on_commit
        self.wake_worker = wake_worker

    def RecordAgencyEvent(self, request: adapter_pb2.RecordAgencyEventRequest,
                          context: grpc.ServicerContext) -> adapter_pb2.RecordAgencyEventResponse:
        with server_span(context, "DepartmentAdapterService/RecordAgencyEvent",
                         **{"onewindow.department.code": request.department_code,
                            "onewindow.task.id": request.task_id}) as span:
            step = STEPS.get(request.kind)
            if step is None:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "kind must be acknowledged, supplement_requested, "
                                                                "completed or returned")
                raise AssertionError("abort raises")
            if not request.callback_id or len(request.callback_id) > 100:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "callback_id is required (at most 100 characters)")
            scoped = f"{request.department_code}:{request.callback_id}"
            with self.db.transaction() as tx:
                earlier = storage.seen_callback(tx, scoped)
                if earlier is not None:
                    return adapter_pb2.RecordAgencyEventResponse(event_id=earlier, duplicate=True)
                delivery = storage.latest(tx, request.task_id)
                if delivery is None or delivery.department_code != request.department_code:
                    # The same answer whether the task is missing or another agency's.
                    context.abort(grpc.StatusCode.NOT_FOUND, f"your department has no task {request.task_id}")
                    raise AssertionError("abort raises")
                span.set_attribute(APPLICATION_ID_ATTRIBUTE, delivery.application_id)
                try:
                    new_state = after_step(delivery.task_state, step)
                except OutOfOrder as exc:
                    context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"task {request.task_id} {exc}")
                    raise AssertionError("abort raises") from exc
                payload = self._payload(request, delivery, context)
                event_id = derived_id("agency-callback", scoped)
                add_to_outbox(tx, self.settings, build_envelope(
                    payload, application_id=delivery.application_id, source=self.settings.service_name,
                    actor=Actor(kind=ActorKind.ACTOR_KIND_AGENCY, id=request.department_code), event_id=event_id))
                storage.set_task_state(tx, delivery, new_state)
                storage.remember_callback(tx, scoped, request.task_id, event_id)
            self.on_commit()
            return adapter_pb2.RecordAgencyEventResponse(event_id=event_id)

    def _payload(self, request: adapter_pb2.RecordAgencyEventRequest, delivery: storage.Delivery,
                 context: grpc.ServicerContext) -> object:
        common = {"task_id": request.task_id, "department_code": request.department_code}
        kind = request.kind
        if kind == AgencyEventKind.AGENCY_EVENT_KIND_ACKNOWLEDGED:
            acknowledged = TaskAcknowledged(agency_reference="", **common)
            acknowledged.acknowledged_at.GetCurrentTime()
            return acknowledged
        if kind == AgencyEventKind.AGENCY_EVENT_KIND_SUPPLEMENT_REQUESTED:
            if not request.missing_fields:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "say which fields are missing (missing_fields)")
            return SupplementRequested(missing_fields=list(request.missing_fields), note=request.note, **common)
        if kind == AgencyEventKind.AGENCY_EVENT_KIND_COMPLETED:
            if request.outcome not in OUTCOMES:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "outcome must be approved, rejected or resolved")
            return TaskCompleted(outcome=request.outcome, result_text=request.result_text,
                                 document_ref=request.document_ref, **common)
        if not request.reason:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a returned task needs a reason")
        return TaskReturned(reason=request.reason, supporting_note=request.note, **common)

    def ListParkedTasks(self, request: adapter_pb2.ListParkedTasksRequest,
                        context: grpc.ServicerContext) -> adapter_pb2.ListParkedTasksResponse:
        with server_span(context, "DepartmentAdapterService/ListParkedTasks"):
            response = adapter_pb2.ListParkedTasksResponse()
            for delivery in storage.parked(self.db.connection(), request.department_code):
                parked = response.tasks.add(task_id=delivery.task_id, application_id=delivery.application_id,
                                            department_code=delivery.department_code, reason=delivery.last_error,
                                            attempts=delivery.attempts)
                parked.parked_at.FromJsonString(delivery.parked_at.replace("+00:00", "Z"))
            return response

    def ReplayParkedTask(self, request: adapter_pb2.ReplayParkedTaskRequest,
                         context: grpc.ServicerContext) -> adapter_pb2.ReplayParkedTaskResponse:
        attributes = {"onewindow.task.id": request.task_id}
        with server_span(context, "DepartmentAdapterService/ReplayParkedTask", **attributes):
            with self.db.transaction() as tx:
                replayed = storage.replay(tx, request.task_id)
            if not replayed:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"task {request.task_id} is not parked")
            self.wake_worker()
            return adapter_pb2.ReplayParkedTaskResponse(task_id=request.task_id, status="pending")
