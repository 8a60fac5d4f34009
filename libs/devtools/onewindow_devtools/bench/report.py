"""The benchmark's report: a Markdown table with each part as a ratio to its baseline and to the
targets of #8, and the same numbers as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TARGET_END_TO_END = 1000.0
TARGET_SUBMIT_P99_MS = 25.0
TARGET_DISPATCH_P99_MS = 100.0


def _ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}" if baseline else "n/a"


def write_report(results: dict[str, Any], out_dir: Path, stamp: str) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"{stamp}.json", out_dir / f"{stamp}.md"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    s = results["settings"]
    bare = results["baseline_http"]["accepted_per_s"]
    relay = results["baseline_relay"]["records_per_s"]
    maximum, sustained = results["maximum"], results["sustained"]
    half = results.get("latency_at_50pct", {})
    sustained_met = (sustained["end_to_end_per_s"] >= TARGET_END_TO_END and sustained["http"]["duration_s"] >= 299
                     and sustained["not_done"] == 0)
    lines = [
        f"# onewindow benchmark {stamp}", "",
        f"{s['cpu']}, {s['cores']} cores, {s['memory_gb']} GB; Python {s['python']}; crc32c {s['crc32c']}; "
        f"trace sampling {s['trace_sampling_ratio']}; acks={s['producer']['acks']}, idempotent producer; "
        f"{s['partitions_per_topic']} partitions; {s['instances_per_service']} instance per service; "
        f"{s['database']}. Load: wrk over loopback, noise complaints (one agency task each).", "",
        *([f"Consumers: {json.dumps(s['consumer'])}; gateway: {s.get('gateway_server', '?')}.", ""]
          if "consumer" in s else []),
        "| measure | value | baseline | ratio | target | met |", "|---|---:|---:|---:|---|---|",
        f"| gateway submit, max (202/s; the whole stack running) | {maximum['http']['accepted_per_s']} | "
        f"bare FastAPI {bare} | "
        f"{_ratio(maximum['http']['accepted_per_s'], bare)} | ≥ 0.6 × bare | "
        f"{'yes' if bare and maximum['http']['accepted_per_s'] >= 0.6 * bare else 'no'} |",
        *([f"| gateway + intake alone, max (202/s; nothing downstream running) | {alone} | bare FastAPI {bare} | "
           f"{_ratio(alone, bare)} | ≥ 0.6 × bare | {'yes' if bare and alone >= 0.6 * bare else 'no'} |"]
          if (alone := results.get("gateway_alone", {}).get("http", {}).get("accepted_per_s")) is not None else []),
        f"| end to end, max (cases/s) | {maximum['end_to_end_per_s']} | | | ≥ {TARGET_END_TO_END:.0f} | "
        f"{'yes' if maximum['end_to_end_per_s'] >= TARGET_END_TO_END else 'no'} |",
        f"| end to end, sustained {sustained['http']['duration_s']:.0f} s (cases/s) | "
        f"{sustained['end_to_end_per_s']} | | | ≥ {TARGET_END_TO_END:.0f} for 300 s | "
        f"{'yes' if sustained_met else 'no'} |",
        f"| not done after the sustained phase | {sustained['not_done']} | | | 0 | "
        f"{'yes' if sustained['not_done'] == 0 else 'no'} |",
    ]
    traced = results.get("traced")
    if traced:
        lines.append(f"| cases traced (a trace id on every audit record; spans exported at sampling "
                     f"{s['trace_sampling_ratio']}) | {traced['traced']} of {traced['cases']} | | | 100 % | "
                     f"{'yes' if traced['cases'] and traced['traced'] == traced['cases'] else 'no'} |")
    if half:
        lines += [
            f"| submit p99 at 50 % load (ms) | {half['http']['p99_ms']} | | | ≤ {TARGET_SUBMIT_P99_MS:.0f} | "
            f"{'yes' if half['http']['p99_ms'] <= TARGET_SUBMIT_P99_MS else 'no'} |",
            f"| accept → dispatched p99 at 50 % load (ms) | {half['accept_to_dispatch_ms']['p99']} | | | "
            f"≤ {TARGET_DISPATCH_P99_MS:.0f} | "
            f"{'yes' if half['accept_to_dispatch_ms']['p99'] <= TARGET_DISPATCH_P99_MS else 'no'} |",
        ]
    for service, hop in results.get("hops_alone", {}).items():
        rate = hop["events_per_s"]
        lines.append(f"| {service} alone on the run's backlog (events/s) | {rate} | relay {relay} | "
                     f"{_ratio(rate, relay)} | ≥ 0.7 × relay | {'yes' if relay and rate >= 0.7 * relay else 'no'} |")
    lines += ["", "## Latency", "", "| phase | offered (/s) | submit p50 / p99 / p99.9 (ms) | "
              "accept → dispatched p50 / p99 / p99.9 (ms) |", "|---|---:|---|---|"]
    for name in ("latency_at_50pct", "latency_at_80pct", "sustained", "maximum"):
        if name in results:
            phase = results[name]
            d = phase["accept_to_dispatch_ms"]
            http = phase["http"]
            lines.append(f"| {name} | {phase['offered_rate'] or 'max'} | {http['p50_ms']} / {http['p99_ms']} / "
                         f"{http['p999_ms']} | {d['p50']} / {d['p99']} / {d['p999']} |")
    cpu = maximum.get("cpu_percent", {})
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
