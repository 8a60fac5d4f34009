"""Readings from the MQTT broker onto Kafka, nothing lost and each once.

The gateway keeps a persistent session at the broker (clean session off, a fixed client id) and
subscribes with QoS 1, so readings published while it is down wait at the broker. A reading is
acknowledged (PUBACK) only after the transaction that took it committed: its (device, sequence)
row and its SensorReadingReceived in the outbox — so a crash before the commit gets it delivered
again, and a crash between the commit and the PUBACK is met by the (device, sequence) row, which
takes it once. Readings are taken in batches (one transaction, then their PUBACKs), which is what
lets one process keep up with many thousand meters. A message that is not a reading goes to
`onewindow.sensors.v1.dlq` with the reason, and is acknowledged: a bad meter never blocks the rest.

A PUBACK names the message by its packet id, which is only good on the connection the message
came by: after a reconnect the broker sends what was not acknowledged again, so a reading from an
older connection is not acknowledged (the broker's resend is taken once, by its row).
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from kafka import KafkaProducer
from paho.mqtt.enums import CallbackAPIVersion

from onewindow.sensor.v1.events_pb2 import DeviceKind, SensorReadingReceived
from onewindow_platform.dead_letters import dead_letter_headers
from onewindow_platform.events import build_envelope, derived_id
from onewindow_platform.outbox import OutboxRelay, add_to_outbox
from onewindow_platform.storage import Database
from onewindow_platform.topics import SENSORS, physical_name

from . import storage
from .domain.readings import InvalidReading, Reading, parse_reading
from .settings import SensorGatewaySettings

log = logging.getLogger(__name__)

KINDS = {"water_meter": DeviceKind.DEVICE_KIND_WATER_METER, "smoke_alarm": DeviceKind.DEVICE_KIND_SMOKE_ALARM,
         "fall_alarm": DeviceKind.DEVICE_KIND_FALL_ALARM}


@dataclass(frozen=True)
class Delivered:
    """A message as the broker delivered it, with the connection it came by."""

    connection: int
    topic: str
    payload: bytes
    mid: int
    qos: int


def reading_event(reading: Reading, received_at: dt.datetime) -> SensorReadingReceived:
    event = SensorReadingReceived(device_id=reading.device_id, kind=KINDS[reading.kind], sequence=reading.sequence,
                                  value=reading.value)
    event.measured_at.FromDatetime(reading.measured_at)
    event.received_at.FromDatetime(received_at)
    return event


class MqttIngest:
    def __init__(self, settings: SensorGatewaySettings, db: Database, relay: OutboxRelay,
                 producer: KafkaProducer) -> None:
        self.settings, self.db, self.relay, self.producer = settings, db, relay, producer
        # Bounded: when the store falls behind, the network thread waits and the broker holds
        # the rest (its in-flight window fills; nothing is dropped).
        self.inbox: queue.Queue[Delivered] = queue.Queue(maxsize=settings.ingest_batch * 4)
        self.connection = 0
        self.connected = threading.Event()
        self.stopping = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=settings.mqtt_client_id,
                                  clean_session=False, protocol=mqtt.MQTTv311, manual_ack=True)
        host, port, user, password = settings.broker()
        self._address = (host, port)
        if user:
            self.client.username_pw_set(user, password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=15)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self._worker = threading.Thread(target=self._run, name="mqtt-ingest", daemon=True)

    # -- the network thread --------------------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, _userdata: object, flags: mqtt.ConnectFlags,
                    reason: object, _properties: object) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("the MQTT broker refused the connection", extra={"reason": str(reason),
                                                                         "broker": self.settings.broker_for_logs()})
            return
        self.connection += 1
        client.subscribe(self.settings.mqtt_topic_filter, qos=1)
        self.connected.set()
        log.info("consuming", extra={"broker": self.settings.broker_for_logs(),
                                     "topic_filter": self.settings.mqtt_topic_filter,
                                     "session_present": flags.session_present})

    def _on_disconnect(self, _client: mqtt.Client, _userdata: object, _flags: object, reason: object,
                       _properties: object) -> None:
        self.connected.clear()
        if not self.stopping.is_set():
            log.warning("MQTT connection lost; reconnecting", extra={"reason": str(reason)})

    def _on_message(self, _client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage) -> None:
        self.inbox.put(Delivered(self.connection, message.topic, bytes(message.payload), message.mid, message.qos))

    # -- the worker ----------------------------------------------------------------------------

    def start(self) -> Callable[[], None]:
        self.client.connect_async(*self._address, keepalive=30)
        self.client.loop_start()
        self._worker.start()
        return self.stop

    def stop(self) -> None:
        self.stopping.set()
        self._worker.join(timeout=30)
        self.client.disconnect()
        self.client.loop_stop()

    def _run(self) -> None:
        while not self.stopping.is_set() or not self.inbox.empty():
            batch = self._next_batch()
            pause = 0.5
            while batch:
                try:
                    self.take(batch)
                    break
                except Exception:
                    # Not acknowledged yet: tried again (taking is idempotent by the readings' rows);
                    # on a stop they stay at the broker, which delivers them again at the next start.
                    log.exception("could not take a batch of readings; trying again")
                    if self.stopping.wait(pause):
                        return
                    pause = min(pause * 2, 5.0)

    def _next_batch(self) -> list[Delivered]:
        try:
            first = self.inbox.get(timeout=0.5)
        except queue.Empty:
            return []
        batch = [first]
        until = time.monotonic() + self.settings.ingest_wait_ms / 1000
        while len(batch) < self.settings.ingest_batch:
            left = until - time.monotonic()
            try:
                batch.append(self.inbox.get(timeout=left) if left > 0 else self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def take(self, batch: list[Delivered]) -> None:
        """One transaction for the batch, the refused ones on the DLQ, then every PUBACK."""
        now = dt.datetime.now(dt.UTC)
        refused: list[tuple[Delivered, str]] = []
        with self.db.transaction() as tx:
            for message in batch:
                try:
                    reading = parse_reading(message.topic, message.payload, now)
                except InvalidReading as exc:
                    refused.append((message, str(exc)))
                    continue
                if storage.first_time(tx, reading.device_id, reading.sequence, now.isoformat()):
                    add_to_outbox(tx, self.settings, build_envelope(
                        reading_event(reading, now), application_id=reading.device_id,
                        source=self.settings.service_name,
                        event_id=derived_id("sensor-reading", reading.device_id, str(reading.sequence))))
        for message, why in refused:
            self._dead_letter(message, why)
        self.relay.wake()
        for message in batch:
            if message.connection == self.connection:
                self.client.ack(message.mid, message.qos)

    def _dead_letter(self, message: Delivered, why: str) -> None:
        headers = dead_letter_headers("invalid-reading", why, 1, self.settings.consumer_group,
                                      mqtt_topic=message.topic[:200])
        self.producer.send(physical_name(self.settings, SENSORS.dlq), key=message.topic.encode()[:200],
                           value=message.payload, headers=headers).get(timeout=30)
        log.warning("reading refused", extra={"mqtt_topic": message.topic[:200], "why": why})
