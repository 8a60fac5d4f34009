"""Profiles of every service of ours under one fixed-rate load: where each case's CPU goes.

    python -m onewindow_devtools.bench.profile_all [--rate 15] [--seconds 20] [--out .run/profiles]

Starts the stack (agencies that answer at once), sends one warm-up case, then noise complaints at
`--rate` per second (open loop, vegeta): a warm-up, a window where the CPU per case is measured
with nothing sampling, then two windows where py-spy samples each of our six processes at once:
first with `--gil` (only threads holding the GIL: the Python work that competes for the core),
then without (every thread, also those waiting on I/O or locks). Writes, per service and mode,
an SVG flame graph and the collapsed stacks (`.txt`, one stack per line with its sample count),
and `summary.md` with each service's CPU per case in each window and its heaviest frames. The
unsampled window is the figure to compare between two versions (run them back to back).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import itertools
import subprocess
import threading
import time
from pathlib import Path

from .cpu import OURS, CpuSnapshot
from .load import BODY, run_load
from .monitor import stack_processes
from .profile import py_spy
from .stack import BenchStack


def sample(tool: str, pid: int, seconds: int, out_base: Path, gil: bool) -> list[subprocess.Popen[bytes]]:
    """Two py-spy recorders of one process over the same window: a flame graph and raw stacks."""
    common = [tool, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100", "--nonblocking"]
    common += ["--gil"] if gil else []
    return [subprocess.Popen([*common, "--format", fmt, "--output", str(out_base.with_suffix(suffix))],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for fmt, suffix in (("flamegraph", ".svg"), ("raw", ".txt"))]


def heaviest(raw: Path, top: int = 12) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    """(frames by self share, frames by inclusive share) of the samples; inclusive leaves out the
    frames nearly every stack passes through (thread and module bootstraps)."""
    inclusive: collections.Counter[str] = collections.Counter()
    leaf: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or not stack:
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaf[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return [], []
    return ([(round(100 * n / total, 1), f) for f, n in leaf.most_common(top)],
            [(round(100 * n / total, 1), f) for f, n in inclusive.most_common() if n < 0.9 * total][:top])


def window(stack: BenchStack, tool: str | None, rate: float, seconds: int, out: Path, gil: bool | None,
           label: str) -> dict[str, float]:
    """Load for `seconds` (+ a margin when sampling) while every service is sampled (`gil` None:
    nothing sampled, a plain measurement); returns CPU ms per case accepted in the window."""
    assert stack.process is not None
    mode = "gil" if gil else "all-threads"
    pids = {name: pid for pid, name in stack_processes(stack.process.pid).items() if name in OURS}
    recorders: list[subprocess.Popen[bytes]] = []
    margin = 6 if gil is not None else 0
    load = threading.Thread(target=run_load, args=(stack.url, "/api/v1/applications", BODY, stack.token(),
                                                   seconds + margin, out / f"load-{label}"),
                            kwargs={"rate_per_s": rate})
    load.start()
    time.sleep(margin / 2)  # sample the steady state, not the first requests
    before, accepted_before = CpuSnapshot.take(stack.process.pid), stack.progress()["accepted"]
    if gil is not None and tool is not None:
        for name, pid in sorted(pids.items()):
            recorders += sample(tool, pid, seconds, out / f"{name}-{mode}", gil)
        for recorder in recorders:
            recorder.wait(timeout=seconds + 120)
    else:
        time.sleep(seconds)
    used = CpuSnapshot.take(stack.process.pid).seconds_since(before)
    cases = max(1, stack.progress()["accepted"] - accepted_before)
    load.join()
    return {name: round(used.get(name, 0.0) * 1000 / cases, 2) for name in OURS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onewindow_devtools.bench.profile_all")
    parser.add_argument("--rate", type=float, default=15.0)
    parser.add_argument("--seconds", type=int, default=20, help="seconds of each sampled window")
    parser.add_argument("--warm-up", type=int, default=15, help="seconds of load before anything is measured")
    parser.add_argument("--measure", type=int, default=60, help="seconds of the unsampled CPU measurement")
    parser.add_argument("--sampling", default="1.0")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--out", default=".run/profiles")
    parser.add_argument("--measure-only", action="store_true",
                        help="only the unsampled CPU-per-case window (an A/B of two versions, no py-spy)")
    args = parser.parse_args(argv)
    tool = py_spy()
    if tool is None:
        raise SystemExit("py-spy is not installed (make install adds it)")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out) / stamp
    out.mkdir(parents=True, exist_ok=True)
    work = (Path.cwd() / ".run" / "profile" / stamp).resolve()
    stack = BenchStack(work, args.bootstrap, args.sampling).start()
    try:
        assert stack.submit(BODY) == 202, "the warm-up submission was refused"
        time.sleep(5)
        window(stack, None, args.rate, args.warm_up, out, None, "warm-up")
        measured = window(stack, None, args.rate, args.measure, out, None, "measure")
        modes = () if args.measure_only else (True, False)
        per_case = {gil: window(stack, tool, args.rate, args.seconds, out, gil, "gil" if gil else "all-threads")
                    for gil in modes}
    finally:
        stack.stop()
    lines = [f"# Profiles {stamp}", "", f"{args.rate:g} noise complaints/s, open loop; {args.seconds} s windows; "
             f"trace sampling {args.sampling}. CPU per case is what the kernel charged each process over the "
             "window (all threads), per case accepted in it.", "",
             f"| service | CPU ms/case ({args.measure} s, not sampled) | gil window | all-threads window |",
             "|---|---:|---:|---:|"]
    def cell(gil: bool, name: str | None = None) -> str:
        if gil not in per_case:
            return "–"
        return str(per_case[gil][name] if name else round(sum(per_case[gil].values()), 1))

    lines += [f"| {name} | {measured[name]} | {cell(True, name)} | {cell(False, name)} |" for name in OURS]
    lines.append(f"| **ours** | {round(sum(measured.values()), 1)} | {cell(True)} | {cell(False)} |")
    for name in OURS:
        for mode in ("gil", "all-threads"):
            raw = out / f"{name}-{mode}.txt"
            if raw.exists():
                own, through = heaviest(raw)
                lines += ["", f"## {name} ({mode})", "", "| self % | frame | | inclusive % | frame |",
                          "|---:|---|---|---:|---|"]
                for a, b in itertools.zip_longest(own, through, fillvalue=("", "")):
                    lines.append(f"| {a[0]} | `{a[1]}` | | {b[0]} | `{b[1]}` |")
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:14]))
    print(f"profile: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
