"""Entry point: `python -m onewindow_agency_simulator` — webhook + control API (HTTP) and gRPC."""

from __future__ import annotations

import logging
import sys

import uvicorn

from onewindow.agency.v1 import agency_pb2_grpc
from onewindow_platform.rpc import grpc_server
from onewindow_platform.tracing import install_tracing, shutdown_tracing

from .agency import Agency
from .behaviour import Behaviour, Behaviours
from .grpc_api import AgencyTaskApi
from .http_api import create_app
from .settings import SimulatorSettings
from .store import TaskStore


def main() -> int:
    settings = SimulatorSettings()
    logging.basicConfig(level=settings.simulator_log_level, stream=sys.stderr,
                        format='{"service": "agency-simulator", "level": "%(levelname)s", "msg": "%(message)s"}')
    secret = settings.agency_webhook_secret.encode()
    if len(secret) < 16:
        print("cannot start: set OW_AGENCY_WEBHOOK_SECRET (the HMAC secret shared with the department-adapter, "
              "at least 16 characters)", file=sys.stderr)
        return 2
    install_tracing(settings.service_name, settings.otlp_endpoint)
    behaviours = Behaviours(Behaviour(then=settings.simulator_default_then))
    agency = Agency(TaskStore(settings.simulator_db), behaviours, settings.simulator_gateway_url,
                    settings.simulator_tokens_file, settings.simulator_complete_after_s)
    api = AgencyTaskApi(agency)
    stop_grpc = grpc_server(settings.simulator_grpc_address,
                            lambda server: agency_pb2_grpc.add_AgencyTaskServiceServicer_to_server(api, server))
    try:
        uvicorn.run(create_app(agency, secret), host=settings.simulator_host, port=settings.simulator_port,
                    log_config=None, access_log=False)
    finally:
        stop_grpc()
        shutdown_tracing()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
