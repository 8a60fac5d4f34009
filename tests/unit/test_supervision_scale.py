"""The scale bench's own honesty (#17): its generated month is reproducible from the seed and
holds every kind of fact the counters count; the handlers' counters equal the independent
recount on it; and the comparison does notice a counter that is off by one."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from onewindow.feedback.v1.events_pb2 import SatisfactionRecorded
from onewindow.task.v1.events_pb2 import TaskAcknowledged, TaskCompleted, TaskDispatched, TaskReturned
from onewindow_catalog import WorkingCalendar
from onewindow_devtools.bench import supervision_scale as scale
from onewindow_platform.config import load_settings
from onewindow_platform.storage import SqliteDatabase
from onewindow_supervision import storage
from onewindow_supervision.domain.policy import load_policy
from onewindow_supervision.settings import SupervisionSettings


def test_the_month_is_the_same_for_a_seed_and_holds_every_kind_of_fact() -> None:
    first = [(case, [(type(f.payload).__name__, f.at) for f in facts]) for case, facts in scale.generate(400, 7)]
    again = [(case, [(type(f.payload).__name__, f.at) for f in facts]) for case, facts in scale.generate(400, 7)]
    other = [(case, [(type(f.payload).__name__, f.at) for f in facts]) for case, facts in scale.generate(400, 8)]
    assert first == again and first != other
    kinds = Counter(kind for _, facts in first for kind, _ in facts)
    assert {k.__name__ for k in (TaskDispatched, TaskAcknowledged, TaskCompleted, TaskReturned,
                                 SatisfactionRecorded)} <= set(kinds)
    redos = sum(1 for _, facts in scale.generate(2000, 7) for f in facts
                if isinstance(f.payload, TaskDispatched) and f.payload.purpose == "follow_up")
    assert redos > 0
    assert len({street for _, street in scale.streets()}) == 343 and len({d for d, _ in scale.streets()}) == 16


def test_the_handlers_counters_equal_the_recount_and_an_altered_counter_is_caught(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "s.db")
    storage.SCHEMA.upgrade(db)
    policy, calendar = load_policy(), WorkingCalendar()
    recount, events, _ = scale.load(db, 3000, 11, policy, calendar,
                                    load_settings(SupervisionSettings, data_dir=tmp_path), batch=200)
    stored = scale.stored_counters(db)
    assert events > 3000 and len(stored) > 300
    assert scale.differences(stored, recount.counters) == []
    kinds = {name: sum(getattr(c, name) for (_, scope, _), c in stored.items() if scope == "department")
             for name in ("received", "signed_on_time", "completed_on_time", "returned", "reopened", "rated",
                          "satisfied", "resolved")}
    assert all(kinds.values()), kinds                     # every counter is exercised, none is trivially 0
    assert kinds["signed_on_time"] < kinds["received"]    # some late sign-fors, too
    with db.transaction() as tx:
        tx.execute("UPDATE monthly_counters SET satisfied = satisfied + 1 WHERE rowid = 1")
    wrong = scale.differences(scale.stored_counters(db), recount.counters)
    assert len(wrong) == 1 and "satisfied" in wrong[0]
