"""Reference data every service reads the same way: regions (GB/T 2260 and street/community
extensions), departments, the service-item catalogue, deadline categories and the working-day
calendar. Loaded from readable YAML files an operator can extend without code."""

from .calendar import WorkingCalendar
from .catalog import Catalog, CatalogError, load_catalog
from .model import DeadlineRule, Department, FieldSpec, Level, Region, ServiceItem, TaskSpec

__all__ = ["Catalog", "CatalogError", "DeadlineRule", "Department", "FieldSpec", "Level", "Region",
           "ServiceItem", "TaskSpec", "WorkingCalendar", "load_catalog"]
