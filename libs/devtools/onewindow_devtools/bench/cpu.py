"""CPU-seconds used by each process of the stack between two moments, read from /proc (what the
kernel charged them, not a sample), grouped into ours, the broker and the test doubles."""

from __future__ import annotations

from dataclasses import dataclass

from onewindow_devtools import registry

from .monitor import CLOCK_TICKS, _stat, stack_processes

# Our processes: the gateway and the five services. The broker and the stand-ins for the outside
# world (agencies, SMTP, the SMS provider) and the `make run` supervisor are reported apart.
OURS = tuple(c.module.removeprefix("onewindow_") for c in registry.OURS)  # as the monitor names processes
BROKER = ("kafka-broker",)
DATABASE = ("postgres",)  # the PostgreSQL server and its backends, when the services keep state there


def group_of(name: str) -> str:
    return "ours" if name in OURS else "broker" if name in BROKER else "database" if name in DATABASE else "doubles"


@dataclass(frozen=True)
class CpuSnapshot:
    ticks: dict[int, tuple[str, int]]  # pid -> (process name, CPU ticks used so far)

    @classmethod
    def take(cls, root_pid: int) -> CpuSnapshot:
        ticks = {}
        for pid, name in stack_processes(root_pid).items():
            if (stat := _stat(pid)) is not None:
                ticks[pid] = (name, stat[1])
        return cls(ticks)

    def seconds_since(self, earlier: CpuSnapshot) -> dict[str, float]:
        """CPU-seconds per process name from `earlier` to this snapshot (a process that started in
        between counts from zero)."""
        used: dict[str, float] = {}
        for pid, (name, now) in self.ticks.items():
            before = earlier.ticks.get(pid, (name, 0))[1]
            used[name] = used.get(name, 0.0) + (now - before) / CLOCK_TICKS
        return used


def by_group(seconds: dict[str, float]) -> dict[str, float]:
    groups = {"ours": 0.0, "broker": 0.0, "database": 0.0, "doubles": 0.0}
    for name, value in seconds.items():
        groups[group_of(name)] += value
    return groups
