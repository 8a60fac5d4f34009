"""The gateway's per-caller token bucket."""

from __future__ import annotations

import pytest
from fastapi import HTTPException

from onewindow_gateway.rate_limit import RateLimiter


def test_a_burst_is_allowed_then_the_caller_waits_for_the_refill() -> None:
    limiter = RateLimiter(rate_per_s=2.0, burst=3)
    assert [limiter.wait_s("a", now=10.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.wait_s("a", now=10.0) == pytest.approx(0.5)
    assert limiter.wait_s("b", now=10.0) == 0.0  # another caller has a bucket of their own
    assert limiter.wait_s("a", now=10.6) == 0.0  # 0.6 s later one request is back


def test_over_the_limit_is_429_with_retry_after() -> None:
    limiter = RateLimiter(rate_per_s=0.1, burst=1)
    limiter.enforce("a")
    with pytest.raises(HTTPException) as refused:
        limiter.enforce("a")
    assert refused.value.status_code == 429 and refused.value.headers == {"Retry-After": "10"}
