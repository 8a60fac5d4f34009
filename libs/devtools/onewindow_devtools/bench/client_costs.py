"""What the Kafka client itself costs per cycle: the floor under every hop's CPU per case.

    python -m onewindow_devtools.bench.client_costs [--bootstrap 127.0.0.1:9092] [--seconds 15]

Two measurements with the platform's own settings, each in this process alone (CPU from
os.times, all threads, so the client's I/O thread is counted):

- one outbox relay cycle: a transaction stages n events, the relay publishes them (acks=all,
  idempotent) and deletes them — CPU per cycle and per event, for n = 1, 3, 10, 100;
- one consumer poll: another process produces at a fixed rate; this one polls as the consuming
  loop does (fetch pacing included) — polls per second and CPU per poll and per record.

A service at a few cases per second does about one relay cycle per commit and one poll per
record, so these per-cycle figures, times the cycles a case causes, bound its CPU per case from
below whatever the handlers do.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from onewindow.task.v1.events_pb2 import TaskDelivered
from onewindow_platform.config import PlatformSettings, load_settings
from onewindow_platform.events import build_envelope
from onewindow_platform.kafka import FetchPacing, make_consumer, make_producer
from onewindow_platform.outbox import OutboxRelay, add_to_outbox
from onewindow_platform.storage import SqliteDatabase
from onewindow_platform.topics import TASKS, ensure_topics, physical_name

RECORD_BYTES = 684  # the mean size of the stack's records (the reference bench run)


def _cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def _settings(bootstrap: str, prefix: str) -> PlatformSettings:
    return load_settings(PlatformSettings, kafka_bootstrap_servers=bootstrap, service_name="bench-client-costs",
                         topic_prefix=prefix, data_dir=Path(tempfile.mkdtemp(prefix="ow-client-costs-")))


def relay_cycles(bootstrap: str, cycles: int = 300) -> list[dict[str, float]]:
    settings = _settings(bootstrap, f"benchcost{os.urandom(3).hex()}.")
    ensure_topics(settings)
    db = SqliteDatabase(settings.data_dir / "relay.db")
    relay = OutboxRelay(db, make_producer(settings), settings)
    rows = []
    for per_cycle in (1, 3, 10, 100):
        count = max(20, cycles // max(1, per_cycle // 3))
        before, wall = _cpu_s(), time.monotonic()
        for n in range(count):
            with db.transaction() as tx:
                for i in range(per_cycle):
                    add_to_outbox(tx, settings, build_envelope(
                        TaskDelivered(task_id=f"T{n}-{i}", agency_reference="x" * 400),
                        application_id=f"110101-20261202-{n:05d}", source=settings.service_name))
            relay.publish_pending()
        used = _cpu_s() - before
        rows.append({"events_per_cycle": per_cycle, "cpu_ms_per_cycle": round(used * 1000 / count, 2),
                     "cpu_ms_per_event": round(used * 1000 / count / per_cycle, 3),
                     "wall_ms_per_cycle": round((time.monotonic() - wall) * 1000 / count, 2)})
    relay.producer.close()
    db.close()
    return rows


def _produce(bootstrap: str, prefix: str, rate: float, seconds: float) -> None:
    settings = _settings(bootstrap, prefix)
    producer = make_producer(settings)
    topic = physical_name(settings, TASKS.name)
    value = os.urandom(RECORD_BYTES)
    started = time.monotonic()
    for n in range(int(rate * seconds)):
        producer.send(topic, key=f"110101-20261202-{n:05d}".encode(), value=value)
        time.sleep(max(0.0, started + (n + 1) / rate - time.monotonic()))
    producer.flush()
    producer.close()


def consumer_polls(bootstrap: str, rate: float, seconds: float) -> dict[str, float]:
    prefix = f"benchcost{os.urandom(3).hex()}."
    settings = _settings(bootstrap, prefix)
    ensure_topics(settings)
    consumer = make_consumer(settings, [physical_name(settings, TASKS.name)], group_id=prefix + "polls")
    pacing = FetchPacing(consumer, settings)
    for _ in range(3):  # join the group before anything is counted
        consumer.poll(timeout_ms=500)
    producer = subprocess.Popen([sys.executable, "-m", __spec__.name if __spec__ else __name__, "--produce",
                                 prefix, str(rate), str(seconds + 4), "--bootstrap", bootstrap])
    time.sleep(2)
    before, records, polls = _cpu_s(), 0, 0
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        batch = consumer.poll(timeout_ms=settings.consumer_poll_timeout_ms,
                              max_records=settings.consumer_max_poll_records)
        pacing.update(records_came=bool(batch))
        polls += 1
        records += sum(len(part) for part in batch.values())
    used = _cpu_s() - before
    producer.wait(timeout=seconds + 60)
    consumer.close(autocommit=False)
    return {"offered_per_s": rate, "records": records, "polls_per_s": round(polls / seconds, 1),
            "records_per_poll": round(records / max(1, polls), 2),
            "cpu_ms_per_poll": round(used * 1000 / max(1, polls), 2),
            "cpu_ms_per_record": round(used * 1000 / max(1, records), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onewindow_devtools.bench.client_costs")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each consumer measurement")
    parser.add_argument("--produce", nargs=3, metavar=("PREFIX", "RATE", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.produce:
        _produce(args.bootstrap, args.produce[0], float(args.produce[1]), float(args.produce[2]))
        return 0
    lines = ["## One relay cycle (stage n events in a transaction, publish, delete)", "",
             "| events per cycle | CPU ms per cycle | CPU ms per event | wall ms per cycle |", "|---:|---:|---:|---:|"]
    lines += [f"| {r['events_per_cycle']} | {r['cpu_ms_per_cycle']} | {r['cpu_ms_per_event']} | "
              f"{r['wall_ms_per_cycle']} |" for r in relay_cycles(args.bootstrap)]
    lines += ["", "## One consumer poll (the consuming loop's settings and fetch pacing)", "",
              "| offered records/s | polls/s | records per poll | CPU ms per poll | CPU ms per record |",
              "|---:|---:|---:|---:|---:|"]
    for rate in (30.0, 200.0, 1000.0):
        r = consumer_polls(args.bootstrap, rate, args.seconds)
        lines.append(f"| {rate:g} | {r['polls_per_s']} | {r['records_per_poll']} | {r['cpu_ms_per_poll']} | "
                     f"{r['cpu_ms_per_record']} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
