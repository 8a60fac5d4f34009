"""The case and its tasks as the window shows them: explicit states and the rules that move them.

A case (application) only moves forward: accepted → routed → in_progress ⇄ needs_supplement →
completed. Events arrive on two topics with no order between them (a task may be dispatched
before the route that planned it is seen), so every rule here takes the state it finds and the
fact it is told, and never moves a case or a task back.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class CaseStatus(StrEnum):
    ACCEPTED = "accepted"
    ROUTED = "routed"
    IN_PROGRESS = "in_progress"
    NEEDS_SUPPLEMENT = "needs_supplement"  # some task waits for material from the citizen
    COMPLETED = "completed"
    REJECTED = "rejected"


class TaskStatus(StrEnum):
    PLANNED = "planned"
    WAITING = "waiting"                    # its step waits for an earlier one
    DISPATCHED = "dispatched"
    DELIVERY_PARKED = "delivery_parked"    # the agency could not be reached within the budget
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    NEEDS_SUPPLEMENT = "needs_supplement"
    SUPPLEMENT_PROVIDED = "supplement_provided"
    COMPLETED = "completed"
    RETURNED = "returned"
    COORDINATION = "coordination"          # returned too often: with the human coordinators


class NotNow(Exception):
    """The step is valid in general but not in the task's present state."""


_RANK = {CaseStatus.ACCEPTED: 0, CaseStatus.ROUTED: 1, CaseStatus.IN_PROGRESS: 2, CaseStatus.NEEDS_SUPPLEMENT: 2,
         CaseStatus.COMPLETED: 4, CaseStatus.REJECTED: 4}
FINAL = frozenset({CaseStatus.COMPLETED, CaseStatus.REJECTED})
# The adapter records a delivery once the agency's answer is back, and an instant agency may have
# acknowledged (even completed) the task through its callback before that: a late delivery
# record must not move such a task back.
BEFORE_DELIVERY = frozenset({TaskStatus.PLANNED, TaskStatus.WAITING, TaskStatus.DISPATCHED,
                             TaskStatus.DELIVERY_PARKED})


def advanced(current: str, told: CaseStatus) -> str:
    """The case's status once an event says `told`: never backwards."""
    return told if _RANK[told] >= _RANK[CaseStatus(current)] else current


def from_tasks(current: str, task_statuses: Iterable[str]) -> str:
    """An open case needs a supplement while any of its tasks does, and is in progress otherwise."""
    if current in FINAL:
        return current
    return CaseStatus.NEEDS_SUPPLEMENT if TaskStatus.NEEDS_SUPPLEMENT in set(task_statuses) \
        else CaseStatus.IN_PROGRESS


def after_delivery(current: str | None) -> str | None:
    """A task's status once its delivery is recorded; None: leave it as it is."""
    return TaskStatus.DELIVERED if current is None or current in BEFORE_DELIVERY else None


def check_supplement_wanted(task_id: str, current: str) -> None:
    """A citizen may supply material only for a task that asked for it."""
    if current != TaskStatus.NEEDS_SUPPLEMENT:
        raise NotNow(f"task {task_id} is {current}; no supplement was asked for")


def after_supplement(task_statuses: Iterable[str], current: str) -> str:
    """The case once a supplement went out: in progress again unless another task still waits."""
    if current != CaseStatus.NEEDS_SUPPLEMENT:
        return current
    return from_tasks(current, task_statuses)
