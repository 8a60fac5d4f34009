"""The sensor gateway's table: the readings it has taken, by (device, sequence), so a reading the
broker delivers again (QoS 1 is at least once; a crash between our commit and our PUBACK) is
taken once."""

from __future__ import annotations

from onewindow_platform.migrations import Migration, Schema
from onewindow_platform.storage import Transaction

SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS readings_taken (
    device_id    TEXT NOT NULL,
    sequence     INTEGER NOT NULL,
    taken_at     TEXT NOT NULL,            -- UTC ISO
    PRIMARY KEY (device_id, sequence)
);
"""
SCHEMA = Schema("sensor-gateway", (
    Migration(1, "readings taken, by device and sequence", SCHEMA_1),
))


def first_time(tx: Transaction, device_id: str, sequence: int, taken_at: str) -> bool:
    """True the first time (device, sequence) is seen; False for a reading taken before."""
    return tx.execute("INSERT INTO readings_taken (device_id, sequence, taken_at) VALUES (?, ?, ?)"
                      " ON CONFLICT DO NOTHING", (device_id, sequence, taken_at)).rowcount == 1
