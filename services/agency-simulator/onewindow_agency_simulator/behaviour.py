"""How each simulated department behaves, changeable at run time through the control API."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace
from typing import Literal

Mode = Literal["normal", "down", "slow", "garbage"]
Then = Literal["complete", "return", "supplement", "hold"]


@dataclass(frozen=True)
class Behaviour:
    mode: Mode = "normal"          # how deliveries are answered
    slow_s: float = 10.0           # mode=slow: how long before answering
    then: Then = "complete"        # what the agency does with a task after acknowledging it
    outcome: Literal["approved", "rejected", "resolved"] = "approved"
    delay_s: float | None = None   # before acknowledging and before the next step; None = the default
    reason: str = "不属于本单位职责范围"  # for then=return
    missing_fields: tuple[str, ...] = ("business_scope",)  # for then=supplement

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["missing_fields"] = list(self.missing_fields)
        return data


class Behaviours:
    def __init__(self, default: Behaviour | None = None) -> None:
        self.default = default or Behaviour()
        self._by_department: dict[str, Behaviour] = {}
        self._lock = threading.Lock()

    def of(self, department_code: str) -> Behaviour:
        with self._lock:
            return self._by_department.get(department_code, self.default)

    def set(self, department_code: str, **changes: object) -> Behaviour:
        with self._lock:
            current = self._by_department.get(department_code, self.default)
            if "missing_fields" in changes and changes["missing_fields"] is not None:
                changes["missing_fields"] = tuple(changes["missing_fields"])  # type: ignore[arg-type]
            updated = replace(current, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]
            self._by_department[department_code] = updated
            return updated

    def reset(self) -> None:
        with self._lock:
            self._by_department.clear()
