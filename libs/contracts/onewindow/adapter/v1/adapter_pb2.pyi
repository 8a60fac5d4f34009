import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from onewindow.common.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AgencyEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGENCY_EVENT_KIND_UNSPECIFIED: _ClassVar[AgencyEventKind]
    AGENCY_EVENT_KIND_ACKNOWLEDGED: _ClassVar[AgencyEventKind]
    AGENCY_EVENT_KIND_SUPPLEMENT_REQUESTED: _ClassVar[AgencyEventKind]
    AGENCY_EVENT_KIND_COMPLETED: _ClassVar[AgencyEventKind]
    AGENCY_EVENT_KIND_RETURNED: _ClassVar[AgencyEventKind]
AGENCY_EVENT_KIND_UNSPECIFIED: AgencyEventKind
AGENCY_EVENT_KIND_ACKNOWLEDGED: AgencyEventKind
AGENCY_EVENT_KIND_SUPPLEMENT_REQUESTED: AgencyEventKind
AGENCY_EVENT_KIND_COMPLETED: AgencyEventKind
AGENCY_EVENT_KIND_RETURNED: AgencyEventKind

class RecordAgencyEventRequest(_message.Message):
    __slots__ = ("task_id", "department_code", "kind", "callback_id", "missing_fields", "note", "outcome", "result_text", "document_ref", "reason")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_ID_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELDS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_TEXT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_REF_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    kind: AgencyEventKind
    callback_id: str
    missing_fields: _containers.RepeatedScalarFieldContainer[str]
    note: str
    outcome: _types_pb2.Outcome
    result_text: str
    document_ref: str
    reason: str
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., kind: _Optional[_Union[AgencyEventKind, str]] = ..., callback_id: _Optional[str] = ..., missing_fields: _Optional[_Iterable[str]] = ..., note: _Optional[str] = ..., outcome: _Optional[_Union[_types_pb2.Outcome, str]] = ..., result_text: _Optional[str] = ..., document_ref: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RecordAgencyEventResponse(_message.Message):
    __slots__ = ("event_id", "duplicate")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    duplicate: bool
    def __init__(self, event_id: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class ParkedTask(_message.Message):
    __slots__ = ("task_id", "application_id", "department_code", "reason", "attempts", "parked_at")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    PARKED_AT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    application_id: str
    department_code: str
    reason: str
    attempts: int
    parked_at: _timestamp_pb2.Timestamp
    def __init__(self, task_id: _Optional[str] = ..., application_id: _Optional[str] = ..., department_code: _Optional[str] = ..., reason: _Optional[str] = ..., attempts: _Optional[int] = ..., parked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListParkedTasksRequest(_message.Message):
    __slots__ = ("department_code",)
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    department_code: str
    def __init__(self, department_code: _Optional[str] = ...) -> None: ...

class ListParkedTasksResponse(_message.Message):
    __slots__ = ("tasks",)
    TASKS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[ParkedTask]
    def __init__(self, tasks: _Optional[_Iterable[_Union[ParkedTask, _Mapping]]] = ...) -> None: ...

class ReplayParkedTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class ReplayParkedTaskResponse(_message.Message):
    __slots__ = ("task_id", "status")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    status: str
    def __init__(self, task_id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...
