"""Event handlers of the routing service: event type -> handler.

- ApplicationAccepted → plan the tasks (catalogue rules), store the route, emit ApplicationRouted
  and one TaskDispatched per task of the first step;
- TaskCompleted → record the result; dispatch the next step when its predecessors are done;
  emit ApplicationCompleted with the combined outcome when every task is done;
- TaskReturned → escalate to the district government (兜底) with a new dispatch, or hand the
  task to the human coordinator queue after too many returns (TaskEscalated either way).
"""

from __future__ import annotations

import datetime as dt

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from opentelemetry import trace

from onewindow.application.v1.events_pb2 import ApplicationAccepted, ApplicationCompleted, ApplicationRouted, TaskResult
from onewindow.application.v1.events_pb2 import PlannedTask as PlannedTaskMessage
from onewindow.common.v1.types_pb2 import Deadline, DeadlineBasis
from onewindow.feedback.v1.events_pb2 import Rating, SatisfactionRecorded
from onewindow.task.v1.events_pb2 import TaskCompleted, TaskDispatched, TaskEscalated, TaskReturned
from onewindow_catalog import Catalog, Department, ServiceItem, WorkingCalendar
from onewindow_catalog.deadlines import DeadlineSpec, task_deadline
from onewindow_platform.bootstrap import UseCase
from onewindow_platform.consumer import Emit, HandlerContext, PermanentError
from onewindow_platform.events import DecodedEvent, derived_id

from . import storage
from .domain.join import all_completed, combined_outcome, decide_return, ready_to_dispatch
from .domain.planning import RoutingError, plan
from .settings import RoutingSettings

BASIS = {"minutes": DeadlineBasis.DEADLINE_BASIS_MINUTES, "hours": DeadlineBasis.DEADLINE_BASIS_HOURS,
         "working_days": DeadlineBasis.DEADLINE_BASIS_WORKING_DAYS}


def utc(value: dt.datetime) -> str:
    """Stored deadlines are UTC ISO strings, so they compare correctly as text."""
    return value.astimezone(dt.UTC).isoformat()


def deadline_message(spec: DeadlineSpec) -> Deadline:
    deadline = Deadline(basis=BASIS[spec.basis], amount=spec.amount, calendar_fallback=spec.calendar_fallback)
    deadline.due_at.FromDatetime(spec.due_at)
    return deadline


def _occurred_at(event: DecodedEvent) -> dt.datetime:
    # Deadlines run from the event that started the clock, so a replay computes the same dates.
    return event.envelope.occurred_at.ToDatetime(tzinfo=dt.UTC)


def _dispatch(task_id: str, department: Department, item: ServiceItem, accepted: ApplicationAccepted,
              deadline: DeadlineSpec, step: int, dispatch_number: int, purpose: str = "") -> Emit:
    message = TaskDispatched(
        task_id=task_id, department_code=department.code, department_name=department.name,
        region_code=department.region_code, level=int(department.level), item_code=item.code,
        deadline=deadline_message(deadline), step=step, dispatch_number=dispatch_number,
        applicant=accepted.applicant, fields=accepted.fields, purpose=purpose,
    )
    return Emit(message, event_id=derived_id("dispatched", task_id, str(dispatch_number)))


def load_accepted(ctx: HandlerContext, application_id: str,
                  catalog: Catalog) -> tuple[ServiceItem, ApplicationAccepted]:
    stored = storage.accepted_payload(ctx.tx, application_id)
    if stored is None:
        raise PermanentError(f"no route for application {application_id}")
    accepted = ApplicationAccepted()
    accepted.ParseFromString(stored[1])
    return catalog.items[stored[0]], accepted


def on_accepted(accepted: ApplicationAccepted, ctx: HandlerContext, catalog: Catalog,
                calendar: WorkingCalendar) -> list[Emit]:
    """Plan the tasks, store the route, announce it and dispatch the first step."""
    event = ctx.event
    application_id = event.application_id
    if storage.already_routed(ctx.tx, application_id):
        return []  # the same case accepted twice (e.g. replayed from the DLQ): route once
    item = catalog.items.get(accepted.item_code)
    if item is None:
        raise PermanentError(f"item {accepted.item_code!r} is not in this routing service's catalogue")
    try:
        route = plan(item, application_id, accepted.receiving_region_code, accepted.location_region_code,
                     MessageToDict(accepted.fields), catalog)
    except RoutingError as exc:
        raise PermanentError(str(exc)) from exc
    # Where the case goes, on the consumer span: ops filter traces by region and department.
    trace.get_current_span().set_attributes({
        "onewindow.item.code": item.code, "onewindow.region.code": accepted.receiving_region_code,
        "onewindow.handling_region.code": route.handling_region,
        "onewindow.department.codes": ",".join(sorted({t.department.code for t in route.tasks}))})
    accepted_at = _occurred_at(event)
    deadline = task_deadline(item, catalog, calendar, accepted_at)
    first = route.first_step()
    storage.save_plan(ctx.tx, application_id, item.code, accepted.receiving_region_code, route, event.event_id,
                      accepted.SerializeToString(), accepted_at.isoformat(),
                      {t.task_id: utc(deadline.due_at) for t in first})
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
            message.deadline.CopyFrom(deadline_message(deadline))
        routed.tasks.append(message)
    emits = [Emit(routed, event_id=derived_id("routed", event.event_id))]
    emits += [_dispatch(t.task_id, t.department, item, accepted, deadline, t.step, 1) for t in first]
    return emits


def on_completed(completed: TaskCompleted, ctx: HandlerContext, catalog: Catalog,
                 calendar: WorkingCalendar) -> list[Emit]:
    """Record the result; dispatch the next step when it is ready; complete the case when all are done."""
    event = ctx.event
    task = storage.route_task(ctx.tx, completed.task_id)
    if task is None or task.status == "completed":
        return []
    storage.complete_task(ctx.tx, task.task_id, completed.outcome, completed.result_text, completed.document_ref)
    if task.purpose == "follow_up":
        return []  # a 回访 closes on its own; the case's answer was given already
    tasks = storage.route_tasks(ctx.tx, event.application_id)
    emits: list[Emit] = []
    ready = ready_to_dispatch(tasks)
    if ready:
        item, accepted = load_accepted(ctx, event.application_id, catalog)
        deadline = task_deadline(item, catalog, calendar, _occurred_at(event))
        for waiting in ready:
            department = catalog.departments[waiting.department_code]
            storage.mark_dispatched(ctx.tx, waiting.task_id, utc(deadline.due_at))
            emits.append(_dispatch(waiting.task_id, department, item, accepted, deadline, waiting.step, 1))
    if all_completed(tasks):
        storage.mark_completed(ctx.tx, event.application_id, _occurred_at(event).isoformat())
        result = ApplicationCompleted(outcome=combined_outcome([t.outcome for t in tasks]), results=[
            TaskResult(task_id=t.task_id, department_code=t.department_code, outcome=t.outcome,
                       result_text=t.result_text, document_ref=t.document_ref) for t in tasks])
        result.completed_at.CopyFrom(event.envelope.occurred_at)
        emits.append(Emit(result, event_id=derived_id("application-completed", event.application_id)))
    return emits


def on_returned(returned: TaskReturned, ctx: HandlerContext, catalog: Catalog, calendar: WorkingCalendar,
                settings: RoutingSettings) -> list[Emit]:
    """Escalate a returned task (兜底) with a new dispatch, or to the coordinators after too many."""
    event = ctx.event
    task = storage.route_task(ctx.tx, returned.task_id)
    if task is None or task.status != "dispatched" or task.department_code != returned.department_code:
        return []  # stale: the task has moved on since
    times = task.times_returned + 1
    decision = decide_return(catalog, task.department_code, times, settings.routing_max_returns)
    escalated = TaskEscalated(task_id=task.task_id, from_department_code=task.department_code,
                              reason=f"{decision.reason}: {returned.reason}", times_returned=times)
    escalation_id = derived_id("escalated", task.task_id, str(task.dispatch_number))
    if decision.department is None:
        storage.to_coordinator(ctx.tx, task.task_id)
        escalated.to_coordinator = True
        return [Emit(escalated, event_id=escalation_id)]
    item, accepted = load_accepted(ctx, event.application_id, catalog)
    deadline = task_deadline(item, catalog, calendar, _occurred_at(event))
    storage.redispatch_task(ctx.tx, task.task_id, decision.department.code, int(decision.department.level),
                            utc(deadline.due_at))
    escalated.to_department_code = decision.department.code
    return [Emit(escalated, event_id=escalation_id),
            _dispatch(task.task_id, decision.department, item, accepted, deadline, task.step,
                      task.dispatch_number + 1)]


def on_satisfaction(recorded: SatisfactionRecorded, ctx: HandlerContext, catalog: Catalog,
                    calendar: WorkingCalendar, settings: RoutingSettings) -> list[Emit]:
    """差评 (the bottom two levels) opens a 回访 task for each department that handled the case."""
    event = ctx.event
    if recorded.rating not in (Rating.RATING_DISSATISFIED, Rating.RATING_VERY_DISSATISFIED):
        return []
    item, accepted = load_accepted(ctx, event.application_id, catalog)
    rated_at = _occurred_at(event)
    due, fallback = calendar.add_working_days(rated_at, settings.follow_up_working_days)
    deadline = DeadlineSpec(due_at=due, basis="working_days", amount=settings.follow_up_working_days,
                            calendar_fallback=fallback)
    emits = []
    for number, code in enumerate(sorted(set(recorded.department_codes)), start=1):
        department = catalog.departments.get(code)
        task_id = f"{event.application_id}-F{number}"
        if department is None or not storage.add_follow_up(ctx.tx, task_id, event.application_id, code,
                                                           int(department.level), utc(due)):
            continue
        emits.append(_dispatch(task_id, department, item, accepted, deadline, 0, 1, purpose="follow_up"))
    return emits


HANDLERS: dict[type[Message], UseCase] = {
    SatisfactionRecorded: on_satisfaction,
    ApplicationAccepted: on_accepted,
    TaskCompleted: on_completed,
    TaskReturned: on_returned,
}
