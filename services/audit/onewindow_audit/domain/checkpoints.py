"""Signed statements about the chain: checkpoints of its head, and manifests of archive steps.

Checkpoints: A hash chain alone shows that records were changed only
while the attacker cannot recompute it; a checkpoint signed with an Ed25519 key the database does
not hold pins the head at a moment, so a rewritten-and-rehashed chain, or one cut short, no longer
matches what was signed."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SIGNED_FORMAT = "onewindow-audit-checkpoint/v1"


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    head_hash: str
    signed_at: str
    key_id: str
    signature: str  # base64

    def message(self) -> bytes:
        return signed_message(self.sequence, self.head_hash, self.signed_at)


def signed_message(sequence: int, head_hash: str, signed_at: str) -> bytes:
    return f"{SIGNED_FORMAT}\n{sequence}\n{head_hash}\n{signed_at}".encode()


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_bytes(key)).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, sequence: int, head_hash: str, signed_at: str) -> Checkpoint:
    signature = key.sign(signed_message(sequence, head_hash, signed_at))
    return Checkpoint(sequence, head_hash, signed_at, key_id(key.public_key()), base64.b64encode(signature).decode())


def signature_problem(checkpoint: Checkpoint, keys: dict[str, Ed25519PublicKey]) -> str:
    """'' when the checkpoint is signed by one of `keys` (by key id), else what is wrong."""
    key = keys.get(checkpoint.key_id)
    if key is None:
        return f"checkpoint at record {checkpoint.sequence} is signed by unknown key {checkpoint.key_id}"
    try:
        key.verify(base64.b64decode(checkpoint.signature), checkpoint.message())
    except (InvalidSignature, ValueError):
        return f"checkpoint at record {checkpoint.sequence} has an invalid signature (forged or altered)"
    return ""


ARCHIVE_FORMAT = "onewindow-audit-archive/v1"


@dataclass(frozen=True)
class ArchiveManifest:
    """What an archive step moved out of the store: records up to `through_sequence`, the hash of
    the last of them (where the remaining chain continues), and the archive file's digest."""
    through_sequence: int
    through_hash: str
    records: int
    file_name: str
    file_sha256: str
    archived_at: str
    archived_by: str
    key_id: str = ""
    signature: str = ""

    def message(self) -> bytes:
        return (f"{ARCHIVE_FORMAT}\n{self.through_sequence}\n{self.through_hash}\n{self.records}\n"
                f"{self.file_name}\n{self.file_sha256}\n{self.archived_at}\n{self.archived_by}").encode()


def sign_archive(key: Ed25519PrivateKey, manifest: ArchiveManifest) -> ArchiveManifest:
    signature = base64.b64encode(key.sign(manifest.message())).decode()
    return replace(manifest, key_id=key_id(key.public_key()), signature=signature)


def archive_problem(manifest: ArchiveManifest, keys: dict[str, Ed25519PublicKey]) -> str:
    key = keys.get(manifest.key_id)
    if key is None:
        return f"archive manifest through record {manifest.through_sequence} is signed by an unknown key"
    try:
        key.verify(base64.b64decode(manifest.signature), manifest.message())
    except (InvalidSignature, ValueError):
        return f"archive manifest through record {manifest.through_sequence} has an invalid signature"
    return ""
