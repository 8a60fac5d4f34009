"""The audit store on both back-ends (a real SQLite file, a real PostgreSQL server): appends are
idempotent and chained, signed checkpoints pin the head so a rewritten or truncated chain is
found, tampering of every kind is named, and the archive step keeps the rest verifiable."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onewindow_audit.archive import ARCHIVED_EVENT_TYPE, ArchiveRefused, archive_before
from onewindow_audit.checkpointer import checkpoint_now
from onewindow_audit.domain.chain import AuditRecord, Verdict, chain_hash
from onewindow_audit.domain.checkpoints import key_id
from onewindow_audit.domain.verification import verify_store
from onewindow_audit.storage import AuditStore
from onewindow_platform.postgres import PostgresDatabase
from onewindow_platform.storage import Database

KEY = Ed25519PrivateKey.from_private_bytes(b"s" * 32)
KEYS = {key_id(KEY.public_key()): KEY.public_key()}


@dataclass
class Backend:
    store: AuditStore
    tamper: Callable[[str, tuple[Any, ...]], None]  # SQL with ? placeholders, run outside the service


@pytest.fixture
def backend(database: Database) -> Backend:
    def tamper(sql: str, params: tuple[Any, ...]) -> None:  # outside the service, through its own SQL
        database.connection().execute(sql, params)

    return Backend(AuditStore(database), tamper)


def event(n: int, recorded_at: str = "") -> AuditRecord:
    stamp = recorded_at or dt.datetime.now(dt.UTC).isoformat()
    return AuditRecord(sequence=0, recorded_at=stamp, occurred_at=stamp, source="ow-routing",
                       event_type="TaskDispatched", event_id=f"event-{n}", application_id="110101-20261126-00001",
                       actor="system:ow-routing", trace_id="a" * 32, span_id="b" * 16, payload_digest=f"{n:064x}",
                       prev_hash="")


def verdict(store: AuditStore) -> Verdict:
    return verify_store(store.records(), store.checkpoints(), store.archives(), KEYS)


def fill(store: AuditStore, count: int) -> None:
    for n in range(1, count + 1):
        store.append(event(n))


def test_appends_chain_and_a_redelivered_event_is_recorded_once(backend: Backend) -> None:
    fill(backend.store, 5)
    assert backend.store.append(event(3)) is None
    records = list(backend.store.records())
    assert [r.sequence for r in records] == [1, 2, 3, 4, 5]
    assert all(r.prev_hash == p.hash for p, r in itertools.pairwise(records))
    assert verdict(backend.store).ok


@pytest.mark.parametrize("how, first_bad", [
    # A well-forged insertion (correct links and hash) shows at the record after it, whose link it broke.
    ("update", 3), ("delete", 3), ("insert", 4), ("swap", 2),
])
def test_tampering_with_a_single_row_is_named(backend: Backend, how: str, first_bad: int) -> None:
    fill(backend.store, 6)
    if how == "update":
        backend.tamper("UPDATE audit_log SET actor = 'clerk:mallory' WHERE sequence = 3", ())
    elif how == "delete":
        backend.tamper("DELETE FROM audit_log WHERE sequence = 3", ())
    elif how == "insert":  # make room after record 2 and slip a forged record in
        for sequence in range(6, 2, -1):
            backend.tamper("UPDATE audit_log SET sequence = ? WHERE sequence = ?", (sequence + 1, sequence))
        second = next(r for r in list(backend.store.records()) if r.sequence == 2)
        forged = replace(event(99), sequence=3, prev_hash=second.hash)
        forged = replace(forged, hash=chain_hash(forged))
        backend.tamper("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       tuple(forged.__dict__.values()))
    else:  # swap the contents of records 2 and 3
        backend.tamper("UPDATE audit_log SET sequence = -2 WHERE sequence = 2", ())
        backend.tamper("UPDATE audit_log SET sequence = 2 WHERE sequence = 3", ())
        backend.tamper("UPDATE audit_log SET sequence = 3 WHERE sequence = -2", ())
    result = verdict(backend.store)
    assert not result.ok and result.first_bad_sequence == first_bad, result


def test_a_rewritten_and_rehashed_chain_is_caught_by_the_signed_checkpoint(backend: Backend) -> None:
    fill(backend.store, 5)
    assert checkpoint_now(backend.store, KEY) is not None
    assert checkpoint_now(backend.store, KEY) is None  # the head did not move: nothing new to sign
    # Someone with write access rewrites record 2 and recomputes every hash after it.
    records = list(backend.store.records())
    prev = records[0].hash
    for record in records[1:]:
        changed = replace(record, actor="clerk:mallory" if record.sequence == 2 else record.actor, prev_hash=prev)
        changed = replace(changed, hash=chain_hash(changed))
        backend.tamper("UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE sequence = ?",
                       (changed.actor, changed.prev_hash, changed.hash, changed.sequence))
        prev = changed.hash
    result = verdict(backend.store)
    assert not result.ok and "rewritten" in result.problem and result.first_bad_sequence == 1, result


def test_truncation_after_a_checkpoint_is_detected(backend: Backend) -> None:
    fill(backend.store, 5)
    checkpoint_now(backend.store, KEY)
    backend.tamper("DELETE FROM audit_log WHERE sequence >= 4", ())
    result = verdict(backend.store)
    assert not result.ok and "truncated" in result.problem and result.first_bad_sequence == 4, result


def test_a_forged_checkpoint_is_rejected(backend: Backend) -> None:
    fill(backend.store, 3)
    checkpoint_now(backend.store, KEY)
    backend.tamper("UPDATE audit_checkpoints SET head_hash = ?", ("0" * 64,))
    result = verdict(backend.store)
    assert not result.ok and "invalid signature" in result.problem


def test_the_archive_step_moves_old_records_out_and_the_rest_still_verifies(backend: Backend, tmp_path: Path) -> None:
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=200)).isoformat()
    for n in range(1, 4):
        backend.store.append(event(n, recorded_at=old))
    backend.store.append(event(4))
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=190)
    with pytest.raises(ArchiveRefused, match="checkpoint"):
        archive_before(backend.store, KEY, KEYS, cutoff, tmp_path / "archive", "ops:zhang", "ow-audit")
    checkpoint_now(backend.store, KEY)
    manifest = archive_before(backend.store, KEY, KEYS, cutoff, tmp_path / "archive", "ops:zhang", "ow-audit")
    assert manifest is not None and (manifest.through_sequence, manifest.records) == (3, 3)
    lines = (tmp_path / "archive" / manifest.file_name).read_text().splitlines()
    assert [json.loads(line)["sequence"] for line in lines] == [1, 2, 3]
    remaining = list(backend.store.records())
    assert [r.sequence for r in remaining] == [4, 5]
    assert remaining[-1].event_type == ARCHIVED_EVENT_TYPE and remaining[-1].actor == "ops:zhang"
    backend.store.append(event(5))
    result = verdict(backend.store)
    assert result.ok and result.archived_through == 3 and result.records_checked == 3, result
    # The manifest cannot be bent to hide a deletion: it is signed.
    backend.tamper("UPDATE audit_archives SET through_sequence = 4", ())
    assert "invalid signature" in verdict(backend.store).problem


@pytest.mark.postgres
def test_concurrent_appenders_on_postgres_never_fork_the_chain(postgres_url: str) -> None:
    databases = [PostgresDatabase(postgres_url, "audit") for _ in range(3)]  # three audit instances
    stores = [AuditStore(db) for db in databases]

    def append_many(store: AuditStore, offset: int) -> None:
        for n in range(40):
            store.append(event(offset + n))

    threads = [threading.Thread(target=append_many, args=(store, i * 1000)) for i, store in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = verdict(stores[0])
    assert result.ok and result.records_checked == 120, result
    for db in databases:
        db.close()


def test_keys_decode_clear_errors() -> None:
    from onewindow_audit.keys import KeyError_, _decode

    with pytest.raises(KeyError_, match="32 bytes"):
        _decode(base64.b64encode(b"short").decode(), "OW_AUDIT_SIGNING_KEY")
