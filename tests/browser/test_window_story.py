"""The window's story in a real browser: the clerk files the business start-up bundle, prints
the receipt, answers a 补正, watches the five tasks complete and records satisfaction; the
citizen finds the case in the elderly mode with the keyboard alone; ops reads the trace
waterfall, finds a parked delivery and replays it. axe-core checks every page on the way."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
import pytest
from kafka import KafkaProducer
from playwright.sync_api import Page, expect

from onewindow.feedback.v1.events_pb2 import Rating, SatisfactionRecorded
from onewindow_platform.dead_letters import dead_letter_headers
from onewindow_platform.events import build_envelope
from onewindow_platform.topics import DLQ_SUFFIX, FEEDBACK
from onewindow_platform.tracing import record_headers
from tests.browser.conftest import Accessibility, screenshot, sign_in
from tests.support.processes import wait_until
from tests.support.stack import Stack

pytestmark = pytest.mark.kafka

VALID_ID = "11010519491231002X"          # GB 11643's sample number (valid check character)
WRONG_CHECK_ID = "110105194912310021"    # the same with a wrong check character
PHONE = "13912345678"
DEPARTMENTS = ("市场监督管理", "公安", "税务", "人力资源", "住房公积金")


def reload_until(page: Page, condition: Any, timeout_s: float, what: str) -> None:
    """Reload the page (as a clerk watching the case would) until `condition(page)` holds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition(page):
            return
        time.sleep(1.0)
        page.reload()
    raise AssertionError(f"{what}: not seen within {timeout_s:.0f}s on {page.url}\n{page.inner_text('main')}")


def fill_startup_form(page: Page, id_number: str) -> None:
    page.get_by_label("申请人姓名").fill("王小明")
    page.get_by_label("公民身份号码").fill(id_number)
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_label("企业名称").fill(f"北京一窗科技有限公司 {uuid.uuid4().hex[:6]}")
    page.get_by_label("注册资本(万元)").fill("100")
    page.get_by_label("经营范围").fill("软件开发")


def test_the_clerk_files_prints_supplements_watches_and_rates(new_page: Any, axe: Accessibility,
                                                               simulator: httpx.Client, page_stack: Stack) -> None:
    # The tax office will ask for the business scope again (补正) before it completes.
    simulator.put("/control/departments/110101.tax", json={"then": "supplement", "missing_fields": ["business_scope"]})
    page: Page = new_page()
    page.goto("/counter")
    expect(page).to_have_url(re.compile(r"/signin\?next=/counter"))
    axe.check(page)
    screenshot(page, "sign-in")
    page.get_by_label("用户名").fill("wang.fang")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
    axe.check(page)
    sign_in(page, "wang.fang", "/counter")

    page.get_by_label("按名称搜索事项").fill("企业开办")
    page.get_by_role("button", name="搜索").click()
    axe.check(page)
    screenshot(page, "counter-items")
    page.get_by_role("link", name="企业开办一件事").click()
    expect(page.get_by_role("heading", name="企业开办一件事")).to_be_visible()
    expect(page.get_by_text("公司章程")).to_be_visible()            # 所需材料
    expect(page.get_by_text("承诺 1 个工作日")).to_be_visible()     # the promised time limit
    axe.check(page)

    # A wrong check character: intake's own message, next to the field, and nothing filed.
    fill_startup_form(page, WRONG_CHECK_ID)
    page.get_by_label("注册资本(万元)").fill("一百")
    page.get_by_role("button", name="提交受理").click()
    id_error = page.locator("#f-applicant-id_number-error")
    expect(id_error).to_contain_text("check character does not match")
    expect(page.locator("#f-fields-registered_capital-error")).to_contain_text("must be a number")
    expect(page.get_by_label("公民身份号码")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("经营范围")).to_have_value("软件开发")   # what was typed stays
    axe.check(page)
    screenshot(page, "counter-form-errors")

    page.get_by_label("公民身份号码").fill(VALID_ID)
    page.get_by_label("注册资本(万元)").fill("100")
    posted = page.eval_on_selector("form[data-once]", "f => Object.fromEntries(new FormData(f))")
    action = page.eval_on_selector("form[data-once]", "f => f.action")
    page.get_by_role("button", name="提交受理").click()
    page.wait_for_url("**/receipt")
    case_id = page.locator(".case-number").inner_text().strip()
    assert case_id

    # Submitting the same form again (a double click, a retry after a lost answer) files nothing new.
    again = page.request.post(action, form=posted, max_redirects=0)
    assert again.status == 303 and again.headers["location"] == f"/counter/cases/{case_id}/receipt"

    # The receipt: case number, item, departments, promised date, the QR code of the status link.
    reload_until(page, lambda p: p.locator(".departments li").count() == 5, 30, "five departments on the receipt")
    receipt = page.locator("article.receipt")
    expect(receipt).to_contain_text("企业开办一件事")
    expect(receipt).to_contain_text("承诺 1 个工作日")
    for department in DEPARTMENTS:
        expect(receipt).to_contain_text(department)
    expect(page.locator("figure.qr svg[role=img] path")).to_have_count(1)
    expect(receipt).to_contain_text(f"/status?case={case_id}")
    axe.check(page)
    screenshot(page, "counter-receipt")
    page.emulate_media(media="print")
    expect(page.locator("header.bar")).to_be_hidden()          # what prints is the receipt alone
    expect(page.get_by_role("button", name="打印回执")).to_be_hidden()
    assert page.pdf(format="A4")[:4] == b"%PDF"
    page.emulate_media(media="screen")

    # The work queue has the case once; its page shows the 补正 the tax office asked for.
    page.goto("/counter/queue")
    expect(page.get_by_role("link", name=case_id)).to_have_count(1)
    axe.check(page)
    screenshot(page, "counter-queue")
    page.get_by_label("事项").select_option("business.startup")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("link", name=case_id)).to_have_count(1)
    page.get_by_label("只看超期").check()                    # a case due tomorrow is not late
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_role("link", name=case_id)).to_have_count(0)
    page.goto("/counter/queue?item=complaint.noise")
    expect(page.get_by_role("link", name=case_id)).to_have_count(0)
    page.goto("/counter/queue")
    page.get_by_role("link", name=case_id).click()
    reload_until(page, lambda p: p.get_by_role("heading", name=re.compile("补正")).count() == 1, 60,
                 "the tax office's supplement request")
    axe.check(page)
    supplement = page.locator("section.supplement")
    supplement.get_by_label("经营范围").fill("软件开发; 信息技术咨询服务")
    supplement.get_by_role("button", name="提交补正").click()
    expect(page.get_by_role("status").first).to_contain_text("补正材料已提交")

    # The five tasks complete; then the citizen's rating is recorded at the counter.
    reload_until(page, lambda p: "已办结" in p.locator("dl.facts").first.inner_text(), 90, "the case completed")
    expect(page.locator("table.tasks .t-completed")).to_have_count(5)
    axe.check(page)
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("意见 (选填)").fill("窗口服务很快")
    page.get_by_role("button", name="记录评价").click()
    expect(page.get_by_role("status").first).to_contain_text("评价已记录")
    reload_until(page, lambda p: "SatisfactionRecorded" in p.locator("ol.timeline").inner_text(), 30,
                 "the rating on the timeline")
    screenshot(page, "counter-case")


def _file_case(stack: Stack, fields: dict[str, Any] | None = None, **applicant: str) -> str:
    payload = {"item_code": "business.startup", "region_code": "110101", "channel": "counter",
               "fields": fields or {"company_name": "北京查询测试有限公司", "registered_capital": 10,
                                    "business_scope": "咨询"},
               "applicant": {"name": "李四", "id_number": VALID_ID, "phone": PHONE, **applicant}}
    with stack.client("clerk") as http:
        response = http.post("/api/v1/applications", json=payload, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 202, response.text
    return response.json()["application_id"]


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Move the focus with the Tab key alone until `selector` has it."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_the_citizen_finds_the_case_in_the_elderly_mode_with_the_keyboard(new_page: Any, axe: Accessibility,
                                                                         page_stack: Stack) -> None:
    case_id = _file_case(page_stack)
    page_stack.wait_for_tasks(case_id, 5)
    page: Page = new_page()
    page.goto("/")
    axe.check(page)
    page.goto("/status/no-such-case")                 # no proof of the digits: back to the lookup
    expect(page).to_have_url(re.compile(r"/status\?case=no-such-case"))
    page.goto("/counter/cases/x")                     # a page that needs sign-in …
    expect(page).to_have_url(re.compile(r"/signin"))
    page.goto("/ops/nothing-here")                    # … and an error page
    expect(page.get_by_role("heading", name="没有找到")).to_be_visible()
    axe.check(page)
    page.goto(f"/status?case={case_id}")              # where the receipt's QR code leads
    axe.check(page)
    screenshot(page, "status-lookup")

    # Wrong digits: the same answer as an unknown case, nothing about the case shown.
    tab_to(page, "#phone_last4")
    page.keyboard.type("0000")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("没有找到")
    expect(page.locator("main")).not_to_contain_text("李")
    axe.check(page)

    # The elderly mode is one visible switch, reached and pressed with the keyboard.
    tab_to(page, "a.mode-switch")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "elderly" in (page.locator("body").get_attribute("class") or "")
    font_px = float(page.evaluate("getComputedStyle(document.body).fontSize").removesuffix("px"))
    assert font_px >= 24
    axe.check(page)
    tab_to(page, "#case_number")
    page.keyboard.press("Control+A")
    page.keyboard.type(case_id)
    page.keyboard.press("Tab")
    page.keyboard.type(PHONE[-4:])
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/status/{case_id}")

    # One thing per screen: the case's status first, then each department, then what is missing.
    expect(page.locator("#screen-count")).to_contain_text("第 1 项, 共 7 项")
    expect(page.locator("section.screen")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("李*")      # the masked name only
    expect(page.locator("main")).not_to_contain_text(PHONE)
    expect(page.locator("main")).not_to_contain_text(VALID_ID)
    axe.check(page)
    tab_to(page, "a.big-button.primary")
    page.keyboard.press("Enter")
    expect(page.locator("#screen-count")).to_contain_text("第 2 项, 共 7 项")
    expect(page.locator("section.screen h2")).to_contain_text(re.compile("东城区|北京"))
    axe.check(page)

    # The standard mode shows every screen at once.
    tab_to(page, "a.mode-switch")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.goto(f"/status/{case_id}")
    expect(page.locator("section.screen")).to_have_count(7)
    axe.check(page)
    screenshot(page, "status-case")


def test_ops_reads_the_waterfall_and_replays_a_parked_delivery(new_page: Any, axe: Accessibility,
                                                              simulator: httpx.Client, page_stack: Stack) -> None:
    simulator.put("/control/departments/110101.market-regulation", json={"mode": "down"})
    case_id = _file_case(page_stack)

    def parked() -> bool:
        with page_stack.client("ops") as http:
            return any(t["application_id"] == case_id for t in http.get("/api/v1/ops/parked-tasks").json())

    wait_until(parked, 60, "the market-regulation delivery was never parked")
    page: Page = new_page()
    page.goto("/ops")
    sign_in(page, "zhao.ops", "/ops")
    expect(page.get_by_role("heading", name="服务健康")).to_be_visible()
    expect(page.locator("table tr.ok")).to_have_count(6)        # Kafka and the five gRPC services
    row = page.locator("tr[data-parked]", has_text=case_id)
    expect(row).to_have_count(1)
    axe.check(page)
    screenshot(page, "ops-overview")

    simulator.put("/control/departments/110101.market-regulation", json={"mode": "normal"})
    row.get_by_role("button", name="重新派送").click()
    page.wait_for_url("**/ops?replayed=*")
    reload_until(page, lambda p: p.locator("tr[data-parked]", has_text=case_id).count() == 0, 30,
                 "the replayed delivery left the parked list")
    page_stack.wait_for_tasks(case_id, 5)

    page.get_by_label("按办件编号查看 trace 与审计记录").fill(case_id)
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**/ops/cases/{case_id}")
    reload_until(page, lambda p: p.locator("table.waterfall tbody tr").count() >= 5, 30, "the trace's spans")
    waterfall = page.locator("table.waterfall")
    expect(waterfall.locator("caption")).to_contain_text("ow-intake")
    expect(waterfall.locator("caption")).to_contain_text("ow-department-adapter")
    expect(page.locator(".verdict")).to_contain_text("审计链校验通过")
    expect(page.locator("section", has_text="审计时间线").locator("tbody tr").first).to_be_visible()
    axe.check(page)
    screenshot(page, "ops-case-trace")
    page.locator("section", has_text="审计时间线").locator("tbody tr a").first.click()
    page.wait_for_url("**/ops/traces/*")
    expect(page.locator("table.waterfall tbody tr").first).to_be_visible()
    axe.check(page)
    assert len(axe.checked) >= 2


def test_the_accessibility_check_is_not_blind(new_page: Any, axe: Accessibility) -> None:
    """The checker the stories rely on finds a planted critical violation (an unlabelled field)."""
    page: Page = new_page()
    page.set_content('<!doctype html><html lang="zh-CN"><title>t</title><main><input id="x"></main></html>')
    with pytest.raises(AssertionError, match="label"):
        axe.check(page)


def test_ops_sees_consumer_lag_and_replays_a_dead_letter(new_page: Any, axe: Accessibility, page_stack: Stack) -> None:
    """A rating the audit service once refused (a since-fixed bug) sits in the feedback DLQ with
    its error; ops find it in the console and replay it, and it reaches the case's record."""
    case_id = _file_case(page_stack)
    page_stack.wait_for_tasks(case_id, 5)
    feedback = page_stack.topic_prefix + FEEDBACK.name
    envelope = build_envelope(SatisfactionRecorded(rating=Rating.RATING_SATISFIED, comment="补录"),
                              application_id=case_id, source="ow-notification")
    error = f"ValueError: rating scale not loaded ({uuid.uuid4().hex[:6]})"
    headers = dead_letter_headers("permanent-error", error, 3, page_stack.topic_prefix + "ow-audit",
                                  original=(feedback, 0, 0),
                                  kept=record_headers(envelope.event_id, envelope.event_type, traceparent=""))
    producer = KafkaProducer(bootstrap_servers=page_stack.bootstrap)
    producer.send(feedback + DLQ_SUFFIX, key=case_id.encode(), value=envelope.SerializeToString(),
                  headers=headers).get(timeout=30)
    producer.close()

    page: Page = new_page()
    page.goto("/ops")
    sign_in(page, "zhao.ops", "/ops")
    for group in ("ow-intake", "ow-routing", "ow-department-adapter", "ow-notification", "ow-audit"):
        expect(page.locator(f"tr[data-group='{group}']")).to_contain_text("消费中")   # its instance consumes
    page.get_by_role("link", name=re.compile("死信记录")).click()
    row = page.locator("tr[data-dead-letter]", has_text=error)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("permanent-error")
    expect(row).to_contain_text("SatisfactionRecorded")
    axe.check(page)
    screenshot(page, "ops-dead-letters")
    row.get_by_role("button", name="重新投递").click()
    expect(page.get_by_role("status")).to_contain_text("已重新投递")

    def recorded() -> bool:
        with page_stack.client("ops") as http:
            entries = http.get(f"/api/v1/applications/{case_id}/timeline").json()
        return any(e["event_id"] == envelope.event_id for e in entries)

    wait_until(recorded, 30, "the replayed rating never reached the audit record")
