"""The ledger's tables: projects, their milestones and source cases, progress updates and
citizens' ratings — all derived from the onewindow.ledger.v1 events.

Each `apply_*` is idempotent (keyed by the project, the update's event id, the rater): the API
applies a change in the transaction that puts its event in the outbox, and the consumer applies
the same event again when it comes back from the topic, which changes nothing — but replaying
the topic into an empty store rebuilds the whole ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onewindow.ledger.v1.events_pb2 import ProjectCompleted, ProjectProgressReported, ProjectRated, ProjectRegistered
from onewindow_platform.storage import Transaction

from .domain.ledger import MilestonePlan, MilestoneProgress, ProjectState

SCHEMA_3 = """
CREATE TABLE IF NOT EXISTS ledger_projects (
    project_id       TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    department_code  TEXT NOT NULL,
    region_code      TEXT NOT NULL,
    registered_on    TEXT NOT NULL,            -- YYYY-MM-DD, China date
    percent_done     INTEGER NOT NULL DEFAULT 0,
    completed_on     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS ledger_projects_region ON ledger_projects (region_code);

CREATE TABLE IF NOT EXISTS ledger_milestones (
    project_id    TEXT NOT NULL,
    position      INTEGER NOT NULL,
    milestone_id  TEXT NOT NULL,
    title         TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    reached_on    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, milestone_id)
);

CREATE TABLE IF NOT EXISTS ledger_sources (
    project_id      TEXT NOT NULL,
    application_id  TEXT NOT NULL,
    PRIMARY KEY (project_id, application_id)
);

CREATE TABLE IF NOT EXISTS ledger_updates (
    event_id           TEXT PRIMARY KEY,
    project_id         TEXT NOT NULL,
    reported_on        TEXT NOT NULL,
    reported_at        TEXT NOT NULL,          -- UTC ISO: the order of a day's updates
    note               TEXT NOT NULL,
    percent_done       INTEGER NOT NULL,
    milestone_reached  TEXT NOT NULL,
    reported_by        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_updates_project ON ledger_updates (project_id, reported_at);

CREATE TABLE IF NOT EXISTS ledger_ratings (
    project_id  TEXT NOT NULL,
    rater_key   TEXT NOT NULL,
    rating      INTEGER NOT NULL,              -- onewindow.feedback.v1.Rating
    comment     TEXT NOT NULL,
    rated_on    TEXT NOT NULL,
    PRIMARY KEY (project_id, rater_key)
);
"""

SATISFIED_RATINGS = (1, 2, 3)   # 非常满意, 满意, 基本满意


@dataclass(frozen=True)
class ProjectRow:
    project_id: str
    title: str
    description: str
    department_code: str
    region_code: str
    registered_on: str
    percent_done: int
    completed_on: str
    milestones: tuple[MilestoneProgress, ...]
    sources: tuple[str, ...]
    ratings: int
    satisfied: int

    @property
    def state(self) -> ProjectState:
        return ProjectState(self.milestones, self.percent_done,
                            dt.date.fromisoformat(self.completed_on) if self.completed_on else None)


@dataclass(frozen=True)
class UpdateRow:
    reported_on: str
    note: str
    percent_done: int
    milestone_reached: str
    reported_by: str


def apply_registered(tx: Transaction, event: ProjectRegistered, registered_on: str) -> bool:
    """False when the project was on the ledger already (nothing changes)."""
    inserted = tx.execute(
        "INSERT INTO ledger_projects (project_id, title, description, department_code, region_code, registered_on)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (event.project_id, event.title, event.description, event.owner_department_code, event.region_code,
         registered_on)).rowcount == 1
    if inserted:
        for position, m in enumerate(event.milestones):
            tx.execute("INSERT INTO ledger_milestones (project_id, position, milestone_id, title, due_on)"
                       " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       (event.project_id, position, m.milestone_id, m.title, m.due_on))
        for application_id in dict.fromkeys(event.source_application_ids):
            tx.execute("INSERT INTO ledger_sources (project_id, application_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       (event.project_id, application_id))
    return inserted


def apply_progress(tx: Transaction, event_id: str, event: ProjectProgressReported, reported_at: dt.datetime,
                   reported_by: str) -> bool:
    """False when this update was applied already."""
    inserted = tx.execute(
        "INSERT INTO ledger_updates (event_id, project_id, reported_on, reported_at, note, percent_done,"
        " milestone_reached, reported_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (event_id, event.project_id, event.reached_on, reported_at.isoformat(), event.note, event.percent_done,
         event.milestone_reached, reported_by)).rowcount == 1
    if inserted:
        tx.execute("UPDATE ledger_projects SET percent_done = ? WHERE project_id = ? AND percent_done < ?",
                   (event.percent_done, event.project_id, event.percent_done))
        if event.milestone_reached:
            tx.execute("UPDATE ledger_milestones SET reached_on = ? WHERE project_id = ? AND milestone_id = ?"
                       " AND reached_on = ''", (event.reached_on, event.project_id, event.milestone_reached))
    return inserted


def apply_completed(tx: Transaction, event: ProjectCompleted) -> bool:
    return tx.execute("UPDATE ledger_projects SET completed_on = ?, percent_done = 100"
                      " WHERE project_id = ? AND completed_on = ''",
                      (event.completed_on, event.project_id)).rowcount == 1


def apply_rated(tx: Transaction, event: ProjectRated, rated_on: str) -> bool:
    """False when this rater had rated the project already."""
    return tx.execute("INSERT INTO ledger_ratings (project_id, rater_key, rating, comment, rated_on)"
                      " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                      (event.project_id, event.rater_key, int(event.rating), event.comment, rated_on)).rowcount == 1


def has_update(tx: Transaction, event_id: str) -> bool:
    return tx.execute("SELECT 1 FROM ledger_updates WHERE event_id = ?", (event_id,)).fetchone() is not None


def has_rated(tx: Transaction, project_id: str, rater_key: str) -> bool:
    return tx.execute("SELECT 1 FROM ledger_ratings WHERE project_id = ? AND rater_key = ?",
                      (project_id, rater_key)).fetchone() is not None


_PROJECT_COLUMNS = ("project_id, title, description, department_code, region_code, registered_on, percent_done,"
                    " completed_on")


def projects(tx: Transaction, *, region_prefix: str = "", department_code: str = "", project_id: str = "",
             limit: int = 500) -> list[ProjectRow]:
    """Projects with their milestones, sources and rating counts; newest registration first."""
    where, params = ["region_code LIKE ?"], [f"{region_prefix}%"]
    if department_code:
        where.append("department_code = ?")
        params.append(department_code)
    if project_id:
        where.append("project_id = ?")
        params.append(project_id)
    rows = tx.execute(f"SELECT {_PROJECT_COLUMNS} FROM ledger_projects WHERE {' AND '.join(where)}"
                      " ORDER BY registered_on DESC, project_id LIMIT ?", (*params, limit)).fetchall()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    marks = ", ".join("?" * len(ids))
    milestones: dict[str, list[MilestoneProgress]] = {i: [] for i in ids}
    for pid, mid, title, due_on, reached_on in tx.execute(
            f"SELECT project_id, milestone_id, title, due_on, reached_on FROM ledger_milestones"
            f" WHERE project_id IN ({marks}) ORDER BY project_id, position", ids).fetchall():
        milestones[pid].append(MilestoneProgress(MilestonePlan(mid, title, dt.date.fromisoformat(due_on)),
                                                 dt.date.fromisoformat(reached_on) if reached_on else None))
    sources: dict[str, list[str]] = {i: [] for i in ids}
    for pid, application_id in tx.execute(f"SELECT project_id, application_id FROM ledger_sources"
                                          f" WHERE project_id IN ({marks}) ORDER BY application_id", ids).fetchall():
        sources[pid].append(application_id)
    rated: dict[str, tuple[int, int]] = {}
    satisfied_marks = ", ".join(str(r) for r in SATISFIED_RATINGS)
    for pid, count, satisfied in tx.execute(
            f"SELECT project_id, COUNT(*), SUM(CASE WHEN rating IN ({satisfied_marks}) THEN 1 ELSE 0 END)"
            f" FROM ledger_ratings WHERE project_id IN ({marks}) GROUP BY project_id", ids).fetchall():
        rated[pid] = (int(count), int(satisfied or 0))
    found = []
    for pid, title, description, department_code, region_code, registered_on, percent_done, completed_on in rows:
        count, satisfied = rated.get(pid, (0, 0))
        found.append(ProjectRow(pid, title, description, department_code, region_code, registered_on,
                                int(percent_done), completed_on, tuple(milestones[pid]), tuple(sources[pid]),
                                count, satisfied))
    return found


def project(tx: Transaction, project_id: str) -> ProjectRow | None:
    found = projects(tx, project_id=project_id, limit=1)
    return found[0] if found else None


def updates(tx: Transaction, project_id: str, limit: int = 200) -> list[UpdateRow]:
    rows = tx.execute("SELECT reported_on, note, percent_done, milestone_reached, reported_by FROM ledger_updates"
                      " WHERE project_id = ? ORDER BY reported_at DESC LIMIT ?", (project_id, limit)).fetchall()
    return [UpdateRow(*row) for row in rows]
