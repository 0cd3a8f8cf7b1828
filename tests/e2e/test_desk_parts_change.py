"""A stored booking's parts ETA changed at the booking desk (issue 16 item 3, deskpatch-s25), in a
real browser (Chromium, Playwright), in the page's language: a booking whose work waits for ordered
parts, found by its plate in the day's bookings, gets its ETA changed from its row. The date and
time are read on the workshop's clock as the new booking's "Parts arrive" field reads them (the
page's zone offsets); the change is re-checked by the API (PATCH parts_eta): one that still fits is
stored and the day plan starts the parts work no earlier; one that no longer fits is refused with
why and the times it would fit at, nothing stored changing, and "Keep it anyway (at risk)" sends it
again with force: stored, the row marked at risk. "Parts are in" clears the ETA. Bad input is said,
naming the field, and nothing is sent; every string from the server is shown as text; at 360 px
wide the form stays on the screen."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest

from cli.testing import Server
from scheduler.contract import Booking, Plan, PlanRequest, Workshop
from scheduler.i18n import Translator
from scheduler.validator import assert_valid
from tests.builders import CLOCK_NOW, DATE, DAY
from tests.builders import clock_event as ev
from tests.e2e.browser import ARTIFACTS, CHROMIUM
from tests.e2e.desk import LANGUAGES, desk, fill, parts_workshop, put, relisted, texts, when

pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)

WED = (DAY + dt.timedelta(days=1)).isoformat()
PLATE = "<b>P1</b>"  # markup if the page ever used innerHTML with it


def at(hhmm: str, date: str = DATE, offset: str = "+08:00") -> str:
    return f"{date}T{hhmm}:00{offset}"


def patched(response: Any) -> bool:
    return bool(response.request.method == "PATCH" and "/bookings/" in response.url)


def book(server: Server, workshop: str, **body: Any) -> dict[str, Any]:
    made = httpx.post(f"{server.url}/v1/workshops/{workshop}/bookings", headers=server.headers, json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


def stored(server: Server, workshop: str, booking: str) -> dict[str, Any]:
    path = f"/v1/workshops/{workshop}/bookings/{booking}"
    return dict(httpx.get(f"{server.url}{path}", headers=server.headers).json())


def day_plan(server: Server, workshop: Workshop) -> Plan:
    """The day's plan made now, checked by the independent validator against the stored bookings."""
    made = httpx.post(f"{server.url}/v1/workshops/{workshop.id}/plans", headers=server.headers,
                      json={"date": DATE, "time_limit_seconds": 2}, timeout=180)  # fmt: skip
    assert made.status_code == 200, made.text
    plan = Plan.model_validate(made.json())
    listed = httpx.get(
        f"{server.url}/v1/workshops/{workshop.id}/bookings", headers=server.headers, params={"date": DATE}
    ).json()
    bookings = [Booking.model_validate(b) for b in listed]
    assert_valid(PlanRequest(workshop=workshop, date=DAY, bookings=bookings), plan)
    return plan


def cells(page: Any, booking: str) -> list[str]:
    row = page.locator(f'#bookings tr[data-booking="{booking}"] td')
    row.first.wait_for()
    return [str(row.nth(i).text_content()) for i in range(row.count())]


def shown(page: Any, booking: str, column: int, text: str) -> None:
    """Wait until the booking's row shows `text` in `column` (the list is fetched again)."""
    page.wait_for_function(
        '([id, n, text]) => { const r = document.querySelector(`#bookings tr[data-booking="${id}"]`);'
        " return Boolean(r) && r.children[n].textContent === text; }",
        arg=[booking, column, text],
    )


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_stored_bookings_parts_eta_is_changed_refused_kept_at_risk_and_cleared(
    desk_server: Server, browser: Any, language: str
) -> None:
    server, said = desk_server, texts(language)
    tiny = put(server, parts_workshop())
    workshop = parts_workshop().model_copy(update={"id": tiny})
    ours = Translator(LANGUAGES[language]["catalog"])
    # The check 08:00-08:30, the fitting from the parts at 09:00; promised 15:30 (one technician
    # to 15:00). A maintenance job waits for no parts: no ETA to change on its row.
    made = book(server, tiny, service="PARTS", drop_off=at("08:00"), parts_eta=at("09:00"), plate=PLATE)
    other = book(server, tiny, service="MAINT", drop_off=at("08:30"), plate="粤B00002")
    rid = made["id"]
    page = desk(browser, server, tiny, language)
    page.wait_for_function("document.querySelectorAll('#bookings tr').length === 2")
    assert page.locator(f'#bookings tr[data-booking="{other["id"]}"] button.eta').count() == 0
    assert cells(page, rid)[7] == "09:00"

    # Found by its plate, the row opens the form: the ETA as stored, on the workshop's clock.
    page.locator("#find-plate").fill("p1")
    row = page.locator(f'#bookings tr[data-booking="{rid}"]')
    assert row.is_visible() and page.locator(f'#bookings tr[data-booking="{other["id"]}"]').is_hidden()
    assert page.locator("#eta-form").is_hidden()
    row.get_by_role("button", name=fill(said["change_eta_of"], booking=PLATE)).click()
    assert page.locator("#eta-form").is_visible()
    assert page.evaluate("document.activeElement.id") == "eta-time"
    page.get_by_role("button", name=ours.gettext("Close")).click()  # closed: back on the row
    assert page.locator("#eta-form").is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('eta')")
    page.keyboard.press("Enter")
    assert page.locator("#eta-form").is_visible()
    assert page.locator("#eta-h").inner_text() == fill(said["eta_heading"], booking=PLATE)
    assert page.locator("#eta-form b, #bookings b").count() == 0  # the plate as text
    assert page.locator("#eta-current").inner_text() == fill(said["eta_current"], eta="09:00")
    assert page.locator("#eta-date").input_value() == DATE
    assert page.locator("#eta-time").input_value() == "09:00"
    assert page.locator("#eta-force").is_hidden()

    # Later, 13:00: it still fits (the fitting 13:00-14:00). Stored; the row shows it; the day
    # plan, checked by the validator, starts the fitting no earlier than 13:00.
    page.locator("#eta-time").fill("13:00")
    with page.expect_response(patched) as sent:
        page.locator("#eta-save").click()
    assert json.loads(sent.value.request.post_data) == {"parts_eta": at("13:00")}
    assert sent.value.status == 200, sent.value.text()
    shown(page, rid, 7, "13:00")
    assert page.locator("#eta-status").inner_text() == fill(said["eta_changed"], booking=PLATE, eta="13:00")
    fits = stored(server, tiny, rid)
    assert fits["parts_eta"] == at("13:00") and fits["at_risk"] is False
    assert fits["promised"] == made["promised"]
    plan = day_plan(server, workshop)
    fitting = [a for a in plan.assignments if a.booking == rid and a.operation == 1]
    assert fitting and fitting[0].start >= dt.datetime.fromisoformat(at("13:00")), plan.assignments
    assert not plan.unassigned

    # 14:30: the fitting would end after the technician's day. Refused: why (the API's words,
    # in the page's language) and the times it would fit at (Wednesday's, dated), each a button;
    # and the explicit "Keep it anyway (at risk)". Nothing stored changed, the row neither.
    page.locator("#eta-time").fill("14:30")
    with page.expect_response(patched) as sent, relisted(page):  # the row below: as listed after it
        page.locator("#eta-save").click()
    refused = sent.value
    assert refused.status == 409, refused.text()
    answer = refused.json()
    assert answer["reason"] == ours.phrase("parts arrive 14:30"), answer
    problem = fill(said["problem_reason"], problem=answer["detail"], reason=answer["reason"])
    page.wait_for_function("!document.getElementById('eta-refused').hidden")
    assert page.locator("#eta-status").inner_text() == fill(said["eta_not_changed"], problem=problem)
    offered = page.locator("#eta-alternatives li button")
    assert answer["alternatives"] and offered.count() == len(answer["alternatives"])
    first = answer["alternatives"][0]["drop_off"]
    assert first.startswith(WED)
    assert offered.first.inner_text() == fill(said["move_to"], time=when(first, DATE, language))
    force = page.get_by_role("button", name=ours.gettext("Keep it anyway (at risk)"))
    assert force.is_visible()
    assert stored(server, tiny, rid) == fits
    assert cells(page, rid)[7] == "13:00" and "⚠" not in cells(page, rid)[5]

    # Kept anyway: the same ETA sent with force; stored at risk (its promise standing), the row
    # and the form say so; the next plan leaves it unassigned rather than late.
    with page.expect_response(patched) as sent:
        force.click()
    assert json.loads(sent.value.request.post_data) == {"parts_eta": at("14:30"), "force": True}
    assert sent.value.status == 200, sent.value.text()
    kept = sent.value.json()
    assert kept["at_risk"] is True and kept["promised"] == made["promised"]
    shown(page, rid, 7, "14:30")
    mark = "⚠ " + said["at_risk_mark"]
    assert mark in cells(page, rid)[5]
    assert page.locator(f'#bookings tr[data-booking="{rid}"]').get_attribute("class") == "at-risk"
    assert page.locator("#eta-status").inner_text() == fill(
        said["eta_kept_at_risk"], booking=PLATE, eta="14:30", reason=kept["at_risk_reason"]
    )
    assert (
        fill(said["at_risk_because"], reason=kept["at_risk_reason"])
        in page.locator("#eta-current").inner_text()
    )
    assert page.locator("#eta-refused").is_hidden()
    risky = stored(server, tiny, rid)
    assert risky["parts_eta"] == at("14:30") and risky["at_risk"] is True
    assert [u.booking for u in day_plan(server, workshop).unassigned] == [rid]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-parts-change-{language}.png"), full_page=True)

    # The parts are in: the ETA cleared (null), the booking fitted again, no longer at risk.
    with page.expect_response(patched) as sent:
        page.get_by_role("button", name=ours.gettext("Parts are in")).click()
    assert json.loads(sent.value.request.post_data) == {"parts_eta": None}
    assert sent.value.status == 200, sent.value.text()
    shown(page, rid, 7, "")
    assert "⚠" not in cells(page, rid)[5]
    assert page.locator("#eta-status").inner_text() == fill(said["eta_cleared"], booking=PLATE)
    assert page.locator("#eta-current").inner_text() == said["eta_none"]
    cleared = stored(server, tiny, rid)
    assert cleared["parts_eta"] is None and cleared["at_risk"] is False
    assert not day_plan(server, workshop).unassigned

    # Refused again, one of the times it fits at moves it there with the new ETA: Wednesday's.
    page.locator("#eta-date").fill(DATE)
    page.locator("#eta-time").fill("14:30")
    with page.expect_response(patched) as sent:
        page.locator("#eta-save").click()
    assert sent.value.status == 409, sent.value.text()
    first = sent.value.json()["alternatives"][0]
    with page.expect_response(patched) as sent:
        page.locator("#eta-alternatives li button").first.click()
    assert json.loads(sent.value.request.post_data) == {
        "drop_off": first["drop_off"],
        "parts_eta": at("14:30"),
    }
    assert sent.value.status == 200, sent.value.text()
    moved = stored(server, tiny, rid)
    assert moved["drop_off"] == first["drop_off"] and moved["parts_eta"] == at("14:30")
    assert moved["at_risk"] is False
    page.wait_for_function("document.querySelectorAll('#bookings tr').length === 1")  # off Tuesday
    assert page.locator("#eta-status").inner_text() == fill(
        said["moved"],
        booking=PLATE,
        drop_off=when(first["drop_off"], DATE, language),
        pickup=first["promised"][11:16],
    )

    # The technician now works to 17:00 (the desk still closes 15:00): a later ETA fits the
    # day, but after the promise given. The first time it would fit at is its own drop-off with
    # a later pickup (review-s26: the button said "Move to 08:00", though only the pickup
    # moves): the button says it keeps the drop-off and gives the new pickup; pressed, the
    # drop-off stays, the ETA and the pickup change, and the status line says so.
    longer = workshop.model_dump(mode="json")
    longer["technicians"][0]["shift"]["end"] = "17:00"
    longer_put = httpx.put(f"{server.url}/v1/workshops/{tiny}", headers=server.headers, json=longer)
    assert longer_put.status_code == 200, longer_put.text
    second = book(server, tiny, service="PARTS", drop_off=at("08:00"), parts_eta=at("09:00"), plate="P2")
    page.reload()
    page.locator("#find-plate").fill("p2")
    page.locator(f'#bookings tr[data-booking="{second["id"]}"]').get_by_role(
        "button", name=fill(said["change_eta_of"], booking="P2")
    ).click()
    page.locator("#eta-time").fill("14:30")
    with page.expect_response(patched) as sent:
        page.locator("#eta-save").click()
    assert sent.value.status == 409, sent.value.text()
    own = sent.value.json()["alternatives"][0]
    assert own["drop_off"] == second["drop_off"] and own["promised"] > second["promised"], own
    page.wait_for_function("!document.getElementById('eta-refused').hidden")
    keep = page.locator("#eta-alternatives li button").first
    assert keep.inner_text() == fill(said["keep_drop_off"], time="08:00", pickup=own["promised"][11:16])
    assert keep.inner_text() != fill(said["move_to"], time="08:00")
    with page.expect_response(patched) as sent, relisted(page):  # its answer said before it is read
        keep.click()
    assert json.loads(sent.value.request.post_data) == {
        "drop_off": own["drop_off"],
        "parts_eta": at("14:30"),
    }
    assert sent.value.status == 200, sent.value.text()
    kept_day = stored(server, tiny, second["id"])
    assert kept_day["drop_off"] == second["drop_off"] and kept_day["promised"] == own["promised"]
    assert page.locator("#eta-status").inner_text() == fill(
        said["eta_changed_pickup"],
        booking="P2",
        eta="14:30",
        drop_off="08:00",
        pickup=own["promised"][11:16],
    )

    # Its fitting then started at 14:30: the parts were there. A later ETA is refused, and force
    # would not store it either (`forceable: false`): no "Keep it anyway", no times; the reason
    # said; nothing stored changes.
    for event in (ev(second["id"], "start", "08:00"), ev(second["id"], "finish", "08:30"),
                  ev(second["id"], "start", "14:30", op=1)):  # fmt: skip
        clocked = httpx.post(f"{server.url}/v1/workshops/{tiny}/clock", headers=server.headers,
                             params=CLOCK_NOW, json=event)  # fmt: skip
        assert clocked.status_code == 201, clocked.text
    page.locator("#eta-time").fill("16:00")
    with page.expect_response(patched) as sent:
        page.locator("#eta-save").click()
    assert sent.value.status == 409 and sent.value.json()["forceable"] is False, sent.value.text()
    page.wait_for_function("!document.getElementById('eta-refused').hidden")
    assert page.locator("#eta-force").is_hidden() and page.locator("#eta-alternatives li").count() == 0
    assert page.locator("#eta-status").inner_text() == fill(
        said["eta_not_changed"], problem=sent.value.json()["detail"]
    )
    assert "14:30" in sent.value.json()["detail"]
    assert stored(server, tiny, second["id"]) == kept_day


HOSTILE = '<img src=x onerror="window.pwned=1">'


def test_bad_input_is_said_nothing_sent_the_servers_words_are_text_and_360_px_fit(
    desk_server: Server, browser: Any
) -> None:
    """A Berlin workshop on a phone (360 px wide), the browser in New York: the changed ETA takes
    the offset its own date has (summer time, +02:00), as the new booking's field does. A date
    without a time, a date the page's zone offsets do not cover, or nothing at all: the status line
    names the field, the box is aria-invalid, no PATCH is sent. A refusal's and an answer's strings
    (detail, reason, at-risk reason) are shown as text, never as markup."""
    server, said = desk_server, texts("en")
    tiny = put(server, parts_workshop("Europe/Berlin"))
    made = book(server, tiny, service="PARTS", drop_off=at("08:00", offset="+01:00"), plate="B-P 1")
    rid = made["id"]
    page = desk(browser, server, tiny, "en")
    page.set_viewport_size({"width": 360, "height": 800})
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "PATCH" else None)
    page.locator("#find-plate").fill("bp1")
    page.locator(f'#bookings tr[data-booking="{rid}"]').get_by_role(
        "button", name=fill(said["change_eta_of"], booking="B-P 1")
    ).click()
    assert page.locator("#eta-current").inner_text() == said["eta_none"]
    assert page.locator("#eta-date").input_value() == DATE and page.locator("#eta-time").input_value() == ""
    assert page.locator("#eta-clear").is_hidden()  # no ETA to clear

    # On the phone's screen: the form and its buttons within 360 px, the page not wider.
    for part in ["#eta-form", "#eta-date", "#eta-time", "#eta-save", "#eta-close"]:
        box = page.locator(part).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, (part, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    for date, time, invalid in [
        (DATE, "", "#eta-time"),
        ("", "", "#eta-time"),
        ("2031-06-01", "14:00", "#eta-date"),
    ]:
        page.locator("#eta-date").fill(date)
        page.locator("#eta-time").fill(time)
        page.locator("#eta-save").click()
        assert page.locator("#eta-status").inner_text() == said["eta_invalid"], (date, time)
        assert page.locator("#eta-status").inner_text().startswith("Parts arrive")  # the field named
        assert page.locator(invalid).get_attribute("aria-invalid") == "true", (date, time)
    page.wait_for_timeout(300)
    assert sent == []

    # The summer ETA: +02:00 (the workshop's offset on that date, not today's nor New York's).
    page.locator("#eta-date").fill("2027-06-15")
    page.locator("#eta-time").fill("14:00")
    with page.expect_response(patched) as answered:
        page.locator("#eta-save").click()
    assert json.loads(answered.value.request.post_data) == {"parts_eta": "2027-06-15T14:00:00+02:00"}
    assert page.locator("#eta-date").get_attribute("aria-invalid") == "false"
    assert answered.value.status == 409  # the parts after the day: refused, nothing stored
    assert stored(server, tiny, rid) == made

    # Hostile answers: a refusal, then a forced change, whose every string is markup.
    wednesday = f"{WED}T08:00:00+01:00"

    def hostile(route: Any) -> None:
        if route.request.method != "PATCH":
            route.continue_()
            return
        body = json.loads(route.request.post_data)
        if body.get("force"):
            answer = {**made, "parts_eta": body["parts_eta"], "at_risk": True, "at_risk_reason": HOSTILE}
            route.fulfill(status=200, json=answer)
        else:
            refusal = {"detail": HOSTILE, "reason": "<b>bold</b>", "alternatives": [
                {"drop_off": wednesday, "promised": f"{WED}T15:30:00+01:00", "overbooked": True,
                 "note": HOSTILE},
                {"drop_off": 42}]}  # fmt: skip
            route.fulfill(status=409, json=refusal)

    page.route(f"**/v1/workshops/{tiny}/bookings/**", hostile)
    page.locator("#eta-date").fill(DATE)
    page.locator("#eta-time").fill("10:00")
    with page.expect_response(patched):
        page.locator("#eta-save").click()
    # The refusal panel is still open from the real 409 above: wait for this answer's own words.
    page.wait_for_function("document.getElementById('eta-status').textContent.includes('<b>bold</b>')")
    page.wait_for_function("!document.getElementById('eta-refused').hidden")
    form = page.locator("#eta-form")
    assert form.locator("img, b").count() == 0
    assert HOSTILE in page.locator("#eta-status").inner_text()
    assert "<b>bold</b>" in page.locator("#eta-status").inner_text()
    assert page.locator("#eta-alternatives li").count() == 1  # the malformed one left out
    assert HOSTILE in page.locator("#eta-alternatives li").inner_text()
    force = page.locator("#eta-force")
    box = force.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360
    force.click()
    page.wait_for_function("document.getElementById('eta-status').textContent.includes('kept at risk')")
    assert form.locator("img, b").count() == 0
    assert HOSTILE in page.locator("#eta-status").inner_text()
    assert HOSTILE in page.locator("#eta-current").inner_text()
    assert page.evaluate("window.pwned") is None
    page.unroute(f"**/v1/workshops/{tiny}/bookings/**")
    assert stored(server, tiny, rid) == made  # only the browser was told
