"""Container healthcheck: `python -m onewindow_platform.healthcheck` exits 0 while the service's
main loop has touched its liveness file within OW_HEALTH_MAX_AGE_S seconds (default 30)."""

from __future__ import annotations

import os
import sys
import time

from .config import PlatformSettings, load_settings
from .runtime import heartbeat_path


def main() -> int:
    settings = load_settings(PlatformSettings)
    path = heartbeat_path(settings)
    max_age = float(os.environ.get("OW_HEALTH_MAX_AGE_S", "30"))
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        print(f"unhealthy: {path} does not exist yet", file=sys.stderr)
        return 1
    if age > max_age:
        print(f"unhealthy: main loop last seen {age:.0f}s ago", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
