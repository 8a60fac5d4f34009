from onewindow.common.v1 import types_pb2 as _types_pb2
from onewindow.feedback.v1 import events_pb2 as _events_pb2
from onewindow.ledger.v1 import project_pb2 as _project_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RegisterProjectRequest(_message.Message):
    __slots__ = ("project_id", "title", "description", "owner_department_code", "region_code", "milestones", "source_application_ids", "registered_by")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    MILESTONES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_APPLICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_BY_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    title: str
    description: str
    owner_department_code: str
    region_code: str
    milestones: _containers.RepeatedCompositeFieldContainer[_project_pb2.Milestone]
    source_application_ids: _containers.RepeatedScalarFieldContainer[str]
    registered_by: _types_pb2.Actor
    def __init__(self, project_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., owner_department_code: _Optional[str] = ..., region_code: _Optional[str] = ..., milestones: _Optional[_Iterable[_Union[_project_pb2.Milestone, _Mapping]]] = ..., source_application_ids: _Optional[_Iterable[str]] = ..., registered_by: _Optional[_Union[_types_pb2.Actor, _Mapping]] = ...) -> None: ...

class ReportProgressRequest(_message.Message):
    __slots__ = ("project_id", "update_id", "note", "percent_done", "milestone_reached", "reported_by")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    PERCENT_DONE_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_REACHED_FIELD_NUMBER: _ClassVar[int]
    REPORTED_BY_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    update_id: str
    note: str
    percent_done: int
    milestone_reached: str
    reported_by: _types_pb2.Actor
    def __init__(self, project_id: _Optional[str] = ..., update_id: _Optional[str] = ..., note: _Optional[str] = ..., percent_done: _Optional[int] = ..., milestone_reached: _Optional[str] = ..., reported_by: _Optional[_Union[_types_pb2.Actor, _Mapping]] = ...) -> None: ...

class CompleteProjectRequest(_message.Message):
    __slots__ = ("project_id", "completed_by")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_BY_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    completed_by: _types_pb2.Actor
    def __init__(self, project_id: _Optional[str] = ..., completed_by: _Optional[_Union[_types_pb2.Actor, _Mapping]] = ...) -> None: ...

class RateProjectRequest(_message.Message):
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

class ProjectChanged(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    def __init__(self, event_id: _Optional[str] = ...) -> None: ...

class ListProjectsRequest(_message.Message):
    __slots__ = ("region_code", "owner_department_code", "behind_only", "page_size")
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    OWNER_DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    BEHIND_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    region_code: str
    owner_department_code: str
    behind_only: bool
    page_size: int
    def __init__(self, region_code: _Optional[str] = ..., owner_department_code: _Optional[str] = ..., behind_only: _Optional[bool] = ..., page_size: _Optional[int] = ...) -> None: ...

class MilestoneState(_message.Message):
    __slots__ = ("milestone", "reached_on", "overdue")
    MILESTONE_FIELD_NUMBER: _ClassVar[int]
    REACHED_ON_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    milestone: _project_pb2.Milestone
    reached_on: str
    overdue: bool
    def __init__(self, milestone: _Optional[_Union[_project_pb2.Milestone, _Mapping]] = ..., reached_on: _Optional[str] = ..., overdue: _Optional[bool] = ...) -> None: ...

class ProgressUpdate(_message.Message):
    __slots__ = ("reported_on", "note", "percent_done", "milestone_reached", "reported_by")
    REPORTED_ON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    PERCENT_DONE_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_REACHED_FIELD_NUMBER: _ClassVar[int]
    REPORTED_BY_FIELD_NUMBER: _ClassVar[int]
    reported_on: str
    note: str
    percent_done: int
    milestone_reached: str
    reported_by: str
    def __init__(self, reported_on: _Optional[str] = ..., note: _Optional[str] = ..., percent_done: _Optional[int] = ..., milestone_reached: _Optional[str] = ..., reported_by: _Optional[str] = ...) -> None: ...

class Project(_message.Message):
    __slots__ = ("project_id", "title", "description", "owner_department_code", "owner_department_name", "region_code", "milestones", "source_application_ids", "percent_done", "registered_on", "completed_on", "behind_schedule", "days_behind", "updates", "ratings", "satisfied")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_DEPARTMENT_CODE_FIELD_NUMBER: _ClassVar[int]
    OWNER_DEPARTMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    MILESTONES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_APPLICATION_IDS_FIELD_NUMBER: _ClassVar[int]
    PERCENT_DONE_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_ON_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_ON_FIELD_NUMBER: _ClassVar[int]
    BEHIND_SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    DAYS_BEHIND_FIELD_NUMBER: _ClassVar[int]
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    SATISFIED_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    title: str
    description: str
    owner_department_code: str
    owner_department_name: str
    region_code: str
    milestones: _containers.RepeatedCompositeFieldContainer[MilestoneState]
    source_application_ids: _containers.RepeatedScalarFieldContainer[str]
    percent_done: int
    registered_on: str
    completed_on: str
    behind_schedule: bool
    days_behind: int
    updates: _containers.RepeatedCompositeFieldContainer[ProgressUpdate]
    ratings: int
    satisfied: int
    def __init__(self, project_id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., owner_department_code: _Optional[str] = ..., owner_department_name: _Optional[str] = ..., region_code: _Optional[str] = ..., milestones: _Optional[_Iterable[_Union[MilestoneState, _Mapping]]] = ..., source_application_ids: _Optional[_Iterable[str]] = ..., percent_done: _Optional[int] = ..., registered_on: _Optional[str] = ..., completed_on: _Optional[str] = ..., behind_schedule: _Optional[bool] = ..., days_behind: _Optional[int] = ..., updates: _Optional[_Iterable[_Union[ProgressUpdate, _Mapping]]] = ..., ratings: _Optional[int] = ..., satisfied: _Optional[int] = ...) -> None: ...

class ListProjectsResponse(_message.Message):
    __slots__ = ("projects",)
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    projects: _containers.RepeatedCompositeFieldContainer[Project]
    def __init__(self, projects: _Optional[_Iterable[_Union[Project, _Mapping]]] = ...) -> None: ...

class GetProjectRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...
