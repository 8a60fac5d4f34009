"""Run a real MQTT broker — Debian's Mosquitto — for tests and `make run`, without Docker.

    python -m onewindow_devtools.mqtt_local up|down|status|url

Installs Debian's `mosquitto` package when the broker is missing (as root, with apt-get), writes
its configuration once and starts it in the background on 127.0.0.1:$OW_MQTT_PORT (11883), with
persistence on (a persistent session's queued QoS 1 messages survive a broker restart) and a
password file: the sensor gateway and the meters' simulator sign in as `onewindow` with a
password made at random the first time (kept in the folder, mode 0600; `url` prints the whole
URL), anonymous clients are refused. Its folder is $OW_MQTT_DIR (.mqtt). When OW_MQTT_URL is
set, that broker is used and nothing is started.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .debian import SetupError, install_packages
from .local_cli import main_for

LOCAL_USER = "onewindow"


def broker_binary() -> Path:
    found = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None)
    if not found:
        install_packages("mosquitto")
        found = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(found).exists():
            raise SetupError("installed Debian's mosquitto package but found no mosquitto binary")
    return Path(found)


@dataclass(frozen=True)
class LocalMqtt:
    root: Path
    port: int

    @classmethod
    def from_env(cls) -> LocalMqtt:
        port = int(os.environ.get("OW_MQTT_PORT", "11883"))
        return cls(Path(os.environ.get("OW_MQTT_DIR", str(Path.cwd() / ".mqtt"))).resolve(), port)

    def sibling(self, root: Path, port: int) -> LocalMqtt:
        """Another broker of the same kind (the fault suite's own, which it may kill)."""
        return LocalMqtt(root, port)

    def url(self) -> str:
        return f"mqtt://{LOCAL_USER}:{self.password()}@127.0.0.1:{self.port}"

    def password(self) -> str:
        """The local broker's password, made once (a loopback-only development broker)."""
        kept = self.root / "password"
        if not kept.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            kept.write_text(secrets.token_urlsafe(18), encoding="utf-8")
            kept.chmod(0o600)
        return kept.read_text(encoding="utf-8").strip()

    @property
    def pid_file(self) -> Path:
        return self.root / "mosquitto.pid"

    def _pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def answers(self) -> bool:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def running(self) -> bool:
        return self._pid() is not None and self.answers()

    def _configure(self, binary: Path) -> Path:
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        passwords = self.root / "passwords"
        if not passwords.exists():
            tool = binary.parent.parent / "bin" / "mosquitto_passwd"
            tool = tool if tool.exists() else Path(shutil.which("mosquitto_passwd") or "mosquitto_passwd")
            result = subprocess.run([str(tool), "-b", "-c", str(passwords), LOCAL_USER, self.password()],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                raise SetupError(f"mosquitto_passwd failed: {result.stderr.strip() or result.stdout.strip()}")
            passwords.chmod(0o600)
        config = self.root / "mosquitto.conf"
        config.write_text("\n".join([
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous false",
            f"password_file {passwords}",
            "persistence true",
            f"persistence_location {self.root / 'data'}/",
            "autosave_interval 1",          # queued messages reach the disk within a second
            "max_queued_messages 1000000",  # a persistent session may wait out a long restart
            "max_inflight_messages 1000",  # unacknowledged QoS 1 deliveries per client: room for a batch
            f"pid_file {self.pid_file}",
            f"log_dest file {self.root / 'broker.log'}",
            # As root, Mosquitto would drop to the `mosquitto` user, who cannot write this folder.
            *(["user root"] if os.geteuid() == 0 else []),
            "",
        ]), encoding="utf-8")
        return config

    def up(self) -> bool:
        """Start the broker unless it runs. Returns True when this call started it."""
        if self.running():
            return False
        binary = broker_binary()
        config = self._configure(binary)
        result = subprocess.run([str(binary), "-c", str(config), "-d"], capture_output=True, text=True)
        if result.returncode != 0:
            raise SetupError(f"mosquitto did not start: {result.stderr.strip() or result.stdout.strip()}")
        deadline = time.monotonic() + 15
        while not self.running():
            if time.monotonic() > deadline:
                log = self.root / "broker.log"
                raise SetupError(f"mosquitto on port {self.port} does not answer; "
                                 f"{log.read_text()[-500:] if log.exists() else 'no log'}")
            time.sleep(0.1)
        return True

    def down(self) -> None:
        """SIGTERM: Mosquitto saves its persistent sessions and queued messages, then exits."""
        pid = self._pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        self._wait_gone(pid)

    def kill(self) -> None:
        """SIGKILL (the fault suite): what was saved survives, the rest is the broker's loss to own."""
        pid = self._pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            self._wait_gone(pid)

    def _wait_gone(self, pid: int) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                return
            time.sleep(0.1)
        raise SetupError(f"mosquitto (pid {pid}) did not stop")


def main(argv: list[str] | None = None) -> int:
    broker = LocalMqtt.from_env()
    return main_for("mqtt_local", "mosquitto", broker, f"127.0.0.1:{broker.port}", argv)


if __name__ == "__main__":
    raise SystemExit(main())
