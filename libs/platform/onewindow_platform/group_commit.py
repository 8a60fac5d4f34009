"""Group commit: many threads' small transactions share one COMMIT (one fsync).

A request thread hands its unit of work to `GroupCommit.run` and waits. Whoever finds no commit
in progress becomes the leader: it takes every unit queued so far, runs each in its own savepoint
of one `BEGIN IMMEDIATE` transaction (in the submitting thread's context, so its trace span and
log fields are the caller's), commits once and wakes the waiters. Units that arrive meanwhile
form the next group. A unit that raises is rolled back to its savepoint alone and its exception
is raised in its own thread; if the COMMIT fails, every unit of the group gets that error and
nothing of the group is stored. Durability is unchanged: `run` returns only after the COMMIT.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .storage import Database, Transaction

T = TypeVar("T")


class _Unit(Generic[T]):
    __slots__ = ("context", "done", "error", "result", "work")

    def __init__(self, work: Callable[[Transaction], T]) -> None:
        self.work = work
        self.context = contextvars.copy_context()
        self.done = False
        self.result: T | None = None
        self.error: BaseException | None = None


class GroupCommit:
    def __init__(self, db: Database, max_group: int = 256) -> None:
        self.db = db
        self.max_group = max_group
        self._queue: list[_Unit[Any]] = []
        self._cond = threading.Condition()
        self._leading = False

    def run(self, work: Callable[[Transaction], T]) -> T:
        """Run `work(tx)` inside a shared transaction; returns its result once it is committed."""
        unit: _Unit[T] = _Unit(work)
        with self._cond:
            self._queue.append(unit)
        while True:  # a leader whose unit lies beyond its group leads again until its unit is in
            with self._cond:
                while self._leading and not unit.done:
                    self._cond.wait()
                if unit.done:
                    break
                self._leading = True
                group, self._queue = self._queue[:self.max_group], self._queue[self.max_group:]
            try:
                self._commit(group)
            finally:
                with self._cond:
                    self._leading = False
                    self._cond.notify_all()
        if unit.error is not None:
            raise unit.error
        return unit.result  # type: ignore[return-value]

    def _commit(self, group: list[_Unit[Any]]) -> None:
        try:
            with self.db.transaction() as tx:
                for unit in group:
                    try:
                        with self.db.savepoint(tx):
                            unit.result = unit.context.run(unit.work, tx)
                    except Exception as exc:
                        unit.error = exc
        except BaseException as exc:
            for unit in group:  # nothing of the group was stored: each caller sees why
                unit.result, unit.error = None, exc
            if not isinstance(exc, Exception):
                raise
        finally:
            for unit in group:
                unit.done = True
