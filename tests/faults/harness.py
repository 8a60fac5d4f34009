"""The fault suite's load and its bookkeeping.

`Load` plays counter clerks submitting at a steady rate; a request that fails (connection error,
503) is retried with the same Idempotency-Key, as a counter's client does, so "accepted" means a
202 the clerk saw. `settle` then waits until every accepted case is completed or visibly parked,
and counts what was lost and what was done twice: tasks at the agency simulator (one per
department), e-mails in the SMTP sink (one per application and reason), and applications per key.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.stack import Stack

STARTUP = {"company_name": "北京一窗科技有限公司", "registered_capital": 100, "business_scope": "软件开发"}
DEPARTMENTS_PER_CASE = 5  # the business start-up bundle


def application_payload(n: int) -> dict[str, Any]:
    return {"item_code": "business.startup", "region_code": "110101", "channel": "counter", "fields": STARTUP,
            "applicant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678",
                          "email": f"applicant{n}@example.cn"}}


@dataclass
class Load:
    stack: Stack
    count: int
    rate_per_s: float
    token: str = "clerk"
    give_up_after_s: float = 90.0
    accepted: dict[str, str] = field(default_factory=dict)  # idempotency key -> application id
    refused: Counter[int] = field(default_factory=Counter)  # final non-202 statuses the clerk saw
    retried: Counter[int] = field(default_factory=Counter)  # statuses answered before a retry (-1: no answer)
    retry_after_missing: int = 0  # 503s without a Retry-After header

    @property
    def retries(self) -> int:
        return sum(self.retried.values())

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Load:
        self._thread.start()
        return self

    def join(self, timeout_s: float = 180) -> Load:
        self._thread.join(timeout_s)
        assert not self._thread.is_alive(), "the load did not finish"
        return self

    def _run(self) -> None:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            for n in range(self.count):
                time.sleep(max(0.0, started + n / self.rate_per_s - time.monotonic()))
                pool.submit(self._submit, n)

    def _submit(self, n: int) -> None:
        key = uuid.uuid4().hex
        deadline = time.monotonic() + self.give_up_after_s
        backoff = 0.2
        status = 0
        with self.stack.client(self.token) as http:
            while time.monotonic() < deadline:
                try:
                    response = http.post("/api/v1/applications", json=application_payload(n),
                                         headers={"Idempotency-Key": key}, timeout=15)
                    status = response.status_code
                    if status == 202:
                        with self._lock:
                            self.accepted[key] = response.json()["application_id"]
                        return
                    if status < 500 and status != 429:
                        break  # the clerk's request was refused for good
                    if status == 503 and "Retry-After" not in response.headers:
                        with self._lock:
                            self.retry_after_missing += 1
                    retry_after = float(response.headers.get("Retry-After", backoff))
                except httpx.HTTPError:
                    status, retry_after = -1, backoff
                with self._lock:
                    self.retried[status] += 1
                time.sleep(min(retry_after, 5.0))
                backoff = min(backoff * 2, 5.0)
        with self._lock:
            self.refused[status] += 1


@dataclass
class Row:
    fault: str
    in_flight: int
    lost: int
    duplicated: int
    parked: int
    recover_s: float
    audit_verifies: bool
    detail: str = ""

    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.audit_verifies


REPORT: list[Row] = []


def _completed_and_parked(stack: Stack) -> tuple[set[str], set[str]]:
    completed: set[str] = set()
    with stack.client("ops") as http:
        token = ""
        while True:
            params = {"status": "completed", "page_size": 100, **({"page_token": token} if token else {})}
            page = http.get("/api/v1/applications", params=params).raise_for_status().json()
            completed |= {item["application_id"] for item in page["items"]}
            token = page.get("next_page_token") or ""
            if not token:
                break
        parked = {t["application_id"] for t in http.get("/api/v1/ops/parked-tasks").raise_for_status().json()}
    return completed, parked


def duplicated_tasks(stack: Stack, application_ids: set[str]) -> int:
    """Tasks an agency holds more than once for one (application, department)."""
    rows = httpx.get(f"{stack.simulator_url}/control/tasks", timeout=30).json()
    per_department = Counter((r["application_id"], r["department_code"]) for r in rows
                             if r["application_id"] in application_ids)
    return sum(count - 1 for count in per_department.values() if count > 1)


# The e-mails a completed case brings: acceptance, completion, and the invitation to rate it.
COMPLETED_CASE_MAILS = ("已受理", "已办结", "评价")


def mails_by_reason(maildir: Path, application_ids: set[str]) -> Counter[tuple[str, str]]:
    """E-mails per (application, reason); the subject names the reason."""
    seen: Counter[tuple[str, str]] = Counter()
    for path in maildir.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        application_id = str(message["X-OW-Application-Id"] or "")
        if application_id in application_ids:
            subject = str(message["Subject"])
            reason = next((r for r in COMPLETED_CASE_MAILS if r in subject), subject)
            seen[(application_id, reason)] += 1
    return seen


def missing_mails(seen: Counter[tuple[str, str]], completed: set[str]) -> int:
    return sum(1 for a in completed for reason in COMPLETED_CASE_MAILS if not seen[(a, reason)])


def audit_verifies(stack: Stack) -> tuple[bool, str]:
    with stack.client("ops") as http:
        verdict = http.get("/api/v1/ops/audit/verify", timeout=60).json()
    return bool(verdict.get("ok")), str(verdict.get("problem") or "")


def settle(stack: Stack, fault: str, load: Load, recovered_at: float, timeout_s: float = 150) -> Row:
    """Wait until every accepted case is completed or parked (or the timeout), then count."""
    accepted = set(load.accepted.values())
    deadline = time.monotonic() + timeout_s
    completed: set[str] = set()
    parked: set[str] = set()
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):  # the gateway may be restarting
            completed, parked = _completed_and_parked(stack)
        if accepted <= completed | parked:
            break
        time.sleep(1.0)
    settled_at = time.monotonic()
    # Completed cases wait for their last e-mails (the notification service reads another topic).
    done = accepted & completed
    mail_deadline = time.monotonic() + 60
    while missing_mails(mails_by_reason(stack.maildir, done), done) and time.monotonic() < mail_deadline:
        time.sleep(1.0)
    time.sleep(2.0)  # anything sent twice would arrive by now
    seen = mails_by_reason(stack.maildir, accepted)
    mails_missing = missing_mails(seen, done)
    mails_twice = sum(count - 1 for count in seen.values() if count > 1)
    lost = len(accepted - completed - parked) + mails_missing
    tasks_twice = duplicated_tasks(stack, accepted)
    keys_twice = len(load.accepted) - len(accepted)  # two keys never share an application
    ok, problem = audit_verifies(stack)
    detail = (f"accepted {len(accepted)}, retried {dict(load.retried) or 0}, refused {dict(load.refused) or 0}; "
              f"tasks twice {tasks_twice}, e-mails missing {mails_missing}, twice {mails_twice}"
              + ("" if ok else f"; audit: {problem}"))
    row = Row(fault=fault, in_flight=len(accepted), lost=lost,
              duplicated=tasks_twice + mails_twice + max(keys_twice, 0), parked=len(accepted & parked),
              recover_s=round(max(0.0, settled_at - recovered_at), 1), audit_verifies=ok, detail=detail)
    REPORT.append(row)
    return row


def format_report(rows: list[Row]) -> str:
    lines = ["| fault | in flight | lost | duplicated | parked | time to recover (s) | audit chain | detail |",
             "|---|---:|---:|---:|---:|---:|---|---|"]
    lines += [f"| {r.fault} | {r.in_flight} | {r.lost} | {r.duplicated} | {r.parked} | {r.recover_s} | "
              f"{'verifies' if r.audit_verifies else 'BROKEN'} | {r.detail} |" for r in rows]
    return "\n".join(lines)
