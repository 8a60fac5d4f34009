"""Entry point: `python -m onewindow_gateway` serves HTTP on OW_GATEWAY_HOST:OW_GATEWAY_PORT."""

from __future__ import annotations

import sys

import uvicorn

from onewindow_catalog import CatalogError
from onewindow_platform.config import ConfigurationError
from onewindow_platform.failpoints import arm
from onewindow_platform.kafka import require_crc32c
from onewindow_platform.logs import setup_logging
from onewindow_platform.tracing import setup_tracing

from .app import create_app
from .settings import settings_from_env


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
    uvicorn.run(app, host=settings.gateway_host, port=settings.gateway_port, log_config=None, access_log=False,
                loop="uvloop", http="httptools")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
