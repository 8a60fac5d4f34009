"""When the readings of an enrolled person's devices call for help. Pure: readings, away periods
and the time are given; what comes back is the alert to raise, if any.

Rules are data (`alert_rules.yaml`): defaults per device kind, and per enrolled person the
values that differ (a larger household has a higher water threshold, say).

- **low water use** (water meter): less than `below_m3` used in the sliding window (24 h) that
  ends at the newest reading — the meter is cumulative, so the use is the newest value minus the
  value at the window's start (the last reading at or before it). Silent while the readings do
  not yet cover a whole window, and while the person reported being away (外出报备) at any time
  within the window.
- **meter silent** (water meter): no reading at all for `silent_after_hours` — the meter itself
  needs a visit, which is a different task from a welfare check.
- **alarm** (smoke, fall): a raised alarm (value 1) is an alert at once.

One alert per person and rule per window, however many readings confirm it: while an alert is
open nothing new is raised, and after it is closed the next one needs a window that begins after
the close.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

RULES = ("low_water_use", "meter_silent", "smoke_alarm", "fall_alarm")


class RulesError(ValueError):
    """The rules file says something the rules cannot mean."""


@dataclass(frozen=True)
class WaterRules:
    below_m3: float = 0.01
    window: dt.timedelta = dt.timedelta(hours=24)
    silent_after: dt.timedelta = dt.timedelta(hours=12)


@dataclass(frozen=True)
class MeterPoint:
    at: dt.datetime
    value: float                      # the meter's cumulative reading, m³


@dataclass(frozen=True)
class Away:
    since: dt.datetime
    until: dt.datetime


@dataclass(frozen=True)
class Alert:
    rule: str
    window_start: dt.datetime
    window_end: dt.datetime
    detail: str                       # in words, for the case and the people who go


def parse_rules(data: Mapping[str, Any]) -> tuple[WaterRules, dict[str, WaterRules]]:
    """The defaults and each enrolled person's own values from the rules file's mapping."""
    def water(raw: Mapping[str, Any], base: WaterRules, where: str) -> WaterRules:
        unknown = set(raw) - {"below_m3", "window_hours", "silent_after_hours"}
        if unknown:
            raise RulesError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
        found = base
        if "below_m3" in raw:
            found = replace(found, below_m3=_number(raw["below_m3"], f"{where}.below_m3", 0, 10))
        if "window_hours" in raw:
            found = replace(found, window=dt.timedelta(hours=_number(raw["window_hours"], f"{where}.window_hours",
                                                                      1, 24 * 7)))
        if "silent_after_hours" in raw:
            found = replace(found, silent_after=dt.timedelta(hours=_number(
                raw["silent_after_hours"], f"{where}.silent_after_hours", 1, 24 * 30)))
        return found

    defaults = water(data.get("water_meter") or {}, WaterRules(), "water_meter")
    people = {}
    for person, raw in (data.get("people") or {}).items():
        people[str(person)] = water((raw or {}).get("water_meter") or {}, defaults, f"people.{person}.water_meter")
    return defaults, people


def _number(value: object, where: str, low: float, high: float) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise RulesError(f"{where}: a number from {low:g} to {high:g}")
    return float(value)


def usage(points: Sequence[MeterPoint], end: dt.datetime, window: dt.timedelta) -> float | None:
    """m³ used in the window ending at `end`; None while the readings do not cover it. A meter
    that reads lower than before (replaced, or rolled over) counts no use rather than a negative."""
    start = end - window
    at_start = [p for p in points if p.at <= start]
    by_end = [p for p in points if p.at <= end]
    if not at_start or not by_end:
        return None
    first, last = max(at_start, key=lambda p: p.at), max(by_end, key=lambda p: p.at)
    return max(0.0, last.value - first.value)


def _away_during(away: Sequence[Away], start: dt.datetime, end: dt.datetime) -> bool:
    return any(a.since < end and a.until > start for a in away)


def low_water_use(points: Sequence[MeterPoint], rules: WaterRules, away: Sequence[Away],
                  open_alert: bool, last_closed_at: dt.datetime | None) -> Alert | None:
    """The low-use alert the newest reading confirms, if any."""
    if open_alert or not points:
        return None
    end = max(p.at for p in points)
    start = end - rules.window
    if last_closed_at is not None and start < last_closed_at:
        return None                   # the window of the alert just closed: wait for a new one
    used = usage(points, end, rules.window)
    if used is None or used >= rules.below_m3 or _away_during(away, start, end):
        return None
    hours = rules.window.total_seconds() / 3600
    return Alert("low_water_use", start, end,
                 f"{hours:g} 小时用水 {used:.3f} m³ (低于 {rules.below_m3:g} m³)")


def meter_silent(last_reading_at: dt.datetime | None, enrolled_at: dt.datetime, now: dt.datetime,
                 rules: WaterRules, open_alert: bool) -> Alert | None:
    """The meter has said nothing for too long (counted from enrolment when it never spoke)."""
    if open_alert:
        return None
    since = last_reading_at or enrolled_at
    if now - since < rules.silent_after:
        return None
    hours = (now - since).total_seconds() / 3600
    return Alert("meter_silent", since, now, f"水表 {hours:.0f} 小时无读数, 需上门检查水表")


def alarm(kind: str, value: float, at: dt.datetime, open_alert: bool) -> Alert | None:
    """A raised smoke or fall alarm is an alert at once (cleared: nothing)."""
    if kind not in ("smoke_alarm", "fall_alarm") or value != 1 or open_alert:
        return None
    words = {"smoke_alarm": "烟感报警", "fall_alarm": "跌倒报警"}[kind]
    return Alert(kind, at, at, words)
