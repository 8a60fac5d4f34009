"""Settings of the routing service (environment variables, safe local defaults)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field

from onewindow_platform.config import PlatformSettings, load_settings


class RoutingSettings(PlatformSettings):
    service_name: str = Field(
        default="ow-routing", validation_alias=AliasChoices("OTEL_SERVICE_NAME", "OW_SERVICE_NAME"),
    )
    catalog_dir: Path | None = Field(default=None, description="reference data folder; default: the shipped data")
    holidays_dir: Path | None = Field(default=None, description="extra official holiday schedules (<year>.yaml)")
    follow_up_working_days: int = Field(default=15, ge=1, description="deadline of a 回访 after a bad rating")
    deadline_check_interval_s: float = Field(default=30.0, gt=0, description="how often overdue tasks are looked for")
    routing_max_returns: int = Field(default=2, ge=0, description="returns before a task goes to a human coordinator")


def settings_from_env() -> RoutingSettings:
    return load_settings(RoutingSettings)
