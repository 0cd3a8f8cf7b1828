"""The foreman's bay plan page lists the cars handed back that day that were dropped off on an
earlier one (pickday-s25), in a real browser (Chromium, Playwright), in the page's language: LONG,
ready after the desk closed on Tuesday, is promised Wednesday 08:00 with the loan car; Wednesday's
page lists it under "Pickups from earlier days" (plate as text, service, customer, dated drop-off,
promised pickup, the loan car to take back) before and after the day is planned, the plan (checked
by the validator) leaves it out, and the page's CSV link gives the day with it, its kind in the last
column."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import httpx
import pytest

from cli.testing import Server
from scheduler.contract import Plan
from scheduler.exchange import EXPORT_COLUMNS
from scheduler.service import PlanningService
from scheduler.storage import Store
from scheduler.validator import assert_valid
from tests.builders import DATE, DAY, fixed_clock, overtime_tiny_workshop
from tests.e2e.browser import CHROMIUM
from tests.e2e.desk import LANGUAGES, put, texts

pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)

WED = (DAY + dt.timedelta(days=1)).isoformat()
PLATE = "<b>L1</b>"  # markup if the page ever rendered a plate as HTML
HEADERS = {
    "en": ["Plate", "Service", "Customer", "Drop-off", "Promised pickup", "Loan car to return"],
    "zh": ["车牌", "服务项目", "客户", "送车", "承诺交车", "待还代步车"],
}
HEADING = {"en": "Pickups from earlier days (1)", "zh": "前几日送修、当日交车（1）"}


@pytest.fixture
def served(desk_server: Server) -> tuple[Server, str]:
    """The module's server and `overtime_tiny_workshop` on it under an id of this test's own."""
    return desk_server, put(desk_server, overtime_tiny_workshop())


def _plan_page(browser: Any, server: Server, tiny: str, language: str) -> Any:
    words = LANGUAGES[language]
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale=words["locale"])
    page.goto(f"{server.url}/login?next=/workshops/{tiny}/plan/{WED}")
    page.get_by_label(words["key"]).fill(server.headers["X-API-Key"])
    page.get_by_role("button", name=words["sign_in"]).click()
    page.wait_for_url(re.compile(f"/workshops/{tiny}/plan/{WED}"))
    return page


def _rows(page: Any) -> list[list[str]]:
    rows = page.locator("#pickups tbody tr")
    return [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_foremans_day_page_lists_the_cars_handed_back_from_earlier_days(
    served: tuple[Server, str], browser: Any, language: str
) -> None:
    server, tiny = served
    bookings = f"/v1/workshops/{tiny}/bookings"
    long = {"service": "LONG", "drop_off": f"{DATE}T13:00:00+08:00", "plate": PLATE, "customer": "王芳",
            "model": "Tucson", "phone": "+86 138 0000 0001", "loan_car": True}  # fmt: skip
    made = httpx.post(f"{server.url}{bookings}", headers=server.headers, json=long)
    assert made.status_code == 201, made.text
    assert made.json()["promised"] == f"{WED}T08:00:00+08:00"
    own = {"service": "MAINT", "drop_off": f"{WED}T09:00:00+08:00", "plate": "粤B00002"}
    maint = httpx.post(f"{server.url}{bookings}", headers=server.headers, json=own)
    assert maint.status_code == 201, maint.text
    said = texts(language)
    dropped = f"{DATE} 13:00" if language == "en" else "11月24日 周二 13:00"  # a Chinese page's date
    row = [PLATE, "LONG · Long", "王芳 · Tucson", dropped, "08:00", said["yes"]]

    page = _plan_page(browser, server, tiny, language)
    assert page.locator("svg.gantt").count() == 0  # no plan yet: the pickups all the same
    assert page.locator("#pickups-h").inner_text() == HEADING[language]
    assert [h.strip() for h in page.locator("#pickups th").all_inner_texts()] == HEADERS[language]
    assert _rows(page) == [row]
    assert page.locator("#pickups b").count() == 0  # the plate as text

    page.locator("#limit").fill("2")
    page.locator("#generate").click()
    page.wait_for_selector("svg.gantt g.bar", timeout=90_000)
    stored = httpx.get(f"{server.url}/v1/workshops/{tiny}/plans/{WED}", headers=server.headers)
    plan = Plan.model_validate(stored.json())
    service = PlanningService(
        Store(f"sqlite:///{server.db}"), clock=fixed_clock(), refine_in_background=False
    )
    try:
        request, _, _ = service.plan_inputs(tiny, DAY + dt.timedelta(days=1), 1.0)
    finally:
        service.close()
    assert_valid(request, plan)
    assert {a.booking for a in plan.assignments} == {maint.json()["id"]}
    assert made.json()["id"] not in {u.booking for u in plan.unassigned}
    assert page.locator("svg.gantt g.bar").count() == len(plan.assignments)
    assert _rows(page) == [row]  # the planned page lists them too

    page.locator('a[href="#pickups-h"]').click()  # the day's summary line leads to them
    page.wait_for_url(re.compile("#pickups-h$"))
    link = page.locator("#day-csv")
    assert link.get_attribute("href") == f"/v1/workshops/{tiny}/bookings.csv?date={WED}&pickups=true"
    got = page.request.get(f"{server.url}{link.get_attribute('href')}")  # as signed in on the page
    assert got.status == 200, got.text()
    rows = list(csv.DictReader(io.StringIO(got.text())))
    assert list(rows[0]) == [*EXPORT_COLUMNS, "listing", "after_desk_hours"]
    assert [(r["plate"], r["listing"], r["loan_car"]) for r in rows] == [
        ("粤B00002", "own", "0"),
        (PLATE, "pickup_only", "1"),
    ]
    page.close()
