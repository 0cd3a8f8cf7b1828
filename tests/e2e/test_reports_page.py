"""The report page in a real browser: a manager opens the reports of three clocked days, sees the
three bar charts and the learned labour times, and applies them (a new workshop version), then
again (nothing changed, said so); then in Chinese. Screenshots: tests/artifacts/reports-1366x768.png
and reports-zh-1366x768.png."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from cli.testing import Server
from scheduler.keys import KeyStore
from scheduler.storage import Store
from tests.builders import HISTORY_DAYS as DAYS
from tests.builders import NOW
from tests.e2e.browser import ARTIFACTS, CHROMIUM

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh)", allow_module_level=True)


def _signed_in(browser: Any, server: Server, key: str, target: str) -> Any:
    """A new English page signed in with `key` and on the reports page `target`."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{server.url}/login?next={quote(target)}")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/workshops/tiny/reports"))
    return page


def test_a_manager_reads_the_reports_and_applies_the_labour_times(
    clocked_history_db: Path, browser: Any
) -> None:
    db = clocked_history_db  # the test's own copy
    # A week later: the clocked days are past, so the longer standard breaks no booking ahead.
    server = Server(db, now=NOW + dt.timedelta(days=7))
    manager = KeyStore(Store(f"sqlite:///{db}")).create("manager", ["tiny"])[0]
    server.start()
    ARTIFACTS.mkdir(exist_ok=True)
    target = f"/workshops/tiny/reports?from={DAYS[0]}&to={DAYS[-1]}"
    try:
        page = _signed_in(browser, server, manager, target)
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
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
            versions = http.get("/v1/workshops/tiny/versions").json()
            assert [v["version"] for v in versions] == [1, 2]
            assert http.get("/v1/workshops/tiny").json()["services"][0]["operations"][0]["minutes"] == 90
    finally:
        server.kill()


def test_an_apply_that_would_break_bookings_lists_the_cars_and_applies_anyway_when_asked(
    clocked_history_db: Path, browser: Any
) -> None:
    """review-s43 #11: the apply's 409 said "apply again with force=true", which the page cannot
    send, and listed no booking. Now it lists the cars it would break by plate, and its "apply
    anyway" button sends force=true: the new version is made and the car is kept at risk. In
    Chinese first (the list and the button), then in English through to the new version."""
    db = clocked_history_db
    now = NOW + dt.timedelta(days=7)  # the clocked days are past
    server = Server(db, now=now)
    manager = KeyStore(Store(f"sqlite:///{db}")).create("manager", ["tiny"])[0]
    server.start()
    target = f"/workshops/tiny/reports?from={DAYS[0]}&to={DAYS[-1]}"
    try:
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
            # A waiter at 10:15 tomorrow, nobody else that day: the 90 learned minutes miss his
            # promise, which the 60 of today keep, on any plan of the day.
            tomorrow = (now + dt.timedelta(days=1)).date()
            made = http.post(
                "/v1/workshops/tiny/bookings",
                json={"service": "MAINT", "drop_off": f"{tomorrow}T10:15:00+08:00", "waiter": True,
                      "plate": "粤B82011"},
            )  # fmt: skip
            assert made.status_code == 201, made.text
            booking = made.json()["id"]
        page = _signed_in(browser, server, manager, target)
        zh = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        zh.add_cookies(page.context.cookies())
        zh_page = zh.new_page()
        zh_page.goto(f"{server.url}{target}", wait_until="networkidle")
        assert zh_page.locator("#apply-labour-force").is_hidden()
        zh_page.get_by_role("button", name="应用建议（生成新的车间版本）").click()
        zh_page.wait_for_selector("#labour-broken li", timeout=30_000)
        assert zh_page.locator("#labour-broken li").all_inner_texts() == [
            f"粤B82011（预约 {booking}） · {tomorrow}"
        ]
        assert zh_page.get_by_role("button", name="仍然应用（标记为有风险）").is_visible()
        zh_page.screenshot(path=str(ARTIFACTS / "reports-apply-409-zh-1366x768.png"), full_page=True)
        page.get_by_role("button", name="Apply the suggestions (a new workshop version)").click()
        page.wait_for_selector("#labour-broken li", timeout=30_000)
        assert page.locator("#labour-broken li").all_inner_texts() == [
            f"粤B82011 (booking {booking}) · {tomorrow}"
        ]
        anyway = page.get_by_role("button", name="Apply anyway (mark them at risk)")
        with page.expect_navigation(timeout=30_000):  # the page reloads after a new version
            anyway.click()
            page.wait_for_selector("#labour-status:has-text('version 2')", timeout=30_000)
        assert page.locator("#apply-labour-force").is_hidden()
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
            assert [v["version"] for v in http.get("/v1/workshops/tiny/versions").json()] == [1, 2]
            assert http.get(f"/v1/workshops/tiny/bookings/{booking}").json()["at_risk"] is True
    finally:
        server.kill()
