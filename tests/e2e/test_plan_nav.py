"""review-s42: a foreman on the day's plan reaches the productivity report from it, as the report
links back to today's plan. The plan page linked the booking desk and the loading chart only: the
report was reached from the workshops list alone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cli.testing import Server
from scheduler.keys import KeyStore
from scheduler.storage import Store
from tests.builders import DATE, tiny_workshop
from tests.e2e.browser import CHROMIUM, sign_in
from tests.e2e.desk import put

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)


def signed_in(browser: Any, server: Server, key: str, path: str) -> Any:
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    return sign_in(page, server.url, key, path)


def test_the_plan_page_links_a_foreman_to_the_reports(desk_server: Server, browser: Any) -> None:
    server = desk_server
    workshop = put(server, tiny_workshop())
    keys = KeyStore(Store(f"sqlite:///{server.db}"))
    foreman = keys.create("foreman", [workshop], "review-s42")[0]
    page = signed_in(browser, server, foreman, f"/workshops/{workshop}/plan/{DATE}")
    try:
        link = page.get_by_role("navigation").get_by_role("link", name="报表")
        assert link.count() == 1  # before: 0
        link.click()
        page.wait_for_url(re.compile(f"/workshops/{workshop}/reports"))
        assert "打卡数据报表" in page.locator("h1").inner_text()
    finally:
        page.close()


def test_the_loading_chart_links_a_foreman_to_the_plan_and_the_desk_to_none(
    desk_server: Server, browser: Any
) -> None:
    """review-s42, item 12: the loading chart linked only the booking desk; a foreman (and an admin)
    reaches today's plan from it, and an admin each day's plan beside the day that books; the
    booking desk, which may not open the plan, is shown no link to it."""
    server = desk_server
    workshop = put(server, tiny_workshop())
    keys = KeyStore(Store(f"sqlite:///{server.db}"))
    today = "2026-11-23"  # the server's clock (tests.builders.NOW)
    for role, plans in (("foreman", True), ("admin", True), ("booking", False)):
        key = keys.create(role, [workshop], "review2-s42")[0]
        page = signed_in(browser, server, key, f"/workshops/{workshop}/loading")
        try:
            link = page.get_by_role("navigation").get_by_role("link", name="今日排程")
            assert link.count() == (1 if plans else 0), role  # before: 0 for every role
            assert page.locator(f"a[href*='/workshops/{workshop}/plan/']").count() >= (1 if plans else 0)
            if not plans:
                assert page.locator(f"a[href*='/workshops/{workshop}/plan/']").count() == 0, role
                continue
            if role == "admin":  # the day's date books; its plan beside it
                day = page.locator(".day h2").nth(1)
                assert (
                    day.locator("a.day-plan").get_attribute("href")
                    == f"/workshops/{workshop}/plan/2026-11-24"
                )
            link.click()
            page.wait_for_url(re.compile(f"/workshops/{workshop}/plan/{today}"))
            assert page.locator("h1").inner_text().startswith("工位排程")
        finally:
            page.close()
