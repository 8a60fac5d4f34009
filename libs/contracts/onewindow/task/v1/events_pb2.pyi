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

class TaskDispatched(_message.Message):
    __slots__ = ("task_id", "department_code", "department_name", "region_code", "level", "item_code", "deadline", "step", "dispatch_number", "applicant", "fields", "purpose")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_NUMBER_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    department_name: str
    region_code: str
    level: _types_pb2.Level
    item_code: str
    deadline: _types_pb2.Deadline
    step: int
    dispatch_number: int
    applicant: _types_pb2.ApplicantRef
    fields: _struct_pb2.Struct
    purpose: str
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., department_name: _Optional[str] = ..., region_code: _Optional[str] = ..., level: _Optional[_Union[_types_pb2.Level, str]] = ..., item_code: _Optional[str] = ..., deadline: _Optional[_Union[_types_pb2.Deadline, _Mapping]] = ..., step: _Optional[int] = ..., dispatch_number: _Optional[int] = ..., applicant: _Optional[_Union[_types_pb2.ApplicantRef, _Mapping]] = ..., fields: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., purpose: _Optional[str] = ...) -> None: ...

class TaskDelivered(_message.Message):
    __slots__ = ("task_id", "department_code", "agency_reference", "attempts")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    agency_reference: str
    attempts: int
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., agency_reference: _Optional[str] = ..., attempts: _Optional[int] = ...) -> None: ...

class TaskDeliveryFailed(_message.Message):
    __slots__ = ("task_id", "department_code", "reason", "attempts", "parked")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    PARKED_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    reason: str
    attempts: int
    parked: bool
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., reason: _Optional[str] = ..., attempts: _Optional[int] = ..., parked: _Optional[bool] = ...) -> None: ...

class TaskAcknowledged(_message.Message):
    __slots__ = ("task_id", "department_code", "agency_reference", "acknowledged_at")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    agency_reference: str
    acknowledged_at: _timestamp_pb2.Timestamp
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., agency_reference: _Optional[str] = ..., acknowledged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SupplementRequested(_message.Message):
    __slots__ = ("task_id", "department_code", "missing_fields", "note")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELDS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    missing_fields: _containers.RepeatedScalarFieldContainer[str]
    note: str
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., missing_fields: _Optional[_Iterable[str]] = ..., note: _Optional[str] = ...) -> None: ...

class TaskCompleted(_message.Message):
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

class TaskReturned(_message.Message):
    __slots__ = ("task_id", "department_code", "reason", "supporting_note", "times_returned")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SUPPORTING_NOTE_FIELD_NUMBER: _ClassVar[int]
    TIMES_RETURNED_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    reason: str
    supporting_note: str
    times_returned: int
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., reason: _Optional[str] = ..., supporting_note: _Optional[str] = ..., times_returned: _Optional[int] = ...) -> None: ...

class TaskDeadlineMissed(_message.Message):
    __slots__ = ("task_id", "department_code", "deadline", "new_deadline")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    NEW_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    deadline: _types_pb2.Deadline
    new_deadline: _types_pb2.Deadline
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., deadline: _Optional[_Union[_types_pb2.Deadline, _Mapping]] = ..., new_deadline: _Optional[_Union[_types_pb2.Deadline, _Mapping]] = ...) -> None: ...

class TaskEscalated(_message.Message):
    __slots__ = ("task_id", "from_department_code", "to_department_code", "reason", "to_coordinator", "times_returned")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    TO_DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TO_COORDINATOR_FIELD_NUMBER: _ClassVar[int]
    TIMES_RETURNED_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    from_department_code: str
    to_department_code: str
    reason: str
    to_coordinator: bool
    times_returned: int
    def __init__(self, task_id: _Optional[str] = ..., from_department_code: _Optional[str] = ..., to_department_code: _Optional[str] = ..., reason: _Optional[str] = ..., to_coordinator: _Optional[bool] = ..., times_returned: _Optional[int] = ...) -> None: ...
