"""The counter's application form, generated from a service item's field definitions, and the
posted form turned back into an application. Pure: no I/O.

The browser's own checks are off (`novalidate`): the messages next to the fields are the
server's (intake's validation, the same as the API's 422), so the counter and the API never
disagree about what is valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from onewindow_catalog import Catalog, FieldSpec, ServiceItem

APPLICANT_FIELDS = (("applicant.name", "申请人姓名", "text", True),
                    ("applicant.id_number", "公民身份号码", "text", True),
                    ("applicant.phone", "手机号码", "tel", True),
                    ("applicant.email", "电子邮箱(选填)", "email", False))
LOCATION_FIELD = "location_region_code"


@dataclass(frozen=True)
class Widget:
    """One input of the form: its name in the post, label, kind and what it shows."""

    name: str
    label: str
    kind: str                      # text, tel, email, number, textarea, select
    required: bool
    value: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None
    hint: str = ""
    error: str = ""

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace(".", "-")


@dataclass
class Parsed:
    """A posted form as the application it asks for."""

    applicant: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str | int | float] = field(default_factory=dict)
    location_region_code: str = ""


def region_choices(catalog: Catalog, within: str = "") -> tuple[tuple[str, str], ...]:
    regions = sorted(catalog.regions.values(), key=lambda r: r.code)
    return tuple((r.code, f"{r.name} ({r.code})") for r in regions if not within or r.code.startswith(within))


def _widget(spec: FieldSpec, catalog: Catalog, value: str, error: str) -> Widget:
    name = f"fields.{spec.name}"
    if spec.type == "choice":
        return Widget(name, spec.label, "select", spec.required, value, tuple((c, c) for c in spec.choices),
                      error=error)
    if spec.type == "region":
        return Widget(name, spec.label, "select", spec.required, value, region_choices(catalog), error=error)
    if spec.type in ("number", "integer"):
        bounds = [f"≥ {spec.min:g}" if spec.min is not None else "", f"≤ {spec.max:g}" if spec.max is not None else ""]
        hint = ("整数" if spec.type == "integer" else "数字") + (f", {' '.join(b for b in bounds if b)}"
                                                            if any(bounds) else "")
        return Widget(name, spec.label, "number", spec.required, value, hint=hint, error=error)
    long_text = (spec.max_length or 0) > 200
    return Widget(name, spec.label, "textarea" if long_text else "text", spec.required, value,
                  max_length=spec.max_length, hint=f"最多 {spec.max_length} 字" if spec.max_length else "", error=error)


def form_widgets(item: ServiceItem, catalog: Catalog, window_region: str, values: Mapping[str, str],
                 errors: Mapping[str, str]) -> list[Widget]:
    widgets = [Widget(name, label, kind, required, values.get(name, ""), error=errors.get(name, ""),
                      hint="18 位, 末位可为 X" if name == "applicant.id_number" else "")
               for name, label, kind, required in APPLICANT_FIELDS]
    if item.route_by == "location":
        # Where the matter is decides who handles it; the window's own area comes first.
        local = window_region[:4]
        widgets.append(Widget(LOCATION_FIELD, "事发地点(区域)", "select", True, values.get(LOCATION_FIELD, ""),
                              region_choices(catalog, local) + tuple(
                                  c for c in region_choices(catalog) if not c[0].startswith(local)),
                              error=errors.get(LOCATION_FIELD, "")))
    widgets += [_widget(spec, catalog, values.get(f"fields.{spec.name}", ""), errors.get(f"fields.{spec.name}", ""))
                for spec in item.fields]
    return widgets


def parse_application_form(item: ServiceItem, form: Mapping[str, str]) -> Parsed:
    parsed = Parsed()
    for name, _label, _kind, _required in APPLICANT_FIELDS:
        value = form.get(name, "").strip()
        if value or name != "applicant.email":
            parsed.applicant[name.removeprefix("applicant.")] = value
    if item.route_by == "location":
        parsed.location_region_code = form.get(LOCATION_FIELD, "").strip()
    parsed.fields = parse_item_fields(item.fields, form)
    return parsed


def parse_item_fields(specs: tuple[FieldSpec, ...], form: Mapping[str, str]) -> dict[str, str | int | float]:
    """The item fields in a post (`fields.<name>`), typed as the API would receive them. An empty
    field is left out and a number that does not parse is sent as the text typed: intake then
    says what is wrong with it, in the same words as the API."""
    values: dict[str, str | int | float] = {}
    for spec in specs:
        raw = form.get(f"fields.{spec.name}", "").strip()
        if not raw:
            continue
        values[spec.name] = _number(raw) if spec.type in ("integer", "number") else raw
    return values


def _number(raw: str) -> str | int | float:
    try:
        return int(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            return raw


def matching_items(catalog: Catalog, query: str, region_code: str) -> list[ServiceItem]:
    """Items a window of `region_code` can receive whose name, English name or code has `query`."""
    words = query.strip().lower()
    found = []
    for item in catalog.items.values():
        if not (item.cross_region or catalog.offered(item, region_code)):
            continue
        if not words or words in item.name.lower() or words in item.name_en.lower() or words in item.code:
            found.append(item)
    return sorted(found, key=lambda i: i.code)
