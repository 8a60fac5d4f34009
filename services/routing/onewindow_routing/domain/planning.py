"""Planning the tasks of an accepted application. Pure: catalogue and calendar in, plan out.

Responsibility follows the catalogue: each task names a department kind and the administrative
level that acts. The competent region comes from the item's `route_by` (the receiving window,
where the matter is, or a region field such as the vehicle's registration place). When no
department fits, the case falls back to the district government (兜底) and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from onewindow_catalog import Catalog, Department, Level, ServiceItem


@dataclass(frozen=True)
class PlannedTask:
    task_id: str
    department: Department
    level: Level
    step: int
    depends_on: tuple[str, ...] = ()
    fallback_reason: str = ""


@dataclass(frozen=True)
class Plan:
    competent_region: str
    handling_region: str
    cross_region: bool
    tasks: tuple[PlannedTask, ...]
    fallback_reasons: tuple[str, ...] = field(default=())

    @property
    def fallback_used(self) -> bool:
        return bool(self.fallback_reasons)

    def first_step(self) -> list[PlannedTask]:
        return [t for t in self.tasks if not t.depends_on]


class RoutingError(ValueError):
    """The application cannot be routed at all (unknown item or region): a permanent error."""


def competent_region(item: ServiceItem, receiving: str, location: str, fields: dict[str, object]) -> str:
    if item.route_by == "receiving":
        return receiving
    if item.route_by == "location":
        return location or receiving
    value = fields.get(item.route_field or "")
    return str(value) if value else receiving


def plan(item: ServiceItem, application_id: str, receiving: str, location: str, fields: dict[str, object],
         catalog: Catalog) -> Plan:
    base = competent_region(item, receiving, location, fields)
    if base not in catalog.regions:
        raise RoutingError(f"unknown region {base!r} for {item.code}")
    tasks: list[PlannedTask] = []
    reasons: list[str] = []
    steps = sorted({spec.step for spec in item.tasks})
    for index, spec in enumerate(sorted(item.tasks, key=lambda s: s.step), start=1):
        department, reason = _department_for(catalog, base, spec.department_kind, spec.level)
        if reason:
            reasons.append(reason)
        position = steps.index(spec.step)
        previous_step = steps[position - 1] if position > 0 else None
        earlier = [t.task_id for t in tasks if t.step == previous_step]
        tasks.append(PlannedTask(task_id=f"{application_id}-T{index}", department=department, level=department.level,
                                 step=spec.step, depends_on=tuple(earlier), fallback_reason=reason))
    handling = _handling_region(catalog, tasks)
    return Plan(competent_region=base, handling_region=handling,
                cross_region=_city_of(catalog, handling) != _city_of(catalog, receiving),
                tasks=tuple(tasks), fallback_reasons=tuple(reasons))


def _department_for(catalog: Catalog, base: str, kind: str, level: Level) -> tuple[Department, str]:
    region = catalog.resolve_level(base, level)
    if region is not None:
        department = catalog.department(region.code, kind) or catalog.nearest_department(region.code, kind)
        if department is not None:
            return department, ""
        reason = f"no {kind} department serves {region.code} ({region.name})"
    else:
        reason = f"{base} is not precise enough for a {level.name.lower()}-level {kind} task"
    fallback = catalog.nearest_department(base, "district-government")
    if fallback is None:
        raise RoutingError(f"{reason}, and no district government to fall back to")
    return fallback, reason + f"; fell back to {fallback.name} (兜底)"


def _handling_region(catalog: Catalog, tasks: list[PlannedTask]) -> str:
    """The deepest region every task's department sits in or under (their common ancestor)."""
    chains = [[r.code for r in reversed(catalog.ancestors(t.department.region_code))] for t in tasks]
    common = ""
    for codes in zip(*chains, strict=False):
        if len(set(codes)) != 1:
            break
        common = codes[0]
    return common or tasks[0].department.region_code


def _city_of(catalog: Catalog, code: str) -> str:
    city = catalog.at_level(code, Level.CITY)
    return city.code if city else code
