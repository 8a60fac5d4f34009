"""The sensor gateway between a real Mosquitto and a real Kafka broker (#18): readings published
with QoS 1 reach onewindow.sensors.v1 each once — a reading the meter sends twice too — and what
is not a reading goes to the DLQ with its reason; readings published while the gateway is away
wait in its persistent session; and a SIGKILL in the middle of a stream of readings loses none
and doubles none."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from onewindow.sensor.v1.events_pb2 import SensorReadingReceived
from onewindow_platform.config import PlatformSettings
from onewindow_platform.topics import SENSORS, physical_name
from tests.support.kafka_io import decode_envelopes, read_all
from tests.support.processes import ServiceProcess, wait_until

pytestmark = pytest.mark.kafka


class Meters:
    """A publisher of meter readings (QoS 1, each publish confirmed by the broker)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"meters-{uuid.uuid4().hex[:6]}")
        if parts.username:
            self.client.username_pw_set(unquote(parts.username), unquote(parts.password or ""))
        self.client.max_inflight_messages_set(200)
        self.client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
        self.client.loop_start()

    def publish(self, device: str, body: bytes | dict[str, object]) -> mqtt.MQTTMessageInfo:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.client.publish(f"onewindow/sensors/{device}/readings", payload, qos=1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def reading(seq: int, value: float = 1.0) -> dict[str, object]:
    return {"seq": seq, "kind": "water_meter", "at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "value": value}


@pytest.fixture
def gateway(topics: PlatformSettings, mqtt_url: str, tmp_path: Path) -> Iterator[ServiceProcess]:
    env = {"OW_KAFKA_BOOTSTRAP_SERVERS": topics.kafka_bootstrap_servers, "OW_TOPIC_PREFIX": topics.topic_prefix,
           "OW_DATA_DIR": str(tmp_path / "data"), "OW_MQTT_URL": mqtt_url,
           "OW_MQTT_CLIENT_ID": f"gw-{uuid.uuid4().hex[:8]}"}   # a session of this test's own
    process = ServiceProcess.python_module("onewindow_sensor_gateway", env, tmp_path / "gw", "sensor-gateway")
    process.start()
    process.wait_for_log('"msg": "consuming"')
    yield process
    process.terminate()


def taken(topics: PlatformSettings, devices: set[str], expect: int = 0) -> Counter[tuple[str, int]]:
    records = read_all(topics.kafka_bootstrap_servers, physical_name(topics, SENSORS.name), expect_at_least=expect,
                       timeout_s=10)
    found: Counter[tuple[str, int]] = Counter()
    for envelope in decode_envelopes(records):
        event = SensorReadingReceived()
        envelope.payload.Unpack(event)
        if event.device_id in devices:
            assert envelope.application_id == event.device_id              # keyed by device
            found[(event.device_id, event.sequence)] += 1
    return found


def test_readings_are_taken_once_and_what_is_not_a_reading_is_dead_lettered(
        gateway: ServiceProcess, topics: PlatformSettings, mqtt_url: str) -> None:
    device = f"WM-{uuid.uuid4().hex[:6]}"
    meters = Meters(mqtt_url)
    try:
        for info in [meters.publish(device, reading(n, 10 + n)) for n in range(20)]:
            info.wait_for_publish(10)
        meters.publish(device, reading(5, 15)).wait_for_publish(10)            # the meter sends one again
        meters.publish(device, b"not json").wait_for_publish(10)
        meters.publish(device, {"seq": 99, "kind": "thermometer", "at": "x", "value": 1}).wait_for_publish(10)
    finally:
        meters.close()
    wait_until(lambda: len(taken(topics, {device})) == 20, 30, "not every reading reached Kafka")
    assert set(taken(topics, {device}).values()) == {1}
    dead = read_all(topics.kafka_bootstrap_servers, physical_name(topics, SENSORS.dlq), expect_at_least=2,
                    timeout_s=20)
    reasons = sorted(r.headers["ow-dlq-error"].decode() for r in dead)
    assert reasons == ["kind: one of water_meter, smoke_alarm, fall_alarm", "payload is not JSON"], reasons
    assert all(r.headers["ow-dlq-reason"] == b"invalid-reading" for r in dead)


def test_nothing_is_lost_or_doubled_while_the_gateway_is_away_or_killed_mid_stream(
        gateway: ServiceProcess, topics: PlatformSettings, mqtt_url: str) -> None:
    devices = {f"WM-{uuid.uuid4().hex[:6]}-{i}" for i in range(10)}
    meters = Meters(mqtt_url)
    try:
        # Away: stopped, readings published meanwhile wait in its session at the broker.
        gateway.terminate()
        for info in [meters.publish(d, reading(n)) for d in devices for n in range(20)]:
            info.wait_for_publish(10)
        gateway.start()
        wait_until(lambda: len(taken(topics, devices)) == 200, 60, "the readings sent while it was away")
        # Killed in the middle of a stream of 3,000 readings at about 500 a second.
        sent = threading.Event()
        published = [0]

        def stream() -> None:
            infos = []
            for n in range(20, 320):
                for d in sorted(devices):
                    infos.append(meters.publish(d, reading(n)))
                published[0] += len(devices)
                time.sleep(0.02)
            for info in infos:
                info.wait_for_publish(30)
            sent.set()

        publisher = threading.Thread(target=stream)
        publisher.start()
        wait_until(lambda: published[0] >= 1000, 30, "the stream did not start")
        gateway.kill()
        assert published[0] < 3000                                  # the kill fell in the middle of it
        time.sleep(1)                                               # the stream goes on while it is down
        gateway.start()
        publisher.join(60)
        assert sent.is_set(), "the stream was not all published"
        wait_until(lambda: len(taken(topics, devices)) == 3200, 90, "readings were lost",
                   on_timeout=lambda: f"{len(taken(topics, devices))} of 3200")
        counts = taken(topics, devices)
        assert set(counts.values()) == {1}, [k for k, v in counts.items() if v > 1][:5]
    finally:
        meters.close()
