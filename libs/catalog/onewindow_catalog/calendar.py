"""Working days by the official Chinese holiday calendar, including swapped workdays (调休).

Sources, in order: a schedule an operator supplied for the year (`holidays/<year>.yaml`), the
`chinese-calendar` package for the years it knows, else plain weekends — and a deadline that
needed the fallback says so, because it may move when the official schedule is published.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import yaml

CHINA = ZoneInfo("Asia/Shanghai")
PACKAGED_HOLIDAYS = Path(__file__).parent / "data" / "holidays"


class WorkingCalendar:
    def __init__(self, holidays_dir: Path | str | None = None) -> None:
        self._supplied: dict[int, tuple[set[dt.date], set[dt.date]]] = {}
        # Every deadline of a case walks the same few weeks of days; the answer for a day never
        # changes once the calendar is loaded (the package validates each date it is asked about).
        self._known: dict[dt.date, tuple[bool, bool]] = {}
        folders = [PACKAGED_HOLIDAYS]
        extra = holidays_dir or os.environ.get("OW_HOLIDAYS_DIR")
        if extra:
            folders.append(Path(extra))
        for folder in folders:
            for path in sorted(Path(folder).glob("*.yaml")):
                self._load_year(path)

    def _load_year(self, path: Path) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        year = int(data["year"])
        holidays = {_date(d) for d in data.get("holidays") or []}
        workdays = {_date(d) for d in data.get("workdays") or []}
        for day in holidays | workdays:
            if day.year != year:
                raise ValueError(f"{path}: {day} is not in {year}")
        self._supplied[year] = (holidays, workdays)

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        """(is it a working day, was the weekend fallback used)."""
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._look_up(day)
        return known

    def _look_up(self, day: dt.date) -> tuple[bool, bool]:
        supplied = self._supplied.get(day.year)
        if supplied is not None:
            holidays, workdays = supplied
            if day in workdays:
                return True, False
            if day in holidays:
                return False, False
            return day.weekday() < 5, False
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:
            return day.weekday() < 5, True

    def add_working_days(self, start: dt.datetime, days: int) -> tuple[dt.datetime, bool]:
        """The end (23:59:59 China time) of the `days`-th working day after `start`'s date.

        Counting starts the day after acceptance, as statutory time limits do. Returns the
        deadline and whether any day on the way needed the weekend fallback.
        """
        if days <= 0:
            raise ValueError("days must be positive")
        day = start.astimezone(CHINA).date()
        counted = 0
        fallback = False
        while counted < days:
            day += dt.timedelta(days=1)
            working, used_fallback = self.is_workday(day)
            fallback |= used_fallback
            if working:
                counted += 1
        end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=CHINA)
        return end, fallback


def _date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
