"""`onewindow` — the ops command line, a client of the gateway's HTTP API.

    onewindow trace <application_id>    the case's timeline, then the span tree of each of its traces
    onewindow verify                    recompute the audit chain (as GET /api/v1/ops/audit/verify)

The gateway is OW_GATEWAY_URL (http://127.0.0.1:8080); the ops token comes from OW_OPS_TOKEN, or
under `make run` from .run/dev-tokens.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx


class CliError(Exception):
    pass


def _token(explicit: str | None) -> str:
    token = explicit or os.environ.get("OW_OPS_TOKEN", "")
    if token:
        return token
    dev = Path.cwd() / ".run" / "dev-tokens.json"
    try:
        return str(json.loads(dev.read_text())["ops"])
    except (OSError, ValueError, KeyError):
        raise CliError("no ops token: set OW_OPS_TOKEN (or run from the checkout under `make run`)") from None


def _get(http: httpx.Client, path: str) -> Any:
    try:
        response = http.get(path)
    except httpx.HTTPError as exc:
        raise CliError(f"cannot reach the gateway at {http.base_url}: {exc}") from None
    if response.status_code != 200:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise CliError(f"GET {path}: {response.status_code} {detail}")
    return response.json()


def format_timeline(application_id: str, entries: list[dict[str, Any]]) -> list[str]:
    lines = [f"Case {application_id}: {len(entries)} events on the audit record"]
    lines.append(f"  {'seq':>6}  {'occurred (UTC)':<24} {'service':<22} {'event':<26} {'actor':<28} trace/span")
    for e in entries:
        lines.append(f"  {e['sequence']:>6}  {e['occurred_at'][:23]:<24} {e['service']:<22} {e['event_type']:<26} "
                     f"{e['actor'][:28]:<28} {e['trace_id'][:8]}/{e['span_id'][:8]}")
    return lines


def format_tree(trace: dict[str, Any]) -> list[str]:
    lines = [f"Trace {trace['trace_id']}: {trace['span_count']} spans from {len(trace['services'])} services "
             f"({', '.join(trace['services'])}), {trace['duration_ms']:.1f} ms end to end"]

    def walk(node: dict[str, Any], prefix: str, last: bool) -> None:
        branch = "└─ " if last else "├─ "
        status = "" if node["status"] != "ERROR" else "  !ERROR"
        lines.append(f"  {prefix}{branch}{node['name']}  [{node['service']}]  "
                     f"+{node['start_ms']:.1f} ms  {node['duration_ms']:.1f} ms{status}")
        children = node["children"]
        for index, child in enumerate(children):
            walk(child, prefix + ("   " if last else "│  "), index == len(children) - 1)

    for index, root in enumerate(trace["roots"]):
        walk(root, "", index == len(trace["roots"]) - 1)
    return lines


def trace_command(http: httpx.Client, application_id: str) -> list[str]:
    entries = _get(http, f"/api/v1/applications/{application_id}/timeline")
    lines = format_timeline(application_id, entries)
    trace_ids = list(dict.fromkeys(e["trace_id"] for e in entries if e["trace_id"]))
    for trace_id in trace_ids:
        lines.append("")
        try:
            lines += format_tree(_get(http, f"/api/v1/ops/traces/{trace_id}"))
        except CliError as exc:  # spans pruned or never exported: still show the rest
            lines.append(f"Trace {trace_id}: {exc}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="onewindow", description="onewindow ops command line")
    parser.add_argument("--gateway", default=os.environ.get("OW_GATEWAY_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--token", default=None, help="ops bearer token (default: OW_OPS_TOKEN)")
    commands = parser.add_subparsers(dest="command", required=True)
    trace = commands.add_parser("trace", help="a case's timeline and span tree")
    trace.add_argument("application_id")
    commands.add_parser("verify", help="verify the audit chain")
    args = parser.parse_args(argv)
    try:
        headers = {"Authorization": f"Bearer {_token(args.token)}"}
        with httpx.Client(base_url=args.gateway, headers=headers, timeout=30) as http:
            if args.command == "trace":
                print("\n".join(trace_command(http, args.application_id)))
                return 0
            verdict = _get(http, "/api/v1/ops/audit/verify")
            print(json.dumps(verdict, indent=2, ensure_ascii=False))
            return 0 if verdict["ok"] else 1
    except CliError as exc:
        print(f"onewindow: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
