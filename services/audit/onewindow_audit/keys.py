"""The checkpoint signing key and the public keys a verifier trusts.

Without OW_AUDIT_SIGNING_KEY a development key is created once in `<data_dir>/audit-signing.key`
(mode 0600) and a warning is logged. In production the key belongs outside the audit database's
host (a secret store), and its public half with the auditors. Rotation: set the new key, and add
the old key's public half to OW_AUDIT_VERIFY_KEYS so earlier checkpoints still verify.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from onewindow_platform.dev_keys import development_key_text

from .domain.checkpoints import key_id
from .settings import AuditSettings


class KeyError_(ValueError):
    pass


def _decode(value: str, name: str, length: int = 32) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyError_(f"{name} is not base64") from None
    if len(raw) != length:
        raise KeyError_(f"{name} must decode to {length} bytes (got {len(raw)})")
    return raw


def signing_key(settings: AuditSettings) -> Ed25519PrivateKey:
    if settings.audit_signing_key is not None:
        seed = _decode(settings.audit_signing_key.get_secret_value(), "OW_AUDIT_SIGNING_KEY")
        return Ed25519PrivateKey.from_private_bytes(seed)
    path = settings.data_dir / "audit-signing.key"
    return Ed25519PrivateKey.from_private_bytes(_decode(development_key_text(path, "OW_AUDIT_SIGNING_KEY"), str(path)))


def trusted_keys(settings: AuditSettings, key: Ed25519PrivateKey) -> dict[str, Ed25519PublicKey]:
    """The current signing key's public half plus every rotated-out key, by key id."""
    keys = [key.public_key()]
    for value in filter(None, (v.strip() for v in settings.audit_verify_keys.split(","))):
        keys.append(Ed25519PublicKey.from_public_bytes(_decode(value, "OW_AUDIT_VERIFY_KEYS")))
    return {key_id(key): key for key in keys}
