"""The event catalogue and the envelope: what every service may rely on."""

from __future__ import annotations

import re

import pytest
from google.protobuf.any_pb2 import Any as AnyMessage

from onewindow.common.v1.envelope_pb2 import Envelope
from onewindow.task.v1.events_pb2 import TaskDispatched
from onewindow_platform.events import EVENT_TYPES, PoisonRecord, build_envelope, decode
from onewindow_platform.topics import ALL_TOPICS, topic_for_event

LIFECYCLE = {
    "onewindow.application.v1.ApplicationAccepted",
    "onewindow.application.v1.ApplicationRouted",
    "onewindow.task.v1.TaskDispatched",
    "onewindow.task.v1.TaskDelivered",
    "onewindow.task.v1.TaskDeliveryFailed",
    "onewindow.task.v1.TaskAcknowledged",
    "onewindow.task.v1.SupplementRequested",
    "onewindow.task.v1.TaskCompleted",
    "onewindow.task.v1.TaskReturned",
    "onewindow.application.v1.ApplicationCompleted",
    "onewindow.notification.v1.NotificationSent",
    "onewindow.notification.v1.NotificationFailed",
    "onewindow.feedback.v1.SatisfactionRecorded",
}


def test_the_catalogue_holds_the_whole_application_lifecycle() -> None:
    assert set(EVENT_TYPES) >= LIFECYCLE


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_events_are_past_tense_facts_in_a_versioned_package(event_type: str) -> None:
    package, name = event_type.rsplit(".", 1)
    assert re.fullmatch(r"onewindow\.[a-z]+\.v\d+", package)
    assert re.search(r"(ed|Sent)$", name), f"{name} does not read as a past fact"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_has_exactly_one_topic(event_type: str) -> None:
    carriers = [t for t in ALL_TOPICS if event_type.startswith(t.module.DESCRIPTOR.package + ".")]
    assert carriers == [topic_for_event(event_type)]


def test_envelope_fields_are_stable() -> None:
    fields = {f.name: f.number for f in Envelope.DESCRIPTOR.fields}
    assert fields == {"event_id": 1, "event_type": 2, "source": 3, "occurred_at": 4,
                      "application_id": 5, "causation_id": 6, "actor": 7, "payload": 8}


def test_envelope_round_trip_in_bytes() -> None:
    envelope = build_envelope(TaskDispatched(task_id="t-1", department_code="110101-gaj"),
                              application_id="BJ-1", source="ow-routing", causation_id="e-0")
    event = decode(envelope.SerializeToString())
    assert event.envelope == envelope
    assert event.payload == TaskDispatched(task_id="t-1", department_code="110101-gaj")
    assert envelope.occurred_at.seconds > 0
    assert envelope.actor.id == "ow-routing"


def test_an_event_needs_an_application_id() -> None:
    with pytest.raises(ValueError, match="application id"):
        build_envelope(TaskDispatched(task_id="t"), application_id="", source="x")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (b"", "empty"),
        (b"\xff\xff\xff", "not an Envelope"),
        (Envelope(event_id="e", application_id="a", event_type="x.Y").SerializeToString(), "unknown event type"),
        (Envelope(event_id="e", application_id="a", event_type="onewindow.task.v1.TaskDispatched",
                  payload=AnyMessage(type_url="type.googleapis.com/onewindow.task.v1.TaskCompleted"))
         .SerializeToString(), "payload is"),
        (Envelope(event_type="onewindow.task.v1.TaskDispatched").SerializeToString(), "lacks"),
    ],
)
def test_what_cannot_be_handled_is_poison(value: bytes, problem: str) -> None:
    with pytest.raises(PoisonRecord, match=problem):
        decode(value)
