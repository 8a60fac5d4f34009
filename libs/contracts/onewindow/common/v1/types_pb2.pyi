import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Level(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEVEL_UNSPECIFIED: _ClassVar[Level]
    LEVEL_NATIONAL: _ClassVar[Level]
    LEVEL_PROVINCE: _ClassVar[Level]
    LEVEL_CITY: _ClassVar[Level]
    LEVEL_DISTRICT: _ClassVar[Level]
    LEVEL_STREET: _ClassVar[Level]
    LEVEL_COMMUNITY: _ClassVar[Level]

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_COUNTER: _ClassVar[Channel]
    CHANNEL_APP: _ClassVar[Channel]
    CHANNEL_WEB: _ClassVar[Channel]
    CHANNEL_HOTLINE: _ClassVar[Channel]
    CHANNEL_SENSOR: _ClassVar[Channel]

class ActorKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTOR_KIND_UNSPECIFIED: _ClassVar[ActorKind]
    ACTOR_KIND_CITIZEN: _ClassVar[ActorKind]
    ACTOR_KIND_CLERK: _ClassVar[ActorKind]
    ACTOR_KIND_AGENCY: _ClassVar[ActorKind]
    ACTOR_KIND_OPS: _ClassVar[ActorKind]
    ACTOR_KIND_SYSTEM: _ClassVar[ActorKind]

class DeadlineBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEADLINE_BASIS_UNSPECIFIED: _ClassVar[DeadlineBasis]
    DEADLINE_BASIS_WORKING_DAYS: _ClassVar[DeadlineBasis]
    DEADLINE_BASIS_HOURS: _ClassVar[DeadlineBasis]
    DEADLINE_BASIS_CALENDAR_DAYS: _ClassVar[DeadlineBasis]
    DEADLINE_BASIS_MINUTES: _ClassVar[DeadlineBasis]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_APPROVED: _ClassVar[Outcome]
    OUTCOME_REJECTED: _ClassVar[Outcome]
    OUTCOME_RESOLVED: _ClassVar[Outcome]
    OUTCOME_PARTIALLY_APPROVED: _ClassVar[Outcome]
LEVEL_UNSPECIFIED: Level
LEVEL_NATIONAL: Level
LEVEL_PROVINCE: Level
LEVEL_CITY: Level
LEVEL_DISTRICT: Level
LEVEL_STREET: Level
LEVEL_COMMUNITY: Level
CHANNEL_UNSPECIFIED: Channel
CHANNEL_COUNTER: Channel
CHANNEL_APP: Channel
CHANNEL_WEB: Channel
CHANNEL_HOTLINE: Channel
CHANNEL_SENSOR: Channel
ACTOR_KIND_UNSPECIFIED: ActorKind
ACTOR_KIND_CITIZEN: ActorKind
ACTOR_KIND_CLERK: ActorKind
ACTOR_KIND_AGENCY: ActorKind
ACTOR_KIND_OPS: ActorKind
ACTOR_KIND_SYSTEM: ActorKind
DEADLINE_BASIS_UNSPECIFIED: DeadlineBasis
DEADLINE_BASIS_WORKING_DAYS: DeadlineBasis
DEADLINE_BASIS_HOURS: DeadlineBasis
DEADLINE_BASIS_CALENDAR_DAYS: DeadlineBasis
DEADLINE_BASIS_MINUTES: DeadlineBasis
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_APPROVED: Outcome
OUTCOME_REJECTED: Outcome
OUTCOME_RESOLVED: Outcome
OUTCOME_PARTIALLY_APPROVED: Outcome

class Actor(_message.Message):
    __slots__ = ("kind", "id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    kind: ActorKind
    id: str
    def __init__(self, kind: _Optional[_Union[ActorKind, str]] = ..., id: _Optional[str] = ...) -> None: ...

class ApplicantRef(_message.Message):
    __slots__ = ("name_masked", "id_number_masked", "phone_masked", "email_masked", "sealed_contact", "subject_id")
    NAME_MASKED_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_MASKED_FIELD_NUMBER: _ClassVar[int]
    PHONE_MASKED_FIELD_NUMBER: _ClassVar[int]
    EMAIL_MASKED_FIELD_NUMBER: _ClassVar[int]
    SEALED_CONTACT_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    name_masked: str
    id_number_masked: str
    phone_masked: str
    email_masked: str
    sealed_contact: bytes
    subject_id: str
    def __init__(self, name_masked: _Optional[str] = ..., id_number_masked: _Optional[str] = ..., phone_masked: _Optional[str] = ..., email_masked: _Optional[str] = ..., sealed_contact: _Optional[bytes] = ..., subject_id: _Optional[str] = ...) -> None: ...

class Deadline(_message.Message):
    __slots__ = ("due_at", "basis", "amount", "calendar_fallback")
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FALLBACK_FIELD_NUMBER: _ClassVar[int]
    due_at: _timestamp_pb2.Timestamp
    basis: DeadlineBasis
    amount: int
    calendar_fallback: bool
    def __init__(self, due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., basis: _Optional[_Union[DeadlineBasis, str]] = ..., amount: _Optional[int] = ..., calendar_fallback: _Optional[bool] = ...) -> None: ...

class FieldViolation(_message.Message):
    __slots__ = ("field", "message")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    field: str
    message: str
    def __init__(self, field: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...
