"""Settings of the routing service (environment variables, safe local defaults)."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from onewindow_platform.config import PlatformSettings, load_settings


class RoutingSettings(PlatformSettings):
    service_name: str = Field(
        default="ow-routing", validation_alias=AliasChoices("OTEL_SERVICE_NAME", "OW_SERVICE_NAME"),
    )


def settings_from_env() -> RoutingSettings:
    return load_settings(RoutingSettings)
