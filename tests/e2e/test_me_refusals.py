"""review-s42, item 4: the technician's page on a phone (360x740, Chinese). A refused start read
"未能打卡： 09:31:13 的开工早于预约 BK-b176fc85c019 的送车时间 09:55": the car by its booking id where
the page shows its plate, the time to the second, a space after the full-width colon; Start was
enabled on a car not dropped off yet; the job at risk was not marked; and with a replayed `?now=`
the error named the parameter in English ("now: …")."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from cli.testing import Server
from scheduler.keys import KeyStore
from scheduler.storage import Store
from tests.builders import CLOCK_NOW, DATE, at, clock_event, settled, tiny_workshop
from tests.e2e.browser import CHROMIUM, sign_in
from tests.e2e.desk import put

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)

PHONE = {"width": 360, "height": 740}
PLATES = ("粤A00000", "粤A00001", "粤B00002")
PAGE_NOW = at("10:45").replace(second=13)
"""The page's time: A (started 08:00, an hour's work) overruns, so A and B are at risk; C's drop-off
at 11:30 is still to come."""


def _day(server: Server) -> tuple[str, list[str]]:
    """One technician, one bay, open to 18:00: waiters A (08:00) and B (09:00), C dropped off at
    11:30; planned; A started at 08:00 by t and not finished. The workshop's id and the bookings'."""
    workshop = put(server, tiny_workshop(closing="18:00", shift_end="18:00"))
    path = f"/v1/workshops/{workshop}"
    ids = []
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=120) as http:
        for plate, hhmm, waiter in zip(PLATES, ("08:00", "09:00", "11:30"), (True, True, False), strict=True):
            body = {"service": "MAINT", "drop_off": at(hhmm).isoformat(), "plate": plate, "waiter": waiter}
            booked = http.post(f"{path}/bookings", json=body)
            assert booked.status_code == 201, booked.text
            ids.append(booked.json()["id"])
        planned = http.post(f"{path}/plans", json={"date": DATE, "time_limit_seconds": 1})
        assert planned.status_code == 200, planned.text
        started = http.post(f"{path}/clock", params=CLOCK_NOW, json=clock_event(ids[0], "start", "08:00"))
        assert started.status_code == 201, started.text
        settled(http, path)
    return workshop, ids


def _signed_in(browser: Any, server: Server, key: str, path: str) -> Any:
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    return sign_in(page, server.url, key, path)


def _job(page: Any, plate: str) -> Any:
    return page.locator(".job", has=page.locator("strong.plate", has_text=plate))


def test_a_refused_start_on_the_phone_names_the_car_by_its_plate_to_the_minute(
    desk_server: Server, browser: Any
) -> None:
    server = desk_server
    workshop, ids = _day(server)
    query = urlencode({"technician": "t", "date": DATE, "now": PAGE_NOW.isoformat()})
    page = _signed_in(browser, server, server.headers["X-API-Key"], f"/workshops/{workshop}/me?{query}")
    try:
        a, b, c = (_job(page, plate) for plate in PLATES)
        # C is not there yet: Start waits for its drop-off, and says so beside the button.
        start_c = c.get_by_role("button", name="开始")
        assert start_c.is_disabled()
        assert "车辆尚未送达：11:30 送车后才能开工" in c.locator(".arrives").inner_text()
        assert start_c.get_attribute("aria-describedby") == c.locator(".arrives").get_attribute("id")
        # A overruns: A and B are at risk, marked on the page (before: nothing said so).
        for job in (a, b):
            assert "有风险" in job.locator(".risk-badge").inner_text()
        assert c.locator(".risk-badge").count() == 0
        # B is there, but t is still on A: the start is refused, the car named as the page names it.
        b.get_by_role("button", name="开始").click()
        error = page.locator("#status .error")
        error.wait_for()
        said = error.inner_text()
        assert said.startswith("未能打卡：") and not said.startswith("未能打卡： "), said
        assert PLATES[0] in said and ids[0] not in said, said
        # The API now names the car "plate（预约 id）" itself: the page keeps the plate once, no
        # "粤B…（预约 粤B…）" (the id under it turned into the plate again).
        assert said.count(PLATES[0]) == 1 and "（预约" not in said and f"{PLATES[0]} 的工序" in said, said
        assert "10:45" in said and not re.search(r"\d{2}:\d{2}:\d{2}", said), said
    finally:
        page.close()


def test_a_technician_replaying_a_day_reads_the_now_parameter_named_in_chinese(
    desk_server: Server, browser: Any
) -> None:
    """A technician's key clocks as of the server's clock: a page opened with a later `?now=` is
    refused on `now`, which the page names in the reader's words (before: "now: …")."""
    server = desk_server
    workshop, _ = _day(server)
    keys = KeyStore(Store(f"sqlite:///{server.db}"))
    key = keys.create("technician", [workshop], "review2-s42", technician="t")[0]
    later = PAGE_NOW + dt.timedelta(hours=1)
    page = _signed_in(
        browser,
        server,
        key,
        f"/workshops/{workshop}/me?" + urlencode({"date": DATE, "now": later.isoformat()}),
    )
    try:
        _job(page, PLATES[1]).get_by_role("button", name="开始").click()
        error = page.locator("#status .error")
        error.wait_for()
        said = error.inner_text()
        assert "页面时间（now）：" in said, said
        assert not re.search(r"(^|\s)now:", said), said
    finally:
        page.close()
