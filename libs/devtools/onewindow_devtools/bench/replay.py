"""Each consuming hop's own limit: after the run, the service is started alone under a new consumer
group and reads the run's topics from the beginning — a backlog it drains as fast as it can, like
the empty relay drains its topic. Its inbox timestamps give its rate.

Alone means the rest of the stack is stopped: the adapter's agency calls and the notification
sender's e-mails, done by their own workers after the consumer's commit, fail and wait for retry;
spans are recorded but not exported. Intake gets a copy of its database (its cases come from the
gateway, not from events) with its inbox and outbox emptied.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from onewindow_devtools.registry import SERVICES

HOPS = [(c.name, c.module) for c in SERVICES]  # every consuming service, alone


def _copy_without_platform_rows(source: Path, target: Path) -> None:
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
        copy.execute("DELETE FROM ow_inbox")
        copy.execute("DELETE FROM ow_outbox")


def _has_started(path: Path) -> bool:
    """The hop has handled its first event (a cheap look, asked twice a second while it starts)."""
    if not path.exists():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
            return conn.execute("SELECT 1 FROM ow_inbox LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:  # the file exists, its tables not yet
        return False


def _inbox_rate(path: Path, window_s: int = 5) -> tuple[int, float]:
    """(events in the inbox, the best rate over `window_s` consecutive seconds): the drain of the
    backlog, not the trickle of the hop's own new events that may follow it."""
    if not path.exists():
        return 0, 0.0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
        stamps = [row[0] for row in conn.execute("SELECT processed_at FROM ow_inbox")]
    if len(stamps) < 2:
        return len(stamps), 0.0
    seconds = sorted(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() for s in stamps)
    span = seconds[-1] - seconds[0]
    if span < window_s:
        return len(seconds), round((len(seconds) - 1) / span, 1) if span > 0 else 0.0
    per_second = Counter(int(t - seconds[0]) for t in seconds)
    best = max(sum(per_second.get(start + k, 0) for k in range(window_s)) for start in range(int(span) - window_s + 2))
    return len(seconds), round(best / window_s, 1)


def replay_hop(name: str, module: str, *, bootstrap: str, topic_prefix: str, live_data: Path, work: Path,
               sampling_ratio: str, seconds: int) -> dict[str, object]:
    data = work / "replay" / name
    data.mkdir(parents=True, exist_ok=True)
    group = f"{name}-replay"
    database = data / f"{group}.db"
    if name == "ow-intake":
        _copy_without_platform_rows(live_data / "ow-intake.db", database)
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_EXPORTER_OTLP")}
    env.update({"OW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "OW_TOPIC_PREFIX": topic_prefix, "OW_DATA_DIR": str(data),
                "OTEL_SERVICE_NAME": group, "OW_LOG_LEVEL": "WARNING", "OW_TRACE_SAMPLING_RATIO": sampling_ratio,
                "OW_PII_KEY": (live_data / "pii.key").read_text().strip(), "PYTHONUNBUFFERED": "1",
                # the adapter refuses to start without one; its agency calls fail here anyway
                "OW_AGENCY_WEBHOOK_SECRET": os.environ.get("OW_AGENCY_WEBHOOK_SECRET") or os.urandom(24).hex()})
    log = open(data / "service.log", "wb")  # noqa: SIM115 - closed below, after the process
    process = subprocess.Popen([sys.executable, "-m", module], env=env, cwd=data, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not _has_started(database) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
        time.sleep(seconds)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
    events, rate = _inbox_rate(database)
    result: dict[str, object] = {"events": events, "events_per_s": rate}
    if events < 2:
        result["problem"] = (data / "service.log").read_text(errors="replace")[-500:] or "it handled nothing"
    return result


def replay_hops(**kwargs: object) -> dict[str, dict[str, object]]:
    results = {}
    for name, module in HOPS:
        print(f"bench: hop alone on the run's backlog — {name}", flush=True)
        results[name] = replay_hop(name, module, **kwargs)  # type: ignore[arg-type]
        print(f"bench: {name}: {results[name]}", flush=True)
    return results
