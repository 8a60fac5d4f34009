"""Per-caller rate limits (OWASP API4: unrestricted resource consumption).

A token bucket per key: each authenticated caller (by token name, or agency department for signed
callbacks) may make `rate` requests a second with bursts up to `burst`; failed authentications are
limited per client address, which slows token guessing. Over the limit: 429 with Retry-After.

The buckets live in the gateway process, on purpose: a shared store (Redis, the database) would
add a network round trip to every request to guard against a caller that is already
authenticated. Several gateway processes (OW_GATEWAY_PROCESSES = N) each enforce 1/N of the
limit instead; with connections spread evenly over them (SO_REUSEPORT, a round-robin load
balancer or a Kubernetes Service) a caller gets the configured limit in total, give or take one
burst per process. A deployment whose balancer pins callers to one process (session affinity)
leaves N at 1.
"""

from __future__ import annotations

import math
import threading
import time

from fastapi import HTTPException, Request, status

MAX_KEYS = 100_000  # idle buckets are dropped beyond this, oldest first


class RateLimiter:
    def __init__(self, rate_per_s: float, burst: float) -> None:
        self.rate = rate_per_s
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._lock = threading.Lock()

    @classmethod
    def share_of(cls, rate_per_s: float, burst: float, processes: int) -> RateLimiter:
        """This process's part of a limit that `processes` gateway processes enforce together."""
        return cls(rate_per_s / processes, max(1.0, burst / processes))

    def wait_s(self, key: str, now: float | None = None) -> float:
        """Take one request from `key`'s bucket: 0 when allowed, else seconds until it would be."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)  # re-inserted: dicts keep the most recent last
            if len(self._buckets) > MAX_KEYS:
                del self._buckets[next(iter(self._buckets))]
            return 0.0 if allowed else (1.0 - tokens) / self.rate

    def enforce(self, key: str) -> None:
        wait = self.wait_s(key)
        if wait > 0:
            raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many requests; slow down",
                                headers={"Retry-After": str(max(1, math.ceil(wait)))})


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def count_failed_authentication(request: Request) -> None:
    """Charge a failed authentication to the caller's address (429 once over the limit)."""
    request.app.state.auth_failure_limit.enforce(f"ip:{client_address(request)}")
