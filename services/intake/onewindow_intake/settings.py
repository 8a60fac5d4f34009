"""Settings of the intake service (environment variables, safe local defaults)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field

from onewindow_platform.config import PlatformSettings, load_settings


class IntakeSettings(PlatformSettings):
    service_name: str = Field(
        default="ow-intake", validation_alias=AliasChoices("OTEL_SERVICE_NAME", "OW_SERVICE_NAME"),
    )
    intake_grpc_address: str = Field(default="127.0.0.1:50051", description="host:port the gRPC API listens on")
    catalog_dir: Path | None = Field(default=None, description="reference data folder; default: the shipped data")
    holidays_dir: Path | None = Field(default=None, description="extra official holiday schedules (<year>.yaml)")
    list_page_size_max: int = Field(
        default=100, ge=1, le=1000,
        description="Most applications one ListApplications page returns",
    )
    intake_max_publish_lag_s: float = Field(
        default=30.0, gt=0, description="Refuse new submissions (503, retry later) while accepted events have waited "
                                        "this long for the broker",
    )


def settings_from_env() -> IntakeSettings:
    return load_settings(IntakeSettings)
