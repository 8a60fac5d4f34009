"""The fault suite's own Kafka broker (it is stopped and killed on purpose, so it is never the
session's broker), a stack factory, and the report table printed at the end of the run."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.harness import REPORT, format_report
from tests.support.stack import Stack, free_port

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.faults


@pytest.fixture(scope="session")
def fault_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from onewindow_devtools.kafka_local import LocalBroker, SetupError

    broker = LocalBroker.from_env().sibling(tmp_path_factory.mktemp("fault-kafka"), free_port(), free_port())
    try:
        broker.up()
    except SetupError as exc:
        pytest.fail(f"could not start the fault suite's Kafka broker: {exc}", pytrace=False)
    yield broker
    broker.down()


StackFactory = Callable[..., Stack]


@pytest.fixture
def make_stack(fault_broker: object, tmp_path: Path) -> Iterator[StackFactory]:
    started: list[Stack] = []

    def start(**extra_env: str) -> Stack:
        root = tmp_path / f"stack{len(started)}"
        root.mkdir()
        env = {"OW_SIMULATOR_COMPLETE_AFTER_S": "0.2", "OW_RUN_RESTART": "1", "OW_AUDIT_CHECKPOINT_INTERVAL_S": "2",
               "OW_KAFKA_STARTUP_TIMEOUT_S": "120", **extra_env}
        stack = Stack(root=root, bootstrap=fault_broker.bootstrap,  # type: ignore[attr-defined]
                      topic_prefix=f"f{uuid.uuid4().hex[:8]}.", extra_env=env)
        started.append(stack)
        # "clerk-linping" works at a window in another province: every submission of theirs for
        # Dongcheng is refused (the harness's own test of a row where nothing was accepted).
        return stack.start(stack.write_tokens({"clerk": {"role": "clerk", "region_code": "110101"},
                                               "clerk-linping": {"role": "clerk", "region_code": "330113"},
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
