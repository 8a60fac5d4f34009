"""The one list of what the stack runs: every process `make run`, the tests, the bench and the
fault suite start, with its package folder and its kind. Add a service here and everything that
starts, measures or checks the stack knows it (the layout test holds the compose file to it).

Standard library only, so the Makefile can read it before any virtualenv exists:

    python3 libs/devtools/onewindow_devtools/registry.py folders    # the packages to install
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    name: str              # process / service name (logs, data files, consumer group)
    module: str            # `python -m <module>`
    folder: str            # its package, from the repository root
    kind: str              # "service": ours, consumes events | "gateway": ours | "double": a stand-in
    compose_name: str = ""  # its name in docker-compose.yml ("" : not composed)
    grpc_env: str = ""      # the variable naming where its gRPC API listens (and where callers find it)
    grpc_default: str = ""  # that variable's default

    @property
    def ours(self) -> bool:
        return self.kind in ("service", "gateway")

    @property
    def short_name(self) -> str:
        """The name without the deployment prefix: intake, department-adapter, …"""
        return self.name.removeprefix("ow-")


COMPONENTS: tuple[Component, ...] = (
    Component("ow-intake", "onewindow_intake", "services/intake", "service", "intake",
              "OW_INTAKE_GRPC_ADDRESS", "127.0.0.1:50051"),
    Component("ow-routing", "onewindow_routing", "services/routing", "service", "routing"),
    Component("ow-department-adapter", "onewindow_department_adapter", "services/department-adapter", "service",
              "department-adapter", "OW_ADAPTER_GRPC_ADDRESS", "127.0.0.1:50052"),
    Component("ow-notification", "onewindow_notification", "services/notification", "service", "notification",
              "OW_NOTIFICATION_GRPC_ADDRESS", "127.0.0.1:50053"),
    Component("ow-audit", "onewindow_audit", "services/audit", "service", "audit",
              "OW_AUDIT_GRPC_ADDRESS", "127.0.0.1:50054"),
    Component("ow-supervision", "onewindow_supervision", "services/supervision", "service", "supervision",
              "OW_SUPERVISION_GRPC_ADDRESS", "127.0.0.1:50055"),
    Component("ow-gateway", "onewindow_gateway", "gateway", "gateway", "gateway"),
    Component("agency-simulator", "onewindow_agency_simulator", "services/agency-simulator", "double",
              "agency-simulator"),
    Component("smtp-sink", "onewindow_devtools.smtp_sink", "libs/devtools", "double"),
    Component("sms-gateway", "onewindow_devtools.sms_gateway", "libs/devtools", "double"),
)
LIBRARIES = ("libs/contracts", "libs/platform", "libs/catalog", "libs/devtools")
# Installed, documented and tested (against the real brokers), not yet started by the stack.
PENDING: tuple[Component, ...] = (
    Component("ow-sensor-gateway", "onewindow_sensor_gateway", "services/sensor-gateway", "service"),  # #18
)
NOT_YET_RUN: tuple[str, ...] = tuple(c.folder for c in PENDING)

SERVICES = tuple(c for c in COMPONENTS if c.kind == "service")   # the consuming services
OURS = tuple(c for c in COMPONENTS if c.ours)


def package_folders() -> list[str]:
    folders = list(LIBRARIES)
    folders += [c.folder for c in COMPONENTS if c.folder not in folders]
    return folders + [f for f in NOT_YET_RUN if f not in folders]


if __name__ == "__main__":
    if sys.argv[1:] == ["folders"]:
        print(" ".join(package_folders()))
    else:
        sys.exit("usage: registry.py folders")
