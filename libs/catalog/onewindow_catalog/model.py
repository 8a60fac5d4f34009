"""The shapes of the reference data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Level(IntEnum):
    """Administrative level; the numbers match onewindow.common.v1.Level."""

    PROVINCE = 2
    CITY = 3
    DISTRICT = 4
    STREET = 5
    COMMUNITY = 6

    @classmethod
    def parse(cls, name: str) -> Level:
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(f"unknown level {name!r} (use {', '.join(m.name.lower() for m in cls)})") from None


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    name_en: str
    level: Level
    parent: str | None


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    name_en: str
    region_code: str
    kind: str
    level: Level


@dataclass(frozen=True)
class DeadlineRule:
    """Clock minutes or hours (7×24), or working days by the official calendar."""

    hours: int | None = None
    working_days: int | None = None
    minutes: float | None = None  # for on-the-spot responses (e.g. a welfare check within 30 minutes)

    def __post_init__(self) -> None:
        given = [v for v in (self.hours, self.working_days, self.minutes) if v is not None]
        if len(given) != 1:
            raise ValueError("a deadline is one of {minutes: N}, {hours: N} or {working_days: N}")
        if given[0] <= 0:
            raise ValueError("a deadline must be positive")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class TaskSpec:
    department_kind: str
    level: Level
    step: int = 1


@dataclass(frozen=True)
class ServiceItem:
    code: str
    name: str
    name_en: str
    kind: str
    mode: str
    offered_in: tuple[str, ...]
    route_by: str
    tasks: tuple[TaskSpec, ...]
    fields: tuple[FieldSpec, ...] = ()
    materials: tuple[str, ...] = ()
    cross_region: bool = False
    category: str | None = None
    deadline: DeadlineRule | None = None
    promised_working_days: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def route_field(self) -> str | None:
        return self.route_by.split(":", 1)[1] if self.route_by.startswith("field:") else None
