"""HMAC-SHA256 request signatures: `X-OW-Signature: v1=<hex hmac(secret, "<timestamp>.<body>")>`.

The same scheme signs our webhook calls to agencies and an agency's callbacks to us; the
timestamp (`X-OW-Timestamp`, Unix seconds) bounds how long a captured request stays usable.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-OW-Timestamp"
SIGNATURE_HEADER = "X-OW-Signature"


def sign(secret: bytes, body: bytes, timestamp: int | None = None) -> tuple[str, str]:
    """Returns (timestamp, signature) header values."""
    ts = str(int(timestamp if timestamp is not None else time.time()))
    digest = hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return ts, f"v1={digest}"


def verify(secret: bytes, body: bytes, timestamp: str, signature: str, tolerance_s: int = 300,
           now: float | None = None) -> str | None:
    """None when valid, else why not."""
    if not timestamp.isdigit():
        return "missing or malformed timestamp"
    if abs((now if now is not None else time.time()) - int(timestamp)) > tolerance_s:
        return "stale timestamp"
    expected = sign(secret, body, int(timestamp))[1]
    if not hmac.compare_digest(expected, signature):
        return "signature does not match"
    return None
