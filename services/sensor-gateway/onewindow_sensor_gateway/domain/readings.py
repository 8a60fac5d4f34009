"""What a reading published by a meter or an alarm must be. Pure: no I/O, the time is given.

A device publishes to `onewindow/sensors/<device id>/readings` a JSON object:

    {"seq": 1042, "kind": "water_meter", "at": "2026-12-04T08:00:00+08:00", "value": 1234.567}

- `seq`: the device's own counter, a whole number ≥ 0 — (device, seq) names the reading, so a
  reading the broker delivers twice (QoS 1 is at least once) is taken once;
- `kind`: water_meter (value: the cumulative reading in m³, ≥ 0), smoke_alarm or fall_alarm
  (value: 1 raised, 0 cleared);
- `at`: when the device measured, ISO 8601 with its time zone; at most 5 minutes ahead of the
  gateway's clock and at most 30 days old.
Anything else is refused with the reason, and goes to the dead-letter topic.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass

TOPIC = re.compile(r"^onewindow/sensors/([A-Za-z0-9._-]{1,64})/readings$")
KINDS = ("water_meter", "smoke_alarm", "fall_alarm")
MAX_AHEAD = dt.timedelta(minutes=5)
MAX_AGE = dt.timedelta(days=30)
MAX_BYTES = 1024
MAX_METER_M3 = 1e9


class InvalidReading(ValueError):
    """A message that is not a reading; the text says why."""


@dataclass(frozen=True)
class Reading:
    device_id: str
    sequence: int
    kind: str
    measured_at: dt.datetime
    value: float


def parse_reading(topic: str, payload: bytes, now: dt.datetime) -> Reading:
    found = TOPIC.match(topic)
    if not found:
        raise InvalidReading(f"topic {topic[:100]!r} is not onewindow/sensors/<device id>/readings")
    if len(payload) > MAX_BYTES:
        raise InvalidReading(f"payload of {len(payload)} bytes (at most {MAX_BYTES})")
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise InvalidReading("payload is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidReading("payload is not a JSON object")
    sequence = data.get("seq")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not 0 <= sequence < 2**63:
        raise InvalidReading("seq: a whole number from 0")
    kind = data.get("kind")
    if kind not in KINDS:
        raise InvalidReading(f"kind: one of {', '.join(KINDS)}")
    measured_at = _moment(data.get("at"), now)
    value = data.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise InvalidReading("value: a number")
    if kind == "water_meter" and not 0 <= value <= MAX_METER_M3:
        raise InvalidReading("value: a water meter reads 0 or more m³")
    if kind != "water_meter" and value not in (0, 1):
        raise InvalidReading("value: an alarm is 1 (raised) or 0 (cleared)")
    return Reading(found.group(1), sequence, kind, measured_at, float(value))


def _moment(value: object, now: dt.datetime) -> dt.datetime:
    if not isinstance(value, str):
        raise InvalidReading("at: when it was measured, ISO 8601 with a time zone")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidReading("at: when it was measured, ISO 8601 with a time zone") from None
    if moment.tzinfo is None:
        raise InvalidReading("at: needs its time zone (e.g. +08:00)")
    if moment > now + MAX_AHEAD:
        raise InvalidReading("at: in the future by the gateway's clock")
    if moment < now - MAX_AGE:
        raise InvalidReading("at: more than 30 days old")
    return moment.astimezone(dt.UTC)
