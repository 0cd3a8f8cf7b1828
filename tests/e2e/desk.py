"""The booking desk page driven in Chromium, shared by its browser tests: a server holding one
workshop, the page signed in in a language, a slot query asked, and the page's own words."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from api.i18n import SCRIPT_TEXTS
from cli.testing import Server
from scheduler.contract import Workshop
from scheduler.i18n import Translator
from tests.builders import NOW, tiny_workshop

#: Per browser language: its Accept-Language locale, the sign-in form's words, a few page words.
LANGUAGES = {
    "en": {"locale": "en-US", "catalog": "en", "key": "API key", "sign_in": "Sign in",
           "move_to": "Move to 08:30", "heading": "Other times offered"},
    "zh": {"locale": "zh-CN", "catalog": "zh_CN", "key": "API 密钥", "sign_in": "登录",
           "move_to": "改到 08:30", "heading": "可选的其他时间"},
}  # fmt: skip


def parts_workshop(timezone: str = "Asia/Shanghai") -> Workshop:
    """tiny open 08:00-15:00 (one technician to 15:00, one bay) with PARTS: a 30-minute check,
    then a 60-minute fitting that waits for the parts. Parts at 14:00: one fitting fits the day,
    14:00-15:00, for any drop-off until 13:30."""
    data = tiny_workshop(closing="15:00", shift_end="15:00").model_dump(mode="json")
    check = {"name": "check", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]}
    data["services"].append({"code": "PARTS", "name": "Parts", "operations": [
        check, {**check, "name": "fit", "minutes": 60, "needs_parts": True}]})  # fmt: skip
    data["timezone"] = timezone
    return Workshop.model_validate(data)


def texts(language: str) -> dict[str, str]:
    """The page script's words in `language`."""
    t = Translator(LANGUAGES[language]["catalog"])
    return {key: t.gettext(message) for key, message in SCRIPT_TEXTS.items()}


def fill(text: str, **values: str) -> str:
    return re.sub(r"%\((\w+)\)s", lambda m: values[m.group(1)], text)


def when(iso: str, day: str, language: str = "en") -> str:
    """As the page shows a time: HH:MM of the local ISO time, with its day when not on `day`, as
    the plan page dates it (`Translator.short_day`: 2026-11-25, 11月25日 周三)."""
    return iso[11:16] if iso[:10] == day[:10] else f"{short_day(iso, language)} {iso[11:16]}"


def short_day(iso: str, language: str = "en") -> str:
    """The day of a local ISO date or time as the pages name it (`Translator.short_day`)."""
    return Translator(LANGUAGES[language]["catalog"]).short_day(dt.date.fromisoformat(iso[:10]))


def posted(response: Any) -> bool:
    return bool(response.request.method == "POST" and response.url.endswith("/bookings"))


def _put(server: Server, workshop: Workshop) -> httpx.Response:
    return httpx.put(f"{server.url}/v1/workshops/{workshop.id}", content=workshop.model_dump_json(),
                     headers={**server.headers, "content-type": "application/json"})  # fmt: skip


def served(tmp_path: Path, workshop: Workshop) -> Server:
    """A real server (the fixed clock) holding `workshop`; the caller kills it."""
    server = Server(tmp_path / "desk.db", now=NOW)
    server.start()
    response = _put(server, workshop)
    if response.status_code != 200:
        server.kill()
    assert response.status_code == 200, response.text
    return server


_OWN = itertools.count(1)


def put(server: Server, workshop: Workshop) -> str:
    """Put `workshop` on a shared server (the `desk_server` fixture) under an id no other test
    has (`<its id>-<n>`: the page shows ids only in its links); that id."""
    own = workshop.model_copy(update={"id": f"{workshop.id}-{next(_OWN)}"})
    response = _put(server, own)
    assert response.status_code == 200, response.text
    return own.id


def desk(
    browser: Any, server: Server, workshop: str, language: str, height: int = 900, width: int = 1366
) -> Any:
    """The desk page of `workshop`, signed in, the browser in `language` and in New York (the page
    shows the workshop's times all the same), `width` x `height` pixels."""
    words = LANGUAGES[language]
    page = browser.new_page(viewport={"width": width, "height": height}, locale=words["locale"],
                            timezone_id="America/New_York")  # fmt: skip
    page.goto(f"{server.url}/login?next=/workshops/{workshop}/book")
    page.get_by_label(words["key"]).fill(server.headers["X-API-Key"])
    page.get_by_role("button", name=words["sign_in"]).click()
    page.wait_for_url(re.compile("/book"))
    return page


#: The day's bookings on the page are the newest listing's: the page's own signal (app.js keeps the
#: body aria-busy while a listing is on its way; only the newest one renders).
BOOKINGS_LISTED = "document.getElementById('bookings').getAttribute('aria-busy') === 'false'"


def listing(request: Any) -> bool:
    """The desk asking for the day's bookings (on load, a date change, a query, and after a
    booking, a move, a cancel or a parts ETA change has its answer)."""
    return bool(request.method == "GET" and "/bookings?date=" in request.url)


@contextmanager
def relisted(page: Any) -> Iterator[None]:
    """Around an action after which the desk lists the day's bookings again: on leaving, a listing
    asked for after the action began (the page asks once it has said the action's answer) or a
    newer one is on the page, so a row read or acted on next is not one about to be replaced (CI
    at 9a314b0: a move time typed into such a row went out at the old 08:00). A request, not a
    response: an earlier listing's answer may land after the click."""
    with page.expect_request(listing) as asked_for:
        yield
    response = asked_for.value.response()
    assert response is not None and response.status == 200, response and response.text()
    page.wait_for_function(BOOKINGS_LISTED)


def asked(response: Any) -> bool:
    return bool(response.request.method == "GET" and "/slots?" in response.url)


def ask(page: Any, service: str, date: str) -> Any:
    """Ask the desk for `service`'s free slots on `date`; the slot query's response, once shown and
    the day's bookings listed."""
    page.locator("#service").select_option(service)
    page.locator("#date").fill(date)
    with page.expect_response(asked) as sent:
        page.locator("#slot-form button[type=submit]").click()
    response = sent.value
    assert response.status == 200, response.text()
    count = len(response.json()["slots"])
    page.wait_for_function(f"document.querySelectorAll('#slots li').length === {count}")
    # The day's bookings are listed beside the slots and may come later: a row acted on before
    # the newest listing lands is replaced under the click (a typed move time lost, CI at 9a314b0).
    page.wait_for_function(BOOKINGS_LISTED)
    return response
