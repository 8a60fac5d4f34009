"""Accounts for the window's pages: scrypt password hashes, clerks bound to a real region, the
file the command line writes, and sessions voided by a password change or a disabling."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest

from onewindow_gateway.accounts import (
    AccountBook,
    AccountError,
    hash_password,
    main,
    needs_rehash,
    new_account,
    verify_password,
)

PASSWORD = "窗口-counter-3-密码"


def test_a_password_verifies_only_against_its_own_salted_scrypt_hash() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second  # a salt of its own
    assert first.startswith("scrypt$15$8$1$") and PASSWORD not in first
    assert verify_password(first, PASSWORD) and verify_password(second, PASSWORD)
    assert not verify_password(first, PASSWORD + "x")
    scheme, n, r, p, salt, digest = first.split("$")
    tampered = "$".join([scheme, n, r, p, salt, digest[:-2] + ("AA" if digest[-2:] != "AA" else "BB")])
    assert not verify_password(tampered, PASSWORD)
    assert not verify_password("sha256$abc", PASSWORD) and not verify_password("", PASSWORD)


def test_weaker_hashes_are_marked_for_rehashing_and_short_passwords_refused() -> None:
    assert needs_rehash(hash_password(PASSWORD, n_log2=10)) and not needs_rehash(hash_password(PASSWORD))
    with pytest.raises(AccountError, match="at least 10 characters"):
        hash_password("short")


def test_a_clerk_needs_a_region_of_the_catalogue_and_ops_has_none() -> None:
    regions = {"110101", "110102"}
    assert new_account("wang.fang", "clerk", PASSWORD, "110101", regions).region_code == "110101"
    for name, role, region, problem in (("wang.fang", "clerk", "", "needs --region"),
                                        ("wang.fang", "clerk", "999999", "not in the catalogue"),
                                        ("li.ops", "ops", "110101", "has no region"),
                                        ("li.ops", "agency", "", "bearer tokens"),
                                        ("Wang Fang", "clerk", "110101", "user name")):
        with pytest.raises(AccountError, match=problem):
            new_account(name, role, PASSWORD, region, regions)


def test_a_password_change_or_a_disabling_voids_the_sessions_signed_before(tmp_path: Path) -> None:
    book = AccountBook(tmp_path / "users.json")
    book.add(new_account("wang.fang", "clerk", PASSWORD, "110101"))
    with pytest.raises(AccountError, match="exists"):
        book.add(new_account("wang.fang", "clerk", PASSWORD, "110101"))
    before = book.get("wang.fang")
    book.set_password("wang.fang", PASSWORD + "-new")
    changed = book.get("wang.fang")
    assert changed.session_version == before.session_version + 1
    assert verify_password(changed.password_hash, PASSWORD + "-new") and not verify_password(
        changed.password_hash, PASSWORD)
    book.set_disabled("wang.fang", True)
    assert book.get("wang.fang").disabled and book.get("wang.fang").session_version == before.session_version + 2
    book.save()
    again = AccountBook(tmp_path / "users.json")
    assert again.accounts == book.accounts
    assert stat.S_IMODE((tmp_path / "users.json").stat().st_mode) == 0o600  # its owner's only


def test_the_command_line_adds_changes_disables_and_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    users = tmp_path / "users.json"
    monkeypatch.setenv("OW_GATEWAY_USERS_FILE", str(users))

    def run(*argv: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return main(list(argv))

    assert run("add", "wang.fang", "--role", "clerk", "--region", "110101", "--password-stdin", stdin=PASSWORD) == 0
    assert run("add", "li.ops", "--role", "ops", "--password-stdin", stdin=PASSWORD) == 0
    assert run("add", "zhao.lei", "--role", "clerk", "--region", "000000", "--password-stdin", stdin=PASSWORD) == 2
    assert "not in the catalogue" in capsys.readouterr().err
    assert run("passwd", "nobody", "--password-stdin", stdin=PASSWORD) == 2
    assert run("passwd", "wang.fang", "--password-stdin", stdin=PASSWORD + "-2") == 0
    assert run("disable", "li.ops") == 0
    capsys.readouterr()
    assert run("list") == 0
    assert capsys.readouterr().out.splitlines() == ["li.ops\tops\t-\tdisabled", "wang.fang\tclerk\t110101\tactive"]
    stored = json.loads(users.read_text(encoding="utf-8"))["users"]
    assert PASSWORD not in users.read_text(encoding="utf-8")
    assert [(u["name"], u["session_version"]) for u in stored] == [("li.ops", 2), ("wang.fang", 2)]
    assert verify_password(stored[1]["password_hash"], PASSWORD + "-2")
