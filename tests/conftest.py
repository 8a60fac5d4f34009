"""Shared fixtures: a real Kafka broker (and, where asked for, a real PostgreSQL server and MQTT
broker) for the whole session, and per-test isolation.

The broker comes from, in order: OW_KAFKA_BOOTSTRAP_SERVERS (an existing cluster, which is how
`make test` runs), pytest-docker with docker-compose.yml when a Docker engine answers, or the
project's own JVM broker from Maven Central. A broker that cannot be had fails the run: the
Kafka-backed tests are never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer

from onewindow_platform.config import PlatformSettings, load_settings
from onewindow_platform.kafka import BrokerUnavailable, make_producer, wait_for_broker
from onewindow_platform.storage import Database, SqliteDatabase, schema_name
from onewindow_platform.topics import ensure_topics
from tests.support.processes import ServiceProcess

REPO = Path(__file__).resolve().parent.parent
PROBE_SERVICE = str(REPO / "tests" / "support" / "probe_service.py")


def _docker_engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def docker_compose_file() -> str:
    return str(REPO / "docker-compose.yml")


@pytest.fixture(scope="session")
def docker_setup() -> list[str]:
    return ["up --build --wait kafka"]


@pytest.fixture(scope="session")
def kafka_bootstrap(request: pytest.FixtureRequest) -> Iterator[str]:
    external = os.environ.get("OW_KAFKA_BOOTSTRAP_SERVERS")
    try:
        if external:
            wait_for_broker(external, timeout_s=60)
            yield external
            return
        if _docker_engine_answers():
            request.getfixturevalue("docker_services")
            bootstrap = "127.0.0.1:9092"
            wait_for_broker(bootstrap, timeout_s=120)
            yield bootstrap
            return
    except BrokerUnavailable as exc:
        pytest.fail(f"the Kafka-backed tests need a broker: {exc}", pytrace=False)
    from onewindow_devtools.kafka_local import LocalBroker, SetupError

    broker = LocalBroker.from_env()
    try:
        started = broker.up()
    except (SetupError, BrokerUnavailable) as exc:
        pytest.fail(f"could not start the local Kafka broker: {exc}", pytrace=False)
    yield broker.bootstrap
    if started:
        broker.down()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server: OW_TEST_POSTGRES_URL, or Debian's package started (and installed
    when missing) by the project's own script. Yields an admin URL; never skipped."""
    external = os.environ.get("OW_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    from onewindow_devtools.pg_local import LocalPostgres, SetupError

    server = LocalPostgres.from_env()
    try:
        started = server.up()
    except SetupError as exc:
        pytest.fail(f"could not start the local PostgreSQL server: {exc}", pytrace=False)
    yield server.url()
    if started:
        server.down()


@pytest.fixture(scope="session")
def mqtt_url() -> Iterator[str]:
    """A real MQTT broker: OW_MQTT_URL, or Debian's Mosquitto started (and installed when
    missing) by the project's own script. Never skipped."""
    external = os.environ.get("OW_MQTT_URL")
    if external:
        yield external
        return
    from onewindow_devtools.mqtt_local import LocalMqtt, SetupError

    broker = LocalMqtt.from_env()
    try:
        started = broker.up()
    except SetupError as exc:
        pytest.fail(f"could not start the local MQTT broker: {exc}", pytrace=False)
    yield broker.url()
    if started:
        broker.down()


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A database of this test's own on the session's PostgreSQL server."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], Database]]:
    """Opens a service database on each back-end: a SQLite file in the test's folder, or a
    schema on a database of the test's own on the real PostgreSQL server. Called again with the
    same name it opens the same store again (another instance of the service)."""
    opened: list[Database] = []
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else ""

    def open_one(name: str = "service") -> Database:
        db: Database
        if url:
            from onewindow_platform.postgres import PostgresDatabase

            db = PostgresDatabase(url, schema_name(name))
        else:
            db = SqliteDatabase(tmp_path / f"{name}.db")
        opened.append(db)
        return db

    yield open_one
    for db in opened:
        db.close()


@pytest.fixture
def database(database_factory: Callable[[str], Database]) -> Database:
    """A service database on each back-end (see database_factory)."""
    return database_factory("service")


@pytest.fixture
def topic_prefix() -> str:
    """Every test gets its own topics, so tests cannot see each other's records."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def platform_settings(kafka_bootstrap: str, topic_prefix: str, tmp_path: Path) -> PlatformSettings:
    return load_settings(
        PlatformSettings, kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix,
        service_name="ow-tests", data_dir=tmp_path / "data",
    )


@pytest.fixture
def topics(platform_settings: PlatformSettings) -> PlatformSettings:
    """Creates this test's topics (and DLQs) on the broker."""
    ensure_topics(platform_settings)
    return platform_settings


@pytest.fixture
def producer(platform_settings: PlatformSettings) -> Iterator[KafkaProducer]:
    producer = make_producer(platform_settings)
    yield producer
    producer.close(timeout=10)


@pytest.fixture
def probe_factory(kafka_bootstrap: str, topic_prefix: str,
                  tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    """Builds probe-service processes sharing this test's topics, group and database."""
    started: list[ServiceProcess] = []
    group = f"ow-probe-{uuid.uuid4().hex[:8]}"

    def build(name: str = "probe", **env: str) -> ServiceProcess:
        workdir = tmp_path / name
        base_env = {
            "OW_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "OW_TOPIC_PREFIX": topic_prefix,
            "OW_SERVICE_NAME": group,
            "OW_DATA_DIR": str(tmp_path / "probe-data"),
            "OW_TRACE_FILE": str(tmp_path / "spans.jsonl"),
            "OW_RETRY_BACKOFF_INITIAL_MS": "20",
            "OW_HANDLER_MAX_ATTEMPTS": "3",
            "PYTHONPATH": str(REPO),
        }
        process = ServiceProcess.python_module(PROBE_SERVICE, {**base_env, **env}, workdir, name)
        started.append(process)
        return process

    yield build
    for process in started:
        process.kill()
