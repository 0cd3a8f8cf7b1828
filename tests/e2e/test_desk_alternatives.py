"""The booking desk page in a real browser (Chromium, Playwright) on a full day: a refused new
booking (POST 409) and a refused change (PATCH 409) show their alternatives as buttons, drop-off
and promised pickup in the workshop's time (not the browser's), in the page's language; a click
sends the booking or the change again at that drop-off and the page shows the booking's new state,
with the very promise offered. Texts from the answer are shown as text, never as markup."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from cli.testing import Server
from tests.builders import DATE, multi_day_workshop, tiny_workshop
from tests.e2e.browser import ARTIFACTS, CHROMIUM
from tests.e2e.desk import LANGUAGES, ask, desk, fill, posted, put, relisted, texts, when

PLATE = "<b>X1</b>"  # a plate that would be markup if the page ever used innerHTML with it
OTHER = "粤B00001"  # the booking another desk makes, then moved at this one

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)


@pytest.fixture
def served(desk_server: Server) -> tuple[Server, str]:
    """The module's server; on it, under an id of this test's own, the tiny workshop (one
    technician, room for one booking a day with the walk-in holdback)."""
    return desk_server, put(desk_server, tiny_workshop())


def patched(response: Any) -> bool:
    return bool(response.request.method == "PATCH")


def shown_alternatives(page: Any) -> tuple[list[str], list[str]]:
    items = page.locator("#alternatives li")
    spans = [items.nth(i).locator(".slot-text").inner_text() for i in range(items.count())]
    buttons = [items.nth(i).get_by_role("button").inner_text() for i in range(items.count())]
    return spans, buttons


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_desk_shows_a_refusals_alternatives_and_sends_it_again(
    served: tuple[Server, str], browser: Any, language: str
) -> None:
    (server, tiny), words, said = served, LANGUAGES[language], texts(language)
    bookings = f"/v1/workshops/{tiny}/bookings"
    ARTIFACTS.mkdir(exist_ok=True)
    # The browser in New York: the page shows the workshop's (Shanghai) times all the same.
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale=words["locale"],
                            timezone_id="America/New_York")  # fmt: skip
    page.goto(f"{server.url}/login?next=/workshops/{tiny}/book")
    page.get_by_label(words["key"]).fill(server.headers["X-API-Key"])
    page.get_by_role("button", name=words["sign_in"]).click()
    page.wait_for_url(re.compile(f"/workshops/{tiny}/book"))
    assert page.locator("#alternatives-box").is_hidden()

    # A new booking refused: the day filled by another desk between listing and clicking.
    page.locator("#date").fill(DATE)
    page.locator("#plate").fill(PLATE)
    page.locator("#slot-form button[type=submit]").click()
    page.locator("#slots button").nth(1).wait_for(timeout=30_000)
    body = {"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", "plate": OTHER}
    other = httpx.post(f"{server.url}{bookings}", headers=server.headers, json=body)
    assert other.status_code == 201, other.text
    shown = page.locator("#slots li").nth(1).locator(".slot-text").inner_text()
    with page.expect_response(posted) as sent:
        page.locator("#slots button").nth(1).click()
    assert sent.value.status == 409, sent.value.text()
    # shown16-s41: the booking carries the promise the desk showed for the time, as shown.
    asked = sent.value.request.post_data_json
    assert shown == fill(said["slot"], drop_off=when(asked["drop_off"], DATE, language),
                         pickup=when(asked["promised"], asked["drop_off"], language))  # fmt: skip
    refused = sent.value.json()
    offered = refused["alternatives"]
    assert offered and all(not a["drop_off"].startswith(DATE) for a in offered)  # the next day's
    page.locator("#alternatives button").first.wait_for()
    # The other times in the status, listed as the language lists items (review-s24: ", ").
    offered_at = [when(a["drop_off"], DATE, language) for a in offered]
    times = {"en": ", ", "zh": "、"}[language].join(offered_at)
    # deskpick-s24: and the 409's reason after "just taken" (as a refused move says it).
    assert refused["reason"] and refused["reason"] in page.locator("#status").inner_text()
    assert page.locator("#status").inner_text() == fill(
        said["taken_because"], reason=refused["reason"], times=times
    )
    spans, buttons = shown_alternatives(page)
    assert buttons == [fill(said["book"], time=at) for at in offered_at]
    assert spans == [fill(said["slot"], drop_off=when(a["drop_off"], DATE, language),
                          pickup=when(a["promised"], a["drop_off"], language))
                     for a in offered]  # fmt: skip
    assert page.locator("#alternatives-h").inner_text() == words["heading"]
    with page.expect_response(posted) as sent, relisted(page):
        page.locator("#alternatives button").first.click()
    assert sent.value.status == 201, sent.value.text()
    asked = sent.value.request.post_data_json  # the alternative's own promise, as shown
    assert (asked["drop_off"], asked["promised"]) == (offered[0]["drop_off"], offered[0]["promised"])
    made = sent.value.json()
    assert (made["drop_off"], made["promised"]) == (offered[0]["drop_off"], offered[0]["promised"])
    assert made["plate"] == PLATE
    page.wait_for_function("document.getElementById('alternatives-box').hidden")
    assert page.locator("#status").inner_text() == fill(
        said["booked"], id=PLATE, drop_off=when(made["drop_off"], DATE, language),
        pickup=when(made["promised"], made["drop_off"], language),
    )  # fmt: skip

    # A change refused: the booking at 08:00 moved past the technician's day. The day's
    # bookings were listed again after the booking (relisted): a row filled in before they
    # are is replaced, its time with it (seen under load: the PATCH went out at 08:00).
    row = page.locator("#bookings tr", has_text=OTHER)
    row.locator("input.move-time").fill("10:00")
    with page.expect_response(patched) as sent, relisted(page):
        row.locator("button.move").click()
    assert sent.value.status == 409, sent.value.text()
    offered = sent.value.json()["alternatives"]
    assert [a["drop_off"][11:16] for a in offered] == ["08:00", "08:30", "09:00"]
    assert all(a["drop_off"].startswith(DATE) and a["drop_off"].endswith("+08:00") for a in offered)
    page.locator("#alternatives button").first.wait_for()
    spans, buttons = shown_alternatives(page)
    # smallfix-s27: the booking's own drop-off (08:00) was offered as "Move to 08:00"; it
    # reads "Keep 08:00, pickup …", as the parts ETA form's alternative at its own time.
    own = body["drop_off"]
    assert offered[0]["drop_off"] == own
    assert buttons == [
        fill(said["keep_drop_off"], time="08:00", pickup=when(a["promised"], a["drop_off"], language))
        if a["drop_off"] == own
        else fill(said["move_to"], time=a["drop_off"][11:16])
        for a in offered
    ]
    assert fill(said["move_to"], time="08:00") not in buttons
    assert spans == [fill(said["slot"], drop_off=a["drop_off"][11:16],
                          pickup=when(a["promised"], a["drop_off"], language))
                     for a in offered]  # fmt: skip
    assert page.locator("#status").inner_text().startswith(fill(said["not_moved"], problem=""))
    page.screenshot(path=str(ARTIFACTS / f"desk-alternatives-{language}.png"), full_page=True)
    # The move's answer said and the day listed anew before the status and the row are
    # read (aria-busy alone is already 'false' from the refusal's listing when clicked).
    with page.expect_response(patched) as sent, relisted(page):
        page.get_by_role("button", name=words["move_to"]).click()
    assert sent.value.status == 200, sent.value.text()
    moved = sent.value.json()
    assert (moved["drop_off"], moved["promised"]) == (offered[1]["drop_off"], offered[1]["promised"])
    page.wait_for_function("document.getElementById('alternatives-box').hidden")
    pickup = when(moved["promised"], moved["drop_off"], language)
    moved_text = fill(said["moved"], booking=OTHER, drop_off="08:30", pickup=pickup)
    assert page.locator("#status").inner_text() == moved_text
    cells = page.locator("#bookings tr", has_text=OTHER).locator("td")
    assert (cells.nth(6).inner_text(), cells.nth(1).inner_text()) == ("08:30", pickup)
    stored = httpx.get(f"{server.url}{bookings}/{moved['id']}", headers=server.headers).json()
    assert (stored["drop_off"], stored["promised"]) == (moved["drop_off"], moved["promised"])
    assert page.locator("#status b, #alternatives b, #bookings b").count() == 0  # text, never markup


def test_the_desk_gives_multi_day_work_its_days_and_dated_pickup(desk_server: Server, browser: Any) -> None:
    """Free slots and alternatives share one rendering: multi-day work shows the days it takes and
    its promised pickup with its date (on a later day than the drop-off)."""
    server = desk_server
    workshop = put(server, multi_day_workshop())
    query = {"service": "REPAIR", "date": DATE}
    slots = httpx.get(f"{server.url}/v1/workshops/{workshop}/slots", params=query, headers=server.headers)
    offered = slots.json()["slots"]
    assert offered and all(len(s["days"]) > 1 for s in offered)
    said = texts("en")
    page = browser.new_page(locale="en-US")
    page.goto(f"{server.url}/login?next=/workshops/{workshop}/book")
    page.get_by_label("API key").fill(server.headers["X-API-Key"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile("/book"))
    page.locator("#service").select_option("REPAIR")
    page.locator("#date").fill(DATE)
    page.locator("#slot-form button[type=submit]").click()
    page.locator("#slots li").nth(len(offered) - 1).wait_for(timeout=30_000)
    shown = page.locator("#slots li .slot-text").all_inner_texts()
    # Every time of the booking grid offered: no "Why not other times?" (the quarter
    # hours between them are refused for the grid alone).
    assert page.locator("#refusals-box").is_hidden()
    assert shown == [
        fill(said["slot"], drop_off=s["drop_off"][11:16], pickup=when(s["promised"], s["drop_off"]))
        + " · "
        + fill(said["slot_days_on"], count=str(len(s["days"])), days=", ".join(s["days"]))
        for s in offered
    ]
    days = r"\d{4}-\d\d-\d\d(, \d{4}-\d\d-\d\d)+"
    assert all(re.search(rf"pickup \d{{4}}-\d\d-\d\d \d\d:\d\d · \d days: {days}$", text) for text in shown)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_refused_move_says_why_as_the_409_does(
    served: tuple[Server, str], browser: Any, language: str
) -> None:
    """review-s24: a move refused (PATCH 409) said only "Not moved: the changed booking no longer fits
    the day's plan", never the answer's `reason` (the rule that blocks it: a multi-day booking's
    "day 2026-11-25: …", "parts arrive …"), which the desk's own refusals list would give. The
    status now says both, in the page's language, as text."""
    (server, tiny), said = served, texts(language)
    bookings = f"/v1/workshops/{tiny}/bookings"
    body = {"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", "plate": PLATE}
    made = httpx.post(f"{server.url}{bookings}", headers=server.headers, json=body)
    assert made.status_code == 201, made.text
    page = desk(browser, server, tiny, language)
    ask(page, "MAINT", DATE)  # the day's slots and bookings shown (the status said, not overwritten later)
    row = page.locator("#bookings tr", has_text=PLATE)
    row.locator("input.move-time").fill("10:00")
    with page.expect_response(patched) as sent, relisted(page):
        row.locator("button.move").click()
    assert sent.value.status == 409, sent.value.text()
    answer = sent.value.json()
    assert answer["reason"] and answer["reason"] != answer["detail"]
    page.locator("#alternatives button").first.wait_for()
    problem = fill(said["problem_reason"], problem=answer["detail"], reason=answer["reason"])
    assert page.locator("#status").inner_text() == fill(said["not_moved"], problem=problem)
    assert page.locator("#status b").count() == 0


def test_a_move_time_typed_into_a_row_survives_the_next_listing(
    served: tuple[Server, str], browser: Any
) -> None:
    """suitespeed-s34: every listing of the day's bookings rebuilt the rows, so a new drop-off time
    typed into a row was reset by a listing that came meanwhile (a slot query, a booking made), and
    Move then sent the stored time (CI at 9a314b0). The typed time is kept while the booking's
    drop-off is the one it was typed against; once sent, the row shows the outcome."""
    server, tiny = served
    body = {"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", "plate": PLATE}
    made = httpx.post(f"{server.url}/v1/workshops/{tiny}/bookings", headers=server.headers, json=body)
    assert made.status_code == 201, made.text
    page = desk(browser, server, tiny, "en")
    ask(page, "MAINT", DATE)
    typed = page.locator("#bookings tr", has_text=PLATE).locator("input.move-time")
    typed.fill("08:30")
    with relisted(page):  # the desk asks again: the slots and the day's bookings are listed anew
        page.locator("#slot-form button[type=submit]").click()
    row = page.locator("#bookings tr", has_text=PLATE)
    assert row.locator("input.move-time").input_value() == "08:30"
    with relisted(page), page.expect_response(patched) as sent:
        row.locator("button.move").click()
    assert sent.value.status == 200, sent.value.text()
    assert sent.value.json()["drop_off"] == f"{DATE}T08:30:00+08:00"
    row = page.locator("#bookings tr", has_text=PLATE)
    assert row.locator("td").nth(6).inner_text() == "08:30"
    assert row.locator("input.move-time").input_value() == "08:30"  # the stored time, nothing typed
