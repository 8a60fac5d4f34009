import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from onewindow.common.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApplicationAccepted(_message.Message):
    __slots__ = ("case_number", "item_code", "item_name", "receiving_region_code", "location_region_code", "channel", "applicant", "fields", "promised_by")
    CASE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    RECEIVING_REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    PROMISED_BY_FIELD_NUMBER: _ClassVar[int]
    case_number: str
    item_code: str
    item_name: str
    receiving_region_code: str
    location_region_code: str
    channel: _types_pb2.Channel
    applicant: _types_pb2.ApplicantRef
    fields: _struct_pb2.Struct
    promised_by: _timestamp_pb2.Timestamp
    def __init__(self, case_number: _Optional[str] = ..., item_code: _Optional[str] = ..., item_name: _Optional[str] = ..., receiving_region_code: _Optional[str] = ..., location_region_code: _Optional[str] = ..., channel: _Optional[_Union[_types_pb2.Channel, str]] = ..., applicant: _Optional[_Union[_types_pb2.ApplicantRef, _Mapping]] = ..., fields: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., promised_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PlannedTask(_message.Message):
    __slots__ = ("task_id", "department_code", "department_name", "region_code", "level", "step", "depends_on_task_ids", "deadline")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_TASK_IDS_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    department_name: str
    region_code: str
    level: _types_pb2.Level
    step: int
    depends_on_task_ids: _containers.RepeatedScalarFieldContainer[str]
    deadline: _types_pb2.Deadline
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., department_name: _Optional[str] = ..., region_code: _Optional[str] = ..., level: _Optional[_Union[_types_pb2.Level, str]] = ..., step: _Optional[int] = ..., depends_on_task_ids: _Optional[_Iterable[str]] = ..., deadline: _Optional[_Union[_types_pb2.Deadline, _Mapping]] = ...) -> None: ...

class ApplicationRouted(_message.Message):
    __slots__ = ("tasks", "receiving_region_code", "handling_region_code", "cross_region", "fallback_used", "fallback_reason")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    RECEIVING_REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    HANDLING_REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    CROSS_REGION_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_USED_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_REASON_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[PlannedTask]
    receiving_region_code: str
    handling_region_code: str
    cross_region: bool
    fallback_used: bool
    fallback_reason: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[PlannedTask, _Mapping]]] = ..., receiving_region_code: _Optional[str] = ..., handling_region_code: _Optional[str] = ..., cross_region: _Optional[bool] = ..., fallback_used: _Optional[bool] = ..., fallback_reason: _Optional[str] = ...) -> None: ...

class TaskResult(_message.Message):
    __slots__ = ("task_id", "department_code", "outcome", "result_text", "document_ref")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_TEXT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_REF_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    outcome: _types_pb2.Outcome
    result_text: str
    document_ref: str
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., outcome: _Optional[_Union[_types_pb2.Outcome, str]] = ..., result_text: _Optional[str] = ..., document_ref: _Optional[str] = ...) -> None: ...

class ApplicationCompleted(_message.Message):
    __slots__ = ("outcome", "results", "completed_at")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    outcome: _types_pb2.Outcome
    results: _containers.RepeatedCompositeFieldContainer[TaskResult]
    completed_at: _timestamp_pb2.Timestamp
    def __init__(self, outcome: _Optional[_Union[_types_pb2.Outcome, str]] = ..., results: _Optional[_Iterable[_Union[TaskResult, _Mapping]]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SupplementProvided(_message.Message):
    __slots__ = ("task_id", "fields")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    fields: _struct_pb2.Struct
    def __init__(self, task_id: _Optional[str] = ..., fields: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ApplicationViewed(_message.Message):
    __slots__ = ("purpose", "data_shown")
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    DATA_SHOWN_FIELD_NUMBER: _ClassVar[int]
    purpose: str
    data_shown: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, purpose: _Optional[str] = ..., data_shown: _Optional[_Iterable[str]] = ...) -> None: ...
