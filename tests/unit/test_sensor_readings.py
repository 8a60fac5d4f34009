"""What the sensor gateway takes as a reading (#18): the topic names the device, the payload its
counter, kind, time and value; anything else is refused with the reason; and the broker URL's
password never reaches a log line."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from onewindow_sensor_gateway.domain.readings import InvalidReading, parse_reading
from onewindow_sensor_gateway.settings import SensorGatewaySettings

NOW = dt.datetime(2026, 12, 4, 0, 0, tzinfo=dt.UTC)
TOPIC = "onewindow/sensors/WM-0042/readings"


def payload(**fields: object) -> bytes:
    return json.dumps({"seq": 7, "kind": "water_meter", "at": "2026-12-04T07:55:00+08:00", "value": 12.5}
                      | fields).encode()


def test_a_good_reading_is_taken_with_its_device_counter_and_time_in_utc() -> None:
    reading = parse_reading(TOPIC, payload(), NOW)
    assert (reading.device_id, reading.sequence, reading.kind, reading.value) == ("WM-0042", 7, "water_meter", 12.5)
    assert reading.measured_at == dt.datetime(2026, 12, 3, 23, 55, tzinfo=dt.UTC)
    assert parse_reading("onewindow/sensors/FA-1/readings", payload(kind="fall_alarm", value=1), NOW).value == 1.0


@pytest.mark.parametrize(("topic", "body", "why"), [
    ("onewindow/sensors/WM 1/readings", payload(), "topic"),
    ("onewindow/sensors/WM-1/status", payload(), "topic"),
    (TOPIC, b"\xff\xfe", "not JSON"),
    (TOPIC, b"[1, 2]", "not a JSON object"),
    (TOPIC, b"{" + b" " * 2000 + b"}", "bytes"),
    (TOPIC, payload(seq=-1), "seq"),
    (TOPIC, payload(seq=True), "seq"),
    (TOPIC, payload(seq="7"), "seq"),
    (TOPIC, payload(kind="thermometer"), "kind"),
    (TOPIC, payload(at="2026-12-04T07:55:00"), "time zone"),
    (TOPIC, payload(at="yesterday"), "ISO 8601"),
    (TOPIC, payload(at="2026-12-04T09:00:00+08:00"), "future"),
    (TOPIC, payload(at="2026-10-01T09:00:00+08:00"), "30 days"),
    (TOPIC, payload(value="12"), "value"),
    (TOPIC, b'{"seq": 7, "kind": "water_meter", "at": "2026-12-04T07:55:00+08:00", "value": NaN}', "value"),
    (TOPIC, payload(value=-0.5), "0 or more"),
    (TOPIC, payload(kind="smoke_alarm", value=0.5), "alarm"),
])
def test_anything_else_is_refused_with_its_reason(topic: str, body: bytes, why: str) -> None:
    with pytest.raises(InvalidReading, match=why):
        parse_reading(topic, body, NOW)


def test_the_broker_url_gives_its_parts_and_logs_without_the_password() -> None:
    settings = SensorGatewaySettings(mqtt_url="mqtt://meter-gw:p%40ss@broker.internal:8883")
    assert settings.broker() == ("broker.internal", 8883, "meter-gw", "p@ss")
    assert settings.broker_for_logs() == "mqtt://meter-gw@broker.internal:8883"
    with pytest.raises(ValueError, match="mqtt://"):
        SensorGatewaySettings(mqtt_url="http://broker:1883")
