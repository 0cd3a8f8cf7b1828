"""Parts on order at the booking desk (issue 16 item 3), in a real browser (Chromium, Playwright),
in the page's language: a service whose operations wait for ordered parts gets a "Parts arrive"
date and time, on the workshop's clock, turned into an aware time with the offset the workshop's
zone has on that date (daylight saving included, whatever the browser's own zone), sent with the
slot query and the booking; the offers then start the work that needs the parts no earlier, "Why
not other times?" says "parts arrive 14:00", and the day's bookings show the ETA. Empty: no ETA;
half an ETA: said, nothing asked."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from api.pages import zone_offsets
from cli.testing import Server
from scheduler.i18n import Translator
from tests.builders import DATE
from tests.e2e.browser import ARTIFACTS, CHROMIUM
from tests.e2e.desk import LANGUAGES, ask, asked, desk, parts_workshop, posted, put, texts

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)


def lines(page: Any) -> list[str]:
    """ "Why not other times?" as a person reads it (opened)."""
    page.wait_for_function("!document.getElementById('refusals-box').hidden")
    if page.locator("#refusals-box").get_attribute("open") is None:
        page.locator("#refusals-h").click()
    return [re.sub(r"\s+", " ", text).strip() for text in page.locator("#refusals li").all_inner_texts()]


def eta_sent(response: Any) -> str | None:
    return httpx.URL(response.url).params.get("parts_eta")


def set_eta(page: Any, date: str, time: str) -> None:
    page.locator("#parts-date").fill(date)
    page.locator("#parts-time").fill(time)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_parts_arriving_at_two_go_with_the_query_and_the_booking(
    desk_server: Server, browser: Any, language: str
) -> None:
    server, said = desk_server, texts(language)
    tiny = put(server, parts_workshop())
    ours = Translator(LANGUAGES[language]["catalog"])
    column = ours.gettext("Parts arrive")
    page = desk(browser, server, tiny, language)
    # Maintenance waits for no parts: no field. PARTS does: the field, its hint naming the zone.
    page.locator("#service").select_option("MAINT")
    assert page.locator("#parts-eta").is_hidden()
    page.locator("#service").select_option("PARTS")
    assert page.locator("#parts-eta").is_visible()
    assert page.locator("#parts-eta legend").inner_text() == column
    assert "Asia/Shanghai" in page.locator("#parts-hint").inner_text()
    assert page.locator("#bookings").locator("xpath=..").locator("th").nth(7).inner_text() == column

    set_eta(page, DATE, "14:00")
    response = ask(page, "PARTS", DATE)
    assert eta_sent(response) == f"{DATE}T14:00:00+08:00"
    offered = [s["drop_off"][11:16] for s in response.json()["slots"]]
    assert offered and max(offered) <= "13:30", offered  # the check before the parts, then the fitting

    # Booked at the first time: the booking carries the ETA, the plan fits the parts at 14:00.
    with page.expect_response(asked) as refreshed, page.expect_response(posted) as sent:
        page.locator("#slots li").first.get_by_role("button").click()
    assert json.loads(sent.value.request.post_data)["parts_eta"] == f"{DATE}T14:00:00+08:00"
    assert sent.value.status == 201, sent.value.text()
    made = sent.value.json()
    assert made["parts_eta"] == f"{DATE}T14:00:00+08:00"
    plan = httpx.post(f"{server.url}/v1/workshops/{tiny}/plans", headers=server.headers,
                      json={"date": DATE, "time_limit_seconds": 2}, timeout=180).json()  # fmt: skip
    fit = [a for a in plan["assignments"] if a["booking"] == made["id"] and a["operation"] == 1]
    assert fit and dt.datetime.fromisoformat(fit[0]["start"]) >= dt.datetime.fromisoformat(
        f"{DATE}T14:00:00+08:00"
    )

    # The slots listed again with the same ETA: the only fitting after 14:00 is taken, so no time
    # is offered, and the morning (which has room with the parts on the shelf) says why.
    again = refreshed.value
    assert eta_sent(again) == f"{DATE}T14:00:00+08:00" and again.json()["slots"] == []
    parts = ours.phrase("parts arrive 14:00")
    shown = lines(page)
    assert shown[0] == f"08:00–12:30 · {parts}", shown
    assert sum(parts in line for line in shown) == 1
    assert page.locator("#slots li").count() == 0

    # The day's bookings show the ETA in its own column, on the workshop's clock.
    row = page.locator(f'#bookings tr[data-booking="{made["id"]}"] td')
    row.first.wait_for()
    assert row.nth(7).text_content() == "14:00"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-parts-{language}.png"), full_page=True)
    assert said["parts_eta_invalid"]  # the page's own words, in its language (below)


def test_an_empty_or_half_eta_is_no_eta_or_said(desk_server: Server, browser: Any) -> None:
    """Empty: the query and the booking carry no ETA. A date without a time: the page says what to
    give and asks nothing. A time alone: on the booking's date. A service that waits for no parts
    sends none, whatever the field holds."""
    server, said = desk_server, texts("en")
    page = desk(browser, server, put(server, parts_workshop()), "en")
    page.locator("#service").select_option("PARTS")
    assert "parts_eta" not in ask(page, "PARTS", DATE).url

    queries: list[str] = []
    page.on("request", lambda r: queries.append(r.url) if "/slots?" in r.url else None)
    set_eta(page, DATE, "")
    page.locator("#slot-form button[type=submit]").click()
    page.wait_for_function("document.getElementById('status').textContent.length > 0")
    assert page.locator("#status").inner_text() == said["parts_eta_invalid"]
    assert page.locator("#parts-date").get_attribute("aria-invalid") == "true"
    page.wait_for_timeout(300)
    assert queries == []

    set_eta(page, "", "09:15")
    response = ask(page, "PARTS", DATE)
    assert eta_sent(response) == f"{DATE}T09:15:00+08:00"
    assert page.locator("#parts-date").get_attribute("aria-invalid") == "false"

    response = ask(page, "MAINT", DATE)  # the field hidden: nothing of it sent
    assert page.locator("#parts-eta").is_hidden() and "parts_eta" not in response.url


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_eta_takes_the_offset_the_workshops_zone_has_on_its_date(
    desk_server: Server, browser: Any, language: str
) -> None:
    """A Berlin workshop, the browser in New York: 14:00 on a winter day is +01:00, on a summer
    day +02:00; booked on Friday 26 March 2027 (winter time) with the parts on Monday 29 March
    (summer time since Sunday), the ETA is +02:00, the offset of its own date, not the booking's
    nor today's: the server reads it as 14:00 Berlin time ("parts arrive 2027-03-29 14:00"). The
    booked summer ETA shows as 14:00."""
    server = desk_server
    ours = Translator(LANGUAGES[language]["catalog"])
    page = desk(browser, server, put(server, parts_workshop("Europe/Berlin")), language)
    page.locator("#service").select_option("PARTS")
    set_eta(page, "", "14:00")  # on the booking's date
    assert eta_sent(ask(page, "PARTS", DATE)) == f"{DATE}T14:00:00+01:00"

    summer = "2027-06-15"
    set_eta(page, summer, "14:00")
    response = ask(page, "PARTS", summer)
    assert eta_sent(response) == f"{summer}T14:00:00+02:00" and response.json()["slots"]
    # Booked, the page lists the slots again (same ETA): waited for, so that the next query's
    # answer is not that one.
    with page.expect_response(asked) as refreshed, page.expect_response(posted) as sent:
        page.locator("#slots li").first.get_by_role("button").click()
    assert sent.value.status == 201, sent.value.text()
    assert eta_sent(refreshed.value) == f"{summer}T14:00:00+02:00"
    made = sent.value.json()
    assert made["parts_eta"] == f"{summer}T14:00:00+02:00"
    row = page.locator(f'#bookings tr[data-booking="{made["id"]}"] td')
    row.first.wait_for()
    assert row.nth(7).text_content() == "14:00"

    set_eta(page, "2027-03-29", "14:00")
    response = ask(page, "PARTS", "2027-03-26")
    assert eta_sent(response) == "2027-03-29T14:00:00+02:00"
    assert response.json()["slots"] == []
    parts = ours.phrase("parts arrive 2027-03-29 14:00")
    assert lines(page)[0] == f"08:00–15:00 · {parts}"


#: Wall times around daylight-saving changes (and plain days): spring gaps, autumn repeats.
WALL_TIMES = {
    "Europe/Berlin": ["2026-11-24 14:00", "2027-06-15 14:00", "2027-03-28 01:59", "2027-03-28 02:30",
                      "2027-03-28 03:00", "2027-10-31 02:30", "2027-10-31 03:00", "2026-03-29 14:00"],
    "America/New_York": ["2027-03-14 02:30", "2027-11-07 01:30", "2027-07-04 09:00", "2028-01-01 00:00"],
    "Australia/Lord_Howe": ["2027-04-04 01:45", "2027-10-03 02:15", "2027-01-10 12:00", "2027-07-10 12:00"],
    "Pacific/Chatham": ["2027-04-04 02:45", "2027-09-26 03:00", "2027-06-01 08:00"],
    "Asia/Shanghai": ["2026-11-24 14:00", "2027-06-15 14:00"],
}  # fmt: skip


def test_the_pages_wall_time_to_aware_time_is_zoneinfos(desk_server: Server, browser: Any) -> None:
    """app.js's zonedIso over the page's zone offsets gives what Python's zoneinfo gives for the
    same wall time (fold=0: an autumn repeat's first, a spring gap's earlier offset), in zones
    with 30- and 45-minute offsets and a 30-minute DST shift; and localIso reads an aware time
    back on the workshop's clock. The browser is in New York: its own zone plays no part."""
    page = desk(browser, desk_server, put(desk_server, parts_workshop()), "en")
    for timezone, walls in WALL_TIMES.items():
        table = {"zone": timezone, **zone_offsets(timezone, 2026)}
        for wall in walls:
            date, time = wall.split()
            python = dt.datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(timezone)).isoformat()
            script = page.evaluate("([z, d, t]) => zonedIso(z, d, t)", [table, date, time])
            assert script == python, (timezone, wall)
            back = page.evaluate("([z, iso]) => localIso(z, iso)", [table, python])
            utc = dt.datetime.fromisoformat(python).astimezone(dt.UTC).isoformat()
            assert back == page.evaluate("([z, iso]) => localIso(z, iso)", [table, utc])
            assert back == dt.datetime.fromisoformat(python).astimezone(ZoneInfo(timezone)).isoformat()[:16]
    table = {"zone": "Europe/Berlin", **zone_offsets("Europe/Berlin", 2026)}
    for date, time in [
        ("2026-02-30", "14:00"),
        ("2026-11-24", "24:00"),
        ("2031-06-01", "14:00"),
        ("", "14:00"),
    ]:
        assert page.evaluate("([z, d, t]) => zonedIso(z, d, t)", [table, date, time]) is None, date
