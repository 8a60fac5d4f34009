"""The benchmark's report states each part against its baseline and the targets of #8."""

from __future__ import annotations

import json
from pathlib import Path

from onewindow_devtools.bench.report import write_report


def phase(rate: float | None, accepted_per_s: float, end_to_end: float, p99: float, dispatch_p99: float,
          duration_s: float = 20.0, not_done: int = 0) -> dict:
    return {"offered_rate": rate, "accepted": 100, "end_to_end_per_s": end_to_end, "not_done": not_done,
            "http": {"accepted_per_s": accepted_per_s, "duration_s": duration_s, "p50_ms": 3.0, "p99_ms": p99,
                     "p999_ms": p99 * 2},
            "accept_to_dispatch_ms": {"p50": 10.0, "p99": dispatch_p99, "p999": dispatch_p99 * 2, "tasks": 100}}


def test_the_report_gives_ratios_to_baselines_and_says_which_targets_are_met(tmp_path: Path) -> None:
    results = {
        "settings": {"cpu": "Test CPU", "cores": 2, "memory_gb": 24.0, "python": "3.11.7", "crc32c": "C extension",
                     "trace_sampling_ratio": 1.0, "producer": {"acks": "all"}, "partitions_per_topic": 6,
                     "instances_per_service": 1, "database": "SQLite", "libraries": {"fastapi": "0.165.0"}},
        "baseline_http": {"accepted_per_s": 2000.0}, "baseline_relay": {"records_per_s": 10000.0},
        "maximum": phase(None, 1500.0, 400.0, 40.0, 300.0),
        "sustained": phase(400.0, 400.0, 398.0, 30.0, 200.0, duration_s=300.0),
        "latency_at_50pct": phase(200.0, 200.0, 200.0, 20.0, 150.0),
        "hops_alone": {"ow-routing": {"events": 9000, "events_per_s": 8000.0},
                       "ow-audit": {"events": 1, "events_per_s": 5000.0, "problem": "it handled nothing"}},
        "plots": ["20261126T000000Z-throughput.png"],
        "gateway_alone": {"http": {"accepted_per_s": 1000.0}},
        "traced": {"cases": 120, "traced": 120},
        "profile": {"service": "audit", "seconds": 30, "file": "20261126T000000Z-flame-audit.svg", "outcome": "ok"},
    }
    results["maximum"]["cpu_percent"] = {"audit": 60.0, "kafka-broker": 45.5}
    markdown, data = write_report(results, tmp_path, "20261126T000000Z")
    text = markdown.read_text()
    assert ("| gateway submit, max (202/s; the whole stack running) | 1500.0 | bare FastAPI 2000.0 | 0.75 "
            "| ≥ 0.6 × bare | yes |") in text
    assert ("| gateway + intake alone, max (202/s; nothing downstream running) | 1000.0 | bare FastAPI 2000.0 "
            "| 0.50 | ≥ 0.6 × bare | no |") in text
    assert "| end to end, max (cases/s) | 400.0 | | | ≥ 1000 | no |" in text
    assert "| submit p99 at 50 % load (ms) | 20.0 | | | ≤ 25 | yes |" in text
    assert "| accept → dispatched p99 at 50 % load (ms) | 150.0 | | | ≤ 100 | no |" in text
    assert ("| ow-routing alone on the run's backlog (events/s) | 8000.0 | relay 10000.0 | 0.80 | ≥ 0.7 × relay "
            "| yes |") in text
    assert "| 0.50 | ≥ 0.7 × relay | no |" in text
    assert "| cases traced (a trace id on every audit record; spans exported at sampling 1.0) | 120 of 120 |" in text
    assert "| 100 % | yes |" in text
    assert "| audit | 60.0 |" in text and "| **all** | 105.5 |" in text  # busiest first, and the total
    assert "ow-audit alone: it handled nothing" in text
    assert "![20261126T000000Z-throughput.png](20261126T000000Z-throughput.png)" in text
    assert "Flame graph of audit" in text and "(20261126T000000Z-flame-audit.svg)" in text
    assert json.loads(data.read_text())["maximum"]["end_to_end_per_s"] == 400.0


def test_the_plots_are_written_as_png_files(tmp_path: Path) -> None:
    from onewindow_devtools.bench.plots import write_plots

    samples = [{"t": float(t), "accepted": 10 * t, "tasks_acknowledged": 9 * t, "notified": 9 * t,
                "audited_acknowledgements": 8 * t, "cpu_percent": {"audit": 50.0, "kafka-broker": 40.0}}
               for t in range(30)]
    phases = {"maximum": {"t_start": 2.0, "t_end": 12.0, "http": {"p50_ms": 40.0, "p99_ms": 300.0}}}
    paths = write_plots(tmp_path, "stamp", samples, [(2.0, "maximum")], [(3.0, 120.0), (4.0, 80.0)], phases)
    assert [p.name for p in paths] == ["stamp-throughput.png", "stamp-latency.png", "stamp-cpu.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 5000 for p in paths)


def test_the_busiest_service_is_one_of_ours_not_the_broker() -> None:
    from onewindow_devtools.bench.__main__ import busiest_service

    assert busiest_service({"kafka-broker": 90.0, "audit": 40.0, "intake": 55.0, "smtp_sink": 70.0}) == "intake"
    assert busiest_service({"kafka-broker": 90.0}) is None
