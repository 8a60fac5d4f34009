"""The supervision office in the ops console, in a real browser (#17): a completed bundle's
departments are on the month's ranking with their red or black list place, the CSV to publish
downloads, a department's months are drawn as a chart with the same numbers in a table, and
the 回访 caller records the citizen's answer once from the work list. axe-core checks each page."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from onewindow_catalog.calendar import CHINA
from tests.browser.conftest import Accessibility, screenshot, sign_in
from tests.browser.test_window_story import _file_case, reload_until
from tests.support.processes import wait_until
from tests.support.stack import Stack

pytestmark = pytest.mark.kafka

LEVELS = ("province", "city", "district", "street", "community")


def _department_level(stack: Stack, month: str, code: str) -> str:
    with stack.client("ops") as http:
        for level in LEVELS:
            ranking = http.get("/api/v1/supervision/rankings",
                               params={"month": month, "scope": "department", "level": level}).json()["ranking"]
            if any(entry["code"] == code for entry in ranking):
                return level
    raise AssertionError(f"{code} is on no ranking of {month}")


def test_the_office_reads_the_ranking_a_departments_months_and_records_a_follow_up(
        new_page: Any, axe: Accessibility, page_stack: Stack) -> None:
    case_id = _file_case(page_stack)
    case = page_stack.wait_for_tasks(case_id, 5)
    departments = {t["department_code"]: t["department_name"] for t in case["tasks"]}

    def follow_up_planned() -> bool:
        with page_stack.client("ops") as http:
            return bool(http.get("/api/v1/supervision/follow-up-calls", params={"application_id": case_id}).json())

    wait_until(follow_up_planned, 90, "no 回访 planned after the bundle was completed")
    month = dt.datetime.now(CHINA).strftime("%Y-%m")
    code = sorted(departments)[0]
    level = _department_level(page_stack, month, code)

    page: Page = new_page()
    page.goto(f"/ops/supervision?month={month}&scope=department&level={level}")
    sign_in(page, "zhao.ops", "/ops/supervision")
    expect(page.get_by_role("heading", name=f"督办排名 · {month}")).to_be_visible()
    row = page.locator(f"table.ranking tr[data-code='{code}']")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(3)).to_have_text("100.0%")            # 响应率: its one task signed for
    # A level with at most ten departments puts each on the red or the black list.
    listed = page.locator("ol[data-list] li", has_text=code)
    expect(listed.first).to_be_visible()
    axe.check(page)
    screenshot(page, "ops-rankings")

    csv_href = page.get_by_role("link", name="导出 CSV").get_attribute("href")
    assert csv_href and "scope=department" in csv_href
    download = page.request.get(csv_href)
    assert download.ok and download.headers["content-type"].startswith("text/csv")
    text = download.text().lstrip("\ufeff")
    assert text.startswith("rank,code,name,score") and code in text

    row.get_by_role("link").first.click()
    page.wait_for_url(re.compile(rf"/ops/supervision/department/{re.escape(code)}"))
    expect(page.get_by_role("heading", name=re.compile("各月指标"))).to_be_visible()
    chart = page.get_by_role("img", name=re.compile(f"{month}"))
    expect(chart).to_be_visible()
    expect(page.locator("svg.rate-chart g[data-rate='response'] path")).to_have_count(1)   # this month's point
    expect(page.locator(f"table.months tr[data-month='{month}']")).to_contain_text("100.0%")
    axe.check(page)
    screenshot(page, "ops-department-months")
    page.goto(f"/ops/supervision/department/{code}?from={month}&to=2019-01")   # backwards: a clear error
    expect(page.locator("main")).to_contain_text("月份范围")

    page.goto("/ops/follow-up-calls")
    call = page.locator("tr[data-call]", has_text=case_id)
    expect(call).to_have_count(1)
    expect(call).to_contain_text("办结后回访")
    axe.check(page)
    screenshot(page, "ops-follow-up-calls")
    call.get_by_label("满意", exact=True).check()
    call.get_by_label(re.compile("备注")).fill("王先生确认营业执照已领到")
    call.get_by_role("button", name="记录结果").click()
    expect(page.get_by_role("status")).to_contain_text("已记录回访结果")
    expect(page.locator("tr[data-call]", has_text=case_id)).to_have_count(0)       # no longer to make
    page.get_by_label("范围").select_option("all")
    page.get_by_role("button", name="筛选").click()
    done = page.locator("tr[data-call]", has_text=case_id)
    expect(done).to_contain_text("满意")
    expect(done).to_contain_text("王先生确认营业执照已领到")
    expect(done.get_by_role("button")).to_have_count(0)                          # recorded once, no form
    with page_stack.client("ops") as http:
        [recorded] = http.get("/api/v1/supervision/follow-up-calls",
                              params={"open": "false", "application_id": case_id}).json()
    assert recorded["outcome"] == "satisfied" and recorded["recorded_by"] == "zhao.ops"

    def on_the_timeline(p: Page) -> bool:
        return p.locator("section", has_text="审计时间线").get_by_text("FollowUpCallRecorded").count() > 0

    page.goto(f"/ops/cases/{case_id}")
    reload_until(page, on_the_timeline, 30, "the recorded 回访 on the case's audit timeline")


def test_a_project_goes_on_the_slow_list_catches_up_is_finished_and_rated_once(
        new_page: Any, axe: Accessibility, page_stack: Stack) -> None:
    today = dt.datetime.now(CHINA).date()
    title = f"和平里社区危桥改造 {uuid.uuid4().hex[:4]}"
    source = _file_case(page_stack)
    office: Page = new_page()
    office.goto("/ops/ledger")
    sign_in(office, "zhao.ops", "/ops/ledger")
    office.get_by_label("项目名称").fill(title)
    office.get_by_label("项目说明").fill("群众反映桥面开裂, 立项改造")
    office.get_by_label("责任部门").select_option("110101.housing")
    office.get_by_label("实施地点区划代码").fill("110101001")
    office.get_by_label(re.compile("^节点")).fill(
        f"{today - dt.timedelta(days=20)} 设计与招标\n{today + dt.timedelta(days=60)} 竣工验收")
    office.get_by_label(re.compile("来源诉求")).fill(source)
    axe.check(office)
    office.get_by_role("button", name="立项").click()
    office.wait_for_url(re.compile(r"/ops/ledger/PRJ-"))
    project_id = office.url.rsplit("/", 1)[-1]
    expect(office.get_by_role("heading", name=title)).to_be_visible()
    expect(office.locator("tr[data-milestone='m1']")).to_contain_text("已逾期")
    screenshot(office, "ops-ledger-project")

    public: Page = new_page()                                   # anyone, not signed in
    public.goto("/projects")
    slow = public.locator(f"tr[data-slow='{project_id}']")
    expect(slow).to_contain_text("设计与招标")
    expect(slow.locator("td.num")).to_have_text("20")                      # days behind
    axe.check(public)
    screenshot(public, "projects")

    office.get_by_label("完成比例 (%)").fill("40")
    office.get_by_label("到达节点").select_option("m1")
    office.get_by_label("进展说明").fill("招标完成, 已进场施工")
    office.get_by_role("button", name="记录进展").click()
    expect(office.get_by_role("status")).to_contain_text("已记录进展")
    expect(office.get_by_role("button", name=re.compile("项目完工"))).to_be_visible()
    office.get_by_role("button", name=re.compile("项目完工")).click()          # m2 is not reached yet
    expect(office.get_by_role("alert")).to_contain_text("m2")
    public.reload()
    expect(public.locator(f"tr[data-slow='{project_id}']")).to_have_count(0)   # caught up: off the list
    expect(public.locator(f"tr[data-project='{project_id}']")).to_contain_text("按计划推进")

    office.goto(f"/ops/ledger/{project_id}")
    office.get_by_label("完成比例 (%)").fill("100")
    office.get_by_label("到达节点").select_option("m2")
    office.get_by_role("button", name="记录进展").click()
    expect(office.get_by_role("status")).to_contain_text("已记录进展")
    office.get_by_role("button", name=re.compile("项目完工")).click()
    expect(office.get_by_role("status")).to_contain_text("项目已完工")
    reload_until(office, lambda p: p.locator("table.audit tbody tr").count() >= 4, 30,
                 "the project's four changes on the audit timeline")
    for kind in ("ProjectRegistered", "ProjectProgressReported", "ProjectCompleted"):
        expect(office.locator("table.audit").get_by_text(kind).first).to_be_visible()
    axe.check(office)

    public.goto(f"/projects/{project_id}")
    expect(public.get_by_text(re.compile("^已完工")).first).to_be_visible()
    public.get_by_label("满意", exact=True).check()
    public.get_by_label(re.compile("手机号码")).fill("1391234")           # too short: said so, nothing counted
    public.get_by_role("button", name="提交评价").click()
    expect(public.get_by_role("alert")).to_contain_text("11 位手机号码")
    public.get_by_label(re.compile("手机号码")).fill("13912345678")
    public.get_by_role("button", name="提交评价").click()
    expect(public.get_by_role("status")).to_contain_text("感谢您的评价")
    expect(public.locator("main")).to_contain_text("1 人评价, 满意率 100%")
    assert "13912345678" not in public.content()
    axe.check(public)
    screenshot(public, "project-rated")
    public.get_by_label("非常不满意").check()
    public.get_by_label(re.compile("手机号码")).fill("13912345678")             # the same person again
    public.get_by_role("button", name="提交评价").click()
    expect(public.get_by_role("alert")).to_contain_text("已经评价过")
    with page_stack.client("ops") as http:
        shown = http.get(f"/api/v1/ledger/projects/{project_id}").json()
    assert shown["ratings"] == 1 and shown["source_application_ids"] == [source]
    assert [u["milestone_reached"] for u in shown["updates"]] == ["m2", "m1"]
