"""Entry point: `python -m onewindow_department_adapter` — consumer, delivery worker, gRPC API."""

from __future__ import annotations

from collections.abc import Callable

from onewindow.adapter.v1 import adapter_pb2_grpc
from onewindow.application.v1.events_pb2 import SupplementProvided
from onewindow.supervision.v1.events_pb2 import SupervisionStepIssued
from onewindow.task.v1.events_pb2 import TaskDispatched
from onewindow_platform.bootstrap import Built, Service, run
from onewindow_platform.rpc import grpc_server

from . import handlers
from .connectors import load_connector_config
from .delivery import DeliveryWorker
from .grpc_api import AdapterApi
from .settings import settings_from_env
from .storage import SCHEMA


def start_worker(built: Built) -> Callable[[], None]:
    built.worker.start()
    return built.worker.stop


def serve_api(built: Built) -> Callable[[], None]:
    api = AdapterApi(built.settings, built.db, built.relay.wake, built.worker.wake)
    return grpc_server(built.settings.adapter_grpc_address,
                       lambda server: adapter_pb2_grpc.add_DepartmentAdapterServiceServicer_to_server(api, server))


SERVICE = Service(
    settings=settings_from_env,
    schema=SCHEMA,
    reference={"connectors": lambda settings: load_connector_config(settings.connectors_file)},
    components={"worker": lambda b: DeliveryWorker(b.settings, b.db, b.connectors, b.relay, b.producer)},
    handlers={TaskDispatched: handlers.on_dispatched, SupplementProvided: handlers.on_supplement,
              SupervisionStepIssued: handlers.on_supervision_step},
    servers=[start_worker, serve_api],
)


def main() -> int:
    return run(SERVICE)


if __name__ == "__main__":
    raise SystemExit(main())
