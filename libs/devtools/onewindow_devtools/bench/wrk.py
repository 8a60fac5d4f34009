"""HTTP load with wrk (Debian's package, installed when missing): C, so the load generator takes
little of the two cores the platform under test needs. A Lua script gives every request its own
Idempotency-Key (each is a new application), paces connections for a target rate, and prints the
summary and latency percentiles as JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = r"""
local counter = 0
local id = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  interval = tonumber(args[1]) or 0
end
function request()
  counter = counter + 1
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer __TOKEN__",
                   ["Idempotency-Key"] = "__RUN__-" .. id .. "-" .. counter}
  return wrk.format("POST", "__PATH__", headers, __BODY__)
end
function delay()
  return interval
end
function done(summary, latency, requests)
  io.write("WRK-JSON " .. string.format(
    '{"requests": %d, "duration_us": %d, "non2xx": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "p999_us": %d, "max_us": %d, "mean_us": %f}',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean) .. "\n")
end
"""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    non2xx: int
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        return (self.requests - self.non2xx - self.socket_errors) / self.duration_s if self.duration_s else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"requests": self.requests, "duration_s": round(self.duration_s, 2), "non2xx": self.non2xx,
                "socket_errors": self.socket_errors, "accepted_per_s": round(self.rate, 1),
                "p50_ms": self.p50_ms, "p90_ms": self.p90_ms, "p99_ms": self.p99_ms, "p999_ms": self.p999_ms,
                "max_ms": self.max_ms}


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError("the benchmark needs wrk: install Debian's `wrk` package")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "wrk"]):
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


def run_wrk(url: str, path: str, body: dict[str, object], token: str, duration_s: int, connections: int,
            work_dir: Path, rate_per_s: float | None = None, threads: int = 1) -> WrkResult:
    """POST `body` to url+path for `duration_s`; paced towards `rate_per_s` when given."""
    work_dir.mkdir(parents=True, exist_ok=True)
    lua = (SCRIPT.replace("__TOKEN__", token).replace("__PATH__", path)
           .replace("__BODY__", json.dumps(json.dumps(body, ensure_ascii=False), ensure_ascii=False))
           .replace("__RUN__", os.urandom(4).hex()))
    script = work_dir / "load.lua"
    script.write_text(lua, encoding="utf-8")
    # Pacing: wrk waits `delay()` ms after each response on a connection before the next request.
    interval_ms = int(connections * 1000 / rate_per_s) if rate_per_s else 0
    out = subprocess.run([ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--timeout", "10s",
                          "-s", str(script), url, "--", str(interval_ms)],
                         capture_output=True, text=True, check=True)
    line = next(line for line in out.stdout.splitlines() if line.startswith("WRK-JSON "))
    data = json.loads(line.removeprefix("WRK-JSON "))
    return WrkResult(requests=data["requests"], duration_s=data["duration_us"] / 1e6, non2xx=data["non2xx"],
                     socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
                     p50_ms=data["p50_us"] / 1000, p90_ms=data["p90_us"] / 1000, p99_ms=data["p99_us"] / 1000,
                     p999_ms=data["p999_us"] / 1000, max_ms=data["max_us"] / 1000)
