"""Counter clerks submitting at a steady rate, and what each of their submissions came to.

Every submission has its own Idempotency-Key and a company name that carries the row's tag and
its number (`北京一窗科技有限公司·<tag>·<n>`), so the independent witnesses (intake's store, the
agencies, the mail sink, the event bus) can tell which submission anything they hold belongs to —
including applications the clerk never heard of. A request that fails (no answer, 5xx, 429) is
retried with the same key, as a counter's client does. Every submission ends as exactly one
`Outcome`: accepted (a 202 naming a case), refused (a final non-202 status), or broken (the client
itself failed, e.g. a 202 without an application id) — nothing is dropped from the count.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.stack import Stack

COMPANY = "北京一窗科技有限公司"


def company_name(tag: str, n: int) -> str:
    return f"{COMPANY}·{tag}·{n}"


def application_payload(tag: str, n: int) -> dict[str, Any]:
    return {"item_code": "business.startup", "region_code": "110101", "channel": "counter",
            "fields": {"company_name": company_name(tag, n), "registered_capital": 100, "business_scope": "软件开发"},
            "applicant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678",
                          "email": f"applicant{n}@example.cn"}}


COMPLAINT = "夜间施工噪音"


def complaint_payload(tag: str, n: int) -> dict[str, Any]:
    """The benchmark's case (a noise complaint through the hotline, one agency task), numbered."""
    return {"item_code": "complaint.noise", "region_code": "110101", "channel": "hotline",
            "location_region_code": "110101001001",
            "applicant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678",
                          "email": f"caller{n}@example.cn"},
            "fields": {"description": f"{COMPLAINT}·{tag}·{n}", "noise_source": "construction", "time_of_day": "night"}}


@dataclass
class Outcome:
    n: int
    key: str
    status: int = 0  # the final HTTP status (-1: no answer at all)
    application_id: str = ""
    error: str = ""  # the client broke: what went wrong
    answered_at: float = 0.0  # time.monotonic() of the final answer
    retried: Counter[int] = field(default_factory=Counter)  # statuses answered before a retry

    @property
    def accepted(self) -> bool:
        return self.status == 202 and bool(self.application_id) and not self.error


@dataclass
class Load:
    stack: Stack
    count: int
    rate_per_s: float
    token: str = "clerk"
    give_up_after_s: float = 90.0
    payload: Callable[[str, int], dict[str, Any]] = application_payload  # what each submission files
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    outcomes: list[Outcome] = field(default_factory=list)
    retry_after_missing: int = 0  # 503s without a Retry-After header

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: list[Future[Outcome]] = []
        self._recorded = False
        self._submitted = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started_at = 0.0

    # -- what the clerks saw --------------------------------------------------------------------

    @property
    def accepted(self) -> dict[int, str]:
        """submission number -> the application id the clerk was given"""
        return {o.n: o.application_id for o in self.outcomes if o.accepted}

    @property
    def refused(self) -> Counter[int]:
        return Counter(o.status for o in self.outcomes if not o.accepted and not o.error)

    @property
    def broken(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]

    @property
    def retried(self) -> Counter[int]:
        total: Counter[int] = Counter()
        for outcome in self.outcomes:
            total.update(outcome.retried)
        return total

    @property
    def submitted(self) -> int:
        return self._submitted

    def so_far(self) -> str:
        """What the submissions that ended have answered, for a row that waits in vain."""
        done = [f.result() for f in list(self._futures) if f.done() and not f.exception()]
        statuses = Counter(o.status for o in done)
        retried: Counter[int] = Counter()
        for outcome in done:
            retried.update(outcome.retried)
        return (f"{self._submitted} submitted, {len(done)} ended: final statuses {dict(statuses)}, "
                f"retried after {dict(retried)}")

    # -- running it ------------------------------------------------------------------------------

    def start(self) -> Load:
        self.started_at = time.monotonic()
        self._thread.start()
        return self

    def record(self, outcomes: list[Outcome]) -> Load:
        """Outcomes of submissions made some other way (e.g. clients racing on one key)."""
        self.outcomes, self.count, self._submitted, self._recorded = outcomes, len(outcomes), len(outcomes), True
        return self

    def join(self, timeout_s: float = 240) -> Load:
        """Wait for every submission to end and read each one's outcome (an exception inside a
        submission becomes a broken outcome, never a silent gap)."""
        if self._recorded:
            return self
        self._thread.join(timeout_s)
        assert not self._thread.is_alive(), "the load did not finish"
        outcomes = []
        for n, future in enumerate(self._futures):
            try:
                outcomes.append(future.result(timeout=max(1.0, timeout_s)))
            except Exception as exc:  # every failure is a counted outcome
                outcomes.append(Outcome(n=n, key="", error=f"{type(exc).__name__}: {exc}"))
        self.outcomes = outcomes
        assert len(self.outcomes) == self.count
        return self

    def _run(self) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for n in range(self.count):
                time.sleep(max(0.0, self.started_at + n / self.rate_per_s - time.monotonic()))
                self._futures.append(pool.submit(self._submit, n))
                self._submitted = n + 1

    def _submit(self, n: int) -> Outcome:
        outcome = Outcome(n=n, key=uuid.uuid4().hex)
        deadline = time.monotonic() + self.give_up_after_s
        backoff = 0.2
        with self.stack.client(self.token) as http:
            while True:
                try:
                    response = http.post("/api/v1/applications", json=self.payload(self.tag, n),
                                         headers={"Idempotency-Key": outcome.key}, timeout=15)
                except httpx.HTTPError:
                    outcome.status, retry_after = -1, backoff
                else:
                    outcome.status = response.status_code
                    if outcome.status == 202:
                        outcome.answered_at = time.monotonic()
                        application_id = response.json().get("application_id")
                        if not application_id:
                            outcome.error = f"202 without an application id: {response.text[:200]}"
                        outcome.application_id = str(application_id or "")
                        return outcome
                    if outcome.status < 500 and outcome.status != 429:
                        break  # refused for good
                    if outcome.status == 503 and "Retry-After" not in response.headers:
                        with self._lock:
                            self.retry_after_missing += 1
                    retry_after = float(response.headers.get("Retry-After", backoff))
                if time.monotonic() + retry_after > deadline:
                    break
                outcome.retried[outcome.status] += 1
                time.sleep(min(retry_after, 5.0))
                backoff = min(backoff * 2, 5.0)
        outcome.answered_at = time.monotonic()
        return outcome
