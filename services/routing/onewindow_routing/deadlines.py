"""The deadline watcher: finds dispatched tasks past their deadline, announces each miss once per
dispatch (TaskDeadlineMissed, so the citizen gets an apology and the new date) and sets the new
deadline — the item's time limit again, counted from now."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from onewindow.common.v1.types_pb2 import Deadline
from onewindow.task.v1.events_pb2 import TaskDeadlineMissed
from onewindow_catalog import Catalog, WorkingCalendar
from onewindow_catalog.deadlines import task_deadline
from onewindow_platform.events import build_envelope, derived_id
from onewindow_platform.outbox import OutboxRelay, add_to_outbox
from onewindow_platform.periodic import Periodic
from onewindow_platform.storage import Database

from . import storage
from .handlers import deadline_message, utc
from .settings import RoutingSettings

log = logging.getLogger(__name__)


class DeadlineWatcher:
    def __init__(self, settings: RoutingSettings, db: Database, relay: OutboxRelay, catalog: Catalog,
                 calendar: WorkingCalendar) -> None:
        self.settings, self.db, self.relay, self.catalog, self.calendar = settings, db, relay, catalog, calendar

    def start(self) -> Callable[[], None]:
        return Periodic("deadlines", self.settings.deadline_check_interval_s, self.look).start()

    def look(self) -> None:
        if self.check(dt.datetime.now(dt.UTC)):
            self.relay.wake()

    def check(self, now: dt.datetime) -> int:
        announced = 0
        with self.db.transaction() as tx:
            for task_id, application_id, department_code, due_at, dispatch_number in storage.overdue(tx, utc(now)):
                stored = storage.accepted_payload(tx, application_id)
                if stored is None:
                    continue
                item = self.catalog.items[stored[0]]
                new_deadline = task_deadline(item, self.catalog, self.calendar, now)
                missed = TaskDeadlineMissed(task_id=task_id, department_code=department_code,
                                            new_deadline=deadline_message(new_deadline))
                old = Deadline()
                old.due_at.FromDatetime(dt.datetime.fromisoformat(due_at))
                missed.deadline.CopyFrom(old)
                add_to_outbox(tx, self.settings, build_envelope(
                    missed, application_id=application_id, source=self.settings.service_name,
                    event_id=derived_id("deadline-missed", task_id, str(dispatch_number))))
                storage.extend_deadline(tx, task_id, dispatch_number, utc(new_deadline.due_at))
                announced += 1
        if announced:
            log.warning("tasks past their deadline", extra={"count": announced})
        return announced
