"""Closing the loop: next steps, the combined outcome, and returned tasks."""

from __future__ import annotations

from dataclasses import dataclass

from onewindow.common.v1.types_pb2 import Outcome
from onewindow_catalog import load_catalog
from onewindow_routing.domain.join import all_completed, combined_outcome, decide_return, ready_to_dispatch


@dataclass
class T:
    task_id: str
    status: str
    depends_on: tuple[str, ...] = ()
    outcome: int = 0


def test_a_step_starts_only_when_every_predecessor_completed() -> None:
    tasks = [T("a", "completed"), T("b", "dispatched"), T("c", "waiting", ("a", "b"))]
    assert ready_to_dispatch(tasks) == []
    tasks[1].status = "completed"
    assert [t.task_id for t in ready_to_dispatch(tasks)] == ["c"]
    assert not all_completed(tasks)


def test_combined_outcome() -> None:
    approved, rejected, resolved = Outcome.OUTCOME_APPROVED, Outcome.OUTCOME_REJECTED, Outcome.OUTCOME_RESOLVED
    assert combined_outcome([approved, approved]) == approved
    assert combined_outcome([rejected, rejected]) == rejected
    assert combined_outcome([approved, rejected]) == Outcome.OUTCOME_PARTIALLY_APPROVED
    assert combined_outcome([resolved, approved]) == approved
    assert combined_outcome([resolved]) == resolved


def test_returned_tasks_go_up_to_the_district_government_then_to_a_coordinator() -> None:
    catalog = load_catalog()
    first = decide_return(catalog, "110101.tax", times_returned=1, max_returns=2)
    assert first.department is not None and first.department.code == "110101.district-government"
    assert decide_return(catalog, "110101.district-government", 2, 2).department is None
    assert decide_return(catalog, "110101.tax", 3, 2).department is None
    street = decide_return(catalog, "110101001.street-office", 1, 2)
    assert street.department is not None and street.department.code == "110101.district-government"
