"""Event handlers of the intake service: keep the case view (application + tasks) current.

Consumes ApplicationRouted and TaskDispatched (later issues add the task outcomes). Events of
one case can arrive on different topics in either order, so every update only moves forward.
"""

from __future__ import annotations

import datetime as dt

from google.protobuf.json_format import MessageToDict

from onewindow.application.v1.events_pb2 import ApplicationRouted
from onewindow.task.v1.events_pb2 import TaskDispatched
from onewindow_platform.consumer import Handler, HandlerContext
from onewindow_platform.events import DecodedEvent

from . import storage

APPLICATION_STATUS_RANK = {"accepted": 0, "routed": 1, "in_progress": 2, "needs_supplement": 3, "completed": 4,
                           "rejected": 4}


def _advance(ctx: HandlerContext, application_id: str, status: str, handling_region: str | None = None) -> None:
    row = ctx.tx.execute("SELECT status FROM applications WHERE application_id = ?", (application_id,)).fetchone()
    if row is None:
        return  # not one of ours (another intake deployment's case)
    now = dt.datetime.now(dt.UTC).isoformat()
    if APPLICATION_STATUS_RANK[status] > APPLICATION_STATUS_RANK[row[0]]:
        storage.set_application_status(ctx.tx, application_id, status, now, handling_region)
    elif handling_region:
        storage.set_application_status(ctx.tx, application_id, row[0], now, handling_region)


def on_routed(event: DecodedEvent, ctx: HandlerContext) -> None:
    routed = event.payload
    assert isinstance(routed, ApplicationRouted)
    for planned in routed.tasks:
        storage.upsert_task(ctx.tx, event.application_id, storage.StoredTask(
            task_id=planned.task_id, department_code=planned.department_code,
            department_name=planned.department_name, region_code=planned.region_code, level=planned.level,
            step=planned.step, status="waiting" if planned.depends_on_task_ids else "planned",
            deadline=MessageToDict(planned.deadline) if planned.HasField("deadline") else {},
        ))
    storage.record_routing(ctx.tx, event.application_id, routed.cross_region, routed.fallback_used,
                           routed.fallback_reason)
    _advance(ctx, event.application_id, "routed", routed.handling_region_code)


def on_task_dispatched(event: DecodedEvent, ctx: HandlerContext) -> None:
    task = event.payload
    assert isinstance(task, TaskDispatched)
    storage.upsert_task(ctx.tx, event.application_id, storage.StoredTask(
        task_id=task.task_id, department_code=task.department_code, department_name=task.department_name,
        region_code=task.region_code, level=task.level, step=task.step, status="dispatched",
        deadline=MessageToDict(task.deadline) if task.HasField("deadline") else {},
    ))
    _advance(ctx, event.application_id, "in_progress")


HANDLERS: dict[str, Handler] = {
    ApplicationRouted.DESCRIPTOR.full_name: on_routed,
    TaskDispatched.DESCRIPTOR.full_name: on_task_dispatched,
}
