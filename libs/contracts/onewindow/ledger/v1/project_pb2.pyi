from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class Milestone(_message.Message):
    __slots__ = ("milestone_id", "title", "due_on")
    MILESTONE_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DUE_ON_FIELD_NUMBER: _ClassVar[int]
    milestone_id: str
    title: str
    due_on: str
    def __init__(self, milestone_id: _Optional[str] = ..., title: _Optional[str] = ..., due_on: _Optional[str] = ...) -> None: ...
