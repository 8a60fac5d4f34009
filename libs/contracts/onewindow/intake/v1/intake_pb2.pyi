import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from onewindow.common.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApplicationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPLICATION_STATUS_UNSPECIFIED: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_ACCEPTED: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_REJECTED: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_ROUTED: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_IN_PROGRESS: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_NEEDS_SUPPLEMENT: _ClassVar[ApplicationStatus]
    APPLICATION_STATUS_COMPLETED: _ClassVar[ApplicationStatus]
APPLICATION_STATUS_UNSPECIFIED: ApplicationStatus
APPLICATION_STATUS_ACCEPTED: ApplicationStatus
APPLICATION_STATUS_REJECTED: ApplicationStatus
APPLICATION_STATUS_ROUTED: ApplicationStatus
APPLICATION_STATUS_IN_PROGRESS: ApplicationStatus
APPLICATION_STATUS_NEEDS_SUPPLEMENT: ApplicationStatus
APPLICATION_STATUS_COMPLETED: ApplicationStatus

class ApplicantInput(_message.Message):
    __slots__ = ("name", "id_number", "phone", "email")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    name: str
    id_number: str
    phone: str
    email: str
    def __init__(self, name: _Optional[str] = ..., id_number: _Optional[str] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class SubmitApplicationRequest(_message.Message):
    __slots__ = ("idempotency_key", "item_code", "region_code", "location_region_code", "channel", "applicant", "fields", "submitted_by")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_BY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    item_code: str
    region_code: str
    location_region_code: str
    channel: _types_pb2.Channel
    applicant: ApplicantInput
    fields: _struct_pb2.Struct
    submitted_by: _types_pb2.Actor
    def __init__(self, idempotency_key: _Optional[str] = ..., item_code: _Optional[str] = ..., region_code: _Optional[str] = ..., location_region_code: _Optional[str] = ..., channel: _Optional[_Union[_types_pb2.Channel, str]] = ..., applicant: _Optional[_Union[ApplicantInput, _Mapping]] = ..., fields: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., submitted_by: _Optional[_Union[_types_pb2.Actor, _Mapping]] = ...) -> None: ...

class SubmitApplicationResponse(_message.Message):
    __slots__ = ("application_id", "status", "violations", "replayed", "trace_id")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    status: ApplicationStatus
    violations: _containers.RepeatedCompositeFieldContainer[_types_pb2.FieldViolation]
    replayed: bool
    trace_id: str
    def __init__(self, application_id: _Optional[str] = ..., status: _Optional[_Union[ApplicationStatus, str]] = ..., violations: _Optional[_Iterable[_Union[_types_pb2.FieldViolation, _Mapping]]] = ..., replayed: _Optional[bool] = ..., trace_id: _Optional[str] = ...) -> None: ...

class GetApplicationRequest(_message.Message):
    __slots__ = ("application_id",)
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    def __init__(self, application_id: _Optional[str] = ...) -> None: ...

class TaskView(_message.Message):
    __slots__ = ("task_id", "department_code", "department_name", "region_code", "level", "status", "deadline", "outcome", "result_text", "note", "dispatch_number")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RESULT_TEXT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_NUMBER_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    department_name: str
    region_code: str
    level: _types_pb2.Level
    status: str
    deadline: _types_pb2.Deadline
    outcome: _types_pb2.Outcome
    result_text: str
    note: str
    dispatch_number: int
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., department_name: _Optional[str] = ..., region_code: _Optional[str] = ..., level: _Optional[_Union[_types_pb2.Level, str]] = ..., status: _Optional[str] = ..., deadline: _Optional[_Union[_types_pb2.Deadline, _Mapping]] = ..., outcome: _Optional[_Union[_types_pb2.Outcome, str]] = ..., result_text: _Optional[str] = ..., note: _Optional[str] = ..., dispatch_number: _Optional[int] = ...) -> None: ...

class ApplicationView(_message.Message):
    __slots__ = ("application_id", "status", "item_code", "item_name", "receiving_region_code", "location_region_code", "handling_region_code", "channel", "applicant", "tasks", "submitted_at", "updated_at", "cross_region", "routing_fallback", "routing_note", "outcome", "notification_problems")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    ITEM_NAME_FIELD_NUMBER: _ClassVar[int]
    RECEIVING_REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    HANDLING_REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    CROSS_REGION_FIELD_NUMBER: _ClassVar[int]
    ROUTING_FALLBACK_FIELD_NUMBER: _ClassVar[int]
    ROUTING_NOTE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    status: ApplicationStatus
    item_code: str
    item_name: str
    receiving_region_code: str
    location_region_code: str
    handling_region_code: str
    channel: _types_pb2.Channel
    applicant: _types_pb2.ApplicantRef
    tasks: _containers.RepeatedCompositeFieldContainer[TaskView]
    submitted_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    cross_region: bool
    routing_fallback: bool
    routing_note: str
    outcome: _types_pb2.Outcome
    notification_problems: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, application_id: _Optional[str] = ..., status: _Optional[_Union[ApplicationStatus, str]] = ..., item_code: _Optional[str] = ..., item_name: _Optional[str] = ..., receiving_region_code: _Optional[str] = ..., location_region_code: _Optional[str] = ..., handling_region_code: _Optional[str] = ..., channel: _Optional[_Union[_types_pb2.Channel, str]] = ..., applicant: _Optional[_Union[_types_pb2.ApplicantRef, _Mapping]] = ..., tasks: _Optional[_Iterable[_Union[TaskView, _Mapping]]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cross_region: _Optional[bool] = ..., routing_fallback: _Optional[bool] = ..., routing_note: _Optional[str] = ..., outcome: _Optional[_Union[_types_pb2.Outcome, str]] = ..., notification_problems: _Optional[_Iterable[str]] = ...) -> None: ...

class GetApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: ApplicationView
    def __init__(self, application: _Optional[_Union[ApplicationView, _Mapping]] = ...) -> None: ...

class ListApplicationsRequest(_message.Message):
    __slots__ = ("status", "region_code", "department_code", "page_size", "page_token", "task_status", "item_code")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TASK_STATUS_FIELD_NUMBER: _ClassVar[int]
    ITEM_CODE_FIELD_NUMBER: _ClassVar[int]
    status: ApplicationStatus
    region_code: str
    department_code: str
    page_size: int
    page_token: str
    task_status: str
    item_code: str
    def __init__(self, status: _Optional[_Union[ApplicationStatus, str]] = ..., region_code: _Optional[str] = ..., department_code: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., task_status: _Optional[str] = ..., item_code: _Optional[str] = ...) -> None: ...

class ListApplicationsResponse(_message.Message):
    __slots__ = ("applications", "next_page_token")
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    applications: _containers.RepeatedCompositeFieldContainer[ApplicationView]
    next_page_token: str
    def __init__(self, applications: _Optional[_Iterable[_Union[ApplicationView, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ProvideSupplementRequest(_message.Message):
    __slots__ = ("application_id", "task_id", "fields", "provided_by")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    PROVIDED_BY_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    task_id: str
    fields: _struct_pb2.Struct
    provided_by: _types_pb2.Actor
    def __init__(self, application_id: _Optional[str] = ..., task_id: _Optional[str] = ..., fields: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., provided_by: _Optional[_Union[_types_pb2.Actor, _Mapping]] = ...) -> None: ...

class ProvideSupplementResponse(_message.Message):
    __slots__ = ("event_id", "violations")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    violations: _containers.RepeatedCompositeFieldContainer[_types_pb2.FieldViolation]
    def __init__(self, event_id: _Optional[str] = ..., violations: _Optional[_Iterable[_Union[_types_pb2.FieldViolation, _Mapping]]] = ...) -> None: ...

class RecordAccessRequest(_message.Message):
    __slots__ = ("application_id", "viewer", "purpose", "data_shown")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    VIEWER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    DATA_SHOWN_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    viewer: _types_pb2.Actor
    purpose: str
    data_shown: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, application_id: _Optional[str] = ..., viewer: _Optional[_Union[_types_pb2.Actor, _Mapping]] = ..., purpose: _Optional[str] = ..., data_shown: _Optional[_Iterable[str]] = ...) -> None: ...

class RecordAccessResponse(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...
