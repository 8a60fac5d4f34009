"""Secrets never in the repository: no private keys, no filled-in secret settings, no token in
clear in a tokens file. (Test keys made of one repeated byte in tests/ are test data, not secrets.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ASSIGNED_SECRET = re.compile(
    r"""(?i)\b[\w.-]*(secret|password|passwd|token|api_key|signing_key|pii_key)\b["']?\s*[:=]\s*["']?"""
    r"""(?P<value>[A-Za-z0-9+/=_\-]{16,})""")
ALLOWED_VALUES = re.compile(r"^(test-|change-me|dev-|example)|\$\{|^[A-Za-z_]+$")  # names, placeholders


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [REPO / line for line in listed.splitlines()
            if not line.startswith(("libs/contracts/", "tests/")) and (REPO / line).is_file()]


def test_no_private_keys_or_filled_in_secrets_are_committed() -> None:
    problems = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if "PRIVATE KEY-----" in text:
            problems.append(f"{path.relative_to(REPO)}: a private key")
        for match in ASSIGNED_SECRET.finditer(text):
            if not ALLOWED_VALUES.search(match.group("value")):
                problems.append(f"{path.relative_to(REPO)}: {match.group(0)[:60]}")
    assert not problems, problems


def test_local_key_and_token_files_are_ignored_by_git() -> None:
    for path in (".data/pii.key", ".data/audit-signing.key", ".run/dev-tokens.json", ".env"):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO).returncode == 0
        assert ignored, f"{path} would be committable"
