"""Once a second during the run: what each process of the stack (and the broker) used of the CPU,
and how far the cases have come — the time series behind the plots and the CPU table."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, CPU ticks used) of a process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), int(fields[11]) + int(fields[12])


def _name(pid: int) -> str:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return ""
    words = [a.decode(errors="replace") for a in args if a]
    if "-m" in words:
        return words[words.index("-m") + 1].removeprefix("onewindow_").replace("devtools.", "")
    if any(w.endswith("kafka.Kafka") for w in words):
        return "kafka-broker"
    if words and (words[0].startswith("postgres:") or Path(words[0]).name == "postgres"):
        return "postgres"  # the server, and its backends (which retitle themselves "postgres: …")
    return Path(words[0]).name if words else ""


def stack_processes(root_pid: int) -> dict[int, str]:
    """The processes under `root_pid` (the `make run` supervisor), the Kafka broker and the
    PostgreSQL server, by name."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            parents[int(entry)] = stat[0]
    found: dict[int, str] = {}
    for pid in parents:
        ancestor, hops = parents.get(pid), 0
        while ancestor and ancestor != root_pid and hops < 8:
            ancestor, hops = parents.get(ancestor), hops + 1
        name = _name(pid)
        if (ancestor == root_pid and name) or name in ("kafka-broker", "postgres"):
            found[pid] = name
    return found


@dataclass
class Monitor:
    root_pid: int
    progress: Callable[[], dict[str, int]]
    interval_s: float = 1.0
    samples: list[dict[str, object]] = field(default_factory=list)
    marks: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-monitor", daemon=True)
        self.started = time.monotonic()
        self.started_wall = time.time()  # to place timestamps from the databases on the same axis

    def start(self) -> Monitor:
        self._thread.start()
        return self

    def mark(self, label: str) -> None:
        """A phase begins now (drawn on the plots)."""
        self.marks.append((round(time.monotonic() - self.started, 1), label))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        processes = stack_processes(self.root_pid)
        last = {pid: (stat[1] if (stat := _stat(pid)) else 0) for pid in processes}
        last_t = time.monotonic()
        while not self._stop.wait(self.interval_s):
            now = time.monotonic()
            cpu: dict[str, float] = {}
            for pid, name in list(processes.items()):
                stat = _stat(pid)
                if stat is None:
                    continue
                used = (stat[1] - last.get(pid, stat[1])) / CLOCK_TICKS / (now - last_t)
                cpu[name] = round(cpu.get(name, 0.0) + used * 100, 1)
                last[pid] = stat[1]
            last_t = now
            try:
                done = self.progress()
            except Exception:  # a database busy for a moment: skip this sample's counts
                done = {}
            self.samples.append({"t": round(now - self.started, 1), "cpu_percent": cpu, **done})
            if len(self.samples) % 10 == 0:  # restarted services get new pids
                for pid, name in stack_processes(self.root_pid).items():
                    if pid not in processes:
                        processes[pid] = name
                        last[pid] = stat[1] if (stat := _stat(pid)) else 0

    def mean_cpu(self, start_t: float, end_t: float) -> dict[str, float]:
        """Mean CPU per process (percent of one core) between two moments of the run."""
        window: list[dict[str, float]] = [
            cast(dict[str, float], s["cpu_percent"]) for s in self.samples
            if start_t <= cast(float, s["t"]) <= end_t]
        names = sorted({name for sample in window for name in sample})
        return {name: round(sum(s.get(name, 0.0) for s in window) / len(window), 1) for name in names} if window else {}

    def now(self) -> float:
        return round(time.monotonic() - self.started, 1)
