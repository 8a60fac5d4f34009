"""Event handlers of the audit service: event type -> handler.

Consumes: every event on every topic.
Produces: — (serves onewindow.audit.v1.AuditService).
The handlers arrive with issue #6; until then the service runs the platform (topics,
storage, outbox relay) and consumes nothing.
"""

from __future__ import annotations

from onewindow_platform.consumer import Handler

HANDLERS: dict[str, Handler] = {}
