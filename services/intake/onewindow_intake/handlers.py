"""Event handlers of the intake service: event type -> handler.

Consumes: — (submissions arrive over gRPC from the gateway: onewindow.intake.v1.IntakeService).
Produces: ApplicationSubmitted, ApplicationAccepted, ApplicationRejected.
The handlers arrive with issue #3; until then the service runs the platform (topics,
storage, outbox relay) and consumes nothing.
"""

from __future__ import annotations

from onewindow_platform.consumer import Handler

HANDLERS: dict[str, Handler] = {}
