"""Job claims as leases, on a real SQLite file and a real PostgreSQL schema: two instances never
hold one job; a live instance keeps its jobs by renewing; a dead one's jobs come back when the
lease lapses, to any instance; instances claiming at the same moment never take one job twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from onewindow_platform.migrations import Migration, upgrade
from onewindow_platform.storage import Database
from onewindow_platform.worker import JobTable

JOBS = Migration(1, "jobs", """
    CREATE TABLE jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, next_attempt_at REAL NOT NULL,
                       claimed_by TEXT NOT NULL DEFAULT '');
    CREATE INDEX jobs_due ON jobs (status, next_attempt_at);""")


def _fill(db: Database, count: int = 4) -> Database:
    upgrade(db, "test", [JOBS])
    with db.transaction() as tx:
        tx.executemany("INSERT INTO jobs (id, status, next_attempt_at) VALUES (?, 'pending', ?)",
                       [(f"job-{n}", 100.0 + n) for n in range(count)])
    return db


def _table(db: Database, owner: str) -> JobTable:
    return JobTable("jobs", "id", "id", "running", lease_s=15, owner=owner, skip_locked=db.skip_locked)


def test_a_claimed_job_is_one_instances_until_its_lease_lapses(database: Database) -> None:
    db = _fill(database)
    a, b = _table(db, "instance-a"), _table(db, "instance-b")
    with db.transaction() as tx:
        assert [r[0] for r in a.claim(tx, 2, now=200)] == ["job-0", "job-1"]
        assert [r[0] for r in b.claim(tx, 5, now=200)] == ["job-2", "job-3"]  # never a's
        assert b.claim(tx, 5, now=210) == []                                   # both leases run
        assert a.renew(tx, now=210) == 2                                       # a is alive: until 225
        # b died at 200: its leases lapse at 215 and a takes its jobs; a's own renewed ones stay.
        assert sorted(r[0] for r in a.claim(tx, 5, now=216)) == ["job-2", "job-3"]
        owners = dict(tx.execute("SELECT id, claimed_by FROM jobs").fetchall())
    assert owners == {f"job-{n}": "instance-a" for n in range(4)}


def test_next_due_sees_pending_jobs_and_lapsing_leases(database: Database) -> None:
    db = _fill(database)
    jobs = _table(db, "instance-a")
    with db.transaction() as tx:
        jobs.claim(tx, 4, now=200)
    assert jobs.next_due(db.connection()) == 215.0  # when the leases lapse, unless renewed
    with db.transaction() as tx:
        tx.execute("UPDATE jobs SET status = 'done' WHERE id != 'job-0'")
        jobs.renew(tx, now=230)
    assert jobs.next_due(db.connection()) == 245.0


def test_instances_claiming_at_once_never_take_one_job_twice(database_factory: Callable[[str], Database]) -> None:
    _fill(database_factory("jobs"), count=300)
    instances = [database_factory("jobs") for _ in range(3)]  # three processes' own connections
    taken: dict[str, list[str]] = {f"instance-{i}": [] for i in range(3)}
    start = threading.Barrier(3)

    def claim_until_none(db: Database, owner: str) -> None:
        table = _table(db, owner)
        start.wait()  # all three claim from the same moment on
        while True:
            with db.transaction() as tx:
                rows = table.claim(tx, 7, now=1000)
            if not rows:
                return
            taken[owner] += [r[0] for r in rows]
            time.sleep(0.001)  # the work itself, outside the claim: another instance gets its turn

    threads = [threading.Thread(target=claim_until_none, args=(db, owner))
               for db, owner in zip(instances, taken, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every_claim = [job for jobs in taken.values() for job in jobs]
    assert sorted(every_claim) == sorted(f"job-{n}" for n in range(300))  # each once, none left
    assert sum(1 for jobs in taken.values() if jobs) >= 2  # they really ran side by side
