"""A department's or region's rates month by month as a line chart drawn on the server (inline
SVG: no script, no image request, legible without colour because every line also has its
marker shape and the page shows the same numbers as a table). Pure: no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The rates in the order the console shows them, with their Chinese names.
RATES = {"response": "响应率", "resolution": "解决率", "satisfaction": "满意率", "timely_sign_for": "及时签收率",
         "on_time": "按期办结率", "return": "退单率", "redo": "重办率"}
# One colour and one marker per rate (colour-blind-safe palette; markers tell them apart in print).
STYLE = {"response": ("#0b4f9c", "circle"), "resolution": ("#1f7a4d", "square"),
         "satisfaction": ("#b15928", "diamond"), "timely_sign_for": ("#6a3d9a", "triangle"),
         "on_time": ("#117a8b", "circle"), "return": ("#a4000f", "square"), "redo": ("#555555", "diamond")}

WIDTH, HEIGHT = 720.0, 300.0
LEFT, RIGHT, TOP, BOTTOM = 48.0, 32.0, 16.0, 40.0   # room for the first and last month labels
MAX_MONTHS = 36


class BadMonthRange(ValueError):
    """The range asked for is not one the chart draws."""


def month_range(first: str, last: str) -> list[str]:
    """Every month from first to last inclusive (YYYY-MM), at most MAX_MONTHS."""
    start, end = _parse(first), _parse(last)
    if start > end:
        raise BadMonthRange(f"{first} is after {last}")
    months = []
    year, month = start
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        if len(months) > MAX_MONTHS:
            raise BadMonthRange(f"at most {MAX_MONTHS} months at a time")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def months_back(last: str, count: int) -> str:
    """The month `count - 1` months before `last` (the first of a `count`-month window)."""
    year, month = _parse(last)
    index = year * 12 + month - 1 - (count - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _parse(month: str) -> tuple[int, int]:
    try:
        moment = dt.datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise BadMonthRange(f"{month!r} is not a month (YYYY-MM)") from None
    return moment.year, moment.month


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    month: str
    value: float


@dataclass(frozen=True)
class Line:
    rate: str
    name: str
    colour: str
    marker: str
    segments: tuple[tuple[Point, ...], ...]   # broken where a month has no value

    @property
    def points(self) -> tuple[Point, ...]:
        return tuple(p for segment in self.segments for p in segment)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]


def rate_chart(months: Sequence[str], rates_by_month: Mapping[str, Mapping[str, float]]) -> Chart:
    """The chart of every rate over `months`: x evenly spaced by month, y from 0 to 100 %."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(months) - 1)

    def x_of(i: int) -> float:
        return round(LEFT + (i * step if len(months) > 1 else plot_w / 2), 1)

    def y_of(value: float) -> float:
        return round(TOP + plot_h * (1.0 - min(1.0, max(0.0, value))), 1)

    lines = []
    for rate, name in RATES.items():
        segments: list[tuple[Point, ...]] = []
        current: list[Point] = []
        for i, month in enumerate(months):
            value = rates_by_month.get(month, {}).get(rate)
            if value is None:
                if current:
                    segments.append(tuple(current))
                current = []
                continue
            current.append(Point(x_of(i), y_of(value), month, value))
        if current:
            segments.append(tuple(current))
        if segments:
            colour, marker = STYLE[rate]
            lines.append(Line(rate, name, colour, marker, tuple(segments)))
    # Label every month when they fit, else every few (a 36-month chart keeps legible labels).
    every = max(1, -(-len(months) // 12))
    x_ticks = tuple(Tick(x_of(i), m) for i, m in enumerate(months) if i % every == 0 or i == len(months) - 1)
    y_ticks = tuple(Tick(y_of(v / 100), f"{v}%") for v in (0, 25, 50, 75, 100))
    return Chart(WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM, tuple(lines), x_ticks, y_ticks)


def polyline(points: Sequence[Point]) -> str:
    return " ".join(f"{p.x},{p.y}" for p in points)


def marker_path(shape: str, x: float, y: float, size: float = 4.0) -> str:
    """An SVG path for a marker at (x, y)."""
    if shape == "square":
        return f"M{x - size},{y - size}h{2 * size}v{2 * size}h{-2 * size}z"
    if shape == "diamond":
        return f"M{x},{y - size - 1}l{size + 1},{size + 1}l{-size - 1},{size + 1}l{-size - 1},{-size - 1}z"
    if shape == "triangle":
        return f"M{x},{y - size - 1}l{size + 1},{2 * size + 1}h{-2 * size - 2}z"
    return f"M{x - size},{y}a{size},{size} 0 1,0 {2 * size},0a{size},{size} 0 1,0 {-2 * size},0"
