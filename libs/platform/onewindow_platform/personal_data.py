"""Encryption of personal data at rest and in events, and pseudonymous subject ids.

One 256-bit key (OW_PII_KEY, base64) seals ID numbers and contact details with AES-GCM. Key
rotation: set OW_PII_KEY to the new key and OW_PII_OLD_KEYS to the previous ones (comma-separated);
data sealed with an old key still opens, new data is sealed with the new key. A sealed value
starts with four bytes naming its key (values sealed before this layout start with one such
byte and still open); when names collide, AES-GCM's tag tells which key sealed it.

The citizen's pseudonym (`subject_id`) has its own key (OW_PSEUDONYM_KEY) that never rotates
with the encryption key, so a citizen's earlier cases keep matching their token. Upgrading from a
release that keyed the pseudonym with OW_PII_KEY: set OW_PSEUDONYM_KEY to that OW_PII_KEY value.

Without a key setting a development key is created once in `<data_dir>/pii.key` or
`<data_dir>/pseudonym.key` (mode 0600) and a warning is logged; production must set both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .config import ConfigurationError
from .dev_keys import development_key_text

NONCE_BYTES = 12
KEY_ID_BYTES = 4
LEGACY_KEY_ID_BYTES = 1


def _decode_key(value: str, name: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except ValueError:
        raise ConfigurationError(f"{name} must be base64 (generate one: python -c "
                                 "\"import os,base64;print(base64.b64encode(os.urandom(32)).decode())\")") from None
    if len(key) != 32:
        raise ConfigurationError(f"{name} must decode to 32 bytes, not {len(key)}")
    return key


def key_from_environment(setting: str, data_dir: Path, file_name: str) -> bytes:
    """A 32-byte key from `setting` (base64), else the development key in `data_dir`/`file_name`."""
    value = os.environ.get(setting)
    if value:
        return _decode_key(value, setting)
    path = data_dir / file_name
    return _decode_key(development_key_text(path, setting), str(path))


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:KEY_ID_BYTES]


class PersonalDataCipher:
    def __init__(self, key: bytes, old_keys: list[bytes] | None = None) -> None:
        self._keys = [key, *(old_keys or [])]
        self._ids = [key_id(k) for k in self._keys]

    @classmethod
    def from_environment(cls, data_dir: Path) -> PersonalDataCipher:
        old = [_decode_key(v, "OW_PII_OLD_KEYS") for v in os.environ.get("OW_PII_OLD_KEYS", "").split(",") if v]
        return cls(key_from_environment("OW_PII_KEY", data_dir, "pii.key"), old)

    def seal(self, plaintext: bytes, context: bytes = b"") -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return self._ids[0] + nonce + AESGCM(self._keys[0]).encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, context: bytes = b"") -> bytes:
        # Every configured key whose name matches, in either layout; the tag rejects the wrong ones.
        for id_bytes in (KEY_ID_BYTES, LEGACY_KEY_ID_BYTES):
            named, rest = sealed[:id_bytes], sealed[id_bytes:]
            nonce, body = rest[:NONCE_BYTES], rest[NONCE_BYTES:]
            for key, kid in zip(self._keys, self._ids, strict=True):
                if kid[:id_bytes] == named:
                    try:
                        return AESGCM(key).decrypt(nonce, body, context)
                    except InvalidTag:
                        continue
        raise ValueError("sealed with a key that is not configured (OW_PII_KEY / OW_PII_OLD_KEYS), or damaged")


class Pseudonyms:
    """Stable pseudonyms of citizens: a keyed hash of the ID number under a key of its own."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def from_environment(cls, data_dir: Path) -> Pseudonyms:
        return cls(key_from_environment("OW_PSEUDONYM_KEY", data_dir, "pseudonym.key"))

    def subject_id(self, id_number: str) -> str:
        digest = hmac.new(self._key, b"subject:" + id_number.strip().upper().encode(), hashlib.sha256)
        return digest.hexdigest()[:32]
