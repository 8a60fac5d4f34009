"""The local broker's cluster id: an id starting with '-' was read as an option by Kafka's
storage tool (a fault-suite broker once never started because of it)."""

from __future__ import annotations

import base64

from onewindow_devtools.kafka_local import new_cluster_id


def test_cluster_ids_are_16_random_bytes_and_never_look_like_an_option() -> None:
    ids = {new_cluster_id() for _ in range(5000)}
    assert len(ids) == 5000                                       # random, no repeats
    assert not any(i.startswith("-") for i in ids)                # ~78 of 5000 raw ids would
    assert all(len(base64.urlsafe_b64decode(i + "==")) == 16 for i in ids)
