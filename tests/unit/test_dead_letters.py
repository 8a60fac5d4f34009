"""The one dead-letter header scheme every DLQ writer uses."""

from __future__ import annotations

from onewindow_platform.dead_letters import dead_letter_headers


def test_the_scheme_keeps_the_records_headers_and_replaces_an_earlier_story() -> None:
    kept = [("traceparent", b"00-abc-def-01"), ("ow-event-type", b"x.v1.Y"), ("ow-dlq-error", b"an older failure")]
    headers = dict(dead_letter_headers("attempts-spent", "ValueError: no" * 500, 3, "ow-routing", kept=kept,
                                       original=("onewindow.tasks.v1", 4, 1234)))
    assert headers["traceparent"] == b"00-abc-def-01" and headers["ow-event-type"] == b"x.v1.Y"
    assert headers["ow-dlq-reason"] == b"attempts-spent" and len(headers["ow-dlq-error"]) == 2000
    assert headers["ow-dlq-attempts"] == b"3" and headers["ow-dlq-consumer-group"] == b"ow-routing"
    assert (headers["ow-dlq-original-topic"], headers["ow-dlq-original-partition"],
            headers["ow-dlq-original-offset"]) == (b"onewindow.tasks.v1", b"4", b"1234")
    assert b"T" in headers["ow-dlq-failed-at"]
    assert [k for k, _ in dead_letter_headers("x", "e", 0, "g", kept=kept)].count("ow-dlq-error") == 1


def test_a_writer_adds_what_it_alone_knows() -> None:
    headers = dict(dead_letter_headers("delivery-budget-spent", "timeout", 8, "ow-department-adapter", task_id="T-1"))
    assert headers["ow-dlq-task-id"] == b"T-1" and "ow-dlq-original-topic" not in headers
