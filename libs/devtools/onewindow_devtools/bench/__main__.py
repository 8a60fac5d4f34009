"""`make bench` — how fast the platform runs on this machine, against its own baselines.

    python -m onewindow_devtools.bench [--duration 300] [--connections 32] [--sampling 1.0]

1. Baselines: a bare FastAPI endpoint with the gateway's request model (what the gateway could do
   at most), and an empty kafka-python consume→produce relay (what any consuming hop could do).
2. The real stack (`make run` with agencies that answer at once): submissions as fast as the
   gateway takes them → the most applications a second carried end to end (accepted, every task
   acknowledged by the agency, the citizen notified, the acknowledgement audited).
3. Sustained: that rate (capped at --target) for --duration seconds, nothing lost.
4. Latency at 50 % and 80 % of the measured maximum: HTTP submit, and acceptance → the agency's
   receipt of each task.
5. Throughout: CPU per process and progress once a second (plotted), and a py-spy flame graph of
   the service that used the most CPU at the maximum, taken during the sustained phase.
6. Each consuming service alone on the run's backlog (its own limit, against the relay's).
Writes bench/results/<time>.md and .json, and the PNG plots and the SVG flame graph beside them
(git-ignored but for the committed reference run in bench/results/reference/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, cast

from onewindow_devtools.kafka_local import LocalBroker
from onewindow_devtools.run_stack import SERVICES

from .machine import describe
from .monitor import Monitor, stack_processes
from .plots import write_plots
from .profile import record_flame_graph
from .relay import relay_rate
from .replay import replay_hops
from .stack import BenchStack
from .wrk import run_wrk

BODY: dict[str, object] = {"item_code": "complaint.noise", "region_code": "110101", "channel": "hotline",
        "location_region_code": "110101001001",
        "applicant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678",
                      "email": "zhangsan@example.cn"},
        "fields": {"description": "夜间施工噪音", "noise_source": "construction", "time_of_day": "night"}}
TASKS_PER_CASE = 1  # the noise complaint goes straight to the street office (直派)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)


def bare_http_max(work: Path, seconds: int, connections: int) -> dict[str, float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "onewindow_devtools.bench.bare_http", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        time.sleep(3)
        return run_wrk(f"http://127.0.0.1:{port}", "/api/v1/applications", BODY, "unused", seconds, connections,
                       work / "bare").as_dict()
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_until_done(stack: BenchStack, timeout_s: float, at_least: int = 0) -> tuple[dict[str, int], float]:
    """Until everything accepted so far (at least `at_least` cases) is acknowledged, notified and
    audited; returns the progress and the moment it was done."""
    deadline = time.monotonic() + timeout_s
    while True:
        progress = stack.progress()
        expected = progress["accepted"] * TASKS_PER_CASE
        done = (progress["accepted"] >= at_least and progress["tasks_acknowledged"] >= expected
                and progress["notified"] >= progress["accepted"] and progress["audited_acknowledgements"] >= expected)
        if done:
            return progress, time.monotonic()
        if time.monotonic() > deadline:
            return progress, time.monotonic()
        time.sleep(0.5)


def phase(stack: BenchStack, name: str, seconds: int, connections: int, rate: float | None, work: Path,
          results: dict[str, object], monitor: Monitor) -> dict[str, object]:
    before = stack.progress()
    started = time.monotonic()
    monitor.mark(name)
    t_start = monitor.now()
    window_start = dt.datetime.now(dt.UTC)
    load = run_wrk(stack.url, "/api/v1/applications", BODY, stack.token(), seconds, connections, work / name,
                   rate_per_s=rate)
    t_end = monitor.now()
    progress, done_at = wait_until_done(stack, timeout_s=max(120.0, seconds * 3))
    accepted = progress["accepted"] - before["accepted"]
    expected = progress["accepted"] * TASKS_PER_CASE
    lost = (expected - progress["tasks_acknowledged"]) + (progress["accepted"] - progress["notified"])
    dispatch = stack.accept_to_dispatch_ms(since=window_start)
    summary: dict[str, object] = {
        "offered_rate": rate, "http": load.as_dict(), "accepted": accepted,
        "end_to_end_per_s": round(accepted / (done_at - started), 1) if done_at > started else 0.0,
        "seconds_to_drain_after_load": round(done_at - started - load.duration_s, 1),
        "not_done": max(0, lost), "accept_to_dispatch_ms": {
            "p50": percentile(dispatch, 50), "p99": percentile(dispatch, 99), "p999": percentile(dispatch, 99.9),
            "tasks": len(dispatch)},
        "t_start": t_start, "t_end": t_end, "cpu_percent": monitor.mean_cpu(t_start, t_end),
    }
    results[name] = summary
    print(f"bench: {name}: {json.dumps(summary, ensure_ascii=False)}", flush=True)
    return summary


def busiest_service(cpu_percent: dict[str, float]) -> str | None:
    """The service of ours that used the most CPU (the broker and the test doubles aside)."""
    ours = {name: cpu for name, cpu in cpu_percent.items()
            if name in ("intake", "routing", "department_adapter", "notification", "audit", "gateway")}
    return max(ours, key=ours.__getitem__) if ours else None


def start_profile(stack: BenchStack, service: str | None, duration_s: int, out_dir: Path, stamp: str,
                  results: dict[str, object]) -> threading.Thread | None:
    """Sample the busiest service for up to 30 s from a few seconds into the sustained phase."""
    if service is None or stack.process is None:
        return None
    pids = [pid for pid, name in stack_processes(stack.process.pid).items() if name == service]
    if not pids:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    svg = out_dir / f"{stamp}-flame-{service}.svg"
    seconds = max(5, min(30, duration_s - 10))

    def run() -> None:
        time.sleep(min(5, duration_s / 4))
        outcome = record_flame_graph(pids[0], seconds, svg)
        results["profile"] = {"service": service, "seconds": seconds, "file": svg.name, "outcome": outcome}
        print(f"bench: profile of {service}: {outcome}", flush=True)

    thread = threading.Thread(target=run, name="bench-profile", daemon=True)
    thread.start()
    return thread


def gateway_alone(work: Path, bootstrap: str, sampling: str, seconds: int, connections: int) -> dict[str, object]:
    """The gateway and intake with nothing downstream running: what the HTTP side takes at most
    when it has the machine to itself (the events wait in Kafka)."""
    print("bench: gateway and intake alone", flush=True)
    downstream = tuple(name for name, _ in SERVICES if name not in ("ow-gateway", "ow-intake"))
    stack = BenchStack(work / "gateway-alone", bootstrap, sampling, without=downstream).start()
    try:
        if stack.submit(BODY) != 202:
            return {"problem": "the warm-up submission was refused"}
        load = run_wrk(stack.url, "/api/v1/applications", BODY, stack.token(), seconds, connections,
                       work / "gateway-alone" / "wrk")
    finally:
        stack.stop()
    print(f"bench: gateway_alone: {json.dumps(load.as_dict())}", flush=True)
    return {"http": load.as_dict()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onewindow_devtools.bench")
    parser.add_argument("--duration", type=int, default=int(os.environ.get("OW_BENCH_DURATION_S", "300")),
                        help="seconds of the sustained phase (the target: 5 minutes)")
    parser.add_argument("--probe", type=int, default=20, help="seconds of each maximum and latency phase")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--target", type=float, default=1000.0, help="applications a second aimed for")
    parser.add_argument("--sampling", default=os.environ.get("OW_TRACE_SAMPLING_RATIO", "1.0"))
    parser.add_argument("--hop-seconds", type=int, default=20,
                        help="seconds each consuming service drains the run's backlog alone")
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args(argv)

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(args.out)
    work = (Path.cwd() / ".run" / "bench" / stamp).resolve()  # absolute: the stack runs with its own cwd
    broker = LocalBroker.from_env()
    bootstrap = os.environ.get("OW_KAFKA_BOOTSTRAP_SERVERS") or broker.bootstrap
    started_broker = False if os.environ.get("OW_KAFKA_BOOTSTRAP_SERVERS") else broker.up()
    results: dict[str, object] = {"when": stamp, "settings": describe(args.sampling, bootstrap)}
    try:
        print("bench: baseline — bare FastAPI endpoint", flush=True)
        results["baseline_http"] = bare_http_max(work, args.probe, args.connections)
        print(f"bench: baseline_http: {json.dumps(results['baseline_http'])}", flush=True)
        stack = BenchStack(work, bootstrap, args.sampling).start()
        run_started = dt.datetime.now(dt.UTC)
        assert stack.process is not None
        monitor = Monitor(stack.process.pid, stack.progress).start()
        try:
            # Warm-up: one case all the way through proves every consumer is up.
            assert stack.submit(BODY) == 202, "the warm-up submission was refused"
            progress, _ = wait_until_done(stack, timeout_s=120, at_least=1)
            if progress["notified"] < 1:
                raise RuntimeError(f"the warm-up case did not go through: {progress}")
            maximum = phase(stack, "maximum", args.probe, args.connections, None, work, results, monitor)
            best = min(float(str(maximum["end_to_end_per_s"])), args.target)
            busiest = busiest_service(maximum["cpu_percent"])  # type: ignore[arg-type]
            profiler = start_profile(stack, busiest, args.duration, out_dir, stamp, results)
            phase(stack, "sustained", args.duration, args.connections, best, work, results, monitor)
            if profiler is not None:
                profiler.join()
            for share in (50, 80):
                phase(stack, f"latency_at_{share}pct", args.probe, args.connections, best * share / 100, work,
                      results, monitor)
            results["record_bytes"] = stack.mean_record_bytes()
            results["traced"] = stack.traced_cases()
            dispatch = [(at - monitor.started_wall, ms) for at, ms in stack.accept_to_dispatch_points(run_started)]
        finally:
            monitor.stop()
            stack.stop()
        results["timeline"] = {"samples": monitor.samples, "marks": monitor.marks}
        results["plots"] = [p.name for p in write_plots(out_dir, stamp, monitor.samples, monitor.marks, dispatch, {
            name: cast(dict[str, Any], results[name])
            for name in ("maximum", "sustained", "latency_at_50pct", "latency_at_80pct")})]
        results["gateway_alone"] = gateway_alone(work, bootstrap, args.sampling, args.probe, args.connections)
        results["hops_alone"] = replay_hops(bootstrap=bootstrap, topic_prefix=stack.topic_prefix, live_data=stack.data,
                                            work=work, sampling_ratio=args.sampling, seconds=args.hop_seconds)
        print("bench: baseline — empty consume→produce relay", flush=True)
        results["baseline_relay"] = relay_rate(bootstrap, 50_000, int(str(results["record_bytes"])))
        print(f"bench: baseline_relay: {json.dumps(results['baseline_relay'])}", flush=True)
    finally:
        if started_broker:
            broker.down()
    from .report import write_report

    paths = write_report(results, out_dir, stamp)
    print(paths[0].read_text(encoding="utf-8"))
    print(f"bench: written {', '.join(str(p) for p in paths)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
