"""Event handlers of the department adapter service: event type -> handler.

Consumes: TaskDispatched.
Produces: TaskDelivered, TaskDeliveryFailed, TaskAcknowledged, SupplementRequested, TaskCompleted, TaskReturned.
The handlers arrive with issue #4; until then the service runs the platform (topics,
storage, outbox relay) and consumes nothing.
"""

from __future__ import annotations

from onewindow_platform.consumer import Handler

HANDLERS: dict[str, Handler] = {}
