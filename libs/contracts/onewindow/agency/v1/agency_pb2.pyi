import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReceiveTaskRequest(_message.Message):
    __slots__ = ("task_id", "application_id", "department_code", "item_code", "deadline", "applicant_name_masked", "applicant_id_number_masked", "fields", "dispatch_number")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_NAME_MASKED_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_NUMBER_MASKED_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_NUMBER_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    application_id: str
    department_code: str
    item_code: str
    deadline: _timestamp_pb2.Timestamp
    applicant_name_masked: str
    applicant_id_number_masked: str
    fields: _struct_pb2.Struct
    dispatch_number: int
    def __init__(self, task_id: _Optional[str] = ..., application_id: _Optional[str] = ..., department_code: _Optional[str] = ..., item_code: _Optional[str] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., applicant_name_masked: _Optional[str] = ..., applicant_id_number_masked: _Optional[str] = ..., fields: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., dispatch_number: _Optional[int] = ...) -> None: ...

class ReceiveTaskResponse(_message.Message):
    __slots__ = ("agency_reference",)
    AGENCY_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    agency_reference: str
    def __init__(self, agency_reference: _Optional[str] = ...) -> None: ...

class ReceiveSupplementRequest(_message.Message):
    __slots__ = ("task_id", "department_code", "fields")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    fields: _struct_pb2.Struct
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., fields: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ReceiveSupplementResponse(_message.Message):
    __slots__ = ("agency_reference",)
    AGENCY_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    agency_reference: str
    def __init__(self, agency_reference: _Optional[str] = ...) -> None: ...

class ReceiveNoticeRequest(_message.Message):
    __slots__ = ("task_id", "department_code", "notice_id", "step", "reason", "task_due_at", "respond_by", "dispatch_number")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    NOTICE_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASK_DUE_AT_FIELD_NUMBER: _ClassVar[int]
    RESPOND_BY_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_NUMBER_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    notice_id: str
    step: str
    reason: str
    task_due_at: _timestamp_pb2.Timestamp
    respond_by: _timestamp_pb2.Timestamp
    dispatch_number: int
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., notice_id: _Optional[str] = ..., step: _Optional[str] = ..., reason: _Optional[str] = ..., task_due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., respond_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dispatch_number: _Optional[int] = ...) -> None: ...

class ReceiveNoticeResponse(_message.Message):
    __slots__ = ("agency_reference",)
    AGENCY_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    agency_reference: str
    def __init__(self, agency_reference: _Optional[str] = ...) -> None: ...
