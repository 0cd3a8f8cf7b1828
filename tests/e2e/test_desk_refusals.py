"""The booking desk page says why a time is not offered (issue 16 item 5), in a real browser
(Chromium, Playwright): under the free slots, "Why not other times?" (collapsed, the count of
refused times in its summary) lists the day's refused times from one `explain=true` slot query,
consecutive times with the same reason on one line ("08:00–08:30 · no advisor free for
check-in"), in the workshop's time and the page's language; the quarter hours between the booking
grid's times once, with no times. A reason quoting an operation's name as the workshop wrote it
is shown as text, never as markup."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest

from cli.testing import Server
from scheduler.contract import Workshop
from scheduler.i18n import Translator
from tests.builders import DATE, multi_day_workshop, tiny_workshop
from tests.e2e.browser import ARTIFACTS, CHROMIUM
from tests.e2e.desk import LANGUAGES, desk, fill, put, texts
from tests.e2e.desk import ask as ask_slots

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)

CLOSED = (dt.date.fromisoformat(DATE) + dt.timedelta(days=1)).isoformat()
#: An operation's name as a workshop may write it (free text): markup if the page ever used innerHTML.
HOSTILE = '<img src=x onerror="window.pwned=1"><b>fit</b>'


def desk_workshop() -> Workshop:
    """tiny open 08:00-12:00, its one advisor from 09:00 (the 08:00 and 08:30 check-ins find
    nobody), closed the day after DATE; HOST: a 30-minute check, then 90 minutes of `HOSTILE`."""
    data = tiny_workshop(closing="12:00", shift_end="12:00").model_dump(mode="json")
    data["advisors"] = [{"id": "a", "name": "A", "shift": {"start": "09:00", "end": "12:00"}}]
    data["closed_days"] = [CLOSED]
    check = {"name": "check", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]}
    data["services"].append({"code": "HOST", "name": "Host", "operations": [
        check, {**check, "name": HOSTILE, "minutes": 90}]})  # fmt: skip
    return Workshop.model_validate(data)


@pytest.fixture
def tiny(desk_server: Server) -> tuple[Server, str]:
    """The module's server and `desk_workshop` on it under an id of this test's own."""
    return desk_server, put(desk_server, desk_workshop())


def explained(server: Server, workshop: str, locale: str, **query: str) -> dict[str, Any]:
    """The API's explained answer in `locale`, for the expected lines' reasons."""
    params = {"service": "MAINT", "date": DATE, "explain": "true", **query}
    headers = {**server.headers, "accept-language": locale}
    answer = httpx.get(
        f"{server.url}/v1/workshops/{workshop}/slots", params=params, headers=headers, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def ask(page: Any, service: str, date: str) -> Any:
    """Ask the desk for `service`'s free slots on `date`; the slot query's response, once the
    refusals are shown too."""
    response = ask_slots(page, service, date)
    page.wait_for_function("!document.getElementById('refusals-box').hidden")
    return response


def shown(page: Any) -> list[str]:
    """The section's lines as a person reads them (the section opened if it is closed)."""
    if page.locator("#refusals-box").get_attribute("open") is None:
        page.locator("#refusals-h").click()
    return [re.sub(r"\s+", " ", text).strip() for text in page.locator("#refusals li").all_inner_texts()]


OFF_GRID = "drop-offs are offered every 30 min; a booking between those times is still taken where it fits"
"""The reason for a time between the offered ones (review-s42 item 5: the offer grid, not a booking rule)."""


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_desk_says_why_a_time_is_not_offered(
    tiny: tuple[Server, str], browser: Any, language: str
) -> None:
    (server, workshop), words, said = tiny, LANGUAGES[language], texts(language)
    ours = Translator(words["catalog"])
    reasons = {
        r["drop_off"][11:16]: r["reason"] for r in explained(server, workshop, words["locale"])["refused"]
    }
    no_advisor = ours.gettext("no advisor free for check-in")
    assert reasons["08:00"] == reasons["08:30"] == reasons["12:00"] == no_advisor
    assert reasons["08:15"] == ours.phrase(OFF_GRID)
    others = said["other_quarter_hours"]
    # The browser in New York: the page shows the workshop's (Shanghai) times all the same.
    page = desk(browser, server, workshop, language, height=768)
    assert page.locator("#refusals-box").is_hidden()

    # One query, explained: the slots it lists are the free slots shown, the rest said why.
    response = ask(page, "MAINT", DATE)
    assert "explain=true" in response.url and "waiter=false" in response.url
    answer = response.json()
    page.locator("#slots li").nth(len(answer["slots"]) - 1).wait_for()
    times = [s["drop_off"][11:16] for s in answer["slots"]]
    assert times == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    assert [b[-5:] for b in page.locator("#slots button").all_inner_texts()] == times
    assert page.locator("#refusals-box").get_attribute("open") is None  # collapsed
    assert page.locator("#refusals-h").inner_text() == fill(said["why_not"], count="4")
    assert shown(page) == [
        f"08:00–08:30 · {reasons['08:00']}",  # 08:15 between them: the grid's
        f"11:30 · {reasons['11:30']}",
        f"12:00 · {reasons['12:00']}",
        f"{others} · {reasons['08:15']}",
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-refusals-{language}.png"), full_page=True)

    # A waiter: the same one query with waiter=true.
    page.locator("input[name=waiter][value=true]").check()
    assert "waiter=true" in ask(page, "MAINT", DATE).url

    # A reason naming an operation the workshop called `HOSTILE`: text, never markup.
    page.locator("input[name=waiter][value=false]").check()
    ask(page, "HOST", DATE)
    lines = shown(page)
    assert sum(HOSTILE in line for line in lines) == 3, lines  # 10:30, 11:00, 11:30: each its own
    assert page.locator("#refusals img, #refusals b, #slots img, #slots b").count() == 0
    assert page.evaluate("window.pwned") is None

    # A closed day: nothing free, one line for the whole opening hours.
    ask(page, "MAINT", CLOSED)
    assert page.locator("#status").inner_text() == said["no_free_slot"]
    assert shown(page) == [f"08:00–12:00 · {ours.gettext('workshop closed')}"]
    assert page.locator("#refusals-h").inner_text() == fill(said["why_not"], count="9")


def test_the_desk_asks_as_of_the_pages_now(tiny: tuple[Server, str], browser: Any) -> None:
    """A page opened with ?now= (a day replayed) asks the explained query for that moment: the
    times before it are "in the past", one line, the quarter hours between included."""
    (server, workshop), said = tiny, texts("en")
    now = f"{DATE}T10:05:00+08:00"
    reasons = {
        r["drop_off"][11:16]: r["reason"] for r in explained(server, workshop, "en-US", now=now)["refused"]
    }
    page = desk(browser, server, workshop, "en")
    page.goto(f"{server.url}/workshops/{workshop}/book?{httpx.QueryParams(now=now)}")
    response = ask(page, "MAINT", DATE)
    assert httpx.URL(response.url).params["now"] == now
    assert [s["drop_off"][11:16] for s in response.json()["slots"]] == ["10:30", "11:00"]
    lines = shown(page)
    assert lines == [
        "08:00–10:00 · in the past",
        f"11:30 · {reasons['11:30']}",
        "12:00 · no advisor free for check-in",
        f"{said['other_quarter_hours']} · {OFF_GRID}",
    ]


def test_multi_day_works_refusals_come_through_the_same_list(desk_server: Server, browser: Any) -> None:
    """Accident repair over at most 2 days (630 min of one body technician's 8-hour days): from
    09:30 it would take a third day: each refused time names the operation that finds no room on
    the second day (multiday.refusal), one line per reason."""
    workshop = multi_day_workshop(max_days=2)
    server, said = desk_server, texts("en")
    page = desk(browser, server, put(server, workshop), "en")
    answer = ask(page, "REPAIR", DATE).json()
    assert [s["drop_off"][11:16] for s in answer["slots"]] == ["08:00", "08:30", "09:00"]
    assert all(len(s["days"]) == 2 for s in answer["slots"])
    summary = page.locator("#refusals-h").inner_text()
    lines = shown(page)
    assert summary == fill(said["why_not"], count="16")
    assert lines == [
        "09:30–14:00 · day 2026-11-25: no body technician grade >= 1 has 120 min before 17:00"
        " (for operation 'reassembly', from 15:30, longest working block 90 min)",
        "14:30–17:00 · day 2026-11-25: no paint technician grade >= 1 has 150 min before 17:00"
        " (for operation 'paint', from 16:00, longest working block 60 min)",
        f"{said['other_quarter_hours']} · {OFF_GRID}",
    ]
