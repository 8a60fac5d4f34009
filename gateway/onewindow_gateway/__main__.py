"""Entry point: `python -m onewindow_gateway` serves HTTP on OW_GATEWAY_HOST:OW_GATEWAY_PORT."""

from __future__ import annotations

import socket
import sys

import uvicorn

from onewindow_catalog import CatalogError
from onewindow_platform.config import ConfigurationError
from onewindow_platform.failpoints import arm
from onewindow_platform.kafka import require_crc32c
from onewindow_platform.logs import setup_logging
from onewindow_platform.tracing import setup_tracing

from .app import create_app
from .settings import GatewaySettings, settings_from_env


def main() -> int:
    try:
        settings = settings_from_env()
        require_crc32c()
    except ConfigurationError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.service_name, settings.log_level, settings.log_file)
    arm(settings.failpoints, settings.service_name)
    setup_tracing(settings)
    try:
        app = create_app(settings)
    except (ConfigurationError, CatalogError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    # uvloop and httptools: the C event loop and HTTP parser, several times less CPU per request
    # than asyncio's loop and h11.
    config = uvicorn.Config(app, host=settings.gateway_host, port=settings.gateway_port, log_config=None,
                            access_log=False, loop="uvloop", http="httptools")
    try:
        sockets = [listening_socket(settings)]
    except OSError as exc:
        print(f"cannot start: cannot listen on {settings.gateway_host}:{settings.gateway_port}: {exc}", file=sys.stderr)
        return 2
    uvicorn.Server(config).run(sockets=sockets)
    return 0


def listening_socket(settings: GatewaySettings) -> socket.socket:
    """The gateway's socket; with OW_GATEWAY_REUSE_PORT every gateway process on the host binds
    the same port and the kernel spreads new connections over them."""
    family = socket.AF_INET6 if ":" in settings.gateway_host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if settings.gateway_reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((settings.gateway_host, settings.gateway_port))
    sock.set_inheritable(True)
    return sock


if __name__ == "__main__":
    raise SystemExit(main())
