"""A fault-suite row: what a fault did to a bounded load, counted from independent witnesses.

`count_row` waits for quiescence (`witnesses.wait_for_quiescence`), then counts every submission
of the row's `Load` and every effect the witnesses hold for it:

- every submission is accounted for: accepted (a 202 naming a case), refused with a status the
  row expects, or it fails the row (a client that broke, an unexpected refusal);
- **lost**: an accepted case missing from intake's store or not completed; a department's task
  the agency never received; an e-mail of a completed case the sink never got; a fact a case must
  put on the bus (accepted, routed, each task dispatched/delivered/acknowledged/completed,
  completed) missing; an event of a case on the bus but not on the audit record;
- **duplicated**: a second application for one submission (or one the clerk was never told of);
  a department holding a submission's task twice; a second distinct e-mail for one (submission,
  reason), or a resend with the same Message-ID beyond what the row allows; a fact said twice on
  the bus under different event ids; an event on the audit record twice;
- **parked** tasks and same-Message-ID **resends** only where the row says it expects them;
- **evidence** that the fault hit work in flight (each figure must be above zero), and the cases
  under way when it hit.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from tests.faults import witnesses as w
from tests.faults.load import Load
from tests.support.stack import Stack

DEPARTMENTS_PER_CASE = 5  # the business start-up bundle


@dataclass(frozen=True)
class Expect:
    """What a row allows beyond 'everything done once'."""

    refused: frozenset[int] = frozenset()  # final statuses a clerk may be refused with
    parked: int = 0  # tasks the adapter may park
    resent: int = 0  # e-mails that may be sent again with the same Message-ID (the SMTP window)


@dataclass
class Row:
    fault: str
    submitted: int = 0
    accepted: int = 0
    refused: int = 0
    in_flight: int | None = None  # cases under way when the fault hit (None: the row injects no moment)
    lost: int = 0
    duplicated: int = 0
    parked: int = 0
    resent: int = 0
    witnesses: dict[str, str] = field(default_factory=dict)  # witness -> "✓" or what it found
    recover_s: float = 0.0
    audit_verifies: bool = False
    evidence: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    findings: dict[str, list[str]] = field(default_factory=dict)  # witness -> what it found wrong
    lost_by: Counter[str] = field(default_factory=Counter)  # witness -> lost it counted
    twice_by: Counter[str] = field(default_factory=Counter)  # witness -> duplicates it counted
    planted: bool = False  # a harness self-test: the row must fail
    detail: str = ""

    def ok(self) -> bool:
        return not self.problems


REPORT: list[Row] = []


# -- when the fault hits -------------------------------------------------------------------------

def cases_under_way(stack: Stack, load: Load) -> int:
    """The row's cases filed but not yet completed: the work in flight."""
    return sum(c.status != "completed" for c in w.intake_cases(stack, load.tag))


def completed_since(stack: Stack, load: Load, wall_clock: float) -> int:
    """The row's cases that completed after `wall_clock` (time.time()): work that moved after a recovery."""
    import datetime as dt

    since = dt.datetime.fromtimestamp(wall_clock, dt.UTC)
    return sum(c.status == "completed" and dt.datetime.fromisoformat(c.updated_at) >= since
               for c in w.intake_cases(stack, load.tag))


def work_done_by(stack: Stack, service: str, load: Load) -> int:
    """A count that grows when `service` does work for the load (what 'it was hit mid-flow' is read from)."""
    if service in ("gateway", "intake"):
        return len(w.intake_cases(stack, load.tag))  # applications filed through it
    if service == "audit":
        with w.read_only(w.database(stack, "ow-audit")) as conn:
            return int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    return w.handled_events(stack, f"ow-{service}")


# -- counting ------------------------------------------------------------------------------------

def count_row(stack: Stack, fault: str, load: Load, recovered_at: float, *, in_flight: int | None = None,
              evidence: Callable[[], dict[str, int]] | dict[str, int] | None = None, expect: Expect = Expect(),
              audit: w.AuditStore | None = None, quiet_timeout_s: float = 240, planted: bool = False) -> Row:
    audit = audit or w.audit_store_of(stack)
    load.join()
    row = Row(fault=fault, submitted=load.count, in_flight=in_flight, planted=planted)
    still = w.wait_for_quiescence(stack, audit, quiet_timeout_s)
    row.recover_s = round(max(0.0, time.monotonic() - recovered_at), 1)
    row.evidence = dict(evidence() if callable(evidence) else evidence or {})  # read once all is done
    if still:
        row.problems.append("never quiet: " + "; ".join(still))
    findings: dict[str, list[str]] = defaultdict(list)  # witness -> what it found wrong
    lost: Counter[str] = Counter()
    twice: Counter[str] = Counter()

    # The clerks: every submission accounted for.
    accepted = load.accepted
    row.accepted = len(accepted)
    row.refused = sum(load.refused.values())
    for outcome in load.broken:
        row.problems.append(f"submission {outcome.n} broke the client: {outcome.error}")
    unexpected = {s: c for s, c in load.refused.items() if s not in expect.refused}
    if unexpected:
        row.problems.append(f"refused unexpectedly: {unexpected}")
    if not accepted:
        row.problems.append("no submission was accepted: the row tested nothing")

    # intake's store: one application per submission, the one the clerk was told of, completed.
    filed = w.intake_cases(stack, load.tag)
    by_n: dict[int, list[w.StoredCase]] = defaultdict(list)
    for case in filed:
        by_n[case.n].append(case)
    for n, application_id in accepted.items():
        if application_id not in {c.application_id for c in by_n.get(n, [])}:
            lost["intake"] += 1
            findings["intake"].append(f"accepted {application_id} not in the store")
    for n, cases in by_n.items():
        extra = len(cases) - (1 if n in accepted else 0)
        if extra > 0:
            twice["intake"] += extra
            findings["intake"].append(f"submission {n} filed {len(cases)}×"
                                      + ("" if n in accepted else " though the clerk was not told"))
    case_ids = {c.application_id for c in filed}
    parked = [(a, d) for a, d in w.parked_deliveries(stack) if a in case_ids]
    row.parked = len(parked)
    parked_cases = {a for a, _ in parked}
    not_done = [c for c in filed if c.status != "completed" and c.application_id not in parked_cases]
    if not_done:
        lost["intake"] += len(not_done)
        findings["intake"].append(f"{len(not_done)} not completed ({', '.join(sorted({c.status for c in not_done}))})")
    if row.parked > expect.parked:
        row.problems.append(f"{row.parked} tasks parked, the row allows {expect.parked}: {parked}")
    n_of = {c.application_id: c.n for c in filed}

    # The agencies: every department got each submission's task once.
    per_department: Counter[tuple[int, str]] = Counter()
    for task in w.agency_tasks(stack):
        application_id = str(task["application_id"])
        if application_id in n_of:
            per_department[(n_of[application_id], str(task["department_code"]))] += 1
    parked_by_n = Counter(n_of[a] for a, _ in parked)
    for n in by_n:
        departments = sum(1 for (m, _d) in per_department if m == n)
        missing = DEPARTMENTS_PER_CASE - departments - parked_by_n[n]
        if missing > 0:
            lost["agency"] += missing
            findings["agency"].append(f"submission {n}: {missing} task(s) never arrived")
    doubled = sum(c - 1 for c in per_department.values() if c > 1)
    if doubled:
        twice["agency"] += doubled
        findings["agency"].append(f"{doubled} task(s) held twice")

    # The mail sink: each completed case's three e-mails, once each.
    message_ids: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for mail in w.mails(stack.maildir):
        if mail.application_id in n_of:
            message_ids[(n_of[mail.application_id], mail.reason)][mail.message_id] += 1
    completed = {c.application_id for c in filed if c.status == "completed"}
    for application_id in completed:
        for reason in w.COMPLETED_CASE_MAILS:
            if not message_ids.get((n_of[application_id], reason)):
                lost["mail"] += 1
                findings["mail"].append(f"{application_id} never got 「{reason}」")
    distinct_twice = sum(len(ids) - 1 for ids in message_ids.values() if len(ids) > 1)
    row.resent = sum(c - 1 for ids in message_ids.values() for c in ids.values() if c > 1)
    if distinct_twice:
        twice["mail"] += distinct_twice
        findings["mail"].append(f"{distinct_twice} e-mail(s) twice (different Message-IDs)")
    if row.resent > expect.resent:
        twice["mail"] += row.resent - expect.resent
        findings["mail"].append(f"{row.resent} resent with the same Message-ID (allowed {expect.resent})")

    # The bus: every fact of every case, once.
    events = w.bus_events(stack, case_ids)
    facts = w.count_facts(events, case_ids - parked_cases, DEPARTMENTS_PER_CASE)
    if facts.missing:
        lost["bus"] += len(facts.missing)
        findings["bus"].append("missing " + ", ".join(facts.missing[:3]) + (" …" if len(facts.missing) > 3 else ""))
    if facts.twice:
        twice["bus"] += len(facts.twice)
        findings["bus"].append("said twice " + ", ".join(facts.twice[:3]) + (" …" if len(facts.twice) > 3 else ""))

    # The audit record: every event of every case on it, once; and the chain verifies.
    recorded = audit.event_ids(case_ids)
    off_record = {e.event_id for e in events} - set(recorded)
    if off_record:
        lost["audit"] += len(off_record)
        findings["audit"].append(f"{len(off_record)} event(s) of the row's cases not on the record")
    on_twice = sum(c - 1 for c in recorded.values() if c > 1)
    if on_twice:
        twice["audit"] += on_twice
        findings["audit"].append(f"{on_twice} event(s) on the record twice")
    row.audit_verifies, problem = audit_verifies(stack)
    if not row.audit_verifies:
        row.problems.append(f"audit chain broken: {problem}")

    row.lost, row.duplicated = sum(lost.values()), sum(twice.values())
    row.findings, row.lost_by, row.twice_by = dict(findings), lost, twice
    if row.lost:
        row.problems.append(f"lost {row.lost}")
    if row.duplicated:
        row.problems.append(f"duplicated {row.duplicated}")
    if in_flight is not None and in_flight <= 0:
        row.problems.append("no case was under way when the fault hit")
    row.problems += [f"no evidence the fault hit work in flight: {name} = {value}"
                     for name, value in row.evidence.items() if value <= 0]
    row.witnesses = {name: "✓" if not findings[name] else "✗" for name in ("intake", "agency", "mail", "bus", "audit")}
    seen = "; ".join(f"{name}: {', '.join(found)}" for name, found in findings.items() if found)
    row.detail = "; ".join(part for part in (
        f"{len(events)} events of {len(case_ids)} cases on the bus",
        f"retried {dict(load.retried)}" if load.retried else "",
        ", ".join(f"{k} {v}" for k, v in row.evidence.items()),
        seen) if part)
    REPORT.append(row)
    return row


def audit_verifies(stack: Stack) -> tuple[bool, str]:
    with stack.client("ops") as http:
        verdict = http.get("/api/v1/ops/audit/verify", timeout=60).json()
    return bool(verdict.get("ok")), str(verdict.get("problem") or "")


def assert_clean(rows: list[Row]) -> None:
    bad = [row for row in rows if not row.ok()]
    assert not bad, "\n".join(f"{r.fault}: {'; '.join(r.problems)} — {r.detail}" for r in bad)


def format_report(rows: list[Row]) -> str:
    table = _table([r for r in rows if not r.planted], lambda r: "ok" if r.ok() else "FAIL: " + "; ".join(r.problems))
    planted = [r for r in rows if r.planted]
    if planted:
        table += ("\n\nThe harness's own tests: rows with a planted bug, each of which must be caught.\n\n"
                  + _table(planted, lambda r: ("caught: " if not r.ok() else "MISSED: ") + "; ".join(r.problems)))
    return table


def _table(rows: list[Row], verdict: Callable[[Row], str]) -> str:
    lines = ["| fault | submitted | accepted | refused | in flight | lost | duplicated | parked | resent |"
             " witnesses (intake agency mail bus audit) | time to quiet (s) | audit chain | verdict | detail |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|---|"]
    for r in rows:
        agree = " ".join(f"{mark}" for mark in r.witnesses.values())
        lines.append(
            f"| {r.fault} | {r.submitted} | {r.accepted} | {r.refused} | "
            f"{'–' if r.in_flight is None else r.in_flight} | {r.lost} | {r.duplicated} | {r.parked} | {r.resent} | "
            f"{agree} | {r.recover_s} | {'verifies' if r.audit_verifies else 'BROKEN'} | "
            f"{verdict(r)} | {r.detail} |")
    return "\n".join(lines)


def set_agency(stack: Stack, department: str, **behaviour: object) -> None:
    httpx.put(f"{stack.simulator_url}/control/departments/{department}", json=behaviour,
              timeout=10).raise_for_status()
