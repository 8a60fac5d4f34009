"""Entry point: `python -m onewindow_sensor_gateway` — readings from the MQTT broker (a persistent
session, QoS 1) onto Kafka, validated and each once."""

from __future__ import annotations

from collections.abc import Callable

from onewindow_platform.bootstrap import Built, Service, run

from .ingest import MqttIngest
from .settings import settings_from_env
from .storage import SCHEMA


def start_ingest(built: Built) -> Callable[[], None]:
    stop: Callable[[], None] = built.ingest.start()
    return stop


SERVICE = Service(
    settings=settings_from_env,
    schema=SCHEMA,
    components={"ingest": lambda b: MqttIngest(b.settings, b.db, b.relay, b.producer)},
    servers=[start_ingest],
)


def main() -> int:
    return run(SERVICE)


if __name__ == "__main__":
    raise SystemExit(main())
