"""The submit use case: validate, then store the application and stage ApplicationAccepted in
one local transaction. Same idempotency key + same request = the first answer again."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp

from onewindow.application.v1.events_pb2 import ApplicationAccepted, ApplicationViewed, SupplementProvided
from onewindow.common.v1.types_pb2 import Actor, ApplicantRef, Channel
from onewindow_catalog import Catalog, WorkingCalendar, deadlines
from onewindow_platform.events import build_envelope
from onewindow_platform.failpoints import fires
from onewindow_platform.group_commit import GroupCommit
from onewindow_platform.outbox import add_to_outbox
from onewindow_platform.personal_data import PersonalDataCipher, Pseudonyms
from onewindow_platform.pii import mask_email, mask_id_number, mask_name, mask_phone
from onewindow_platform.storage import Database, Transaction

from . import storage
from .domain.case_states import CaseStatus, TaskStatus, after_supplement, check_supplement_wanted
from .domain.identity import normalise_phone
from .domain.validation import Submission, Violation, field_problem, validate
from .settings import IntakeSettings


class IdempotencyConflict(Exception):
    """The key was used before with a different request."""


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class SubmitResult:
    application_id: str = ""
    violations: tuple[Violation, ...] = ()
    replayed: bool = False


class SubmissionService:
    def __init__(self, settings: IntakeSettings, db: Database, catalog: Catalog, calendar: WorkingCalendar,
                 cipher: PersonalDataCipher, pseudonyms: Pseudonyms,
                 on_commit: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.db = db
        self.catalog = catalog
        self.calendar = calendar
        self.cipher = cipher
        self.pseudonyms = pseudonyms
        self.on_commit = on_commit  # called after a commit that staged events (wakes the relay)
        # Concurrent submissions share one COMMIT: the fsync, not the work, bounds a busy window.
        self.group = GroupCommit(db)

    def _committed(self) -> None:
        if self.on_commit is not None:
            self.on_commit()

    def submit(self, submission: Submission, idempotency_key: str, actor: Actor,
               now: dt.datetime | None = None) -> SubmitResult:
        now = now or dt.datetime.now(dt.UTC)
        violations = validate(submission, self.catalog, today=now.date())
        if violations:
            return SubmitResult(violations=tuple(violations))
        request_hash = _request_hash(submission)
        scoped_key = f"{actor.kind}:{actor.id}:{idempotency_key}" if idempotency_key else ""
        result = self.group.run(
            lambda tx: self._store(tx, submission, idempotency_key, scoped_key, request_hash, actor, now))
        if not result.replayed:
            self._committed()
        return result

    def _store(self, tx: Transaction, submission: Submission, idempotency_key: str, scoped_key: str,
               request_hash: str, actor: Actor, now: dt.datetime) -> SubmitResult:
        """Store the application and stage ApplicationAccepted (inside the group's transaction)."""
        if scoped_key:
            earlier = storage.find_idempotent(tx, scoped_key)
            if earlier is not None and fires("intake.replay_files_again"):  # planted bug (fault-suite tests)
                earlier, scoped_key = None, ""
            if earlier is not None:
                if earlier[0] != request_hash:
                    raise IdempotencyConflict(idempotency_key)
                return SubmitResult(application_id=earlier[1], replayed=True)
        item = self.catalog.items[submission.item_code]
        application_id = storage.next_case_number(tx, submission.region_code, now.strftime("%Y%m%d"))
        promised_by = deadlines.promised_by(item, self.catalog, self.calendar, now)
        id_number = submission.id_number.strip().upper()
        phone = normalise_phone(submission.phone)
        contact = {"name": submission.name.strip(), "id_number": id_number, "phone": phone,
                   "email": submission.email.strip()}
        sealed = self.cipher.seal(json.dumps(contact, ensure_ascii=False).encode(), application_id.encode())
        applicant = ApplicantRef(
            name_masked=mask_name(submission.name), id_number_masked=mask_id_number(id_number),
            phone_masked=mask_phone(phone), email_masked=mask_email(submission.email) if submission.email else "",
            sealed_contact=sealed, subject_id=self.pseudonyms.subject_id(id_number),
        )
        storage.insert_application(tx, {
            "application_id": application_id, "item_code": item.code, "item_name": item.name,
            "channel": submission.channel, "receiving_region_code": submission.region_code,
            "location_region_code": submission.location_region_code, "status": "accepted",
            "name_masked": applicant.name_masked, "id_number_masked": applicant.id_number_masked,
            "phone_masked": applicant.phone_masked, "email_masked": applicant.email_masked,
            "subject_id": applicant.subject_id, "sealed_personal_data": sealed,
            "fields_json": json.dumps(dict(submission.fields), ensure_ascii=False),
            "submitted_by": f"{actor.kind}:{actor.id}", "submitted_at": now.isoformat(),
            "updated_at": now.isoformat(), "promised_by": promised_by.isoformat(),
        })
        if scoped_key:
            storage.remember_idempotent(tx, scoped_key, request_hash, application_id)
        fields = Struct()
        fields.update(dict(submission.fields))  # type: ignore[arg-type]
        accepted = ApplicationAccepted(
            case_number=application_id, item_code=item.code, item_name=item.name,
            receiving_region_code=submission.region_code,
            location_region_code=submission.location_region_code,
            channel=Channel.Value(f"CHANNEL_{submission.channel.upper()}"), applicant=applicant,
            fields=fields, promised_by=_timestamp(promised_by),
        )
        envelope = build_envelope(accepted, application_id=application_id, source=self.settings.service_name,
                                  actor=actor, occurred_at=now)
        add_to_outbox(tx, self.settings, envelope)
        return SubmitResult(application_id=application_id)

    def record_access(self, application_id: str, viewer: Actor, purpose: str, data_shown: list[str]) -> str:
        """Stage ApplicationViewed: a person saw this applicant's personal data. Returns its event id;
        the gateway shows the case only after this committed."""
        def store(tx: Transaction) -> str:
            if storage.get_application(tx, application_id) is None:
                raise NotFound(f"no application {application_id}")
            envelope = build_envelope(ApplicationViewed(purpose=purpose[:200], data_shown=data_shown[:20]),
                                      application_id=application_id, source=self.settings.service_name, actor=viewer)
            add_to_outbox(tx, self.settings, envelope)
            return envelope.event_id

        event_id = self.group.run(store)
        self._committed()
        return event_id

    def provide_supplement(self, application_id: str, task_id: str, fields: dict[str, object],
                           actor: Actor) -> tuple[str, list[Violation]]:
        """Stage SupplementProvided for a task that asked for material. Returns (event id, problems)."""
        with self.db.transaction() as tx:
            found = storage.task_for_supplement(tx, application_id, task_id)
            if found is None:
                raise NotFound(f"application {application_id} has no task {task_id}")
            item_code, status = found
            check_supplement_wanted(task_id, status)
            item = self.catalog.items[item_code]
            specs = {spec.name: spec for spec in item.fields}
            problems = [Violation(f"fields.{name}", f"is not a field of {item_code}") for name in fields
                        if name not in specs]
            problems += [Violation(f"fields.{name}", problem) for name, value in fields.items() if name in specs
                         and (problem := field_problem(specs[name], value, self.catalog))]
            if not fields:
                problems.append(Violation("fields", "send at least one field"))
            if problems:
                return "", problems
            supplied = Struct()
            supplied.update(fields)  # type: ignore[arg-type]
            envelope = build_envelope(SupplementProvided(task_id=task_id, fields=supplied),
                                      application_id=application_id, source=self.settings.service_name, actor=actor)
            add_to_outbox(tx, self.settings, envelope)
            storage.update_task(tx, task_id, status=TaskStatus.SUPPLEMENT_PROVIDED, note="")
            current = storage.application_status(tx, application_id) or CaseStatus.NEEDS_SUPPLEMENT
            status_now = after_supplement(storage.task_statuses(tx, application_id), current)
            if status_now != current:
                storage.set_application_status(tx, application_id, status_now, dt.datetime.now(dt.UTC).isoformat())
        self._committed()
        return envelope.event_id, []


def _request_hash(submission: Submission) -> str:
    canonical = json.dumps({
        "item_code": submission.item_code, "region_code": submission.region_code,
        "location_region_code": submission.location_region_code, "channel": submission.channel,
        "name": submission.name, "id_number": submission.id_number.strip().upper(),
        "phone": normalise_phone(submission.phone), "email": submission.email, "fields": dict(submission.fields),
    }, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _timestamp(value: dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp
