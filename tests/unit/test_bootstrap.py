"""The platform's one bootstrap: use cases get their typed payload and, by parameter name, the
dependencies the service declared; what cannot start says why and exits 2 before any connection."""

from __future__ import annotations

from pathlib import Path

import pytest

from onewindow.task.v1.events_pb2 import TaskAcknowledged, TaskCompleted
from onewindow_platform.bootstrap import Built, Service, run, wire
from onewindow_platform.config import ConfigurationError, PlatformSettings, load_settings
from onewindow_platform.consumer import HandlerContext
from onewindow_platform.events import build_envelope, decode
from onewindow_platform.storage import SqliteDatabase


def on_acknowledged(acknowledged: TaskAcknowledged, ctx: HandlerContext, worker: list[str]) -> None:
    worker.append(f"{acknowledged.task_id} of {ctx.event.application_id}")


def on_completed(completed: TaskCompleted, ctx: HandlerContext, ledger: object) -> None:
    raise AssertionError("never wired")


def test_a_use_case_gets_its_typed_payload_and_its_dependencies_by_name(tmp_path: Path) -> None:
    seen: list[str] = []
    handlers = wire({TaskAcknowledged: on_acknowledged}, Built({"worker": seen, "settings": None}))
    assert list(handlers) == ["onewindow.task.v1.TaskAcknowledged"]  # keyed as the consumer dispatches
    event = decode(build_envelope(TaskAcknowledged(task_id="T1"), application_id="A1",
                                  source="tests").SerializeToString())
    db = SqliteDatabase(tmp_path / "x.db")
    with db.transaction() as tx:
        handlers[event.event_type](event, HandlerContext(tx=tx, event=event, topic="t", partition=0, offset=0,
                                                         settings=load_settings(PlatformSettings)))
    assert seen == ["T1 of A1"]


def test_a_use_case_needing_what_the_service_does_not_build_is_refused_at_start() -> None:
    with pytest.raises(ConfigurationError, match="on_completed needs ledger"):
        wire({TaskCompleted: on_completed}, Built({"worker": []}))


def test_a_bad_reference_file_stops_the_service_before_it_connects(capsys: pytest.CaptureFixture[str]) -> None:
    def catalog(settings: PlatformSettings) -> object:
        raise ValueError("items.yaml: item complaint.noise has no department")

    # The bootstrap server is unreachable: had the service tried to connect, this would say so.
    service = Service(settings=lambda: load_settings(PlatformSettings, kafka_bootstrap_servers="127.0.0.1:1"),
                      reference={"catalog": catalog})
    assert run(service) == 2
    assert "cannot start: items.yaml: item complaint.noise has no department" in capsys.readouterr().err


def test_an_invalid_setting_stops_the_service_with_the_variable_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(Service(settings=lambda: load_settings(PlatformSettings, topic_partitions=0))) == 2
    assert "OW_TOPIC_PARTITIONS" in capsys.readouterr().err
