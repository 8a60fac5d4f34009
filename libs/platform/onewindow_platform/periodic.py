"""Work that must happen now and then, written once.

- `Periodic`: a step run every `interval_s` on a thread of its own until stopped — for what has
  no event to wait on (signing the audit chain's head, looking for tasks past their deadline).
  A failing step is logged and tried again at the next turn; `final_run` runs it once more at stop.
- `AtMostEvery`: for housekeeping that rides on work already happening (pruning a table while
  rows are written into it): `due()` is True at most once per interval, so an idle service does
  nothing at all. Thread-safe: of threads asking at once, one gets True.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(self, name: str, interval_s: float, step: Callable[[], object], *, final_run: bool = False) -> None:
        self.name = name
        self.interval_s = interval_s
        self.step = step
        self.final_run = final_run
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Callable[[], None]:
        """Start the thread; returns `stop` (the shape of a runtime server)."""
        self._thread.start()
        return self.stop

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout=timeout_s)
        if self.final_run:
            self._run_step()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._run_step()

    def _run_step(self) -> None:
        try:
            self.step()
        except Exception:  # a busy database, a broker hiccup: the next turn tries again
            log.exception("periodic step failed", extra={"task": self.name})


class AtMostEvery:
    def __init__(self, interval_s: float, *, first_due_now: bool = True) -> None:
        self.interval_s = interval_s
        self._next = 0.0 if first_due_now else time.monotonic() + interval_s
        self._lock = threading.Lock()

    def due(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                return False
            self._next = now + self.interval_s
            return True

    def again_now(self) -> None:
        """The last turn left work undone: let the next `due()` be True at once."""
        with self._lock:
            self._next = 0.0
