"""The hash chain: each record's hash covers the previous record's hash and a canonical encoding
of the record, so modifying, deleting, inserting or reordering any record breaks every hash after
it — and the verifier names the first record where that happens."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    sequence: int
    recorded_at: str
    occurred_at: str
    source: str
    event_type: str
    event_id: str
    application_id: str
    actor: str
    trace_id: str
    span_id: str
    payload_digest: str
    prev_hash: str
    hash: str = ""

    def canonical(self) -> bytes:
        fields = asdict(self)
        fields.pop("hash")
        return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(record: AuditRecord) -> str:
    return hashlib.sha256(record.prev_hash.encode() + b"\n" + record.canonical()).hexdigest()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    records_checked: int
    first_bad_sequence: int = 0
    problem: str = ""
    last_sequence: int = 0
    checkpoint_sequence: int = 0
    checkpoints_checked: int = 0
    archived_through: int = 0


def verify(records: Iterable[AuditRecord], start_sequence: int = 1, start_hash: str = GENESIS,
           pins: dict[int, str] | None = None) -> Verdict:
    """Walk the chain in sequence order from `start_sequence` (after an archive step, the record
    that follows the archived ones); stop at the first record that does not fit. `pins` are
    signed head hashes by sequence: a record that hashes correctly but differs from its pin means
    the chain was rewritten and rehashed up to there."""
    pins = pins or {}
    expected_prev, expected_sequence, checked, last_pinned = start_hash, start_sequence, 0, start_sequence - 1
    for record in records:
        if record.sequence != expected_sequence:
            what = "missing (deleted)" if record.sequence > expected_sequence else "out of order or inserted"
            return Verdict(False, checked, expected_sequence, f"record {expected_sequence} is {what}",
                           last_sequence=expected_sequence - 1)
        if record.prev_hash != expected_prev:
            return Verdict(False, checked, record.sequence,
                           f"record {record.sequence} does not follow record {record.sequence - 1} "
                           "(a record was inserted, deleted or reordered before it)", last_sequence=record.sequence - 1)
        if chain_hash(record) != record.hash:
            return Verdict(False, checked, record.sequence, f"record {record.sequence} was modified",
                           last_sequence=record.sequence - 1)
        pinned = pins.get(record.sequence)
        if pinned is not None:
            if pinned != record.hash:
                return Verdict(False, checked, last_pinned + 1,
                               f"records {last_pinned + 1}..{record.sequence} were rewritten: record {record.sequence}"
                               " no longer matches the signed checkpoint", last_sequence=record.sequence)
            last_pinned = record.sequence
        expected_prev, expected_sequence, checked = record.hash, expected_sequence + 1, checked + 1
    return Verdict(True, checked, last_sequence=expected_sequence - 1)
