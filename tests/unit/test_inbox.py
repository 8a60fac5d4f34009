"""The inbox on a real SQLite file: rows older than the horizon are forgotten in short chunks,
younger ones kept, and no setting can make the horizon shorter than a redelivery can come."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from onewindow_platform import inbox
from onewindow_platform.config import ConfigurationError, PlatformSettings, load_settings
from onewindow_platform.storage import Database, SqliteDatabase


def _row(db: Database, event_id: str, age: dt.timedelta) -> None:
    at = dt.datetime.now(dt.UTC) - age
    with db.transaction() as tx:
        inbox.remember(tx, "ow-x", event_id, "onewindow.task.v1.TaskCompleted", "t", 0, 1)
        tx.execute("UPDATE ow_inbox SET processed_at = ? WHERE event_id = ?",
                   (f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z", event_id))


def test_rows_beyond_the_horizon_are_pruned_in_chunks_and_younger_ones_kept(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "x.db")
    for n in range(25):
        _row(db, f"old-{n}", dt.timedelta(days=189, hours=n))
    _row(db, "just-inside", dt.timedelta(days=187, hours=23))
    _row(db, "recent", dt.timedelta(minutes=5))

    pruner = inbox.InboxPruner(db, retention_days=188, interval_s=3600, chunk=10, chunks_per_turn=2)
    assert pruner.maybe_prune() == 20          # two chunks this turn: the loop is not held up long
    assert pruner.maybe_prune() == 5           # more was left, so the next batch goes on at once
    assert pruner.maybe_prune() == 0           # and then not before the interval
    with db.transaction() as tx:
        assert inbox.seen(tx, "ow-x", "just-inside") and inbox.seen(tx, "ow-x", "recent")
        assert not inbox.seen(tx, "ow-x", "old-0")


def test_the_horizon_defaults_to_and_never_goes_below_retention_plus_segment_roll_and_skew() -> None:
    assert load_settings(PlatformSettings).resolved_inbox_retention_days() == 188
    assert load_settings(PlatformSettings, topic_retention_days=30).resolved_inbox_retention_days() == 38
    assert load_settings(PlatformSettings, inbox_retention_days=400).resolved_inbox_retention_days() == 400
    with pytest.raises(ConfigurationError, match="at least the topic retention"):
        load_settings(PlatformSettings, inbox_retention_days=30)
