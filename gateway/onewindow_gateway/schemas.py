"""The HTTP request and response models of /api/v1."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FieldValue = str | int | float | bool | None


class ApplicantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=50, examples=["张三"])
    id_number: str = Field(min_length=1, max_length=32, examples=["11010519491231002X"])
    phone: str = Field(min_length=1, max_length=32, examples=["13812345678"])
    email: str | None = Field(default=None, max_length=254)


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_code: str = Field(min_length=1, max_length=64, examples=["business.startup"])
    region_code: str = Field(min_length=6, max_length=12, pattern=r"^\d+$", examples=["110101"],
                             description="where the application is received (the window's region)")
    channel: Literal["counter", "app", "web", "hotline", "sensor"]
    applicant: ApplicantIn
    fields: dict[str, FieldValue] = Field(default_factory=dict, max_length=100)
    location_region_code: str | None = Field(default=None, min_length=6, max_length=12, pattern=r"^\d+$",
                                             description="where the matter is (complaints, alerts)")


class SubmitAccepted(BaseModel):
    application_id: str
    status: str
    trace_id: str
    replayed: bool = False


class DeadlineOut(BaseModel):
    due_at: str
    basis: str
    amount: int
    calendar_fallback: bool = False


class TaskOut(BaseModel):
    task_id: str
    department_code: str
    department_name: str
    region_code: str
    level: str
    status: str
    deadline: DeadlineOut | None = None
    dispatch_number: int = 0
    outcome: str = ""
    result_text: str = ""
    note: str = ""


class ApplicantOut(BaseModel):
    name: str
    id_number: str
    phone: str
    email: str = ""


class ApplicationOut(BaseModel):
    application_id: str
    status: str
    item_code: str
    item_name: str
    channel: str
    receiving_region_code: str
    location_region_code: str
    handling_region_code: str
    cross_region: bool = Field(description="received in one region, decided in another (跨省通办)")
    routing_fallback: bool = Field(description="no routing rule matched; the district government took it (兜底)")
    routing_note: str = ""
    outcome: str = Field(default="", description="approved, rejected, resolved or partially_approved once completed")
    notification_problems: list[str] = Field(default_factory=list,
                                             description="messages a channel could not deliver (fell back to the next)")
    applicant: ApplicantOut
    submitted_at: str
    updated_at: str
    tasks: list[TaskOut]


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    next_page_token: str = ""


class SupplementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    task_id: str = Field(min_length=1, max_length=80, description="the task that asked for the material")
    fields: dict[str, FieldValue] = Field(min_length=1, max_length=100)


class SupplementAccepted(BaseModel):
    event_id: str


class FieldError(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    detail: str
    errors: list[FieldError] = []
