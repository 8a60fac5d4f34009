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


ONE_MACHINE = "one machine"
CLUSTER = ("two instances of every service on PostgreSQL, three Kafka nodes (replication 3, min ISR 2), "
           "under a steady load")


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
    table: str = ONE_MACHINE  # which table of the report the row belongs to
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
        with w.read_only(stack, "ow-audit") as conn:
            return int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    return w.handled_events(stack, f"ow-{service}")


# -- counting ------------------------------------------------------------------------------------

WITNESSES = ("intake", "agency", "mail", "bus", "audit")


@dataclass
class Tally:
    """What each witness found missing or doubled, and in words."""

    lost: Counter[str] = field(default_factory=Counter)
    twice: Counter[str] = field(default_factory=Counter)
    findings: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def missing(self, witness: str, count: int, what: str) -> None:
        if count > 0:
            self.lost[witness] += count
            self.findings[witness].append(what)

    def doubled(self, witness: str, count: int, what: str) -> None:
        if count > 0:
            self.twice[witness] += count
            self.findings[witness].append(what)


@dataclass(frozen=True)
class Filed:
    """The row's applications as intake's store holds them."""

    cases: list[w.StoredCase]
    parked: list[tuple[str, str]]  # (application, department) the adapter parked

    @property
    def ids(self) -> set[str]:
        return {c.application_id for c in self.cases}

    @property
    def n_of(self) -> dict[str, int]:
        return {c.application_id: c.n for c in self.cases}

    @property
    def parked_cases(self) -> set[str]:
        return {a for a, _ in self.parked}


def _check_intake(tally: Tally, filed: Filed, accepted: dict[int, str]) -> None:
    """One application per submission, the one the clerk was told of, completed (or parked)."""
    by_n: dict[int, list[str]] = defaultdict(list)
    for case in filed.cases:
        by_n[case.n].append(case.application_id)
    for n, application_id in accepted.items():
        tally.missing("intake", int(application_id not in by_n.get(n, [])),
                      f"accepted {application_id} not in the store")
    for n, ids in by_n.items():
        tally.doubled("intake", len(ids) - (1 if n in accepted else 0),
                      f"submission {n} filed {len(ids)}×" + ("" if n in accepted else " though the clerk was not told"))
    open_cases = [c for c in filed.cases if c.status != "completed" and c.application_id not in filed.parked_cases]
    tally.missing("intake", len(open_cases),
                  f"{len(open_cases)} not completed ({', '.join(sorted({c.status for c in open_cases}))})")


def _check_agency(tally: Tally, stack: Stack, filed: Filed) -> None:
    """Every department got each submission's task once."""
    n_of = filed.n_of
    per_department = Counter((n_of[str(t["application_id"])], str(t["department_code"]))
                             for t in w.agency_tasks(stack) if str(t["application_id"]) in n_of)
    departments = Counter(n for n, _ in per_department)
    parked_by_n = Counter(n_of[a] for a, _ in filed.parked)
    for n in set(n_of.values()):
        missing = DEPARTMENTS_PER_CASE - departments[n] - parked_by_n[n]
        tally.missing("agency", missing, f"submission {n}: {missing} task(s) never arrived")
    doubled = sum(c - 1 for c in per_department.values() if c > 1)
    tally.doubled("agency", doubled, f"{doubled} task(s) held twice")


def _check_mail(tally: Tally, stack: Stack, filed: Filed, allowed_resent: int) -> int:
    """Each completed case's three e-mails, once each. Returns the same-Message-ID resends."""
    n_of = filed.n_of
    message_ids: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for mail in w.mails(stack.maildir):
        if mail.application_id in n_of:
            message_ids[(n_of[mail.application_id], mail.reason)][mail.message_id] += 1
    for case in filed.cases:
        if case.status == "completed":
            for reason in w.COMPLETED_CASE_MAILS:
                tally.missing("mail", int(not message_ids.get((case.n, reason))),
                              f"{case.application_id} never got 「{reason}」")
    distinct_twice = sum(len(ids) - 1 for ids in message_ids.values())
    tally.doubled("mail", distinct_twice, f"{distinct_twice} e-mail(s) twice (different Message-IDs)")
    resent = sum(c - 1 for ids in message_ids.values() for c in ids.values())
    tally.doubled("mail", resent - allowed_resent,
                  f"{resent} resent with the same Message-ID (allowed {allowed_resent})")
    return resent


def _some(items: list[str]) -> str:
    return ", ".join(items[:3]) + (" …" if len(items) > 3 else "")


def _check_bus_and_audit(tally: Tally, stack: Stack, filed: Filed, audit: w.AuditStore) -> int:
    """Every fact of every case on the bus once; every event of them on the audit record once.
    Returns how many events of the row's cases are on the bus."""
    events = w.bus_events(stack, filed.ids)
    facts = w.count_facts(events, filed.ids - filed.parked_cases, DEPARTMENTS_PER_CASE)
    tally.missing("bus", len(facts.missing), "missing " + _some(facts.missing))
    tally.doubled("bus", len(facts.twice), "said twice " + _some(facts.twice))
    recorded = audit.event_ids(filed.ids)
    off_record = {e.event_id for e in events} - set(recorded)
    tally.missing("audit", len(off_record), f"{len(off_record)} event(s) of the row's cases not on the record")
    on_twice = sum(c - 1 for c in recorded.values())
    tally.doubled("audit", on_twice, f"{on_twice} event(s) on the record twice")
    return len(events)


def count_row(stack: Stack, fault: str, load: Load, recovered_at: float, *, in_flight: int | None = None,
              evidence: Callable[[], dict[str, int]] | dict[str, int] | None = None, expect: Expect = Expect(),
              audit: w.AuditStore | None = None, quiet_timeout_s: float = 240, planted: bool = False,
              table: str = ONE_MACHINE) -> Row:
    audit = audit or w.audit_store_of(stack)
    load.join()
    row = Row(fault=fault, submitted=load.count, in_flight=in_flight, planted=planted, table=table)
    still = w.wait_for_quiescence(stack, quiet_timeout_s)
    row.recover_s = round(max(0.0, time.monotonic() - recovered_at), 1)
    row.evidence = dict(evidence() if callable(evidence) else evidence or {})  # read once all is done
    if still:
        row.problems.append("never quiet: " + "; ".join(still))
        row.problems.append("the stack said: " + (" | ".join(w.complaints(stack)) or "nothing worrying"))

    # The clerks: every submission accounted for.
    accepted = load.accepted
    row.accepted, row.refused = len(accepted), sum(load.refused.values())
    row.problems += [f"submission {o.n} broke the client: {o.error}" for o in load.broken]
    if unexpected := {s: c for s, c in load.refused.items() if s not in expect.refused}:
        row.problems.append(f"refused unexpectedly: {unexpected}")
    if not accepted:
        row.problems.append("no submission was accepted: the row tested nothing")

    cases = w.intake_cases(stack, load.tag)
    ids = {c.application_id for c in cases}
    filed = Filed(cases, [(a, d) for a, d in w.parked_deliveries(stack) if a in ids])
    row.parked = len(filed.parked)
    if row.parked > expect.parked:
        row.problems.append(f"{row.parked} tasks parked, the row allows {expect.parked}: {filed.parked}")
    tally = Tally()
    _check_intake(tally, filed, accepted)
    _check_agency(tally, stack, filed)
    row.resent = _check_mail(tally, stack, filed, expect.resent)
    events = _check_bus_and_audit(tally, stack, filed, audit)
    row.audit_verifies, problem = audit_verifies(stack)
    if not row.audit_verifies:
        row.problems.append(f"audit chain broken: {problem}")

    row.lost, row.duplicated = sum(tally.lost.values()), sum(tally.twice.values())
    row.findings, row.lost_by, row.twice_by = dict(tally.findings), tally.lost, tally.twice
    if row.lost:
        row.problems.append(f"lost {row.lost}")
    if row.duplicated:
        row.problems.append(f"duplicated {row.duplicated}")
    if in_flight is not None and in_flight <= 0:
        row.problems.append("no case was under way when the fault hit")
    row.problems += [f"no evidence the fault hit work in flight: {name} = {value}"
                     for name, value in row.evidence.items() if value <= 0]
    row.witnesses = {name: "✗" if tally.findings.get(name) else "✓" for name in WITNESSES}
    seen = "; ".join(f"{name}: {', '.join(found)}" for name, found in tally.findings.items() if found)
    row.detail = "; ".join(part for part in (
        f"{events} events of {len(ids)} cases on the bus",
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
    def verdict(r: Row) -> str:
        return "ok" if r.ok() else "FAIL: " + "; ".join(r.problems)

    tables = list(dict.fromkeys(r.table for r in rows if not r.planted))
    table = "\n\n".join((f"{name[0].upper()}{name[1:]}.\n\n" if name != ONE_MACHINE else "")
                         + _table([r for r in rows if not r.planted and r.table == name], verdict)
                         for name in tables)
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
