"""Signs the chain head every few seconds (when it moved), from its own thread."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .domain.checkpoints import Checkpoint, sign
from .storage import AuditStore

log = logging.getLogger(__name__)


def checkpoint_now(store: AuditStore, key: Ed25519PrivateKey) -> Checkpoint | None:
    """Sign the current head unless it is already signed. Returns the new checkpoint."""
    head = store.head()
    if head is None:
        return None
    latest = store.latest_checkpoint()
    if latest is not None and latest.sequence >= head[0]:
        return None
    checkpoint = sign(key, head[0], head[1], dt.datetime.now(dt.UTC).isoformat())
    store.add_checkpoint(checkpoint)
    return checkpoint


class Checkpointer:
    def __init__(self, store: AuditStore, key: Ed25519PrivateKey, interval_s: float) -> None:
        self.store = store
        self.key = key
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-checkpoints", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._sign()  # the head at shutdown is signed too

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sign()

    def _sign(self) -> None:
        try:
            checkpoint = checkpoint_now(self.store, self.key)
        except Exception as exc:  # a database hiccup: try again next interval
            log.warning("checkpoint failed", extra={"error": str(exc)})
            return
        if checkpoint:
            # The log carries the whole checkpoint: a copy outside the database it vouches for.
            log.info("checkpoint signed", extra={"sequence": checkpoint.sequence, "head_hash": checkpoint.head_hash,
                                                 "signed_at": checkpoint.signed_at, "key_id": checkpoint.key_id,
                                                 "signature": checkpoint.signature})
