"""One application is one trace across a Kafka hop: the consumer's span is a child of the span
that staged the event, and what the consumer emits carries the same trace onward — in the
record's headers as the consumer's span, without a span of the relay's own per record."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, set_span_in_context

from onewindow_platform.config import PlatformSettings
from onewindow_platform.topics import APPLICATIONS, physical_name
from onewindow_platform.tracing import record_headers
from tests.support.kafka_io import probe_event, produce, read_all
from tests.support.processes import wait_until

pytestmark = pytest.mark.kafka


def _spans(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_consumer_span_is_a_child_of_the_span_that_staged_the_event(
        topics: PlatformSettings, producer, probe_factory, tmp_path: Path) -> None:
    inbound = physical_name(topics, APPLICATIONS.name)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests")

    application_id = "app-" + uuid.uuid4().hex[:8]
    envelope = probe_event(application_id, "traced")
    with tracer.start_as_current_span("POST /api/v1/applications", kind=SpanKind.SERVER) as staging_span:
        headers = record_headers(envelope.event_id, envelope.event_type,
                                 ctx=set_span_in_context(staging_span))
        produce(producer, inbound, [envelope], headers=headers)
    trace_id = f"{staging_span.get_span_context().trace_id:032x}"
    staging_span_id = f"{staging_span.get_span_context().span_id:016x}"

    probe = probe_factory().start()
    spans_file = tmp_path / "spans.jsonl"
    wait_until(lambda: any(s["name"].startswith("process ") for s in _spans(spans_file)), 60,
               "the probe exported no process span", on_timeout=probe.log_tail)

    spans = [s for s in _spans(spans_file) if s["trace_id"] == trace_id]
    process = [s for s in spans if s["name"] == f"process {inbound}"]
    assert len(process) == 1, spans
    assert process[0]["kind"] == "CONSUMER"
    assert process[0]["parent_span_id"] == staging_span_id
    assert process[0]["links"] == []  # the parent says it all
    assert process[0]["attributes"]["onewindow.application.id"] == application_id
    assert not [s for s in spans if s["name"].startswith("send ")], "the relay adds no span per record"

    # The emitted record carries the same trace in its headers, as the consumer's span.
    records = read_all(topics.kafka_bootstrap_servers, inbound, 2)
    accepted = [r for r in records if r.headers.get("ow-event-type", b"").endswith(b"ApplicationAccepted")]
    assert len(accepted) == 1
    traceparent = accepted[0].headers["traceparent"].decode()
    assert traceparent.split("-")[1] == trace_id
    assert traceparent.split("-")[2] == process[0]["span_id"]
    # No personal data in headers: only trace context and ids.
    assert set(accepted[0].headers) == {"traceparent", "ow-event-id", "ow-event-type"}
    assert probe.terminate() == 0
