"""Signed session cookies for the window's pages, and the CSRF token bound to each session.

A session is a short claim — who, which `session_version` of their account, when it was issued,
a random nonce — with an HMAC-SHA256 over it under the gateway's session key
(OW_GATEWAY_SESSION_KEY). No session store: any gateway replica checks any cookie, and a
password change or a disabling (a new `session_version`) voids every older session at once.

- Every sign-in issues a new nonce, so a cookie planted before sign-in is never the signed-in
  one (session fixation).
- The CSRF token is an HMAC of the session's nonce: a form must carry it, a page of another
  origin cannot read it, and it dies with the session.
- Sessions last `max_age_s` from sign-in (a counter shift), then the clerk signs in again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from onewindow_platform.personal_data import key_from_environment

from .accounts import Account

COOKIE_NAME = "ow_session"
VISIT_COOKIE_NAME = "ow_visit"
STATUS_COOKIE_NAME = "ow_status"
STATUS_GRANT_S = 15 * 60  # a citizen who proved the phone digits reads the case this long
DEFAULT_MAX_AGE_S = 10 * 3600  # a counter shift


@dataclass(frozen=True)
class Session:
    name: str
    session_version: int
    issued_at: float
    nonce: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    def __init__(self, key: bytes, max_age_s: float = DEFAULT_MAX_AGE_S) -> None:
        if len(key) < 32:
            raise ValueError("the session key needs at least 32 bytes")
        self._key = key
        self.max_age_s = max_age_s

    @classmethod
    def from_environment(cls, data_dir: Path, max_age_s: float = DEFAULT_MAX_AGE_S) -> SessionSigner:
        """OW_GATEWAY_SESSION_KEY (base64 of 32 bytes; every replica the same), else a development
        key in the data folder (one gateway only)."""
        return cls(key_from_environment("OW_GATEWAY_SESSION_KEY", data_dir, "session.key"), max_age_s)

    def _mac(self, purpose: str, body: bytes) -> bytes:
        return hmac.new(self._key, purpose.encode() + b"\0" + body, hashlib.sha256).digest()

    def _seal(self, purpose: str, fields: list[object]) -> str:
        """`fields` as a cookie value: base64 JSON and its HMAC for `purpose`."""
        body = json.dumps(fields, separators=(",", ":")).encode()
        return f"{_b64(body)}.{_b64(self._mac(purpose, body))}"

    def _unseal(self, purpose: str, cookie: str) -> list[object] | None:
        """The fields a sealed cookie carries, or None when it is forged or damaged."""
        try:
            body_text, mac_text = cookie.split(".")
            body = _unb64(body_text)
            if not hmac.compare_digest(self._mac(purpose, body), _unb64(mac_text)):
                return None
            fields = json.loads(body)
        except (ValueError, TypeError):
            return None
        return fields if isinstance(fields, list) else None

    def issue(self, account: Account, now: float) -> tuple[str, Session]:
        """A new session for `account` (a fresh nonce every time) and its cookie value."""
        session = Session(account.name, account.session_version, now, _b64(os.urandom(16)))
        return self._seal("session", [session.name, session.session_version, session.issued_at,
                                      session.nonce]), session

    def read(self, cookie: str, now: float) -> Session | None:
        """The session a cookie carries, or None when it is forged, damaged or expired. Whether its
        account still exists and is of that version is the caller's to check (`valid_for`)."""
        fields = self._unseal("session", cookie)
        if fields is None or len(fields) != 4:
            return None
        name, version, issued_at, nonce = fields
        try:
            session = Session(str(name), int(version), float(issued_at), str(nonce))  # type: ignore[call-overload, arg-type]
        except (ValueError, TypeError):
            return None
        if not 0 <= now - session.issued_at <= self.max_age_s:
            return None
        return session

    def csrf_token(self, session: Session) -> str:
        return _b64(self._mac("csrf", session.nonce.encode()))

    def csrf_ok(self, session: Session, token: str) -> bool:
        return hmac.compare_digest(self.csrf_token(session), token or "")

    # Forms shown before anyone signs in (the sign-in form, the citizen's status lookup) carry a
    # token bound to a random per-browser cookie instead (`ow_visit`), so a page of another
    # origin cannot post them either (login CSRF).
    @staticmethod
    def new_visit() -> str:
        return _b64(os.urandom(16))

    def visit_token(self, visit: str) -> str:
        return _b64(self._mac("visit", visit.encode()))

    def visit_ok(self, visit: str, token: str) -> bool:
        return bool(visit) and hmac.compare_digest(self.visit_token(visit), token or "")

    # A citizen who gave a case number and the right phone digits may read that case for a short
    # while: the proof is a signed cookie, so the case number alone (in a QR code, a URL, a
    # browser history) never shows the case.
    def rater_key(self, project_id: str, person: str) -> str:
        """Who rated a project, as a keyed digest of the person (a phone number, a citizen's
        subject id): the same person rates a project once, and no phone number leaves the gateway."""
        return _b64(self._mac("project-rater", f"{project_id}\0{person}".encode()))

    def status_grant(self, application_id: str, now: float) -> str:
        return self._seal("status", [application_id, now])

    def status_granted(self, cookie: str, application_id: str, now: float) -> bool:
        fields = self._unseal("status", cookie)
        if fields is None or len(fields) != 2:
            return False
        granted_id, issued_at = fields
        try:
            return granted_id == application_id and 0 <= now - float(issued_at) <= STATUS_GRANT_S  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return False


def valid_for(session: Session, account: Account | None) -> bool:
    """The session belongs to an account that exists, is enabled and has not changed since."""
    return (account is not None and not account.disabled and account.name == session.name
            and account.session_version == session.session_version)
