"""Deadlines in working days follow the official calendar, swapped workdays included."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from onewindow_catalog import WorkingCalendar
from onewindow_catalog.calendar import CHINA


def at(y: int, m: int, d: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, hour, tzinfo=CHINA)


def test_national_day_week_is_skipped() -> None:
    # Accepted on 2026-09-30: 10-01…10-07 are the holiday, 10-08 the first working day.
    due, fallback = WorkingCalendar().add_working_days(at(2026, 9, 30), 1)
    assert due == dt.datetime(2026, 10, 8, 23, 59, 59, tzinfo=CHINA)
    assert not fallback


def test_a_swapped_saturday_counts_as_a_working_day() -> None:
    # 2026-10-10 is a Saturday worked in lieu of the holiday (调休).
    due, _ = WorkingCalendar().add_working_days(at(2026, 10, 8), 2)
    assert due.date() == dt.date(2026, 10, 10)


def test_ordinary_weekends_are_skipped() -> None:
    # Friday 2026-11-27 + 1 working day is Monday 2026-11-30.
    due, fallback = WorkingCalendar().add_working_days(at(2026, 11, 27), 1)
    assert due.date() == dt.date(2026, 11, 30) and not fallback


def test_counting_starts_the_day_after_acceptance_in_china_time() -> None:
    # 23:30 UTC on Thursday is already Friday in Beijing.
    late = dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.UTC)
    due, _ = WorkingCalendar().add_working_days(late, 1)
    assert due.date() == dt.date(2026, 11, 30)


def test_unknown_year_falls_back_to_weekends_and_says_so() -> None:
    due, fallback = WorkingCalendar().add_working_days(at(2026, 12, 30), 3)
    # 12-31 (Thu), 2027-01-01 (Fri: no official schedule yet, so counted), 01-04 (Mon)
    assert due.date() == dt.date(2027, 1, 4)
    assert fallback


def test_operator_supplied_schedule_replaces_the_fallback(tmp_path: Path) -> None:
    (tmp_path / "2027.yaml").write_text("year: 2027\nholidays: [2027-01-01]\nworkdays: [2027-01-09]\n")
    calendar = WorkingCalendar(tmp_path)
    due, fallback = calendar.add_working_days(at(2026, 12, 30), 3)
    assert due.date() == dt.date(2027, 1, 5)  # 12-31, (01-01 off), 01-04, 01-05
    assert fallback is False
    assert calendar.is_workday(dt.date(2027, 1, 9)) == (True, False)  # a supplied swapped Saturday
