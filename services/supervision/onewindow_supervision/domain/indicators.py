"""The indicators of a department (or a region) in a month, from counters the consumer keeps as
events arrive — never a scan of every case. A task counts in the month it was received
(dispatched), and every later fact about it (signed for, completed, rated, returned, reopened)
adds to that month's counters, so each numerator is a part of its denominator.

| rate | formula |
|---|---|
| response (响应率) | signed for / received |
| timely sign-for (及时签收率) | signed for within the sign-for limit / received |
| resolution (解决率) | completed as resolved or approved / completed |
| satisfaction (满意率) | rated 非常满意, 满意 or 基本满意 / rated |
| on-time completion (按期办结率) | completed by the deadline / completed |
| return (退单率) | returned / received |
| redo (重办率) | reopened after completion / completed |

composite = 100 × Σ weight × rate over the rates with a denominator (return and redo as 1 − rate),
divided by the sum of those rates' weights — a department with no rating yet is scored on the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

INVERTED = frozenset({"return", "redo"})  # lower is better: scored as 1 − rate


@dataclass
class Counters:
    received: int = 0
    signed_for: int = 0
    signed_on_time: int = 0
    completed: int = 0
    resolved: int = 0
    completed_on_time: int = 0
    returned: int = 0
    reopened: int = 0
    rated: int = 0
    satisfied: int = 0

    def add(self, other: Counters) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def rates(c: Counters) -> dict[str, float | None]:
    return {"response": _share(c.signed_for, c.received), "timely_sign_for": _share(c.signed_on_time, c.received),
            "resolution": _share(c.resolved, c.completed), "satisfaction": _share(c.satisfied, c.rated),
            "on_time": _share(c.completed_on_time, c.completed), "return": _share(c.returned, c.received),
            "redo": _share(c.reopened, c.completed)}


def composite(found: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    scored = {name: (1 - rate if name in INVERTED else rate) for name, rate in found.items()
              if rate is not None and weights.get(name, 0) > 0}
    total = sum(weights[name] for name in scored)
    if not total:
        return None
    return round(100 * sum(weights[name] * value for name, value in scored.items()) / total, 2)
