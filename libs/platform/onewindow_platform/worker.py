"""A pool that works through due jobs kept in the service's own database.

The caller supplies `claim(n)` (atomically mark up to n due rows as taken and return them; with a
`JobTable` the claim is a lease that `renew` extends while the job runs, and a dead process's
rows come back when their lease lapses), `handle(job)` and
`next_due()` (when the earliest job not yet due will be, or None). The worker never holds more
than `workers` jobs; when nothing is due it sleeps until the next job falls due, and when every
worker is busy until one finishes; `wake()` (a new job was committed) wakes it at once. It keeps
going when a claim or a job fails: the rows stay in the database. `longest_sleep_s` is only a
safety net for rows added by another process: an idle worker does not poll.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from .storage import Transaction

log = logging.getLogger(__name__)
Job = TypeVar("Job")


class PollingWorker(Generic[Job]):
    def __init__(self, name: str, claim: Callable[[int], Sequence[Job]], handle: Callable[[Job], None],
                 next_due: Callable[[], float | None], workers: int = 4, longest_sleep_s: float = 5.0,
                 renew: Callable[[], object] | None = None, renew_every_s: float = 5.0) -> None:
        self.name = name
        self._renew = renew  # extends the leases of the jobs in flight, while there are any
        self._renew_every = renew_every_s
        self._next_renewal = 0.0
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()
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
                sleep_s = self._keep_leases(sleep_s)
            except Exception:  # the database is busy or gone: keep trying, never lose a row
                log.exception("claiming jobs failed", extra={"worker": self.name})
                sleep_s = 1.0
            if sleep_s > 0:
                self._wake.wait(sleep_s)
                self._wake.clear()

    def _keep_leases(self, sleep_s: float) -> float:
        """Renew the leases while jobs are in flight; returns the sleep shortened to the next renewal."""
        if self._renew is None or self._in_flight == 0:
            return sleep_s
        now = time.monotonic()
        if now >= self._next_renewal:
            self._renew()
            self._next_renewal = now + self._renew_every
        return min(sleep_s, max(0.001, self._next_renewal - now))

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
            with self._in_flight_lock:
                self._in_flight += 1
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
            with self._in_flight_lock:
                self._in_flight -= 1
            self._slots.release()
            self._wake.set()  # a slot is free: claim the next due job now


# Which process holds a claim: unique per process, so a restarted instance never mistakes the
# claims of the process it replaces (or of another instance) for its own.
INSTANCE = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobTable:
    """Claims on a job table (columns `status`, `next_attempt_at`, `claimed_by`) that several
    instances of a service share. A claim is a lease: the row is marked `claimed_status`, owned by
    this process, and its `next_attempt_at` becomes the lease's end; the worker renews the leases
    of the jobs it still works on. A row whose lease ran out (its process died) is due again and
    any instance claims it; nobody ever resets another instance's claims at start-up."""

    def __init__(self, table: str, key: str, columns: str, claimed_status: str, lease_s: float,
                 owner: str = INSTANCE, skip_locked: str = "") -> None:
        self.table, self.key, self.columns, self.claimed = table, key, columns, claimed_status
        self.lease_s, self.owner = lease_s, owner
        self.skip_locked = skip_locked  # the database's Database.skip_locked

    def claim(self, tx: Transaction, limit: int, now: float) -> list[tuple[Any, ...]]:
        """Up to `limit` due rows (pending and due, or claimed with a lapsed lease), oldest first, in
        one statement, so two instances never take the same row (SQLite: the file's write lock;
        PostgreSQL: the rows picked are locked, and a concurrent claim passes over them)."""
        return tx.execute(
            f"UPDATE {self.table} SET status = ?, claimed_by = ?, next_attempt_at = ? WHERE {self.key} IN"
            f" (SELECT {self.key} FROM {self.table} WHERE status IN ('pending', ?) AND next_attempt_at <= ?"
            f" ORDER BY next_attempt_at LIMIT ?{self.skip_locked}) RETURNING {self.columns}",
            (self.claimed, self.owner, now + self.lease_s, self.claimed, now, limit)).fetchall()

    def renew(self, tx: Transaction, now: float) -> int:
        """Extend the leases of every row this process holds."""
        return int(tx.execute(f"UPDATE {self.table} SET next_attempt_at = ? WHERE status = ? AND claimed_by = ?",
                              (now + self.lease_s, self.claimed, self.owner)).rowcount)

    def next_due(self, conn: Any) -> float | None:
        """When the earliest row falls due or its lease lapses (epoch seconds), or None; one look at
        the (status, next_attempt_at) index."""
        row = conn.execute(f"SELECT MIN(next_attempt_at) FROM {self.table} WHERE status IN ('pending', ?)",
                           (self.claimed,)).fetchone()
        return None if row is None or row[0] is None else float(row[0])
