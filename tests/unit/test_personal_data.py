"""Sealing personal data across key rotations, and the citizen pseudonym's own key."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from onewindow_platform.personal_data import PersonalDataCipher, Pseudonyms


def _keys_with_the_same_first_id_byte() -> tuple[bytes, bytes]:
    seen: dict[int, bytes] = {}
    while True:
        key = os.urandom(32)
        first = hashlib.sha256(key).digest()[0]
        if first in seen:
            return seen[first], key
        seen[first] = key


def _legacy_seal(key: bytes, plaintext: bytes, context: bytes) -> bytes:
    """The layout of earlier releases: one byte naming the key, the nonce, the ciphertext."""
    nonce = os.urandom(12)
    return hashlib.sha256(key).digest()[:1] + nonce + AESGCM(key).encrypt(nonce, plaintext, context)


def test_values_sealed_before_a_rotation_open_after_it() -> None:
    old, new = os.urandom(32), os.urandom(32)
    sealed = PersonalDataCipher(old).seal(b"110105194912310021", b"A1")
    rotated = PersonalDataCipher(new, [old])
    assert rotated.open(sealed, b"A1") == b"110105194912310021"
    assert rotated.open(rotated.seal(b"x", b"A2"), b"A2") == b"x"
    with pytest.raises(ValueError, match="not configured"):
        PersonalDataCipher(new).open(sealed, b"A1")
    with pytest.raises(ValueError):
        rotated.open(sealed, b"another application")  # the context is authenticated too


def test_a_rotation_to_a_key_whose_id_byte_collides_still_opens_old_values() -> None:
    old, new = _keys_with_the_same_first_id_byte()
    legacy = _legacy_seal(old, b"13812345678", b"A1")
    current = PersonalDataCipher(old).seal(b"13812345678", b"A1")
    rotated = PersonalDataCipher(new, [old])
    assert rotated.open(legacy, b"A1") == b"13812345678"
    assert rotated.open(current, b"A1") == b"13812345678"
    assert rotated.open(rotated.seal(b"new", b"A3"), b"A3") == b"new"


def test_the_pseudonym_does_not_change_when_the_encryption_key_rotates(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pseudonym_key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("OW_PSEUDONYM_KEY", pseudonym_key)
    monkeypatch.setenv("OW_PII_KEY", base64.b64encode(os.urandom(32)).decode())
    before = Pseudonyms.from_environment(tmp_path).subject_id("11010519491231002x")
    monkeypatch.setenv("OW_PII_KEY", base64.b64encode(os.urandom(32)).decode())
    after = Pseudonyms.from_environment(tmp_path).subject_id(" 11010519491231002X ")
    assert before == after and len(before) == 32
    assert Pseudonyms(os.urandom(32)).subject_id("11010519491231002X") != before


def test_without_settings_development_keys_are_made_once_and_kept(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OW_PII_KEY", raising=False)
    monkeypatch.delenv("OW_PSEUDONYM_KEY", raising=False)
    sealed = PersonalDataCipher.from_environment(tmp_path).seal(b"x")
    assert PersonalDataCipher.from_environment(tmp_path).open(sealed) == b"x"
    first = Pseudonyms.from_environment(tmp_path).subject_id("11010519491231002X")
    assert Pseudonyms.from_environment(tmp_path).subject_id("11010519491231002X") == first
    assert (tmp_path / "pii.key").read_text() != (tmp_path / "pseudonym.key").read_text()
    assert (tmp_path / "pseudonym.key").stat().st_mode & 0o777 == 0o600
