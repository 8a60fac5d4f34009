"""onewindow.intake.v1.IntakeService: translation between the wire and the use cases."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import grpc
from google.protobuf.json_format import MessageToDict, ParseDict

from onewindow.common.v1.types_pb2 import Deadline, FieldViolation
from onewindow.intake.v1 import intake_pb2, intake_pb2_grpc
from onewindow.intake.v1.intake_pb2 import ApplicationStatus
from onewindow_catalog.catalog import region_prefix
from onewindow_platform.rpc import server_span
from onewindow_platform.storage import Database
from onewindow_platform.tracing import APPLICATION_ID_ATTRIBUTE, trace_id_hex

from . import storage
from .domain.case_states import NotNow
from .domain.validation import Submission
from .settings import IntakeSettings
from .submissions import IdempotencyConflict, NotFound, SubmissionService

STATUS_TO_PROTO = {
    "accepted": ApplicationStatus.APPLICATION_STATUS_ACCEPTED,
    "rejected": ApplicationStatus.APPLICATION_STATUS_REJECTED,
    "routed": ApplicationStatus.APPLICATION_STATUS_ROUTED,
    "in_progress": ApplicationStatus.APPLICATION_STATUS_IN_PROGRESS,
    "needs_supplement": ApplicationStatus.APPLICATION_STATUS_NEEDS_SUPPLEMENT,
    "completed": ApplicationStatus.APPLICATION_STATUS_COMPLETED,
}
PROTO_TO_STATUS = {value: key for key, value in STATUS_TO_PROTO.items()}
CHANNEL_NAMES = {1: "counter", 2: "app", 3: "web", 4: "hotline", 5: "sensor"}


class IntakeApi(intake_pb2_grpc.IntakeServiceServicer):
    def __init__(self, settings: IntakeSettings, db: Database, submissions: SubmissionService,
                 publish_lag_s: Callable[[], float] = lambda: 0.0) -> None:
        self.settings = settings
        self.db = db
        self.submissions = submissions
        self.publish_lag_s = publish_lag_s

    def SubmitApplication(self, request: intake_pb2.SubmitApplicationRequest,
                          context: grpc.ServicerContext) -> intake_pb2.SubmitApplicationResponse:
        attributes = {"onewindow.item.code": request.item_code, "onewindow.region.code": request.region_code}
        with server_span(context, "IntakeService/SubmitApplication", **attributes) as span:
            lag = self.publish_lag_s()
            if lag > self.settings.intake_max_publish_lag_s:
                # What is accepted stays safe in the outbox, but a receipt for a case that cannot
                # move is a promise we cannot keep: the counter retries once the broker is back.
                span.set_attribute("onewindow.refused.publish_lag_s", round(lag, 1))
                context.abort(grpc.StatusCode.UNAVAILABLE,
                              f"the event bus has not taken accepted cases for {lag:.0f} s; retry shortly")
            submission = Submission(
                item_code=request.item_code, region_code=request.region_code,
                location_region_code=request.location_region_code,
                channel=CHANNEL_NAMES.get(request.channel, "unspecified"),
                name=request.applicant.name, id_number=request.applicant.id_number,
                phone=request.applicant.phone, email=request.applicant.email,
                fields=MessageToDict(request.fields),
            )
            try:
                result = self.submissions.submit(submission, request.idempotency_key, request.submitted_by)
            except IdempotencyConflict:
                context.abort(grpc.StatusCode.ALREADY_EXISTS,
                              "this Idempotency-Key was used for a different request; use a new key")
            if result.violations:
                span.set_attribute("onewindow.rejected", True)
                return intake_pb2.SubmitApplicationResponse(
                    status=ApplicationStatus.APPLICATION_STATUS_REJECTED,
                    violations=[FieldViolation(field=v.field, message=v.message) for v in result.violations],
                    trace_id=trace_id_hex(span),
                )
            span.set_attribute(APPLICATION_ID_ATTRIBUTE, result.application_id)
            stored = storage.get_application(self.db.connection(), result.application_id)
            status = STATUS_TO_PROTO[stored.status] if stored else ApplicationStatus.APPLICATION_STATUS_ACCEPTED
            return intake_pb2.SubmitApplicationResponse(
                application_id=result.application_id, status=status, replayed=result.replayed,
                trace_id=trace_id_hex(span),
            )

    def GetApplication(self, request: intake_pb2.GetApplicationRequest,
                       context: grpc.ServicerContext) -> intake_pb2.GetApplicationResponse:
        with server_span(context, "IntakeService/GetApplication", **{APPLICATION_ID_ATTRIBUTE: request.application_id}):
            conn = self.db.connection()
            stored = storage.get_application(conn, request.application_id)
            if stored is None:
                context.abort(grpc.StatusCode.NOT_FOUND, f"no application {request.application_id}")
                raise AssertionError("abort raises")
            tasks = storage.get_tasks(conn, stored.application_id)
            return intake_pb2.GetApplicationResponse(application=_view(stored, tasks))

    def ProvideSupplement(self, request: intake_pb2.ProvideSupplementRequest,
                          context: grpc.ServicerContext) -> intake_pb2.ProvideSupplementResponse:
        attributes = {APPLICATION_ID_ATTRIBUTE: request.application_id}
        with server_span(context, "IntakeService/ProvideSupplement", **attributes):
            try:
                event_id, problems = self.submissions.provide_supplement(
                    request.application_id, request.task_id, MessageToDict(request.fields), request.provided_by)
            except NotFound as exc:
                context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
            except NotNow as exc:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
            return intake_pb2.ProvideSupplementResponse(
                event_id=event_id, violations=[FieldViolation(field=v.field, message=v.message) for v in problems])

    def RecordAccess(self, request: intake_pb2.RecordAccessRequest,
                     context: grpc.ServicerContext) -> intake_pb2.RecordAccessResponse:
        with server_span(context, "IntakeService/RecordAccess", **{APPLICATION_ID_ATTRIBUTE: request.application_id}):
            if not request.viewer.id or not request.purpose:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a viewer and a purpose are required")
            try:
                event_id = self.submissions.record_access(request.application_id, request.viewer, request.purpose,
                                                          list(request.data_shown))
            except NotFound as exc:
                context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
            return intake_pb2.RecordAccessResponse(event_id=event_id)

    def ListApplications(self, request: intake_pb2.ListApplicationsRequest,
                         context: grpc.ServicerContext) -> intake_pb2.ListApplicationsResponse:
        with server_span(context, "IntakeService/ListApplications"):
            conn = self.db.connection()
            page_size = min(request.page_size or 20, self.settings.list_page_size_max)
            subject = dict(context.invocation_metadata()).get("ow-subject-id", "")
            rows = storage.list_applications(
                conn, status=PROTO_TO_STATUS.get(request.status, ""),
                region_prefix=region_prefix(request.region_code) if request.region_code else "",
                department_code=request.department_code, subject_id=subject, after=request.page_token,
                task_status=request.task_status, item_code=request.item_code,
                limit=page_size + 1,
            )
            next_token = rows[page_size - 1].application_id if len(rows) > page_size else ""
            return intake_pb2.ListApplicationsResponse(
                applications=[_view(row, storage.get_tasks(conn, row.application_id)) for row in rows[:page_size]],
                next_page_token=next_token,
            )


def _view(stored: storage.StoredApplication, tasks: list[storage.StoredTask]) -> intake_pb2.ApplicationView:
    view = intake_pb2.ApplicationView(
        application_id=stored.application_id, status=STATUS_TO_PROTO[stored.status], item_code=stored.item_code,
        item_name=stored.item_name, receiving_region_code=stored.receiving_region_code,
        location_region_code=stored.location_region_code, handling_region_code=stored.handling_region_code,
        channel={v: k for k, v in CHANNEL_NAMES.items()}.get(stored.channel, 0),
        cross_region=bool(stored.cross_region), routing_fallback=bool(stored.routing_fallback),
        routing_note=stored.routing_note, outcome=stored.outcome,
        notification_problems=json.loads(stored.notification_problems),
    )
    view.applicant.name_masked = stored.name_masked
    view.applicant.id_number_masked = stored.id_number_masked
    view.applicant.phone_masked = stored.phone_masked
    view.applicant.email_masked = stored.email_masked
    view.applicant.subject_id = stored.subject_id
    view.submitted_at.FromDatetime(dt.datetime.fromisoformat(stored.submitted_at))
    view.updated_at.FromDatetime(dt.datetime.fromisoformat(stored.updated_at))
    for task in tasks:
        view.tasks.append(intake_pb2.TaskView(
            task_id=task.task_id, department_code=task.department_code, department_name=task.department_name,
            region_code=task.region_code, level=task.level, status=task.status, outcome=task.outcome,
            result_text=task.result_text, note=task.note, dispatch_number=task.dispatch_number,
            deadline=ParseDict(task.deadline, Deadline()) if task.deadline else None,
        ))
    return view
