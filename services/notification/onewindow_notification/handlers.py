"""Event handlers of the notification service: event type -> handler.

Consumes: ApplicationAccepted, SupplementRequested, ApplicationCompleted, TaskDeadlineMissed.
Produces: NotificationSent, NotificationFailed.
The handlers arrive with issue #5; until then the service runs the platform (topics,
storage, outbox relay) and consumes nothing.
"""

from __future__ import annotations

from onewindow_platform.consumer import Handler

HANDLERS: dict[str, Handler] = {}
