"""zhreview-s25: the pages in a Chinese browser on a phone (360x740), in Debian's Chromium. Before its
fixes: the reports page scrolled sideways (its charts at least 30rem wide: 530 px of page), the
loading chart's bars were squeezed to about 30 px between the pool's name and its free minutes and
named `maintenance:1`, the technician's page named the car by its booking id, and a stale link
showed the API's JSON. Screenshots: tests/artifacts/{reports,loading,me,error}-zh-360x740.png."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from api import charts
from cli.testing import Server
from tests.builders import HISTORY_DAYS as DAYS
from tests.builders import NOW, at
from tests.e2e.browser import ARTIFACTS, CHROMIUM

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh)", allow_module_level=True)

PHONE = {"width": 360, "height": 740}
PLATE = "粤A12345"


def _no_page_scroll(page: playwright_api.Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_chinese_foreman_reads_the_pages_on_a_phone(clocked_history_db: Path, browser: Any) -> None:
    db = clocked_history_db  # the test's own copy
    server = Server(db, now=NOW + dt.timedelta(days=7))
    server.start()
    day = (NOW + dt.timedelta(days=8)).date()
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
            body = {"service": "MAINT", "drop_off": at("08:00", day).isoformat(), "plate": PLATE}
            booked = http.post("/v1/workshops/tiny/bookings", json=body)
            assert booked.status_code == 201, booked.text
            plan = http.post(
                "/v1/workshops/tiny/plans", json={"date": day.isoformat(), "time_limit_seconds": 1}
            )
            assert plan.status_code == 200, plan.text
            technician = plan.json()["assignments"][0]["technician"]
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{server.url}/login?next=/")
        page.get_by_label("API 密钥").fill(server.headers["X-API-Key"])
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{server.url}/")

        # The reports: the charts one a row within the screen, the tables scroll in their box.
        page.goto(f"{server.url}/workshops/tiny/reports?from={DAYS[0]}&to={DAYS[-1]}")
        assert page.locator("svg.bars").count() == 3
        assert _no_page_scroll(page), page.evaluate("document.documentElement.scrollWidth")
        chart = page.locator("svg.bars").first.bounding_box()  # not scaled down to tiny text
        assert chart is not None and chart["width"] >= 0.95 * charts.WIDTH, chart
        page.screenshot(path=str(ARTIFACTS / "reports-zh-360x740.png"), full_page=True)

        # The loading chart: each pool named in words, its bar most of the screen's width.
        page.goto(f"{server.url}/workshops/tiny/loading")
        assert _no_page_scroll(page)
        pools = page.locator(".pool").first
        name = pools.locator("span").first.inner_text()
        assert not re.search(r"[a-z]+:\d", name) and "技师" in name, name
        track = pools.locator(".track").bounding_box()
        assert track is not None and track["width"] >= 0.6 * PHONE["width"], track
        page.screenshot(path=str(ARTIFACTS / "loading-zh-360x740.png"), full_page=True)

        # The technician's page: the car by its plate, large enough to read on the floor.
        page.goto(f"{server.url}/workshops/tiny/me?technician={technician}&date={day}")
        what = page.locator(".job .what").first
        assert what.locator("strong").first.inner_text() == PLATE
        assert "承诺交车" in page.locator(".job .state").first.inner_text()
        assert _no_page_scroll(page)
        page.screenshot(path=str(ARTIFACTS / "me-zh-360x740.png"), full_page=True)

        # A stale link: a page saying so in Chinese, with the way back.
        answer = page.goto(f"{server.url}/workshops/gone/plan/{day}")
        assert answer is not None and answer.status == 404
        assert page.get_by_role("heading", level=1).inner_text() == "没有这个页面"
        assert "未知的车间" in page.get_by_role("alert").inner_text()
        page.screenshot(path=str(ARTIFACTS / "error-zh-360x740.png"), full_page=True)
        page.get_by_role("link", name="返回车间列表").click()
        page.wait_for_url(f"{server.url}/")
        assert page.get_by_role("heading", level=1).inner_text() == "车间"
    finally:
        server.kill()


def test_the_sign_in_page_fits_a_phone(desk_server: Server, browser: Any) -> None:
    """review-s34: the API key's field was 100 % wide plus its padding and border, so it stuck out
    of the form past the button and the page scrolled sideways on a 360 px phone (364 px)."""
    for viewport in (PHONE, {"width": 1366, "height": 768}):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        try:
            page = context.new_page()
            page.goto(f"{desk_server.url}/login?next=/")
            assert _no_page_scroll(page), page.evaluate("document.documentElement.scrollWidth")
            field = page.get_by_label("API 密钥").bounding_box()
            button = page.get_by_role("button", name="登录").bounding_box()
            assert field is not None and button is not None
            assert abs(field["x"] + field["width"] - (button["x"] + button["width"])) < 1, (field, button)
        finally:
            context.close()
