"""Event handlers of the audit service: every event of every audited topic becomes one chained record.

Redelivered events are recorded once (the platform's inbox, and the event id is unique in the
store too, which covers PostgreSQL, whose commit is not the inbox's). The trace and span ids are
those the event came with: the case's trace and the span that published the event (the audit
opens no span per event, see `AuditSettings.consumer_spans`).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from google.protobuf.message import Message
from opentelemetry import trace

from onewindow.common.v1.types_pb2 import ActorKind
from onewindow_platform.bootstrap import UseCase
from onewindow_platform.consumer import HandlerContext
from onewindow_platform.events import EVENT_TYPES, DecodedEvent
from onewindow_platform.failpoints import fires
from onewindow_platform.topics import ALL_TOPICS

from .domain.chain import AuditRecord
from .storage import AuditStore


def audit_record(event: DecodedEvent) -> AuditRecord:
    envelope = event.envelope
    span = trace.get_current_span().get_span_context()
    actor = envelope.actor
    return AuditRecord(
        sequence=0, recorded_at=dt.datetime.now(dt.UTC).isoformat(),
        occurred_at=envelope.occurred_at.ToJsonString(), source=envelope.source, event_type=envelope.event_type,
        event_id=envelope.event_id, application_id=envelope.application_id,
        actor=f"{ActorKind.Name(actor.kind).removeprefix('ACTOR_KIND_').lower()}:{actor.id}",
        trace_id=f"{span.trace_id:032x}" if span.is_valid else "",
        span_id=f"{span.span_id:016x}" if span.is_valid else "",
        payload_digest=hashlib.sha256(envelope.payload.value).hexdigest(), prev_hash="",
    )


def record_event(payload: Message, ctx: HandlerContext, store: AuditStore) -> None:
    """Any event: one chained record of its envelope (the payload is digested, not read)."""
    if fires("audit.skip_event"):  # planted bug (fault-suite tests): handled, never recorded
        return
    store.append(audit_record(ctx.event), ctx.tx)


# Every event of every audited topic (telemetry such as meter readings is not: its alerts are).
AUDITED = frozenset(topic.module.DESCRIPTOR.package for topic in ALL_TOPICS if topic.audited)
HANDLERS: dict[type[Message], UseCase] = {message_class: record_event for name, message_class in EVENT_TYPES.items()
                                          if name.rsplit(".", 1)[0] in AUDITED}
