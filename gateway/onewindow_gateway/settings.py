"""Gateway settings (environment variables, safe local defaults)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, model_validator

from onewindow_platform.config import PlatformSettings, load_settings
from onewindow_platform.rpc import client_target


class GatewaySettings(PlatformSettings):
    service_name: str = Field(
        default="ow-gateway", validation_alias=AliasChoices("OTEL_SERVICE_NAME", "OW_SERVICE_NAME"),
    )
    gateway_host: str = Field(description="Where the gateway listens", default="127.0.0.1")
    gateway_port: int = Field(description="Its port", default=8080, ge=1, le=65535)
    gateway_reuse_port: bool = Field(
        default=False, description="Listen with SO_REUSEPORT, so several gateway processes on one host serve one "
                                   "port (the kernel spreads the connections over them)",
    )
    gateway_processes: int = Field(
        default=1, ge=1, description="How many gateway processes share the traffic of one deployment: each enforces "
                                     "its share of the per-token rate limits, so together they hold the limit",
    )
    readiness_timeout_s: float = Field(description="How long /readyz waits for each service", default=3.0, gt=0)
    # Each address: host:port (every address the name resolves to), a comma-separated list of
    # IP:port, or a gRPC target (dns:///…); calls go round robin over the instances.
    intake_grpc_address: str = Field(description="Intake's gRPC API (every instance: see below)",
                                     default="127.0.0.1:50051")
    adapter_grpc_address: str = Field(
        default="127.0.0.1:50052",
        description="The department-adapter's gRPC API (agency callbacks, parked tasks)",
    )
    notification_grpc_address: str = Field(
        default="127.0.0.1:50053",
        description="The notification service's gRPC API (inbox, receipts, ratings)",
    )
    audit_grpc_address: str = Field(
        default="127.0.0.1:50054",
        description="The audit service's gRPC API (timelines, traces, chain verification)",
    )
    supervision_grpc_address: str = Field(
        default="127.0.0.1:50055",
        description="The supervision service's gRPC API (rankings, indicators, 回访 calls)",
    )
    agency_callback_master_secret: str = Field(
        default="", description="derives each agency's HMAC callback secret; empty: token callbacks only")
    grpc_timeout_s: float = Field(description="Longest wait for a service's answer before 503", default=10.0, gt=0)
    gateway_tokens_file: Path | None = Field(
        default=None, description="JSON file of hashed bearer tokens and their roles (see README)",
    )
    sms_receipt_token: str = Field(default="", description="shared with the SMS provider for delivery receipts")
    max_body_bytes: int = Field(description="Request bodies above this get 413", default=64 * 1024, ge=1024)
    catalog_dir: Path | None = Field(description="Reference data folder (default: the shipped catalogue)", default=None)
    rate_limit_per_s: float = Field(default=50.0, gt=0, description="requests a second per token (bursts: below)")
    rate_limit_burst: float = Field(
        default=100.0, ge=1,
        description="Requests a token may send at once before the per-second limit applies",
    )
    auth_failures_per_min: float = Field(default=30.0, gt=0, description="failed authentications per client address")
    gateway_docs: bool = Field(default=True, description="serve /docs and /openapi.json (turn off in production)")
    gateway_cors_origins: str = Field(default="", description="comma-separated origins allowed by CORS; empty: none")
    # The window's pages (server-rendered HTML beside the API; see onewindow_gateway/pages).
    gateway_users_file: Path | None = Field(
        default=None, description="JSON file of the people who sign in to the pages (clerks, ops); written by "
                                  "`python -m onewindow_gateway.accounts`; unset: nobody can sign in",
    )
    gateway_session_hours: float = Field(default=10.0, gt=0, le=24,
                                         description="How long a page session lasts after sign-in (a counter shift)")
    gateway_public_url: str = Field(
        default="", description="The address citizens reach the gateway at, printed as the status link's QR code "
                                "on receipts; empty: the address the clerk's browser used",
    )
    status_lookups_per_min: float = Field(
        default=10.0, gt=0, description="Case-status lookups (case number + phone digits) a client address may try "
                                        "per minute on the citizen page",
    )


    @model_validator(mode="after")
    def _addresses_are_targets(self) -> GatewaySettings:
        for name in ("intake_grpc_address", "adapter_grpc_address", "notification_grpc_address",
                     "audit_grpc_address", "supervision_grpc_address"):
            client_target(getattr(self, name))  # a bad list fails at start, naming the variable
        return self


def settings_from_env() -> GatewaySettings:
    return load_settings(GatewaySettings)
