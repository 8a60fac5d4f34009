"""Entry point: `python -m onewindow_audit` runs the service; `python -m onewindow_audit verify`
recomputes the chain of the audit database and names the first record that does not verify."""

from __future__ import annotations

import sys
from collections.abc import Callable

from onewindow.audit.v1 import audit_pb2_grpc
from onewindow_platform.config import ConfigurationError
from onewindow_platform.rpc import grpc_server
from onewindow_platform.runtime import ServiceRuntime, run_service
from onewindow_platform.storage import Database

from . import storage
from .domain.chain import verify
from .grpc_api import AuditApi
from .handlers import HANDLERS
from .settings import AuditSettings, settings_from_env
from .storage import SCHEMA


def serve_api(runtime: ServiceRuntime) -> Callable[[], None]:
    assert isinstance(runtime.settings, AuditSettings) and runtime.db is not None
    api = AuditApi(runtime.db)
    return grpc_server(runtime.settings.audit_grpc_address,
                       lambda server: audit_pb2_grpc.add_AuditServiceServicer_to_server(api, server))


def verify_command() -> int:
    try:
        settings = settings_from_env()
    except ConfigurationError as exc:
        print(f"cannot verify: {exc}", file=sys.stderr)
        return 2
    path = settings.resolved_database_path()
    if not path.exists():
        print(f"cannot verify: no audit database at {path} (OW_DATA_DIR / OW_DATABASE_PATH)", file=sys.stderr)
        return 2
    db = Database(path)
    verdict = verify(storage.all_records(db.connection()))
    if verdict.ok:
        print(f"audit chain OK: {verdict.records_checked} records verified")
        return 0
    print(f"audit chain BROKEN at record {verdict.first_bad_sequence}: {verdict.problem} "
          f"({verdict.records_checked} records verified before it)")
    return 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["verify"]:
        return verify_command()
    return run_service(settings_from_env, handlers=HANDLERS, schema=SCHEMA, servers=[serve_api])


if __name__ == "__main__":
    raise SystemExit(main())
