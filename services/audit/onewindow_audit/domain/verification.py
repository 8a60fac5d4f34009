"""Verification of the whole store: archive manifests, checkpoint signatures, then the chain
itself pinned to the checkpoints, then truncation (a chain that ends before its newest signed
checkpoint lost its tail)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .chain import GENESIS, AuditRecord, Verdict, verify
from .checkpoints import ArchiveManifest, Checkpoint, archive_problem, signature_problem


def verify_store(records: Iterable[AuditRecord], checkpoints: list[Checkpoint], archives: list[ArchiveManifest],
                 keys: dict[str, Ed25519PublicKey]) -> Verdict:
    start_sequence, start_hash, archived_through = 1, GENESIS, 0
    for manifest in archives:
        problem = archive_problem(manifest, keys)
        if problem:
            return Verdict(False, 0, manifest.through_sequence, problem)
        archived_through = manifest.through_sequence
        start_sequence, start_hash = archived_through + 1, manifest.through_hash
    for checkpoint in checkpoints:
        problem = signature_problem(checkpoint, keys)
        if problem:
            return Verdict(False, 0, checkpoint.sequence, problem, archived_through=archived_through)
    live = [c for c in checkpoints if c.sequence >= start_sequence]
    verdict = verify(records, start_sequence, start_hash, {c.sequence: c.head_hash for c in live})
    newest = checkpoints[-1].sequence if checkpoints else 0
    verdict = replace(verdict, checkpoint_sequence=newest, checkpoints_checked=len(checkpoints),
                      archived_through=archived_through)
    if verdict.ok and newest > verdict.last_sequence:
        return replace(verdict, ok=False, first_bad_sequence=verdict.last_sequence + 1,
                       problem=f"the chain was truncated: it ends at record {verdict.last_sequence} but a signed "
                               f"checkpoint covers record {newest}")
    return verdict
