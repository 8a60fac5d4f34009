"""HTTP load with vegeta (github.com/tsenart/vegeta, built from the Go module proxy when missing).

Why vegeta: it is an *open-loop* generator — requests leave on a fixed schedule (rate/s, spread
evenly), whatever the server's answers are doing, with as many connections as the schedule needs —
so a slow answer cannot hold back the next request, as it does in a closed-loop tool like wrk
(coordinated omission). It is Go, so the load takes little of the two cores under test, and it
records every request (its sequence number, when it left, how long it took), from which latency
is measured from the moment each request was *due*: `due = start + seq / rate`.

Every request is a new application: targets are streamed to vegeta (`-lazy -format=json`), each
with its own Idempotency-Key. With `rate=None` vegeta runs closed-loop with `workers` workers:
the most the stack takes (the maximum phase), where "due" has no meaning.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

VEGETA_MODULE = "github.com/tsenart/vegeta/v12@v12.13.0"
TOOLS = Path(".run") / "tools"

# What every benchmark submits: a noise complaint (one agency task), with the personal data a
# real case carries (sealed by intake, masked in logs).
BODY: dict[str, object] = {"item_code": "complaint.noise", "region_code": "110101", "channel": "hotline",
        "location_region_code": "110101001001",
        "applicant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678",
                      "email": "zhangsan@example.cn"},
        "fields": {"description": "夜间施工噪音", "noise_source": "construction", "time_of_day": "night"}}


@dataclass(frozen=True)
class LoadResult:
    requests: int
    accepted: int  # answered 202
    errors: int  # any other answer, or none
    duration_s: float  # from the first request leaving to the last answer
    offered_per_s: float | None
    p50_ms: float  # latency from when each request was due (open loop) or was sent (closed loop)
    p99_ms: float
    p999_ms: float
    max_ms: float
    late_p99_ms: float  # how late requests left against their schedule (0 when vegeta kept up)

    @property
    def accepted_per_s(self) -> float:
        return self.accepted / self.duration_s if self.duration_s else 0.0

    def as_dict(self) -> dict[str, float | int | None]:
        return {"requests": self.requests, "accepted": self.accepted, "errors": self.errors,
                "duration_s": round(self.duration_s, 2), "offered_per_s": self.offered_per_s,
                "accepted_per_s": round(self.accepted_per_s, 1), "p50_ms": self.p50_ms, "p99_ms": self.p99_ms,
                "p999_ms": self.p999_ms, "max_ms": self.max_ms, "late_p99_ms": self.late_p99_ms}


def ensure_vegeta() -> str:
    found = shutil.which("vegeta") or (str(TOOLS / "vegeta") if (TOOLS / "vegeta").exists() else None)
    if found:
        return found
    go = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").exists() else None)
    if go is None:
        raise RuntimeError("the benchmark's load generator is vegeta, built with Go: install Go (https://go.dev/dl) "
                           "or put `vegeta` on the PATH")
    TOOLS.mkdir(parents=True, exist_ok=True)
    subprocess.run([go, "install", VEGETA_MODULE], env={**os.environ, "GOBIN": str(TOOLS.resolve())}, check=True)
    return str(TOOLS / "vegeta")


def percentile(ordered: list[float], q: float) -> float:
    """The q-th percentile of an already sorted list (0 when empty)."""
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)


def _feed_targets(pipe: object, url: str, body: bytes, token: str, run: str, stop: threading.Event) -> None:
    encoded = base64.b64encode(body).decode()
    n = 0
    try:
        while not stop.is_set():
            n += 1
            target = {"method": "POST", "url": url, "body": encoded,
                      "header": {"Content-Type": ["application/json"], "Authorization": [f"Bearer {token}"],
                                 "Idempotency-Key": [f"{run}-{n}"]}}
            pipe.write((json.dumps(target) + "\n").encode())  # type: ignore[attr-defined]
    except (BrokenPipeError, ValueError):  # vegeta finished and closed its input
        pass


def run_load(url: str, path: str, body: dict[str, object], token: str, duration_s: int, work_dir: Path,
             rate_per_s: float | None = None, workers: int = 32) -> LoadResult:
    """POST `body` to url+path for `duration_s`: at `rate_per_s` (open loop), or as fast as
    `workers` closed-loop workers go when no rate is given."""
    work_dir.mkdir(parents=True, exist_ok=True)
    vegeta = ensure_vegeta()
    results = work_dir / "results.bin"
    # vegeta's rate is a whole number per a duration: 18.3/s is written 18300/1000s.
    pacing = [f"-rate={round(rate_per_s * 1000)}/1000s"] if rate_per_s else ["-rate=0", f"-workers={workers}",
                                                                f"-max-workers={workers}"]
    with open(work_dir / "vegeta.err", "wb") as errors:
        attack = subprocess.Popen([vegeta, "attack", "-lazy", "-format=json", f"-duration={duration_s}s",
                                   "-timeout=10s", "-keepalive", "-max-body=0", *pacing, f"-output={results}"],
                                  stdin=subprocess.PIPE, stderr=errors)
        stop = threading.Event()
        feeder = threading.Thread(target=_feed_targets, daemon=True, args=(
            attack.stdin, url + path, json.dumps(body, ensure_ascii=False).encode(), token, os.urandom(4).hex(),
            stop))
        feeder.start()
        attack.wait(timeout=duration_s + 120)
        stop.set()
    if attack.returncode != 0:
        raise RuntimeError(f"vegeta attack failed ({attack.returncode}): "
                           f"{(work_dir / 'vegeta.err').read_text(errors='replace')[-2000:]}")
    encoded = subprocess.run([vegeta, "encode", "--to", "json", str(results)], capture_output=True, check=True).stdout
    return summarise([json.loads(line) for line in encoded.splitlines() if line.strip()], rate_per_s)


_RFC3339 = re.compile(r"(?P<whole>[^.]+?)(?:\.(?P<fraction>\d+))?(?P<zone>Z|[+-]\d\d:\d\d)$")


def _instant_ns(stamp: str) -> int:
    """Vegeta's RFC 3339 timestamps with nanoseconds, as integer nanoseconds since the epoch
    (datetime keeps microseconds only)."""
    match = _RFC3339.match(stamp)
    assert match, f"not an RFC 3339 timestamp: {stamp!r}"
    zone = "+00:00" if match["zone"] == "Z" else match["zone"]
    whole = dt.datetime.fromisoformat(match["whole"] + zone)
    return int(whole.timestamp()) * 1_000_000_000 + int((match["fraction"] or "0").ljust(9, "0")[:9])


def summarise(hits: list[dict[str, object]], rate_per_s: float | None) -> LoadResult:
    if not hits:
        return LoadResult(0, 0, 0, 0.0, rate_per_s, 0.0, 0.0, 0.0, 0.0, 0.0)
    sent = [_instant_ns(str(h["timestamp"])) for h in hits]
    start = min(sent)
    latencies, late = [], []
    for hit, at in zip(hits, sent, strict=True):
        took = int(hit["latency"])  # type: ignore[call-overload]
        if rate_per_s:
            due = start + int(int(hit["seq"]) * 1e9 / rate_per_s)  # type: ignore[call-overload]
            latencies.append((at + took - due) / 1e6)
            late.append(max(0, at - due) / 1e6)
        else:
            latencies.append(took / 1e6)
    latencies.sort()
    late.sort()
    end = max(at + int(h["latency"]) for h, at in zip(hits, sent, strict=True))  # type: ignore[call-overload]
    accepted = sum(1 for h in hits if h["code"] == 202)
    return LoadResult(requests=len(hits), accepted=accepted, errors=len(hits) - accepted,
                      duration_s=(end - start) / 1e9, offered_per_s=rate_per_s, p50_ms=percentile(latencies, 50),
                      p99_ms=percentile(latencies, 99), p999_ms=percentile(latencies, 99.9),
                      max_ms=round(latencies[-1], 1), late_p99_ms=percentile(late, 99))
