"""The platform as `make run` starts it, for the benchmark: its own data folder and topics, agencies
that answer at once, no rate limits, and read-only views of the services' databases to count
what has been done."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from onewindow_devtools.registry import SERVICES


@dataclass
class BenchStack:
    work: Path
    bootstrap: str
    sampling_ratio: str = "1.0"
    without: tuple[str, ...] = ()  # services `make run` leaves out (OW_RUN_WITHOUT)
    database_url: str = ""  # PostgreSQL for every service's state ("" : SQLite files in `data`)
    instances: int = 1  # of each of our services (OW_RUN_INSTANCES)
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.topic_prefix = f"bench{os.urandom(3).hex()}."
        self._postgres: Any = None  # the progress reader's connection, when state is in PostgreSQL

    @property
    def data(self) -> Path:
        return self.work / "data"

    @property
    def url(self) -> str:
        return "http://127.0.0.1:" + os.environ.get("OW_GATEWAY_PORT", "8080")

    def env(self) -> dict[str, str]:
        return {**os.environ, "OW_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
                "OW_TOPIC_PREFIX": self.topic_prefix, "OW_DATA_DIR": str(self.data),
                "OW_RUN_QUIET": "1", "OW_LOG_LEVEL": "WARNING", "OW_SIMULATOR_COMPLETE_AFTER_S": "0",
                "OW_RATE_LIMIT_PER_S": "1000000", "OW_RATE_LIMIT_BURST": "1000000",
                "OW_TRACE_SAMPLING_RATIO": self.sampling_ratio, "OTEL_BSP_SCHEDULE_DELAY": "1000",
                "OW_RUN_WITHOUT": ",".join(self.without), "OW_DATABASE_URL": self.database_url,
                "OW_RUN_INSTANCES": str(self.instances)}

    def start(self, timeout_s: float = 120) -> BenchStack:
        self.work.mkdir(parents=True, exist_ok=True)
        out = open(self.work / "run.out", "wb")  # noqa: SIM115 - the supervisor writes here until stop()
        self.process = subprocess.Popen([sys.executable, "-m", "onewindow_devtools.run_stack"], cwd=self.work,
                                        env=self.env(), stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while "gateway listening at" not in (self.work / "run.out").read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the stack did not come up:\n" + (self.work / "run.out").read_text()[-3000:])
            time.sleep(0.5)
        return self

    def submit(self, body: dict[str, object], timeout_s: float = 90) -> int:
        """One submission (the warm-up), retried while the services behind the gateway start."""
        key = os.urandom(8).hex()
        deadline = time.monotonic() + timeout_s
        while True:
            request = urllib.request.Request(
                f"{self.url}/api/v1/applications", data=json.dumps(body).encode(), method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token()}",
                         "Idempotency-Key": key})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return int(response.status)
            except urllib.error.HTTPError as exc:
                if exc.code != 503 or time.monotonic() > deadline:
                    return int(exc.code)
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(1.0)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self._postgres is not None:
            self._postgres.close()

    def token(self, role: str = "clerk") -> str:
        return str(json.loads((self.work / ".run" / "dev-tokens.json").read_text())[role])

    # -- what has been done, read from the services' own databases ------------------------------

    def _count(self, database: str, sql: str) -> int:
        if self.database_url and database != "agency-simulator.db":
            return self._count_postgres(database.removesuffix(".db").removeprefix("ow-"), sql)
        path = self.data / database
        if not path.exists():
            return 0
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as conn:
            try:
                row = conn.execute(sql).fetchone()  # no row: e.g. an outbox never written to
                return int(row[0] or 0) if row else 0
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):  # the service has not created it yet
                    return 0
                raise

    # The same counts on PostgreSQL: the outbox's identity sequence for SQLite's AUTOINCREMENT
    # counter, a count for the highest rowid (PostgreSQL tables have none).
    _ON_POSTGRES: ClassVar[dict[str, str]] = {"SELECT seq FROM sqlite_sequence WHERE name = 'ow_outbox'":
                    "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ow_outbox_id_seq",
                    "SELECT max(rowid) FROM applications": "SELECT count(*) FROM applications",
                    "SELECT max(rowid) FROM notifications": "SELECT count(*) FROM notifications"}

    def _count_postgres(self, service: str, sql: str) -> int:
        import psycopg

        from onewindow_platform.storage import schema_name

        # One connection for every look (psycopg serialises the monitor's and the main thread's):
        # a new one per look would fork a server backend and be counted as the services' cost.
        if self._postgres is None or self._postgres.closed:
            self._postgres = psycopg.connect(self.database_url, autocommit=True)
        try:
            self._postgres.execute(f'SET search_path TO "{schema_name(service)}"')
            row = self._postgres.execute(self._ON_POSTGRES.get(sql, sql)).fetchone()
        except psycopg.errors.UndefinedTable:  # the service has not created it yet
            return 0
        return int(row[0] or 0) if row else 0

    def progress(self) -> dict[str, int]:
        """How far the cases have come, from the services' own databases. Every count is a
        primary-key or index lookup (never a scan of a growing table), cheap enough to take every
        half second without competing with the stack:

        - accepted: applications filed (the highest rowid: nothing is ever deleted);
        - open: cases not completed (an index range on the status, as long as the backlog);
        - notifications / notifications_open: messages queued on any channel, and those pending,
          claimed or waiting for a retry (the index the sender claims from);
        - events_staged: events every service has put in its outbox (the outbox's AUTOINCREMENT
          counter), events_audited: records on the audit chain (its highest sequence number).
        """
        staged = sum(self._count(f"{name}.db", "SELECT seq FROM sqlite_sequence WHERE name = 'ow_outbox'")
                     for name in (c.name for c in SERVICES))
        accepted = self._count("ow-intake.db", "SELECT max(rowid) FROM applications")
        open_cases = self._count("ow-intake.db", "SELECT count(*) FROM applications"
                                                 " WHERE status < 'completed' OR status > 'completed'")
        notifications = self._count("ow-notification.db", "SELECT max(rowid) FROM notifications")
        notifications_open = self._count("ow-notification.db", "SELECT count(*) FROM notifications"
                                                               " WHERE status IN ('pending', 'sending')")
        return {"accepted": accepted, "open": open_cases, "completed": accepted - open_cases,
                "notifications": notifications, "notifications_open": notifications_open,
                "notified": notifications - notifications_open, "events_staged": staged,
                "events_audited": self._count("ow-audit.db", "SELECT max(sequence) FROM audit_log")}

    def accept_to_dispatch_ms(self, since: dt.datetime) -> list[float]:
        """Per task of cases accepted since `since`: from the case's acceptance (intake) to the
        agency's receipt (simulator)."""
        return sorted(ms for _, ms in self.accept_to_dispatch_points(since))

    def accept_to_dispatch_points(self, since: dt.datetime) -> list[tuple[float, float]]:
        """(when the case was accepted, as a Unix time; milliseconds until the agency had the task)."""
        intake = self.data / "ow-intake.db"
        simulator = self.data / "agency-simulator.db"
        accepted: dict[str, str]
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as pg:
                accepted = {str(a): str(at) for a, at in pg.execute(
                    "SELECT application_id, submitted_at FROM intake.applications").fetchall()}
        else:
            with sqlite3.connect(f"file:{intake}?mode=ro", uri=True) as conn:
                accepted = dict(conn.execute("SELECT application_id, submitted_at FROM applications").fetchall())
        with sqlite3.connect(f"file:{simulator}?mode=ro", uri=True) as conn:
            received = conn.execute("SELECT application_id, received_at FROM tasks").fetchall()
        points = []
        for app, at in received:
            if app in accepted and (start := _instant(accepted[app])) >= since:
                points.append((start.timestamp(), (_instant(at) - start).total_seconds() * 1000))
        return points

    def traced_cases(self) -> dict[str, int]:
        """Cases whose every audit record carries a trace id (the trace context travelled every hop),
        out of all cases on record."""
        total = self._count("ow-audit.db", "SELECT count(DISTINCT application_id) FROM audit_log")
        untraced = self._count("ow-audit.db",
                               "SELECT count(DISTINCT application_id) FROM audit_log WHERE trace_id = ''")
        return {"cases": total, "traced": total - untraced}

    def mean_record_bytes(self, sample: int = 500) -> int:
        """Mean size (key + value + headers) of the records on the applications topic."""
        from kafka import KafkaConsumer, TopicPartition

        topic = self.topic_prefix + "onewindow.applications.v1"
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None)
        try:
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            consumer.assign(partitions)
            consumer.seek_to_beginning()
            sizes: list[int] = []
            deadline = time.monotonic() + 30
            while len(sizes) < sample and time.monotonic() < deadline:
                for batch in consumer.poll(timeout_ms=500).values():
                    sizes += [len(r.key or b"") + len(r.value or b"") + sum(len(k) + len(v or b"")
                                                                             for k, v in r.headers or [])
                              for r in batch]
            return int(sum(sizes) / len(sizes)) if sizes else 1024
        finally:
            consumer.close()


def _instant(value: str) -> dt.datetime:
    stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
