"""A task's life at its agency, as the adapter sees it: which agency callback may follow which state.

| step the agency reports | allowed when the task is                  | the task is then |
|-------------------------|-------------------------------------------|------------------|
| (our delivery accepted) | dispatched (otherwise nothing changes)    | delivered        |
| acknowledged            | dispatched, delivered (an ack may overtake our delivery call) | acknowledged |
| supplement_requested    | delivered, acknowledged, needs_supplement | needs_supplement |
| completed               | delivered, acknowledged, needs_supplement | completed        |
| returned                | delivered, acknowledged, needs_supplement | returned         |

Completed and returned are final: nothing the agency sends later changes them.
"""

from __future__ import annotations

from enum import StrEnum


class TaskState(StrEnum):
    DISPATCHED = "dispatched"          # recorded here, not yet taken by the agency
    DELIVERED = "delivered"            # the agency's system accepted the delivery
    ACKNOWLEDGED = "acknowledged"      # a person at the agency has it
    NEEDS_SUPPLEMENT = "needs_supplement"
    COMPLETED = "completed"
    RETURNED = "returned"


class AgencyStep(StrEnum):
    """What an agency may tell us about its task."""

    ACKNOWLEDGED = "acknowledged"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    COMPLETED = "completed"
    RETURNED = "returned"


class OutOfOrder(Exception):
    """The step cannot follow the task's current state (a late, repeated or confused callback)."""


_WORKING = frozenset({TaskState.DELIVERED, TaskState.ACKNOWLEDGED, TaskState.NEEDS_SUPPLEMENT})
_ALLOWED_FROM: dict[AgencyStep, frozenset[TaskState]] = {
    AgencyStep.ACKNOWLEDGED: frozenset({TaskState.DISPATCHED, TaskState.DELIVERED}),
    AgencyStep.SUPPLEMENT_REQUESTED: _WORKING,
    AgencyStep.COMPLETED: _WORKING,
    AgencyStep.RETURNED: _WORKING,
}
_LEADS_TO = {
    AgencyStep.ACKNOWLEDGED: TaskState.ACKNOWLEDGED,
    AgencyStep.SUPPLEMENT_REQUESTED: TaskState.NEEDS_SUPPLEMENT,
    AgencyStep.COMPLETED: TaskState.COMPLETED,
    AgencyStep.RETURNED: TaskState.RETURNED,
}

# A successful delivery moves only a task nobody has answered yet; an ack that overtook the
# delivery call is kept. (Applied in SQL as a compare-and-set: the row may change meanwhile.)
DELIVERY_MOVES = (TaskState.DISPATCHED, TaskState.DELIVERED)


def after_step(state: str, step: AgencyStep) -> TaskState:
    """The task's state once `step` is recorded; OutOfOrder when it may not follow `state`."""
    if state not in _ALLOWED_FROM[step]:
        raise OutOfOrder(f"is {state}; cannot record {step.value}")
    return _LEADS_TO[step]
