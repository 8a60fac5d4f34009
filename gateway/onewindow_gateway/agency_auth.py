"""Authenticating agency callbacks: a bearer token with the `agency` role, or an HMAC signature.

Signed callbacks carry `X-OW-Department`, `X-OW-Timestamp` and `X-OW-Signature`
(`v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`). Each department has its own secret,
derived from OW_AGENCY_CALLBACK_MASTER_SECRET as hex(HMAC-SHA256(master, department_code)), so
ops hand every agency only its own key and the gateway stores one. A signature older than five
minutes, or one already seen, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time

from fastapi import HTTPException, Request, status

from onewindow_platform.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

from .auth import Principal
from .rate_limit import count_failed_authentication

DEPARTMENT_HEADER = "X-OW-Department"
TOLERANCE_S = 300


def department_secret(master: bytes, department_code: str) -> bytes:
    return hmac.new(master, department_code.encode(), hashlib.sha256).hexdigest().encode()


class SeenSignatures:
    """Signatures accepted within the tolerance window; a second use is a replay."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_use(self, signature: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {s: t for s, t in self._seen.items() if now - t < 2 * TOLERANCE_S}
            if signature in self._seen:
                return False
            self._seen[signature] = now
            return True


async def agency_principal(request: Request) -> Principal:
    """The agency behind a callback, by token or by signature; 401 otherwise."""
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        principal = request.app.state.tokens.lookup(authorization[7:].strip())
        if principal is None or principal.role != "agency":
            count_failed_authentication(request)
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not an agency token",
                                headers={"WWW-Authenticate": "Bearer"})
        request.app.state.rate_limit.enforce(f"token:agency:{principal.name}")
        return principal
    department = request.headers.get(DEPARTMENT_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    master: bytes = request.app.state.settings.agency_callback_master_secret.encode()
    if not (department and signature and master):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "an agency token or a signed request is required",
                            headers={"WWW-Authenticate": "Bearer"})
    problem = verify(department_secret(master, department), await request.body(),
                     request.headers.get(TIMESTAMP_HEADER, ""), signature, tolerance_s=TOLERANCE_S)
    if problem:
        count_failed_authentication(request)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"signature rejected: {problem}")
    if not request.app.state.seen_signatures.first_use(signature):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "signature rejected: replayed request")
    request.app.state.rate_limit.enforce(f"signed:{department}")
    return Principal(role="agency", name=f"signed:{department}", department_code=department)
