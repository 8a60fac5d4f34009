"""Entry point: `python -m onewindow_supervision` — the consumer (clocks and monthly counters,
the ledger's events), the watcher (warnings, sign-for deadlines, the escalation ladder, 回访
calls) and the API (rankings, indicators, the 回访 team's calls; the ledger of livelihood
projects), both services on one gRPC port."""

from __future__ import annotations

from collections.abc import Callable

import grpc

from onewindow.ledger.v1 import ledger_pb2_grpc
from onewindow.supervision.v1 import supervision_pb2_grpc
from onewindow_catalog import WorkingCalendar, load_catalog
from onewindow_platform.bootstrap import Built, Service, run
from onewindow_platform.rpc import grpc_server

from .domain.policy import load_policy
from .grpc_api import SupervisionApi
from .handlers import HANDLERS
from .ledger_api import LedgerApi
from .ledger_handlers import LEDGER_HANDLERS
from .settings import settings_from_env
from .storage import SCHEMA
from .watcher import Watcher


def start_watcher(built: Built) -> Callable[[], None]:
    built.watcher.start()
    return built.watcher.stop


def serve_api(built: Built) -> Callable[[], None]:
    api = SupervisionApi(built.settings, built.db, built.policy, built.catalog, built.relay.wake)
    ledger = LedgerApi(built.settings, built.db, built.catalog, built.relay.wake)

    def add(server: grpc.Server) -> None:
        supervision_pb2_grpc.add_SupervisionServiceServicer_to_server(api, server)
        ledger_pb2_grpc.add_LedgerServiceServicer_to_server(ledger, server)

    return grpc_server(built.settings.supervision_grpc_address, add)


SERVICE = Service(
    settings=settings_from_env,
    schema=SCHEMA,
    reference={"policy": lambda settings: load_policy(settings.supervision_policy_file),
               "calendar": lambda settings: WorkingCalendar(settings.holidays_dir),
               "catalog": lambda settings: load_catalog()},
    components={"watcher": lambda b: Watcher(b.settings, b.db, b.relay, b.policy, b.calendar)},
    handlers={**HANDLERS, **LEDGER_HANDLERS},
    servers=[start_watcher, serve_api],
)


def main() -> int:
    return run(SERVICE)


if __name__ == "__main__":
    raise SystemExit(main())
