"""The one deadline rule: when an item's task is due, and what the citizen is promised.

A task is due its deadline category's limit (minutes, hours or working days on the calendar)
after it starts. The citizen's promise is the item's own promised working days where the
catalogue gives them (a bundle promises less than the sum of its tasks), otherwise the same
limit counted from submission.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .calendar import WorkingCalendar
from .catalog import Catalog
from .model import ServiceItem


@dataclass(frozen=True)
class DeadlineSpec:
    due_at: dt.datetime
    basis: str  # "minutes" | "hours" | "working_days"
    amount: int
    calendar_fallback: bool = False  # a day on the way lay outside the published calendar


def task_deadline(item: ServiceItem, catalog: Catalog, calendar: WorkingCalendar, start: dt.datetime) -> DeadlineSpec:
    rule = catalog.deadline_rule(item)
    if rule.minutes:
        return DeadlineSpec(due_at=start + dt.timedelta(minutes=rule.minutes), basis="minutes",
                            amount=max(1, round(rule.minutes)))
    if rule.hours:
        return DeadlineSpec(due_at=start + dt.timedelta(hours=rule.hours), basis="hours", amount=rule.hours)
    assert rule.working_days
    due, fallback = calendar.add_working_days(start, rule.working_days)
    return DeadlineSpec(due_at=due, basis="working_days", amount=rule.working_days, calendar_fallback=fallback)


def promised_by(item: ServiceItem, catalog: Catalog, calendar: WorkingCalendar, submitted: dt.datetime) -> dt.datetime:
    if item.promised_working_days:
        return calendar.add_working_days(submitted, item.promised_working_days)[0]
    return task_deadline(item, catalog, calendar, submitted).due_at
