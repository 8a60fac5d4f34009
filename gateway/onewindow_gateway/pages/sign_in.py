"""Signing in and out of the pages, the landing page, and the display-mode switch."""

from __future__ import annotations

import asyncio
import functools
import secrets
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..accounts import hash_password, verify_password
from ..rate_limit import client_address
from ..sessions import COOKIE_NAME, SessionSigner
from .web import anonymous_form, redirect, render, safe_next, set_cookie, signed_in_form, viewer_of

router = APIRouter(include_in_schema=False)

HOME = {"clerk": "/counter", "ops": "/ops"}
# Compared against when the user name is unknown, so that an unknown name costs the same scrypt
# run as a wrong password and timing does not tell which names exist.
@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(18))


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request) -> HTMLResponse:
    return render(request, "landing.html")


@router.get("/signin", response_class=HTMLResponse)
async def sign_in_page(request: Request, next: Annotated[str | None, Query(max_length=500)] = None) -> HTMLResponse:
    return render(request, "sign_in.html", {"next": safe_next(next, ""), "error": ""})


@router.post("/signin", response_model=None)
async def sign_in(request: Request) -> HTMLResponse | RedirectResponse:
    form = await anonymous_form(request)
    name = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))[:1024]
    next_path = safe_next(str(form.get("next", "")), "")
    # Each try costs a token from the address's and the name's bucket: guessing is slow either way.
    request.app.state.auth_failure_limit.enforce(f"signin-ip:{client_address(request)}")
    request.app.state.auth_failure_limit.enforce(f"signin-user:{name}")
    account = request.app.state.users.find(name)
    ok = await asyncio.to_thread(verify_password, account.password_hash if account else _decoy_hash(), password)
    if account is None or not ok or account.disabled:
        return render(request, "sign_in.html", {"next": next_path, "username": name,
                                                "error": "用户名或密码不正确, 或账号已停用"}, status_code=401)
    signer: SessionSigner = request.app.state.session_signer
    cookie, _session = signer.issue(account, time.time())
    response = redirect(next_path or HOME.get(account.role, "/"))
    set_cookie(request, response, COOKIE_NAME, cookie, max_age=int(signer.max_age_s))
    return response


@router.post("/signout", response_model=None)
async def sign_out(request: Request) -> RedirectResponse:
    viewer = viewer_of(request)
    if viewer is not None:
        await signed_in_form(request, viewer)
    response = redirect("/signin")
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.get("/mode", response_model=None)
async def switch_mode(request: Request, to: Annotated[str, Query(pattern="^(elderly|normal)$")],
                      back: Annotated[str | None, Query(max_length=500)] = None) -> RedirectResponse:
    """The 适老化 switch: large type, high contrast, one thing per screen; kept in a cookie."""
    response = redirect(safe_next(back, "/status"))
    set_cookie(request, response, "ow_mode", to, max_age=365 * 24 * 3600)
    return response
