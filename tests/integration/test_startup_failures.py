"""Bad configuration fails fast, with a message that says what to do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run_service(env: dict[str, str], tmp_path: Path, module: str = "onewindow_intake",
                 timeout_s: float = 60) -> tuple[int, str, float]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True,
                            env={**os.environ, "OW_DATA_DIR": str(tmp_path), **env}, timeout=timeout_s)
    return result.returncode, result.stderr, time.monotonic() - started


def test_unreachable_broker(tmp_path: Path) -> None:
    code, stderr, elapsed = _run_service(
        {"OW_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "OW_KAFKA_STARTUP_TIMEOUT_S": "3"}, tmp_path)
    assert code == 2
    assert "no Kafka broker answered at 127.0.0.1:1" in stderr
    assert "make kafka-up" in stderr and "OW_KAFKA_BOOTSTRAP_SERVERS" in stderr
    assert elapsed < 45


def test_invalid_setting_names_the_variable(tmp_path: Path) -> None:
    code, stderr, _ = _run_service({"OW_TOPIC_PARTITIONS": "zero"}, tmp_path)
    assert code == 2
    assert "OW_TOPIC_PARTITIONS" in stderr


def test_missing_crc32c_extension(tmp_path: Path) -> None:
    # Block the crc32c module the way a plain `pip install kafka-python` would leave it.
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['crc32c'] = None\n")
    code, stderr, _ = _run_service({"PYTHONPATH": str(blocker)}, tmp_path)
    assert code == 2
    assert "crc32c" in stderr and "pip install 'kafka-python[crc32c]'" in stderr


def _kafka_local(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "OW_KAFKA_BOOTSTRAP_SERVERS"}
    return subprocess.run([sys.executable, "-m", "onewindow_devtools.kafka_local", *args],
                          capture_output=True, text=True, cwd=REPO, env={**clean, **env}, timeout=60)


@pytest.mark.parametrize("missing", ["java", "mvn"])
def test_missing_java_or_maven(tmp_path: Path, missing: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("java", "mvn"):
        found = shutil.which(tool)
        if tool != missing and found:
            (bin_dir / tool).symlink_to(found)
    result = _kafka_local(["up"], {"PATH": str(bin_dir), "OW_KAFKA_HOME": str(tmp_path / "kafka"),
                                   "OW_KAFKA_PORT": "19092", "OW_KAFKA_CONTROLLER_PORT": "19093"})
    assert result.returncode == 2
    assert f"'{missing}' is not on PATH" in result.stderr
    assert "OW_KAFKA_BOOTSTRAP_SERVERS" in result.stderr


def test_port_taken_by_something_else(tmp_path: Path) -> None:
    import socket

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = _kafka_local(["up"], {"OW_KAFKA_HOME": str(tmp_path / "kafka"), "OW_KAFKA_PORT": str(port)})
    assert result.returncode == 2
    assert f"port {port} is taken" in result.stderr
