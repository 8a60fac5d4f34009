"""Settings of the agency simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SimulatorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OW_", extra="ignore", frozen=True)

    simulator_host: str = "127.0.0.1"
    simulator_port: int = Field(default=8090, ge=1, le=65535)
    simulator_grpc_address: str = "127.0.0.1:50061"
    simulator_db: Path = Path(".data/agency-simulator.db")
    agency_webhook_secret: str = Field(default="", description="HMAC secret shared with the department-adapter")
    simulator_gateway_url: str = "http://127.0.0.1:8080"
    simulator_tokens_file: Path = Field(default=Path(".run/dev-tokens.json"),
                                        description="agency bearer tokens ({'agencies': {code: token}})")
    simulator_complete_after_s: float = Field(default=0.5, ge=0)
    simulator_default_then: Literal["complete", "return", "supplement", "hold"] = "complete"
    simulator_log_level: str = "INFO"
    service_name: str = Field(default="agency-simulator", validation_alias=AliasChoices("OTEL_SERVICE_NAME"))
    otlp_endpoint: str | None = Field(default=None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT"))
