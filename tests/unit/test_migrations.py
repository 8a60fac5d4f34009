"""Versioned migrations on real SQLite files: ordered, once each, all or nothing, a newer file
refused — and every database file release 0.1 left upgrades to exactly what a new file is."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from onewindow_audit import span_store
from onewindow_audit import storage as audit_storage
from onewindow_department_adapter import storage as adapter_storage
from onewindow_intake import storage as intake_storage
from onewindow_notification import storage as notification_storage
from onewindow_platform.config import ConfigurationError
from onewindow_platform.migrations import Migration, Schema, statements, upgrade
from onewindow_platform.postgres import PostgresDatabase, translate
from onewindow_platform.storage import Database, SqliteDatabase, schema_name
from onewindow_routing import storage as routing_storage

RELEASE_0_1 = Path(__file__).parents[1] / "fixtures" / "release-0.1"
SCHEMAS = {"intake": intake_storage.SCHEMA, "routing": routing_storage.SCHEMA,
           "department-adapter": adapter_storage.SCHEMA, "notification": notification_storage.SCHEMA,
           "audit": audit_storage.SCHEMA, "span-store": span_store.SCHEMA}


def _layout(path: Path) -> set[tuple[str, str, str]]:
    """Every table, index and trigger with its columns: what a service can rely on."""
    with sqlite3.connect(path) as conn:
        found = set()
        for kind, name, table in conn.execute("SELECT type, name, tbl_name FROM sqlite_master"
                                              " WHERE name NOT LIKE 'sqlite_%'"):
            columns = ",".join(f"{c[1]} {c[2]} {c[3]} {c[4]}" for c in conn.execute(f"PRAGMA table_info({table})"))
            found.add((kind, name, columns if kind == "table" else table))
        return found


def _ledger(path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT component, version FROM ow_schema_migrations ORDER BY 1, 2").fetchall()


@pytest.mark.parametrize("component", sorted(SCHEMAS))
def test_a_file_left_by_release_0_1_upgrades_to_what_a_new_file_is(tmp_path: Path, component: str) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.executescript((RELEASE_0_1 / f"{component}.sql").read_text())
    schema = SCHEMAS[component]

    upgraded = SqliteDatabase(old)
    schema.upgrade(upgraded)
    upgraded.close()
    fresh = SqliteDatabase(tmp_path / "new.db")
    schema.upgrade(fresh)
    fresh.close()

    assert _layout(old) == _layout(tmp_path / "new.db")
    assert _ledger(old) == _ledger(tmp_path / "new.db") == sorted(
        [("platform", 1), ("platform", 2), *((component, m.version) for m in schema.migrations)])
    with sqlite3.connect(old) as conn:  # what the old release applied is still known as applied
        assert conn.execute("SELECT consumer, \"offset\" FROM ow_inbox WHERE event_id = 'evt-kept'").fetchall() == [
            ("ow-x", 41)]
    again = SqliteDatabase(old)
    assert schema.upgrade(again) == []  # a second start applies nothing


def test_migrations_apply_in_order_once_and_a_failing_one_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "x.db")
    first = (Migration(1, "a table", "CREATE TABLE a (x TEXT); INSERT INTO a VALUES ('one;two');"),)
    assert upgrade(db, "demo", first) == [1]
    broken = (*first, Migration(2, "b", "CREATE TABLE b (y TEXT);"), Migration(3, "oops", "ALTER TABLE nope ADD z;"))
    with pytest.raises(sqlite3.OperationalError, match="nope"):
        upgrade(db, "demo", broken)
    conn = db.connection()
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'b'").fetchall() == []  # 2 rolled back too
    assert conn.execute("SELECT x FROM a").fetchall() == [("one;two",)]
    fixed = (*first, Migration(2, "b", "CREATE TABLE b (y TEXT);"), Migration(3, "z", "ALTER TABLE a ADD z TEXT;"))
    assert upgrade(db, "demo", fixed) == [2, 3]
    assert upgrade(db, "demo", fixed) == []


def test_a_file_newer_than_the_release_is_refused(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "x.db")
    upgrade(db, "demo", [Migration(1, "a", "CREATE TABLE a (x);"), Migration(2, "b", "CREATE TABLE b (x);")])
    with pytest.raises(ConfigurationError, match="schema version 2, newer than this release knows"):
        Schema("demo", (Migration(1, "a", "CREATE TABLE a (x);"),)).upgrade(db)


def test_versions_must_run_1_2_3(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="in order"):
        upgrade(SqliteDatabase(tmp_path / "x.db"), "demo", [Migration(2, "b", "SELECT 1;")])


def test_statements_split_at_semicolons_that_end_statements_only() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE t (x TEXT DEFAULT 'a;b');
    CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN UPDATE t SET x = 'c;d'; END;
    INSERT INTO t VALUES ('e'); INSERT INTO t VALUES ('f')
    """
    found = statements(script)
    assert len(found) == 4
    assert found[0] == "CREATE TABLE t (x TEXT DEFAULT 'a;b');"            # comments cut off
    assert found[1].startswith("CREATE TRIGGER") and found[1].endswith("END;")
    assert found[3] == "INSERT INTO t VALUES ('f');"


def test_an_apostrophe_in_a_comment_does_not_hide_the_rest_of_the_statement_from_postgres() -> None:
    script = """
    CREATE TABLE t (
        -- the watcher's next look
        next_at REAL NOT NULL DEFAULT 0,   -- when it's due
        note    TEXT NOT NULL DEFAULT '--not a comment'
    );
    """
    (statement,) = statements(script)
    assert "watcher" not in statement and "'--not a comment'" in statement
    assert "next_at DOUBLE PRECISION" in translate(statement)


def test_a_notification_file_from_before_the_traceparent_column_gets_it(tmp_path: Path) -> None:
    path = tmp_path / "older.db"
    create = notification_storage.SCHEMA_1.split("CREATE TABLE IF NOT EXISTS notifications", 1)[1].split(";")[0]
    older = "\n".join(line for line in create.splitlines() if not line.strip().startswith("traceparent"))
    assert "traceparent" not in older
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notifications" + older)
    db = SqliteDatabase(path)
    notification_storage.SCHEMA.upgrade(db)
    columns = {row[1] for row in db.connection().execute("PRAGMA table_info(notifications)")}
    assert "traceparent" in columns


def test_intake_v2_turns_the_parking_note_into_a_fact(tmp_path: Path) -> None:
    old = tmp_path / "intake.db"
    with sqlite3.connect(old) as conn:
        conn.executescript((RELEASE_0_1 / "intake.sql").read_text())
        for task_id, note in (("T1", "delivery parked after 8 attempts: timeout"), ("T2", "returned: wrong office")):
            conn.execute("INSERT INTO tasks (task_id, application_id, department_code, department_name, region_code,"
                         " level, step, status, note) VALUES (?, 'A1', 'D', 'd', '110101', 4, 1, 'x', ?)",
                         (task_id, note))
    db = SqliteDatabase(old)
    assert intake_storage.SCHEMA.upgrade(db) == [1, 2]  # 1 adopts the file (no ledger yet), 2 runs
    assert dict(db.connection().execute("SELECT task_id, parked FROM tasks").fetchall()) == {"T1": 1, "T2": 0}


@pytest.mark.postgres
@pytest.mark.parametrize("component", sorted(SCHEMAS))
def test_every_schema_applies_on_postgres_once_when_instances_start_together(postgres_url: str,
                                                                             component: str) -> None:
    schema = SCHEMAS[component]
    instances = [PostgresDatabase(postgres_url, schema_name(component)) for _ in range(3)]
    applied: list[list[int]] = []
    errors: list[BaseException] = []

    def start(db: Database) -> None:
        try:
            applied.append(schema.upgrade(db))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(db,)) for db in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(applied) == [[], [], list(range(1, len(schema.migrations) + 1))]  # one instance did it all
    elsewhere = PostgresDatabase(postgres_url, "elsewhere")  # one schema per service: its tables are its own
    ledger = "SELECT COUNT(*) FROM ow_schema_migrations WHERE component = ?"
    assert instances[0].connection().execute(ledger, (schema.component,)).fetchone() == (len(schema.migrations),)
    assert elsewhere.connection().execute(ledger, (schema.component,)).fetchone() == (0,)
    for db in (*instances, elsewhere):
        db.close()


@pytest.mark.postgres
def test_a_failing_migration_on_postgres_leaves_the_schema_as_it_was(postgres_url: str) -> None:
    import psycopg

    db = PostgresDatabase(postgres_url, "demo")
    first = (Migration(1, "a table", "CREATE TABLE a (x TEXT); INSERT INTO a VALUES ('one;two');"),)
    assert upgrade(db, "demo", first) == [1]
    broken = (*first, Migration(2, "b", "CREATE TABLE b (y TEXT);"),
              Migration(3, "oops", "ALTER TABLE nope ADD z TEXT;"))
    with pytest.raises(psycopg.errors.UndefinedTable):
        upgrade(db, "demo", broken)
    conn = db.connection()
    assert conn.execute("SELECT to_regclass('b')").fetchone() == (None,)  # 2 rolled back with 3
    assert conn.execute("SELECT x FROM a").fetchall() == [("one;two",)]
    assert upgrade(db, "demo", first) == []
    db.close()
