"""The pages' pure parts: the form generated from an item, the posted form read back, item
search, time left, what a 补正 asks for, the waterfall's geometry, the status grant and the
visit token, and which redirects are allowed."""

from __future__ import annotations

import datetime as dt

import pytest

from onewindow_catalog import load_catalog
from onewindow_catalog.calendar import CHINA, WorkingCalendar
from onewindow_gateway.accounts import Account
from onewindow_gateway.pages import ledger_pages
from onewindow_gateway.pages import rate_chart as chart_rules
from onewindow_gateway.pages.forms import form_widgets, matching_items, parse_application_form
from onewindow_gateway.pages.labels import missing_fields, time_left
from onewindow_gateway.pages.ops_console import waterfall
from onewindow_gateway.pages.web import is_page_path, safe_next
from onewindow_gateway.sessions import STATUS_GRANT_S, SessionSigner
from onewindow_gateway.trace_tree import SpanNodeOut, TraceOut

CATALOG = load_catalog()


def test_the_form_has_the_applicant_then_every_field_of_the_item_typed() -> None:
    item = CATALOG.items["business.startup"]
    widgets = form_widgets(item, CATALOG, "110101", {"fields.company_name": "甲"},
                           {"fields.company_name": "is required"})
    names = [w.name for w in widgets]
    assert names[:4] == ["applicant.name", "applicant.id_number", "applicant.phone", "applicant.email"]
    assert names[4:] == [f"fields.{f.name}" for f in item.fields]
    by_name = {w.name: w for w in widgets}
    assert by_name["fields.company_name"].value == "甲" and by_name["fields.company_name"].error == "is required"
    assert by_name["fields.registered_capital"].kind == "number" and by_name["fields.registered_capital"].required
    assert by_name["fields.business_scope"].kind == "textarea"         # 1000 characters
    assert not by_name["fields.employees"].required


def test_a_complaint_asks_where_with_the_windows_area_first_and_choices_as_selects() -> None:
    item = next(i for i in CATALOG.items.values() if i.route_by == "location" and
                any(f.type == "choice" for f in i.fields))
    widgets = {w.name: w for w in form_widgets(item, CATALOG, "110101", {}, {})}
    where = widgets["location_region_code"]
    assert where.kind == "select" and where.choices[0][0].startswith("1101")
    choice = next(w for w in widgets.values() if w.name.startswith("fields.") and w.kind == "select")
    assert choice.choices


def test_the_posted_form_becomes_the_application_the_api_would_get() -> None:
    item = CATALOG.items["business.startup"]
    parsed = parse_application_form(item, {
        "applicant.name": " 王小明 ", "applicant.id_number": "11010519491231002X", "applicant.phone": "13912345678",
        "applicant.email": "", "fields.company_name": "北京一窗", "fields.registered_capital": "100.5",
        "fields.employees": "12", "fields.business_scope": ""})
    assert parsed.applicant == {"name": "王小明", "id_number": "11010519491231002X", "phone": "13912345678"}
    assert parsed.fields == {"company_name": "北京一窗", "registered_capital": 100.5, "employees": 12}
    # A number that is not one goes as typed: intake's validation names the problem.
    assert parse_application_form(item, {"fields.registered_capital": "一百"}).fields == {"registered_capital": "一百"}


def test_item_search_finds_by_name_and_only_what_the_window_receives() -> None:
    assert [i.code for i in matching_items(CATALOG, "企业开办", "110101")] == ["business.startup"]
    assert matching_items(CATALOG, "STARTUP", "110101")                  # English name, any case
    everything = matching_items(CATALOG, "", "110101")
    assert all(i.cross_region or CATALOG.offered(i, "110101") for i in everything)
    assert not matching_items(CATALOG, "no such item at all", "110101")


def test_time_left_in_working_days_hours_and_overdue() -> None:
    calendar = WorkingCalendar()
    friday_noon = dt.datetime(2026, 12, 4, 12, 0, tzinfo=CHINA)          # a Friday
    next_tuesday = dt.datetime(2026, 12, 8, 23, 59, 59, tzinfo=CHINA)
    assert time_left(next_tuesday.isoformat(), friday_noon, calendar, "working_days").text == "剩余 2 个工作日"
    left = time_left((friday_noon + dt.timedelta(hours=2, minutes=5)).isoformat(), friday_noon, calendar, "hours")
    assert (left.overdue, left.text) == (False, "剩余 2 小时 5 分")
    late = time_left((friday_noon - dt.timedelta(days=1, hours=3)).isoformat(), friday_noon, calendar, "hours")
    assert late.overdue and late.text == "已超期 1 天 3 小时"


def test_the_fields_a_supplement_asks_for_are_read_off_the_tasks_note() -> None:
    assert missing_fields("missing: business_scope, employees (请补充)") == ["business_scope", "employees"]
    assert missing_fields("missing: business_scope") == ["business_scope"]
    assert missing_fields("overdue; new deadline 2026-12-04") == []


def node(name: str, start: float, duration: float, children: list[SpanNodeOut] | None = None) -> SpanNodeOut:
    return SpanNodeOut(span_id=name, name=name, service="ow-intake", kind="SERVER", status="OK", start_ms=start,
                       duration_ms=duration, attributes={}, children=children or [])


def test_the_waterfall_places_each_span_in_percent_of_the_trace_depth_first() -> None:
    trace = TraceOut(trace_id="t" * 32, span_count=3, services=["ow-intake"], duration_ms=200.0,
                     roots=[node("root", 0, 200, [node("child", 50, 100, [node("tiny", 190, 0.01)])])])
    rows = waterfall(trace)
    assert [(r.node.name, r.depth, r.offset_pct, r.width_pct) for r in rows] == [
        ("root", 0, 0.0, 100.0), ("child", 1, 25.0, 50.0), ("tiny", 2, 95.0, 1.0)]   # a tiny span stays visible


def test_a_status_grant_is_for_one_case_and_a_short_while() -> None:
    signer = SessionSigner(b"k" * 32)
    grant = signer.status_grant("110101-20261203-00001", now=1000.0)
    assert signer.status_granted(grant, "110101-20261203-00001", now=1000.0 + STATUS_GRANT_S - 1)
    assert not signer.status_granted(grant, "110101-20261203-00001", now=1000.0 + STATUS_GRANT_S + 1)
    assert not signer.status_granted(grant, "110101-20261203-00002", now=1001.0)
    assert not signer.status_granted(grant.replace(".", "x."), "110101-20261203-00001", now=1001.0)
    assert not SessionSigner(b"o" * 32).status_granted(grant, "110101-20261203-00001", now=1001.0)


def test_the_visit_token_binds_a_form_to_its_browser_and_differs_from_the_sessions() -> None:
    signer = SessionSigner(b"k" * 32)
    visit = signer.new_visit()
    assert signer.visit_ok(visit, signer.visit_token(visit))
    assert not signer.visit_ok(signer.new_visit(), signer.visit_token(visit))
    assert not signer.visit_ok("", signer.visit_token(""))
    _cookie, session = signer.issue(Account("wang.fang", "clerk", "x", "110101"), now=1.0)
    assert signer.csrf_token(session) != signer.visit_token(session.nonce)


@pytest.mark.parametrize(("target", "allowed"), [
    ("/counter/queue?status=completed", True), ("//evil.example/x", False), ("https://evil.example", False),
    ("/\\evil.example", False), ("", False), (None, False)])
def test_only_a_path_of_this_site_is_a_place_to_go_after_sign_in(target: str | None, allowed: bool) -> None:
    assert (safe_next(target, "/default") == target) is allowed


def test_page_paths_are_told_from_api_paths() -> None:
    assert all(is_page_path(p) for p in ("/", "/signin", "/counter/queue", "/status/x", "/ops", "/ops/dead-letters"))
    assert not any(is_page_path(p) for p in ("/api/v1/ops/parked-tasks", "/healthz", "/docs", "/opsx"))


def test_the_month_range_is_every_month_between_and_refuses_nonsense() -> None:
    assert chart_rules.month_range("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert chart_rules.month_range("2026-03", "2026-03") == ["2026-03"]
    assert chart_rules.months_back("2026-03", 12) == "2025-04" and chart_rules.months_back("2026-12", 1) == "2026-12"
    for first, last in (("2026-04", "2026-03"), ("2020-01", "2026-01"), ("2026-13", "2026-12"), ("x", "2026-01")):
        with pytest.raises(chart_rules.BadMonthRange):
            chart_rules.month_range(first, last)


def test_the_rate_chart_places_each_rate_by_month_and_breaks_where_a_month_has_none() -> None:
    months = ["2026-01", "2026-02", "2026-03", "2026-04"]
    chart = chart_rules.rate_chart(months, {"2026-01": {"response": 1.0, "satisfaction": 0.5},
                                            "2026-02": {"response": 0.0},
                                            "2026-04": {"response": 0.75, "redo": 1.5}})   # 150 % is clamped
    lines = {line.rate: line for line in chart.lines}
    assert set(lines) == {"response", "satisfaction", "redo"}              # rates never seen draw no line
    response = lines["response"]
    assert [len(s) for s in response.segments] == [2, 1]                  # March has no fact: a gap
    top, bottom = chart.top, chart.height - chart.bottom
    first, second, last = response.points
    assert (first.y, second.y) == (top, bottom) and first.x == chart.left
    assert last.x == chart.width - chart.right and last.y == round(top + 0.25 * (bottom - top), 1)
    assert lines["redo"].points[0].y == top
    assert [t.label for t in chart.x_ticks] == months and [t.label for t in chart.y_ticks][-1] == "100%"
    assert chart_rules.polyline(response.segments[0]) == f"{first.x},{first.y} {second.x},{second.y}"
    shapes = ("circle", "square", "diamond", "triangle")
    assert all(chart_rules.marker_path(shape, 10, 10).startswith("M") for shape in shapes)


def test_a_long_chart_labels_every_few_months_and_always_the_last() -> None:
    months = chart_rules.month_range("2024-01", "2026-12")
    labels = [t.label for t in chart_rules.rate_chart(months, {}).x_ticks]
    assert len(labels) <= 13 and labels[0] == "2024-01" and labels[-1] == "2026-12"


def test_the_ledger_form_reads_milestones_one_per_line_date_first_and_names_bad_lines() -> None:
    read = ledger_pages.parse_milestones("2026-10-31 设计与招标\n\n  2027-01-31   竣工验收 \n")
    assert read.milestones == [("m1", "设计与招标", "2026-10-31"), ("m2", "竣工验收", "2027-01-31")] and not read.errors
    bad = ledger_pages.parse_milestones("十月底 招标\n2026-11-30\n2026-12-01 验收")
    assert bad.errors == ["第 1 行: 以日期开头 (YYYY-MM-DD), 再写节点名称", "第 2 行: 日期后写节点名称"]
    assert ledger_pages.parse_milestones("  \n").errors == ["至少一个节点"]
    assert ledger_pages.case_numbers("A-1, B-2；A-1\nC-3") == ["A-1", "B-2", "C-3"]
    assert ledger_pages.new_project_id().startswith("PRJ-")
