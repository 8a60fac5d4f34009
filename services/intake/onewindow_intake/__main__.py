"""Entry point: `python -m onewindow_intake` — the gRPC API and the case-view consumer."""

from __future__ import annotations

from collections.abc import Callable

from onewindow.intake.v1 import intake_pb2_grpc
from onewindow_catalog import WorkingCalendar, load_catalog
from onewindow_platform.bootstrap import Built, Service, run
from onewindow_platform.personal_data import PersonalDataCipher, Pseudonyms
from onewindow_platform.rpc import grpc_server

from .grpc_api import IntakeApi
from .handlers import HANDLERS
from .settings import settings_from_env
from .storage import SCHEMA
from .submissions import SubmissionService


def serve_api(built: Built) -> Callable[[], None]:
    submissions = SubmissionService(built.settings, built.db, built.catalog, built.calendar, built.cipher,
                                    built.pseudonyms, on_commit=built.relay.wake)
    api = IntakeApi(built.settings, built.db, submissions, built.relay.oldest_pending_age_s)
    return grpc_server(built.settings.intake_grpc_address,
                       lambda server: intake_pb2_grpc.add_IntakeServiceServicer_to_server(api, server))


SERVICE = Service(
    settings=settings_from_env,
    schema=SCHEMA,
    reference={"catalog": lambda settings: load_catalog(settings.catalog_dir),
               "calendar": lambda settings: WorkingCalendar(settings.holidays_dir),
               "cipher": lambda settings: PersonalDataCipher.from_environment(settings.data_dir),
               "pseudonyms": lambda settings: Pseudonyms.from_environment(settings.data_dir)},
    handlers=HANDLERS,
    servers=[serve_api],
)


def main() -> int:
    return run(SERVICE)


if __name__ == "__main__":
    raise SystemExit(main())
