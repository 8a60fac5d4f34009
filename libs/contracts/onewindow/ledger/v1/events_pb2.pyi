from onewindow.feedback.v1 import events_pb2 as _events_pb2
from onewindow.ledger.v1 import project_pb2 as _project_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProjectRegistered(_message.Message):
    __slots__ = ("project_id", "title", "description", "owner_department_code", "region_code", "milestones", "source_application_ids")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    MILESTONES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_APPLICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    title: str
    description: str
    owner_department_code: str
    region_code: str
    milestones: _containers.RepeatedCompositeFieldContainer[_project_pb2.Milestone]
    source_application_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, project_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., owner_department_code: _Optional[str] = ..., region_code: _Optional[str] = ..., milestones: _Optional[_Iterable[_Union[_project_pb2.Milestone, _Mapping]]] = ..., source_application_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ProjectProgressReported(_message.Message):
    __slots__ = ("project_id", "note", "percent_done", "milestone_reached", "reached_on")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    PERCENT_DONE_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_REACHED_FIELD_NUMBER: _ClassVar[int]
    REACHED_ON_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    note: str
    percent_done: int
    milestone_reached: str
    reached_on: str
    def __init__(self, project_id: _Optional[str] = ..., note: _Optional[str] = ..., percent_done: _Optional[int] = ..., milestone_reached: _Optional[str] = ..., reached_on: _Optional[str] = ...) -> None: ...

class ProjectCompleted(_message.Message):
    __slots__ = ("project_id", "completed_on")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_ON_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    completed_on: str
    def __init__(self, project_id: _Optional[str] = ..., completed_on: _Optional[str] = ...) -> None: ...

class ProjectRated(_message.Message):
    __slots__ = ("project_id", "rater_key", "rating", "comment")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    RATER_KEY_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    rater_key: str
    rating: _events_pb2.Rating
    comment: str
    def __init__(self, project_id: _Optional[str] = ..., rater_key: _Optional[str] = ..., rating: _Optional[_Union[_events_pb2.Rating, str]] = ..., comment: _Optional[str] = ...) -> None: ...
