"""Settings of the notification service (environment variables, safe local defaults)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field

from onewindow_platform.config import PlatformSettings, load_settings


class NotificationSettings(PlatformSettings):
    service_name: str = Field(
        default="ow-notification", validation_alias=AliasChoices("OTEL_SERVICE_NAME", "OW_SERVICE_NAME"),
    )
    notification_grpc_address: str = Field(
        default="127.0.0.1:50053",
        description="Where the inbox, receipt and satisfaction API listens",
    )
    notify_channels: str = Field(default="email,sms", description="external channels in fallback order")
    smtp_host: str = Field(default="127.0.0.1", description="SMTP relay for e-mail notifications")
    smtp_port: int = Field(description="Its port", default=1025, ge=1, le=65535)
    smtp_from: str = Field(default="一网通办 <noreply@onewindow.local>", description="Sender of the e-mails")
    smtp_starttls: bool = Field(default=False, description="Upgrade the SMTP connection with STARTTLS")
    smtp_username: str = Field(default="", description="SMTP login (empty: none)")
    smtp_password: str = Field(default="", description="SMTP password")
    smtp_timeout_s: float = Field(description="Longest wait for the SMTP server", default=10.0, gt=0)
    sms_gateway_url: str = Field(default="http://127.0.0.1:8095", description="HTTP SMS provider")
    sms_api_key: str = Field(description="The SMS provider's API key", default="dev-sms-key")
    sms_timeout_s: float = Field(description="Longest wait for the SMS provider", default=10.0, gt=0)
    notify_max_attempts: int = Field(default=8, ge=1, description="tries of a temporary failure before fallback")
    notify_backoff_initial_s: float = Field(
        default=1.0, gt=0,
        description="First wait before a message a channel refused for now is sent again (doubling)",
    )
    notify_backoff_max_s: float = Field(description="Longest wait between two tries of a message", default=600.0, gt=0)
    notify_workers: int = Field(description="Messages sent at once", default=2, ge=1, le=32)
    templates_dir: Path | None = Field(default=None, description="message templates; default: the shipped zh-CN set")


def settings_from_env() -> NotificationSettings:
    return load_settings(NotificationSettings)
