import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SupervisionStep(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUPERVISION_STEP_UNSPECIFIED: _ClassVar[SupervisionStep]
    SUPERVISION_STEP_WARNING: _ClassVar[SupervisionStep]
    SUPERVISION_STEP_SIGN_FOR_OVERDUE: _ClassVar[SupervisionStep]
    SUPERVISION_STEP_URGE: _ClassVar[SupervisionStep]
    SUPERVISION_STEP_NOTICE: _ClassVar[SupervisionStep]
    SUPERVISION_STEP_CIRCULAR: _ClassVar[SupervisionStep]

class FollowUpReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FOLLOW_UP_REASON_UNSPECIFIED: _ClassVar[FollowUpReason]
    FOLLOW_UP_REASON_COMPLETED: _ClassVar[FollowUpReason]
    FOLLOW_UP_REASON_TIME_LIMIT: _ClassVar[FollowUpReason]

class FollowUpOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FOLLOW_UP_OUTCOME_UNSPECIFIED: _ClassVar[FollowUpOutcome]
    FOLLOW_UP_OUTCOME_SATISFIED: _ClassVar[FollowUpOutcome]
    FOLLOW_UP_OUTCOME_NOT_SATISFIED: _ClassVar[FollowUpOutcome]
    FOLLOW_UP_OUTCOME_NOT_REACHED: _ClassVar[FollowUpOutcome]
    FOLLOW_UP_OUTCOME_DECLINED: _ClassVar[FollowUpOutcome]
SUPERVISION_STEP_UNSPECIFIED: SupervisionStep
SUPERVISION_STEP_WARNING: SupervisionStep
SUPERVISION_STEP_SIGN_FOR_OVERDUE: SupervisionStep
SUPERVISION_STEP_URGE: SupervisionStep
SUPERVISION_STEP_NOTICE: SupervisionStep
SUPERVISION_STEP_CIRCULAR: SupervisionStep
FOLLOW_UP_REASON_UNSPECIFIED: FollowUpReason
FOLLOW_UP_REASON_COMPLETED: FollowUpReason
FOLLOW_UP_REASON_TIME_LIMIT: FollowUpReason
FOLLOW_UP_OUTCOME_UNSPECIFIED: FollowUpOutcome
FOLLOW_UP_OUTCOME_SATISFIED: FollowUpOutcome
FOLLOW_UP_OUTCOME_NOT_SATISFIED: FollowUpOutcome
FOLLOW_UP_OUTCOME_NOT_REACHED: FollowUpOutcome
FOLLOW_UP_OUTCOME_DECLINED: FollowUpOutcome

class SupervisionStepIssued(_message.Message):
    __slots__ = ("task_id", "department_code", "dispatch_number", "step", "task_due_at", "respond_by", "reason")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    TASK_DUE_AT_FIELD_NUMBER: _ClassVar[int]
    RESPOND_BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    department_code: str
    dispatch_number: int
    step: SupervisionStep
    task_due_at: _timestamp_pb2.Timestamp
    respond_by: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, task_id: _Optional[str] = ..., department_code: _Optional[str] = ..., dispatch_number: _Optional[int] = ..., step: _Optional[_Union[SupervisionStep, str]] = ..., task_due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., respond_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class FollowUpCallPlanned(_message.Message):
    __slots__ = ("call_id", "reason", "due_at", "region_code")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    reason: FollowUpReason
    due_at: _timestamp_pb2.Timestamp
    region_code: str
    def __init__(self, call_id: _Optional[str] = ..., reason: _Optional[_Union[FollowUpReason, str]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., region_code: _Optional[str] = ...) -> None: ...

class FollowUpCallRecorded(_message.Message):
    __slots__ = ("call_id", "outcome", "note")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    outcome: FollowUpOutcome
    note: str
    def __init__(self, call_id: _Optional[str] = ..., outcome: _Optional[_Union[FollowUpOutcome, str]] = ..., note: _Optional[str] = ...) -> None: ...
