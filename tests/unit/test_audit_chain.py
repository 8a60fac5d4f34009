"""The audit hash chain names the first record that was modified, deleted, inserted or reordered."""

from __future__ import annotations

import dataclasses

from onewindow_audit.domain.chain import GENESIS, AuditRecord, chain_hash, verify


def build(count: int) -> list[AuditRecord]:
    records, prev = [], GENESIS
    for sequence in range(1, count + 1):
        record = AuditRecord(sequence=sequence, recorded_at=f"2026-11-26T10:00:{sequence:02d}Z",
                             occurred_at=f"2026-11-26T10:00:{sequence:02d}Z", source="ow-routing",
                             event_type="onewindow.task.v1.TaskDispatched", event_id=f"e{sequence}",
                             application_id="110101-20261126-00001", actor="system:ow-routing",
                             trace_id="a" * 32, span_id="b" * 16, payload_digest=f"{sequence:064x}", prev_hash=prev)
        record = dataclasses.replace(record, hash=chain_hash(record))
        records.append(record)
        prev = record.hash
    return records


def test_an_intact_chain_verifies() -> None:
    verdict = verify(build(5))
    assert verdict.ok and verdict.records_checked == 5


def test_a_modified_record_is_named() -> None:
    records = build(5)
    records[2] = dataclasses.replace(records[2], actor="clerk:someone-else")
    verdict = verify(records)
    assert (verdict.ok, verdict.first_bad_sequence) == (False, 3) and "modified" in verdict.problem


def test_a_modified_record_with_a_recomputed_hash_breaks_the_next_link() -> None:
    records = build(5)
    forged = dataclasses.replace(records[2], payload_digest="f" * 64)
    records[2] = dataclasses.replace(forged, hash=chain_hash(forged))
    verdict = verify(records)
    assert (verdict.ok, verdict.first_bad_sequence) == (False, 4)


def test_a_deleted_record_is_named() -> None:
    records = build(5)
    del records[1]
    verdict = verify(records)
    assert (verdict.ok, verdict.first_bad_sequence) == (False, 2) and "deleted" in verdict.problem


def test_an_inserted_record_is_named() -> None:
    records = build(5)
    intruder = dataclasses.replace(records[1], event_id="intruder")
    records.insert(2, intruder)
    assert verify(records).first_bad_sequence == 3


def test_reordered_records_are_named() -> None:
    records = build(5)
    records[1], records[2] = records[2], records[1]
    verdict = verify(records)
    assert not verdict.ok and verdict.first_bad_sequence == 2
