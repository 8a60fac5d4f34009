from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Rating(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RATING_UNSPECIFIED: _ClassVar[Rating]
    RATING_VERY_SATISFIED: _ClassVar[Rating]
    RATING_SATISFIED: _ClassVar[Rating]
    RATING_BASICALLY_SATISFIED: _ClassVar[Rating]
    RATING_DISSATISFIED: _ClassVar[Rating]
    RATING_VERY_DISSATISFIED: _ClassVar[Rating]
RATING_UNSPECIFIED: Rating
RATING_VERY_SATISFIED: Rating
RATING_SATISFIED: Rating
RATING_BASICALLY_SATISFIED: Rating
RATING_DISSATISFIED: Rating
RATING_VERY_DISSATISFIED: Rating

class SatisfactionRecorded(_message.Message):
    __slots__ = ("rating", "comment", "department_codes", "region_code")
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_CODES_FIELD_NUMBER: _ClassVar[int]
    REGION_CODE_FIELD_NUMBER: _ClassVar[int]
    rating: Rating
    comment: str
    department_codes: _containers.RepeatedScalarFieldContainer[str]
    region_code: str
    def __init__(self, rating: _Optional[_Union[Rating, str]] = ..., comment: _Optional[str] = ..., department_codes: _Optional[_Iterable[str]] = ..., region_code: _Optional[str] = ...) -> None: ...
