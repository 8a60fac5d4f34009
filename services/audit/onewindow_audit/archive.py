"""The explicit, audited archive step: records recorded before a date are written to a JSON-lines
file, a manifest of that file is signed, and the records leave the store — one transaction that
also chains an `AuditRecordsArchived` record naming who did it. The remaining chain continues from
the last archived record's hash, which the signed manifest keeps, so it still verifies."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from contextlib import closing
from dataclasses import asdict
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .domain.chain import AuditRecord
from .domain.checkpoints import ArchiveManifest, sign_archive
from .storage import AuditStore

ARCHIVED_EVENT_TYPE = "AuditRecordsArchived"


class ArchiveRefused(Exception):
    pass


def archive_before(store: AuditStore, key: Ed25519PrivateKey, trusted: dict[str, Ed25519PublicKey],
                   before: dt.datetime, out_dir: Path, archived_by: str, source: str) -> ArchiveManifest | None:
    """Archive every record recorded before `before`. Returns the manifest, or None when there
    is nothing to archive. Refuses when the chain does not verify (evidence is not moved while
    it is in doubt) or when the records to archive are not yet covered by a signed checkpoint."""
    verdict = store.verify(trusted)
    if not verdict.ok:
        raise ArchiveRefused(f"the chain does not verify: {verdict.problem}")
    cutoff = before.astimezone(dt.UTC).isoformat()
    selected: list[AuditRecord] = []
    with closing(store.records()) as records:  # closes PostgreSQL's server-side cursor on break
        for record in records:
            if record.recorded_at >= cutoff:
                break
            selected.append(record)
    if not selected:
        return None
    through = selected[-1]
    if verdict.checkpoint_sequence < through.sequence:
        raise ArchiveRefused(f"record {through.sequence} is not yet covered by a signed checkpoint "
                             f"(newest: {verdict.checkpoint_sequence}); wait for the next checkpoint")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"audit-{selected[0].sequence:012d}-{through.sequence:012d}.jsonl"
    digest = hashlib.sha256()
    with open(path, "x", encoding="utf-8") as handle:  # never overwrite an earlier archive
        for record in selected:
            line = json.dumps(asdict(record), ensure_ascii=False, sort_keys=True) + "\n"
            digest.update(line.encode())
            handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    now = dt.datetime.now(dt.UTC).isoformat()
    manifest = sign_archive(key, ArchiveManifest(
        through_sequence=through.sequence, through_hash=through.hash, records=len(selected), file_name=path.name,
        file_sha256=digest.hexdigest(), archived_at=now, archived_by=archived_by))
    step = AuditRecord(
        sequence=0, recorded_at=now, occurred_at=now, source=source, event_type=ARCHIVED_EVENT_TYPE,
        event_id=f"archive-{through.sequence}", application_id="", actor=archived_by, trace_id="", span_id="",
        payload_digest=manifest.file_sha256, prev_hash="")
    store.archive(manifest, step)
    return manifest
