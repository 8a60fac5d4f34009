"""Loading the reference data and answering questions about it."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .model import DeadlineRule, Department, FieldSpec, Level, Region, ServiceItem, TaskSpec

PACKAGED_DATA = Path(__file__).parent / "data"
FIELD_TYPES = {"string", "integer", "number", "boolean", "date", "choice", "region"}
ITEM_KINDS = {"application", "complaint", "alert"}
MODES = {"online", "counter", "proxy", "joint"}


class CatalogError(ValueError):
    """The reference data is inconsistent; the message names the file and the entry."""


@dataclass
class Catalog:
    regions: dict[str, Region]
    departments: dict[str, Department]
    items: dict[str, ServiceItem]
    categories: dict[str, DeadlineRule]
    source: Path
    _by_kind: dict[tuple[str, str], Department] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_kind = {(d.region_code, d.kind): d for d in self.departments.values()}

    # -- regions ------------------------------------------------------------------------------

    def ancestors(self, code: str) -> list[Region]:
        """The region itself first, then its parents up to the province."""
        chain = []
        current = self.regions.get(code)
        while current is not None:
            chain.append(current)
            current = self.regions.get(current.parent) if current.parent else None
        return chain

    def at_level(self, code: str, level: Level) -> Region | None:
        """The region's ancestor (or itself) at `level`; None if the region is above it."""
        return next((r for r in self.ancestors(code) if r.level == level), None)

    def within(self, code: str, ancestor: str) -> bool:
        return any(r.code == ancestor for r in self.ancestors(code))

    def resolve_level(self, code: str, level: Level) -> Region | None:
        """The region that acts at `level` for `code`: its ancestor at that level, or — where
        the tree skips the level (a city without districts) — the nearest ancestor above it.
        None when `code` itself lies above `level` (a street task for a district-wide case)."""
        chain = self.ancestors(code)
        if not chain or chain[0].level < level:
            return None
        return next((r for r in chain if r.level <= level), None)

    def province_of(self, code: str) -> str | None:
        region = self.at_level(code, Level.PROVINCE)
        return region.code if region else None

    # -- departments --------------------------------------------------------------------------

    def department(self, region_code: str, kind: str) -> Department | None:
        return self._by_kind.get((region_code, kind))

    def nearest_department(self, region_code: str, kind: str) -> Department | None:
        """The department of `kind` in the region or, failing that, the nearest parent region."""
        for region in self.ancestors(region_code):
            found = self.department(region.code, kind)
            if found is not None:
                return found
        return None

    # -- items --------------------------------------------------------------------------------

    def offered(self, item: ServiceItem, region_code: str) -> bool:
        return any(self.within(region_code, root) for root in item.offered_in)

    def deadline_rule(self, item: ServiceItem) -> DeadlineRule:
        if item.category:
            return self.categories[item.category]
        assert item.deadline is not None  # checked on load
        return item.deadline


def region_prefix(code: str) -> str:
    """The code prefix shared by a region and everything below it (110100 -> 1101)."""
    if len(code) == 6:
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
    return code


def load_catalog(directory: Path | str | None = None) -> Catalog:
    """Load from `directory`, else OW_CATALOG_DIR, else the data shipped with the package."""
    base = Path(directory or os.environ.get("OW_CATALOG_DIR") or PACKAGED_DATA)
    regions = _load_regions(_read(base / "regions.yaml"), base / "regions.yaml")
    departments = _load_departments(_read(base / "departments.yaml"), regions, base / "departments.yaml")
    categories = {
        name: _deadline(spec, f"{base / 'deadlines.yaml'}: category {name}")
        for name, spec in (_read(base / "deadlines.yaml").get("categories") or {}).items()
    }
    items_path = base / "items.yaml"
    items: dict[str, ServiceItem] = {}
    for raw in _read(items_path).get("items") or []:
        item = _item(raw, regions, categories, f"{items_path}: item {raw.get('code', '?')}")
        if item.code in items:
            raise CatalogError(f"{items_path}: item {item.code} is listed twice")
        items[item.code] = item
    kinds = {d.kind for d in departments.values()}
    for item in items.values():
        for task in item.tasks:
            if task.department_kind not in kinds:
                raise CatalogError(f"{items_path}: item {item.code} names department kind "
                                   f"{task.department_kind!r}, which no department has")
    return Catalog(regions=regions, departments=departments, items=items, categories=categories, source=base)


def _read(path: Path) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path} is missing") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{path} must hold a mapping at the top level")
    return data


def _load_regions(data: Mapping[str, Any], path: Path) -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for raw in data.get("regions") or []:
        code = str(raw.get("code", ""))
        if not re.fullmatch(r"\d{6}(\d{3}(\d{3})?)?", code):
            raise CatalogError(f"{path}: region code {code!r} must have 6, 9 or 12 digits")
        try:
            level = Level.parse(str(raw["level"]))
        except (KeyError, ValueError) as exc:
            raise CatalogError(f"{path}: region {code}: {exc}") from None
        parent = str(raw["parent"]) if raw.get("parent") else None
        if parent is not None and parent not in regions:
            raise CatalogError(f"{path}: region {code} names parent {parent}, which is not listed before it")
        if code in regions:
            raise CatalogError(f"{path}: region {code} is listed twice")
        regions[code] = Region(code=code, name=str(raw["name"]), name_en=str(raw.get("en", "")),
                               level=level, parent=parent)
    return regions


def _load_departments(data: Mapping[str, Any], regions: dict[str, Region], path: Path) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for level_name, templates in (data.get("standard") or {}).items():
        level = Level.parse(level_name)
        for region in (r for r in regions.values() if r.level == level):
            for template in templates:
                code = f"{region.code}.{template['kind']}"
                departments[code] = Department(
                    code=code, name=region.name + template["suffix"],
                    name_en=f"{region.name_en} {template.get('en', '')}".strip(),
                    region_code=region.code, kind=template["kind"], level=level,
                )
    for raw in data.get("extra") or []:
        home = regions.get(str(raw.get("region")))
        if home is None:
            raise CatalogError(f"{path}: department {raw.get('code')} is in unknown region {raw.get('region')}")
        departments[raw["code"]] = Department(code=raw["code"], name=raw["name"], name_en=raw.get("en", ""),
                                              region_code=home.code, kind=raw["kind"], level=home.level)
    return departments


def _deadline(raw: Mapping[str, Any], where: str) -> DeadlineRule:
    try:
        return DeadlineRule(hours=raw.get("hours"), working_days=raw.get("working_days"), minutes=raw.get("minutes"))
    except (ValueError, AttributeError) as exc:
        raise CatalogError(f"{where}: {exc}") from None


def _item(raw: Mapping[str, Any], regions: dict[str, Region], categories: dict[str, DeadlineRule],
          where: str) -> ServiceItem:
    try:
        kind, mode, route_by = raw["kind"], raw["mode"], raw.get("route_by", "receiving")
        if kind not in ITEM_KINDS:
            raise CatalogError(f"kind must be one of {sorted(ITEM_KINDS)}")
        if mode not in MODES:
            raise CatalogError(f"mode must be one of {sorted(MODES)}")
        fields = tuple(_field(f) for f in raw.get("fields") or [])
        if route_by.startswith("field:"):
            named = route_by.split(":", 1)[1]
            if not any(f.name == named and f.type == "region" for f in fields):
                raise CatalogError(f"route_by {route_by} needs a region-typed field {named!r}")
        elif route_by not in ("receiving", "location"):
            raise CatalogError("route_by must be receiving, location or field:<name>")
        for root in raw.get("offered_in") or []:
            if str(root) not in regions:
                raise CatalogError(f"offered_in names unknown region {root}")
        category = raw.get("category")
        if category is not None and category not in categories:
            raise CatalogError(f"unknown category {category!r} (deadlines.yaml has {sorted(categories)})")
        deadline = _deadline(raw["deadline"], where) if raw.get("deadline") else None
        if category is None and deadline is None:
            raise CatalogError("needs a deadline or a category")
        tasks = tuple(TaskSpec(department_kind=t["department"], level=Level.parse(t["level"]),
                               step=int(t.get("step", 1))) for t in raw.get("tasks") or [])
        if not tasks:
            raise CatalogError("needs at least one task")
        return ServiceItem(
            code=raw["code"], name=raw["name"], name_en=raw.get("en", ""), kind=kind, mode=mode,
            offered_in=tuple(str(r) for r in raw.get("offered_in") or []), route_by=route_by,
            tasks=tasks, fields=fields, materials=tuple(raw.get("materials") or []),
            cross_region=bool(raw.get("cross_region", False)), category=category, deadline=deadline,
            promised_working_days=raw.get("promised_working_days"),
        )
    except CatalogError as exc:
        raise CatalogError(f"{where}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"{where}: missing or bad entry {exc}") from None


def _field(raw: Mapping[str, Any]) -> FieldSpec:
    if raw.get("type") not in FIELD_TYPES:
        raise CatalogError(f"field {raw.get('name')}: type must be one of {sorted(FIELD_TYPES)}")
    if raw["type"] == "choice" and not raw.get("choices"):
        raise CatalogError(f"field {raw['name']}: a choice field needs choices")
    return FieldSpec(
        name=raw["name"], label=raw.get("label", raw["name"]), type=raw["type"],
        required=bool(raw.get("required", False)), choices=tuple(str(c) for c in raw.get("choices") or []),
        pattern=raw.get("pattern"), min=raw.get("min"), max=raw.get("max"), max_length=raw.get("max_length"),
    )
