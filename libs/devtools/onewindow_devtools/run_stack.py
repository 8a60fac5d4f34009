"""`make run`: the broker, every service and the gateway as local processes.

Each service runs as its own process (`python -m onewindow_<service>`) with its state in
`.data/` and its log in `.run/logs/<service>.log`; their lines are echoed here with the
service's name in front. Ctrl-C (or SIGTERM) stops them all cleanly, then the broker if this
command started it. If one service dies, everything is stopped and the exit code says so —
unless OW_RUN_RESTART=1, when the dead service is restarted (as an orchestrator would).

OW_RUN_INSTANCES=N runs N processes of each of our services and of the gateway (the test doubles
stay one): one consumer group per service, a gRPC port per instance (the first keeps the
configured one, the others get free ports), the gateways on one port (SO_REUSEPORT) calling every
instance round robin. Their logs are `<service>.log`, `<service>-2.log`, … Meant for
OW_DATABASE_URL (PostgreSQL); on SQLite the instances share each service's file.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from onewindow_platform.kafka import BrokerUnavailable, wait_for_broker

from .dev_accounts import ensure_dev_accounts
from .dev_tokens import DEV_CITIZEN_ID_NUMBER, DEV_CLERK_REGION, ensure_dev_tokens
from .kafka_local import LocalBroker, SetupError
from .registry import COMPONENTS, OURS


@dataclass
class Child:
    name: str
    module: str
    instance: int = 1
    grpc_address: str = ""  # where this instance's gRPC API listens ("" : it has none)
    process: subprocess.Popen[bytes] | None = None
    pump: threading.Thread | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """The service's name, with the instance number from the second instance on."""
        return self.name if self.instance == 1 else f"{self.name}-{self.instance}"


def free_local_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def instances_wanted() -> int:
    raw = os.environ.get("OW_RUN_INSTANCES", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"run: OW_RUN_INSTANCES must be a whole number >= 1, not {raw!r}")
    return int(raw)


def _pump(name: str, stream: IO[bytes], log_path: Path, echo: bool) -> None:
    width = max(len(c.name) for c in COMPONENTS) + 2
    with open(log_path, "ab") as log:
        for line in iter(stream.readline, b""):
            log.write(line)
            log.flush()
            if echo:
                sys.stdout.write(f"{name:<{width}} | {line.decode(errors='replace')}")
                sys.stdout.flush()


class Stack:
    def __init__(self, root: Path, bootstrap: str, echo: bool = True) -> None:
        self.root = root
        self.bootstrap = bootstrap
        self.echo = echo
        self.instances = instances_wanted()
        self.children = []
        for component in COMPONENTS:
            copies = self.instances if component.ours else 1
            for instance in range(1, copies + 1):
                address = ""
                if component.grpc_env:
                    address = os.environ.get(component.grpc_env, component.grpc_default)
                    if instance > 1:
                        address = f"127.0.0.1:{free_local_port()}"
                self.children.append(Child(component.name, component.module, instance, address))
        self.stop_requested = threading.Event()
        self.logs = root / ".run" / "logs"
        self.data_dir = Path(os.environ.get("OW_DATA_DIR", str(root / ".data")))
        self.tokens_file = Path(os.environ["OW_GATEWAY_TOKENS_FILE"]) if os.environ.get("OW_GATEWAY_TOKENS_FILE") \
            else ensure_dev_tokens(root / ".run", self.data_dir)
        self.users_file = Path(os.environ["OW_GATEWAY_USERS_FILE"]) if os.environ.get("OW_GATEWAY_USERS_FILE") \
            else ensure_dev_accounts(root / ".run")
        # One webhook secret per run, shared by the adapter and the simulated agencies only.
        self.webhook_secret = os.environ.get("OW_AGENCY_WEBHOOK_SECRET") or secrets.token_urlsafe(24)
        self.sms_api_key = os.environ.get("OW_SMS_API_KEY") or secrets.token_urlsafe(18)
        self.sms_receipt_token = os.environ.get("OW_SMS_RECEIPT_TOKEN") or secrets.token_urlsafe(18)
        skipped = {name.strip() for name in os.environ.get("OW_RUN_WITHOUT", "").split(",") if name.strip()}
        self.children = [child for child in self.children if child.name not in skipped]

    def tracing_env(self, child: Child) -> dict[str, str]:
        """Every service exports its spans over OTLP to the audit service's span store (instance i
        to audit instance i), unless an endpoint (Jaeger, a collector) is configured or the audit
        service is not run."""
        audits = [c for c in self.children if c.name == "ow-audit"]
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or not audits:
            return {}
        audit = audits[(child.instance - 1) % len(audits)].grpc_address
        return {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{audit}",
                "OTEL_BSP_SCHEDULE_DELAY": os.environ.get("OTEL_BSP_SCHEDULE_DELAY", "500")}

    def instance_env(self, child: Child) -> dict[str, str]:
        """Where this instance listens; the gateways get every instance's address of each service."""
        env: dict[str, str] = {}
        if self.instances > 1 and child.name in {c.name for c in OURS}:
            env["OW_INSTANCE_ID"] = str(child.instance)
        if child.grpc_address:
            component = next(c for c in COMPONENTS if c.name == child.name)
            env[component.grpc_env] = child.grpc_address
        if child.name == "ow-gateway":
            for component in COMPONENTS:
                addresses = [c.grpc_address for c in self.children if c.name == component.name and c.grpc_address]
                if component.grpc_env and addresses:
                    env[component.grpc_env] = ",".join(addresses)
            if self.instances > 1:
                env["OW_GATEWAY_REUSE_PORT"] = "1"
                env["OW_GATEWAY_PROCESSES"] = str(self.instances)
        return env

    def env_for(self, child: Child) -> dict[str, str]:
        return {**self.shared_env(child), **self.instance_env(child), **self.child_overrides().get(child.name, {})}

    @staticmethod
    def child_overrides() -> dict[str, dict[str, str]]:
        """OW_RUN_CHILD_ENV='{"ow-audit": {"OW_DATABASE_PATH": "/elsewhere/audit.db"}}': settings for one
        child only (e.g. to put one service's database on a different disk)."""
        raw = os.environ.get("OW_RUN_CHILD_ENV", "")
        if not raw:
            return {}
        try:
            data = json.loads(raw)
            return {str(name): {str(k): str(v) for k, v in env.items()} for name, env in data.items()}
        except (ValueError, AttributeError) as exc:
            raise SystemExit(f"run: OW_RUN_CHILD_ENV is not a JSON object of objects: {exc}") from None

    def shared_env(self, child: Child) -> dict[str, str]:
        return {
            **os.environ,
            **self.tracing_env(child),
            "OW_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "OTEL_SERVICE_NAME": child.name,
            "OW_DATA_DIR": str(self.data_dir),
            "OW_GATEWAY_TOKENS_FILE": str(self.tokens_file),
            "OW_GATEWAY_USERS_FILE": str(self.users_file),
            "OW_AGENCY_WEBHOOK_SECRET": self.webhook_secret,
            "OW_SIMULATOR_TOKENS_FILE": os.environ.get("OW_SIMULATOR_TOKENS_FILE",
                                                       str(self.root / ".run" / "dev-tokens.json")),
            "OW_SIMULATOR_DB": str(self.data_dir / "agency-simulator.db"),
            "OW_SIMULATOR_GATEWAY_URL": self.gateway_url(),
            "OW_SIMULATOR_URL": f"http://127.0.0.1:{os.environ.get('OW_SIMULATOR_PORT', '8090')}",
            "OW_SMTP_MAILDIR": os.environ.get("OW_SMTP_MAILDIR", str(self.root / ".run" / "mail")),
            "OW_SMS_API_KEY": self.sms_api_key,
            "OW_SMS_RECEIPT_TOKEN": self.sms_receipt_token,
            "OW_SMS_RECEIPT_URL": f"{self.gateway_url()}/api/v1/providers/sms/receipts",
            "OW_SMS_GATEWAY_URL": f"http://127.0.0.1:{os.environ.get('OW_SMS_GATEWAY_PORT', '8095')}",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(
            [sys.executable, "-m", child.module], env=self.env_for(child), cwd=self.root,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        assert child.process.stdout is not None
        child.pump = threading.Thread(
            target=_pump, args=(child.label, child.process.stdout, self.logs / f"{child.label}.log", self.echo),
            daemon=True,
        )
        child.pump.start()

    def gateway_url(self) -> str:
        host = os.environ.get("OW_GATEWAY_HOST", "127.0.0.1")
        port = os.environ.get("OW_GATEWAY_PORT", "8080")
        return f"http://{host}:{port}"

    def wait_for_gateway(self, timeout_s: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not self.stop_requested.is_set():
            if self.first_dead() is not None:
                return False
            try:
                with urllib.request.urlopen(self.gateway_url() + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return True
            except OSError:
                time.sleep(0.3)
        return False

    def restart(self, child: Child) -> None:
        assert child.process is not None
        print(f"run: {child.label} exited with code {child.process.returncode}; restarting it", flush=True)
        if child.pump is not None:
            child.pump.join(timeout=5)
        self._spawn(child)

    def first_dead(self) -> Child | None:
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

    def stop(self, timeout_s: float = 30.0) -> None:
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"run: {child.label} did not stop within {timeout_s:.0f}s; killing it", flush=True)
                child.process.kill()
                child.process.wait()
            if child.pump is not None:
                child.pump.join(timeout=5)


def main() -> int:
    root = Path.cwd()
    external = os.environ.get("OW_KAFKA_BOOTSTRAP_SERVERS")
    broker: LocalBroker | None = None
    started_broker = False
    try:
        if external:
            wait_for_broker(external, timeout_s=30)
            bootstrap = external
        else:
            broker = LocalBroker.from_env()
            started_broker = broker.up()
            bootstrap = broker.bootstrap
    except (SetupError, BrokerUnavailable) as exc:
        print(f"run: error: {exc}", file=sys.stderr)
        return 2
    print(f"run: Kafka at {bootstrap}", flush=True)

    stack = Stack(root, bootstrap, echo=os.environ.get("OW_RUN_QUIET") != "1")

    def request_stop(_signum: int, _frame: object) -> None:
        # No lock in a signal handler (the main thread may hold the event's): a thread sets it.
        if not stack.stop_requested.is_set():
            threading.Thread(target=stack.stop_requested.set, name="stop-signal", daemon=True).start()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    exit_code = 0
    try:
        stack.start()
        if stack.wait_for_gateway():
            print(f"run: gateway listening at {stack.gateway_url()} (OpenAPI: {stack.gateway_url()}/docs)",
                  flush=True)
            print(f"run: services: {', '.join(c.label for c in stack.children)}; logs in {stack.logs}",
                  flush=True)
            _print_tokens(root / ".run" / "dev-tokens.json")
            _print_accounts(root / ".run" / "dev-accounts.json", stack.gateway_url())
            print("run: press Ctrl-C to stop everything", flush=True)
        while not stack.stop_requested.wait(0.5):
            dead = stack.first_dead()
            if dead is not None and os.environ.get("OW_RUN_RESTART") == "1":
                stack.restart(dead)
            elif dead is not None:
                assert dead.process is not None
                print(f"run: {dead.label} exited with code {dead.process.returncode}; stopping everything "
                      f"(see {stack.logs / (dead.label + '.log')})", file=sys.stderr, flush=True)
                exit_code = 1
                break
    finally:
        print("run: stopping services …", flush=True)
        stack.stop()
        if started_broker and broker is not None:
            broker.down()
            print("run: Kafka stopped", flush=True)
    return exit_code


def _print_tokens(path: Path) -> None:
    if not path.exists():
        return
    import json

    tokens = json.loads(path.read_text())
    print(f"run: development tokens (also in {path}):", flush=True)
    print(f"run:   clerk   ({DEV_CLERK_REGION} window)  {tokens['clerk']}", flush=True)
    print(f"run:   ops                         {tokens['ops']}", flush=True)
    print(f"run:   citizen ({DEV_CITIZEN_ID_NUMBER[:6]}… sample ID)  {tokens['citizen']}", flush=True)
    others = sorted(set(tokens.get("clerks", {})) - {DEV_CLERK_REGION})
    print(f"run:   clerks at the other windows ({', '.join(others)}): \"clerks\" in the file", flush=True)
    print(f"run:   agencies: {len(tokens['agencies'])} departments, see the file", flush=True)


def _print_accounts(path: Path, url: str) -> None:
    if not path.exists():
        return
    import json

    print(f"run: the window's pages: counter {url}/counter, citizen status {url}/status, ops console {url}/ops",
          flush=True)
    for name, password in json.loads(path.read_text()).items():
        print(f"run:   sign in as {name:<14} password {password}   (also in {path})", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
