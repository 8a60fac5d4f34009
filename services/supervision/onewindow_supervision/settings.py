"""Settings of the supervision service (environment variables, safe local defaults)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field

from onewindow_platform.config import PlatformSettings, load_settings


class SupervisionSettings(PlatformSettings):
    service_name: str = Field(
        default="ow-supervision", validation_alias=AliasChoices("OTEL_SERVICE_NAME", "OW_SERVICE_NAME"),
    )
    supervision_grpc_address: str = Field(
        default="127.0.0.1:50055", description="Where the rankings, indicators, 回访 and ledger APIs listen")
    holidays_dir: Path | None = Field(default=None, description="extra official holiday schedules (<year>.yaml)")
    supervision_policy_file: Path | None = Field(
        default=None, description="the supervision office's policy (warnings, ladder, 回访, weights); "
                                  "default: the shipped policy.yaml")


def settings_from_env() -> SupervisionSettings:
    return load_settings(SupervisionSettings)
