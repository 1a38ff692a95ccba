"""Browser fixtures: the app served on 127.0.0.1 in a thread, Debian's Chromium driven by Playwright, and a
page wrapper for journeys that runs axe-core and takes a screenshot on every page it visits.

The browser must never talk to another host (no CDN, no fonts, no analytics): every request's host is
recorded and the tests assert it is 127.0.0.1 only.
"""

import json
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
BLOCKING_IMPACTS = ("critical", "serious")


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


class Visitor:
    """One person's browser tab in a journey. Every page it lands on is checked by axe-core (no critical or
    serious violation) and saved as test-output/screenshots/<journey>-<variant>-<step>.png."""

    def __init__(self, browser, base_url: str, hosts: set, journey: str, variant: str, *, width: int,
                 javascript: bool):
        # bypass_csp lets the test inject axe although the app's CSP forbids inline scripts; it does not
        # change what the app's own pages may do.
        self.context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900},
                                           java_script_enabled=javascript, bypass_csp=True)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: hosts.add(urlparse(request.url).hostname))
        self.page.set_default_timeout(15_000)
        self.javascript = javascript
        self.base_url = base_url
        self.auditor = None
        if not javascript:
            # axe needs timers, which do not run with JavaScript off: it audits a copy of each page (the
            # DOM as served, the app's own scripts refused) in a second tab with JavaScript on.
            auditor = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900},
                                          bypass_csp=True)
            auditor.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())
            self.auditor = auditor.new_page()
            self.auditor.on("request", lambda request: hosts.add(urlparse(request.url).hostname))
        self.phone = width < 600
        self.prefix = f"{journey}-{variant}"
        self.steps = 0

    # Navigation: each ends with check(), so no page escapes axe.

    def visit(self, path: str, step: str) -> None:
        self.page.goto(path)
        self.check(step)

    def click(self, selector: str, step: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)
        self.check(step)

    def menu(self, label: str, step: str) -> None:
        """Follow a link of the main menu; on a phone the menu is a closed <details> first opened."""
        if self.phone:
            self.page.click("header .site-menu > summary")
        self.click(f"header .site-menu a:has-text('{label}')", step)

    def account_menu(self, label: str, step: str) -> None:
        self.page.click("header .account-menu > summary")
        self.click(f"header .account-menu :text-is('{label}')", step)

    def log_in(self, email: str, password: str, step: str = "login") -> None:
        self.visit("/auth/login", f"{step}-form")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.click("main button[type=submit]", step)
        assert "/auth/login" not in self.page.url, self.main()[:2000]

    def main(self) -> str:
        return self.page.inner_text("main")

    def check(self, step: str) -> None:
        self.page.wait_for_load_state()
        self.steps += 1
        name = f"{self.prefix}-{self.steps:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower())}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        if self.auditor is None:
            assert_accessible(self.page, name)
        else:
            html, url = self.page.content(), self.page.url
            self.auditor.route(url, lambda route: route.fulfill(status=200, body=html,
                                                                content_type="text/html; charset=utf-8"))
            self.auditor.goto(url)
            self.auditor.unroute(url)
            assert_accessible(self.auditor, name)

    def close(self) -> None:
        if self.auditor is not None:
            self.auditor.context.close()
        self.context.close()


def assert_accessible(page, name: str) -> None:
    """Run axe-core on the page (injected by the test, JavaScript on or off for the page's own scripts)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = json.dumps([{"id": v["id"], "impact": v["impact"], "help": v["help"],
                          "targets": [node["target"] for node in v["nodes"]]} for v in results["violations"]],
                        indent=1)
    assert not blocking, f"axe on {name} ({page.url}): {report}"


@pytest.fixture
def visitors(browser, live_server):
    """Open visitors with visitors.open(journey, variant); all are closed at the end, and the hosts they
    contacted are in visitors.hosts."""

    class Visitors:
        hosts: set[str] = set()
        opened: list[Visitor] = []

        def open(self, journey: str, variant: str, who: str) -> Visitor:
            width, javascript = VARIANTS[variant]
            visitor = Visitor(browser, live_server, self.hosts, journey, f"{variant}-{who}", width=width,
                              javascript=javascript)
            self.opened.append(visitor)
            return visitor

    opened = Visitors()
    opened.hosts, opened.opened = set(), []
    yield opened
    for visitor in opened.opened:
        visitor.close()


VARIANTS = {"desktop-js": (1280, True), "phone-js": (390, True), "desktop-nojs": (1280, False)}
