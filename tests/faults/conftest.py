"""The fault suite's own Kafka broker (it is stopped and killed on purpose, so it is never the
session's broker), its own three-node cluster, stack factories for each, and the report tables
printed at the end of the run."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.harness import REPORT, format_report
from tests.support.stack import Stack, free_port

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.faults


@pytest.fixture(scope="session")
def fault_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from onewindow_devtools.kafka_local import LocalBroker

    broker = LocalBroker.from_env().sibling(tmp_path_factory.mktemp("fault-kafka"), free_port(), free_port())
    yield from _running(broker, "the fault suite's Kafka broker")


def _running(nodes: Any, what: str) -> Iterator[Any]:
    """Start a local broker or cluster for the session (a failure fails the run, never skips it)."""
    from onewindow_devtools.kafka_local import SetupError

    try:
        nodes.up()
    except SetupError as exc:
        pytest.fail(f"could not start {what}: {exc}", pytrace=False)
    yield nodes
    nodes.down()


def _six_free_ports() -> int:
    for base in range(29100, 39000, 10):
        with socket.socket() as probe:
            if all(probe.connect_ex(("127.0.0.1", base + i)) != 0 for i in range(6)):
                return base
    raise RuntimeError("no six free ports in a row")


@pytest.fixture(scope="session")
def fault_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Three KRaft nodes (controller quorum of three), as `make kafka-cluster-up` starts them."""
    from onewindow_devtools.kafka_local import LocalBroker, LocalCluster

    nodes = LocalCluster.build(tmp_path_factory.mktemp("kafka-cluster"), _six_free_ports(), LocalBroker.from_env())
    yield from _running(nodes, "the three-node cluster")


StackFactory = Callable[..., Stack]


@pytest.fixture
def make_stack(fault_broker: object, tmp_path: Path) -> Iterator[StackFactory]:
    yield from _stacks(fault_broker.bootstrap, tmp_path)  # type: ignore[attr-defined]


@pytest.fixture
def make_cluster_stack(fault_cluster: object, postgres_url: str, tmp_path: Path) -> Iterator[StackFactory]:
    """Two instances of every service and of the gateway, each service's state in its schema of
    one PostgreSQL database, on the three-node cluster with topics replicated three times."""
    cluster_env = {"OW_RUN_INSTANCES": "2", "OW_DATABASE_URL": postgres_url, "OW_TOPIC_REPLICATION_FACTOR": "3"}
    yield from _stacks(fault_cluster.bootstrap, tmp_path, cluster_env)  # type: ignore[attr-defined]


def _stacks(bootstrap: str, tmp_path: Path, layout: dict[str, str] | None = None) -> Iterator[StackFactory]:
    started: list[Stack] = []

    def start(**extra_env: str) -> Stack:
        root = tmp_path / f"stack{len(started)}"
        root.mkdir()
        env = {"OW_SIMULATOR_COMPLETE_AFTER_S": "0.2", "OW_RUN_RESTART": "1", "OW_AUDIT_CHECKPOINT_INTERVAL_S": "2",
               "OW_KAFKA_STARTUP_TIMEOUT_S": "120", **(layout or {}), **extra_env}
        stack = Stack(root=root, bootstrap=bootstrap, topic_prefix=f"f{uuid.uuid4().hex[:8]}.", extra_env=env)
        started.append(stack)
        # "clerk-linping" works at a window in another province: every submission of theirs for
        # Dongcheng is refused (the harness's own test of a row where nothing was accepted).
        return stack.start(stack.write_tokens({"clerk": {"role": "clerk", "region_code": "110101"},
                                               "clerk-linping": {"role": "clerk", "region_code": "330113"},
                                               "hotline": {"role": "clerk", "region_code": "110101"},
                                               "ops": {"role": "ops"}}))

    yield start
    for stack in started:
        stack.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not REPORT:
        return
    table = format_report(REPORT)
    terminalreporter.write_sep("=", "fault suite")
    terminalreporter.write_line(table)
    out = REPO / ".run" / "fault-report.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Fault suite\n\n" + table + "\n")
    terminalreporter.write_line(f"(also in {out})")
