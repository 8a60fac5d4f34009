"""Entry point.

    python -m onewindow_audit                      run the service
    python -m onewindow_audit verify               recompute the chain, check the signed checkpoints
    python -m onewindow_audit archive --before D --out DIR --by ops:NAME
    python -m onewindow_audit public-key           the checkpoint key's public half (for auditors)
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc

from onewindow.audit.v1 import audit_pb2_grpc
from onewindow_platform.bootstrap import Built, Service, run
from onewindow_platform.config import ConfigurationError
from onewindow_platform.rpc import grpc_server
from onewindow_platform.storage import Database, SqliteDatabase, open_database

from .archive import ArchiveRefused, archive_before
from .checkpointer import Checkpointer
from .domain.checkpoints import public_bytes
from .grpc_api import AuditApi
from .handlers import HANDLERS
from .keys import KeyError_, signing_key, trusted_keys
from .otlp_receiver import OtlpTraceReceiver
from .settings import AuditSettings, settings_from_env
from .span_forwarder import SpanForwarder
from .span_store import SpanStore
from .storage import SCHEMA, AuditStore


def span_database(settings: AuditSettings, db: Database) -> Database:
    """On PostgreSQL the spans share the service's schema (every instance sees every span); on
    SQLite they get a file of their own, so their writes never wait on the chain's (and losing
    the last spans to a power cut is acceptable: synchronous=NORMAL)."""
    if settings.database_url:
        return db
    return SqliteDatabase(settings.resolved_span_store_path(), synchronous="NORMAL")


def close_stores(built: Built) -> Callable[[], None]:
    def close() -> None:  # last: after the servers and the checkpointer that use them
        if built.span_db is not built.db:
            built.span_db.close()

    return close


def sign_checkpoints(built: Built) -> Callable[[], None]:
    checkpointer = Checkpointer(built.store, built.key, built.settings.audit_checkpoint_interval_s)
    checkpointer.start()
    return checkpointer.stop


def serve_api(built: Built) -> Callable[[], None]:
    settings = built.settings
    api = AuditApi(built.store, built.spans, lambda: built.keys)
    forwarder = SpanForwarder(settings.span_forward_endpoint) if settings.span_forward_endpoint else None
    if forwarder is not None:
        forwarder.start()

    def register(server: object) -> None:
        audit_pb2_grpc.add_AuditServiceServicer_to_server(api, server)
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(OtlpTraceReceiver(built.spans, forwarder), server)

    stop_server = grpc_server(settings.audit_grpc_address, register)

    def stop() -> None:
        stop_server()
        if forwarder is not None:
            forwarder.stop()

    return stop


SERVICE = Service(
    settings=settings_from_env,
    reference={"key": signing_key, "keys": lambda settings: trusted_keys(settings, signing_key(settings))},
    schema=SCHEMA,
    components={"store": lambda b: AuditStore(b.db),
                "span_db": lambda b: span_database(b.settings, b.db),
                "spans": lambda b: SpanStore(b.span_db, b.settings.span_retention_days)},
    handlers=HANDLERS,
    servers=[close_stores, sign_checkpoints, serve_api],  # stopped in reverse order
)


def _open_for_command(settings: AuditSettings) -> AuditStore:
    if not settings.database_url and not settings.resolved_database_path().exists():
        raise FileNotFoundError(f"no audit database at {settings.resolved_database_path()} "
                                "(OW_DATA_DIR / OW_DATABASE_PATH, or OW_DATABASE_URL)")
    return AuditStore(open_database(settings, SCHEMA.component))


def verify_command(settings: AuditSettings) -> int:
    store = _open_for_command(settings)
    verdict = store.verify(trusted_keys(settings, signing_key(settings)))
    archived = f", records through {verdict.archived_through} archived" if verdict.archived_through else ""
    if verdict.ok:
        print(f"audit chain OK: {verdict.records_checked} records verified against {verdict.checkpoints_checked} "
              f"signed checkpoints (newest at record {verdict.checkpoint_sequence}){archived}")
        return 0
    print(f"audit chain BROKEN at record {verdict.first_bad_sequence}: {verdict.problem} "
          f"({verdict.records_checked} records verified before it{archived})")
    return 1


def archive_command(settings: AuditSettings, args: argparse.Namespace) -> int:
    store = _open_for_command(settings)
    before = dt.datetime.fromisoformat(args.before)
    if before.tzinfo is None:
        before = before.replace(tzinfo=dt.UTC)
    try:
        key = signing_key(settings)
        manifest = archive_before(store, key, trusted_keys(settings, key), before, Path(args.out), args.by,
                                  settings.service_name)
    except ArchiveRefused as exc:
        print(f"archive refused: {exc}", file=sys.stderr)
        return 1
    if manifest is None:
        print(f"nothing recorded before {before.isoformat()}: nothing archived")
        return 0
    print(f"archived {manifest.records} records through {manifest.through_sequence} to "
          f"{Path(args.out) / manifest.file_name} (sha256 {manifest.file_sha256}); the step is on record")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("verify", "archive", "public-key"):
        return run(SERVICE)
    parser = argparse.ArgumentParser(prog="python -m onewindow_audit")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("verify", help="recompute the chain and check it against the signed checkpoints")
    commands.add_parser("public-key", help="print the checkpoint key's public half (base64)")
    archive = commands.add_parser("archive", help="move records recorded before a date to a signed archive file")
    archive.add_argument("--before", required=True, help="ISO date or time (UTC when no zone is given)")
    archive.add_argument("--out", required=True, help="folder for the archive file")
    archive.add_argument("--by", required=True, help="who archives, e.g. ops:zhang.san (goes on record)")
    parsed = parser.parse_args(args)
    try:
        settings = settings_from_env()
        if parsed.command == "public-key":
            print(base64.b64encode(public_bytes(signing_key(settings).public_key())).decode())
            return 0
        if parsed.command == "verify":
            return verify_command(settings)
        return archive_command(settings, parsed)
    except (ConfigurationError, KeyError_, FileNotFoundError, OSError, ValueError) as exc:
        print(f"cannot {parsed.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
