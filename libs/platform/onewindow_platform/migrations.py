"""Versioned schema migrations: each component of a database file (the platform's tables, a
service's tables) has an ordered list of migrations, applied once each, in order, at start-up.

    MIGRATIONS = (
        Migration(1, "the tables of release 0.1", SCHEMA_0_1),
        Migration(2, "index notifications by subject", "CREATE INDEX …"),
    )
    upgrade(db, "notification", MIGRATIONS)       # or: SCHEMA = Schema("notification", MIGRATIONS)

`ow_schema_migrations` records which versions each component has. Every pending migration runs
in one transaction together with its ledger row (SQLite's and PostgreSQL's DDL are both
transactional): a crash mid-upgrade leaves the database at its old version, never half-way, and
several instances starting at once upgrade it once (SQLite's write lock; on PostgreSQL an
advisory lock per schema). A file at a version newer than this release knows
is refused — an old release would misread it.

Version 1 of every component is the schema of the release before migrations existed, written
with `IF NOT EXISTS`, so it also adopts a file that release left (tables there, no ledger).

Why not Alembic: it would bring SQLAlchemy into services that speak plain SQL, an `env.py`
and a versions folder per service, and a second way to open the database; these migrations
need only ordered SQL in the transaction the service already opens, and this is all of it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import ConfigurationError

if TYPE_CHECKING:  # storage applies the platform's own migrations, so it imports this module
    from .storage import Database

Transaction = Any  # a sqlite3 connection or the PostgreSQL adapter (storage.Transaction)

LEDGER = """
CREATE TABLE IF NOT EXISTS ow_schema_migrations (
    component   TEXT NOT NULL,
    version     INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at  TEXT NOT NULL,
    PRIMARY KEY (component, version)
)"""


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str = ""
    # For what SQL alone cannot say (a column only some older files lack); runs after `sql`.
    step: Callable[[Transaction], None] | None = None


@dataclass(frozen=True)
class Schema:
    """One component's tables: a stable name (never the configurable service name) and its
    migrations, oldest first."""

    component: str
    migrations: tuple[Migration, ...]

    def upgrade(self, db: Database) -> list[int]:
        return upgrade(db, self.component, self.migrations)


def statements(script: str) -> list[str]:
    """The script's statements one by one (executescript would commit on its own), without their
    `--` comments; a `;` inside a string, a comment or a trigger body does not end a statement."""
    found, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            code = _without_comments(current)
            if code.strip().strip(";").strip():
                found.append(code.strip().rstrip(";").rstrip() + ";")
            current = ""
    return found


def _without_comments(sql: str) -> str:
    """`sql` with every `--` comment cut off (one outside a string literal or a quoted name): an
    apostrophe in a comment ("the watcher's job") would otherwise open a literal for the
    PostgreSQL translation, which then leaves the rest of the statement untranslated."""
    lines = []
    for line in sql.splitlines():
        quote = ""
        for i, char in enumerate(line):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif line.startswith("--", i):
                line = line[:i].rstrip()
                break
        if line.strip():
            lines.append(line)
    return "\n".join(lines)


def _check_order(component: str, migrations: Sequence[Migration]) -> None:
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"{component}: migration versions must be 1, 2, 3 … in order, not {versions}")


def current_version(conn: Any, component: str) -> int:
    row = conn.execute("SELECT MAX(version) FROM ow_schema_migrations WHERE component = ?",
                       (component,)).fetchone()
    return int(row[0] or 0)


def upgrade(db: Database, component: str, migrations: Sequence[Migration]) -> list[int]:
    """Bring `component` of a service's database to its newest version; returns the versions
    applied now."""
    with db.transaction() as tx:
        db.lock(tx, "schema upgrade")
        return apply_pending(tx, db.where, component, migrations)


def apply_pending(tx: Any, where: str, component: str, migrations: Sequence[Migration]) -> list[int]:
    """Inside the caller's transaction: the ledger, then every migration newer than the ledger's
    version, each with its ledger row."""
    _check_order(component, migrations)
    tx.execute(LEDGER)
    at = current_version(tx, component)
    if at > len(migrations):
        raise ConfigurationError(
            f"{where}: {component} tables are at schema version {at}, newer than this release knows "
            f"({len(migrations)}); run the release that wrote them, or a newer one")
    applied = []
    for migration in migrations[at:]:
        for statement in statements(migration.sql):
            tx.execute(statement)
        if migration.step is not None:
            migration.step(tx)
        tx.execute("INSERT INTO ow_schema_migrations (component, version, description, applied_at)"
                   " VALUES (?, ?, ?, ?)",
                   (component, migration.version, migration.description, dt.datetime.now(dt.UTC).isoformat()))
        applied.append(migration.version)
    return applied


def add_column_if_missing(tx: Transaction, table: str, column: str, definition: str) -> None:
    """For a step: a column that files older than the migration's baseline lack. (The columns
    are read off an empty SELECT, which both back-ends describe.)"""
    if column not in {d[0] for d in tx.execute(f"SELECT * FROM {table} LIMIT 0").description}:
        tx.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
