"""Entry point: `python -m onewindow_supervision` — the consumer (clocks and monthly counters)
and the watcher (warnings, sign-for deadlines, the escalation ladder)."""

from __future__ import annotations

from collections.abc import Callable

from onewindow_catalog import WorkingCalendar
from onewindow_platform.bootstrap import Built, Service, run

from .domain.policy import load_policy
from .handlers import HANDLERS
from .settings import settings_from_env
from .storage import SCHEMA
from .watcher import Watcher


def start_watcher(built: Built) -> Callable[[], None]:
    built.watcher.start()
    return built.watcher.stop


SERVICE = Service(
    settings=settings_from_env,
    schema=SCHEMA,
    reference={"policy": lambda settings: load_policy(settings.supervision_policy_file),
               "calendar": lambda settings: WorkingCalendar(settings.holidays_dir)},
    components={"watcher": lambda b: Watcher(b.settings, b.db, b.relay, b.policy, b.calendar)},
    handlers=HANDLERS,
    servers=[start_watcher],
)


def main() -> int:
    return run(SERVICE)


if __name__ == "__main__":
    raise SystemExit(main())
