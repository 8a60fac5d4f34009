"""The topic registry: every topic, which events it carries, and how it is created.

Each domain has one topic keyed by application id (so a case's events stay in order on one
partition) — the ledger's is keyed by project id, a project being its own case — and a
dead-letter topic `<topic>.dlq`. Names are versioned like the contracts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaTimeoutError, TopicAlreadyExistsError

from onewindow.application.v1 import events_pb2 as application_events
from onewindow.feedback.v1 import events_pb2 as feedback_events
from onewindow.ledger.v1 import events_pb2 as ledger_events
from onewindow.notification.v1 import events_pb2 as notification_events
from onewindow.sensor.v1 import events_pb2 as sensor_events
from onewindow.supervision.v1 import events_pb2 as supervision_events
from onewindow.task.v1 import events_pb2 as task_events

from .config import PlatformSettings

log = logging.getLogger(__name__)

DLQ_SUFFIX = ".dlq"
MS_PER_DAY = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class Topic:
    name: str
    module: object  # the generated module whose messages this topic carries
    audited: bool = True  # its events go on the audit record (telemetry does not: its alerts do)

    @property
    def dlq(self) -> str:
        return self.name + DLQ_SUFFIX


APPLICATIONS = Topic("onewindow.applications.v1", application_events)  # an application as a whole
TASKS = Topic("onewindow.tasks.v1", task_events)  # one department's task within an application
NOTIFICATIONS = Topic("onewindow.notifications.v1", notification_events)  # messages sent to citizens
FEEDBACK = Topic("onewindow.feedback.v1", feedback_events)  # satisfaction ratings (好差评)
SUPERVISION = Topic("onewindow.supervision.v1", supervision_events)  # 督办 steps and 回访 calls
LEDGER = Topic("onewindow.ledger.v1", ledger_events)  # livelihood projects (实事项目台账), keyed by project id
SENSORS = Topic("onewindow.sensors.v1", sensor_events, audited=False)  # meter and alarm readings, by device id

ALL_TOPICS: tuple[Topic, ...] = (APPLICATIONS, TASKS, NOTIFICATIONS, FEEDBACK, SUPERVISION, LEDGER, SENSORS)


def physical_name(settings: PlatformSettings, name: str) -> str:
    """The topic's name on the cluster, with the deployment's prefix."""
    return settings.topic_prefix + name


def topic_for_event(event_type: str) -> Topic:
    """Which topic carries an event type (e.g. 'onewindow.task.v1.TaskDispatched')."""
    for topic in ALL_TOPICS:
        package = topic.module.DESCRIPTOR.package  # type: ignore[attr-defined]
        if event_type.startswith(package + "."):
            return topic
    raise KeyError(f"no topic carries event type {event_type!r}")


def ensure_topics(settings: PlatformSettings, admin: KafkaAdminClient | None = None) -> list[str]:
    """Create every event topic and its DLQ if missing. Returns the names that were created.

    Event topics keep records for `topic_retention_days` (180 by default: the Cybersecurity Law
    asks for six months of logs).
    """
    own_admin = admin is None
    admin = admin or KafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-admin",
    )
    try:
        existing = set(admin.list_topics())
        wanted: dict[str, dict[str, object]] = {}
        for topic in ALL_TOPICS:
            for name in (topic.name, topic.dlq):
                full = physical_name(settings, name)
                if full in existing:
                    continue
                wanted[full] = {
                    "num_partitions": settings.topic_partitions,
                    "replication_factor": settings.topic_replication_factor,
                    "configs": {
                        "retention.ms": str(settings.topic_retention_days * MS_PER_DAY),
                        "min.insync.replicas": "1" if settings.topic_replication_factor < 3 else "2",
                    },
                }
        created: list[str] = []
        for name, options in wanted.items():
            for attempt in range(1, 4):
                try:
                    admin.create_topics({name: options}, wait_for_metadata=True)
                    created.append(name)
                    break
                except TopicAlreadyExistsError:
                    # Another service created it between our listing and our request.
                    log.debug("topic already exists", extra={"topic": name})
                    break
                except KafkaTimeoutError:
                    # A busy broker (every service creates topics at start-up) can take longer than
                    # the client waits for the new topic's metadata; it is usually there a moment later.
                    if name in set(admin.list_topics()):
                        break
                    if attempt == 3:
                        raise
                    log.warning("topic not ready yet; asking again", extra={"topic": name, "attempt": attempt})
        if created:
            log.info("created topics", extra={"topics": created})
        return created
    finally:
        if own_admin:
            admin.close()
