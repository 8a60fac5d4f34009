"""Entry point: `python -m onewindow_supervision` — the consumer (clocks and monthly counters),
the watcher (warnings, sign-for deadlines, the escalation ladder, 回访 calls) and the API
(rankings, indicators, the 回访 team's calls)."""

from __future__ import annotations

from collections.abc import Callable

from onewindow.supervision.v1 import supervision_pb2_grpc
from onewindow_catalog import WorkingCalendar, load_catalog
from onewindow_platform.bootstrap import Built, Service, run
from onewindow_platform.rpc import grpc_server

from .domain.policy import load_policy
from .grpc_api import SupervisionApi
from .handlers import HANDLERS
from .settings import settings_from_env
from .storage import SCHEMA
from .watcher import Watcher


def start_watcher(built: Built) -> Callable[[], None]:
    built.watcher.start()
    return built.watcher.stop


def serve_api(built: Built) -> Callable[[], None]:
    api = SupervisionApi(built.settings, built.db, built.policy, built.catalog, built.relay.wake)
    return grpc_server(built.settings.supervision_grpc_address,
                       lambda server: supervision_pb2_grpc.add_SupervisionServiceServicer_to_server(api, server))


SERVICE = Service(
    settings=settings_from_env,
    schema=SCHEMA,
    reference={"policy": lambda settings: load_policy(settings.supervision_policy_file),
               "calendar": lambda settings: WorkingCalendar(settings.holidays_dir),
               "catalog": lambda settings: load_catalog()},
    components={"watcher": lambda b: Watcher(b.settings, b.db, b.relay, b.policy, b.calendar)},
    handlers=HANDLERS,
    servers=[start_watcher, serve_api],
)


def main() -> int:
    return run(SERVICE)


if __name__ == "__main__":
    raise SystemExit(main())
