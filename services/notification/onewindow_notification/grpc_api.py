"""onewindow.notification.v1.NotificationService: the citizen's in-app inbox."""

from __future__ import annotations

import grpc

from onewindow.notification.v1 import notification_pb2, notification_pb2_grpc
from onewindow.notification.v1.events_pb2 import NotificationChannel
from onewindow_catalog.catalog import region_prefix
from onewindow_platform.rpc import server_span
from onewindow_platform.storage import Database
from onewindow_platform.tracing import APPLICATION_ID_ATTRIBUTE

from . import storage
from .satisfaction import BAD, SATISFIED, AlreadyRated, NotCompleted, SatisfactionService, satisfaction_rate
from .sender import Sender

ALL_RATINGS = sorted(SATISFIED | BAD)
CHANNEL_NAMES = {NotificationChannel.NOTIFICATION_CHANNEL_SMS: "sms",
                 NotificationChannel.NOTIFICATION_CHANNEL_EMAIL: "email"}


class NotificationApi(notification_pb2_grpc.NotificationServiceServicer):
    def __init__(self, db: Database, sender: Sender, satisfaction: SatisfactionService) -> None:
        self.db = db
        self.sender = sender
        self.satisfaction = satisfaction

    def RecordSatisfaction(self, request: notification_pb2.RecordSatisfactionRequest,
                           context: grpc.ServicerContext) -> notification_pb2.RecordSatisfactionResponse:
        with server_span(context, "NotificationService/RecordSatisfaction",
                         **{APPLICATION_ID_ATTRIBUTE: request.application_id}):
            try:
                event_id = self.satisfaction.record(request.application_id, request.rating, request.comment,
                                                    request.rated_by)
            except ValueError as exc:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            except (NotCompleted, AlreadyRated) as exc:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
            return notification_pb2.RecordSatisfactionResponse(event_id=event_id)

    def GetSatisfactionStats(self, request: notification_pb2.GetSatisfactionStatsRequest,
                             context: grpc.ServicerContext) -> notification_pb2.GetSatisfactionStatsResponse:
        with server_span(context, "NotificationService/GetSatisfactionStats"):
            since = getattr(request, "from").ToJsonString() if request.HasField("from") else ""
            until = request.to.ToJsonString() if request.HasField("to") else ""
            counts = storage.rating_counts(self.db.connection(), request.department_code,
                                           region_prefix(request.region_code) if request.region_code else "",
                                           since.replace("Z", "+00:00"), until.replace("Z", "+00:00"))
            return notification_pb2.GetSatisfactionStatsResponse(
                counts=[notification_pb2.RatingCount(rating=r, count=counts.get(r, 0)) for r in ALL_RATINGS],
                total=sum(counts.values()), satisfaction_rate=satisfaction_rate(counts))

    def RecordDeliveryReceipt(self, request: notification_pb2.RecordDeliveryReceiptRequest,
                              context: grpc.ServicerContext) -> notification_pb2.RecordDeliveryReceiptResponse:
        with server_span(context, "NotificationService/RecordDeliveryReceipt"):
            channel = CHANNEL_NAMES.get(request.channel)
            if channel is None or not request.provider_message_id:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "channel (sms or email) and provider_message_id")
                raise AssertionError("abort raises")
            known = self.sender.record_receipt(channel, request.provider_message_id, request.delivered, request.detail)
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
