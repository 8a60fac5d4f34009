"""好差评: one rating per application, only after it completed; the bottom two levels are 差评."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from onewindow.common.v1.types_pb2 import Actor
from onewindow.feedback.v1.events_pb2 import Rating, SatisfactionRecorded
from onewindow_platform.events import build_envelope, derived_id
from onewindow_platform.outbox import add_to_outbox
from onewindow_platform.storage import Database

from . import storage
from .settings import NotificationSettings

SATISFIED = {Rating.RATING_VERY_SATISFIED, Rating.RATING_SATISFIED, Rating.RATING_BASICALLY_SATISFIED}
BAD = {Rating.RATING_DISSATISFIED, Rating.RATING_VERY_DISSATISFIED}


class NotCompleted(Exception):
    pass


class AlreadyRated(Exception):
    pass


def satisfaction_rate(counts: dict[int, int]) -> float:
    total = sum(counts.values())
    return sum(count for rating, count in counts.items() if rating in SATISFIED) / total if total else 0.0


class SatisfactionService:
    def __init__(self, settings: NotificationSettings, db: Database, on_commit: Callable[[], None]) -> None:
        self.settings = settings
        self.db = db
        self.on_commit = on_commit

    def record(self, application_id: str, rating: int, comment: str, rated_by: Actor) -> str:
        if rating not in SATISFIED | BAD:
            raise ValueError("rating must be one of the five levels")
        with self.db.transaction() as tx:
            completed = storage.completion(tx, application_id)
            recipient = storage.recipient(tx, application_id)
            if completed is None or recipient is None:
                raise NotCompleted(f"application {application_id} has not completed; rate it once it has")
            _completed_at, departments = completed
            region = recipient.facts.get("region_code", "")
            if not storage.add_rating(tx, application_id, rating, comment, f"{rated_by.kind}:{rated_by.id}", region,
                                      dt.datetime.now(dt.UTC).isoformat(), departments):
                raise AlreadyRated(f"application {application_id} has been rated already")
            recorded = SatisfactionRecorded(rating=rating, comment=comment, department_codes=departments,
                                            region_code=region)
            event_id = derived_id("satisfaction", application_id)
            add_to_outbox(tx, self.settings, build_envelope(recorded, application_id=application_id,
                                                            source=self.settings.service_name, actor=rated_by,
                                                            event_id=event_id))
        self.on_commit()
        return event_id
