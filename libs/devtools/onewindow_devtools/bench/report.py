"""The benchmark's report: the targets of #13 against the run's `summary`, every phase with its
CPU per case, latency from when each request was due, idle cost, and the same numbers as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TARGET_CASES_PER_S = 150.0
TARGET_SUSTAINED_S = 300.0
TARGET_CPU_MS_PER_CASE = 10.0
TARGET_IDLE_CPU_PERCENT = 3.0
TARGET_SUBMIT_P99_MS = 25.0
TARGET_DISPATCH_P99_MS = 100.0
TARGET_GATEWAY_RATIO = 0.5
TARGET_HOP_RATIO = 0.7
TARGET_RANKING_P99_MS = 200.0      # #17: the month's ranking with ≥ 1,000,000 cases loaded
TARGET_SCALE_CASES = 1_000_000
PHASES = ("maximum", "sustained", "latency_at_50pct", "latency_at_80pct")


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else "yes" if ok else "no"


def _num(value: Any) -> str:
    return "n/a" if value is None else str(value)


def _ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}" if baseline else "n/a"


def target_rows(summary: dict[str, Any]) -> list[str]:
    def at_most(key: str, target: float) -> str:
        value = summary.get(key)
        return f"| {key} | {_num(value)} | ≤ {target:g} | {_met(None if value is None else value <= target)} |"

    def at_least(key: str, target: float) -> str:
        value = summary.get(key)
        return f"| {key} | {_num(value)} | ≥ {target:g} | {_met(None if value is None else value >= target)} |"

    rate, seconds, left = (summary.get(k) for k in ("sustained_cases_per_s", "sustained_seconds", "not_done"))
    sustained_ok = (None if rate is None or seconds is None or left is None
                    else rate >= TARGET_CASES_PER_S and seconds >= TARGET_SUSTAINED_S - 1 and left == 0)
    traced = summary.get("cases_traced_percent")
    return [
        "| measure (`summary`) | value | target | met |", "|---|---:|---|---|",
        f"| sustained_cases_per_s (for sustained_seconds = {_num(seconds)}, not_done = {_num(left)}) | {_num(rate)} "
        f"| ≥ {TARGET_CASES_PER_S:g} for {TARGET_SUSTAINED_S:g} s, not_done 0 | {_met(sustained_ok)} |",
        at_most("cpu_ms_per_case", TARGET_CPU_MS_PER_CASE),
        f"| cpu_ms_per_case_broker | {_num(summary.get('cpu_ms_per_case_broker'))} | (reported) | |",
        f"| cpu_ms_per_case_doubles | {_num(summary.get('cpu_ms_per_case_doubles'))} | (reported) | |",
        at_most("idle_cpu_percent", TARGET_IDLE_CPU_PERCENT),
        at_most("submit_p99_ms_at_half", TARGET_SUBMIT_P99_MS),
        at_most("accept_to_dispatch_p99_ms_at_half", TARGET_DISPATCH_P99_MS),
        at_least("gateway_intake_alone_ratio", TARGET_GATEWAY_RATIO),
        at_least("hop_alone_ratio_min", TARGET_HOP_RATIO),
        f"| cases_traced_percent (trace_sampling_ratio {_num(summary.get('trace_sampling_ratio'))}) | "
        f"{_num(traced)} | 100 | {_met(None if traced is None else traced == 100)} |",
    ]


def supervision_rows(scale: dict[str, Any] | None) -> list[str]:
    """#17's figures: a month of one province's cases through supervision's handlers, the ranking
    read off the counters, and the counters against a from-scratch recount."""
    if not scale:
        return []
    ranking, csv = scale["ranking"], scale["ranking_csv"]
    enough = scale["cases"] >= TARGET_SCALE_CASES
    return [
        "", f"## Supervision at scale (#17): {scale['cases']:,} cases of one month, seed {scale['seed']}", "",
        f"{scale['events']:,} facts ({scale['tasks']:,} tasks) through the real handlers into SQLite in "
        f"{scale['load_s']} s ({scale['events_per_s']:,} facts/s, a transaction per 500 cases); "
        f"{scale['counter_rows']:,} counter rows, store {scale['store_mb']} MB. Rankings asked for over gRPC, "
        f"every level in turn ({ranking['ranked_min']}–{ranking['ranked_max']} ranked per answer).", "",
        "| measure | value | target | met |", "|---|---:|---|---|",
        f"| cases loaded | {scale['cases']:,} | ≥ {TARGET_SCALE_CASES:,} | {_met(enough)} |",
        f"| ranking p50 / p99 / max (ms, {ranking['queries']} queries) | {ranking['p50_ms']} / {ranking['p99_ms']} / "
        f"{ranking['max_ms']} | p99 ≤ {TARGET_RANKING_P99_MS:g} | {_met(ranking['p99_ms'] <= TARGET_RANKING_P99_MS)} |",
        f"| ranking with CSV p50 / p99 / max (ms, {csv['queries']} queries) | {csv['p50_ms']} / {csv['p99_ms']} / "
        f"{csv['max_ms']} | p99 ≤ {TARGET_RANKING_P99_MS:g} | {_met(csv['p99_ms'] <= TARGET_RANKING_P99_MS)} |",
        f"| counters equal to the recount | {'yes' if scale['recount_equal'] else 'no'} | every row | "
        f"{_met(scale['recount_equal'])} |",
        *(f"| difference | {d} | | |" for d in scale.get("recount_differences", [])),
    ]


def write_report(results: dict[str, Any], out_dir: Path, stamp: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"{stamp}.json", out_dir / f"{stamp}.md"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    s = results["settings"]
    if "baseline_http" not in results:  # a part run alone (--only): its figures and nothing else
        lines = [f"# onewindow benchmark {stamp}: supervision at scale alone", "",
                 f"{s['cpu']}, {s['cores']} cores, {s['memory_gb']} GB; Python {s['python']}; this part alone "
                 "(no stack, no broker).", *supervision_rows(results.get("supervision_scale")), "",
                 f"Versions: {json.dumps(s['libraries'])}", ""]
        md_path.write_text("\n".join(lines), encoding="utf-8")
        return md_path, json_path
    bare = results.get("baseline_http", {}).get("accepted_per_s")
    relay = results.get("baseline_relay", {}).get("records_per_s")
    done_means = results.get("done_means", {})
    lines = [
        f"# onewindow benchmark {stamp}", "",
        f"{s['cpu']}, {s['cores']} cores, {s['memory_gb']} GB; Python {s['python']}; crc32c {s['crc32c']}; "
        f"trace sampling {s['trace_sampling_ratio']}; acks={s['producer']['acks']}, idempotent producer; "
        f"{s['partitions_per_topic']} partitions; {s['instances_per_service']} instance per service; "
        f"{s['database']}. Load: vegeta over loopback, open loop at a fixed rate (the maximum: closed loop), "
        "noise complaints (one agency task each).", "",
        *([f"Consumers: {json.dumps(s['consumer'])}; gateway: {s.get('gateway_server', '?')}.", ""]
          if "consumer" in s else []),
        "A case is done when the agency completed every task, the case is completed, every message of it "
        f"is sent on every channel ({done_means.get('notifications_per_case', '?')} per case, none pending, "
        "claimed or retrying) and every event is on the audit chain. A phase ends only when its backlog is "
        "done; CPU per case is what the kernel charged each process from the phase's start to that moment.", "",
        "## Targets", "", *target_rows(results.get("summary", {})), "",
        "## Phases", "",
        "| phase | offered (/s) | accepted | end to end (cases/s) | until done (s) | not done | "
        "CPU ms per case: ours / broker / doubles |", "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name in PHASES:
        if name in results:
            p = results[name]
            cpu = p.get("cpu_ms_per_case", {})
            lines.append(f"| {name} | {p['offered_rate'] or 'max'} | {p['accepted']} | {p['end_to_end_per_s']} | "
                         f"{p.get('seconds_until_done', 'n/a')} | {p['not_done']} | {_num(cpu.get('ours'))} / "
                         f"{_num(cpu.get('broker'))} / {_num(cpu.get('doubles'))} |")
    layouts = {name: value for name, value in results.get("layouts", {}).items() if isinstance(value, dict)}
    if layouts:
        rate = results["layouts"]["offered_rate"]
        lines += ["", f"## Layouts side by side ({rate}/s for {results['layouts']['seconds']} s each, back to back)",
                  "", "| layout | accepted | end to end (cases/s) | not done | submit p99 (ms) | "
                  "accept → dispatched p99 (ms) | CPU ms per case: ours / broker / database / doubles |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for name, run in layouts.items():
            if "problem" in run:
                lines.append(f"| {name} | {run['problem']} | | | | | |")
                continue
            cpu = run["cpu_ms_per_case"]
            lines.append(f"| {name} | {run['accepted']} | {run['end_to_end_per_s']} | {run['not_done']} | "
                         f"{run['submit_p99_ms']} | {run['accept_to_dispatch_ms']['p99']} | {_num(cpu.get('ours'))} / "
                         f"{_num(cpu.get('broker'))} / {_num(cpu.get('database'))} / {_num(cpu.get('doubles'))} |")
    lines += supervision_rows(results.get("supervision_scale"))
    lines += ["", "## Against the baselines", "", "| measure | value | baseline | ratio | target | met |",
              "|---|---:|---:|---:|---|---|"]
    if (alone := results.get("gateway_alone", {}).get("http", {}).get("accepted_per_s")) is not None:
        lines.append(f"| gateway + intake alone, max (202/s; nothing downstream running) | {alone} | bare FastAPI "
                     f"{bare} | {_ratio(alone, bare)} | ≥ {TARGET_GATEWAY_RATIO} × bare | "
                     f"{_met(bool(bare) and alone >= TARGET_GATEWAY_RATIO * bare)} |")
    if "maximum" in results:
        submitted = results["maximum"]["http"]["accepted_per_s"]
        lines.append(f"| gateway submit, max (202/s; the whole stack running) | {submitted} | bare FastAPI {bare} | "
                     f"{_ratio(submitted, bare)} | | |")
    for service, hop in results.get("hops_alone", {}).items():
        rate = hop["events_per_s"]
        lines.append(f"| {service} alone on the run's backlog (events/s) | {rate} | relay {relay} | "
                     f"{_ratio(rate, relay)} | ≥ {TARGET_HOP_RATIO} × relay | "
                     f"{_met(bool(relay) and rate >= TARGET_HOP_RATIO * relay)} |")
    lines += ["", "## Latency", "",
              "Submit latency from the moment each request was due (open loop; the maximum phase: from when it was "
              "sent). \"Late\" is how far behind schedule the load generator sent (0: it kept up).", "",
              "| phase | offered (/s) | submit p50 / p99 / p99.9 (ms) | late p99 (ms) | "
              "accept → dispatched p50 / p99 / p99.9 (ms) |", "|---|---:|---|---:|---|"]
    for name in ("latency_at_50pct", "latency_at_80pct", "sustained", "maximum"):
        if name in results:
            phase = results[name]
            d, http = phase["accept_to_dispatch_ms"], phase["http"]
            lines.append(f"| {name} | {phase['offered_rate'] or 'max'} | {http['p50_ms']} / {http['p99_ms']} / "
                         f"{http['p999_ms']} | {http.get('late_p99_ms', 'n/a')} | {d['p50']} / {d['p99']} / "
                         f"{d['p999']} |")
    idle = results.get("idle")
    if idle:
        lines += ["", f"## Idle cost ({idle['seconds']} s without load; % of one core)", "",
                  "| process | CPU % |", "|---|---:|"]
        lines += [f"| {name} | {value} |" for name, value in sorted(idle["cpu_percent"].items(), key=lambda kv: -kv[1])]
        lines += [f"| **{group}** | {value} |" for group, value in idle["cpu_percent_by_group"].items()]
    sustained = results.get("sustained", {})
    if sustained.get("cpu_seconds"):
        cases = sustained["accepted"] or 1
        lines += ["", "## CPU per case in the sustained phase, per process (ms)", "", "| process | ms per case |",
                  "|---|---:|"]
        lines += [f"| {name} | {round(value * 1000 / cases, 2)} |"
                  for name, value in sorted(sustained["cpu_seconds"].items(), key=lambda kv: -kv[1])]
    cpu = results.get("maximum", {}).get("cpu_percent", {})
    if cpu:
        lines += ["", "## CPU per process at the maximum (% of one core; the machine has "
                  f"{s['cores'] * 100})", "", "| process | CPU % |", "|---|---:|"]
        lines += [f"| {name} | {value} |" for name, value in sorted(cpu.items(), key=lambda kv: -kv[1])]
        lines.append(f"| **all** | {round(sum(cpu.values()), 1)} |")
    for service, hop in results.get("hops_alone", {}).items():
        if hop.get("problem"):
            lines += ["", f"{service} alone: {hop['problem']}"]
    pictures = results.get("plots", [])
    profile = results.get("profile")
    if pictures or profile:
        lines += ["", "## Pictures", ""]
        lines += [f"![{name}]({name})" for name in pictures]
        if profile:
            lines.append(f"Flame graph of {profile['service']} (the busiest service at the maximum), "
                         f"{profile['seconds']} s of the sustained phase: [{profile['file']}]({profile['file']})"
                         + ("" if profile["outcome"] == "ok" else f" — {profile['outcome']}"))
    lines += ["", f"Versions: {json.dumps(s['libraries'])}", ""]
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return md_path, json_path
