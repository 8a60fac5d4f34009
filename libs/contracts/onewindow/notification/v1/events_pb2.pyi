from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotificationReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_REASON_UNSPECIFIED: _ClassVar[NotificationReason]
    NOTIFICATION_REASON_ACCEPTED: _ClassVar[NotificationReason]
    NOTIFICATION_REASON_REJECTED: _ClassVar[NotificationReason]
    NOTIFICATION_REASON_SUPPLEMENT_NEEDED: _ClassVar[NotificationReason]
    NOTIFICATION_REASON_COMPLETED: _ClassVar[NotificationReason]
    NOTIFICATION_REASON_OVERDUE: _ClassVar[NotificationReason]
    NOTIFICATION_REASON_SATISFACTION_INVITATION: _ClassVar[NotificationReason]

class NotificationChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_CHANNEL_UNSPECIFIED: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_EMAIL: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_SMS: _ClassVar[NotificationChannel]
    NOTIFICATION_CHANNEL_INBOX: _ClassVar[NotificationChannel]
NOTIFICATION_REASON_UNSPECIFIED: NotificationReason
NOTIFICATION_REASON_ACCEPTED: NotificationReason
NOTIFICATION_REASON_REJECTED: NotificationReason
NOTIFICATION_REASON_SUPPLEMENT_NEEDED: NotificationReason
NOTIFICATION_REASON_COMPLETED: NotificationReason
NOTIFICATION_REASON_OVERDUE: NotificationReason
NOTIFICATION_REASON_SATISFACTION_INVITATION: NotificationReason
NOTIFICATION_CHANNEL_UNSPECIFIED: NotificationChannel
NOTIFICATION_CHANNEL_EMAIL: NotificationChannel
NOTIFICATION_CHANNEL_SMS: NotificationChannel
NOTIFICATION_CHANNEL_INBOX: NotificationChannel

class NotificationSent(_message.Message):
    __slots__ = ("notification_id", "reason", "channel", "recipient_masked", "provider_message_id")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_MASKED_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    reason: NotificationReason
    channel: NotificationChannel
    recipient_masked: str
    provider_message_id: str
    def __init__(self, notification_id: _Optional[str] = ..., reason: _Optional[_Union[NotificationReason, str]] = ..., channel: _Optional[_Union[NotificationChannel, str]] = ..., recipient_masked: _Optional[str] = ..., provider_message_id: _Optional[str] = ...) -> None: ...

class NotificationFailed(_message.Message):
    __slots__ = ("notification_id", "reason", "channel", "error", "permanent")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    PERMANENT_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    reason: NotificationReason
    channel: NotificationChannel
    error: str
    permanent: bool
    def __init__(self, notification_id: _Optional[str] = ..., reason: _Optional[_Union[NotificationReason, str]] = ..., channel: _Optional[_Union[NotificationChannel, str]] = ..., error: _Optional[str] = ..., permanent: _Optional[bool] = ...) -> None: ...
