"""Intake's case and task states, without a database: a case and a task only move forward, and
a case needs a supplement exactly while one of its tasks does."""

from __future__ import annotations

import pytest

from onewindow_intake.domain.case_states import (
    CaseStatus,
    NotNow,
    TaskStatus,
    advanced,
    after_delivery,
    after_supplement,
    check_supplement_wanted,
    from_tasks,
)


def test_a_case_moves_forward_only() -> None:
    assert advanced(CaseStatus.ACCEPTED, CaseStatus.ROUTED) == CaseStatus.ROUTED
    # The first dispatch can overtake the route (another topic): routing later keeps it in progress.
    assert advanced(CaseStatus.IN_PROGRESS, CaseStatus.ROUTED) == CaseStatus.IN_PROGRESS
    assert advanced(CaseStatus.COMPLETED, CaseStatus.IN_PROGRESS) == CaseStatus.COMPLETED
    assert advanced(CaseStatus.NEEDS_SUPPLEMENT, CaseStatus.IN_PROGRESS) == CaseStatus.IN_PROGRESS


def test_a_case_needs_a_supplement_while_any_task_does_and_final_cases_stay_final() -> None:
    assert from_tasks(CaseStatus.IN_PROGRESS, [TaskStatus.ACKNOWLEDGED, TaskStatus.NEEDS_SUPPLEMENT]) \
        == CaseStatus.NEEDS_SUPPLEMENT
    assert from_tasks(CaseStatus.NEEDS_SUPPLEMENT, [TaskStatus.ACKNOWLEDGED, TaskStatus.COMPLETED]) \
        == CaseStatus.IN_PROGRESS
    assert from_tasks(CaseStatus.COMPLETED, [TaskStatus.NEEDS_SUPPLEMENT]) == CaseStatus.COMPLETED
    assert after_supplement([TaskStatus.SUPPLEMENT_PROVIDED, TaskStatus.NEEDS_SUPPLEMENT],
                            CaseStatus.NEEDS_SUPPLEMENT) == CaseStatus.NEEDS_SUPPLEMENT
    assert after_supplement([TaskStatus.SUPPLEMENT_PROVIDED], CaseStatus.NEEDS_SUPPLEMENT) == CaseStatus.IN_PROGRESS


@pytest.mark.parametrize(("current", "expected"), [
    (None, TaskStatus.DELIVERED), (TaskStatus.DISPATCHED, TaskStatus.DELIVERED),
    (TaskStatus.DELIVERY_PARKED, TaskStatus.DELIVERED),          # delivered after an ops replay
    (TaskStatus.ACKNOWLEDGED, None), (TaskStatus.COMPLETED, None),  # the agency's callback came first
])
def test_a_late_delivery_record_never_moves_a_task_back(current: str | None, expected: str | None) -> None:
    assert after_delivery(current) == expected


def test_material_is_taken_only_for_a_task_that_asked_for_it() -> None:
    check_supplement_wanted("T1", TaskStatus.NEEDS_SUPPLEMENT)
    with pytest.raises(NotNow, match="task T1 is acknowledged; no supplement was asked for"):
        check_supplement_wanted("T1", TaskStatus.ACKNOWLEDGED)
