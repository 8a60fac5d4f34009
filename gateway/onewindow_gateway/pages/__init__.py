"""The window's pages, served by the gateway beside /api/v1: the counter workstation (clerks),
the citizen's status page and the ops console. Server-rendered HTML, zh-CN, no build step."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from onewindow_catalog.calendar import WorkingCalendar

from ..rate_limit import RateLimiter
from ..sessions import SessionSigner
from ..settings import GatewaySettings
from . import citizen, counter, ledger_pages, ops_console, sign_in, supervision_console
from .web import HERE, PageHeaders, SignInNeeded, UserDirectory, redirect


def install_pages(app: FastAPI, settings: GatewaySettings) -> None:
    app.state.users = UserDirectory(settings.gateway_users_file)
    app.state.session_signer = SessionSigner.from_environment(settings.data_dir,
                                                              max_age_s=settings.gateway_session_hours * 3600)
    app.state.calendar = WorkingCalendar()
    app.state.status_lookup_limit = RateLimiter.share_of(
        settings.status_lookups_per_min / 60, settings.status_lookups_per_min, settings.gateway_processes)

    @app.exception_handler(SignInNeeded)
    async def sign_in_first(_request: Request, exc: SignInNeeded) -> Response:
        return redirect(f"/signin?next={quote(exc.next_path, safe='/')}")

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in (sign_in.router, counter.router, citizen.router, ops_console.router, supervision_console.router,
                   ledger_pages.public, ledger_pages.console):
        app.include_router(router)
    app.add_middleware(PageHeaders)
