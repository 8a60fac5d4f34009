"""`make bench` — how fast the platform runs on this machine, against its own baselines.

    python -m onewindow_devtools.bench [--duration 300] [--connections 32] [--sampling 1.0] [--idle 60]

1. Baselines: a bare FastAPI endpoint with the gateway's request model (what the gateway could do
   at most), and an empty kafka-python consume→produce relay (what any consuming hop could do).
2. The real stack (`make run` with agencies that answer at once). A warm-up case tells what a
   done case leaves behind; then the stack is left idle for --idle seconds (idle cost).
3. Phases, each ending only when its backlog is done — every case completed by the agency, every
   message sent on every channel, every event on the audit chain — before the next starts:
   the maximum (closed loop, --connections workers), that rate (capped at --target) sustained for
   --duration seconds, and latency at 50 % and 80 % of it. Load is open loop at a fixed rate
   (vegeta, see load.py); submit latency is measured from when each request was due.
4. CPU per case for every phase: CPU-seconds the kernel charged our processes (gateway and the
   five services) from the phase's start until its backlog was done, per case; the broker and the
   test doubles on their own lines.
5. Throughout: CPU per process and progress once a second (plotted), and a py-spy flame graph of
   the service that used the most CPU at the maximum, taken during the sustained phase.
6. The gateway and intake alone, and each consuming service alone on the run's backlog.
7. Layouts side by side (--layout-seconds, 0: skipped): one instance of each service on SQLite,
   then two instances of each on PostgreSQL (a schema each, Debian's server as `make pg-up`
   starts it), back to back at the same rate (half the maximum), CPU per case of ours, the
   broker and the database server.
Writes bench/results/<time>.md and .json (with a top-level `summary`), and the PNG plots and the
SVG flame graph beside them (git-ignored but for the committed reference runs in
bench/results/reference/).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from onewindow_devtools.kafka_local import LocalBroker
from onewindow_devtools.registry import COMPONENTS

from . import supervision_scale
from .cpu import OURS, CpuSnapshot, by_group
from .load import BODY, percentile, run_load
from .machine import describe
from .monitor import Monitor, stack_processes
from .plots import write_plots
from .profile import record_flame_graph
from .relay import relay_rate
from .replay import replay_hops
from .stack import BenchStack


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bare_http_max(work: Path, seconds: int, connections: int) -> dict[str, float | int | None]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "onewindow_devtools.bench.bare_http", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        time.sleep(3)
        return run_load(f"http://127.0.0.1:{port}", "/api/v1/applications", BODY, "unused", seconds, work / "bare",
                        workers=connections).as_dict()
    finally:
        server.terminate()
        server.wait(timeout=30)


@dataclass
class Expectation:
    """What a done case leaves behind, read off the warm-up case (the first, alone)."""

    notifications_per_case: int = 1


def not_done(progress: dict[str, int], expected: Expectation) -> int:
    """Cases not done: not completed, or (counted in cases) messages not all sent on every channel,
    or events not all on the audit chain."""
    accepted = progress["accepted"]
    missing_messages = max(0, accepted * expected.notifications_per_case - progress["notified"])
    unaudited = max(0, progress["events_staged"] - progress["events_audited"])
    return max(progress["open"], -(-missing_messages // expected.notifications_per_case),
               1 if unaudited else 0, 1 if progress["notifications_open"] else 0)


def wait_until_done(stack: BenchStack, expected: Expectation, timeout_s: float,
                    at_least: int = 0) -> tuple[dict[str, int], float]:
    """Until every case accepted so far (at least `at_least`) is done — completed by the agency,
    every message sent, every event audited; returns the progress and the moment it was done."""
    deadline = time.monotonic() + timeout_s
    while True:
        progress = stack.progress()
        if progress["accepted"] >= at_least and not_done(progress, expected) == 0:
            return progress, time.monotonic()
        if time.monotonic() > deadline:
            return progress, time.monotonic()
        time.sleep(0.5)


def settled(stack: BenchStack, timeout_s: float = 120) -> dict[str, int]:
    """The progress once the warm-up case is completed and nothing has changed for three looks a
    second apart (the invitation to rate follows the completion; every channel has had its turn)."""
    deadline = time.monotonic() + timeout_s
    last: dict[str, int] = {}
    same = 0
    while time.monotonic() < deadline:
        progress = stack.progress()
        quiet = (progress["completed"] >= 1 and progress["notifications_open"] == 0
                 and progress["events_audited"] >= progress["events_staged"])
        same = same + 1 if quiet and progress == last else 0
        if same == 3:
            return progress
        last = progress
        time.sleep(1.0)
    return last


def phase(stack: BenchStack, name: str, seconds: int, connections: int, rate: float | None, work: Path,
          results: dict[str, object], monitor: Monitor, expected: Expectation) -> dict[str, object]:
    """One phase: the load, then nothing until its backlog is done. CPU is what each process was
    charged from the phase's start to that moment, per case done in it."""
    assert stack.process is not None
    before = stack.progress()
    cpu_before = CpuSnapshot.take(stack.process.pid)
    started = time.monotonic()
    monitor.mark(name)
    t_start = monitor.now()
    window_start = dt.datetime.now(dt.UTC)
    load = run_load(stack.url, "/api/v1/applications", BODY, stack.token(), seconds, work / name,
                    rate_per_s=rate, workers=connections)
    t_end = monitor.now()
    progress, done_at = wait_until_done(stack, expected, timeout_s=max(120.0, seconds * 3))
    cpu = CpuSnapshot.take(stack.process.pid).seconds_since(cpu_before)
    cases = progress["accepted"] - before["accepted"]
    left = not_done(progress, expected)
    groups = by_group(cpu)
    dispatch = stack.accept_to_dispatch_ms(since=window_start)
    summary: dict[str, object] = {
        "offered_rate": rate, "http": load.as_dict(), "accepted": cases,
        "end_to_end_per_s": round((cases - left) / (done_at - started), 1) if done_at > started else 0.0,
        "seconds_until_done": round(done_at - started, 1),
        "seconds_to_drain_after_load": round(done_at - started - load.duration_s, 1),
        "not_done": left, "accept_to_dispatch_ms": {
            "p50": percentile(dispatch, 50), "p99": percentile(dispatch, 99), "p999": percentile(dispatch, 99.9),
            "tasks": len(dispatch)},
        "cpu_seconds": {name: round(value, 2) for name, value in sorted(cpu.items())},
        "cpu_ms_per_case": {group: round(value * 1000 / cases, 2) if cases else None
                            for group, value in groups.items()},
        "t_start": t_start, "t_end": t_end, "cpu_percent": monitor.mean_cpu(t_start, t_end),
    }
    results[name] = summary
    print(f"bench: {name}: {json.dumps(summary, ensure_ascii=False)}", flush=True)
    return summary


def idle_cost(stack: BenchStack, seconds: int) -> dict[str, object]:
    """The stack left without load: what each process uses doing nothing (percent of one core)."""
    assert stack.process is not None
    before = CpuSnapshot.take(stack.process.pid)
    time.sleep(seconds)
    used = CpuSnapshot.take(stack.process.pid).seconds_since(before)
    percent = {name: round(value * 100 / seconds, 2) for name, value in sorted(used.items())}
    groups = {group: round(value * 100 / seconds, 2) for group, value in by_group(used).items()}
    result: dict[str, object] = {"seconds": seconds, "cpu_percent": percent, "cpu_percent_by_group": groups}
    print(f"bench: idle: {json.dumps(result)}", flush=True)
    return result


def busiest_service(cpu_percent: dict[str, float]) -> str | None:
    """The service of ours that used the most CPU (the broker and the test doubles aside)."""
    ours = {name: cpu for name, cpu in cpu_percent.items() if name in OURS}
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
    downstream = tuple(c.name for c in COMPONENTS if c.name not in ("ow-gateway", "ow-intake"))
    stack = BenchStack(work / "gateway-alone", bootstrap, sampling, without=downstream).start()
    try:
        if stack.submit(BODY) != 202:
            return {"problem": "the warm-up submission was refused"}
        load = run_load(stack.url, "/api/v1/applications", BODY, stack.token(), seconds,
                        work / "gateway-alone" / "load", workers=connections)
    finally:
        stack.stop()
    print(f"bench: gateway_alone: {json.dumps(load.as_dict())}", flush=True)
    return {"http": load.as_dict()}


def compare_layouts(work: Path, bootstrap: str, sampling: str, rate: float, seconds: int,
                    connections: int) -> dict[str, object]:
    """The same load on one instance of each service with SQLite files, then on two instances of
    each with PostgreSQL: what running everything twice, on a shared database, costs per case."""
    import uuid

    import psycopg

    from onewindow_devtools.pg_local import LocalPostgres

    server = LocalPostgres.from_env()
    started_server = server.up()
    try:
        admin = server.url()
        name = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = admin.rsplit("/", 1)[0] + f"/{name}"
        layouts = {"one instance of each, SQLite": BenchStack(work / "layout-sqlite", bootstrap, sampling),
                   "two instances of each, PostgreSQL": BenchStack(work / "layout-postgres", bootstrap, sampling,
                                                                   database_url=url, instances=2)}
        out: dict[str, object] = {"offered_rate": rate, "seconds": seconds}
        for layout, stack in layouts.items():
            print(f"bench: layout {layout} at {rate}/s for {seconds} s", flush=True)
            stack.start()
            assert stack.process is not None
            monitor = Monitor(stack.process.pid, stack.progress).start()
            try:
                if stack.submit(BODY) != 202:
                    out[layout] = {"problem": "the warm-up submission was refused"}
                    continue
                progress = settled(stack)
                if progress["completed"] < 1 or progress["notifications"] < 1:
                    out[layout] = {"problem": f"the warm-up case did not go through: {progress}"}
                    continue
                expected = Expectation(notifications_per_case=progress["notifications"])
                ran: dict[str, object] = {}
                phase(stack, "sustained", seconds, connections, rate, stack.work, ran, monitor, expected)
                summary = cast(dict[str, Any], ran["sustained"])
                out[layout] = {key: summary[key] for key in ("accepted", "end_to_end_per_s", "not_done",
                                                             "seconds_to_drain_after_load", "cpu_ms_per_case",
                                                             "accept_to_dispatch_ms")} | {
                    "submit_p99_ms": summary["http"]["p99_ms"]}
            finally:
                monitor.stop()
                stack.stop()
        return out
    finally:
        if started_server:
            server.down()


def summary_of(results: dict[str, Any]) -> dict[str, float | int | None]:
    """The run in the numbers the targets of #13 are stated in (null where a part was skipped)."""
    def get(*path: str) -> Any:
        value: Any = results
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return value

    bare = get("baseline_http", "accepted_per_s")
    alone = get("gateway_alone", "http", "accepted_per_s")
    relay = get("baseline_relay", "records_per_s")
    hops = [hop["events_per_s"] for hop in (get("hops_alone") or {}).values() if hop.get("events_per_s")]
    traced = get("traced") or {}
    return {
        "sustained_cases_per_s": get("sustained", "end_to_end_per_s"),
        "sustained_seconds": get("sustained", "http", "duration_s"),
        "not_done": get("sustained", "not_done"),
        "cpu_ms_per_case": get("sustained", "cpu_ms_per_case", "ours"),
        "cpu_ms_per_case_broker": get("sustained", "cpu_ms_per_case", "broker"),
        "cpu_ms_per_case_doubles": get("sustained", "cpu_ms_per_case", "doubles"),
        "idle_cpu_percent": get("idle", "cpu_percent_by_group", "ours"),
        "submit_p99_ms_at_half": get("latency_at_50pct", "http", "p99_ms"),
        "accept_to_dispatch_p99_ms_at_half": get("latency_at_50pct", "accept_to_dispatch_ms", "p99"),
        "gateway_intake_alone_ratio": round(alone / bare, 3) if alone is not None and bare else None,
        "hop_alone_ratio_min": round(min(hops) / relay, 3) if hops and relay else None,
        "trace_sampling_ratio": get("settings", "trace_sampling_ratio"),
        "cases_traced_percent": round(100 * traced["traced"] / traced["cases"], 2) if traced.get("cases") else None,
        "supervision_cases": get("supervision_scale", "cases"),
        "supervision_ranking_p99_ms": get("supervision_scale", "ranking", "p99_ms"),
        "supervision_recount_equal": get("supervision_scale", "recount_equal"),
    }


def supervision_alone(args: argparse.Namespace) -> int:
    """`--only supervision-scale`: #17's figures without the stack (the report has only them)."""
    from .report import write_report

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    work = (Path.cwd() / ".run" / "bench" / stamp).resolve()
    results: dict[str, Any] = {"when": stamp, "settings": describe(args.sampling, "not used"),
                               "supervision_scale": supervision_scale.run(args.supervision_cases, 20261101,
                                                                          work / "supervision")}
    results["summary"] = summary_of(results)
    # Beside the full runs, not among them: the newest full run stays the one `bench-targets` reads.
    paths = write_report(results, Path(args.out) / "supervision-scale", stamp)
    print(paths[0].read_text(encoding="utf-8"))
    print(f"bench: written {', '.join(str(p) for p in paths)}")
    return 0 if results["supervision_scale"]["recount_equal"] else 1


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
    parser.add_argument("--idle", type=int, default=60, help="seconds the stack is left without load (idle cost)")
    parser.add_argument("--layout-seconds", type=int, default=60,
                        help="seconds of each layout's run (one instance on SQLite, two on PostgreSQL); 0 skips")
    parser.add_argument("--supervision-cases", type=int, default=1_000_000,
                        help="cases of one month through supervision's handlers, its ranking timed (0 skips)")
    parser.add_argument("--only", choices=("supervision-scale",), default=None,
                        help="run this part alone (no stack, no broker) and report it")
    parser.add_argument("--out", default="bench/results")
    args = parser.parse_args(argv)
    if args.only == "supervision-scale":
        return supervision_alone(args)

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
            # Warm-up: one case all the way through proves every consumer is up, and tells what a
            # done case leaves behind (its messages on every channel).
            assert stack.submit(BODY) == 202, "the warm-up submission was refused"
            progress = settled(stack)
            if progress["completed"] < 1 or progress["notifications"] < 1:
                raise RuntimeError(f"the warm-up case did not go through: {progress}")
            expected = Expectation(notifications_per_case=progress["notifications"])
            results["done_means"] = {"notifications_per_case": expected.notifications_per_case,
                                     "events_per_case": progress["events_staged"]}
            results["idle"] = idle_cost(stack, args.idle)
            maximum = phase(stack, "maximum", args.probe, args.connections, None, work, results, monitor, expected)
            best = min(float(str(maximum["end_to_end_per_s"])), args.target)
            busiest = busiest_service(maximum["cpu_percent"])  # type: ignore[arg-type]
            profiler = start_profile(stack, busiest, args.duration, out_dir, stamp, results)
            phase(stack, "sustained", args.duration, args.connections, best, work, results, monitor, expected)
            if profiler is not None:
                profiler.join()
            for share in (50, 80):
                phase(stack, f"latency_at_{share}pct", args.probe, args.connections, best * share / 100, work,
                      results, monitor, expected)
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
        if args.layout_seconds > 0:
            results["layouts"] = compare_layouts(work, bootstrap, args.sampling, round(best / 2, 1),
                                                 args.layout_seconds, args.connections)
        if args.supervision_cases > 0:
            results["supervision_scale"] = supervision_scale.run(args.supervision_cases, 20261101, work / "supervision")
        print("bench: baseline — empty consume→produce relay", flush=True)
        results["baseline_relay"] = relay_rate(bootstrap, 50_000, int(str(results["record_bytes"])))
        print(f"bench: baseline_relay: {json.dumps(results['baseline_relay'])}", flush=True)
    finally:
        if started_broker:
            broker.down()
    from .report import write_report

    results["summary"] = summary_of(results)
    paths = write_report(results, out_dir, stamp)
    print(paths[0].read_text(encoding="utf-8"))
    print(f"bench: written {', '.join(str(p) for p in paths)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
