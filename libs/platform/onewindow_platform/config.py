"""Settings from environment variables with safe local defaults.

Every service builds one settings object through `load_settings` (a factory, not an import-time
singleton, so tests can run several services in one process). Service-specific settings
subclass `PlatformSettings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import AliasChoices, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Kafka's segment roll (7 days, the broker's default segment.ms) + 1 day of clock skew: how much
# longer than the topic retention a record can still be delivered (see onewindow_platform/inbox.py).
INBOX_MARGIN_DAYS = 8

class ConfigurationError(RuntimeError):
    """Bad configuration; the message names the variable and what to change."""


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OW_", extra="ignore", frozen=True)

    service_name: str = Field(
        default="ow-service",
        validation_alias=AliasChoices("OTEL_SERVICE_NAME", "OW_SERVICE_NAME"),
        description="Service name in logs, spans, consumer group and event source.",
    )
    instance_id: str = Field(
        default="", description="Tells apart the instances of one service that share a data folder (their "
                                "liveness files); empty when each instance has a folder (a pod) of its own",
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        description="Kafka cluster; when set, `make run` and `make test` start no broker of their own",
    )
    kafka_client_id: str = Field(description="Kafka client id (default: the service name)", default="")
    kafka_startup_timeout_s: float = Field(
        default=30.0, gt=0,
        description="How long a service waits for the broker at start-up before it fails",
    )
    topic_prefix: str = Field(default="", description="Prefix for every topic name (tests, tenants).")
    topic_partitions: int = Field(description="Partitions of the topics a service creates", default=6, ge=1)
    topic_replication_factor: int = Field(description="Replication of the topics a service creates", default=1, ge=1)
    topic_retention_days: int = Field(
        default=180, ge=1,
        description="Retention of the event topics (the Cybersecurity Law asks for logs of at least 6 months)",
    )

    data_dir: Path = Field(
        default=Path(".data"),
        description="Where each service keeps its SQLite file and development keys",
    )
    database_path: Path | None = Field(default=None, description="SQLite file; default <data_dir>/<service>.db")
    database_url: str | None = Field(
        default=None, description="postgresql://… to keep the service's state in PostgreSQL (every instance of "
                                  "the service on one database); unset: the SQLite file above",
    )
    database_schema: str = Field(
        default="", description="The service's schema in that database; default: the service's own name "
                                "(intake, routing, department_adapter, notification, audit)",
    )

    consumer_max_poll_records: int = Field(description="Records per poll", default=500, ge=1)
    consumer_poll_timeout_ms: int = Field(
        default=2000, ge=10, description="Longest a poll blocks when nothing comes (a record ends it at once): "
                                         "how often an idle service's loop turns, and how long SIGTERM may wait.",
    )
    consumer_fetch_min_bytes: int = Field(
        default=65_536, ge=1, description="While records flow, the broker answers a fetch once this much is waiting "
                                          "(or the wait below is over): batches instead of a fetch per record.",
    )
    consumer_fetch_max_wait_ms: int = Field(
        default=25, ge=0, description="While records flow, how long the broker may hold a fetch to fill a batch: "
                                      "at most this much latency per hop.",
    )
    consumer_idle_fetch_max_wait_ms: int = Field(
        default=2000, ge=0, description="Once a poll came back empty: the broker answers at the first record, "
                                        "or after this long (few requests while nothing happens).",
    )
    consumer_transaction_max_records: int = Field(
        default=100, ge=1,
        description="Records handled in one local transaction (one fsync); more means fewer fsyncs, "
                    "but a longer hold on the database's write lock.",
    )
    consumer_session_timeout_ms: int = Field(
        default=10_000, ge=1000, description="How soon the group notices a crashed member (Kafka's default is 45 s).",
    )
    consumer_commit_interval_ms: int = Field(
        default=250, ge=0, description="Least time between offset commits; 0 commits after every poll.",
    )
    inbox_retention_days: float | None = Field(
        default=None, gt=0,
        description="How long the inbox remembers an applied event; a redelivery within it is skipped. Default "
                    "and least allowed: the topic retention + 8 days (why: onewindow_platform/inbox.py).",
    )
    inbox_prune_interval_s: float = Field(
        default=3600.0, gt=0, description="Least time between two prunings of the inbox (only while events come).",
    )
    handler_max_attempts: int = Field(default=5, ge=1, description="Tries before a record goes to the DLQ.")
    job_lease_s: float = Field(
        default=15.0, gt=0,
        description="How long a claimed job (an agency delivery, a message) stays an instance's: renewed every "
                    "third of it while the job runs; once it lapses (the instance died) any instance takes the job",
    )
    retry_backoff_initial_ms: int = Field(
        default=100, ge=1,
        description="First wait before a failed handler is tried again (doubling, with jitter)",
    )
    retry_backoff_max_ms: int = Field(
        default=10_000, ge=1,
        description="Longest wait between two tries of a failed handler",
    )
    producer_linger_ms: int = Field(
        default=5, ge=0,
        description="How long the producer may hold a record to batch it with others",
    )
    relay_batch_size: int = Field(description="Outbox rows the relay publishes in one batch", default=500, ge=1)
    relay_idle_interval_ms: int = Field(
        default=5000, ge=10,
        description="Longest wait of the relay between two looks at the outbox. Every commit that stages "
                    "events wakes it, so this is only a safety net (rows staged by another process); "
                    "a failed publish is retried with its own backoff.",
    )

    log_level: str = Field(
        default="INFO",
        description="JSON logs on stderr at this level; ID-card and phone numbers are always masked",
    )
    log_file: Path | None = Field(description="Also write the logs to this file", default=None)

    trace_file: Path | None = Field(default=None, description="Also write finished spans as JSON lines here.")
    otlp_endpoint: str | None = Field(
        description="Export spans with OTLP/gRPC here (the audit service's span store under `make run`, "
                    "Jaeger, a collector)",
        default=None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "OW_OTLP_ENDPOINT"),
    )
    trace_sampling_ratio: float = Field(
        default=1.0, ge=0.0, le=1.0,
        description="Share of traces exported (parent-based: a case's spans are all kept or all dropped)",
    )
    consumer_spans: bool = Field(
        default=True, description="A 'process <topic>' span per handled record. A sink that records every event "
                                  "(the audit) turns it off: its record already says when the event arrived, and "
                                  "the handler still sees the trace context the event came with.",
    )

    failpoints: str = Field(default="", description="Fault injection for tests, e.g. 'consumer.after_commit=3'.")

    @model_validator(mode="after")
    def _inbox_outlives_every_redelivery(self) -> PlatformSettings:
        shortest = self.topic_retention_days + INBOX_MARGIN_DAYS
        if self.inbox_retention_days is not None and self.inbox_retention_days < shortest:
            raise ValueError(f"inbox_retention_days must be at least the topic retention + {INBOX_MARGIN_DAYS} "
                             f"days ({shortest}): a record can be delivered again until then")
        return self

    def resolved_inbox_retention_days(self) -> float:
        return self.inbox_retention_days or self.topic_retention_days + INBOX_MARGIN_DAYS

    @property
    def consumer_group(self) -> str:
        # The topic prefix names a deployment (a tenant, a test stack) on a shared cluster; its
        # groups carry it too, or two deployments' services would join one group and rebalance
        # each other (and stall each other's consumers) whenever either starts or stops.
        return self.topic_prefix + self.service_name

    def resolved_database_path(self) -> Path:
        return self.database_path or self.data_dir / f"{self.service_name}.db"


SettingsT = TypeVar("SettingsT", bound=PlatformSettings)


def load_settings(cls: type[SettingsT], **overrides: object) -> SettingsT:
    """Build settings from the environment, turning validation errors into one clear message."""
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        prefix = cls.model_config.get("env_prefix", "")
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            problems.append(f"{prefix}{field.upper()}: {error['msg']} (got {error.get('input')!r})")
        raise ConfigurationError("invalid configuration:\n  " + "\n  ".join(problems)) from None
