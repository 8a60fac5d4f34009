"""The delivery worker: takes due deliveries, calls the agency through its connector, and records
the outcome with its event in one transaction.

Each task reaches its agency exactly once as the agency sees it: every attempt carries the same
Idempotency-Key (task id + dispatch number), so a retry after a timeout or after our own crash
finds the task the agency already has. After the retry budget a task is parked, announced with
TaskDeliveryFailed and copied to the DLQ with the reason; ops can replay it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from kafka import KafkaProducer
from kafka.errors import KafkaError
from opentelemetry.trace import SpanKind, Status, StatusCode

from onewindow.task.v1.events_pb2 import TaskDelivered, TaskDeliveryFailed
from onewindow_platform.backoff import backoff_delay
from onewindow_platform.dead_letters import dead_letter_headers
from onewindow_platform.events import build_envelope, derived_id
from onewindow_platform.failpoints import failpoint
from onewindow_platform.outbox import OutboxRelay, add_to_outbox
from onewindow_platform.storage import Database
from onewindow_platform.topics import SUPERVISION, TASKS, physical_name
from onewindow_platform.tracing import APPLICATION_ID_ATTRIBUTE, context_from_traceparent, current_traceparent, tracer
from onewindow_platform.worker import PollingWorker

from . import storage
from .connectors import Connector, ConnectorConfig, DeliveryError
from .connectors.grpc_agency import GrpcConnector
from .connectors.webhook import WebhookConnector
from .domain.retry import CircuitBreaker
from .settings import AdapterSettings

log = logging.getLogger(__name__)


class DeliveryWorker:
    def __init__(self, settings: AdapterSettings, db: Database, config: ConnectorConfig, relay: OutboxRelay,
                 producer: KafkaProducer) -> None:
        self.settings = settings
        self.db = db
        self.config = config
        self.relay = relay
        self.producer = producer
        self.policy = config.policy
        self.breaker = CircuitBreaker(failures=self.policy.breaker_failures, open_s=self.policy.breaker_open_s)
        self.connectors: dict[str, Connector] = {
            rule.name: (WebhookConnector(rule, self.policy) if rule.kind == "webhook"
                        else GrpcConnector(rule, self.policy))
            for rule in config.rules
        }
        self._tracer = tracer("onewindow.delivery")
        self.jobs = storage.job_table(settings.job_lease_s, self.db)
        self._worker = PollingWorker("deliver", self._claim, self._attempt_or_postpone,
                                     lambda: self.jobs.next_due(self.db.connection()),
                                     workers=settings.delivery_workers, renew=self._renew,
                                     renew_every_s=settings.job_lease_s / 3)

    def wake(self) -> None:
        self._worker.wake()

    def start(self) -> None:
        self._worker.start()

    def stop(self) -> None:
        self._worker.stop()
        for connector in self.connectors.values():
            connector.close()

    def _claim(self, limit: int) -> list[storage.Delivery]:
        with self.db.transaction() as tx:
            return storage.claim_due(tx, self.jobs, limit, time.time())

    def _renew(self) -> None:
        with self.db.transaction() as tx:
            self.jobs.renew(tx, time.time())

    def _attempt_or_postpone(self, delivery: storage.Delivery) -> None:
        try:
            self.attempt(delivery)
        except Exception:
            log.exception("delivery attempt crashed; it will be retried", extra={"task_id": delivery.task_id})
            with self.db.transaction() as tx:
                storage.postpone(tx, delivery, time.time() + self.policy.backoff_initial_s)

    def attempt(self, delivery: storage.Delivery) -> None:
        department = delivery.department_code
        if not self.breaker.allow(department):
            with self.db.transaction() as tx:
                storage.postpone(tx, delivery, time.time() + min(1.0, self.policy.breaker_open_s))
            return
        rule = self.config.rule_for(department)
        attempts = delivery.attempts + 1
        with self._tracer.start_as_current_span(
            f"deliver {department}", kind=SpanKind.CLIENT,
            context=context_from_traceparent(delivery.request.traceparent),
            attributes={APPLICATION_ID_ATTRIBUTE: delivery.application_id, "onewindow.department.code": department,
                        "onewindow.task.id": delivery.task_id, "onewindow.connector": rule.name,
                        "onewindow.delivery.attempt": attempts},
        ) as span:
            request = delivery.request.__class__(**{**delivery.request.__dict__, "traceparent": current_traceparent()})
            try:
                reference = self.connectors[rule.name].deliver(request)
            except DeliveryError as exc:
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                self.breaker.record_failure(department)
                self._failed(delivery, attempts, str(exc))
                return
            self.breaker.record_success(department)
            failpoint("delivery.after_agency_call")  # the agency has it; we have not recorded that
            with self.db.transaction() as tx:
                storage.mark_delivered(tx, delivery, reference, attempts)
                if delivery.request.kind != "task":
                    return  # material or a notice: the agency has it; its next callback says what it did
                delivered = TaskDelivered(task_id=delivery.task_id, department_code=department,
                                          agency_reference=reference, attempts=attempts)
                add_to_outbox(tx, self.settings, build_envelope(
                    delivered, application_id=delivery.application_id, source=self.settings.service_name,
                    event_id=derived_id("delivered", delivery.task_id, str(delivery.dispatch_number))))
        self.relay.wake()

    def _failed(self, delivery: storage.Delivery, attempts: int, error: str) -> None:
        log.warning("delivery failed", extra={"task_id": delivery.task_id, "department": delivery.department_code,
                                              "attempt": attempts, "error": error})
        if attempts < self.policy.max_attempts:
            delay = backoff_delay(attempts, self.policy.backoff_initial_s, self.policy.backoff_max_s)
            with self.db.transaction() as tx:
                storage.reschedule(tx, delivery, attempts, error, time.time() + delay)
            return
        now = dt.datetime.now(dt.UTC).isoformat()
        with self.db.transaction() as tx:
            storage.park(tx, delivery, attempts, error, now)
            if delivery.request.kind != "notice":  # a notice that cannot be sent leaves the task as it is
                what = "supplement: " if delivery.request.kind == "supplement" else ""
                failed = TaskDeliveryFailed(task_id=delivery.task_id, department_code=delivery.department_code,
                                            reason=what + error, attempts=attempts, parked=True)
                add_to_outbox(tx, self.settings, build_envelope(
                    failed, application_id=delivery.application_id, source=self.settings.service_name,
                    event_id=derived_id("parked", delivery.task_id, str(delivery.dispatch_number), now)))
        self.relay.wake()
        self._copy_to_dlq(delivery, error, attempts)
        log.error("delivery parked after its retry budget", extra={"task_id": delivery.task_id, "error": error,
                                                                   "kind": delivery.request.kind})

    def _copy_to_dlq(self, delivery: storage.Delivery, error: str, attempts: int) -> None:
        # The record it came with goes back to the DLQ of its own topic (a notice's: supervision's).
        topic = physical_name(self.settings, SUPERVISION.dlq if delivery.request.kind == "notice" else TASKS.dlq)
        failure = f"delivery to {delivery.department_code} failed: {error}"
        headers = dead_letter_headers("delivery-budget-spent", failure, attempts, self.settings.consumer_group,
                                      task_id=delivery.task_id)
        try:
            self.producer.send(topic, key=delivery.application_id.encode(), value=delivery.record_value,
                               headers=headers).get(timeout=30)
        except KafkaError as exc:
            # The parked row and its TaskDeliveryFailed event are durable already; the DLQ copy is for
            # operators' tooling, so a broker outage here is logged rather than retried forever.
            log.warning("could not copy the parked task to the DLQ", extra={"error": str(exc)})
