"""Entry point: `python -m onewindow_department_adapter`."""

from __future__ import annotations

from onewindow_platform.runtime import run_service

from .handlers import HANDLERS
from .settings import settings_from_env


def main() -> int:
    return run_service(settings_from_env, handlers=HANDLERS)


if __name__ == "__main__":
    raise SystemExit(main())
