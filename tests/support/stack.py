"""The whole platform as `make run` starts it (every service a real process), on this test
session's broker, with its own topics, ports, data folder and tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from onewindow_catalog import load_catalog
from onewindow_devtools.registry import SERVICES
from onewindow_platform.personal_data import PersonalDataCipher, Pseudonyms
from tests.support.processes import wait_until

PII_KEY = base64.b64encode(b"k" * 32).decode()
PSEUDONYM_KEY = base64.b64encode(b"p" * 32).decode()
CALLBACK_MASTER = "test-callback-master-secret"
PAGE_PASSWORD = "page-password-for-tests"


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A free port below the kernel's ephemeral range. A port the kernel hands out for `bind(0)`
    is from that range, which outgoing connections draw their local ports from too: one of them
    (a Kafka client's, say) can take it before the service that was given it binds it. CI saw a
    department adapter fail to bind for a minute that way."""
    low = min(_ephemeral_low(), 32768)
    for _ in range(200):
        port = random.randrange(15000, low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


@dataclass
class Stack:
    root: Path
    bootstrap: str
    topic_prefix: str
    gateway_port: int = field(default_factory=free_port)
    intake_port: int = field(default_factory=free_port)
    adapter_port: int = field(default_factory=free_port)
    simulator_port: int = field(default_factory=free_port)
    simulator_grpc_port: int = field(default_factory=free_port)
    notification_port: int = field(default_factory=free_port)
    smtp_port: int = field(default_factory=free_port)
    sms_port: int = field(default_factory=free_port)
    audit_port: int = field(default_factory=free_port)
    supervision_port: int = field(default_factory=free_port)
    tokens: dict[str, str] = field(default_factory=dict)
    agency_tokens: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def sms_url(self) -> str:
        return f"http://127.0.0.1:{self.sms_port}"

    @property
    def maildir(self) -> Path:
        return self.root / "mail"

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.simulator_port}"

    @property
    def cipher(self) -> PersonalDataCipher:
        return PersonalDataCipher(base64.b64decode(PII_KEY))

    @property
    def pseudonyms(self) -> Pseudonyms:
        return Pseudonyms(base64.b64decode(PSEUDONYM_KEY))

    def write_tokens(self, principals: dict[str, dict[str, str]]) -> Path:
        """principals: token name -> {role, region_code?, department_code?, id_number?}"""
        entries = []
        for name, spec in principals.items():
            token = f"test-{name}-{os.urandom(8).hex()}"
            self.tokens[name] = token
            entry = {"sha256": hashlib.sha256(token.encode()).hexdigest(), "name": name,
                     **{k: v for k, v in spec.items() if k != "id_number"}}
            if "id_number" in spec:
                entry["subject_id"] = self.pseudonyms.subject_id(spec["id_number"])
            entries.append(entry)
        # Every department gets an agency token, which the simulated agencies call back with.
        agencies = {}
        for code in load_catalog().departments:
            token = f"test-agency-{os.urandom(8).hex()}"
            agencies[code] = token
            entries.append({"sha256": hashlib.sha256(token.encode()).hexdigest(), "name": f"agency-{code}",
                            "role": "agency", "department_code": code})
        self.agency_tokens = agencies
        (self.root / "simulator-tokens.json").write_text(json.dumps({"agencies": agencies}))
        path = self.root / "tokens.json"
        path.write_text(json.dumps({"tokens": entries}))
        return path

    def write_accounts(self, accounts: dict[str, tuple[str, str]]) -> Path:
        """People who sign in to the pages: name -> (role, region); each with PAGE_PASSWORD.
        Written by the accounts command line, as an administrator would."""
        path = self.root / "users.json"
        for name, (role, region) in accounts.items():
            command = [sys.executable, "-m", "onewindow_gateway.accounts", "--file", str(path), "add", name,
                       "--role", role, "--password-stdin", *(["--region", region] if region else [])]
            subprocess.run(command, input=PAGE_PASSWORD.encode(), check=True, capture_output=True)
        self.extra_env["OW_GATEWAY_USERS_FILE"] = str(path)
        return path

    def start(self, tokens_file: Path) -> Stack:
        env = {**os.environ, "OW_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap, "OW_TOPIC_PREFIX": self.topic_prefix,
               "OW_GATEWAY_PORT": str(self.gateway_port), "OW_INTAKE_GRPC_ADDRESS": f"127.0.0.1:{self.intake_port}",
               "OW_DATA_DIR": str(self.root / "data"), "OW_GATEWAY_TOKENS_FILE": str(tokens_file),
               "OW_PII_KEY": PII_KEY, "OW_PSEUDONYM_KEY": PSEUDONYM_KEY, "OW_RUN_QUIET": "1", "OW_LOG_LEVEL": "INFO",
               "OW_ADAPTER_GRPC_ADDRESS": f"127.0.0.1:{self.adapter_port}",
               "OW_SIMULATOR_PORT": str(self.simulator_port),
               "OW_SIMULATOR_GRPC_ADDRESS": f"127.0.0.1:{self.simulator_grpc_port}",
               "OW_SIMULATOR_TOKENS_FILE": str(self.root / "simulator-tokens.json"),
               "OW_AGENCY_CALLBACK_MASTER_SECRET": CALLBACK_MASTER,
               "OW_NOTIFICATION_GRPC_ADDRESS": f"127.0.0.1:{self.notification_port}",
               "OW_SMTP_PORT": str(self.smtp_port), "OW_SMTP_MAILDIR": str(self.maildir),
               "OW_SMS_GATEWAY_PORT": str(self.sms_port), "OW_AUDIT_GRPC_ADDRESS": f"127.0.0.1:{self.audit_port}",
               "OW_SUPERVISION_GRPC_ADDRESS": f"127.0.0.1:{self.supervision_port}",
               **self.extra_env}
        self.out = self.root / "run.out"
        with open(self.out, "wb") as sink:
            self.process = subprocess.Popen([sys.executable, "-m", "onewindow_devtools.run_stack"], cwd=self.root,
                                            env=env, stdout=sink, stderr=subprocess.STDOUT)
        wait_until(lambda: "gateway listening at" in self.out.read_text() or self.process.poll() is not None, 120,
                   "the stack never came up", on_timeout=self.out.read_text)
        assert self.process.poll() is None, self.out.read_text()
        # The consumers have joined their groups once every instance logged that it is consuming.
        logs = self.root / ".run" / "logs"

        def consuming(log: Path) -> bool:
            return log.exists() and '"msg": "consuming"' in log.read_text()

        wait_until(lambda: all(consuming(logs / f"{c.name}{suffix}.log") for c in SERVICES
                               for suffix in ["", *(f"-{i}" for i in range(2, self.instances + 1))]),
                   60 * self.instances, "consumers did not start")
        return self

    @property
    def instances(self) -> int:
        """How many instances of each of our services the stack runs (OW_RUN_INSTANCES)."""
        return int(self.extra_env.get("OW_RUN_INSTANCES", "1"))

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return -9

    def child_pid(self, module: str, instance: int = 1) -> int:
        """The pid of the service process running `module` (its `instance`-th copy when the stack
        runs several) under this stack's supervisor."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        for pid in children:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            except (FileNotFoundError, ProcessLookupError):  # exited while we looked
                continue
            numbered = f"OW_INSTANCE_ID={instance}".encode() in environ or (
                instance == 1 and not any(v.startswith(b"OW_INSTANCE_ID=") for v in environ))
            if module.encode() in cmdline and numbered:
                return int(pid)
        raise LookupError(f"no running {module} (instance {instance}) under the stack")

    def client(self, token_name: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[token_name]}"} if token_name else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def wait_for_tasks(self, application_id: str, dispatched: int, token_name: str = "ops",
                       timeout_s: float = 30) -> dict:
        with self.client(token_name) as http:
            deadline = time.monotonic() + timeout_s
            body: dict = {}
            while time.monotonic() < deadline:
                body = http.get(f"/api/v1/applications/{application_id}").json()
                routed = bool(body.get("handling_region_code"))  # ApplicationRouted seen too
                sent = sum(t["status"] not in ("planned", "waiting") for t in body.get("tasks", []))
                if routed and sent >= dispatched:
                    return body
                time.sleep(0.2)
        raise AssertionError(f"{application_id} did not get {dispatched} dispatched tasks: {body}")
