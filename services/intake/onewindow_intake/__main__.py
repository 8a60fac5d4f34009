"""Entry point: `python -m onewindow_intake` — the gRPC API and the case-view consumer."""

from __future__ import annotations

from collections.abc import Callable

from onewindow.intake.v1 import intake_pb2_grpc
from onewindow_catalog import CatalogError, WorkingCalendar, load_catalog
from onewindow_platform.config import ConfigurationError
from onewindow_platform.personal_data import PersonalDataCipher, Pseudonyms
from onewindow_platform.rpc import grpc_server
from onewindow_platform.runtime import ServiceRuntime, run_service

from .grpc_api import IntakeApi
from .handlers import HANDLERS
from .settings import IntakeSettings, settings_from_env
from .storage import SCHEMA
from .submissions import SubmissionService


def build_api(runtime: ServiceRuntime) -> IntakeApi:
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings) and runtime.db is not None and runtime.relay is not None
    try:
        catalog, calendar = load_catalog(settings.catalog_dir), WorkingCalendar(settings.holidays_dir)
    except (CatalogError, ValueError) as exc:
        raise ConfigurationError(f"reference data: {exc}") from None
    submissions = SubmissionService(
        settings, runtime.db, catalog, calendar,
        PersonalDataCipher.from_environment(settings.data_dir), Pseudonyms.from_environment(settings.data_dir),
        on_commit=runtime.relay.wake,
    )
    return IntakeApi(settings, runtime.db, submissions, runtime.relay.oldest_pending_age_s)


def serve_api(runtime: ServiceRuntime) -> Callable[[], None]:
    api = build_api(runtime)
    assert isinstance(runtime.settings, IntakeSettings)
    return grpc_server(runtime.settings.intake_grpc_address,
                       lambda server: intake_pb2_grpc.add_IntakeServiceServicer_to_server(api, server))


def main() -> int:
    return run_service(settings_from_env, handlers=HANDLERS, schema=SCHEMA, servers=[serve_api])


if __name__ == "__main__":
    raise SystemExit(main())
