"""Channels that reach a citizen. Each raises TemporaryFailure (try again later) or
PermanentFailure (this channel will not work for this person: fall back to the next)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..storage import Notification


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    pass


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str


class Channel(Protocol):
    name: str

    def can_reach(self, contact: Contact) -> bool: ...

    def send(self, notification: Notification, contact: Contact) -> str: ...
