"""The report page in a real browser: a manager opens the reports of three clocked days, sees the
three bar charts and the learned labour times, and applies them (a new workshop version), then
again (nothing changed, said so); then in Chinese. Screenshots: tests/artifacts/reports-1366x768.png
and reports-zh-1366x768.png."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from cli.testing import Server
from scheduler.keys import KeyStore
from scheduler.storage import Store
from tests.builders import HISTORY_DAYS as DAYS
from tests.builders import NOW
from tests.e2e.browser import ARGS, ARTIFACTS, CHROMIUM

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh)", allow_module_level=True)


def test_a_manager_reads_the_reports_and_applies_the_labour_times(clocked_history_db: Path) -> None:
    db = clocked_history_db  # the test's own copy
    # A week later: the clocked days are past, so the longer standard breaks no booking ahead.
    server = Server(db, now=NOW + dt.timedelta(days=7))
    manager = KeyStore(Store(f"sqlite:///{db}")).create("manager", ["tiny"])[0]
    server.start()
    ARTIFACTS.mkdir(exist_ok=True)
    target = f"/workshops/tiny/reports?from={DAYS[0]}&to={DAYS[-1]}"
    try:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                page.goto(f"{server.url}/login?next={quote(target)}")
                page.get_by_label("API key").fill(manager)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(re.compile(r"/workshops/tiny/reports"))
                assert page.locator("svg.bars").count() == 3
                assert page.locator("#from").input_value() == DAYS[0].isoformat()
                assert page.locator("#to").input_value() == DAYS[-1].isoformat()
                assert page.locator("svg.bars rect").count() == 6  # two technicians, three charts
                assert page.locator("#labour-operations tbody tr").count() == 1
                page.screenshot(path=str(ARTIFACTS / "reports-1366x768.png"), full_page=True)
                apply = page.get_by_role("button", name="Apply the suggestions (a new workshop version)")
                with page.expect_navigation(timeout=30_000):  # the page reloads after a new version
                    apply.click()
                    page.wait_for_selector("#labour-status:has-text('version 2')", timeout=30_000)
                # The same times again make no version: said so, not "now version 2" (tidy-s35).
                apply.click()
                page.wait_for_selector("#labour-status:has-text('Nothing changed')", timeout=30_000)
                assert "still version 2" in page.locator("#labour-status").inner_text()
                assert apply.is_enabled()
                page.get_by_role("link", name="Today's plan").click()
                page.wait_for_url(re.compile(r"/workshops/tiny/plan/"))
                zh = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
                zh.add_cookies(page.context.cookies())
                zh_page = zh.new_page()
                zh_page.goto(f"{server.url}{target}", wait_until="networkidle")
                assert "打卡数据报表" in zh_page.content() and zh_page.locator("svg.bars").count() == 3
                zh_page.screenshot(path=str(ARTIFACTS / "reports-zh-1366x768.png"), full_page=True)
            finally:
                browser.close()
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
            versions = http.get("/v1/workshops/tiny/versions").json()
            assert [v["version"] for v in versions] == [1, 2]
            assert http.get("/v1/workshops/tiny").json()["services"][0]["operations"][0]["minutes"] == 90
    finally:
        server.kill()
