"""Settings of the audit service (environment variables, safe local defaults)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr

from onewindow_platform.config import PlatformSettings, load_settings


class AuditSettings(PlatformSettings):
    service_name: str = Field(
        default="ow-audit", validation_alias=AliasChoices("OTEL_SERVICE_NAME", "OW_SERVICE_NAME"),
    )
    # Every event of every case comes here: a span for each would be a third of a case's spans and
    # a third of this service's work, for what the record itself shows (the event, when it was
    # recorded, the trace and the span that published it).
    consumer_spans: bool = Field(default=False)
    audit_grpc_address: str = Field(default="127.0.0.1:50054",
                                    description="host:port of the audit query API and the OTLP span receiver")
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OW_AUDIT_DATABASE_URL", "OW_DATABASE_URL"),
        description="postgresql://… to keep the chain, the inbox and the spans in PostgreSQL (every audit instance "
                    "on one database); OW_AUDIT_DATABASE_URL wins over OW_DATABASE_URL; unset: SQLite files",
    )
    audit_signing_key: SecretStr | None = Field(
        default=None, description="Ed25519 private key (base64 of the 32-byte seed) that signs checkpoints; "
                                  "unset: a development key in <data_dir>/audit-signing.key",
    )
    audit_verify_keys: str = Field(
        default="", description="Comma-separated base64 Ed25519 public keys also trusted (keys rotated out)",
    )
    audit_checkpoint_interval_s: float = Field(default=60.0, gt=0, description="How often the head is signed")
    span_store_path: Path | None = Field(default=None, description="SQLite file of the span store")
    span_retention_days: float = Field(default=7.0, gt=0, description="Spans older than this are pruned")
    span_forward_endpoint: str | None = Field(
        default=None, description="OTLP/gRPC endpoint (e.g. http://jaeger:4317) that receives a copy of every span",
    )

    def resolved_span_store_path(self) -> Path:
        return self.span_store_path or self.data_dir / f"{self.service_name}-spans.db"


def settings_from_env() -> AuditSettings:
    return load_settings(AuditSettings)
