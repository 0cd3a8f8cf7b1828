"""The loading chart's bars in Chromium, as of the page's `now` (review3-s42's leftover): today's bar
drew the whole day's booked and held-back share, so after closing a green bar with an empty track
beside it sat next to "0 min free". Now the free time gone by is hatched grey (`.past`), the empty
part of the track is what the figure beside it says can still be sold, and the colour is that of
what is left to sell. The loan cars counted are those free from `now` on."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from cli.testing import Server
from scheduler.contract import Workshop
from tests.builders import DATE, tiny_workshop
from tests.e2e.browser import ARTIFACTS, CHROMIUM
from tests.e2e.desk import LANGUAGES, put

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)


def _workshop() -> Workshop:
    """tiny open 08:00-17:00, its technician 08:00-17:00 (540 min, 108 held back), one loan car."""
    return tiny_workshop(closing="17:00", shift_end="17:00").model_copy(update={"loan_cars": 1})


def _bars(page: Any) -> list[dict[str, Any]]:
    """Per pool row: the widths (px) of the track, its coloured part, its hatched part, its colour
    class and the free figure beside it."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('.pool')].map(row => {
                const width = el => el ? el.getBoundingClientRect().width : 0;
                const fill = row.querySelector('.fill');
                return {track: width(row.querySelector('.track')), fill: width(fill),
                        past: width(row.querySelector('.past')), level: fill.className,
                        free: row.querySelector('.free').textContent};
            })"""
        )
    )


def _loading(browser: Any, server: Server, workshop: str, language: str, now: str) -> Any:
    words = LANGUAGES[language]
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale=words["locale"])
    path = f"/workshops/{workshop}/loading?" + urlencode({"now": now})
    page.goto(f"{server.url}/login?" + urlencode({"next": path}))
    page.get_by_label(words["key"]).fill(server.headers["X-API-Key"])
    page.get_by_role("button", name=words["sign_in"]).click()
    page.wait_for_selector(".pool .track")
    return page


@pytest.fixture
def booked(desk_server: Server) -> str:
    """The workshop with one 60-minute booking at 08:00 on DATE taking the loan car (out until its
    promise, 15:30)."""
    workshop = put(desk_server, _workshop())
    body = {"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", "loan_car": True}
    with httpx.Client(base_url=desk_server.url, headers=desk_server.headers, timeout=60) as http:
        response = http.post(f"/v1/workshops/{workshop}/bookings", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["promised"][11:16] == "15:30"
    return workshop


def _free_part(bar: dict[str, Any]) -> float:
    """The share of the track left empty: what the bar says can still be sold."""
    return (bar["track"] - bar["fill"] - bar["past"]) / bar["track"]


def test_todays_bar_leaves_empty_only_what_can_still_be_sold(
    desk_server: Server, booked: str, browser: Any
) -> None:
    """At 15:30 90 of the technician's minutes are left, none booked: 90 of 540 empty, the day's
    other 282 free minutes hatched; the car back at 15:30 is free from now. Tomorrow: no past."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = _loading(browser, desk_server, booked, "en", f"{DATE}T15:30:00+08:00")
    try:
        today, tomorrow = _bars(page)[:2]
        assert today["free"] == "1.5 h free"
        # booked 60 + held back 108 = 168 of 540 coloured; 282 hatched; 90 empty
        assert abs(today["fill"] / today["track"] - 168 / 540) < 0.01, today
        assert abs(today["past"] / today["track"] - 282 / 540) < 0.01, today
        assert abs(_free_part(today) - 90 / 540) < 0.01, today
        assert "busy" in today["level"], today  # 450 of 540 minutes can no longer be sold
        assert tomorrow["past"] == 0 and abs(_free_part(tomorrow) - 432 / 540) < 0.01, tomorrow
        assert "open" in tomorrow["level"] and tomorrow["free"] == "7.2 h free", tomorrow
        first_day = page.locator(".day").first.locator(".meta").inner_text()
        assert "Loan cars free: 1" in first_day, first_day  # the day's busiest moment had it out
        page.screenshot(path=str(ARTIFACTS / "loading-today-1530.png"), full_page=True)
    finally:
        page.close()


def test_after_closing_todays_bar_has_no_free_part_in_chinese(
    desk_server: Server, booked: str, browser: Any
) -> None:
    """At 17:30, after closing, today reads "空闲 0.0 小时": its bar is coloured as full and hatched to
    the end, no empty part; a past day (the page's day before) is not shown, tomorrow is whole."""
    page = _loading(browser, desk_server, booked, "zh", f"{DATE}T17:30:00+08:00")
    try:
        today, tomorrow = _bars(page)[:2]
        assert today["free"] == "空闲 0.0 小时", today
        assert abs(_free_part(today)) < 0.01 and today["past"] > 0, today
        assert "full" in today["level"], today
        assert tomorrow["past"] == 0 and "open" in tomorrow["level"], tomorrow
        assert "可用代步车：0" in page.locator(".day").first.locator(".meta").inner_text()
        page.screenshot(path=str(ARTIFACTS / "loading-today-after-closing-zh.png"), full_page=True)
    finally:
        page.close()


def test_a_past_day_on_the_api_has_no_free_minutes_from_now(desk_server: Server, booked: str) -> None:
    """What a past day's bar would draw from: nothing left from now, all its free time past."""
    later = (dt.date.fromisoformat(DATE) + dt.timedelta(days=2)).isoformat()
    with httpx.Client(base_url=desk_server.url, headers=desk_server.headers, timeout=60) as http:
        params = {"from": DATE, "to": DATE, "now": f"{later}T09:00:00+08:00"}
        day = http.get(f"/v1/workshops/{booked}/capacity", params=params).json()["days"][0]
    assert day["pools"][0]["free"] == 372 and day["pools"][0]["free_from_now"] == 0
    assert day["loan_cars_free_from_now"] == 0
