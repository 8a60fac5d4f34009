"""The benchmark's measures and report: latency from due, done means done, CPU per case, the summary."""

from __future__ import annotations

import json
from pathlib import Path

from onewindow_devtools.bench.report import write_report


def phase(rate: float | None, accepted_per_s: float, end_to_end: float, p99: float, dispatch_p99: float,
          duration_s: float = 20.0, not_done: int = 0, cpu_ours: float = 12.5) -> dict:
    return {"offered_rate": rate, "accepted": 100, "end_to_end_per_s": end_to_end, "not_done": not_done,
            "seconds_until_done": duration_s + 1, "cpu_ms_per_case": {"ours": cpu_ours, "broker": 4.0, "doubles": 2.0},
            "cpu_seconds": {"intake": 0.5, "audit": 0.75},
            "http": {"accepted_per_s": accepted_per_s, "duration_s": duration_s, "p50_ms": 3.0, "p99_ms": p99,
                     "p999_ms": p99 * 2, "late_p99_ms": 0.5},
            "accept_to_dispatch_ms": {"p50": 10.0, "p99": dispatch_p99, "p999": dispatch_p99 * 2, "tasks": 100}}


def results_of_a_run() -> dict:
    return {
        "settings": {"cpu": "Test CPU", "cores": 2, "memory_gb": 24.0, "python": "3.11.7", "crc32c": "C extension",
                     "trace_sampling_ratio": 1.0, "producer": {"acks": "all"}, "partitions_per_topic": 6,
                     "instances_per_service": 1, "database": "SQLite", "libraries": {"fastapi": "0.165.0"}},
        "baseline_http": {"accepted_per_s": 2000.0}, "baseline_relay": {"records_per_s": 10000.0},
        "done_means": {"notifications_per_case": 6, "events_per_case": 20},
        "idle": {"seconds": 60, "cpu_percent": {"audit": 1.5, "kafka-broker": 4.0},
                 "cpu_percent_by_group": {"ours": 1.5, "broker": 4.0, "doubles": 0.0}},
        "maximum": phase(None, 1500.0, 400.0, 40.0, 300.0),
        "sustained": phase(160.0, 160.0, 158.0, 30.0, 200.0, duration_s=300.0, cpu_ours=9.5),
        "latency_at_50pct": phase(80.0, 80.0, 80.0, 20.0, 150.0),
        "hops_alone": {"ow-routing": {"events": 9000, "events_per_s": 8000.0},
                       "ow-audit": {"events": 1, "events_per_s": 5000.0, "problem": "it handled nothing"}},
        "plots": ["20261126T000000Z-throughput.png"],
        "gateway_alone": {"http": {"accepted_per_s": 1000.0}},
        "traced": {"cases": 120, "traced": 120},
        "profile": {"service": "audit", "seconds": 30, "file": "20261126T000000Z-flame-audit.svg", "outcome": "ok"},
    }


def test_the_summary_has_exactly_the_agreed_keys_with_null_for_what_was_skipped() -> None:
    from onewindow_devtools.bench.__main__ import summary_of

    results = results_of_a_run()
    summary = summary_of(results)
    assert list(summary) == ["sustained_cases_per_s", "sustained_seconds", "not_done", "cpu_ms_per_case",
                             "cpu_ms_per_case_broker", "cpu_ms_per_case_doubles", "idle_cpu_percent",
                             "submit_p99_ms_at_half", "accept_to_dispatch_p99_ms_at_half",
                             "gateway_intake_alone_ratio", "hop_alone_ratio_min", "trace_sampling_ratio",
                             "cases_traced_percent", "supervision_cases", "supervision_ranking_p99_ms",
                             "supervision_recount_equal"]
    assert summary["sustained_cases_per_s"] == 158.0 and summary["sustained_seconds"] == 300.0
    assert summary["cpu_ms_per_case"] == 9.5 and summary["cpu_ms_per_case_broker"] == 4.0
    assert summary["idle_cpu_percent"] == 1.5
    assert summary["gateway_intake_alone_ratio"] == 0.5 and summary["hop_alone_ratio_min"] == 0.5
    assert summary["cases_traced_percent"] == 100.0
    del results["latency_at_50pct"], results["gateway_alone"]
    skipped = summary_of(results)
    assert skipped["submit_p99_ms_at_half"] is None and skipped["gateway_intake_alone_ratio"] is None
    assert skipped["supervision_cases"] is None and skipped["supervision_recount_equal"] is None


def test_the_supervision_figures_are_reported_against_their_target() -> None:
    from onewindow_devtools.bench.__main__ import summary_of
    from onewindow_devtools.bench.report import supervision_rows

    scale = {"cases": 1_000_000, "seed": 1, "events": 4_600_000, "tasks": 1_420_000, "load_s": 600.0,
             "events_per_s": 7666.7, "counter_rows": 1200, "store_mb": 900.0, "recount_equal": True,
             "recount_differences": [],
             "ranking": {"queries": 400, "p50_ms": 8.0, "p99_ms": 250.0, "max_ms": 300.0, "ranked_min": 16,
                         "ranked_max": 343},
             "ranking_csv": {"queries": 40, "p50_ms": 9.0, "p99_ms": 20.0, "max_ms": 25.0, "ranked_min": 16,
                             "ranked_max": 343}}
    rows = "\n".join(supervision_rows(scale))
    assert "| cases loaded | 1,000,000 | ≥ 1,000,000 | yes |" in rows
    assert "| 8.0 / 250.0 / 300.0 | p99 ≤ 200 | no |" in rows            # a p99 over the target says so
    assert "| counters equal to the recount | yes | every row | yes |" in rows
    assert supervision_rows(None) == []
    summary = summary_of({"supervision_scale": scale})
    assert (summary["supervision_cases"], summary["supervision_ranking_p99_ms"],
            summary["supervision_recount_equal"]) == (1_000_000, 250.0, True)


def test_the_report_states_each_target_of_13_and_whether_it_is_met(tmp_path: Path) -> None:
    from onewindow_devtools.bench.__main__ import summary_of

    results = results_of_a_run()
    results["summary"] = summary_of(results)
    results["maximum"]["cpu_percent"] = {"audit": 60.0, "kafka-broker": 45.5}
    markdown, data = write_report(results, tmp_path, "20261126T000000Z")
    text = markdown.read_text()
    assert ("| sustained_cases_per_s (for sustained_seconds = 300.0, not_done = 0) | 158.0 | ≥ 150 for 300 s, "
            "not_done 0 | yes |") in text
    assert "| cpu_ms_per_case | 9.5 | ≤ 10 | yes |" in text
    assert "| idle_cpu_percent | 1.5 | ≤ 3 | yes |" in text
    assert "| submit_p99_ms_at_half | 20.0 | ≤ 25 | yes |" in text
    assert "| accept_to_dispatch_p99_ms_at_half | 150.0 | ≤ 100 | no |" in text
    assert "| gateway_intake_alone_ratio | 0.5 | ≥ 0.5 | yes |" in text
    assert "| hop_alone_ratio_min | 0.5 | ≥ 0.7 | no |" in text
    assert "| cases_traced_percent (trace_sampling_ratio 1.0) | 100.0 | 100 | yes |" in text
    assert "| sustained | 160.0 | 100 | 158.0 | 301.0 | 0 | 9.5 / 4.0 / 2.0 |" in text
    assert "(6 per case, none pending, claimed or retrying)" in text
    assert ("| ow-routing alone on the run's backlog (events/s) | 8000.0 | relay 10000.0 | 0.80 | ≥ 0.7 × relay "
            "| yes |") in text
    assert "| kafka-broker | 4.0 |" in text and "| **ours** | 1.5 |" in text  # idle, busiest first
    assert "| audit | 7.5 |" in text  # ms per case in the sustained phase: 0.75 s over 100 cases
    assert "| audit | 60.0 |" in text and "| **all** | 105.5 |" in text
    assert "ow-audit alone: it handled nothing" in text
    assert "![20261126T000000Z-throughput.png](20261126T000000Z-throughput.png)" in text
    assert "Flame graph of audit" in text and "(20261126T000000Z-flame-audit.svg)" in text
    assert json.loads(data.read_text())["summary"]["cpu_ms_per_case"] == 9.5


def test_submit_latency_is_measured_from_when_each_request_was_due() -> None:
    from onewindow_devtools.bench.load import summarise

    # 10 requests a second; the 3rd left 300 ms late (the generator stalled) and took 10 ms:
    # 310 ms counted from when it was due, not 10 ms.
    hits = [{"seq": n, "code": 202, "latency": 10_000_000,
             "timestamp": f"2026-12-02T10:00:00.{n * 100 + (300 if n == 2 else 0):03d}000000Z"} for n in range(5)]
    result = summarise(hits, 10.0)
    assert result.max_ms == 310.0 and result.p50_ms == 10.0
    assert result.accepted == 5 and result.errors == 0
    closed = summarise(hits, None)  # closed loop: from when each was sent
    assert closed.max_ms == 10.0


def test_a_case_is_not_done_until_its_messages_are_sent_and_its_events_audited() -> None:
    from onewindow_devtools.bench.__main__ import Expectation, not_done

    expected = Expectation(notifications_per_case=6)
    done = {"accepted": 10, "open": 0, "notifications": 60, "notifications_open": 0, "notified": 60,
            "events_staged": 200, "events_audited": 200}
    assert not_done(done, expected) == 0
    assert not_done({**done, "open": 3}, expected) == 3
    assert not_done({**done, "notifications": 55, "notified": 55}, expected) == 1  # a case's last messages
    assert not_done({**done, "notifications_open": 1, "notified": 59}, expected) == 1  # one still retrying
    assert not_done({**done, "events_audited": 199}, expected) == 1


def test_cpu_is_counted_per_process_between_two_snapshots() -> None:
    from onewindow_devtools.bench.cpu import CLOCK_TICKS, CpuSnapshot, by_group

    before = CpuSnapshot({1: ("intake", 100), 2: ("kafka-broker", 50)})
    after = CpuSnapshot({1: ("intake", 100 + 2 * CLOCK_TICKS), 2: ("kafka-broker", 50 + CLOCK_TICKS),
                         3: ("agency_simulator", CLOCK_TICKS)})  # started in between: from zero
    used = after.seconds_since(before)
    assert used == {"intake": 2.0, "kafka-broker": 1.0, "agency_simulator": 1.0}
    assert by_group(used) == {"ours": 2.0, "broker": 1.0, "database": 0.0, "doubles": 1.0}


def test_the_plots_are_written_as_png_files(tmp_path: Path) -> None:
    from onewindow_devtools.bench.plots import write_plots

    samples = [{"t": float(t), "accepted": 10 * t, "completed": 9 * t, "notified": 9 * t,
                "events_audited": 8 * t, "cpu_percent": {"audit": 50.0, "kafka-broker": 40.0}}
               for t in range(30)]
    phases = {"maximum": {"t_start": 2.0, "t_end": 12.0, "http": {"p50_ms": 40.0, "p99_ms": 300.0}}}
    paths = write_plots(tmp_path, "stamp", samples, [(2.0, "maximum")], [(3.0, 120.0), (4.0, 80.0)], phases)
    assert [p.name for p in paths] == ["stamp-throughput.png", "stamp-latency.png", "stamp-cpu.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 5000 for p in paths)


def test_the_busiest_service_is_one_of_ours_not_the_broker() -> None:
    from onewindow_devtools.bench.__main__ import busiest_service

    assert busiest_service({"kafka-broker": 90.0, "audit": 40.0, "intake": 55.0, "smtp_sink": 70.0}) == "intake"
    assert busiest_service({"kafka-broker": 90.0}) is None


def test_the_layouts_run_back_to_back_are_reported_side_by_side(tmp_path: Path) -> None:
    results = results_of_a_run()
    one = {"accepted": 600, "end_to_end_per_s": 10.0, "not_done": 0, "seconds_to_drain_after_load": 1.0,
           "submit_p99_ms": 30.0, "accept_to_dispatch_ms": {"p99": 90.0},
           "cpu_ms_per_case": {"ours": 43.0, "broker": 5.0, "database": 0.0, "doubles": 6.0}}
    two = {**one, "submit_p99_ms": 45.0, "cpu_ms_per_case": {"ours": 61.0, "broker": 5.5, "database": 22.0,
                                                            "doubles": 6.0}}
    results["layouts"] = {"offered_rate": 10.0, "seconds": 60, "one instance of each, SQLite": one,
                          "two instances of each, PostgreSQL": two,
                          "a layout that did not start": {"problem": "the warm-up submission was refused"}}
    md, _ = write_report(results, tmp_path, "20261203T000000Z")
    text = md.read_text(encoding="utf-8")
    assert "## Layouts side by side (10.0/s for 60 s each, back to back)" in text
    assert "| one instance of each, SQLite | 600 | 10.0 | 0 | 30.0 | 90.0 | 43.0 / 5.0 / 0.0 / 6.0 |" in text
    assert "| two instances of each, PostgreSQL | 600 | 10.0 | 0 | 45.0 | 90.0 | 61.0 / 5.5 / 22.0 / 6.0 |" in text
    assert "| a layout that did not start | the warm-up submission was refused |" in text
