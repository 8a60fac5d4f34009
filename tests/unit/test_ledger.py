"""The ledger of livelihood projects (#17): its rules (registration, progress, completion,
rating, the slow list), its API over a real gRPC channel on each store (each change checked,
applied and put in the outbox once; retries change nothing), and the ledger rebuilt from its
events alone in an empty store."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

from onewindow.common.v1.types_pb2 import Actor, ActorKind
from onewindow.feedback.v1.events_pb2 import Rating
from onewindow.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from onewindow.ledger.v1.project_pb2 import Milestone
from onewindow_catalog import load_catalog
from onewindow_platform.bootstrap import Built, wire
from onewindow_platform.config import load_settings
from onewindow_platform.consumer import HandlerContext
from onewindow_platform.events import decode
from onewindow_platform.rpc import grpc_server
from onewindow_platform.storage import Database
from onewindow_supervision import storage
from onewindow_supervision.domain import ledger
from onewindow_supervision.ledger_api import LedgerApi
from onewindow_supervision.ledger_handlers import LEDGER_HANDLERS
from onewindow_supervision.settings import SupervisionSettings

CATALOG = load_catalog()
TODAY = dt.date(2026, 12, 4)
PLAN = (("m1", "设计与招标", "2026-10-31"), ("m2", "主体施工", "2026-11-30"), ("m3", "竣工验收", "2027-01-31"))
OWNER = Actor(kind=ActorKind.ACTOR_KIND_AGENCY, id="110101.housing")


def state(reached: dict[str, str] | None = None, percent: int = 0, completed: str = "") -> ledger.ProjectState:
    plans = ledger.check_registration("p1", "危桥改造", "", "110101.housing", "110101", PLAN, [])
    reached = reached or {}
    return ledger.ProjectState(
        tuple(ledger.MilestoneProgress(p, dt.date.fromisoformat(reached[p.milestone_id])
                                       if p.milestone_id in reached else None) for p in plans),
        percent, dt.date.fromisoformat(completed) if completed else None)


def test_a_registration_needs_an_owner_a_place_and_dated_milestones_in_order() -> None:
    plans = ledger.check_registration("BJ-2026-001", " 危桥改造 ", "", "110101.housing", "110101001", PLAN, [])
    assert [p.milestone_id for p in plans] == ["m1", "m2", "m3"] and plans[1].due_on == dt.date(2026, 11, 30)
    bad = {"an id with a space": dict(project_id="BJ 1"), "no title": dict(title=" "),
           "no milestones": dict(milestones=[]), "a bad date": dict(milestones=[("m1", "t", "2026-13-01")]),
           "out of order": dict(milestones=[("m1", "a", "2026-12-01"), ("m2", "b", "2026-11-01")]),
           "twice": dict(milestones=[("m1", "a", "2026-12-01"), ("m1", "b", "2026-12-02")]),
           "no region": dict(region_code="东城")}
    for why, change in bad.items():
        args = dict(project_id="p", title="t", description="", department_code="d", region_code="110101",
                    milestones=PLAN, sources=[]) | change
        with pytest.raises(ledger.LedgerRuleBroken):
            ledger.check_registration(**args)  # type: ignore[arg-type]
            pytest.fail(why)


def test_progress_moves_forward_reaches_a_milestone_once_and_stops_when_finished() -> None:
    ledger.check_progress(state(), 30, "m1", "")
    ledger.check_progress(state(), 30, "", "基础已浇筑")
    with pytest.raises(ledger.LedgerRuleBroken, match="less than"):
        ledger.check_progress(state(percent=40), 30, "", "倒退")
    with pytest.raises(ledger.LedgerRuleBroken, match="a note"):
        ledger.check_progress(state(), 10, "", " ")
    with pytest.raises(ledger.LedgerRuleBroken, match="not one of"):
        ledger.check_progress(state(), 10, "m9", "")
    with pytest.raises(ledger.AlreadyDone, match="reached on 2026-10-20"):
        ledger.check_progress(state({"m1": "2026-10-20"}), 10, "m1", "")
    with pytest.raises(ledger.AlreadyDone, match="finished"):
        ledger.check_progress(state(completed="2026-12-01"), 100, "", "补记")


def test_a_project_finishes_only_with_every_milestone_reached_and_only_then_is_rated() -> None:
    with pytest.raises(ledger.AlreadyDone, match="m2, m3"):
        ledger.check_completion(state({"m1": "2026-10-20"}))
    ledger.check_completion(state({"m1": "2026-10-20", "m2": "2026-11-20", "m3": "2026-12-01"}))
    with pytest.raises(ledger.AlreadyDone, match="only a finished project"):
        ledger.check_rating(state(), "")
    ledger.check_rating(state(completed="2026-12-01"), "桥修得好")


def test_a_project_is_on_the_slow_list_while_a_milestone_is_overdue_and_leaves_it_when_it_catches_up() -> None:
    assert ledger.days_behind(state(), TODAY) == 34                        # m1 due 31 Oct, unreached
    late = state({"m1": "2026-11-02"})                                     # m1 reached late: m2 now behind
    assert ledger.behind_schedule(late, TODAY) and ledger.days_behind(late, TODAY) == 4
    caught_up = state({"m1": "2026-11-02", "m2": "2026-12-03"})
    assert not ledger.behind_schedule(caught_up, TODAY)                    # m3 is due next year
    assert not ledger.behind_schedule(state(), dt.date(2026, 10, 31))      # due today is not late yet
    assert not ledger.behind_schedule(state(completed="2026-12-01"), TODAY)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Ledger:
    """The LedgerService on a real gRPC server over one store."""

    def __init__(self, db: Database, root: Path) -> None:
        storage.SCHEMA.upgrade(db)
        self.db = db
        self.settings = load_settings(SupervisionSettings, data_dir=root)
        address = f"127.0.0.1:{_free_port()}"
        api = LedgerApi(self.settings, db, CATALOG, lambda: None, today=lambda: TODAY)
        self.stop = grpc_server(address,
                                lambda server: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(api, server))
        self.channel = grpc.insecure_channel(address)
        self.stub = ledger_pb2_grpc.LedgerServiceStub(self.channel)

    def outbox(self) -> list[bytes]:
        with self.db.transaction() as tx:
            return [bytes(r[0]) for r in tx.execute("SELECT value FROM ow_outbox ORDER BY id").fetchall()]

    def close(self) -> None:
        self.channel.close()
        self.stop()


@pytest.fixture
def opened(database_factory: Callable[[str], Database], tmp_path: Path) -> Iterator[Callable[[str], Ledger]]:
    made: list[Ledger] = []

    def make(name: str) -> Ledger:
        made.append(Ledger(database_factory(name), tmp_path))
        return made[-1]

    yield make
    for one in made:
        one.close()


def register(stub: ledger_pb2_grpc.LedgerServiceStub, project_id: str = "BJ-2026-007") -> ledger_pb2.ProjectChanged:
    return stub.RegisterProject(ledger_pb2.RegisterProjectRequest(
        project_id=project_id, title="和平里危桥改造", description="群众反映桥面开裂",
        owner_department_code="110101.housing", region_code="110101001",
        milestones=[Milestone(milestone_id=m, title=t, due_on=d) for m, t, d in PLAN],
        source_application_ids=["110101-20260901-00001", "110101-20260902-00004"], registered_by=OWNER))


def expect_error(code: grpc.StatusCode, call: Callable[[], object]) -> str:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert caught.value.code() == code, caught.value.details()
    return str(caught.value.details())


def test_the_api_keeps_the_ledger_once_per_change_and_a_replay_of_its_events_rebuilds_it(
        opened: Callable[[str], Ledger]) -> None:
    one = opened("ledger")
    stub = one.stub
    first = register(stub)
    assert register(stub).event_id == first.event_id                          # a retry: nothing new
    expect_error(grpc.StatusCode.ALREADY_EXISTS, lambda: stub.RegisterProject(ledger_pb2.RegisterProjectRequest(
        project_id="BJ-2026-007", title="另一个项目", owner_department_code="110101.housing", region_code="110101",
        milestones=[Milestone(milestone_id="m1", title="t", due_on="2027-01-01")])))
    assert "no department" in expect_error(grpc.StatusCode.INVALID_ARGUMENT, lambda: stub.RegisterProject(
        ledger_pb2.RegisterProjectRequest(project_id="x", title="t", owner_department_code="nowhere.none",
                                          region_code="110101", milestones=[Milestone(milestone_id="m1", title="t",
                                                                                      due_on="2027-01-01")])))
    # Behind from the start: m1 (31 Oct) is past. On the slow list.
    [slow] = stub.ListProjects(ledger_pb2.ListProjectsRequest(behind_only=True)).projects
    assert slow.project_id == "BJ-2026-007" and slow.days_behind == 34 and slow.owner_department_name

    def report(update_id: str, percent: int, milestone: str = "", note: str = "") -> ledger_pb2.ProjectChanged:
        return stub.ReportProgress(ledger_pb2.ReportProgressRequest(
            project_id="BJ-2026-007", update_id=update_id, percent_done=percent, milestone_reached=milestone,
            note=note, reported_by=OWNER))

    done_m1 = report("u1", 30, "m1", "招标完成")
    assert report("u1", 30, "m1", "招标完成").event_id == done_m1.event_id          # a retry
    expect_error(grpc.StatusCode.FAILED_PRECONDITION, lambda: report("u2", 35, "m1"))   # m1 reached already
    expect_error(grpc.StatusCode.INVALID_ARGUMENT, lambda: report("u3", 20, note="倒退"))
    report("u4", 70, "m2", "主体完工")
    expect_error(grpc.StatusCode.FAILED_PRECONDITION, lambda: stub.RateProject(ledger_pb2.RateProjectRequest(
        project_id="BJ-2026-007", rater_key="k" * 32, rating=Rating.RATING_SATISFIED)))   # not finished
    assert "m3" in expect_error(grpc.StatusCode.FAILED_PRECONDITION, lambda: stub.CompleteProject(
        ledger_pb2.CompleteProjectRequest(project_id="BJ-2026-007", completed_by=OWNER)))
    assert not stub.ListProjects(ledger_pb2.ListProjectsRequest(behind_only=True)).projects   # caught up
    report("u5", 100, "m3", "验收合格")
    completed = stub.CompleteProject(ledger_pb2.CompleteProjectRequest(project_id="BJ-2026-007", completed_by=OWNER))
    assert stub.CompleteProject(ledger_pb2.CompleteProjectRequest(project_id="BJ-2026-007")).event_id == \
        completed.event_id
    for key, rating in (("a" * 32, Rating.RATING_VERY_SATISFIED), ("b" * 32, Rating.RATING_DISSATISFIED)):
        stub.RateProject(ledger_pb2.RateProjectRequest(project_id="BJ-2026-007", rater_key=key, rating=rating,
                                                       comment="桥修好了"))
    expect_error(grpc.StatusCode.ALREADY_EXISTS, lambda: stub.RateProject(ledger_pb2.RateProjectRequest(
        project_id="BJ-2026-007", rater_key="a" * 32, rating=Rating.RATING_SATISFIED)))
    expect_error(grpc.StatusCode.NOT_FOUND, lambda: stub.GetProject(ledger_pb2.GetProjectRequest(project_id="nope")))

    shown = stub.GetProject(ledger_pb2.GetProjectRequest(project_id="BJ-2026-007"))
    assert shown.completed_on and shown.percent_done == 100 and not shown.behind_schedule
    assert [m.reached_on != "" for m in shown.milestones] == [True, True, True]
    assert [u.note for u in shown.updates] == ["验收合格", "主体完工", "招标完成"]
    assert shown.updates[0].reported_by == OWNER.id
    assert (shown.ratings, shown.satisfied) == (2, 1)
    assert list(shown.source_application_ids) == ["110101-20260901-00001", "110101-20260902-00004"]

    events = one.outbox()
    kinds = [decode(value).event_type.rsplit(".", 1)[-1] for value in events]
    assert kinds == ["ProjectRegistered", "ProjectProgressReported", "ProjectProgressReported",
                     "ProjectProgressReported", "ProjectCompleted", "ProjectRated", "ProjectRated"]
    assert all(decode(value).envelope.application_id == "BJ-2026-007" for value in events)   # keyed by project

    # The events alone, consumed (twice: redelivered) into an empty store, give the same ledger.
    replayed = opened("replayed")
    handled = wire(LEDGER_HANDLERS, Built({}))
    for value in events + events:
        event = decode(value)
        with replayed.db.transaction() as tx:
            handled[event.event_type](event, HandlerContext(tx=tx, event=event, topic="t", partition=0, offset=0,
                                                            settings=replayed.settings))
    again = replayed.stub.GetProject(ledger_pb2.GetProjectRequest(project_id="BJ-2026-007"))
    assert again == shown
    # The consumer applying the API's own events back changes nothing either.
    for value in events:
        event = decode(value)
        with one.db.transaction() as tx:
            handled[event.event_type](event, HandlerContext(tx=tx, event=event, topic="t", partition=0, offset=0,
                                                            settings=one.settings))
    assert stub.GetProject(ledger_pb2.GetProjectRequest(project_id="BJ-2026-007")) == shown
