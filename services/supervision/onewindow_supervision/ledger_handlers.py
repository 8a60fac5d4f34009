"""The ledger's events as the supervision service consumes them back from onewindow.ledger.v1:
each applied to the ledger's tables, idempotently — a no-op for a change the API made itself,
the whole ledger again when the topic is replayed into an empty store."""

from __future__ import annotations

import datetime as dt

from google.protobuf.message import Message

from onewindow.ledger.v1.events_pb2 import ProjectCompleted, ProjectProgressReported, ProjectRated, ProjectRegistered
from onewindow_catalog.calendar import CHINA
from onewindow_platform.bootstrap import UseCase
from onewindow_platform.consumer import HandlerContext

from . import ledger_store


def _occurred(ctx: HandlerContext) -> dt.datetime:
    return ctx.event.envelope.occurred_at.ToDatetime(tzinfo=dt.UTC)


def china_day(at: dt.datetime) -> str:
    return at.astimezone(CHINA).date().isoformat()


def on_registered(event: ProjectRegistered, ctx: HandlerContext) -> None:
    ledger_store.apply_registered(ctx.tx, event, china_day(_occurred(ctx)))


def on_progress(event: ProjectProgressReported, ctx: HandlerContext) -> None:
    ledger_store.apply_progress(ctx.tx, ctx.event.envelope.event_id, event, _occurred(ctx),
                                ctx.event.envelope.actor.id)


def on_completed(event: ProjectCompleted, ctx: HandlerContext) -> None:
    ledger_store.apply_completed(ctx.tx, event)


def on_rated(event: ProjectRated, ctx: HandlerContext) -> None:
    ledger_store.apply_rated(ctx.tx, event, china_day(_occurred(ctx)))


LEDGER_HANDLERS: dict[type[Message], UseCase] = {
    ProjectRegistered: on_registered,
    ProjectProgressReported: on_progress,
    ProjectCompleted: on_completed,
    ProjectRated: on_rated,
}
