"""The window's pages in a real browser: Debian's headless Chromium driven by Playwright (the
Python package only: no browser is downloaded), against the whole stack as `make run` starts it.
axe-core (npm, pinned in package-lock.json) checks every page the stories visit."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from onewindow_devtools.browser import ensure_axe, ensure_chromium
from onewindow_supervision.domain.policy import SHIPPED as SHIPPED_POLICY
from tests.integration.test_agency_loop import fast_connectors
from tests.support.stack import PAGE_PASSWORD, Stack

# Who signs in: a clerk at the 东城区 counter, a clerk at a 临平区 (杭州) counter (another region), ops.
ACCOUNTS = {"wang.fang": ("clerk", "110101"), "chen.jie": ("clerk", "330113"), "zhao.ops": ("ops", "")}
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="package")
def page_stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("pages-stack")
    stack = Stack(root=root, bootstrap=kafka_bootstrap, topic_prefix=f"p{uuid.uuid4().hex[:8]}.", extra_env={
        "OW_CONNECTORS_FILE": str(fast_connectors(root)), "OW_SIMULATOR_COMPLETE_AFTER_S": "0.3",
        "OW_SUPERVISION_POLICY_FILE": str(fast_follow_up(root))})
    stack.write_accounts(ACCOUNTS)
    tokens = stack.write_tokens({"clerk": {"role": "clerk", "region_code": "110101"}, "ops": {"role": "ops"}})
    stack.start(tokens)
    yield stack
    assert stack.stop() == 0


@pytest.fixture
def simulator(page_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=page_stack.simulator_url, timeout=10) as http:
        http.post("/control/reset")
        yield http
        http.post("/control/reset")


def fast_follow_up(root: Path) -> Path:
    """The shipped supervision policy with the 回访 three seconds after the answer (not a day)."""
    shipped = SHIPPED_POLICY.read_text(encoding="utf-8")
    assert "after_completion: {hours: 24}" in shipped
    policy = root / "supervision-policy.yaml"
    policy.write_text(shipped.replace("after_completion: {hours: 24}", "after_completion: {minutes: 0.05}"),
                      encoding="utf-8")
    return policy


# Package scope, not session: Playwright's sync API holds an asyncio loop in this thread while it
# runs, and tests after this package call asyncio.run() (which refuses to start inside one).
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    chromium = ensure_chromium()
    with sync_playwright() as playwright:
        # As root (CI) Chromium's sandbox cannot start; the pages under test are our own.
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        launched = playwright.chromium.launch(executable_path=str(chromium), args=args, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return ensure_axe().read_text(encoding="utf-8")


@pytest.fixture
def new_page(browser: Browser, page_stack: Stack) -> Iterator[Any]:
    """Fresh browser contexts (own cookies) on the stack's gateway; every one closed afterwards.
    A JavaScript dialog on any page fails the test: nothing a user typed may ever run."""
    contexts = []
    dialogs: list[str] = []

    def make(**options: Any) -> Page:
        context = browser.new_context(base_url=page_stack.url, locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not dialogs, f"a script ran on a page: {dialogs}"


class Accessibility:
    """Runs axe-core on pages and remembers which it checked."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.checked: list[str] = []

    def check(self, page: Page) -> None:
        # Evaluated through the DevTools protocol: the page's own CSP (script-src 'self') stays on.
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(self.source)
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 3).map(n => n.html)}));
        }""")
        bad = [v for v in result if v["impact"] in SERIOUS]
        assert not bad, f"axe-core on {page.url}: {bad}"
        self.checked.append(page.url)


@pytest.fixture
def axe(axe_source: str) -> Accessibility:
    return Accessibility(axe_source)


def sign_in(page: Page, name: str, expect_path: str) -> None:
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PAGE_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert page.url.split("?")[0].endswith(expect_path), f"sign-in as {name} ended at {page.url}: " \
                                                         f"{page.inner_text('main')}"


SCREENSHOTS = Path(os.environ["OW_SCREENSHOTS_DIR"]) if os.environ.get("OW_SCREENSHOTS_DIR") else None


def screenshot(page: Page, name: str) -> None:
    """`make screenshots` sets OW_SCREENSHOTS_DIR: each story step leaves PNGs of its page in the
    standard and the elderly mode (`<name>.png`, `<name>-elderly.png`); the page is left in the
    mode it was in."""
    if SCREENSHOTS is None:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    origin = "/".join(page.url.split("/", 3)[:3])
    was = next((c["value"] for c in page.context.cookies() if c["name"] == "ow_mode"), "normal")
    for mode, suffix in (("normal", ""), ("elderly", "-elderly"), (was, None)):
        page.context.add_cookies([{"name": "ow_mode", "value": mode, "url": origin}])
        page.reload()
        if suffix is not None:
            _save_small(page, SCREENSHOTS / f"{name}{suffix}.png")


def _save_small(page: Page, path: Path) -> None:
    """The top of the page (at most 2000 px) in 256 colours: pictures for a README, kept small."""
    from PIL import Image  # pillow comes with matplotlib (the bench's plots)

    height = min(2000, int(page.evaluate("document.documentElement.scrollHeight")))
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": height})
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256)
    small.save(path, optimize=True)
