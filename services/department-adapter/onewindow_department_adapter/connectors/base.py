"""What every connector does: deliver one task (or supplement, or notice), return the agency's reference."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class DeliveryError(Exception):
    """The agency did not take the task: down, slow, refused, or answered something malformed."""


@dataclass(frozen=True)
class DeliveryRequest:
    task_id: str
    application_id: str
    department_code: str
    item_code: str
    dispatch_number: int
    deadline_iso: str
    applicant_name_masked: str
    applicant_id_number_masked: str
    fields: dict[str, object] = field(default_factory=dict)
    traceparent: str = ""
    # "task" | "supplement" (material a 补正 asked for) | "notice" (a supervision step: 预警, 催办, 督办 …)
    kind: str = "task"
    supplement_id: str = ""       # the supplement's or the notice's own id (the event it came with)

    @property
    def idempotency_key(self) -> str:
        base = f"{self.task_id}#{self.dispatch_number}"
        return base if self.kind == "task" else f"{base}#{self.kind}#{self.supplement_id}"


class Connector(Protocol):
    def deliver(self, request: DeliveryRequest) -> str: ...

    def close(self) -> None: ...
