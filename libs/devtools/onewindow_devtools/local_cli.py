"""The command line of a server the project runs on this machine (PostgreSQL, Mosquitto):
`up`, `down`, `status` and `url`, one way for each of them."""

from __future__ import annotations

import argparse
import sys
from typing import Protocol

from .debian import SetupError


class LocalServer(Protocol):
    def up(self) -> bool: ...

    def down(self) -> None: ...

    def running(self) -> bool: ...

    def url(self) -> str: ...


def main_for(prog: str, what: str, server: LocalServer, where: str, argv: list[str] | None) -> int:
    """`where` is what `up` prints (never a password: `url` prints the whole URL on demand)."""
    parser = argparse.ArgumentParser(prog=f"python -m onewindow_devtools.{prog}")
    parser.add_argument("command", choices=["up", "down", "status", "url"])
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            started = server.up()
            print(f"{what} {'started' if started else 'already running'} at {where}")
        elif args.command == "down":
            server.down()
            print(f"{what} stopped")
        elif args.command == "status":
            print("running" if server.running() else "stopped")
            return 0 if server.running() else 1
        else:
            print(server.url())
    except SetupError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    return 0
