import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeviceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEVICE_KIND_UNSPECIFIED: _ClassVar[DeviceKind]
    DEVICE_KIND_WATER_METER: _ClassVar[DeviceKind]
    DEVICE_KIND_SMOKE_ALARM: _ClassVar[DeviceKind]
    DEVICE_KIND_FALL_ALARM: _ClassVar[DeviceKind]
DEVICE_KIND_UNSPECIFIED: DeviceKind
DEVICE_KIND_WATER_METER: DeviceKind
DEVICE_KIND_SMOKE_ALARM: DeviceKind
DEVICE_KIND_FALL_ALARM: DeviceKind

class SensorReadingReceived(_message.Message):
    __slots__ = ("device_id", "kind", "sequence", "measured_at", "value", "received_at")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MEASURED_AT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    kind: DeviceKind
    sequence: int
    measured_at: _timestamp_pb2.Timestamp
    value: float
    received_at: _timestamp_pb2.Timestamp
    def __init__(self, device_id: _Optional[str] = ..., kind: _Optional[_Union[DeviceKind, str]] = ..., sequence: _Optional[int] = ..., measured_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., value: _Optional[float] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
