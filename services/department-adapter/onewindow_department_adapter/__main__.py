"""Entry point: `python -m onewindow_department_adapter` — consumer, delivery worker, gRPC API."""

from __future__ import annotations

from collections.abc import Callable

from onewindow.adapter.v1 import adapter_pb2_grpc
from onewindow_platform.rpc import grpc_server
from onewindow_platform.runtime import ServiceRuntime, run_service

from .connectors import load_connector_config
from .delivery import DeliveryWorker
from .grpc_api import AdapterApi
from .handlers import make_handlers
from .settings import AdapterSettings, settings_from_env
from .storage import SCHEMA


class Adapter:
    """Holds the delivery worker so the handler (built before start-up) can wake it."""

    def __init__(self) -> None:
        self.worker: DeliveryWorker | None = None

    def wake(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    def start_worker(self, runtime: ServiceRuntime) -> Callable[[], None]:
        settings = runtime.settings
        assert isinstance(settings, AdapterSettings) and runtime.db is not None and runtime.relay is not None
        self.worker = DeliveryWorker(settings, runtime.db, load_connector_config(settings.connectors_file),
                                     runtime.relay, runtime.producer)
        self.worker.start()
        return self.worker.stop

    def serve_api(self, runtime: ServiceRuntime) -> Callable[[], None]:
        settings = runtime.settings
        assert isinstance(settings, AdapterSettings) and runtime.db is not None and runtime.relay is not None
        api = AdapterApi(settings, runtime.db, runtime.relay.wake, self.wake)
        return grpc_server(settings.adapter_grpc_address,
                           lambda server: adapter_pb2_grpc.add_DepartmentAdapterServiceServicer_to_server(api, server))


def main() -> int:
    adapter = Adapter()
    return run_service(settings_from_env, handlers=make_handlers(adapter.wake), schema=SCHEMA,
                       servers=[adapter.start_worker, adapter.serve_api])


if __name__ == "__main__":
    raise SystemExit(main())
