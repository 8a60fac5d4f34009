"""The run in pictures (PNG, beside the report): throughput, latency and CPU over time, with the
phases marked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt


def _rate(samples: list[dict[str, Any]], key: str, smooth: int = 5) -> tuple[list[float], list[float]]:
    times, rates = [], []
    for i in range(smooth, len(samples)):
        a, b = samples[i - smooth], samples[i]
        if key in a and key in b and b["t"] > a["t"]:
            times.append(b["t"])
            rates.append((b[key] - a[key]) / (b["t"] - a["t"]))
    return times, rates


def _marks(axes: Any, marks: list[tuple[float, str]]) -> None:
    for t, label in marks:
        axes.axvline(t, color="grey", linestyle=":", linewidth=0.8)
        axes.text(t, 1.0, f" {label}", transform=axes.get_xaxis_transform(), fontsize=7, rotation=90,
                  va="top", ha="left", color="grey")


def _save(figure: Any, axes: Any, marks: list[tuple[float, str]], path: Path, ylabel: str, title: str,
          legend: dict[str, Any]) -> Path:
    _marks(axes, marks)
    axes.set(xlabel="seconds into the run", ylabel=ylabel, title=title)
    axes.legend(**legend)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write_plots(out_dir: Path, stamp: str, samples: list[dict[str, Any]], marks: list[tuple[float, str]],
                dispatch: list[tuple[float, float]], phases: dict[str, dict[str, Any]]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []

    figure, axes = plt.subplots(figsize=(11, 4.5))
    for key, label in (("accepted", "accepted (HTTP 202)"), ("completed", "cases completed"),
                       ("notified", "messages sent"), ("events_audited", "events audited")):
        times, rates = _rate(samples, key)
        axes.plot(times, rates, label=label, linewidth=1)
    paths.append(_save(figure, axes, marks, out_dir / f"{stamp}-throughput.png", "per second (5 s average)",
                       f"Throughput — {stamp}", {"fontsize": 8, "loc": "upper right"}))

    figure, axes = plt.subplots(figsize=(11, 4.5))
    if dispatch:
        axes.scatter([t for t, _ in dispatch], [ms for _, ms in dispatch], s=2, alpha=0.4,
                     label="accept → dispatched to the agency, per task")
    for phase in phases.values():
        if "t_start" in phase and "t_end" in phase:
            http = phase["http"]
            axes.hlines([http["p50_ms"], http["p99_ms"]], phase["t_start"], phase["t_end"], colors=["green", "red"],
                        linewidth=2)
    axes.plot([], [], color="green", linewidth=2, label="HTTP submit p50 (per phase)")
    axes.plot([], [], color="red", linewidth=2, label="HTTP submit p99 (per phase)")
    axes.set_yscale("log")
    paths.append(_save(figure, axes, marks, out_dir / f"{stamp}-latency.png", "milliseconds (log)",
                       f"Latency — {stamp}", {"fontsize": 8, "loc": "upper right"}))

    figure, axes = plt.subplots(figsize=(11, 4.5))
    names = sorted({name for s in samples for name in s.get("cpu_percent", {})})
    times = [s["t"] for s in samples]
    series = [[s.get("cpu_percent", {}).get(name, 0.0) for s in samples] for name in names]
    if times and names:
        axes.stackplot(times, series, labels=names, linewidth=0)
    paths.append(_save(figure, axes, marks, out_dir / f"{stamp}-cpu.png", "% of one core (stacked; 200 = both cores)",
                       f"CPU per process — {stamp}", {"fontsize": 7, "loc": "upper left", "ncol": 3}))
    return paths
