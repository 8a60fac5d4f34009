"""Run a real Apache Kafka broker (KRaft) from Maven Central jars, without Docker — one node, or
a cluster of three.

    python -m onewindow_devtools.kafka_local up|down|status|kill
    python -m onewindow_devtools.kafka_local with-broker -- <command> [args…]
    python -m onewindow_devtools.kafka_local cluster-up|cluster-down|cluster-status

The broker's jars are resolved with Maven into a git-ignored cache (`.kafka/libs`), storage is
formatted once (data survives restarts) and the broker runs as a background `java` process
whose pid, configuration and log live in `.kafka/`. When OW_KAFKA_BOOTSTRAP_SERVERS is set,
that cluster is used and nothing is started.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from onewindow_platform.kafka import BrokerUnavailable, wait_for_broker

JVM_FLAGS = [
    "-Xms256m",
    "-Xmx1g",
    # Kafka's own G1 settings from bin/kafka-run-class.sh.
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
]
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"



def new_cluster_id() -> str:
    """A random cluster id as Kafka writes them (URL-safe base64 of 16 bytes), never starting
    with '-': the storage tool's argument parser would take such an id for an option (about one
    id in 64 did, and the broker then never started)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id

class SetupError(RuntimeError):
    """Something the developer has to fix; the message says what."""


def _repo_root() -> Path:
    for start in (Path.cwd(), Path(__file__).resolve()):
        for candidate in (start, *start.parents):
            if (candidate / "deploy" / "kafka" / "pom.xml").is_file():
                return candidate
    raise SetupError("cannot find deploy/kafka/pom.xml: run this from the onewindow checkout")


@dataclass(frozen=True)
class LocalBroker:
    """Paths and ports of the project-managed broker."""

    home: Path
    deploy_dir: Path
    port: int
    controller_port: int
    # A second broker (the fault suite's) reuses the first one's jars instead of fetching again.
    shared_libs: Path | None = None
    # A node of a cluster: its id, the quorum's voters and the template for cluster nodes.
    node_id: int = 1
    voters: str = ""

    @classmethod
    def from_env(cls) -> LocalBroker:
        root = _repo_root()
        home = Path(os.environ.get("OW_KAFKA_HOME", root / ".kafka")).resolve()
        return cls(
            home=home,
            deploy_dir=root / "deploy" / "kafka",
            port=int(os.environ.get("OW_KAFKA_PORT", "9092")),
            controller_port=int(os.environ.get("OW_KAFKA_CONTROLLER_PORT", "9093")),
        )

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def libs(self) -> Path:
        return self.shared_libs or self.home / "libs"

    def sibling(self, home: Path, port: int, controller_port: int) -> LocalBroker:
        """Another broker on other ports with its own data, sharing this one's jars."""
        return LocalBroker(home=home, deploy_dir=self.deploy_dir, port=port, controller_port=controller_port,
                           shared_libs=self.libs)

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "broker.log"

    # -- fetching -------------------------------------------------------------------------

    def fetch(self) -> None:
        """Resolve the broker's classpath once; a later call with the same pom is offline."""
        pom = self.deploy_dir / "pom.xml"
        digest = hashlib.sha256(pom.read_bytes()).hexdigest()
        marker = self.libs / ".pom-sha256"
        if marker.is_file() and marker.read_text().strip() == digest:
            return
        _require_tool("java", "install JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)")
        mvn = _require_tool("mvn", "install Apache Maven (Debian: apt-get install maven)")
        if self.libs.exists():
            shutil.rmtree(self.libs)
        self.libs.mkdir(parents=True)
        print(f"kafka: resolving the broker's jars from Maven Central into {self.libs} …", flush=True)
        result = subprocess.run(
            [mvn, "-B", "-q", "-f", str(pom), f"{MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies",
             "-DincludeScope=runtime", f"-DoutputDirectory={self.libs}"],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise SetupError(
                "Maven could not resolve the Kafka broker from Maven Central "
                f"(exit {result.returncode}). Check network access to the Maven repository or "
                f"~/.m2/settings.xml.\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
        marker.write_text(digest + "\n")

    # -- configuration and storage ---------------------------------------------------------

    def write_config(self) -> Path:
        template_name = "cluster-node.properties" if self.voters else "server.properties"
        template = string.Template((self.deploy_dir / template_name).read_text())
        config = self.home / "server.properties"
        config.write_text(template.substitute(
            port=self.port, controller_port=self.controller_port, data_dir=self.data_dir,
            node_id=self.node_id, voters=self.voters,
        ))
        return config

    def format_storage(self, config: Path) -> None:
        """Format KRaft storage the first time only; existing data is kept."""
        if (self.data_dir / "meta.properties").is_file():
            return
        cluster_id_file = (self.home.parent if self.voters else self.home) / "cluster-id"  # one per cluster
        if not cluster_id_file.is_file() or cluster_id_file.read_text().startswith("-"):
            cluster_id_file.write_text(new_cluster_id() + "\n")
        cluster_id = cluster_id_file.read_text().strip()
        result = subprocess.run(
            [_require_tool("java", "install JDK 17"), "-cp", f"{self.libs}/*",
             f"-Dlog4j2.configurationFile={self.deploy_dir / 'log4j2.properties'}",
             f"-Dkafka.logs.dir={self.home}",
             "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config),
             "--ignore-formatted"],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise SetupError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")

    # -- process control -------------------------------------------------------------------

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        # Guard against a recycled pid belonging to something else.
        cmdline = Path(f"/proc/{pid}/cmdline")
        if cmdline.exists() and b"kafka.Kafka" not in cmdline.read_bytes():
            return None
        return pid

    def port_open(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def up(self, timeout_s: float = 120.0, wait: bool = True) -> bool:
        """Start the broker unless it runs already (`wait`: until it answers; a cluster node
        answers only once a quorum of controllers is up). Returns True when this call started it."""
        self.home.mkdir(parents=True, exist_ok=True)
        if self.pid() is not None:
            wait_for_broker(self.bootstrap, timeout_s=timeout_s)
            return False
        if self.port_open():
            raise SetupError(
                f"port {self.port} is taken by a process that is not this project's broker. "
                "Stop it, set OW_KAFKA_PORT to a free port, or set OW_KAFKA_BOOTSTRAP_SERVERS "
                "to use that cluster."
            )
        self.fetch()
        config = self.write_config()
        self.format_storage(config)
        java = _require_tool("java", "install JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)")
        command = [
            java, *JVM_FLAGS,
            f"-Dlog4j2.configurationFile={self.deploy_dir / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.home}",
            "-cp", f"{self.libs}/*", "kafka.Kafka", str(config),
        ]
        with open(self.home / "broker.out", "ab") as out:
            process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, cwd=self.home,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        if not wait:
            return True
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SetupError(
                    f"the Kafka broker exited with code {process.returncode} during start-up.\n"
                    + self.tail_log()
                )
            if self.port_open():
                break
            time.sleep(0.3)
        self.await_answer(deadline)
        return True

    def await_answer(self, deadline: float) -> None:
        """Wait until the broker answers; stop it and say why (with its log) when it does not."""
        try:
            wait_for_broker(self.bootstrap, timeout_s=max(5.0, deadline - time.monotonic()))
        except BrokerUnavailable as exc:
            self.down()
            raise SetupError(f"node {self.node_id}: {exc}\n{self.tail_log()}") from exc

    def down(self, timeout_s: float = 60.0) -> bool:
        """Stop the broker cleanly (SIGTERM, then SIGKILL after timeout_s)."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)
        return True

    def kill(self) -> bool:
        """SIGKILL the broker (fault tests): no clean shutdown, data stays."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)
        return True

    def tail_log(self, lines: int = 30) -> str:
        for path in (self.log_file, self.home / "broker.out"):
            if path.is_file():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                return f"last lines of {path}:\n" + "\n".join(tail)
        return "(no broker log yet)"


@dataclass(frozen=True)
class LocalCluster:
    """Three KRaft nodes, each broker and controller, sharing the single broker's jars: node n
    listens on base_port + 2(n-1) and its controller on the port after it."""

    nodes: tuple[LocalBroker, ...]

    @classmethod
    def from_env(cls, size: int = 3) -> LocalCluster:
        single = LocalBroker.from_env()
        home = Path(os.environ.get("OW_KAFKA_CLUSTER_HOME", single.home.parent / ".kafka-cluster")).resolve()
        return cls.build(home, int(os.environ.get("OW_KAFKA_CLUSTER_PORT", "19092")), single, size)

    @classmethod
    def build(cls, home: Path, base: int, single: LocalBroker, size: int = 3) -> LocalCluster:
        ports = [(base + 2 * i, base + 2 * i + 1) for i in range(size)]
        voters = ",".join(f"{n}@127.0.0.1:{controller}" for n, (_, controller) in enumerate(ports, start=1))
        return cls(tuple(
            LocalBroker(home=home / f"node-{n}", deploy_dir=single.deploy_dir, port=port, controller_port=controller,
                        shared_libs=single.libs, node_id=n, voters=voters)
            for n, (port, controller) in enumerate(ports, start=1)))

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    def up(self, timeout_s: float = 180.0) -> list[int]:
        """Start every node not running (all at once: each waits for a quorum); returns their ids."""
        self.nodes[0].fetch()
        started = [node.node_id for node in self.nodes if node.up(wait=False)]
        deadline = time.monotonic() + timeout_s
        try:
            for node in self.nodes:
                node.await_answer(deadline)
        except SetupError:
            self.down()  # no half cluster left behind
            raise
        return started

    def down(self) -> list[int]:
        return [node.node_id for node in self.nodes if node.down()]

    def node(self, node_id: int) -> LocalBroker:
        return self.nodes[node_id - 1]

    def active_controller(self) -> int | None:
        """The quorum's leader, as the running nodes' quorum-state files record it."""
        for node in self.nodes:
            state = node.data_dir / "__cluster_metadata-0" / "quorum-state"
            if node.pid() is not None and state.is_file():
                leader = json.loads(state.read_text()).get("leaderId", -1)
                if leader > 0:
                    return int(leader)
        return None


def _alive(pid: int) -> bool:
    # Reap our own child if it is one; otherwise just probe.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


def _require_tool(name: str, how: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SetupError(f"'{name}' is not on PATH: {how}, or set OW_KAFKA_BOOTSTRAP_SERVERS "
                         "to an existing Kafka cluster.")
    return path


def _external_cluster() -> str | None:
    return os.environ.get("OW_KAFKA_BOOTSTRAP_SERVERS") or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kafka_local", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "down", "status", "kill", "fetch", "with-broker",
                                           "cluster-up", "cluster-down", "cluster-status"])
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    external = _external_cluster()
    try:
        if external and args.action in ("up", "status", "with-broker"):
            wait_for_broker(external, timeout_s=30)
            print(f"kafka: using the cluster at {external} (OW_KAFKA_BOOTSTRAP_SERVERS); nothing started")
            if args.action == "with-broker":
                return _run(args.command, external)
            return 0
        if args.action.startswith("cluster-"):
            return _cluster(args.action)
        broker = LocalBroker.from_env()
        if args.action == "fetch":
            broker.fetch()
        elif args.action == "up":
            started = broker.up()
            state = "started" if started else "already running"
            print(f"kafka: broker {state} at {broker.bootstrap} (log: {broker.log_file})")
        elif args.action == "down":
            print("kafka: broker stopped" if broker.down() else "kafka: broker was not running")
        elif args.action == "kill":
            print("kafka: broker killed" if broker.kill() else "kafka: broker was not running")
        elif args.action == "status":
            pid = broker.pid()
            if pid is None:
                print(f"kafka: not running (home {broker.home})")
                return 3
            wait_for_broker(broker.bootstrap, timeout_s=5)
            print(f"kafka: running, pid {pid}, at {broker.bootstrap}, data in {broker.data_dir}")
        elif args.action == "with-broker":
            started = broker.up()
            print(f"kafka: broker {'started' if started else 'already running'} at {broker.bootstrap}",
                  flush=True)
            try:
                return _run(args.command, broker.bootstrap)
            finally:
                if started:
                    broker.down()
                    print("kafka: broker stopped", flush=True)
    except (SetupError, BrokerUnavailable) as exc:
        print(f"kafka: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _cluster(action: str) -> int:
    cluster = LocalCluster.from_env()
    if action == "cluster-up":
        started = cluster.up()
        print(f"kafka: cluster of {len(cluster.nodes)} nodes at {cluster.bootstrap} "
              f"({'started nodes ' + ', '.join(map(str, started)) if started else 'already running'}); "
              f"data in {cluster.nodes[0].home.parent}")
    elif action == "cluster-down":
        stopped = cluster.down()
        print(f"kafka: cluster nodes stopped: {', '.join(map(str, stopped)) or 'none was running'}")
    else:
        running = [node.node_id for node in cluster.nodes if node.pid() is not None]
        print(f"kafka: cluster nodes running: {', '.join(map(str, running)) or 'none'} of {len(cluster.nodes)}; "
              f"bootstrap {cluster.bootstrap}")
        return 0 if len(running) == len(cluster.nodes) else 3
    return 0


def _run(command: list[str], bootstrap: str) -> int:
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("kafka: with-broker needs a command after --", file=sys.stderr)
        return 2
    env = {**os.environ, "OW_KAFKA_BOOTSTRAP_SERVERS": bootstrap}
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
