"""The plumbing every page shares: templates, who is signed in, CSRF on every form, and the
security headers of an HTML answer.

Pages are rendered on the server (Jinja2, autoescaped: text a citizen or an agency wrote is
shown as text, never as markup) and work without JavaScript; the Content-Security-Policy lets
a page load only the gateway's own style sheet and script.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from ..accounts import Account, AccountBook, AccountError
from ..auth import Principal
from ..sessions import COOKIE_NAME, VISIT_COOKIE_NAME, Session, SessionSigner, valid_for
from . import labels

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals.update(labels=labels)
templates.env.filters.update(status_label=labels.status_label, task_status_label=labels.task_status_label,
                             level_label=labels.level_label, local_time=labels.local_time)

# Paths that answer HTML: their errors are pages too (everything else answers the API's JSON).
PAGE_PREFIXES = ("/signin", "/signout", "/counter", "/status", "/ops/", "/mode", "/static/", "/projects")

CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'")
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # A case number in a URL never leaves in a Referer to another site; same-origin (not
    # no-referrer) so that the browser still names our origin on our own form posts.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",             # a shared counter PC keeps no copy of a case page
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


CSRF_REFUSED = "表单已过期或不是从本站提交的 (CSRF check failed): 请刷新页面后重试"


def is_page_path(path: str) -> bool:
    return path == "/" or path == "/ops" or path.startswith(PAGE_PREFIXES)


class UserDirectory:
    """The accounts file as the gateway reads it: reread when the command line has changed it
    (checked at most once a second), so a new clerk or a disabling needs no restart."""

    CHECK_EVERY_S = 1.0

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._accounts: dict[str, Account] = {}
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        self._refresh()

    def _refresh(self) -> None:
        if self.path is None:
            return
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._accounts, self._stamp = {}, None
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            try:
                self._accounts = dict(AccountBook(self.path).accounts)
                self._stamp = stamp
            except AccountError:
                pass  # half-written or broken: keep the accounts read before

    def find(self, name: str) -> Account | None:
        now = time.monotonic()
        if now - self._checked >= self.CHECK_EVERY_S:
            self._checked = now
            self._refresh()
        return self._accounts.get(name)


@dataclass(frozen=True)
class Viewer:
    """Someone signed in to the pages."""

    account: Account
    session: Session
    csrf: str

    @property
    def principal(self) -> Principal:
        return Principal(role=self.account.role, name=self.account.name, region_code=self.account.region_code)


class SignInNeeded(Exception):
    """Raised by a page that needs a signed-in user; answered with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def viewer_of(request: Request) -> Viewer | None:
    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie:
        return None
    signer: SessionSigner = request.app.state.session_signer
    session = signer.read(cookie, time.time())
    if session is None:
        return None
    account = request.app.state.users.find(session.name)
    if account is None or not valid_for(session, account):
        return None
    return Viewer(account, session, signer.csrf_token(session))


def require_viewer(request: Request, *roles: str) -> Viewer:
    viewer = viewer_of(request)
    if viewer is None:
        raise SignInNeeded(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if roles and viewer.account.role not in roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"这个页面需要角色 {' 或 '.join(roles)}")
    request.app.state.rate_limit.enforce(f"page:{viewer.account.name}")
    return viewer


def _same_origin(request: Request) -> bool:
    """A form post whose browser names another origin is refused before its token is looked at."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return origin.rstrip("/") == f"{request.url.scheme}://{request.url.netloc}"


async def signed_in_form(request: Request, viewer: Viewer) -> FormData:
    """The posted form of a signed-in user, once its CSRF token checks out."""
    form = await request.form()
    signer: SessionSigner = request.app.state.session_signer
    if not _same_origin(request) or not signer.csrf_ok(viewer.session, str(form.get("csrf_token", ""))):
        raise HTTPException(status.HTTP_403_FORBIDDEN, CSRF_REFUSED)
    return form


def visit_of(request: Request) -> str:
    """The browser's visit nonce (new when it has none; `render` then sets the cookie)."""
    visit = request.cookies.get(VISIT_COOKIE_NAME) or getattr(request.state, "new_visit", "")
    if not visit:
        visit = SessionSigner.new_visit()
        request.state.new_visit = visit
    return visit


async def anonymous_form(request: Request) -> FormData:
    """A form posted before sign-in (sign-in, status lookup), checked against the visit cookie."""
    form = await request.form()
    signer: SessionSigner = request.app.state.session_signer
    visit = request.cookies.get(VISIT_COOKIE_NAME, "")
    if not _same_origin(request) or not signer.visit_ok(visit, str(form.get("csrf_token", ""))):
        raise HTTPException(status.HTTP_403_FORBIDDEN, CSRF_REFUSED)
    return form


def elderly_mode(request: Request) -> bool:
    return request.cookies.get("ow_mode") == "elderly"


def render(request: Request, template: str, context: Mapping[str, Any] | None = None,
           status_code: int = 200, viewer: Viewer | None = None) -> HTMLResponse:
    viewer = viewer if viewer is not None else viewer_of(request)
    signer: SessionSigner = request.app.state.session_signer
    # Forms of the signed-in carry the session's token; the forms anyone may post (sign-in,
    # status lookup) the visit's, whoever else is signed in on this browser.
    visit_token = signer.visit_token(visit_of(request))
    csrf = viewer.csrf if viewer else visit_token
    response = templates.TemplateResponse(request, template, {
        "viewer": viewer, "csrf_token": csrf, "visit_token": visit_token, "elderly": elderly_mode(request),
        "path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **(context or {})}, status_code=status_code)
    new_visit = getattr(request.state, "new_visit", "")
    if new_visit:
        set_cookie(request, response, VISIT_COOKIE_NAME, new_visit, max_age=None)
    return response


def set_cookie(request: Request, response: HTMLResponse | RedirectResponse, name: str, value: str,
               max_age: int | None) -> None:
    # Secure whenever the page was reached over TLS (directly or through a proxy uvicorn trusts).
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


def safe_next(path: str | None, default: str) -> str:
    """Only a path of this site is a place to go after sign-in (no open redirect)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return default


def new_submission_key() -> str:
    return secrets.token_urlsafe(16)


class PageHeaders:
    """ASGI middleware: the security headers on every page answer (the API's answers pass by
    untouched: JSON is not rendered by a browser, and the hot path stays as it was)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._headers = [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not is_page_path(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in self._headers if k not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)


def error_page(request: Request, status_code: int, detail: str, headers: Mapping[str, str] | None) -> HTMLResponse:
    titles = {401: "请先登录", 403: "无权访问", 404: "没有找到", 409: "无法完成", 413: "内容过大",
              422: "请检查填写内容", 429: "操作太频繁", 503: "服务暂不可用", 504: "服务响应超时"}
    response = render(request, "error.html", {"status_code": status_code, "title": titles.get(status_code, "出错了"),
                                              "detail": detail}, status_code=status_code)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
