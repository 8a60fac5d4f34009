"""Event handlers of the routing service: event type -> handler.

Consumes: ApplicationAccepted, TaskCompleted, TaskReturned, TaskDeliveryFailed.
Produces: ApplicationRouted, TaskDispatched, ApplicationCompleted, TaskDeadlineMissed.
The handlers arrive with issue #3 and #4; until then the service runs the platform (topics,
storage, outbox relay) and consumes nothing.
"""

from __future__ import annotations

from onewindow_platform.consumer import Handler

HANDLERS: dict[str, Handler] = {}
