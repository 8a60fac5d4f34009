"""What the browser tests and `make screenshots` need, installed from the machine's registries:
Debian's Chromium (never a browser downloaded by a test framework), a CJK font so that zh-CN
pages render as text rather than boxes, and axe-core from the npm registry (pinned in
tests/browser/package-lock.json, installed with `npm ci`).

    python -m onewindow_devtools.browser ensure    # prints the browser and axe-core paths
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .debian import SetupError, install_packages

BROWSER_TESTS = Path(__file__).resolve().parents[3] / "tests" / "browser"
AXE_SCRIPT = BROWSER_TESTS / "node_modules" / "axe-core" / "axe.min.js"
CJK_FONT_PACKAGE = "fonts-wqy-microhei"


def _has_cjk_font() -> bool:
    listing = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return listing.returncode == 0 and bool(listing.stdout.strip())


def ensure_chromium() -> Path:
    """Debian's chromium (installed when missing) with a font for Chinese text."""
    if not shutil.which("chromium"):
        install_packages("chromium")
    if not shutil.which("fc-list") or not _has_cjk_font():
        install_packages(CJK_FONT_PACKAGE, "fontconfig")
    found = shutil.which("chromium")
    if not found:
        raise SetupError("installed Debian's chromium but it is not on PATH")
    return Path(found)


def ensure_axe() -> Path:
    if not AXE_SCRIPT.exists():
        if not shutil.which("npm"):
            raise SetupError("npm is needed to install axe-core for the accessibility checks")
        result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=BROWSER_TESTS,
                                capture_output=True, text=True, check=False)
        if result.returncode != 0 or not AXE_SCRIPT.exists():
            raise SetupError(f"npm ci in {BROWSER_TESTS} failed: {result.stderr.strip() or result.stdout.strip()}")
    return AXE_SCRIPT


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args != ["ensure"]:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        print(ensure_chromium())
        print(ensure_axe())
    except SetupError as exc:
        print(f"browser setup: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
