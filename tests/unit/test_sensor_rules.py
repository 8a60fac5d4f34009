"""When an enrolled person's readings call for help (#18): low water use over a whole sliding
window (away periods silence it), a meter that has gone silent, a raised alarm; one alert per
person and rule per window; rules as data with per-person values."""

from __future__ import annotations

import datetime as dt

import pytest

from onewindow_sensor_gateway.domain import rules
from onewindow_sensor_gateway.domain.rules import Away, MeterPoint, WaterRules

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
RULES = WaterRules()


def meter(*values: tuple[float, float]) -> list[MeterPoint]:
    """(hours after T0, cumulative m³) pairs."""
    return [MeterPoint(T0 + h * H, v) for h, v in values]


def test_use_is_counted_from_the_last_reading_at_the_windows_start() -> None:
    points = meter((0, 100.0), (6, 100.2), (20, 100.3), (30, 100.35))
    assert rules.usage(points, T0 + 30 * H, RULES.window) == pytest.approx(0.15)   # 100.35 − 100.2 (at 6 h)
    assert rules.usage(points, T0 + 20 * H, RULES.window) is None                  # not a whole window yet
    assert rules.usage(meter((0, 5.0), (30, 1.0)), T0 + 30 * H, RULES.window) == 0.0   # meter replaced


def test_an_elder_who_used_less_than_the_threshold_in_24_hours_raises_one_alert() -> None:
    quiet = meter((0, 100.0), (12, 100.004), (25, 100.008))
    alert = rules.low_water_use(quiet, RULES, [], open_alert=False, last_closed_at=None)
    assert alert is not None and alert.rule == "low_water_use" and alert.window_end == T0 + 25 * H
    assert "0.008 m³" in alert.detail
    assert rules.low_water_use(quiet, RULES, [], open_alert=True, last_closed_at=None) is None   # once
    normal = meter((0, 100.0), (12, 100.1), (25, 100.2))
    assert rules.low_water_use(normal, RULES, [], open_alert=False, last_closed_at=None) is None
    young = meter((0, 100.0), (20, 100.0))                                  # 20 h of readings: too early
    assert rules.low_water_use(young, RULES, [], open_alert=False, last_closed_at=None) is None


def test_after_a_visit_closed_the_alert_the_next_needs_a_window_after_the_close() -> None:
    quiet = meter((0, 100.0), (12, 100.004), (25, 100.008), (40, 100.009))
    closed = T0 + 26 * H
    assert rules.low_water_use(quiet, RULES, [], open_alert=False, last_closed_at=closed) is None
    later = quiet + meter((51, 100.009))                                   # a whole quiet day after the close
    assert rules.low_water_use(later, RULES, [], open_alert=False, last_closed_at=closed) is not None


def test_being_away_silences_the_water_rule_for_windows_that_touch_the_absence() -> None:
    quiet = meter((0, 100.0), (25, 100.001))
    trip = [Away(T0 + 2 * H, T0 + 10 * H)]
    assert rules.low_water_use(quiet, RULES, trip, open_alert=False, last_closed_at=None) is None
    back_long_ago = [Away(T0 - 48 * H, T0 - 30 * H)]
    assert rules.low_water_use(quiet, RULES, back_long_ago, open_alert=False, last_closed_at=None) is not None


def test_a_silent_meter_needs_a_visit_for_the_meter() -> None:
    enrolled = T0
    assert rules.meter_silent(T0 + 2 * H, enrolled, T0 + 13 * H, RULES, open_alert=False) is None
    alert = rules.meter_silent(T0 + 2 * H, enrolled, T0 + 15 * H, RULES, open_alert=False)
    assert alert is not None and alert.rule == "meter_silent" and "13 小时" in alert.detail
    assert rules.meter_silent(None, enrolled, T0 + 12 * H, RULES, open_alert=False) is not None   # never spoke
    assert rules.meter_silent(T0, enrolled, T0 + 40 * H, RULES, open_alert=True) is None


def test_a_raised_alarm_is_an_alert_at_once_and_a_cleared_one_is_not() -> None:
    assert rules.alarm("fall_alarm", 1, T0, open_alert=False).rule == "fall_alarm"  # type: ignore[union-attr]
    assert rules.alarm("smoke_alarm", 0, T0, open_alert=False) is None
    assert rules.alarm("smoke_alarm", 1, T0, open_alert=True) is None
    assert rules.alarm("water_meter", 1, T0, open_alert=False) is None


def test_rules_are_data_with_per_person_values_and_a_bad_value_is_named() -> None:
    defaults, people = rules.parse_rules({"water_meter": {"below_m3": 0.02, "silent_after_hours": 6},
                                          "people": {"P-7": {"water_meter": {"below_m3": 0.05}}}})
    assert defaults == WaterRules(below_m3=0.02, silent_after=6 * H)
    assert people["P-7"] == WaterRules(below_m3=0.05, silent_after=6 * H)   # the rest from the defaults
    for bad, named in (({"water_meter": {"below_m3": -1}}, "water_meter.below_m3"),
                       ({"water_meter": {"window": 24}}, "unknown setting"),
                       ({"people": {"P-1": {"water_meter": {"window_hours": 0}}}}, "people.P-1.water_meter")):
        with pytest.raises(rules.RulesError, match=named):
            rules.parse_rules(bad)
