"""onewindow.notification.v1.NotificationService: the citizen's in-app inbox."""

from __future__ import annotations

from collections.abc import Callable

import grpc

from onewindow.notification.v1 import notification_pb2, notification_pb2_grpc
from onewindow.notification.v1.events_pb2 import NotificationChannel
from onewindow_platform.rpc import server_span
from onewindow_platform.storage import Database

from . import storage
from .sender import Sender

CHANNEL_NAMES = {NotificationChannel.NOTIFICATION_CHANNEL_SMS: "sms",
                 NotificationChannel.NOTIFICATION_CHANNEL_EMAIL: "email"}


class NotificationApi(notification_pb2_grpc.NotificationServiceServicer):
    def __init__(self, db: Database, sender: Callable[[], Sender | None]) -> None:
        self.db = db
        self.sender = sender

    def RecordDeliveryReceipt(self, request: notification_pb2.RecordDeliveryReceiptRequest,
                              context: grpc.ServicerContext) -> notification_pb2.RecordDeliveryReceiptResponse:
        with server_span(context, "NotificationService/RecordDeliveryReceipt"):
            channel = CHANNEL_NAMES.get(request.channel)
            sender = self.sender()
            if channel is None or not request.provider_message_id:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "channel (sms or email) and provider_message_id")
                raise AssertionError("abort raises")
            if sender is None:
                context.abort(grpc.StatusCode.UNAVAILABLE, "the sender is not running yet")
                raise AssertionError("abort raises")
            known = sender.record_receipt(channel, request.provider_message_id, request.delivered, request.detail)
            return notification_pb2.RecordDeliveryReceiptResponse(known=known)

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
