"""The supervision policy (policy.yaml, or the file OW_SUPERVISION_POLICY_FILE names): warning
share, sign-for limit, the escalation ladder, 回访 timing, the composite score's weights and the
lists' size. Read once at start; a bad file stops the service with a message naming the entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from onewindow_catalog.calendar import WorkingCalendar
from onewindow_catalog.model import DeadlineRule

SHIPPED = Path(__file__).resolve().parents[1] / "policy.yaml"
RATES = ("response", "resolution", "satisfaction", "timely_sign_for", "on_time", "return", "redo")


class PolicyError(ValueError):
    """The policy file says something the service cannot act on; the message says where."""


class Step(StrEnum):
    URGE = "urge"          # 催办
    NOTICE = "notice"      # 督办 notice, with its own deadline
    CIRCULAR = "circular"  # 通报


@dataclass(frozen=True)
class Rung:
    step: Step
    after: DeadlineRule                   # after the missed deadline
    respond_within: DeadlineRule | None   # the notice's own deadline


@dataclass(frozen=True)
class Policy:
    warning_at: float
    sign_for: DeadlineRule
    ladder: tuple[Rung, ...]
    follow_up_after_completion: DeadlineRule
    follow_up_after_time_limit: DeadlineRule
    weights: Mapping[str, float]
    list_size: int


def later(start: dt.datetime, rule: DeadlineRule, calendar: WorkingCalendar) -> dt.datetime:
    """`start` plus a policy duration: clock minutes or hours, or working days (ending at the end
    of the last one, as statutory limits do)."""
    if rule.minutes:
        return start + dt.timedelta(minutes=rule.minutes)
    if rule.hours:
        return start + dt.timedelta(hours=rule.hours)
    assert rule.working_days
    return calendar.add_working_days(start, rule.working_days)[0]


def _duration(raw: Any, where: str) -> DeadlineRule:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: a duration is {{minutes: N}}, {{hours: N}} or {{working_days: N}}")
    unknown = set(raw) - {"minutes", "hours", "working_days"}
    if unknown:
        raise PolicyError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    try:
        return DeadlineRule(**raw)
    except (TypeError, ValueError) as exc:
        raise PolicyError(f"{where}: {exc}") from None


def parse_policy(data: Mapping[str, Any]) -> Policy:
    warning_at = data.get("warning_at", 0.8)
    if not isinstance(warning_at, int | float) or not 0 < warning_at < 1:
        raise PolicyError("warning_at: a share of the time limit between 0 and 1 (e.g. 0.8)")
    ladder = []
    for n, raw in enumerate(data.get("escalation") or [], start=1):
        where = f"escalation[{n}]"
        try:
            step = Step(raw.get("step"))
        except (ValueError, AttributeError):
            raise PolicyError(f"{where}: step is one of {', '.join(s.value for s in Step)}") from None
        respond = raw.get("respond_within")
        ladder.append(Rung(step, _duration(raw.get("after"), f"{where}.after"),
                           _duration(respond, f"{where}.respond_within") if respond is not None else None))
    if len({rung.step for rung in ladder}) != len(ladder):
        raise PolicyError("escalation: each step once")
    weights = {name: float(data.get("weights", {}).get(name, 0.0)) for name in RATES}
    unknown = set(data.get("weights", {})) - set(RATES)
    if unknown:
        raise PolicyError(f"weights: unknown rate {sorted(unknown)[0]!r} (rates: {', '.join(RATES)})")
    if any(w < 0 for w in weights.values()) or not sum(weights.values()) > 0:
        raise PolicyError("weights: none negative, and at least one above 0")
    follow_up = data.get("follow_up") or {}
    list_size = data.get("list_size", 5)
    if not isinstance(list_size, int) or list_size < 1:
        raise PolicyError("list_size: a whole number of at least 1")
    return Policy(
        warning_at=float(warning_at), sign_for=_duration(data.get("sign_for", {"hours": 4}), "sign_for"),
        ladder=tuple(ladder),
        follow_up_after_completion=_duration(follow_up.get("after_completion", {"hours": 24}),
                                             "follow_up.after_completion"),
        follow_up_after_time_limit=_duration(follow_up.get("after_time_limit", {"hours": 24}),
                                             "follow_up.after_time_limit"),
        weights=weights, list_size=list_size)


def load_policy(path: Path | None = None) -> Policy:
    source = path or SHIPPED
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{source}: {exc}") from None
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: the policy is a mapping of settings")
    try:
        return parse_policy(data)
    except PolicyError as exc:
        raise PolicyError(f"{source}: {exc}") from None
