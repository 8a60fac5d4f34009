"""Group commit on a real SQLite file: every unit is stored once or not at all, a failing unit
is rolled back alone, callers see their own results and errors in their own context, and busy
callers share commits."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from onewindow_platform.group_commit import GroupCommit, _Unit
from onewindow_platform.migrations import Migration, upgrade
from onewindow_platform.storage import SqliteDatabase, Transaction

caller = contextvars.ContextVar("caller", default="nobody")


class CountingDatabase(SqliteDatabase):
    commits = 0

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with super().transaction() as tx:
            yield tx
        self.commits += 1


_ITEMS = Migration(1, "items", "CREATE TABLE items (name TEXT PRIMARY KEY, seen_as TEXT NOT NULL);")


def _db(tmp_path: Path) -> CountingDatabase:
    db = CountingDatabase(tmp_path / "group.db")
    upgrade(db, "test", [_ITEMS])
    return db


def test_concurrent_units_share_commits_and_a_failing_unit_is_rolled_back_alone(tmp_path: Path) -> None:
    db = _db(tmp_path)
    group = GroupCommit(db)
    results: dict[int, object] = {}

    def store(i: int) -> None:
        caller.set(f"thread-{i}")

        def work(tx: Transaction) -> str:
            tx.execute("INSERT INTO items (name, seen_as) VALUES (?, ?)", (f"item-{i}", caller.get()))
            if i % 10 == 3:
                raise ValueError(f"unit {i} refuses")
            return caller.get()

        try:
            results[i] = group.run(work)
        except ValueError as exc:
            results[i] = exc

    threads = [threading.Thread(target=store, args=(i,)) for i in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    failing = {i for i in range(200) if i % 10 == 3}
    assert all(isinstance(results[i], ValueError) for i in failing)
    assert all(results[i] == f"thread-{i}" for i in range(200) if i not in failing)  # each in its own context
    rows = dict(db.connection().execute("SELECT name, seen_as FROM items").fetchall())
    assert rows == {f"item-{i}": f"thread-{i}" for i in range(200) if i not in failing}
    assert db.commits < 200, "busy callers should have shared commits"


def test_a_failed_commit_fails_every_unit_of_its_group(tmp_path: Path) -> None:
    db = _db(tmp_path)
    group = GroupCommit(db)
    # A deferred constraint that only fails at COMMIT time.
    upgrade(db, "test", [_ITEMS, Migration(2, "parent and child", """
        CREATE TABLE parent (id TEXT PRIMARY KEY);
        CREATE TABLE child (parent_id TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);""")])

    with pytest.raises(Exception, match="FOREIGN KEY"):
        group.run(lambda tx: tx.execute("INSERT INTO child (parent_id) VALUES ('missing')"))
    assert db.connection().execute("SELECT COUNT(*) FROM child").fetchone()[0] == 0
    assert not db.connection().in_transaction
    assert group.run(lambda tx: tx.execute("INSERT INTO items VALUES ('after', 'x')").rowcount) == 1


def test_a_leader_whose_own_unit_lies_beyond_the_group_still_runs_it(tmp_path: Path) -> None:
    # A unit already queued when this caller arrives fills the whole group (max_group 1): the
    # caller leads, commits the other unit, and must then commit its own before it returns.
    db = _db(tmp_path)
    group = GroupCommit(db, max_group=1)
    waiting = _Unit(lambda tx: tx.execute("INSERT INTO items VALUES ('queued', 'other')").rowcount)
    group._queue.append(waiting)

    assert group.run(lambda tx: tx.execute("INSERT INTO items VALUES ('mine', 'leader')").rowcount) == 1
    assert waiting.done and waiting.result == 1
    rows = dict(db.connection().execute("SELECT name, seen_as FROM items").fetchall())
    assert rows == {"queued": "other", "mine": "leader"}


@pytest.mark.parametrize("max_group", [1, 3])
def test_small_groups_lose_no_caller(tmp_path: Path, max_group: int) -> None:
    db = _db(tmp_path)
    group = GroupCommit(db, max_group=max_group)
    results: dict[int, object] = {}

    def store(i: int) -> None:
        results[i] = group.run(lambda tx: tx.execute("INSERT INTO items VALUES (?, 'x')", (f"item-{i}",)).rowcount)

    threads = [threading.Thread(target=store, args=(i,)) for i in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {i: 1 for i in range(60)}
    assert db.connection().execute("SELECT COUNT(*) FROM items").fetchone()[0] == 60
