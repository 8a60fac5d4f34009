"""Named fault-injection points, armed only through OW_FAILPOINTS.

`OW_FAILPOINTS="consumer.after_commit=3,outbox.before_publish"` makes the process SIGKILL
itself the 3rd time it passes `consumer.after_commit` and the 1st time it passes
`outbox.before_publish`. A point prefixed with a service name (`ow-routing:outbox.before_publish=5`)
is armed in that service only, so one setting can target each service of a whole stack. With
OW_FAILPOINTS_ONCE_DIR set, a point that fired leaves a marker file there and never fires again,
so a restarted process gets past it. Unarmed points cost one
dict lookup. Tests use them to prove that a crash at the worst moment loses nothing and does
nothing twice.

`fires(name)` is the same counting for a *planted bug*: instead of killing the process it returns
True on the armed pass, and the code at that point then misbehaves on purpose (drops an outbox
row, loses a reply). The fault suite arms them to prove that its detectors see each kind of loss
and duplication (`tests/faults/test_harness_detects.py`); nothing else ever arms them.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

_lock = threading.Lock()
_armed: dict[str, int] = {}
_hits: dict[str, int] = {}
_markers: dict[str, str] = {}  # point -> its once-marker file name (the spec's own words)


def arm(spec: str, service: str = "") -> None:
    """Parse a failpoint spec (comma-separated `[service:]name[=n]`) for this process."""
    with _lock:
        _armed.clear()
        _hits.clear()
        _markers.clear()
        for part in filter(None, (p.strip() for p in spec.split(","))):
            target, _, point = part.rpartition(":")
            if target and target != service:
                continue
            name, _, count = point.partition("=")
            _armed[name] = int(count) if count else 1
            _markers[name] = f"{target}.{name}" if target else name


def fires(name: str) -> bool:
    """True on the armed pass of `name` (once; with OW_FAILPOINTS_ONCE_DIR, once across restarts)."""
    if not _armed or name not in _armed:
        return False
    with _lock:
        _hits[name] = _hits.get(name, 0) + 1
        if _hits[name] != _armed[name]:
            return False
        once_dir = os.environ.get("OW_FAILPOINTS_ONCE_DIR")
        if once_dir:
            marker = Path(once_dir) / _markers[name]
            if marker.exists():
                return False
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
    return True


def failpoint(name: str) -> None:
    """SIGKILL this process on the armed pass of `name`."""
    if fires(name):
        os.kill(os.getpid(), signal.SIGKILL)
