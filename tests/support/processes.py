"""Start services as real OS processes, wait for them, and kill them the hard way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


class ServiceProcess:
    """One service process with its own environment, data folder, log and span files."""

    def __init__(self, command: list[str], env: dict[str, str], workdir: Path, name: str) -> None:
        self.command = command
        self.env = env
        self.workdir = workdir
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def python_module(cls, module_or_script: str, env: dict[str, str], workdir: Path,
                      name: str) -> ServiceProcess:
        if module_or_script.endswith(".py"):
            command = [sys.executable, module_or_script]
        else:
            command = [sys.executable, "-m", module_or_script]
        return cls(command, env, workdir, name)

    def start(self, extra_env: dict[str, str] | None = None) -> ServiceProcess:
        env = {**os.environ, **self.env, **(extra_env or {})}
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen(self.command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, cwd=self.workdir)
        log.close()
        return self

    def wait_for_log(self, text: str, timeout_s: float = 60.0) -> None:
        wait_until(lambda: text in self.log_text(), timeout_s,
                   f"{self.name} never logged {text!r}", on_timeout=self.log_tail)
        # Don't report readiness of a process that died right after.
        assert self.process is not None and self.process.poll() is None, self.log_tail()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_lines(self) -> list[dict[str, object]]:
        lines = []
        for line in self.log_text().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
        return lines

    def log_tail(self, lines: int = 40) -> str:
        return f"--- last lines of {self.log_path} ---\n" + "\n".join(self.log_text().splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL: no drain, no commit, no cleanup."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def terminate(self, timeout_s: float = 30.0) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout_s)

    def wait_exit(self, timeout_s: float = 60.0) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout_s)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def wait_until(condition: Callable[[], object], timeout_s: float, message: str,
               interval_s: float = 0.2, on_timeout: Callable[[], str] | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval_s)
    detail = on_timeout() if on_timeout else ""
    raise AssertionError(f"{message} (waited {timeout_s:.0f}s)\n{detail}")
