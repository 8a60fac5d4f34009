"""Run a real PostgreSQL server from Debian's packages for tests and `make run`, without Docker.

    python -m onewindow_devtools.pg_local up|down|status|url

Installs Debian's `postgresql` package when no server binaries are found (as root, with
apt-get), creates a cluster once (trust authentication, loopback only), and starts it on
127.0.0.1:$OW_PG_PORT (55432). PostgreSQL refuses to run as root, so as root the cluster belongs
to the `postgres` user and lives under /var/tmp. When OW_TEST_POSTGRES_URL is set, that server is
used and nothing is started.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .debian import SetupError, install_packages
from .local_cli import main_for


def server_bin_dir() -> Path:
    """The newest installed server's bin folder, installing Debian's package when there is none."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        install_packages("postgresql")
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise SetupError("installed Debian's postgresql package but found no pg_ctl")
    return Path(found[-1]).parent


@dataclass(frozen=True)
class LocalPostgres:
    root: Path
    port: int

    @classmethod
    def from_env(cls) -> LocalPostgres:
        port = int(os.environ.get("OW_PG_PORT", "55432"))
        default = Path(f"/var/tmp/onewindow-pg-{port}") if os.geteuid() == 0 else Path.cwd() / ".pg"
        return cls(Path(os.environ.get("OW_PG_DIR", str(default))), port)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(server_bin_dir() / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise SetupError(f"{args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result

    def running(self) -> bool:
        return self.data.exists() and self._run(["pg_ctl", "-D", str(self.data), "status"], check=False).returncode == 0

    def up(self) -> bool:
        """Start the server unless it runs. Returns True when this call started it."""
        if self.running():
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run(["initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                       "--locale=C.UTF-8"])
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run(["pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w",
                   "-t", "60", "start"])
        self.wait()
        return True

    def wait(self, timeout_s: float = 30) -> None:
        import psycopg

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=3):
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise SetupError(f"PostgreSQL on port {self.port} does not answer: {exc}") from None
                time.sleep(0.3)

    def down(self) -> None:
        if self.running():
            self._run(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def create_database(self, name: str) -> str:
        """A fresh database (tests get one each); returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def main(argv: list[str] | None = None) -> int:
    server = LocalPostgres.from_env()
    return main_for("pg_local", "PostgreSQL", server, server.url(), argv)


if __name__ == "__main__":
    raise SystemExit(main())
