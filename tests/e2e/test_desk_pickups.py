"""The cars handed back on a day that were dropped off on an earlier one (deskpick-s24), at the
booking desk in a real browser (Chromium, Playwright), in the page's language: work ready after the
desk closed on Tuesday is promised Wednesday 08:00, and Wednesday's desk lists it under "Pickups
today from earlier days" (plate, promised pickup, loan car, customer, phone, service, dated
drop-off), not among the day's own bookings; Tuesday's desk does not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from cli.testing import Server
from scheduler.contract import Workshop
from tests.builders import DATE, DAY, tiny_workshop
from tests.e2e.browser import CHROMIUM
from tests.e2e.desk import ask, desk, fill, put, texts, when

pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)

WED = (DAY + dt.timedelta(days=1)).isoformat()
PLATE = "<b>L1</b>"  # markup if the page ever used innerHTML with it
HEADING = {"en": "Pickups today from earlier days", "zh": "今日交车（前几日送修）"}


def _overtime_tiny() -> Workshop:
    """The tiny workshop open 08:00-17:00, its technician with an hour of overtime, one loan car;
    LONG: 300 minutes of work (dropped off at 13:00, ready 18:00: promised the next morning)."""
    ws = tiny_workshop(
        closing="17:00", shift_end="17:00", services={"MAINT": ("Maint", 60), "LONG": ("Long", 300)}
    )
    techs = [t.model_copy(update={"max_overtime_minutes": 60}) for t in ws.technicians]
    return ws.model_copy(update={"technicians": techs, "loan_cars": 1})


@pytest.fixture
def served(desk_server: Server) -> tuple[Server, str]:
    """The module's server and `_overtime_tiny` on it under an id of this test's own."""
    return desk_server, put(desk_server, _overtime_tiny())


def _cells(row: Any) -> list[str]:
    cells = row.locator("td")
    return [cells.nth(i).inner_text() for i in range(cells.count())]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_desk_lists_the_cars_handed_back_that_were_dropped_off_earlier(
    served: tuple[Server, str], browser: Any, language: str
) -> None:
    (server, tiny), said = served, texts(language)
    long = {"service": "LONG", "drop_off": f"{DATE}T13:00:00+08:00", "plate": PLATE, "customer": "王芳",
            "phone": "+86 138 0000 0001", "loan_car": True}  # fmt: skip
    made = httpx.post(f"{server.url}/v1/workshops/{tiny}/bookings", headers=server.headers, json=long)
    assert made.status_code == 201, made.text
    assert made.json()["promised"] == f"{WED}T08:00:00+08:00"
    own = {"service": "MAINT", "drop_off": f"{WED}T09:00:00+08:00", "plate": "粤B00002"}
    assert (
        httpx.post(f"{server.url}/v1/workshops/{tiny}/bookings", headers=server.headers, json=own).status_code
        == 201
    )

    page = desk(browser, server, tiny, language)
    ask(page, "MAINT", WED)
    page.wait_for_function("document.querySelectorAll('#pickups tr').length === 1")
    assert page.locator("#pickups-box").is_visible()
    assert page.locator("#pickups-h").inner_text() == HEADING[language]
    assert _cells(page.locator("#pickups tr")) == [
        PLATE,
        "08:00",
        said["yes"],
        "王芳",
        "+86 138 0000 0001",
        "LONG",
        fill(said["pickup_dropped_off"], drop_off=when(f"{DATE}T13:00", WED, language)),
    ]  # fmt: skip (pickday-s25: what the customer is handed first, on a phone too)
    # The promise as the API gave it, for a script; the words for the desk.
    assert page.locator("#pickups tr td").nth(1).get_attribute("data-promised") == made.json()["promised"]
    assert page.locator("#pickups b").count() == 0  # the plate as text
    page.wait_for_function("document.querySelectorAll('#bookings tr').length === 1")
    assert "粤B00002" in page.locator("#bookings tr").inner_text()  # the day's own bookings as before
    # "Find a plate" looks up a customer come to collect as well as the day's own bookings.
    page.locator("#find-plate").fill("l1")
    assert page.locator("#pickups tr").is_visible() and page.locator("#bookings tr").is_hidden()
    page.locator("#find-plate").fill("粤B")
    assert page.locator("#pickups tr").is_hidden() and page.locator("#bookings tr").is_visible()
    page.locator("#find-plate").fill("")

    ask(page, "MAINT", DATE)  # Tuesday: the car is dropped off, not picked up
    page.wait_for_function("document.querySelectorAll('#pickups tr').length === 0")
    page.wait_for_function("document.querySelectorAll('#bookings tr').length === 1")
    assert page.locator("#pickups-box").is_hidden()
    # Its pickup on Wednesday dated as the plan page and the technician's page date it (review-s35:
    # "交车 2026-11-25 08:00" at the desk, "11月25日 周三 08:00" on the plan page), the API's
    # promise in the cell's data-promised.
    promised = page.locator("#bookings tr td").nth(1)
    assert promised.inner_text() == {"en": f"{WED} 08:00", "zh": "11月25日 周三 08:00"}[language]
    assert promised.get_attribute("data-promised") == made.json()["promised"]
    page.close()


#: The pickups table's headers of the cells a customer come to collect is handed over by.
HANDOVER = {"en": ("Plate", "Promised pickup", "Loan car"), "zh": ("车牌", "承诺交车", "代步车")}


#: A plate as long as the contract allows (Booking.plate: 20 characters), of the widest letters and
#: with no place to break a line: the phone's worst case (followups-s25).
LONGEST_PLATE = "W" * 20


@pytest.mark.parametrize("plate", ["粤B·12345", LONGEST_PLATE])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_on_a_phone_the_pickups_show_plate_promised_pickup_and_loan_car_without_scrolling_sideways(
    served: tuple[Server, str], browser: Any, language: str, plate: str
) -> None:
    """pickday-s25: at 360 x 740 the pickups table scrolled sideways and the promised pickup and the
    loan car were off screen; they are within the viewport as the list first shows (no sideways
    scroll, of the page or of the table's box). followups-s25: with a 20-character plate too (it
    wraps at phone width, whole, not cut)."""
    server, tiny = served
    long = {"service": "LONG", "drop_off": f"{DATE}T13:00:00+08:00", "plate": plate, "customer": "王芳",
            "model": "Hyundai Tucson", "phone": "+86 138 0000 0001", "loan_car": True}  # fmt: skip
    assert (
        httpx.post(
            f"{server.url}/v1/workshops/{tiny}/bookings", headers=server.headers, json=long
        ).status_code
        == 201
    )
    page = desk(browser, server, tiny, language, height=740, width=360)
    ask(page, "MAINT", WED)
    page.wait_for_function("document.querySelectorAll('#pickups tr').length === 1")
    page.evaluate("document.getElementById('pickups-h').scrollIntoView()")  # down to it, not sideways
    headers = [h.strip() for h in page.locator("#pickups-box th").all_inner_texts()]
    row = page.locator("#pickups tr").first
    for name in HANDOVER[language]:
        cell = row.locator("td").nth(headers.index(name))
        box = cell.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (name, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= 740, (name, box)
    cells = dict(zip(headers, _cells(row), strict=True))
    said = texts(language)
    assert [cells[name] for name in HANDOVER[language]] == [plate, "08:00", said["yes"]]
    assert page.evaluate("window.scrollX") == 0
    assert page.evaluate("document.querySelector('#pickups-box .table-scroll').scrollLeft") == 0
    page.close()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_on_a_phone_the_days_bookings_show_plate_promised_pickup_and_loan_car_without_scrolling_sideways(
    served: tuple[Server, str], browser: Any, language: str
) -> None:
    """desk16-s26: the desk's own bookings table at 360 x 740 with a 20-character plate: the plate,
    the promised pickup and the loan car are on screen as the list first shows (no sideways scroll
    of the page or of the table's box), as the pickups table keeps them (pickday-s25)."""
    (server, tiny), said = served, texts(language)
    long = {"service": "LONG", "drop_off": f"{DATE}T08:00:00+08:00", "plate": LONGEST_PLATE,
            "customer": "王芳", "model": "Hyundai Tucson", "phone": "+86 138 0000 0001",
            "loan_car": True}  # fmt: skip
    made = httpx.post(f"{server.url}/v1/workshops/{tiny}/bookings", headers=server.headers, json=long)
    assert made.status_code == 201, made.text
    page = desk(browser, server, tiny, language, height=740, width=360)
    ask(page, "MAINT", DATE)
    page.wait_for_function("document.querySelectorAll('#bookings tr').length === 1")
    page.evaluate("document.getElementById('bookings-h').scrollIntoView()")  # down to it, not sideways
    heads = page.locator("#bookings").locator("xpath=..").locator("th")
    headers = [h.strip() for h in heads.all_inner_texts()]
    row = page.locator("#bookings tr").first
    for name in HANDOVER[language]:
        cell = row.locator("td").nth(headers.index(name))
        box = cell.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (name, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= 740, (name, box)
    cells = dict(zip(headers, _cells(row), strict=False))
    assert [cells[name] for name in HANDOVER[language]] == [LONGEST_PLATE, "15:30", said["yes"]]
    assert page.evaluate("window.scrollX") == 0
    assert page.evaluate("document.querySelector('#bookings').closest('.table-scroll').scrollLeft") == 0
    # review-s42: the customer's name on one line, and in Chinese each heading (before: "王芳" and
    # "代步车" broke after every character, the table squeezed to 46rem)
    lines = "e => { const r = document.createRange(); r.selectNodeContents(e); "
    lines += "return r.getClientRects().length }"
    assert row.locator("td").nth(headers.index(said_customer(language))).evaluate(lines) == 1
    if language == "zh":
        assert [h.evaluate(lines) for h in heads.all()] == [1] * len(headers), headers
    page.close()


def said_customer(language: str) -> str:
    """The desk's heading of the customer's column."""
    return {"en": "Customer", "zh": "客户"}[language]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_old_after_hours_promise_is_marked_at_the_desk(
    served: tuple[Server, str], browser: Any, language: str
) -> None:
    """handover-s25: a booking stored before offers kept to the desk's hours, promised 18:35 (the
    desk hands cars back until 17:30), keeps its promise and is marked in words at the desk."""
    import json
    import sqlite3

    (server, tiny), said = served, texts(language)
    maint = {"service": "MAINT", "drop_off": f"{DATE}T13:00:00+08:00", "plate": "粤B00003"}
    made = httpx.post(f"{server.url}/v1/workshops/{tiny}/bookings", headers=server.headers, json=maint)
    assert made.status_code == 201, made.text
    with sqlite3.connect(server.db) as db:
        (body,) = db.execute("SELECT body FROM bookings WHERE id = ?", (made.json()["id"],)).fetchone()
        old = json.dumps({**json.loads(body), "promised": f"{DATE}T18:35:00+08:00"})
        db.execute("UPDATE bookings SET body = ? WHERE id = ?", (old, made.json()["id"]))

    page = desk(browser, server, tiny, language)
    ask(page, "MAINT", DATE)
    page.wait_for_function("document.querySelectorAll('#bookings tr').length === 1")
    assert f"18:35 · ⚠ {said['after_desk_hours']}" in _cells(page.locator("#bookings tr"))
    page.close()
