"""Closing the loop: which waiting tasks may start, the combined outcome, and what to do with a
returned task (退单). Pure rules over the task list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from onewindow.common.v1.types_pb2 import Outcome
from onewindow_catalog import Catalog, Department


class TaskLike(Protocol):
    @property
    def task_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def depends_on(self) -> tuple[str, ...]: ...


T = TypeVar("T", bound=TaskLike)


def ready_to_dispatch(tasks: Sequence[T]) -> list[T]:
    """Waiting tasks whose every predecessor has completed (the next step of 串并结合)."""
    completed = {t.task_id for t in tasks if t.status == "completed"}
    return [t for t in tasks if t.status == "waiting" and set(t.depends_on) <= completed]


def all_completed(tasks: Sequence[TaskLike]) -> bool:
    return bool(tasks) and all(t.status == "completed" for t in tasks)


def combined_outcome(outcomes: list[int]) -> int:
    """One answer for the citizen from the departments' results."""
    distinct = set(outcomes)
    if len(distinct) == 1:
        return outcomes[0]
    if Outcome.OUTCOME_REJECTED in distinct:
        return Outcome.OUTCOME_PARTIALLY_APPROVED
    return Outcome.OUTCOME_APPROVED if Outcome.OUTCOME_APPROVED in distinct else Outcome.OUTCOME_RESOLVED


@dataclass(frozen=True)
class ReturnDecision:
    department: Department | None  # None: hand it to the human coordinator queue
    reason: str


def decide_return(catalog: Catalog, department_code: str, times_returned: int, max_returns: int) -> ReturnDecision:
    """A returned task goes up to the district government (兜底); one returned too often, or
    returned by the district government itself, goes to a human coordinator."""
    if times_returned > max_returns:
        return ReturnDecision(None, f"returned {times_returned} times (more than {max_returns})")
    current = catalog.departments.get(department_code)
    if current is None:
        return ReturnDecision(None, f"unknown department {department_code}")
    if current.kind == "district-government":
        return ReturnDecision(None, "returned by the district government itself")
    fallback = catalog.nearest_department(current.region_code, "district-government")
    if fallback is None:
        return ReturnDecision(None, f"no district government above {current.region_code}")
    return ReturnDecision(fallback, f"returned by {current.name}; escalated to {fallback.name}")
