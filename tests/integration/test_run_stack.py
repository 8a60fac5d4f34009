"""`make run` brings up every service and the gateway on the real broker and stops them all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from onewindow_devtools.registry import OURS
from tests.support.processes import wait_until
from tests.support.stack import free_port

pytestmark = pytest.mark.kafka

SERVICES = [c.name for c in OURS]  # the gateway last


def test_run_starts_every_service_and_stops_them_on_ctrl_c(kafka_bootstrap: str, tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "run.out"
    env = {**os.environ, "OW_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "OW_GATEWAY_PORT": str(port),
           "OW_DATA_DIR": str(tmp_path / "data"), "OW_TOPIC_PREFIX": f"run{port}.",
           "OW_INTAKE_GRPC_ADDRESS": f"127.0.0.1:{free_port()}", "OW_ADAPTER_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
           "OW_SIMULATOR_PORT": str(free_port()), "OW_SIMULATOR_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
           "OW_NOTIFICATION_GRPC_ADDRESS": f"127.0.0.1:{free_port()}", "OW_SMTP_PORT": str(free_port()),
           "OW_SMS_GATEWAY_PORT": str(free_port()), "OW_AUDIT_GRPC_ADDRESS": f"127.0.0.1:{free_port()}",
           "OW_SUPERVISION_GRPC_ADDRESS": f"127.0.0.1:{free_port()}"}
    with open(out, "wb") as sink:
        run = subprocess.Popen([sys.executable, "-m", "onewindow_devtools.run_stack"], cwd=tmp_path, env=env,
                               stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: "gateway listening at" in out.read_text(), 90, "the gateway never came up",
                   on_timeout=out.read_text)
        logs = tmp_path / ".run" / "logs"
        wait_until(lambda: all('"msg": "service started"' in (logs / f"{name}.log").read_text()
                               for name in SERVICES[:-1] if (logs / f"{name}.log").exists())
                   and all((logs / f"{name}.log").exists() for name in SERVICES), 90,
                   "not every service started", on_timeout=out.read_text)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as response:
            assert json.load(response) == {"status": "ready", "kafka": "ok", "intake": "ok",
                                           "department_adapter": "ok"}
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C: the whole process group gets it
        assert run.wait(timeout=60) == 0
    finally:
        if run.poll() is None:
            run.kill()
    text = out.read_text()
    assert "stopping services" in text
    assert "did not stop" not in text, text  # every child stopped on its own, none was killed
    tokens = json.loads((tmp_path / ".run" / "dev-tokens.json").read_text())
    assert {"clerk", "ops", "citizen", "agencies"} <= set(tokens) and "110101.tax" in tokens["agencies"]
    assert tokens["clerk"] in text  # printed for the developer
    for name in SERVICES[:-1]:
        assert '"msg": "service stopped"' in (tmp_path / ".run" / "logs" / f"{name}.log").read_text(), name
