import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from onewindow.common.v1 import types_pb2 as _types_pb2
from onewindow.supervision.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Scope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCOPE_UNSPECIFIED: _ClassVar[Scope]
    SCOPE_DEPARTMENT: _ClassVar[Scope]
    SCOPE_REGION: _ClassVar[Scope]
SCOPE_UNSPECIFIED: Scope
SCOPE_DEPARTMENT: Scope
SCOPE_REGION: Scope

class Counters(_message.Message):
    __slots__ = ("received", "signed_for", "signed_on_time", "completed", "resolved", "completed_on_time", "returned", "reopened", "rated", "satisfied")
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    SIGNED_FOR_FIELD_NUMBER: _ClassVar[int]
    SIGNED_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    RETURNED_FIELD_NUMBER: _ClassVar[int]
    REOPENED_FIELD_NUMBER: _ClassVar[int]
    RATED_FIELD_NUMBER: _ClassVar[int]
    SATISFIED_FIELD_NUMBER: _ClassVar[int]
    received: int
    signed_for: int
    signed_on_time: int
    completed: int
    resolved: int
    completed_on_time: int
    returned: int
    reopened: int
    rated: int
    satisfied: int
    def __init__(self, received: _Optional[int] = ..., signed_for: _Optional[int] = ..., signed_on_time: _Optional[int] = ..., completed: _Optional[int] = ..., resolved: _Optional[int] = ..., completed_on_time: _Optional[int] = ..., returned: _Optional[int] = ..., reopened: _Optional[int] = ..., rated: _Optional[int] = ..., satisfied: _Optional[int] = ...) -> None: ...

class Indicators(_message.Message):
    __slots__ = ("month", "code", "name", "score", "rates", "counters")
    class RatesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    MONTH_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RATES_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    month: str
    code: str
    name: str
    score: float
    rates: _containers.ScalarMap[str, float]
    counters: Counters
    def __init__(self, month: _Optional[str] = ..., code: _Optional[str] = ..., name: _Optional[str] = ..., score: _Optional[float] = ..., rates: _Optional[_Mapping[str, float]] = ..., counters: _Optional[_Union[Counters, _Mapping]] = ...) -> None: ...

class RankedEntry(_message.Message):
    __slots__ = ("rank", "indicators")
    RANK_FIELD_NUMBER: _ClassVar[int]
    INDICATORS_FIELD_NUMBER: _ClassVar[int]
    rank: int
    indicators: Indicators
    def __init__(self, rank: _Optional[int] = ..., indicators: _Optional[_Union[Indicators, _Mapping]] = ...) -> None: ...

class GetRankingRequest(_message.Message):
    __slots__ = ("month", "scope", "level", "csv")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CSV_FIELD_NUMBER: _ClassVar[int]
    month: str
    scope: Scope
    level: _types_pb2.Level
    csv: bool
    def __init__(self, month: _Optional[str] = ..., scope: _Optional[_Union[Scope, str]] = ..., level: _Optional[_Union[_types_pb2.Level, str]] = ..., csv: _Optional[bool] = ...) -> None: ...

class GetRankingResponse(_message.Message):
    __slots__ = ("ranking", "red_list", "black_list", "weights", "csv")
    class WeightsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    RANKING_FIELD_NUMBER: _ClassVar[int]
    RED_LIST_FIELD_NUMBER: _ClassVar[int]
    BLACK_LIST_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    CSV_FIELD_NUMBER: _ClassVar[int]
    ranking: _containers.RepeatedCompositeFieldContainer[RankedEntry]
    red_list: _containers.RepeatedScalarFieldContainer[str]
    black_list: _containers.RepeatedScalarFieldContainer[str]
    weights: _containers.ScalarMap[str, float]
    csv: str
    def __init__(self, ranking: _Optional[_Iterable[_Union[RankedEntry, _Mapping]]] = ..., red_list: _Optional[_Iterable[str]] = ..., black_list: _Optional[_Iterable[str]] = ..., weights: _Optional[_Mapping[str, float]] = ..., csv: _Optional[str] = ...) -> None: ...

class GetIndicatorHistoryRequest(_message.Message):
    __slots__ = ("scope", "code", "from_month", "to_month")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FROM_MONTH_FIELD_NUMBER: _ClassVar[int]
    TO_MONTH_FIELD_NUMBER: _ClassVar[int]
    scope: Scope
    code: str
    from_month: str
    to_month: str
    def __init__(self, scope: _Optional[_Union[Scope, str]] = ..., code: _Optional[str] = ..., from_month: _Optional[str] = ..., to_month: _Optional[str] = ...) -> None: ...

class GetIndicatorHistoryResponse(_message.Message):
    __slots__ = ("months",)
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    months: _containers.RepeatedCompositeFieldContainer[Indicators]
    def __init__(self, months: _Optional[_Iterable[_Union[Indicators, _Mapping]]] = ...) -> None: ...

class FollowUpCall(_message.Message):
    __slots__ = ("call_id", "application_id", "region_code", "reason", "due_at", "outcome", "note", "recorded_by", "recorded_at")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    application_id: str
    region_code: str
    reason: _events_pb2.FollowUpReason
    due_at: _timestamp_pb2.Timestamp
    outcome: _events_pb2.FollowUpOutcome
    note: str
    recorded_by: str
    recorded_at: _timestamp_pb2.Timestamp
    def __init__(self, call_id: _Optional[str] = ..., application_id: _Optional[str] = ..., region_code: _Optional[str] = ..., reason: _Optional[_Union[_events_pb2.FollowUpReason, str]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outcome: _Optional[_Union[_events_pb2.FollowUpOutcome, str]] = ..., note: _Optional[str] = ..., recorded_by: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListFollowUpCallsRequest(_message.Message):
    __slots__ = ("open_only", "region_code", "application_id", "page_size")
    OPEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    open_only: bool
    region_code: str
    application_id: str
    page_size: int
    def __init__(self, open_only: _Optional[bool] = ..., region_code: _Optional[str] = ..., application_id: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListFollowUpCallsResponse(_message.Message):
    __slots__ = ("calls",)
    CALLS_FIELD_NUMBER: _ClassVar[int]
    calls: _containers.RepeatedCompositeFieldContainer[FollowUpCall]
    def __init__(self, calls: _Optional[_Iterable[_Union[FollowUpCall, _Mapping]]] = ...) -> None: ...

class RecordFollowUpCallRequest(_message.Message):
    __slots__ = ("call_id", "outcome", "note", "recorded_by")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    outcome: _events_pb2.FollowUpOutcome
    note: str
    recorded_by: _types_pb2.Actor
    def __init__(self, call_id: _Optional[str] = ..., outcome: _Optional[_Union[_events_pb2.FollowUpOutcome, str]] = ..., note: _Optional[str] = ..., recorded_by: _Optional[_Union[_types_pb2.Actor, _Mapping]] = ...) -> None: ...

class RecordFollowUpCallResponse(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...
