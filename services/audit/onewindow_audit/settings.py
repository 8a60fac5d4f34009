"""Settings of the audit service (environment variables, safe local defaults)."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from onewindow_platform.config import PlatformSettings, load_settings


class AuditSettings(PlatformSettings):
    service_name: str = Field(
        default="ow-audit", validation_alias=AliasChoices("OTEL_SERVICE_NAME", "OW_SERVICE_NAME"),
    )
    audit_grpc_address: str = Field(default="127.0.0.1:50054", description="host:port of the audit query API")


def settings_from_env() -> AuditSettings:
    return load_settings(AuditSettings)
