"""Signed sessions: any gateway checks any cookie; forged, damaged, expired or outdated ones are
refused; every sign-in is a new session; the CSRF token is bound to its session."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

import pytest

from onewindow_gateway.accounts import new_account
from onewindow_gateway.sessions import SessionSigner, valid_for

KEY = b"s" * 32
CLERK = new_account("wang.fang", "clerk", "窗口-counter-3-密码", "110101")


def test_a_cookie_signed_by_one_gateway_is_read_by_another() -> None:
    cookie, issued = SessionSigner(KEY).issue(CLERK, now=1000.0)
    assert SessionSigner(KEY).read(cookie, now=1001.0) == issued
    assert valid_for(issued, CLERK)


def test_forged_damaged_and_expired_cookies_are_refused() -> None:
    signer = SessionSigner(KEY, max_age_s=3600)
    cookie, _ = signer.issue(CLERK, now=1000.0)
    body, mac = cookie.split(".")
    assert SessionSigner(b"t" * 32).read(cookie, now=1001.0) is None          # another key
    damaged = ("B" if mac[0] == "A" else "A") + mac[1:]  # the first character: all its bits count
    assert signer.read(f"{body}.{damaged}", now=1001.0) is None
    other, _ = signer.issue(dataclasses.replace(CLERK, name="li.ops"), now=1000.0)
    assert signer.read(other.split(".")[0] + "." + mac, now=1001.0) is None  # a body with another's MAC
    for junk in ("", "abc", "a.b.c", "!!.??"):
        assert signer.read(junk, now=1001.0) is None
    assert signer.read(cookie, now=1000.0 + 3601) is None                    # the shift is over
    assert signer.read(cookie, now=999.0) is None                            # issued in the future


def test_a_new_password_or_a_disabling_voids_the_session() -> None:
    _, session = SessionSigner(KEY).issue(CLERK, now=1000.0)
    changed = dataclasses.replace(CLERK, session_version=CLERK.session_version + 1)
    assert not valid_for(session, changed)
    assert not valid_for(session, dataclasses.replace(CLERK, disabled=True))
    assert not valid_for(session, None)


def test_every_sign_in_is_a_new_session_with_its_own_csrf_token() -> None:
    signer = SessionSigner(KEY)
    first_cookie, first = signer.issue(CLERK, now=1000.0)
    second_cookie, second = signer.issue(CLERK, now=1000.0)
    assert first_cookie != second_cookie and first.nonce != second.nonce  # a planted cookie is never reused
    assert signer.csrf_ok(first, signer.csrf_token(first))
    assert not signer.csrf_ok(first, signer.csrf_token(second))
    assert not signer.csrf_ok(first, "")


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SessionSigner(b"short")


def test_the_session_key_comes_from_the_environment_shared_by_every_replica(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OW_GATEWAY_SESSION_KEY", base64.b64encode(KEY).decode())
    cookie, session = SessionSigner.from_environment(tmp_path / "a").issue(CLERK, now=1000.0)
    assert SessionSigner.from_environment(tmp_path / "b").read(cookie, now=1001.0) == session
    monkeypatch.delenv("OW_GATEWAY_SESSION_KEY")  # one development gateway: a key file of its own
    local = SessionSigner.from_environment(tmp_path / "dev")
    assert (tmp_path / "dev" / "session.key").exists() and local.read(cookie, now=1001.0) is None
