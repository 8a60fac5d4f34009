import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from onewindow.common.v1 import types_pb2 as _types_pb2
from onewindow.feedback.v1 import events_pb2 as _events_pb2
from onewindow.notification.v1 import events_pb2 as _events_pb2_1
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListInboxRequest(_message.Message):
    __slots__ = ("subject_id", "page_size")
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    subject_id: str
    page_size: int
    def __init__(self, subject_id: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class InboxMessage(_message.Message):
    __slots__ = ("notification_id", "application_id", "reason", "subject", "body", "created_at")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    application_id: str
    reason: _events_pb2_1.NotificationReason
    subject: str
    body: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, notification_id: _Optional[str] = ..., application_id: _Optional[str] = ..., reason: _Optional[_Union[_events_pb2_1.NotificationReason, str]] = ..., subject: _Optional[str] = ..., body: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListInboxResponse(_message.Message):
    __slots__ = ("messages",)
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[InboxMessage]
    def __init__(self, messages: _Optional[_Iterable[_Union[InboxMessage, _Mapping]]] = ...) -> None: ...

class RecordDeliveryReceiptRequest(_message.Message):
    __slots__ = ("channel", "provider_message_id", "delivered", "detail")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    channel: _events_pb2_1.NotificationChannel
    provider_message_id: str
    delivered: bool
    detail: str
    def __init__(self, channel: _Optional[_Union[_events_pb2_1.NotificationChannel, str]] = ..., provider_message_id: _Optional[str] = ..., delivered: _Optional[bool] = ..., detail: _Optional[str] = ...) -> None: ...

class RecordDeliveryReceiptResponse(_message.Message):
    __slots__ = ("known",)
    KNOWN_FIELD_NUMBER: _ClassVar[int]
    known: bool
    def __init__(self, known: _Optional[bool] = ...) -> None: ...

class RecordSatisfactionRequest(_message.Message):
    __slots__ = ("application_id", "rating", "comment", "rated_by")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    RATED_BY_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    rating: _events_pb2.Rating
    comment: str
    rated_by: _types_pb2.Actor
    def __init__(self, application_id: _Optional[str] = ..., rating: _Optional[_Union[_events_pb2.Rating, str]] = ..., comment: _Optional[str] = ..., rated_by: _Optional[_Union[_types_pb2.Actor, _Mapping]] = ...) -> None: ...

class RecordSatisfactionResponse(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class GetSatisfactionStatsRequest(_message.Message):
    __slots__ = ("department_code", "region_code", "to")
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    department_code: str
    region_code: str
    to: _timestamp_pb2.Timestamp
    def __init__(self, department_code: _Optional[str] = ..., region_code: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., **kwargs) -> None: ...

class RatingCount(_message.Message):
    __slots__ = ("rating", "count")
    RATING_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    rating: _events_pb2.Rating
    count: int
    def __init__(self, rating: _Optional[_Union[_events_pb2.Rating, str]] = ..., count: _Optional[int] = ...) -> None: ...

class GetSatisfactionStatsResponse(_message.Message):
    __slots__ = ("counts", "total", "satisfaction_rate")
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_RATE_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedCompositeFieldContainer[RatingCount]
    total: int
    satisfaction_rate: float
    def __init__(self, counts: _Optional[_Iterable[_Union[RatingCount, _Mapping]]] = ..., total: _Optional[int] = ..., satisfaction_rate: _Optional[float] = ...) -> None: ...
