"""The pages in Chinese in a real browser: a zh-CN browser gets Chinese (Accept-Language), signs in,
plans a day and looks for slots with the script's texts in Chinese; the switch goes back to English.
Screenshots (with the Noto CJK fonts scripts/chromium.sh installs) go to tests/artifacts/."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from cli.testing import Server
from scheduler.contract import Workshop
from scheduler.scenarios import load_scenario
from tests.builders import DATE, booth_workshop
from tests.e2e.browser import ARTIFACTS, CHROMIUM
from tests.e2e.desk import put

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)


#: Logs each text the status line takes (a MutationObserver), for the test to read from the console.
STATUS_SAID = """() => {
  const status = document.getElementById("status");
  new MutationObserver(() => console.log(status.textContent)).observe(
    status, { childList: true, characterData: true, subtree: true });
}"""


def plan_page(browser: Any, server: Server, workshop: str, height: int) -> Any:
    """The day's plan page of `workshop` in a zh-CN browser, signed in from the Chinese login form."""
    page = browser.new_page(viewport={"width": 1366, "height": height}, locale="zh-CN")
    page.goto(f"{server.url}/login?next=/workshops/{workshop}/plan/{DATE}")
    page.get_by_label("API 密钥").fill(server.headers["X-API-Key"])
    page.get_by_role("button", name="登录").click()
    return page


@pytest.fixture
def served(desk_server: Server) -> tuple[Server, str]:
    """The module's server (tests/e2e/conftest.py); on it, under an id of this test's own,
    small-dealer with one LUBE booking."""
    server = desk_server
    workshop = put(server, load_scenario("small-dealer").workshop)
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
        slots = http.get(f"/v1/workshops/{workshop}/slots", params={"service": "LUBE", "date": DATE}).json()
        body = {"service": "LUBE", "drop_off": slots["slots"][0]["drop_off"]}
        assert http.post(f"/v1/workshops/{workshop}/bookings", json=body).status_code == 201
    return server, workshop


def test_a_chinese_browser_reads_the_pages_in_chinese(served: tuple[Server, str], browser: Any) -> None:
    server, workshop = served
    ARTIFACTS.mkdir(exist_ok=True)
    page = plan_page(browser, server, workshop, 768)
    try:
        page.wait_for_url(re.compile(f"/workshops/{workshop}/plan/{DATE}"))
        assert "当天尚无排程" in page.content() and page.locator("html").get_attribute("lang") == "zh-CN"
        page.get_by_label("求解时间（秒）").fill("3")
        # Every text the status line shows, as the page says it: on a server whose workers are
        # already up (tests/e2e/conftest.py) the plan can be back, and the page reloaded, before a
        # poll of the line saw "正在排程".
        said: list[str] = []
        page.on("console", lambda message: said.append(message.text))
        page.evaluate(STATUS_SAID)
        page.get_by_role("button", name="生成排程").click()
        page.wait_for_selector("svg.gantt g.bar", timeout=90_000)
        assert any(text.startswith("正在排程") for text in said), said
        assert page.get_by_role("button", name="立即重新排程").is_visible()
        assert "关键指标" in page.content()
        # the workshop's own names as it gives them in Chinese (name_i18n), in the chart's legend
        legend = page.locator("ul.legend, .legend").first.inner_text()
        assert "小保养（机油+机滤）" in legend and "Lube service" not in page.content()
        assert "小型4S店（日均进厂20台）" in page.locator("h1").inner_text()
        page.screenshot(path=str(ARTIFACTS / "plan-zh-1366x768.png"), full_page=True)

        page.goto(f"{server.url}/workshops/{workshop}/book")
        page.get_by_label("服务项目").select_option("LUBE")
        assert (
            page.get_by_label("服务项目").locator("option[value=LUBE]").inner_text()
            == "小保养（机油+机滤）（LUBE）"
        )
        page.get_by_label("日期").fill(DATE)
        page.get_by_role("button", name="显示空闲时段").click()
        page.locator("#slots button").first.wait_for(timeout=30_000)
        assert page.locator("#slots button").first.inner_text().startswith("预约 ")
        assert "个空闲时段" in page.locator("#status").inner_text()
        page.screenshot(path=str(ARTIFACTS / "book-zh-1366x768.png"), full_page=True)

        page.get_by_role("link", name="English").click()
        page.wait_for_url(re.compile(f"/workshops/{workshop}/book"))
        assert page.get_by_role("button", name="Show free slots").is_visible()
    finally:
        page.close()


def test_a_chinese_browser_reads_the_workshops_own_kinds_skills_and_names(
    desk_server: Server, browser: Any
) -> None:
    """zh-s28: a workshop's own bay kind (booth: 烤漆房) and skill (refinish: 烤漆) on the chart and
    the loading chart, and its Chinese operation names inside the desk's refusals, in Chromium."""
    server = desk_server
    workshop = put(server, Workshop.model_validate(booth_workshop()))
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
        w = f"/v1/workshops/{workshop}"
        for _ in range(12):  # the paint booth booked full
            slots = http.get(f"{w}/slots", params={"service": "ACCIDENT", "date": DATE}).json()["slots"]
            today = [s for s in slots if s["drop_off"].startswith(DATE)]
            if not today:
                break
            assert (
                http.post(
                    f"{w}/bookings", json={"service": "ACCIDENT", "drop_off": today[0]["drop_off"]}
                ).status_code
                == 201
            )
        assert http.post(f"{w}/plans", json={"date": DATE, "time_limit_seconds": 2}).status_code == 200
    ARTIFACTS.mkdir(exist_ok=True)
    page = plan_page(browser, server, workshop, 900)
    try:
        page.wait_for_selector("svg.gantt g.bar", timeout=60_000)
        chart = page.content()
        assert "P01 · 烤漆房" in chart and "P01 · booth" not in chart
        page.screenshot(path=str(ARTIFACTS / "zh-s28-plan-booth.png"), full_page=True)
        page.goto(f"{server.url}/workshops/{workshop}/loading")
        assert "2 级及以上烤漆技师" in page.content() and "refinish" not in page.inner_text("body")
        page.goto(f"{server.url}/workshops/{workshop}/book?date={DATE}")
        page.screenshot(path=str(ARTIFACTS / "zh-s28-desk-booth.png"), full_page=True)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.reload()
        assert not errors, errors
    finally:
        page.close()
