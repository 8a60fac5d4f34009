"""Validation of a submission against the service catalogue. Pure: no storage, no I/O.

Every problem is reported at once, each naming the field (dotted path) and what to change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from onewindow_catalog import Catalog, FieldSpec, ServiceItem

from .identity import email_problem, id_number_problem, phone_problem

CHANNELS = ("counter", "app", "web", "hotline", "sensor")


@dataclass(frozen=True)
class Violation:
    field: str
    message: str


@dataclass(frozen=True)
class Submission:
    item_code: str
    region_code: str
    location_region_code: str
    channel: str
    name: str
    id_number: str
    phone: str
    email: str
    fields: Mapping[str, object]


def validate(submission: Submission, catalog: Catalog, today: dt.date | None = None) -> list[Violation]:
    problems: list[Violation] = []
    item = catalog.items.get(submission.item_code)
    if item is None:
        problems.append(Violation("item_code", f"unknown service item {submission.item_code!r}; "
                                               "see GET /api/v1/catalog/items"))
    if submission.channel not in CHANNELS:
        problems.append(Violation("channel", f"must be one of {', '.join(CHANNELS)}"))
    if submission.region_code not in catalog.regions:
        problems.append(Violation("region_code", f"unknown region code {submission.region_code!r}"))
    if submission.location_region_code and submission.location_region_code not in catalog.regions:
        problems.append(Violation("location_region_code",
                                  f"unknown region code {submission.location_region_code!r}"))
    problems += _applicant_problems(submission, today)
    if item is not None:
        problems += _item_problems(item, submission, catalog)
    return problems


def _applicant_problems(submission: Submission, today: dt.date | None) -> list[Violation]:
    problems = []
    if not submission.name.strip():
        problems.append(Violation("applicant.name", "is required"))
    elif len(submission.name) > 50:
        problems.append(Violation("applicant.name", "must be at most 50 characters"))
    id_problem = id_number_problem(submission.id_number, today)
    if id_problem:
        problems.append(Violation("applicant.id_number", id_problem))
    phone = phone_problem(submission.phone)
    if phone:
        problems.append(Violation("applicant.phone", phone))
    if submission.email:
        email = email_problem(submission.email)
        if email:
            problems.append(Violation("applicant.email", email))
    return problems


def _item_problems(item: ServiceItem, submission: Submission, catalog: Catalog) -> list[Violation]:
    problems = []
    region = submission.region_code
    if region in catalog.regions and not item.cross_region and not catalog.offered(item, region):
        problems.append(Violation("region_code", f"{item.name} ({item.code}) is not offered in region {region} "
                                                 "and cannot be received there for another region"))
    if item.route_by == "location" and not submission.location_region_code:
        problems.append(Violation("location_region_code", f"is required for {item.name}: where is the matter?"))
    location = submission.location_region_code
    if item.route_by == "location" and location in catalog.regions and not catalog.offered(item, location):
        problems.append(Violation("location_region_code", f"{item.name} is not handled in region {location}"))
    known = {spec.name for spec in item.fields}
    for name in submission.fields:
        if name not in known:
            problems.append(Violation(f"fields.{name}", f"is not a field of {item.code}"))
    for spec in item.fields:
        value = submission.fields.get(spec.name)
        if value is None or value == "":
            if spec.required:
                problems.append(Violation(f"fields.{spec.name}", f"is required ({spec.label})"))
            continue
        problem = field_problem(spec, value, catalog)
        if problem:
            problems.append(Violation(f"fields.{spec.name}", problem))
    route_field = item.route_field
    if route_field and isinstance(submission.fields.get(route_field), str):
        competent = str(submission.fields[route_field])
        if competent in catalog.regions and not catalog.offered(item, competent):
            problems.append(Violation(f"fields.{route_field}", f"{item.name} is not handled in region {competent}"))
    return problems


def field_problem(spec: FieldSpec, value: object, catalog: Catalog) -> str | None:
    if spec.type in ("string", "choice", "region", "date") and not isinstance(value, str):
        return "must be text"
    if spec.type == "string":
        assert isinstance(value, str)
        if spec.max_length and len(value) > spec.max_length:
            return f"must be at most {spec.max_length} characters"
        if spec.pattern and not re.fullmatch(spec.pattern, value):
            return f"has the wrong format ({spec.label})"
    elif spec.type == "choice":
        if value not in spec.choices:
            return f"must be one of {', '.join(spec.choices)}"
    elif spec.type == "region":
        if value not in catalog.regions:
            return f"unknown region code {value!r}"
    elif spec.type == "date":
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return "must be a date like 2026-11-26"
    elif spec.type == "boolean":
        if not isinstance(value, bool):
            return "must be true or false"
    elif spec.type in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        if spec.type == "integer" and not float(value).is_integer():
            return "must be a whole number"
        if spec.min is not None and value < spec.min:
            return f"must be at least {spec.min:g}"
        if spec.max is not None and value > spec.max:
            return f"must be at most {spec.max:g}"
    return None
