"""The one backoff rule: the n-th wait is min(ceiling, initial × 2^(n-1)), and with jitter a
uniform share of 50–100 % of it, so that many retriers that failed together do not come back
together (a restarted agency or broker is not hit by every job at the same instant)."""

from __future__ import annotations

import random


def backoff_delay(attempt: int, initial: float, ceiling: float, *, jitter: bool = True,
                  rng: random.Random | None = None) -> float:
    """The wait before try `attempt + 1`, after `attempt` failed tries (attempt counts from 1)."""
    delay = min(ceiling, initial * 2 ** max(0, attempt - 1))
    return delay * (rng or random).uniform(0.5, 1.0) if jitter else delay


class Backoff:
    """The running backoff of a loop that retries until it succeeds: `next()` after each failure,
    `reset()` after a success."""

    def __init__(self, initial: float, ceiling: float, *, jitter: bool = False) -> None:
        self.initial, self.ceiling, self.jitter = initial, ceiling, jitter
        self.failures = 0

    def next(self) -> float:
        self.failures += 1
        return backoff_delay(self.failures, self.initial, self.ceiling, jitter=self.jitter)

    def reset(self) -> None:
        self.failures = 0
