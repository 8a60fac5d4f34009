"""Entry point: `python -m onewindow_routing` — the routing consumer and the deadline watcher."""

from __future__ import annotations

from onewindow_catalog import WorkingCalendar, load_catalog
from onewindow_platform.bootstrap import Service, run

from .deadlines import DeadlineWatcher
from .handlers import HANDLERS
from .settings import settings_from_env
from .storage import SCHEMA

SERVICE = Service(
    settings=settings_from_env,
    schema=SCHEMA,
    reference={"catalog": lambda settings: load_catalog(settings.catalog_dir),
               "calendar": lambda settings: WorkingCalendar(settings.holidays_dir)},
    handlers=HANDLERS,
    servers=[lambda b: DeadlineWatcher(b.settings, b.db, b.relay, b.catalog, b.calendar).start()],
)


def main() -> int:
    return run(SERVICE)


if __name__ == "__main__":
    raise SystemExit(main())
