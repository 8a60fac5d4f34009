"""Local development accounts for the window's pages under `make run`: a clerk at the 110101
(东城区) counter and an ops engineer.

`.run/dev-accounts.json` holds their user names and passwords in clear for the developer;
`.run/gateway-users.json` is the accounts file the gateway reads (OW_GATEWAY_USERS_FILE), with
scrypt hashes only, written as `python -m onewindow_gateway.accounts` writes it. Kept across
runs; delete both for new passwords.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from onewindow_gateway.accounts import AccountBook, new_account

from .dev_tokens import DEV_CLERK_REGION

DEV_ACCOUNTS = {f"clerk.{DEV_CLERK_REGION}": ("clerk", DEV_CLERK_REGION), "ops": ("ops", "")}


def ensure_dev_accounts(run_dir: Path) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    clear_path, users_path = run_dir / "dev-accounts.json", run_dir / "gateway-users.json"
    passwords: dict[str, str] = json.loads(clear_path.read_text()) if clear_path.exists() else {}
    book = AccountBook(users_path)
    for name, (role, region) in DEV_ACCOUNTS.items():
        if name in book.accounts and name in passwords:
            continue
        passwords[name] = secrets.token_urlsafe(12)
        book.accounts.pop(name, None)
        book.add(new_account(name, role, passwords[name], region))
    book.save()
    clear_path.write_text(json.dumps(passwords, indent=2))
    clear_path.chmod(0o600)
    return users_path
