"""When to stop knocking on an agency's door (the retry schedule is the platform's backoff)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class CircuitBreaker:
    """Per-department breaker: after `failures` in a row the circuit opens for `open_s`; then one
    trial delivery is let through (half-open) and its outcome closes or re-opens it."""

    failures: int
    open_s: float
    clock: object = time.monotonic
    _consecutive: dict[str, int] = field(default_factory=dict)
    _open_until: dict[str, float] = field(default_factory=dict)
    _trial_running: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _now(self) -> float:
        return self.clock()  # type: ignore[operator]

    def allow(self, key: str) -> bool:
        with self._lock:
            until = self._open_until.get(key)
            if until is None:
                return True
            if self._now() < until or key in self._trial_running:
                return False
            self._trial_running.add(key)  # half-open: one trial
            return True

    def record_success(self, key: str) -> None:
        with self._lock:
            self._consecutive.pop(key, None)
            self._open_until.pop(key, None)
            self._trial_running.discard(key)

    def record_failure(self, key: str) -> None:
        with self._lock:
            count = self._consecutive.get(key, 0) + 1
            self._consecutive[key] = count
            self._trial_running.discard(key)
            if count >= self.failures:
                self._open_until[key] = self._now() + self.open_s

    def is_open(self, key: str) -> bool:
        with self._lock:
            until = self._open_until.get(key)
            return until is not None and self._now() < until
