"""A pool that works through due jobs kept in the service's own database.

The caller supplies `claim(n)` (atomically mark up to n due rows as taken and return them — a
row taken by a process that then died must be put back at start-up), `handle(job)` and
`next_due()` (when the earliest job not yet due will be, or None). The worker never holds more
than `workers` jobs; when nothing is due it sleeps until the next job falls due, and when every
worker is busy until one finishes; `wake()` (a new job was committed) wakes it at once. It keeps
going when a claim or a job fails: the rows stay in the database. `longest_sleep_s` is only a
safety net for rows added by another process: an idle worker does not poll.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from .storage import Transaction

log = logging.getLogger(__name__)
Job = TypeVar("Job")


class PollingWorker(Generic[Job]):
    def __init__(self, name: str, claim: Callable[[int], Sequence[Job]], handle: Callable[[Job], None],
                 next_due: Callable[[], float | None], workers: int = 4, longest_sleep_s: float = 5.0) -> None:
        self.name = name
        self._claim = claim
        self._handle = handle
        self._next_due = next_due
        self._longest_sleep = longest_sleep_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._slots = threading.Semaphore(workers)
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._pool.shutdown(wait=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sleep_s = self._dispatch()
            except Exception:  # the database is busy or gone: keep trying, never lose a row
                log.exception("claiming jobs failed", extra={"worker": self.name})
                sleep_s = 1.0
            if sleep_s > 0:
                self._wake.wait(sleep_s)
                self._wake.clear()

    def _dispatch(self) -> float:
        """Hand due jobs to free workers; returns how long to sleep before looking again (0: now)."""
        free = 0
        while self._slots.acquire(blocking=False):
            free += 1
        if free == 0:  # every worker busy: a finishing job wakes the loop (no polling meanwhile)
            return self._longest_sleep
        jobs = list(self._claim(free))
        for _ in range(free - len(jobs)):
            self._slots.release()
        for job in jobs:
            self._pool.submit(self._run_job, job)
        if jobs:
            return 0.0
        due = self._next_due()
        if due is None:
            return self._longest_sleep
        return min(self._longest_sleep, max(0.001, due - time.time()))

    def _run_job(self, job: Job) -> None:
        try:
            self._handle(job)
        except Exception:
            log.exception("job failed; it stays in the database", extra={"worker": self.name})
        finally:
            self._slots.release()
            self._wake.set()  # a slot is free: claim the next due job now


def claim_due_rows(tx: Transaction, table: str, columns: str, claimed_status: str, limit: int,
                   now: float) -> list[tuple[Any, ...]]:
    """Claim up to `limit` rows of a job table (status 'pending', due by `now`, oldest first) by
    moving them to `claimed_status` in one statement, so two workers never take the same row.
    The table needs `status` and `next_attempt_at` columns."""
    return tx.execute(
        f"UPDATE {table} SET status = ? WHERE rowid IN (SELECT rowid FROM {table}"
        " WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?)"
        f" RETURNING {columns}", (claimed_status, now, limit)).fetchall()


def release_claims(tx: Transaction, table: str, claimed_status: str) -> int:
    """Rows claimed by a process that died go back to 'pending'."""
    return int(tx.execute(f"UPDATE {table} SET status = 'pending' WHERE status = ?", (claimed_status,)).rowcount)


def next_due_at(conn: Any, table: str) -> float | None:
    """When the earliest pending row of a job table falls due (epoch seconds), or None; one look
    at the (status, next_attempt_at) index."""
    row = conn.execute(f"SELECT MIN(next_attempt_at) FROM {table} WHERE status = 'pending'").fetchone()
    return None if row is None or row[0] is None else float(row[0])
