"""Supervision's pure rules (#17, first step): the policy file, when each step of a task's
ladder and a case's 回访 fall due, the indicators' formulas, the composite score and the lists."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest

from onewindow_catalog.calendar import CHINA, WorkingCalendar
from onewindow_supervision.domain.escalation import CaseClock, TaskClock, due_steps, follow_up_due, next_look
from onewindow_supervision.domain.indicators import Counters, composite, rates
from onewindow_supervision.domain.policy import PolicyError, load_policy, parse_policy
from onewindow_supervision.domain.rankings import rank, ranking_csv, red_and_black

CALENDAR = WorkingCalendar()
POLICY = load_policy()
MONDAY_9 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=CHINA)


def task(**changes: object) -> TaskClock:
    base = TaskClock("110101-20261207-00001-T1", 1, dispatched_at=MONDAY_9,
                     due_at=MONDAY_9 + dt.timedelta(hours=10))
    return replace(base, **changes)  # type: ignore[arg-type]


def kinds(clock: TaskClock, at: dt.datetime) -> list[str]:
    return [s.kind for s in due_steps(clock, at, POLICY, CALENDAR)]


def test_the_shipped_policy_reads_and_a_bad_one_names_its_entry(tmp_path: Path) -> None:
    assert POLICY.warning_at == 0.8 and [r.step.value for r in POLICY.ladder] == ["urge", "notice", "circular"]
    assert POLICY.weights["resolution"] == 0.45
    for bad, says in (({"warning_at": 1.5}, "warning_at"), ({"escalation": [{"step": "shout", "after": {"hours": 1}}]},
                                                             "escalation[1]"),
                      ({"escalation": [{"step": "urge", "after": {"days": 1}}]}, "unknown key 'days'"),
                      ({"weights": {"speed": 1}}, "unknown rate 'speed'"), ({"weights": {"response": 0}}, "weights")):
        with pytest.raises(PolicyError, match=re.escape(says)):
            parse_policy(bad)
    broken = tmp_path / "policy.yaml"
    broken.write_text("warning_at: [")
    with pytest.raises(PolicyError, match=r"policy\.yaml"):
        load_policy(broken)


def test_a_warning_at_80_percent_then_the_ladder_after_the_deadline() -> None:
    clock = task(acknowledged_at=MONDAY_9 + dt.timedelta(minutes=5))
    assert kinds(clock, MONDAY_9 + dt.timedelta(hours=7, minutes=59)) == []
    assert kinds(clock, MONDAY_9 + dt.timedelta(hours=8)) == ["warning"]
    late = MONDAY_9 + dt.timedelta(hours=10, minutes=1)                       # Monday 19:01
    assert kinds(clock, late) == ["urge"]                                     # already late: no warning now
    notice_day = dt.datetime(2026, 12, 8, 23, 59, 59, tzinfo=CHINA)           # one working day after
    steps = {s.kind: s for s in due_steps(clock, notice_day, POLICY, CALENDAR)}
    assert set(steps) == {"urge", "notice"}
    assert steps["notice"].respond_by == dt.datetime(2026, 12, 10, 23, 59, 59, tzinfo=CHINA)
    assert kinds(clock, dt.datetime(2026, 12, 10, 23, 59, 59, tzinfo=CHINA)) == ["urge", "notice", "circular"]


def test_each_step_once_per_dispatch_and_nothing_once_the_task_is_closed() -> None:
    clock = task(acknowledged_at=MONDAY_9)
    first = due_steps(clock, MONDAY_9 + dt.timedelta(hours=8), POLICY, CALENDAR)
    taken = replace(clock, taken=frozenset(s.key for s in first))
    assert due_steps(taken, MONDAY_9 + dt.timedelta(hours=9), POLICY, CALENDAR) == []
    again = replace(taken, dispatch_number=2)                                 # re-dispatched: a new ladder
    assert [s.kind for s in due_steps(again, MONDAY_9 + dt.timedelta(hours=9), POLICY, CALENDAR)] == ["warning"]
    assert kinds(replace(clock, closed=True), MONDAY_9 + dt.timedelta(days=30)) == []


def test_a_task_nobody_signs_for_is_escalated_on_its_own() -> None:
    clock = task(due_at=MONDAY_9 + dt.timedelta(days=3))
    assert kinds(clock, MONDAY_9 + dt.timedelta(hours=3, minutes=59)) == []
    assert kinds(clock, MONDAY_9 + dt.timedelta(hours=4)) == ["sign_for"]
    assert kinds(replace(clock, acknowledged_at=MONDAY_9 + dt.timedelta(hours=1)),
                 MONDAY_9 + dt.timedelta(hours=5)) == []


def test_the_watcher_sleeps_until_the_next_step() -> None:
    clock = task(acknowledged_at=MONDAY_9)
    assert next_look(clock, MONDAY_9, POLICY, CALENDAR) == MONDAY_9 + dt.timedelta(hours=8)
    after_warning = replace(clock, taken=frozenset({f"{clock.task_id}#1:warning"}))
    assert next_look(after_warning, MONDAY_9 + dt.timedelta(hours=8), POLICY, CALENDAR) == \
        MONDAY_9 + dt.timedelta(hours=10, minutes=1)
    assert next_look(replace(clock, closed=True), MONDAY_9, POLICY, CALENDAR) is None


def test_one_follow_up_call_after_completion_or_after_the_time_limit() -> None:
    due = MONDAY_9 + dt.timedelta(days=2)
    done = CaseClock("A", due_at=due, completed_at=MONDAY_9 + dt.timedelta(days=1))
    assert follow_up_due(done, MONDAY_9 + dt.timedelta(days=1, hours=23), POLICY, CALENDAR) is None
    call = follow_up_due(done, MONDAY_9 + dt.timedelta(days=2), POLICY, CALENDAR)
    assert call is not None and call.due_at == MONDAY_9 + dt.timedelta(days=2) and call.key == "A:follow_up"
    silent = CaseClock("B", due_at=due)                                      # no answer by the time limit
    assert follow_up_due(silent, due + dt.timedelta(hours=23), POLICY, CALENDAR) is None
    assert follow_up_due(silent, due + dt.timedelta(hours=24), POLICY, CALENDAR) is not None
    assert follow_up_due(replace(silent, taken=frozenset({"B:follow_up"})), due + dt.timedelta(days=9), POLICY,
                         CALENDAR) is None


def test_the_rates_follow_their_formulas_and_missing_ones_do_not_count() -> None:
    c = Counters(received=20, signed_for=18, signed_on_time=15, completed=16, resolved=12, completed_on_time=14,
                 returned=2, reopened=1, rated=10, satisfied=9)
    found = rates(c)
    assert found == {"response": 0.9, "timely_sign_for": 0.75, "resolution": 0.75, "satisfaction": 0.9,
                     "on_time": 0.875, "return": 0.1, "redo": 0.0625}
    assert composite(found, POLICY.weights) == round(100 * (0.1 * 0.9 + 0.45 * 0.75 + 0.45 * 0.9), 2)
    unrated = rates(Counters(received=4, signed_for=4, completed=2, resolved=2))
    assert unrated["satisfaction"] is None
    assert composite(unrated, POLICY.weights) == round(100 * (0.1 * 1 + 0.45 * 1) / 0.55, 2)
    assert composite(rates(Counters()), POLICY.weights) is None
    assert composite({"return": 0.25}, {"return": 1.0}) == 75.0              # lower is better
    total = Counters(received=1)
    total.add(c)
    assert total.received == 21 and total.satisfied == 9


def test_red_and_black_lists_are_the_top_and_bottom_never_the_same_one() -> None:
    weights = {"response": 1.0}
    counters = {f"d{n:02d}": Counters(received=10, signed_for=n) for n in range(1, 11)}
    counters["idle"] = Counters()                                            # nothing received: not ranked
    counters["big"] = Counters(received=20, signed_for=10)                   # ties d05 (50 %), more volume
    ranked = rank(counters, weights)
    assert [r.code for r in ranked][:2] == ["d10", "d09"] and "idle" not in {r.code for r in ranked}
    assert [r.code for r in ranked].index("big") < [r.code for r in ranked].index("d05")
    red, black = red_and_black(ranked, 5)
    assert [r.code for r in red] == ["d10", "d09", "d08", "d07", "d06"]
    assert [r.code for r in black] == ["d01", "d02", "d03", "d04", "d05"]
    red, black = red_and_black(rank({"a": Counters(received=1, signed_for=1), "b": Counters(received=1)},
                                    weights), 5)
    assert [r.code for r in red] == ["a", "b"] and black == []


def test_the_ranking_exports_as_csv_with_names_and_percentages() -> None:
    ranked = rank({"110101001.street-office": Counters(received=8, signed_for=8, completed=4, resolved=3),
                   "110101002.street-office": Counters(received=2, signed_for=1)}, POLICY.weights)
    text = ranking_csv(ranked, {"110101001.street-office": "东华门街道办事处"})
    lines = text.splitlines()
    assert lines[0].split(",") == ["rank", "code", "name", "score", "volume", "response", "resolution", "satisfaction",
                                   "timely_sign_for", "on_time", "return", "redo"]
    assert lines[1].startswith("1,110101001.street-office,东华门街道办事处,")
    assert lines[1].split(",")[5:8] == ["100.0", "75.0", ""]          # no rating yet: empty, not 0
    assert lines[2].startswith("2,110101002.street-office,,50.00,2,50.0,")
