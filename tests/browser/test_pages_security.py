"""The OWASP walk of the API (tests/integration/test_api_security.py), extended to the pages:
CSRF refused on every form, no session fixation, cookies' flags, sessions voided by the
command line, another region's case answered 404, text typed by anyone rendered inert, and the
citizen lookup rate-limited."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from contextlib import closing
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from tests.browser.conftest import sign_in
from tests.support.processes import wait_until
from tests.support.stack import PAGE_PASSWORD, Stack

pytestmark = pytest.mark.kafka

STARTUP_FORM = {"applicant.name": "王小明", "applicant.id_number": "11010519491231002X",
                "applicant.phone": "13912345678", "fields.company_name": "北京安全测试有限公司",
                "fields.registered_capital": "10", "fields.business_scope": "咨询"}
SCRIPTS = ('<script>alert("company")</script>', '"><img src=x onerror=alert("scope")>',
           "<svg onload=alert('comment')>")


def csrf_of(html: str) -> str:
    """The token of the page's own form (the last one: the header's sign-out form comes first)."""
    found = re.findall(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found[-1]


def signed_in(stack: Stack, name: str, **client: Any) -> httpx.Client:
    http = httpx.Client(base_url=stack.url, timeout=30, **client)
    token = csrf_of(http.get("/signin").text)
    response = http.post("/signin", data={"username": name, "password": PAGE_PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.text
    return http


def file_case(stack: Stack, **fields: Any) -> str:
    payload = {"item_code": "business.startup", "region_code": "110101", "channel": "counter",
               "fields": {"company_name": "北京安全测试有限公司", "registered_capital": 10, "business_scope": "咨询",
                          **fields},
               "applicant": {"name": "李四", "id_number": "11010519491231002X", "phone": "13912345678"}}
    with stack.client("clerk") as http:
        response = http.post("/api/v1/applications", json=payload, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 202, response.text
    return response.json()["application_id"]


def case_count(stack: Stack) -> int:
    count, token = 0, ""
    with stack.client("ops") as http:
        while True:
            page = http.get("/api/v1/applications", params={"page_size": 100, "page_token": token}).json()
            count += len(page["items"])
            token = page["next_page_token"]
            if not token:
                return count


def test_every_form_refuses_a_post_without_its_csrf_token(page_stack: Stack) -> None:
    with closing(signed_in(page_stack, "wang.fang")) as http:
        good = csrf_of(http.get("/counter/items/business.startup").text)
        before = case_count(page_stack)
        for token, headers in (("", {}), ("forged", {}), (good, {"Origin": "https://evil.example"}),
                               (good, {"Origin": "null"})):
            refused = http.post("/counter/items/business.startup", data={**STARTUP_FORM, "csrf_token": token},
                                headers=headers)
            assert refused.status_code == 403 and "CSRF" in refused.text, (token, headers)
        assert case_count(page_stack) == before        # nothing was filed by the refused posts
        case_id = file_case(page_stack)
        for path in (f"/counter/cases/{case_id}/supplements", f"/counter/cases/{case_id}/satisfaction", "/signout"):
            assert http.post(path, data={"csrf_token": "forged"}).status_code == 403, path
    with httpx.Client(base_url=page_stack.url, timeout=30) as anonymous:
        for path, data in (("/signin", {"username": "wang.fang", "password": PAGE_PASSWORD}),
                           ("/status", {"case_number": case_id, "phone_last4": "5678"})):
            anonymous.get(path)  # has its visit cookie, but posts without the token
            assert anonymous.post(path, data=data).status_code == 403, path
    with closing(signed_in(page_stack, "zhao.ops")) as ops:
        assert ops.post("/ops/parked/any-task/replay", data={"csrf_token": "forged"}).status_code == 403


def test_a_session_planted_before_sign_in_is_never_the_signed_in_one(page_stack: Stack) -> None:
    with closing(signed_in(page_stack, "chen.jie")) as attacker:
        planted = attacker.cookies["ow_session"]
    with httpx.Client(base_url=page_stack.url, timeout=30) as victim:
        victim.cookies.set("ow_session", planted, domain="127.0.0.1")
        token = csrf_of(victim.get("/signin").text)
        answer = victim.post("/signin", data={"username": "wang.fang", "password": PAGE_PASSWORD,
                                              "csrf_token": token})
        assert answer.status_code == 303, re.findall(r"role=\"alert\">([^<]*)", answer.text)
        fresh = victim.cookies["ow_session"]
        assert fresh != planted
        assert "wang.fang · 110101" in victim.get("/counter/queue").text
    with httpx.Client(base_url=page_stack.url, timeout=30, cookies={"ow_session": planted}) as again:
        page = again.get("/counter/queue").text
        assert "chen.jie · 330113" in page and "wang.fang" not in page   # still only the attacker's own
    with httpx.Client(base_url=page_stack.url, timeout=30) as anonymous:
        anonymous.get("/signin")
        visit = anonymous.cookies["ow_visit"]
        anonymous.cookies.set("ow_session", visit)
        assert anonymous.get("/counter/queue").status_code == 303        # a visit cookie is no session


def test_cookies_are_httponly_samesite_and_secure_behind_tls(page_stack: Stack) -> None:
    with httpx.Client(base_url=page_stack.url, timeout=30) as http:
        token = csrf_of(http.get("/signin").text)
        plain = http.post("/signin", data={"username": "wang.fang", "password": PAGE_PASSWORD, "csrf_token": token})
        cookie = plain.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        # Behind a TLS-terminating proxy on this host (uvicorn trusts X-Forwarded-Proto from it).
        tls = {"X-Forwarded-Proto": "https"}
        token = csrf_of(http.get("/signin", headers=tls).text)
        secure = http.post("/signin", headers={**tls, "Origin": f"https://127.0.0.1:{page_stack.gateway_port}"},
                           data={"username": "wang.fang", "password": PAGE_PASSWORD, "csrf_token": token})
        assert secure.status_code == 303 and "Secure" in secure.headers["set-cookie"]
        headers = http.get("/signin").headers
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"


def test_disabling_an_account_on_the_command_line_ends_its_sessions(page_stack: Stack) -> None:
    users = page_stack.extra_env["OW_GATEWAY_USERS_FILE"]

    def accounts(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "onewindow_gateway.accounts", "--file", users, *args],
                       input=PAGE_PASSWORD.encode(), check=True, capture_output=True)

    accounts("add", "liu.temp", "--role", "clerk", "--region", "110101", "--password-stdin")
    wait_until(lambda: signed_in_or_none(page_stack, "liu.temp") is not None, 10, "the new account never signed in")
    http = signed_in_or_none(page_stack, "liu.temp")
    assert http is not None
    with closing(http):
        assert http.get("/counter/queue").status_code == 200
        accounts("disable", "liu.temp")
        wait_until(lambda: http.get("/counter/queue").status_code == 303, 10, "the disabled account's session lived on")
    assert signed_in_or_none(page_stack, "liu.temp") is None


def signed_in_or_none(stack: Stack, name: str) -> httpx.Client | None:
    http = httpx.Client(base_url=stack.url, timeout=30)
    token = csrf_of(http.get("/signin").text)
    if http.post("/signin", data={"username": name, "password": PAGE_PASSWORD, "csrf_token": token}).status_code != 303:
        http.close()
        return None
    return http


def test_another_regions_case_is_not_found(page_stack: Stack) -> None:
    case_id = file_case(page_stack)
    with closing(signed_in(page_stack, "chen.jie")) as other:
        token = csrf_of(other.get("/counter").text)
        for response in (other.get(f"/counter/cases/{case_id}"), other.get(f"/counter/cases/{case_id}/receipt"),
                         other.post(f"/counter/cases/{case_id}/supplements",
                                    data={"csrf_token": token, "task_id": "x", "fields.business_scope": "y"})):
            assert response.status_code == 404 and "text/html" in response.headers["content-type"]
            assert "李" not in response.text
        assert case_id not in other.get("/counter/queue").text
    with closing(signed_in(page_stack, "wang.fang")) as own:
        assert own.get(f"/counter/cases/{case_id}").status_code == 200
        assert own.get("/ops").status_code == 403                    # a clerk is not ops


def test_text_typed_by_anyone_is_shown_as_text(page_stack: Stack, new_page: Any) -> None:
    company, scope, comment = SCRIPTS
    case_id = file_case(page_stack, company_name=company, business_scope=scope)
    page_stack.wait_for_tasks(case_id, 5)
    page: Page = new_page()
    page.goto(f"/counter/cases/{case_id}")
    sign_in(page, "wang.fang", f"/counter/cases/{case_id}")
    assert page.locator("script", has_text="alert").count() == 0
    assert page.locator("img[src=x]").count() == 0
    for path in (f"/counter/cases/{case_id}/receipt", "/counter/queue",
                 "/counter?q=" + httpx.QueryParams({"q": company})["q"]):
        page.goto(path)
        assert page.locator("script", has_text="alert").count() == 0, path
    page.goto("/counter?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert '<script>alert(1)</script>' in page.inner_text("main")     # shown, not run
    wait_until(lambda: _completed(page_stack, case_id), 90, "the case never completed")
    page.goto(f"/counter/cases/{case_id}")
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("意见 (选填)").fill(comment)
    page.get_by_role("button", name="记录评价").click()
    page.wait_for_url("**?done=rated")
    # The new_page fixture fails the test if any alert() ran on any of these pages.


def _completed(stack: Stack, case_id: str) -> bool:
    with stack.client("ops") as http:
        return http.get(f"/api/v1/applications/{case_id}").json()["status"] == "completed"


def test_the_status_lookup_is_rate_limited_per_address(page_stack: Stack) -> None:
    case_id = file_case(page_stack)
    # Its own client address (uvicorn takes X-Forwarded-For from a proxy on this host), so the
    # other tests' lookups keep theirs.
    with httpx.Client(base_url=page_stack.url, timeout=30, headers={"X-Forwarded-For": "203.0.113.9"}) as http:
        codes = []
        for _ in range(14):
            token = csrf_of(http.get("/status").text)
            codes.append(http.post("/status", data={"case_number": case_id, "phone_last4": "0000",
                                                     "csrf_token": token}).status_code)
        assert codes[0] == 404 and codes[-1] == 429, codes
        assert "Retry-After" in http.post("/status", data={"case_number": case_id, "phone_last4": "5678",
                                                           "csrf_token": token}).headers
