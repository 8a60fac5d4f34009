"""Signs the chain head every interval (when it moved), on a platform `Periodic`."""

from __future__ import annotations

import datetime as dt
import logging

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onewindow_platform.periodic import Periodic

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
        # The head at shutdown is signed too (final_run); a failed turn is tried again next interval.
        self._periodic = Periodic("audit-checkpoints", interval_s, self._sign, final_run=True)

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop(timeout_s=10)

    def _sign(self) -> None:
        checkpoint = checkpoint_now(self.store, self.key)
        if checkpoint:
            # The log carries the whole checkpoint: a copy outside the database it vouches for.
            log.info("checkpoint signed", extra={"sequence": checkpoint.sequence, "head_hash": checkpoint.head_hash,
                                                 "signed_at": checkpoint.signed_at, "key_id": checkpoint.key_id,
                                                 "signature": checkpoint.signature})
