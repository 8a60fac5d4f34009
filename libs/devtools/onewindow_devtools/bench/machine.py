"""The settings that explain the numbers: machine, versions, and how the platform was configured."""

from __future__ import annotations

import os
import platform
from importlib import metadata

from onewindow_platform.config import PlatformSettings, load_settings

LIBRARIES = ("kafka-python", "crc32c", "protobuf", "grpcio", "fastapi", "uvicorn", "uvloop", "httptools", "pydantic",
             "opentelemetry-sdk", "httpx")


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe(sampling_ratio: str, bootstrap: str) -> dict[str, object]:
    settings = load_settings(PlatformSettings, kafka_bootstrap_servers=bootstrap)
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        from kafka.record import util

        crc32c = "C extension" if getattr(util, "crc32c_c", None) is not None else "pure Python (slow)"
    except ImportError:
        crc32c = "unknown"
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu_model(), "cores": os.cpu_count(), "memory_gb": round(memory_gb, 1),
        "os": platform.platform(), "python": platform.python_version(), "libraries": versions,
        "crc32c": crc32c, "trace_sampling_ratio": float(sampling_ratio),
        "producer": {"acks": "all", "idempotence": True, "linger_ms": settings.producer_linger_ms},
        "consumer": {"max_poll_records": settings.consumer_max_poll_records,
                     "records_per_transaction": settings.consumer_transaction_max_records,
                     "offset_commit_interval_ms": settings.consumer_commit_interval_ms,
                     "fetch_min_bytes": settings.consumer_fetch_min_bytes,
                     "fetch_max_wait_ms": settings.consumer_fetch_max_wait_ms,
                     "idle_fetch_max_wait_ms": settings.consumer_idle_fetch_max_wait_ms},
        "gateway_server": "uvicorn with uvloop and httptools",
        "partitions_per_topic": settings.topic_partitions, "instances_per_service": 1,
        "database": "SQLite WAL, synchronous=FULL (outbox deletes NORMAL), one file per service, "
                    "a poll batch per transaction, intake's submissions group-committed",
    }
