"""A real SMTP server (aiosmtpd) that keeps every message it receives as an .eml file.

    python -m onewindow_devtools.smtp_sink      (OW_SMTP_HOST, OW_SMTP_PORT, OW_SMTP_MAILDIR)

`make run` starts it so notifications have somewhere to go; tests read the folder to see exactly
which e-mails arrived.
"""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class MaildirHandler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        name = f"{uuid.uuid4().hex}.eml"
        temporary = self.folder / f".{name}"
        temporary.write_bytes(content if isinstance(content, bytes) else content.encode())
        temporary.rename(self.folder / name)  # appear whole or not at all
        return "250 Message accepted for delivery"


def main() -> int:
    host = os.environ.get("OW_SMTP_HOST", "127.0.0.1")
    port = int(os.environ.get("OW_SMTP_PORT", "1025"))
    folder = Path(os.environ.get("OW_SMTP_MAILDIR", ".run/mail"))
    # The stop signals are blocked before the server's thread starts (it inherits the mask) and
    # then awaited here: a handler would run only if the kernel happened to pick the main thread,
    # and a main thread blocked in a wait never looks at a signal another thread received.
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    controller = Controller(MaildirHandler(folder), hostname=host, port=port)
    controller.start()
    print(f"smtp-sink: listening on {host}:{port}, keeping messages in {folder}", flush=True)
    signal.sigwait(stop_signals)
    controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
