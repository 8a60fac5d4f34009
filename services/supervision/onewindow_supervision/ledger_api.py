"""onewindow.ledger.v1.LedgerService: the ledger of livelihood projects (实事项目台账). Each change
is checked by the ledger's rules, applied to its tables and put in the outbox as its event in
one transaction (a retry with the same ids changes nothing and answers the same event id)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import grpc
from google.protobuf.message import Message

from onewindow.common.v1.types_pb2 import Actor
from onewindow.feedback.v1.events_pb2 import Rating
from onewindow.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from onewindow.ledger.v1.events_pb2 import ProjectCompleted, ProjectProgressReported, ProjectRated, ProjectRegistered
from onewindow.ledger.v1.project_pb2 import Milestone
from onewindow_catalog import Catalog
from onewindow_catalog.calendar import CHINA
from onewindow_catalog.catalog import region_prefix
from onewindow_platform.events import build_envelope, derived_id
from onewindow_platform.outbox import add_to_outbox
from onewindow_platform.rpc import server_span
from onewindow_platform.storage import Database, Transaction
from onewindow_platform.tracing import APPLICATION_ID_ATTRIBUTE

from . import ledger_store
from .domain import ledger
from .grpc_api import names
from .ledger_handlers import china_day
from .settings import SupervisionSettings

RATINGS = frozenset(Rating.values()) - {Rating.RATING_UNSPECIFIED}


@contextmanager
def rules_to_status(context: grpc.ServicerContext) -> Iterator[None]:
    """A change the ledger's rules refuse: FAILED_PRECONDITION when it conflicts with the
    project's state (finished, milestone reached, not finished yet), INVALID_ARGUMENT otherwise."""
    try:
        yield
    except ledger.AlreadyDone as exc:
        context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
    except ledger.LedgerRuleBroken as exc:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))


class LedgerApi(ledger_pb2_grpc.LedgerServiceServicer):
    def __init__(self, settings: SupervisionSettings, db: Database, catalog: Catalog,
                 wake_relay: Callable[[], None], today: Callable[[], dt.date] | None = None) -> None:
        self.settings, self.db, self.catalog = settings, db, catalog
        self.names = names(catalog)
        self.wake_relay = wake_relay
        self.today = today or (lambda: dt.datetime.now(CHINA).date())

    def _publish(self, tx: Transaction, payload: Message, project_id: str, event_id: str, actor: Actor | None,
                 at: dt.datetime) -> None:
        add_to_outbox(tx, self.settings, build_envelope(
            payload, application_id=project_id, source=self.settings.service_name,
            event_id=event_id, actor=actor if actor and actor.id else None, occurred_at=at))

    def _project(self, tx: Transaction, project_id: str, context: grpc.ServicerContext) -> ledger_store.ProjectRow:
        found = ledger_store.project(tx, project_id)
        if found is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no project {project_id!r} on the ledger")
            raise AssertionError("abort raises")
        return found

    def RegisterProject(self, request: ledger_pb2.RegisterProjectRequest,
                        context: grpc.ServicerContext) -> ledger_pb2.ProjectChanged:
        with server_span(context, "LedgerService/RegisterProject") as span:
            span.set_attribute(APPLICATION_ID_ATTRIBUTE, request.project_id)
            with rules_to_status(context):
                plans = ledger.check_registration(
                    request.project_id, request.title, request.description, request.owner_department_code,
                    request.region_code, [(m.milestone_id, m.title, m.due_on) for m in request.milestones],
                    request.source_application_ids)
            if request.owner_department_code not in self.catalog.departments:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                              f"owner_department_code: no department {request.owner_department_code!r}")
            if not any(code in self.catalog.regions for code in (request.region_code, request.region_code[:9],
                                                                   request.region_code[:6])):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"region_code: no region {request.region_code!r}")
            event_id = derived_id("project-registered", request.project_id)
            event = ProjectRegistered(
                project_id=request.project_id, title=request.title.strip(), description=request.description,
                owner_department_code=request.owner_department_code, region_code=request.region_code,
                milestones=[Milestone(milestone_id=p.milestone_id, title=p.title, due_on=p.due_on.isoformat())
                            for p in plans],
                source_application_ids=list(dict.fromkeys(request.source_application_ids)))
            now = dt.datetime.now(dt.UTC)
            with self.db.transaction() as tx:
                known = ledger_store.project(tx, request.project_id)
                if known is not None:
                    if (known.title, known.department_code) != (event.title, event.owner_department_code):
                        context.abort(grpc.StatusCode.ALREADY_EXISTS,
                                      f"project {request.project_id!r} is on the ledger with other details")
                    return ledger_pb2.ProjectChanged(event_id=event_id)   # a retry
                ledger_store.apply_registered(tx, event, china_day(now))
                self._publish(tx, event, request.project_id, event_id, request.registered_by, now)
            self.wake_relay()
            return ledger_pb2.ProjectChanged(event_id=event_id)

    def ReportProgress(self, request: ledger_pb2.ReportProgressRequest,
                       context: grpc.ServicerContext) -> ledger_pb2.ProjectChanged:
        with server_span(context, "LedgerService/ReportProgress") as span:
            span.set_attribute(APPLICATION_ID_ATTRIBUTE, request.project_id)
            if not ledger.ID.match(request.update_id):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "update_id: the caller's id of this report")
            event_id = derived_id("project-progress", request.project_id, request.update_id)
            now = dt.datetime.now(dt.UTC)
            with self.db.transaction() as tx:
                if ledger_store.has_update(tx, event_id):
                    return ledger_pb2.ProjectChanged(event_id=event_id)   # a retry
                found = self._project(tx, request.project_id, context)
                with rules_to_status(context):
                    ledger.check_progress(found.state, request.percent_done, request.milestone_reached, request.note)
                event = ProjectProgressReported(
                    project_id=request.project_id, note=request.note.strip(), percent_done=request.percent_done,
                    milestone_reached=request.milestone_reached, reached_on=china_day(now))
                ledger_store.apply_progress(tx, event_id, event, now, request.reported_by.id)
                self._publish(tx, event, request.project_id, event_id, request.reported_by, now)
            self.wake_relay()
            return ledger_pb2.ProjectChanged(event_id=event_id)

    def CompleteProject(self, request: ledger_pb2.CompleteProjectRequest,
                        context: grpc.ServicerContext) -> ledger_pb2.ProjectChanged:
        with server_span(context, "LedgerService/CompleteProject") as span:
            span.set_attribute(APPLICATION_ID_ATTRIBUTE, request.project_id)
            event_id = derived_id("project-completed", request.project_id)
            now = dt.datetime.now(dt.UTC)
            with self.db.transaction() as tx:
                found = self._project(tx, request.project_id, context)
                if found.completed_on:
                    return ledger_pb2.ProjectChanged(event_id=event_id)   # finished already: a retry
                with rules_to_status(context):
                    ledger.check_completion(found.state)
                event = ProjectCompleted(project_id=request.project_id, completed_on=china_day(now))
                ledger_store.apply_completed(tx, event)
                self._publish(tx, event, request.project_id, event_id, request.completed_by, now)
            self.wake_relay()
            return ledger_pb2.ProjectChanged(event_id=event_id)

    def RateProject(self, request: ledger_pb2.RateProjectRequest,
                    context: grpc.ServicerContext) -> ledger_pb2.ProjectChanged:
        with server_span(context, "LedgerService/RateProject") as span:
            span.set_attribute(APPLICATION_ID_ATTRIBUTE, request.project_id)
            if request.rating not in RATINGS:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "rating: one of the five levels")
            if not 16 <= len(request.rater_key) <= 128:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "rater_key: the rater's keyed digest")
            event_id = derived_id("project-rated", request.project_id, request.rater_key)
            now = dt.datetime.now(dt.UTC)
            with self.db.transaction() as tx:
                found = self._project(tx, request.project_id, context)
                with rules_to_status(context):
                    ledger.check_rating(found.state, request.comment)
                if ledger_store.has_rated(tx, request.project_id, request.rater_key):
                    context.abort(grpc.StatusCode.ALREADY_EXISTS, "this project has your rating already")
                event = ProjectRated(project_id=request.project_id, rater_key=request.rater_key,
                                     rating=request.rating, comment=request.comment.strip())
                ledger_store.apply_rated(tx, event, china_day(now))
                self._publish(tx, event, request.project_id, event_id, None, now)
            self.wake_relay()
            return ledger_pb2.ProjectChanged(event_id=event_id)

    def ListProjects(self, request: ledger_pb2.ListProjectsRequest,
                     context: grpc.ServicerContext) -> ledger_pb2.ListProjectsResponse:
        with server_span(context, "LedgerService/ListProjects"):
            today = self.today()
            with self.db.transaction() as tx:
                found = ledger_store.projects(
                    tx, region_prefix=region_prefix(request.region_code) if request.region_code else "",
                    department_code=request.owner_department_code, limit=min(request.page_size or 500, 2000))
            if request.behind_only:
                found = sorted((p for p in found if ledger.behind_schedule(p.state, today)),
                               key=lambda p: -ledger.days_behind(p.state, today))
            response = ledger_pb2.ListProjectsResponse()
            for row in found:
                self._fill(response.projects.add(), row, today)
            return response

    def GetProject(self, request: ledger_pb2.GetProjectRequest, context: grpc.ServicerContext) -> ledger_pb2.Project:
        with server_span(context, "LedgerService/GetProject"):
            with self.db.transaction() as tx:
                found = self._project(tx, request.project_id, context)
                history = ledger_store.updates(tx, request.project_id)
            out = ledger_pb2.Project()
            self._fill(out, found, self.today())
            for u in history:
                out.updates.add(reported_on=u.reported_on, note=u.note, percent_done=u.percent_done,
                                milestone_reached=u.milestone_reached, reported_by=u.reported_by)
            return out

    def _fill(self, out: ledger_pb2.Project, row: ledger_store.ProjectRow, today: dt.date) -> None:
        state = row.state
        out.project_id, out.title, out.description = row.project_id, row.title, row.description
        out.owner_department_code = row.department_code
        out.owner_department_name = self.names.get(row.department_code, "")
        out.region_code, out.percent_done = row.region_code, row.percent_done
        out.registered_on, out.completed_on = row.registered_on, row.completed_on
        out.source_application_ids.extend(row.sources)
        for m in row.milestones:
            out.milestones.add(
                milestone=Milestone(milestone_id=m.plan.milestone_id, title=m.plan.title,
                                    due_on=m.plan.due_on.isoformat()),
                reached_on=m.reached_on.isoformat() if m.reached_on else "",
                overdue=state.completed_on is None and ledger.overdue(m, today))
        out.days_behind = ledger.days_behind(state, today)
        out.behind_schedule = out.days_behind > 0
        out.ratings, out.satisfied = row.ratings, row.satisfied
