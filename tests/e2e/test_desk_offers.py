"""What an offer carries, on the booking desk page in a real browser (Chromium, Playwright), in the
page's language: a time sold only thanks to the no-show overbooking allowance (issue 16 item 8) is
marked as a risk, a sign and a word (not colour alone) and the allowance it draws on; multi-day
work (item 4) lists the days it touches and its dated pickup; a workshop with loan cars (item 2)
has a loan-car box whose choice goes with the slot query and the booking, and a workshop without
any has none. Texts are read as textContent: what the page put there, never markup."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import httpx
import pytest

from cli.testing import Server
from scheduler.contract import Workshop
from scheduler.i18n import Translator
from tests.builders import DATE, multi_day_workshop, tiny_workshop
from tests.e2e.browser import ARTIFACTS, CHROMIUM
from tests.e2e.desk import LANGUAGES, ask, asked, desk, fill, posted, put, short_day, texts, when

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)


def book(server: Server, workshop: str, at: str, **fields: Any) -> dict[str, Any]:
    body = {"service": "MAINT", "drop_off": f"{DATE}T{at}:00+08:00", **fields}
    made = httpx.post(f"{server.url}/v1/workshops/{workshop}/bookings", headers=server.headers, json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


#: How each language lists a few items (scheduler.i18n.SERIES): review-s24 found the days joined
#: by "，" in Chinese, the comma that joins clauses, not a list's items ("、").
SERIES = {"en": ", ", "zh": "、"}


def overbooking_workshop() -> Workshop:
    """tiny open 08:00-12:00 (one technician, one bay), 25 % of its maintenance pool overbooked."""
    data = tiny_workshop(closing="12:00", shift_end="12:00").model_dump(mode="json")
    data["overbooking"] = [{"pool": "maintenance:1", "overbooking_percent": 25}]
    return Workshop.model_validate(data)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_slot_sold_on_the_overbooking_allowance_shows_its_risk(
    desk_server: Server, browser: Any, language: str
) -> None:
    server, said = desk_server, texts(language)
    tiny = put(server, overbooking_workshop())
    book(server, tiny, "08:00")
    book(server, tiny, "09:00")
    page = desk(browser, server, tiny, language)
    # Room in the day's plan: plain slots, no risk anywhere.
    plain = ask(page, "MAINT", DATE).json()["slots"]
    assert plain and not any(s.get("overbooked") for s in plain)
    assert page.locator("#slots .risk").count() == 0
    assert page.locator("#slots li.overbooked").count() == 0

    # A third booking fills the plan: what is still offered is sold on the allowance.
    book(server, tiny, "10:00")
    answer = ask(page, "MAINT", DATE).json()["slots"]
    assert answer and all(s["overbooked"] is True and s["note"] for s in answer)
    # The note in the page's language, as the API gives it (here checked against the catalogue).
    allowance = Translator(LANGUAGES[language]["catalog"]).phrase(
        "offered only thanks to the overbooking allowance 25 % of maintenance:1 pool"
        " (60 of 60 min used with this booking)"
    )
    assert {s["note"] for s in answer} == {allowance}
    items = page.locator("#slots li")
    assert items.count() == len(answer)
    for i, slot in enumerate(answer):
        item = items.nth(i)
        assert item.get_attribute("class") == "overbooked"
        assert item.locator(".slot-text").text_content() == fill(
            said["slot"],
            drop_off=slot["drop_off"][11:16],
            pickup=when(slot["promised"], slot["drop_off"], language),
        )
        risk = item.locator(".risk")
        assert risk.text_content() == f"⚠ {said['overbooking_risk']} · {slot['note']}"
        assert risk.locator(".mark").get_attribute("aria-hidden") == "true"  # the word says it
        # The button is described by the risk: a screen reader hears it with "Book 08:00".
        assert item.get_by_role("button").get_attribute("aria-describedby") == risk.get_attribute("id")
    ids = [items.nth(i).locator(".risk").get_attribute("id") for i in range(len(answer))]
    assert len(set(ids)) == len(ids)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-overbooked-{language}.png"), full_page=True)

    # Booked from the page: stored overbooked, as offered.
    with page.expect_response(posted) as sent:
        items.first.get_by_role("button").click()
    assert sent.value.status == 201, sent.value.text()
    assert sent.value.json()["overbooked"] is True
    # The day's bookings mark it beside its service.
    row = page.locator(f'#bookings tr[data-booking="{sent.value.json()["id"]}"] td')
    row.first.wait_for()
    assert row.nth(5).text_content() == f"MAINT · ⚠ {said['overbooking_risk']}"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_multi_day_offers_list_the_days_they_touch(desk_server: Server, browser: Any, language: str) -> None:
    """Accident repair over up to 3 days, the day after DATE a holiday: the work's days skip it,
    and the page lists them as the API gives them (workshop-local dates), pickup dated."""
    closed = (dt.date.fromisoformat(DATE) + dt.timedelta(days=1)).isoformat()
    workshop = multi_day_workshop(closed_days=[closed])
    server, said = desk_server, texts(language)
    page = desk(browser, server, put(server, workshop), language)
    offered = ask(page, "REPAIR", DATE).json()["slots"]
    assert offered and all(len(s["days"]) > 1 and closed not in s["days"] for s in offered)
    assert all(s["promised"][:10] == s["days"][-1] != DATE for s in offered)
    shown = page.locator("#slots li .slot-text").evaluate_all("items => items.map((i) => i.textContent)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-multiday-{language}.png"), full_page=True)
    assert shown == [
        fill(said["slot"], drop_off=s["drop_off"][11:16], pickup=when(s["promised"], s["drop_off"], language))
        + " · "
        + fill(said["slot_days_on"], count=str(len(s["days"])),
               days=SERIES[language].join(short_day(d, language) for d in s["days"]))
        for s in offered
    ]  # fmt: skip
    pickup = offered[-1]["promised"]
    # The pickup with its day, as the plan page dates it (review-s35: ISO in Chinese before).
    assert f"{short_day(pickup, language)} {pickup[11:16]}" in shown[-1]
    assert language == "en" or re.search(r"\d+月\d+日 周. \d\d:\d\d", shown[-1])


def loan_car_workshop() -> Workshop:
    """tiny open 08:00-12:00 with one loan car."""
    data = tiny_workshop(closing="12:00", shift_end="12:00").model_dump(mode="json")
    data["loan_cars"] = 1
    return Workshop.model_validate(data)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_loan_car_box_goes_with_the_query_and_the_booking(
    desk_server: Server, browser: Any, language: str
) -> None:
    server = desk_server
    tiny = put(server, loan_car_workshop())
    label = Translator(LANGUAGES[language]["catalog"]).gettext("needs a loan car")
    page = desk(browser, server, tiny, language)
    box = page.get_by_label(label)
    assert box.is_visible() and not box.is_checked()
    # Not asked for: the query and the booking say nothing of a loan car.
    unasked = ask(page, "MAINT", DATE)
    assert "loan_car" not in unasked.url
    box.check()
    response = ask(page, "MAINT", DATE)
    assert "loan_car=true" in response.url
    first = response.json()["slots"][0]
    with page.expect_response(asked) as refreshed, page.expect_response(posted) as sent:
        page.locator("#slots li").first.get_by_role("button").click()
    assert json.loads(sent.value.request.post_data)["loan_car"] is True
    assert sent.value.status == 201, sent.value.text()
    made = sent.value.json()
    assert made["loan_car"] is True and made["drop_off"] == first["drop_off"]
    stored = httpx.get(f"{server.url}/v1/workshops/{tiny}/bookings/{made['id']}", headers=server.headers)
    assert stored.json()["loan_car"] is True
    # The page lists the slots again, with the loan car still asked for: the one car is out
    # until that pickup, so the day has no time for another.
    assert "loan_car=true" in refreshed.value.url and refreshed.value.json()["slots"] == []
    # The day's bookings say the loan car in its own column (desk16-s26: beside the plate and
    # the promised pickup, on a phone too): a car to hand over at drop-off.
    row = page.locator(f'#bookings tr[data-booking="{made["id"]}"] td')
    row.first.wait_for()
    assert (row.nth(2).text_content(), row.nth(5).text_content()) == (texts(language)["yes"], "MAINT")
    page.screenshot(path=str(ARTIFACTS / f"desk-loan-car-{language}.png"), full_page=True)


@pytest.mark.parametrize("loan_cars", [0, None])
def test_a_workshop_without_loan_cars_has_no_loan_car_box(
    desk_server: Server, browser: Any, loan_cars: int | None
) -> None:
    """0: none (the API refuses loan_car=true); absent: no fleet managed here ("no limit")."""
    tiny = put(desk_server, tiny_workshop().model_copy(update={"loan_cars": loan_cars}))
    page = desk(browser, desk_server, tiny, "en")
    assert page.locator("#loan-car").count() == 0
    assert page.get_by_label("needs a loan car").count() == 0
    assert "loan_car" not in ask(page, "MAINT", DATE).url


def test_the_desk_fits_a_360_px_phone(desk_server: Server, browser: Any) -> None:
    """review-s24: at 360 px (a phone at the desk or in the yard) the page scrolled sideways as a
    whole: the service list as wide as its longest name ("Accident repair, booked whole (multi-day)"
    in dealer-2011), the day's bookings table wider than the screen. The list fits the screen and
    the table scrolls in its own box; the offers, their days and risks, and the refusals wrap."""
    data = multi_day_workshop().model_dump(mode="json")
    data["loan_cars"] = 2
    for service in data["services"]:
        if service["code"] == "REPAIR":
            service["name"] = "Accident repair, booked whole (multi-day), body and paint"
    server = desk_server
    small = put(server, Workshop.model_validate(data))
    book(server, small, "08:00", service="REPAIR", loan_car=True, customer="王先生 " + "长" * 30)
    book(server, small, "09:00", loan_car=True, customer="李女士 " + "长" * 30)
    page = desk(browser, server, small, "zh")
    page.set_viewport_size({"width": 360, "height": 740})
    page.get_by_label(Translator("zh_CN").gettext("needs a loan car")).check()
    ask(page, "REPAIR", DATE)
    page.evaluate("document.getElementById('refusals-box').open = true")
    page.locator("#bookings tr[data-booking] td").first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "desk-360-zh.png"), full_page=True)
    wide = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    table = page.evaluate("(() => { const t = document.querySelector('#bookings').closest('table');"
                          " return [t.scrollWidth, t.parentElement.clientWidth]; })()")  # fmt: skip
    # The customer's name reads on a few lines, not a character a line (a table squeezed to fit).
    customer = page.locator("#bookings tr[data-booking] td").nth(3).bounding_box()
    assert wide[0] <= wide[1], wide
    assert table[0] > table[1]  # the table is wider than the screen: it scrolls in its box
    assert customer is not None and customer["width"] >= 96, customer
