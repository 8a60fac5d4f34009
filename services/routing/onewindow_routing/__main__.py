"""Entry point: `python -m onewindow_routing`."""

from __future__ import annotations

import sys
from collections.abc import Callable

from onewindow_catalog import CatalogError, WorkingCalendar, load_catalog
from onewindow_platform.config import ConfigurationError
from onewindow_platform.runtime import ServiceRuntime, run_service

from .deadlines import DeadlineWatcher
from .handlers import make_handlers
from .settings import settings_from_env
from .storage import SCHEMA


def main() -> int:
    try:
        settings = settings_from_env()
        catalog, calendar = load_catalog(settings.catalog_dir), WorkingCalendar(settings.holidays_dir)
    except (CatalogError, ConfigurationError, ValueError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    def watch_deadlines(runtime: ServiceRuntime) -> Callable[[], None]:
        assert runtime.db is not None and runtime.relay is not None
        return DeadlineWatcher(settings, runtime.db, runtime.relay, catalog, calendar).start()

    return run_service(lambda: settings, handlers=make_handlers(catalog, calendar, settings), schema=SCHEMA,
                       servers=[watch_deadlines])


if __name__ == "__main__":
    raise SystemExit(main())
