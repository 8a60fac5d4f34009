"""The one dead-letter scheme: a record that cannot be applied goes, unchanged, to `<topic>.dlq`
with `ow-dlq-*` headers saying what happened, so one operator tool reads every DLQ:

| header | value |
|---|---|
| `ow-dlq-reason` | `undecodable`, `permanent-error`, `attempts-spent`, `delivery-budget-spent` |
| `ow-dlq-error` | the error, at most 2000 characters |
| `ow-dlq-attempts` | tries made (0: never handled) |
| `ow-dlq-consumer-group` | the group (service) that gave up |
| `ow-dlq-failed-at` | when, ISO 8601 UTC |
| `ow-dlq-original-topic` / `-partition` / `-offset` | where the record was read, when it was read from Kafka |
| `ow-dlq-task-id` | the task, for a delivery the adapter gave up on |

The record's own headers (trace context, event id and type) are kept; older `ow-dlq-*` ones are
replaced, so a record dead-lettered twice tells only its latest story.
"""

from __future__ import annotations

import datetime as dt

PREFIX = "ow-dlq-"

Headers = list[tuple[str, bytes]]


def dead_letter_headers(reason: str, error: str, attempts: int, consumer_group: str, *,
                        original: tuple[str, int, int] | None = None, kept: Headers | None = None,
                        **more: str) -> Headers:
    headers = [(k, v) for k, v in (kept or []) if not k.startswith(PREFIX)]
    headers += [(PREFIX + "reason", reason.encode()), (PREFIX + "error", error[:2000].encode()),
                (PREFIX + "attempts", str(attempts).encode()),
                (PREFIX + "consumer-group", consumer_group.encode()),
                (PREFIX + "failed-at", dt.datetime.now(dt.UTC).isoformat().encode())]
    if original is not None:
        topic, partition, offset = original
        headers += [(PREFIX + "original-topic", topic.encode()),
                    (PREFIX + "original-partition", str(partition).encode()),
                    (PREFIX + "original-offset", str(offset).encode())]
    headers += [(PREFIX + name.replace("_", "-"), value.encode()) for name, value in more.items()]
    return headers
