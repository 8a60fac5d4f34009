"""A minimal service built only from the shared platform, used to test the platform itself.

It consumes SupplementProvided, standing in for any event (its task id carries the test's marker,
its fields an item code), records each one in a table that has no uniqueness constraint (so
applying an event twice would show as two rows) and emits one ApplicationAccepted per event with
an id derived from the cause. An item code of "fail-in-handler" makes the handler raise, to
exercise retries and the DLQ.

    python tests/support/probe_service.py     (settings from OW_* variables)
"""

from __future__ import annotations

from google.protobuf.json_format import MessageToDict

from onewindow.application.v1.events_pb2 import ApplicationAccepted, SupplementProvided
from onewindow_platform.bootstrap import Service, run
from onewindow_platform.config import PlatformSettings, load_settings
from onewindow_platform.consumer import Emit, HandlerContext
from onewindow_platform.events import derived_id
from onewindow_platform.migrations import Migration, Schema

SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS applied (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL,
    application_id TEXT NOT NULL,
    marker         TEXT NOT NULL
);
"""
SCHEMA = Schema("probe", (
    Migration(1, "applied events", SCHEMA_1),
))


def on_probe_event(probe: SupplementProvided, ctx: HandlerContext) -> list[Emit]:
    event, marker = ctx.event, probe.task_id
    item_code = str(MessageToDict(probe.fields).get("item_code", ""))
    ctx.tx.execute("INSERT INTO applied (event_id, application_id, marker) VALUES (?, ?, ?)",
                   (event.event_id, event.application_id, marker))
    if item_code == "fail-in-handler":
        raise ValueError("the probe refuses this item on purpose")
    accepted = ApplicationAccepted(case_number=marker, item_code=item_code)
    return [Emit(accepted, event_id=derived_id("probe-accepted", event.event_id))]


def main() -> int:
    return run(Service(settings=lambda: load_settings(PlatformSettings), schema=SCHEMA,
                       handlers={SupplementProvided: on_probe_event}))


if __name__ == "__main__":
    raise SystemExit(main())
