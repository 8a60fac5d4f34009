"""Simulated water meters of enrolled people, publishing readings over MQTT like the real ones.

    python -m onewindow_devtools.meter_simulator --meters 100000 --rate 5000 --seconds 60 [--url mqtt://…]

Each meter has its own device id (`WM-000001` …), its own sequence counter and a cumulative
reading that grows by a household's use (a few litres an hour; `--quiet` meters barely move, as an
elder's would when something is wrong). Readings go out round robin over the meters at `--rate`
a second, QoS 1, each confirmed by the broker (PUBACK) before it counts as sent; the run prints
how many it sent and how fast. Device ids, sequences and values come from `--seed`, so a run can
be checked reading for reading.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from .mqtt_local import LocalMqtt


@dataclass
class Meter:
    device_id: str
    quiet: bool
    value: float = 100.0
    sequence: int = 0


@dataclass
class Fleet:
    meters: list[Meter]
    rng: random.Random
    sent: int = 0
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def of(cls, count: int, quiet_share: float, seed: int) -> Fleet:
        rng = random.Random(seed)
        return cls([Meter(f"WM-{n:06d}", rng.random() < quiet_share) for n in range(1, count + 1)], rng)

    def next_reading(self, n: int) -> tuple[str, bytes]:
        meter = self.meters[n % len(self.meters)]
        meter.sequence += 1
        meter.value += 0.00001 if meter.quiet else self.rng.uniform(0.001, 0.02)
        body = {"seq": meter.sequence, "kind": "water_meter", "value": round(meter.value, 5),
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        return f"onewindow/sensors/{meter.device_id}/readings", json.dumps(body, separators=(",", ":")).encode()


def connect(url: str, client_id: str) -> mqtt.Client:
    parts = urlsplit(url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    if parts.username:
        client.username_pw_set(unquote(parts.username), unquote(parts.password or ""))
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(parts.hostname or "127.0.0.1", parts.port or 1883, keepalive=30)
    client.loop_start()
    return client


def publish(url: str, fleet: Fleet, rate: float, seconds: float,
            client_id: str = "meter-simulator") -> dict[str, float]:
    """Readings at `rate` a second for `seconds` (each confirmed by the broker); what was sent."""
    client = connect(url, client_id)
    pending: list[mqtt.MQTTMessageInfo] = []
    started = time.monotonic()
    total = int(rate * seconds)
    try:
        for n in range(total):
            due = started + n / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            topic, payload = fleet.next_reading(fleet.sent)
            pending.append(client.publish(topic, payload, qos=1))
            fleet.sent += 1
            if len(pending) >= 5000:
                for info in pending:
                    info.wait_for_publish(60)
                pending.clear()
        for info in pending:
            info.wait_for_publish(60)
    finally:
        client.disconnect()
        client.loop_stop()
    elapsed = time.monotonic() - started
    return {"sent": total, "seconds": round(elapsed, 2), "per_s": round(total / elapsed, 1) if elapsed else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onewindow_devtools.meter_simulator")
    parser.add_argument("--meters", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=5000.0, help="readings a second, all meters together")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--quiet-share", type=float, default=0.001, help="share of meters that barely move")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--url", default="", help="the broker (default: OW_MQTT_URL, or the local one)")
    args = parser.parse_args(argv)
    url = args.url or os.environ.get("OW_MQTT_URL") or LocalMqtt.from_env().url()
    result = publish(url, Fleet.of(args.meters, args.quiet_share, args.seed), args.rate, args.seconds)
    print(json.dumps(result))
    return 0 if result["sent"] else 1


if __name__ == "__main__":
    sys.exit(main())
