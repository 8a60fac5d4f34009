"""What every connector does: deliver one task (or supplement), return the agency's reference."""

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
    kind: str = "task"            # "task" | "supplement" (material a 补正 asked for)
    supplement_id: str = ""

    @property
    def idempotency_key(self) -> str:
        base = f"{self.task_id}#{self.dispatch_number}"
        return f"{base}#supplement#{self.supplement_id}" if self.kind == "supplement" else base


class Connector(Protocol):
    def deliver(self, request: DeliveryRequest) -> str: ...

    def close(self) -> None: ...
