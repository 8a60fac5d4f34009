"""onewindow.notification.v1.NotificationService: the citizen's in-app inbox."""

from __future__ import annotations

import grpc

from onewindow.notification.v1 import notification_pb2, notification_pb2_grpc
from onewindow_platform.rpc import server_span
from onewindow_platform.storage import Database

from . import storage


class NotificationApi(notification_pb2_grpc.NotificationServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    def ListInbox(self, request: notification_pb2.ListInboxRequest,
                  context: grpc.ServicerContext) -> notification_pb2.ListInboxResponse:
        with server_span(context, "NotificationService/ListInbox"):
            if not request.subject_id:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "subject_id is required")
            response = notification_pb2.ListInboxResponse()
            for row in storage.inbox(self.db.connection(), request.subject_id, min(request.page_size or 50, 200)):
                message = response.messages.add(notification_id=row[0], application_id=row[1], reason=row[2],
                                                subject=row[3], body=row[4])
                message.created_at.FromJsonString(row[5])
            return response
