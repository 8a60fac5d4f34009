"""The local three-node cluster (`make kafka-cluster-up`): replicated topics keep every record the
platform's producer had acknowledged (acks=all, idempotent) when a broker, then the active
controller, is SIGKILLed mid-stream and comes back — none lost, none twice."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from onewindow_devtools.kafka_local import LocalCluster
from onewindow_platform.config import PlatformSettings, load_settings
from onewindow_platform.kafka import make_producer
from onewindow_platform.topics import TASKS, ensure_topics, physical_name
from tests.support.kafka_io import read_all
from tests.support.processes import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]


def _settings(fault_cluster: LocalCluster, tmp_path: Path) -> PlatformSettings:
    return load_settings(PlatformSettings, kafka_bootstrap_servers=fault_cluster.bootstrap,
                         service_name="cluster-test",
                         topic_prefix=f"c{uuid.uuid4().hex[:6]}.", topic_replication_factor=3, data_dir=tmp_path)


def test_the_platforms_topics_have_three_replicas_and_need_two_in_sync(fault_cluster: LocalCluster,
                                                                      tmp_path: Path) -> None:
    settings = _settings(fault_cluster, tmp_path)
    ensure_topics(settings)
    admin = KafkaAdminClient(bootstrap_servers=fault_cluster.bootstrap)
    try:
        name = physical_name(settings, TASKS.name)
        (described,) = admin.describe_topics([name])
        assert {(len(p["replica_nodes"]), len(p["isr_nodes"])) for p in described["partitions"]} == {(3, 3)}
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
        assert configs["topic"][name]["min.insync.replicas"]["value"] == "2"
    finally:
        admin.close()
    assert fault_cluster.active_controller() in (1, 2, 3)


def test_a_killed_broker_and_a_killed_controller_lose_no_acknowledged_record(fault_cluster: LocalCluster,
                                                                            tmp_path: Path) -> None:
    settings = _settings(fault_cluster, tmp_path)
    ensure_topics(settings)
    topic = physical_name(settings, TASKS.name)
    producer = make_producer(settings)
    acknowledged: list[bytes] = []
    failed: list[str] = []
    stop = threading.Event()

    def send_steadily() -> None:  # 50 records a second, each waited for as the outbox relay does
        n = 0
        while not stop.is_set():
            value = f"record-{n:05d}".encode()
            try:
                producer.send(topic, key=f"case-{n % 17}".encode(), value=value).get(timeout=60)
                acknowledged.append(value)
            except Exception as exc:
                failed.append(f"{value.decode()}: {type(exc).__name__}")
            n += 1
            time.sleep(0.02)

    sender = threading.Thread(target=send_steadily)
    sender.start()
    try:
        wait_until(lambda: len(acknowledged) >= 100, 60, "nothing was acknowledged")
        broker = next(n for n in (1, 2, 3) if n != fault_cluster.active_controller())  # a broker, not the controller
        fault_cluster.node(broker).kill()
        before = len(acknowledged)
        wait_until(lambda: len(acknowledged) >= before + 100, 90, "writes stopped with one broker down")
        fault_cluster.node(broker).up(wait=False)

        controller = fault_cluster.active_controller()
        assert controller is not None
        fault_cluster.node(controller).kill()
        before = len(acknowledged)
        wait_until(lambda: len(acknowledged) >= before + 100, 120, "writes stopped without the active controller")
        wait_until(lambda: fault_cluster.active_controller() not in (None, controller), 60, "no new controller")
        fault_cluster.node(controller).up(wait=False)
        before = len(acknowledged)
        wait_until(lambda: len(acknowledged) >= before + 50, 90, "writes stopped after the restarts")
    finally:
        stop.set()
        sender.join(timeout=120)
        producer.close(timeout=30)

    records = read_all(fault_cluster.bootstrap, topic, len(acknowledged), timeout_s=120)
    stored = Counter(record.value for record in records)
    lost = [value for value in acknowledged if stored[value] == 0]
    twice = [value for value, count in stored.items() if count > 1]
    assert not lost, f"{len(lost)} acknowledged records lost, e.g. {lost[:3]}"
    assert not twice, f"{len(twice)} records stored twice, e.g. {twice[:3]}"
    assert len(acknowledged) >= 350 and not failed, failed[:5]
