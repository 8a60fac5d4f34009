"""The event catalogue and the envelope codec.

Every Kafka record's value is a serialized `onewindow.common.v1.Envelope` whose payload is one
of the catalogued event messages. Decoding is strict: anything that is not a well-formed
envelope around a known event is a `PoisonRecord`, which the consuming loop sends to the DLQ.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf import message as pb_message
from google.protobuf.any_pb2 import Any as AnyMessage

from onewindow.common.v1.envelope_pb2 import Envelope
from onewindow.common.v1.types_pb2 import Actor, ActorKind

from .topics import ALL_TOPICS

TYPE_URL_PREFIX = "type.googleapis.com/"


def _catalogue() -> dict[str, type[pb_message.Message]]:
    """Every event message of every topic, by its fully qualified name."""
    from google.protobuf.message_factory import GetMessageClass

    catalogue: dict[str, type[pb_message.Message]] = {}
    for topic in ALL_TOPICS:
        file_descriptor = topic.module.DESCRIPTOR  # type: ignore[attr-defined]
        for descriptor in file_descriptor.message_types_by_name.values():
            catalogue[descriptor.full_name] = GetMessageClass(descriptor)
    return catalogue


# Only past-tense facts are events; helper messages (PlannedTask, TaskResult) are not.
EVENT_TYPES: dict[str, type[pb_message.Message]] = {
    name: cls for name, cls in _catalogue().items()
    if name.rsplit(".", 1)[-1] not in {"PlannedTask", "TaskResult"}
}


class PoisonRecord(ValueError):
    """A record that can never be handled as it is (undecodable, unknown type, bad schema)."""


def event_type_of(payload: pb_message.Message) -> str:
    name = payload.DESCRIPTOR.full_name
    if name not in EVENT_TYPES:
        raise ValueError(f"{name} is not in the event catalogue")
    return name


def new_event_id() -> str:
    return str(uuid.uuid4())


def derived_id(namespace: str, *parts: str) -> str:
    """A deterministic id for something derived from an event, so a replay derives the same id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "onewindow:" + namespace + ":" + ":".join(parts)))


def system_actor(service_name: str) -> Actor:
    return Actor(kind=ActorKind.ACTOR_KIND_SYSTEM, id=service_name)


def build_envelope(
    payload: pb_message.Message,
    *,
    application_id: str,
    source: str,
    causation_id: str = "",
    actor: Actor | None = None,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    if not application_id:
        raise ValueError("an event needs an application id (it is the Kafka key)")
    envelope = Envelope(
        event_id=event_id or new_event_id(),
        event_type=event_type_of(payload),
        source=source,
        application_id=application_id,
        causation_id=causation_id,
        actor=actor or system_actor(source),
    )
    envelope.occurred_at.FromDatetime(occurred_at or datetime.now(UTC))
    envelope.payload.Pack(payload)
    return envelope


@dataclass(frozen=True)
class DecodedEvent:
    envelope: Envelope
    payload: pb_message.Message = field(repr=False)

    @property
    def event_id(self) -> str:
        return self.envelope.event_id

    @property
    def event_type(self) -> str:
        return self.envelope.event_type

    @property
    def application_id(self) -> str:
        return self.envelope.application_id


def decode(value: bytes | None) -> DecodedEvent:
    """Parse a record value into its envelope and typed payload, or raise PoisonRecord."""
    if not value:
        raise PoisonRecord("empty record value")
    envelope = Envelope()
    try:
        envelope.ParseFromString(value)
    except pb_message.DecodeError as exc:
        raise PoisonRecord(f"not an Envelope: {exc}") from None
    if not envelope.event_id or not envelope.application_id:
        raise PoisonRecord("envelope lacks event_id or application_id")
    cls = EVENT_TYPES.get(envelope.event_type)
    if cls is None:
        raise PoisonRecord(f"unknown event type {envelope.event_type!r}")
    any_payload: AnyMessage = envelope.payload
    if any_payload.type_url != TYPE_URL_PREFIX + envelope.event_type:
        raise PoisonRecord(
            f"payload is {any_payload.type_url!r} but event_type says {envelope.event_type!r}"
        )
    payload = cls()
    try:
        payload.ParseFromString(any_payload.value)
    except pb_message.DecodeError as exc:
        raise PoisonRecord(f"payload does not parse as {envelope.event_type}: {exc}") from None
    return DecodedEvent(envelope=envelope, payload=payload)
