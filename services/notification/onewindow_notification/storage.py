"""Notification's tables: who to tell about which case, one row per message, the in-app inbox."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from onewindow_platform.migrations import Migration, Schema, add_column_if_missing
from onewindow_platform.storage import Database, Transaction
from onewindow_platform.tracing import current_traceparent
from onewindow_platform.worker import JobTable


def _traceparent_if_missing(tx: Transaction) -> None:
    """Files from before release 0.1 lack the column (CREATE TABLE IF NOT EXISTS skips it)."""
    add_column_if_missing(tx, "notifications", "traceparent", "TEXT NOT NULL DEFAULT ''")


SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS recipients (
    application_id TEXT PRIMARY KEY,
    subject_id     TEXT NOT NULL,
    sealed_contact BLOB NOT NULL,      -- name, phone, e-mail (AES-GCM, the personal-data key)
    item_name      TEXT NOT NULL,
    facts_json     TEXT NOT NULL       -- case number, dates: what templates may show
);

CREATE TABLE IF NOT EXISTS notifications (
    notification_id     TEXT PRIMARY KEY,   -- one per (application, reason, channel)
    application_id      TEXT NOT NULL,
    reason              INTEGER NOT NULL,
    channel             TEXT NOT NULL,
    fallback_channels   TEXT NOT NULL DEFAULT '[]',
    status              TEXT NOT NULL,      -- pending | sending | sent | failed
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     REAL NOT NULL,
    subject             TEXT NOT NULL,
    body                TEXT NOT NULL,
    last_error          TEXT NOT NULL DEFAULT '',
    provider_message_id TEXT NOT NULL DEFAULT '',
    delivery_status     TEXT NOT NULL DEFAULT '',   -- from the provider's receipt: delivered | failed
    traceparent         TEXT NOT NULL DEFAULT '',   -- the case's trace, continued when the message is sent
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS notifications_provider ON notifications (channel, provider_message_id);

CREATE TABLE IF NOT EXISTS inbox (
    notification_id TEXT PRIMARY KEY,
    subject_id      TEXT NOT NULL,
    application_id  TEXT NOT NULL,
    reason          INTEGER NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS inbox_subject ON inbox (subject_id, created_at);

-- Events that arrived before the case's ApplicationAccepted (another topic, so no ordering
-- between them): kept here and handled as soon as the acceptance arrives.
CREATE TABLE IF NOT EXISTS deferred_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL,
    event          BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS deferred_events_application ON deferred_events (application_id, id);

CREATE TABLE IF NOT EXISTS completions (
    application_id   TEXT PRIMARY KEY,
    completed_at     TEXT NOT NULL,
    department_codes TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS satisfaction (
    application_id TEXT PRIMARY KEY,        -- once per application
    rating         INTEGER NOT NULL,
    comment        TEXT NOT NULL,
    rated_by       TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    rated_at       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS satisfaction_departments (
    application_id  TEXT NOT NULL,
    department_code TEXT NOT NULL,
    PRIMARY KEY (application_id, department_code)
);
"""
SCHEMA = Schema("notification", (
    Migration(1, "recipients, notifications, in-app inbox, deferred events (release 0.1)", SCHEMA_1,
              step=_traceparent_if_missing),
    Migration(2, "notifications.claimed_by: a claim is one instance's lease",
              "ALTER TABLE notifications ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';"),
))


@dataclass(frozen=True)
class Recipient:
    application_id: str
    subject_id: str
    sealed_contact: bytes
    item_name: str
    facts: dict[str, str]


@dataclass(frozen=True)
class Notification:
    notification_id: str
    application_id: str
    reason: int
    channel: str
    fallback_channels: tuple[str, ...]
    attempts: int
    subject: str
    body: str
    traceparent: str = ""


def save_recipient(tx: Transaction, recipient: Recipient) -> None:
    tx.execute("INSERT INTO recipients (application_id, subject_id, sealed_contact, item_name, facts_json)"
               " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
               (recipient.application_id, recipient.subject_id, recipient.sealed_contact,
                                           recipient.item_name, json.dumps(recipient.facts, ensure_ascii=False)))


def recipient(tx: Transaction, application_id: str) -> Recipient | None:
    row = tx.execute("SELECT application_id, subject_id, sealed_contact, item_name, facts_json FROM recipients"
                     " WHERE application_id = ?", (application_id,)).fetchone()
    return Recipient(row[0], row[1], row[2], row[3], json.loads(row[4])) if row else None


def add_notification(tx: Transaction, notification: Notification, status: str = "pending") -> bool:
    cursor = tx.execute(
        "INSERT INTO notifications (notification_id, application_id, reason, channel, fallback_channels,"
        " status, next_attempt_at, subject, body, traceparent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (notification.notification_id, notification.application_id, notification.reason, notification.channel,
         json.dumps(notification.fallback_channels), status, time.time(), notification.subject, notification.body,
         notification.traceparent or current_traceparent()))
    return cursor.rowcount == 1


def add_to_inbox(tx: Transaction, notification: Notification, subject_id: str) -> None:
    tx.execute("INSERT INTO inbox (notification_id, subject_id, application_id, reason, subject, body)"
               " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
               (notification.notification_id, subject_id, notification.application_id,
                                              notification.reason, notification.subject, notification.body))


_COLUMNS = ("notification_id, application_id, reason, channel, fallback_channels, attempts, subject, body,"
            " traceparent")


def _notification(row: tuple[Any, ...]) -> Notification:
    return Notification(row[0], row[1], row[2], row[3], tuple(json.loads(row[4])), row[5], row[6], row[7], row[8])


def job_table(lease_s: float, db: Database) -> JobTable:
    """Messages as leased jobs: one an instance died sending is sent again once its lease lapses."""
    return JobTable("notifications", "notification_id", _COLUMNS, "sending", lease_s, skip_locked=db.skip_locked)


def claim_due(tx: Transaction, jobs: JobTable, limit: int, now: float) -> list[Notification]:
    return [_notification(row) for row in jobs.claim(tx, limit, now)]


def mark(tx: Transaction, notification_id: str, status: str, attempts: int, error: str = "",
         provider_message_id: str = "", next_attempt_at: float | None = None) -> None:
    tx.execute("UPDATE notifications SET status = ?, attempts = ?, last_error = ?, provider_message_id = ?,"
               " next_attempt_at = COALESCE(?, next_attempt_at) WHERE notification_id = ?",
               (status, attempts, error[:500], provider_message_id, next_attempt_at, notification_id))


def inbox(tx: Transaction, subject_id: str, limit: int) -> list[tuple[Any, ...]]:
    return tx.execute("SELECT notification_id, application_id, reason, subject, body, created_at FROM inbox"
                      " WHERE subject_id = ? ORDER BY created_at DESC LIMIT ?", (subject_id, limit)).fetchall()


def by_provider_id(tx: Transaction, channel: str, provider_message_id: str) -> Notification | None:
    row = tx.execute(f"SELECT {_COLUMNS} FROM notifications WHERE channel = ? AND provider_message_id = ?"
                     " AND provider_message_id != ''", (channel, provider_message_id)).fetchone()
    return _notification(row) if row else None


def set_delivery_status(tx: Transaction, notification_id: str, status: str) -> None:
    tx.execute("UPDATE notifications SET delivery_status = ? WHERE notification_id = ?", (status, notification_id))


def record_completion(tx: Transaction, application_id: str, completed_at: str, department_codes: list[str]) -> None:
    tx.execute("INSERT INTO completions (application_id, completed_at, department_codes) VALUES (?, ?, ?)"
               " ON CONFLICT DO NOTHING",
               (application_id, completed_at, json.dumps(sorted(set(department_codes)))))


def completion(tx: Transaction, application_id: str) -> tuple[str, list[str]] | None:
    row = tx.execute("SELECT completed_at, department_codes FROM completions WHERE application_id = ?",
                     (application_id,)).fetchone()
    return (row[0], json.loads(row[1])) if row else None


def add_rating(tx: Transaction, application_id: str, rating: int, comment: str, rated_by: str, region_code: str,
               rated_at: str, department_codes: list[str]) -> bool:
    cursor = tx.execute("INSERT INTO satisfaction (application_id, rating, comment, rated_by, region_code,"
                        " rated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        (application_id, rating, comment, rated_by, region_code, rated_at))
    if cursor.rowcount == 0:
        return False
    tx.executemany("INSERT INTO satisfaction_departments (application_id, department_code) VALUES (?, ?)"
                   " ON CONFLICT DO NOTHING",
                   [(application_id, code) for code in department_codes])
    return True


def rating_counts(tx: Transaction, department_code: str, region_prefix: str, since: str, until: str) -> dict[int, int]:
    query = ["SELECT rating, COUNT(*) FROM satisfaction s WHERE 1 = 1"]
    params: list[str] = []
    if department_code:
        query.append("AND EXISTS (SELECT 1 FROM satisfaction_departments d WHERE d.application_id = s.application_id"
                     " AND d.department_code = ?)")
        params.append(department_code)
    if region_prefix:
        query.append("AND s.region_code LIKE ?")
        params.append(region_prefix + "%")
    if since:
        query.append("AND s.rated_at >= ?")
        params.append(since)
    if until:
        query.append("AND s.rated_at < ?")
        params.append(until)
    rows = tx.execute(" ".join(query) + " GROUP BY rating", params).fetchall()
    return {int(rating): int(count) for rating, count in rows}


def defer(tx: Transaction, application_id: str, serialized_envelope: bytes) -> None:
    tx.execute("INSERT INTO deferred_events (application_id, event) VALUES (?, ?)",
               (application_id, serialized_envelope))


def take_deferred(tx: Transaction, application_id: str) -> list[bytes]:
    rows = tx.execute("SELECT id, event FROM deferred_events WHERE application_id = ? ORDER BY id",
                      (application_id,)).fetchall()
    tx.execute("DELETE FROM deferred_events WHERE application_id = ?", (application_id,))
    return [row[1] for row in rows]
