"""People who sign in to the window's pages: clerks (scoped to a region, like their tokens) and
ops engineers, with passwords. Machines keep using bearer tokens (auth.py).

The accounts live in a JSON file (OW_GATEWAY_USERS_FILE), written only by the command line:

    python -m onewindow_gateway.accounts add wang.fang --role clerk --region 110101   # asks for a password
    python -m onewindow_gateway.accounts passwd wang.fang
    python -m onewindow_gateway.accounts disable wang.fang | enable wang.fang
    python -m onewindow_gateway.accounts list

Passwords are hashed with scrypt (memory-hard: 32 MiB and 2^15 rounds per guess; the standard
library's, no native dependency to build), each with its own salt; the parameters are stored
with the hash, so raising them later re-hashes at the next sign-in. `session_version` grows
with every password change or disabling: a session signed for an older version is void, on
every gateway at once, without a session store. The file holds no password and is written
atomically, readable by its owner only.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import json
import os
import re
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

SIGN_IN_ROLES = ("clerk", "ops")
MIN_PASSWORD_LENGTH = 10
SCRYPT_N_LOG2, SCRYPT_R, SCRYPT_P = 15, 8, 1  # 128 * r * 2^n bytes = 32 MiB per hash
_SCRYPT_MAXMEM = 64 * 1024 * 1024
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


class AccountError(ValueError):
    """Input an administrator has to correct; the message says what."""


# -- passwords (pure) ------------------------------------------------------------------------------

def _scrypt(password: str, salt: bytes, n_log2: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2 ** n_log2, r=r, p=p, dklen=32, maxmem=_SCRYPT_MAXMEM)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, n_log2: int = SCRYPT_N_LOG2) -> str:
    """`scrypt$<log2 n>$<r>$<p>$<salt>$<hash>`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    salt = os.urandom(16)
    digest = _scrypt(password, salt, n_log2, SCRYPT_R, SCRYPT_P)
    return f"scrypt${n_log2}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(stored: str, password: str) -> bool:
    """Whether `password` is the one `stored` was made from (False for anything malformed)."""
    try:
        scheme, n_log2, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(password, _unb64(salt), int(n_log2), int(r), int(p))
        return hmac.compare_digest(computed, _unb64(digest))
    except (ValueError, TypeError):
        return False


def needs_rehash(stored: str) -> bool:
    """The hash was made with weaker parameters than today's."""
    parts = stored.split("$")
    return len(parts) != 6 or parts[0] != "scrypt" or parts[1:4] != [str(SCRYPT_N_LOG2), str(SCRYPT_R), str(SCRYPT_P)]


# -- accounts ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    name: str
    role: str
    password_hash: str
    region_code: str = ""  # a clerk's region: the pages show and file only its cases
    disabled: bool = False
    session_version: int = 1


def new_account(name: str, role: str, password: str, region_code: str = "",
                known_regions: set[str] | frozenset[str] = frozenset()) -> Account:
    if not _NAME.fullmatch(name):
        raise AccountError(f"user name {name!r}: 2–64 of a–z, 0–9, '.', '_' or '-', starting with a letter or digit")
    if role not in SIGN_IN_ROLES:
        raise AccountError(f"role {role!r}: one of {', '.join(SIGN_IN_ROLES)} (machines use bearer tokens)")
    if role == "clerk":
        if not region_code:
            raise AccountError("a clerk needs --region (the region whose cases they file and see)")
        if known_regions and region_code not in known_regions:
            raise AccountError(f"region {region_code!r} is not in the catalogue")
    elif region_code:
        raise AccountError(f"a {role} has no region")
    return Account(name=name, role=role, password_hash=hash_password(password), region_code=region_code)


class AccountBook:
    """The accounts file: read whole, written whole (atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.accounts: dict[str, Account] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self.accounts = {a["name"]: Account(**a) for a in data.get("users", [])}
            except (OSError, ValueError, TypeError, KeyError) as exc:
                raise AccountError(f"OW_GATEWAY_USERS_FILE {path}: {exc}") from None

    def get(self, name: str) -> Account:
        try:
            return self.accounts[name]
        except KeyError:
            raise AccountError(f"no user {name!r}") from None

    def add(self, account: Account) -> None:
        if account.name in self.accounts:
            raise AccountError(f"user {account.name!r} exists (passwd changes the password)")
        self.accounts[account.name] = account

    def set_password(self, name: str, password: str) -> None:
        account = self.get(name)
        self.accounts[name] = replace(account, password_hash=hash_password(password),
                                      session_version=account.session_version + 1)

    def set_disabled(self, name: str, disabled: bool) -> None:
        account = self.get(name)
        self.accounts[name] = replace(account, disabled=disabled, session_version=account.session_version + 1)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"users": [asdict(a) for a in sorted(self.accounts.values(), key=lambda a: a.name)]},
                          ensure_ascii=False, indent=2) + "\n"
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:  # mkstemp: mode 0600
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


# -- the command line ----------------------------------------------------------------------------

def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def _users_file(explicit: str | None) -> Path:
    value = explicit or os.environ.get("OW_GATEWAY_USERS_FILE")
    if not value:
        raise AccountError("name the accounts file: --file or OW_GATEWAY_USERS_FILE")
    return Path(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onewindow_gateway.accounts",
                                     description="Accounts that sign in to the window's pages")
    parser.add_argument("--file", help="the accounts file (default: OW_GATEWAY_USERS_FILE)")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="a new clerk or ops account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=SIGN_IN_ROLES)
    add.add_argument("--region", default="", help="a clerk's region code (GB/T 2260)")
    for command in (add, commands.add_parser("passwd", help="set a new password (signs the user out everywhere)")):
        command.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    commands.choices["passwd"].add_argument("name")
    for name in ("disable", "enable"):
        commands.add_parser(name, help=f"{name} the account (signs the user out everywhere)").add_argument("name")
    commands.add_parser("list", help="the accounts, without their hashes")
    args = parser.parse_args(argv)
    try:
        book = AccountBook(_users_file(args.file))
        if args.command == "add":
            from onewindow_catalog import load_catalog

            regions = set(load_catalog(os.environ.get("OW_CATALOG_DIR") or None).regions)
            book.add(new_account(args.name, args.role, _read_password(args.password_stdin), args.region, regions))
        elif args.command == "passwd":
            book.get(args.name)  # before asking for a password
            book.set_password(args.name, _read_password(args.password_stdin))
        elif args.command in ("disable", "enable"):
            book.set_disabled(args.name, args.command == "disable")
        else:
            for account in sorted(book.accounts.values(), key=lambda a: a.name):
                state = "disabled" if account.disabled else "active"
                print(f"{account.name}\t{account.role}\t{account.region_code or '-'}\t{state}")
            return 0
        book.save()
        print(f"{args.command}: {args.name} — {book.path}")
        return 0
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
