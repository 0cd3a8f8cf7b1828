"""zh-s26: the foreman's plan page in a Chinese browser on a phone (360x740), in Debian's Chromium,
with two cars at risk and the chart's now line (bench/RESULTS-zhreview-s25.md, left over). Before:
the at-risk table's headers broke inside their words ("承诺取 / 车", "预计延 / 误（分 / 钟）"), and the
now line's label ("现在 11:00") was drawn over the time axis's "11:00". Screenshots:
tests/artifacts/plan-at-risk-zh-360x740.png, plan-now-zh-360x740.png (the chart scrolled to now)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from cli.testing import Server
from tests.builders import (
    DATE,
    NOW,
    at,
    fixed_clock,
    two_waiters_at_risk,
)
from tests.e2e.browser import ARTIFACTS, CHROMIUM, settled

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh)", allow_module_level=True)

PHONE = {"width": 360, "height": 740}

#: Each header cell's lines: the distinct tops of its text's line boxes.
HEADER_LINES = """() => [...document.querySelectorAll('#at-risk thead th')].map(th => {
  const range = document.createRange();
  range.selectNodeContents(th);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return [th.innerText, tops.size];
})"""

#: The boxes of the now label and of the time axis's hour labels, as drawn.
LABEL_BOXES = """() => {
  const box = e => {
    const r = e.getBoundingClientRect();
    return [e.textContent, r.left, r.top, r.right, r.bottom];
  };
  return {now: box(document.querySelector('svg.gantt g.now text')),
          hours: [...document.querySelectorAll('svg.gantt text.hour-label')].map(box)};
}"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


def _two_at_risk(db: Path) -> None:
    """tiny with two technicians, two waiters' cars (plates) at 08:00 and 09:00; the first started
    at 08:00 and not finished: by 11:00 both are at risk of missing their promises."""
    two_waiters_at_risk(TestClient(create_app(f"sqlite:///{db}", auth=False, clock=fixed_clock())))


def test_the_plan_page_at_risk_and_now_read_cleanly_on_a_chinese_phone(tmp_path: Path, browser: Any) -> None:
    db = tmp_path / "plan.db"
    _two_at_risk(db)
    server = Server(db, now=NOW)
    server.start()
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{server.url}/login?next=/")
        page.get_by_label("API 密钥").fill(server.headers["X-API-Key"])
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{server.url}/")
        now = at("11:00").isoformat().replace("+", "%2B")
        page.goto(f"{server.url}/workshops/tiny/plan/{DATE}?now={now}")
        settled(page)  # the stream's first message swaps the sections in again
        assert page.locator("#at-risk tbody tr").count() >= 1
        page.locator("#at-risk").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "plan-at-risk-zh-360x740.png"), full_page=True)
        headers = page.evaluate(HEADER_LINES)
        assert len(headers) == 4 and all(lines == 1 for _, lines in headers), headers
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert "承诺交车" in [text for text, _ in headers]
        page.locator("svg.gantt g.now text").scroll_into_view_if_needed()
        page.locator("#chart").screenshot(path=str(ARTIFACTS / "plan-now-zh-360x740.png"))
        boxes = page.evaluate(LABEL_BOXES)
        label = boxes["now"]
        assert label[0].endswith("11:00"), label
        clashes = [hour for hour in boxes["hours"] if _overlap(label, hour)]
        assert clashes == [], (label, clashes)
    finally:
        server.kill()
