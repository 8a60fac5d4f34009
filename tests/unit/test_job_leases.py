"""Job claims as leases on a real SQLite file: two instances never hold one job; a live instance
keeps its jobs by renewing; a dead one's jobs come back when the lease lapses, to any instance."""

from __future__ import annotations

from pathlib import Path

from onewindow_platform.migrations import Migration, upgrade
from onewindow_platform.storage import Database
from onewindow_platform.worker import JobTable

JOBS = Migration(1, "jobs", """
    CREATE TABLE jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, next_attempt_at REAL NOT NULL,
                       claimed_by TEXT NOT NULL DEFAULT '');
    CREATE INDEX jobs_due ON jobs (status, next_attempt_at);""")


def _db(tmp_path: Path) -> Database:
    db = Database(tmp_path / "jobs.db")
    upgrade(db, "test", [JOBS])
    with db.transaction() as tx:
        tx.executemany("INSERT INTO jobs (id, status, next_attempt_at) VALUES (?, 'pending', ?)",
                       [(f"job-{n}", 100.0 + n) for n in range(4)])
    return db


def test_a_claimed_job_is_one_instances_until_its_lease_lapses(tmp_path: Path) -> None:
    db = _db(tmp_path)
    a = JobTable("jobs", "id", "running", lease_s=15, owner="instance-a")
    b = JobTable("jobs", "id", "running", lease_s=15, owner="instance-b")
    with db.transaction() as tx:
        assert [r[0] for r in a.claim(tx, 2, now=200)] == ["job-0", "job-1"]
        assert [r[0] for r in b.claim(tx, 5, now=200)] == ["job-2", "job-3"]  # never a's
        assert b.claim(tx, 5, now=210) == []                                   # both leases run
        assert a.renew(tx, now=210) == 2                                       # a is alive: until 225
        # b died at 200: its leases lapse at 215 and a takes its jobs; a's own renewed ones stay.
        assert sorted(r[0] for r in a.claim(tx, 5, now=216)) == ["job-2", "job-3"]
        owners = dict(tx.execute("SELECT id, claimed_by FROM jobs").fetchall())
    assert owners == {f"job-{n}": "instance-a" for n in range(4)}


def test_next_due_sees_pending_jobs_and_lapsing_leases(tmp_path: Path) -> None:
    db = _db(tmp_path)
    jobs = JobTable("jobs", "id", "running", lease_s=15, owner="instance-a")
    with db.transaction() as tx:
        jobs.claim(tx, 4, now=200)
    assert jobs.next_due(db.connection()) == 215.0  # when the leases lapse, unless renewed
    with db.transaction() as tx:
        tx.execute("UPDATE jobs SET status = 'done' WHERE id != 'job-0'")
        jobs.renew(tx, now=230)
    assert jobs.next_due(db.connection()) == 245.0
