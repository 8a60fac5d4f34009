"""Settings of the department-adapter service (environment variables, safe local defaults)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field

from onewindow_platform.config import PlatformSettings, load_settings


class AdapterSettings(PlatformSettings):
    service_name: str = Field(
        default="ow-department-adapter", validation_alias=AliasChoices("OTEL_SERVICE_NAME", "OW_SERVICE_NAME"),
    )
    adapter_grpc_address: str = Field(default="127.0.0.1:50052", description="host:port of the adapter's gRPC API")
    connectors_file: Path | None = Field(default=None, description="connector configuration; default: shipped file")
    delivery_workers: int = Field(
        default=4, ge=1, le=64,
        description="Deliveries made at once (one slow agency does not hold up the others)",
    )


def settings_from_env() -> AdapterSettings:
    return load_settings(AdapterSettings)
