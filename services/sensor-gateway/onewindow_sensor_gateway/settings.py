"""Settings of the sensor gateway (environment variables, safe local defaults)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, Field, field_validator

from onewindow_platform.config import PlatformSettings, load_settings


class SensorGatewaySettings(PlatformSettings):
    service_name: str = Field(
        default="ow-sensor-gateway", validation_alias=AliasChoices("OTEL_SERVICE_NAME", "OW_SERVICE_NAME"),
    )
    mqtt_url: str = Field(default="mqtt://127.0.0.1:11883",
                          description="the MQTT broker the meters publish to: mqtt://[user:password@]host:port "
                                      "(`make mqtt-up` starts Debian's Mosquitto on 11883)")
    mqtt_client_id: str = Field(default="ow-sensor-gateway", min_length=1, max_length=64,
                                description="the gateway's persistent session at the broker (keep it across restarts: "
                                            "the broker queues QoS 1 readings for it while it is away)")
    mqtt_topic_filter: str = Field(default="onewindow/sensors/+/readings",
                                   description="what the gateway subscribes to (QoS 1)")
    ingest_batch: int = Field(default=500, ge=1, le=10_000,
                              description="readings taken in one transaction (and acknowledged after it)")
    ingest_wait_ms: float = Field(default=20.0, ge=0, le=1000,
                                  description="how long a batch waits to fill once its first reading came")

    @field_validator("mqtt_url")
    @classmethod
    def _broker_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "mqtt" or not parts.hostname:
            raise ValueError("mqtt_url: mqtt://[user:password@]host:port")
        return value

    def broker(self) -> tuple[str, int, str, str]:
        """(host, port, user, password) of the broker (never logged: the password is in it)."""
        parts = urlsplit(self.mqtt_url)
        return (parts.hostname or "127.0.0.1", parts.port or 1883, unquote(parts.username or ""),
                unquote(parts.password or ""))

    def broker_for_logs(self) -> str:
        host, port, user, _ = self.broker()
        return f"mqtt://{user + '@' if user else ''}{host}:{port}"


def settings_from_env() -> SensorGatewaySettings:
    return load_settings(SensorGatewaySettings)
