"""The ledger of livelihood projects (实事项目台账): what a project may be registered with, what a
progress report may say, when a project may be called finished, and whether it is behind
schedule (on the public slow list, 张榜) on a given day. Pure: no I/O, dates are China dates.

A project is behind schedule while a milestone's date has passed unreached; it leaves the slow
list when that milestone is reached (it has caught up) or the project is finished."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

TITLE_LIMIT = 200
TEXT_LIMIT = 4000
MAX_MILESTONES = 50
MAX_SOURCES = 200
ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")
REGION = re.compile(r"^\d{6,12}$")


class LedgerRuleBroken(ValueError):
    """A change the ledger refuses, with the reason in words."""


class AlreadyDone(LedgerRuleBroken):
    """The change conflicts with the project's state (finished, milestone reached, not finished)."""


@dataclass(frozen=True)
class MilestonePlan:
    milestone_id: str
    title: str
    due_on: dt.date


@dataclass(frozen=True)
class MilestoneProgress:
    plan: MilestonePlan
    reached_on: dt.date | None


@dataclass(frozen=True)
class ProjectState:
    milestones: tuple[MilestoneProgress, ...]
    percent_done: int
    completed_on: dt.date | None


def parse_day(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise LedgerRuleBroken(f"{what}: {value!r} is not a date (YYYY-MM-DD)") from None


def check_registration(project_id: str, title: str, description: str, department_code: str, region_code: str,
                       milestones: Sequence[tuple[str, str, str]], sources: Sequence[str]) -> list[MilestonePlan]:
    """The milestones of a valid registration, in order; a LedgerRuleBroken naming the first fault."""
    if not ID.match(project_id):
        raise LedgerRuleBroken("project_id: letters, digits, '.', '_' or '-', at most 64")
    if not title.strip() or len(title) > TITLE_LIMIT:
        raise LedgerRuleBroken(f"title: required, at most {TITLE_LIMIT} characters")
    if len(description) > TEXT_LIMIT:
        raise LedgerRuleBroken(f"description: at most {TEXT_LIMIT} characters")
    if not department_code:
        raise LedgerRuleBroken("owner_department_code: the department that owns the project")
    if not REGION.match(region_code):
        raise LedgerRuleBroken("region_code: 6 to 12 digits")
    if not milestones or len(milestones) > MAX_MILESTONES:
        raise LedgerRuleBroken(f"milestones: 1 to {MAX_MILESTONES}, each with a date")
    if len(sources) > MAX_SOURCES:
        raise LedgerRuleBroken(f"source_application_ids: at most {MAX_SOURCES}")
    plans: list[MilestonePlan] = []
    for milestone_id, milestone_title, due_on in milestones:
        if not ID.match(milestone_id):
            raise LedgerRuleBroken(f"milestone id {milestone_id!r}: letters, digits, '.', '_' or '-'")
        if any(p.milestone_id == milestone_id for p in plans):
            raise LedgerRuleBroken(f"milestone id {milestone_id!r} appears twice")
        if not milestone_title.strip() or len(milestone_title) > TITLE_LIMIT:
            raise LedgerRuleBroken(f"milestone {milestone_id}: a title of at most {TITLE_LIMIT} characters")
        due = parse_day(due_on, f"milestone {milestone_id} due_on")
        if plans and due < plans[-1].due_on:
            raise LedgerRuleBroken(f"milestone {milestone_id}: due before the milestone before it")
        plans.append(MilestonePlan(milestone_id, milestone_title.strip(), due))
    return plans


def check_progress(state: ProjectState, percent_done: int, milestone_reached: str, note: str) -> None:
    if state.completed_on is not None:
        raise AlreadyDone("the project is finished: progress can no longer be reported")
    if not 0 <= percent_done <= 100:
        raise LedgerRuleBroken("percent_done: 0 to 100")
    if percent_done < state.percent_done:
        raise LedgerRuleBroken(f"percent_done: {percent_done} is less than the {state.percent_done} reported before")
    if len(note) > TEXT_LIMIT:
        raise LedgerRuleBroken(f"note: at most {TEXT_LIMIT} characters")
    if not note.strip() and not milestone_reached:
        raise LedgerRuleBroken("a progress report says what was done (a note) or which milestone was reached")
    if milestone_reached:
        found = next((m for m in state.milestones if m.plan.milestone_id == milestone_reached), None)
        if found is None:
            raise LedgerRuleBroken(f"milestone {milestone_reached!r} is not one of the project's")
        if found.reached_on is not None:
            raise AlreadyDone(f"milestone {milestone_reached} was reached on {found.reached_on}")


def check_completion(state: ProjectState) -> None:
    if state.completed_on is not None:
        raise AlreadyDone(f"the project was finished on {state.completed_on}")
    missing = [m.plan.milestone_id for m in state.milestones if m.reached_on is None]
    if missing:
        raise AlreadyDone(f"milestones not reached yet: {', '.join(missing)}")


def check_rating(state: ProjectState, comment: str) -> None:
    if state.completed_on is None:
        raise AlreadyDone("only a finished project is rated")
    if len(comment) > TEXT_LIMIT:
        raise LedgerRuleBroken(f"comment: at most {TEXT_LIMIT} characters")


def overdue(milestone: MilestoneProgress, today: dt.date) -> bool:
    return milestone.reached_on is None and milestone.plan.due_on < today


def days_behind(state: ProjectState, today: dt.date) -> int:
    """0 when on schedule (or finished); else the days since the oldest overdue milestone's date."""
    if state.completed_on is not None:
        return 0
    late = [m.plan.due_on for m in state.milestones if overdue(m, today)]
    return (today - min(late)).days if late else 0


def behind_schedule(state: ProjectState, today: dt.date) -> bool:
    return days_behind(state, today) > 0
