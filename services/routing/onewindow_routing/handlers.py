"""Event handlers of the routing service: event type -> handler.

ApplicationAccepted → plan the tasks (catalogue rules), store the route, emit ApplicationRouted
and one TaskDispatched per task of the first step. Later steps wait for their predecessors
(completion handling arrives with issue #4).
"""

from __future__ import annotations

import datetime as dt

from google.protobuf.json_format import MessageToDict

from onewindow.application.v1.events_pb2 import ApplicationAccepted, ApplicationRouted
from onewindow.application.v1.events_pb2 import PlannedTask as PlannedTaskMessage
from onewindow.common.v1.types_pb2 import Deadline, DeadlineBasis
from onewindow.task.v1.events_pb2 import TaskDispatched
from onewindow_catalog import Catalog, WorkingCalendar
from onewindow_platform.consumer import Emit, Handler, HandlerContext, PermanentError
from onewindow_platform.events import DecodedEvent, derived_id

from . import storage
from .domain.planning import DeadlineSpec, RoutingError, deadline_for, plan

BASIS = {"hours": DeadlineBasis.DEADLINE_BASIS_HOURS, "working_days": DeadlineBasis.DEADLINE_BASIS_WORKING_DAYS}


def _deadline_message(spec: DeadlineSpec) -> Deadline:
    deadline = Deadline(basis=BASIS[spec.basis], amount=spec.amount, calendar_fallback=spec.calendar_fallback)
    deadline.due_at.FromDatetime(spec.due_at)
    return deadline


def make_handlers(catalog: Catalog, calendar: WorkingCalendar) -> dict[str, Handler]:
    def on_accepted(event: DecodedEvent, ctx: HandlerContext) -> list[Emit]:
        accepted = event.payload
        assert isinstance(accepted, ApplicationAccepted)
        application_id = event.application_id
        if storage.already_routed(ctx.tx, application_id):
            return []  # the same case accepted twice (e.g. replayed from the DLQ): route once
        item = catalog.items.get(accepted.item_code)
        if item is None:
            raise PermanentError(f"item {accepted.item_code!r} is not in this routing service's catalogue")
        fields = MessageToDict(accepted.fields)
        try:
            route = plan(item, application_id, accepted.receiving_region_code, accepted.location_region_code,
                         fields, catalog)
        except RoutingError as exc:
            raise PermanentError(str(exc)) from exc
        # Deadlines run from acceptance, so a replay computes the same dates.
        accepted_at = event.envelope.occurred_at.ToDatetime(tzinfo=dt.UTC)
        deadline = deadline_for(item, catalog, calendar, accepted_at)
        first = route.first_step()
        storage.save_plan(ctx.tx, application_id, item.code, accepted.receiving_region_code, route, event.event_id,
                          accepted_at.isoformat(), {t.task_id: deadline.due_at.isoformat() for t in first})

        routed = ApplicationRouted(
            receiving_region_code=accepted.receiving_region_code, handling_region_code=route.handling_region,
            cross_region=route.cross_region, fallback_used=route.fallback_used,
            fallback_reason="; ".join(route.fallback_reasons),
        )
        for task in route.tasks:
            message = PlannedTaskMessage(
                task_id=task.task_id, department_code=task.department.code, department_name=task.department.name,
                region_code=task.department.region_code, level=int(task.level), step=task.step,
                depends_on_task_ids=list(task.depends_on),
            )
            if not task.depends_on:
                message.deadline.CopyFrom(_deadline_message(deadline))
            routed.tasks.append(message)
        emits = [Emit(routed, event_id=derived_id("routed", event.event_id))]
        for task in first:
            dispatched = TaskDispatched(
                task_id=task.task_id, department_code=task.department.code, department_name=task.department.name,
                region_code=task.department.region_code, level=int(task.level), item_code=item.code,
                deadline=_deadline_message(deadline), step=task.step, dispatch_number=1,
                applicant=accepted.applicant, fields=accepted.fields,
            )
            emits.append(Emit(dispatched, event_id=derived_id("dispatched", task.task_id, "1")))
        return emits

    return {ApplicationAccepted.DESCRIPTOR.full_name: on_accepted}
