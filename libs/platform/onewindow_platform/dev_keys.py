"""Development keys: when a key setting is unset, 32 random bytes are written once to a file in
the data folder (mode 0600, never overwritten) and a warning says to set the key in production."""

from __future__ import annotations

import base64
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def development_key_text(path: Path, setting: str) -> str:
    """The base64 text of the key in `path`, created on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.b64encode(os.urandom(32)).decode())
        log.warning(f"{setting} is not set: created a development key; set {setting} in production",
                    extra={"key_file": str(path)})
    return path.read_text().strip()
