"""Encryption of personal data at rest and in events, and pseudonymous subject ids.

One 256-bit key (OW_PII_KEY, base64) seals ID numbers and contact details with AES-GCM. Without
OW_PII_KEY a development key is created once in `<data_dir>/pii.key` (mode 0600) and a warning
is logged; production deployments must set the key. Key rotation: set OW_PII_KEY to the new key
and OW_PII_OLD_KEYS to the previous ones (comma-separated); data sealed with an old key still
opens, new data is sealed with the new key (the first byte of a sealed value names the key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .config import ConfigurationError
from .dev_keys import development_key_text

NONCE_BYTES = 12


def _decode_key(value: str, name: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except ValueError:
        raise ConfigurationError(f"{name} must be base64 (generate one: python -c "
                                 "\"import os,base64;print(base64.b64encode(os.urandom(32)).decode())\")") from None
    if len(key) != 32:
        raise ConfigurationError(f"{name} must decode to 32 bytes, not {len(key)}")
    return key


class PersonalDataCipher:
    def __init__(self, key: bytes, old_keys: list[bytes] | None = None) -> None:
        self._keys = [key, *(old_keys or [])]
        self._key_ids = [hashlib.sha256(k).digest()[0] for k in self._keys]

    @classmethod
    def from_environment(cls, data_dir: Path) -> PersonalDataCipher:
        value = os.environ.get("OW_PII_KEY")
        if value:
            old = [_decode_key(v, "OW_PII_OLD_KEYS") for v in os.environ.get("OW_PII_OLD_KEYS", "").split(",") if v]
            return cls(_decode_key(value, "OW_PII_KEY"), old)
        path = data_dir / "pii.key"
        return cls(_decode_key(development_key_text(path, "OW_PII_KEY"), str(path)))

    def seal(self, plaintext: bytes, context: bytes = b"") -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return bytes([self._key_ids[0]]) + nonce + AESGCM(self._keys[0]).encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, context: bytes = b"") -> bytes:
        key_id, nonce, body = sealed[0], sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:]
        for key, kid in zip(self._keys, self._key_ids, strict=True):
            if kid == key_id:
                return AESGCM(key).decrypt(nonce, body, context)
        raise ValueError("sealed with a key that is not configured (OW_PII_KEY / OW_PII_OLD_KEYS)")

    def subject_id(self, id_number: str) -> str:
        """A stable pseudonym of a citizen: keyed hash of the ID number (current key)."""
        digest = hmac.new(self._keys[0], b"subject:" + id_number.strip().upper().encode(), hashlib.sha256)
        return digest.hexdigest()[:32]
