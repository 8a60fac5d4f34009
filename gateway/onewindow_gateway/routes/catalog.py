"""/api/v1/catalog: the service items a window can receive (reference data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status
from pydantic import BaseModel

from onewindow_catalog import Catalog, ServiceItem

from ..auth import CurrentPrincipal

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])


class FieldOut(BaseModel):
    name: str
    label: str
    type: str
    required: bool
    choices: list[str] = []
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None


class DepartmentTaskOut(BaseModel):
    department_kind: str
    level: str
    step: int


class ItemOut(BaseModel):
    code: str
    name: str
    name_en: str
    kind: str
    handling_mode: str
    cross_region: bool
    offered_in: list[str]
    route_by: str
    time_limit: dict[str, float | str]
    promised_working_days: int | None
    departments: list[DepartmentTaskOut]


class ItemDetailOut(ItemOut):
    fields: list[FieldOut]
    materials: list[str]


def _item(item: ServiceItem, catalog: Catalog) -> dict[str, object]:
    rule = catalog.deadline_rule(item)
    limit: dict[str, float | str]
    if rule.minutes:
        limit = {"minutes": rule.minutes}
    elif rule.hours:
        limit = {"hours": rule.hours}
    else:
        limit = {"working_days": rule.working_days or 0}
    if item.category:
        limit["category"] = item.category
    return {
        "code": item.code, "name": item.name, "name_en": item.name_en, "kind": item.kind, "handling_mode": item.mode,
        "cross_region": item.cross_region, "offered_in": list(item.offered_in), "route_by": item.route_by,
        "time_limit": limit, "promised_working_days": item.promised_working_days,
        "departments": [{"department_kind": t.department_kind, "level": t.level.name.lower(), "step": t.step}
                        for t in item.tasks],
    }


@router.get("/items", response_model=list[ItemOut], summary="Every service item")
async def list_items(request: Request, _: CurrentPrincipal) -> list[dict[str, object]]:
    catalog: Catalog = request.app.state.catalog
    return [_item(item, catalog) for item in catalog.items.values()]


@router.get("/items/{code}", response_model=ItemDetailOut, summary="One item with its fields and materials")
async def get_item(code: Annotated[str, Path(max_length=64)], request: Request,
                   _: CurrentPrincipal) -> dict[str, object]:
    catalog: Catalog = request.app.state.catalog
    item = catalog.items.get(code)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no service item {code!r}")
    return {**_item(item, catalog), "materials": list(item.materials), "fields": [
        {"name": f.name, "label": f.label, "type": f.type, "required": f.required, "choices": list(f.choices),
         "pattern": f.pattern, "min": f.min, "max": f.max, "max_length": f.max_length} for f in item.fields]}
