"""The web pages in a real browser (Debian's Chromium driven by Playwright): sign in, generate a
day's plan and count its bars against the plan's assignments, book a slot at the desk and see it
listed. Screenshots go to tests/artifacts/ (1366x768 and tablet width)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli.testing import Server
from scheduler.scenarios import load_scenario
from tests.builders import DATE, NOW
from tests.e2e.browser import ARTIFACTS, CHROMIUM

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip(
        "no Chromium at /usr/bin/chromium (make test installs it with scripts/chromium.sh)",
        allow_module_level=True,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    server = Server(tmp_path / "pages.db", now=NOW)
    server.start()
    workshop = load_scenario("small-dealer").workshop
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
        assert http.put(f"/v1/workshops/{workshop.id}", content=workshop.model_dump_json(),
                        headers={"content-type": "application/json"}).status_code == 200  # fmt: skip
        for code in ["LUBE", "MAINT", "MINOR", "WARRANTY", "ALIGN"] * 2:
            slots = http.get(
                f"/v1/workshops/{workshop.id}/slots", params={"service": code, "date": DATE}
            ).json()
            if slots["slots"]:
                body = {"service": code, "drop_off": slots["slots"][0]["drop_off"]}
                assert http.post(f"/v1/workshops/{workshop.id}/bookings", json=body).status_code == 201
    try:
        yield server, workshop.id
    finally:
        server.kill()


#: The plan page's bars once it has reloaded itself after a (re-)plan (the old page marked stale).
RELOADED = "body:not([data-stale]) svg.gantt g.bar"


def plan_posted(response: playwright_api.Response) -> bool:
    return response.url.endswith("/plans") and response.request.method == "POST"


def plan_booking_in(text: str, plan: dict[str, list[dict[str, str]]]) -> bool:
    return any(a["booking"] in text for a in plan["assignments"])


def test_a_foreman_generates_a_plan_and_books_a_slot_in_the_browser(
    served: tuple[Server, str], browser: Any
) -> None:
    server, workshop = served
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{server.url}/login?next=/workshops/{workshop}/plan/{DATE}")
    page.get_by_label("API key").fill(server.headers["X-API-Key"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(f"/workshops/{workshop}/plan/{DATE}"))
    assert "No plan for this day yet" in page.content()

    page.get_by_label("Solver time (s)").fill("3")
    page.get_by_role("button", name="Generate plan").click()
    page.wait_for_selector("svg.gantt g.bar", timeout=90_000)
    stored = f"{server.url}/v1/workshops/{workshop}/plans/{DATE}"
    plan = httpx.get(stored, headers=server.headers).json()
    bars = page.locator("svg.gantt g.bar")
    assert bars.count() == len(plan["assignments"]) > 0
    assert bars.first.get_attribute("tabindex") == "0"  # details on keyboard focus, not only hover
    labels = " ".join(bars.nth(i).get_attribute("aria-label") or "" for i in range(bars.count()))
    assert all(a["booking"] in labels for a in plan["assignments"])
    bars.first.focus()
    assert plan_booking_in(page.locator("#bar-details").inner_text(), plan)
    page.screenshot(path=str(ARTIFACTS / "plan-1366x768.png"), full_page=True)
    # The page reloads itself once the plan is stored: the old page (marked) is loaded and
    # has bars too, so the wait is for the reloaded one's.
    page.evaluate("document.body.dataset.stale = 'yes'")
    with page.expect_response(plan_posted) as sent:
        page.get_by_role("button", name="Re-plan now").click()
    assert sent.value.status == 200, sent.value.text()
    assert "now" in (sent.value.request.post_data_json or {})  # re-planned from the present
    page.wait_for_selector(RELOADED)
    page.wait_for_load_state("load")
    plan = httpx.get(stored, headers=server.headers).json()
    assert page.locator("svg.gantt g.bar").count() == len(plan["assignments"])
    # A job runs late: the foreman clicks its bar, gives the expected end, re-plans around it.
    bar = page.locator("svg.gantt g.bar").first
    booking, operation = (
        bar.get_attribute("data-booking"),
        int(bar.get_attribute("data-operation") or 0),
    )
    bar.click()
    page.get_by_label("Expected end").fill("16:00")
    page.evaluate("document.body.dataset.stale = 'yes'")
    with page.expect_response(plan_posted) as sent:
        page.get_by_role("button", name="Re-plan with this overrun").click()
    assert sent.value.status == 200, sent.value.text()
    page.wait_for_selector(RELOADED)
    page.wait_for_load_state("load")
    plan = httpx.get(stored, headers=server.headers).json()
    late = next(a for a in plan["assignments"] if a["booking"] == booking and a["operation"] == operation)
    assert late["end"].startswith(f"{DATE}T16:00")
    assert page.locator("svg.gantt g.bar").count() == len(plan["assignments"])
    page.get_by_role("link", name="technicians").click()
    page.wait_for_url(re.compile("rows=technicians"))
    assert page.locator("svg.gantt g.bar").count() == len(plan["assignments"])
    page.set_viewport_size({"width": 768, "height": 1024})
    page.screenshot(path=str(ARTIFACTS / "plan-768x1024.png"), full_page=True)

    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{server.url}/workshops/{workshop}/book")
    page.get_by_label("Service").select_option("LUBE")
    page.get_by_label("Date").fill(DATE)
    page.get_by_label("Customer name (optional)").fill("Wang Fang")
    page.get_by_label("Phone (optional)").fill("13800138000")
    page.get_by_label("Plate (optional)").fill("粤A12345")
    page.get_by_label("Make and model (optional)").fill("Hyundai Tucson")
    page.get_by_role("button", name="Show free slots").click()
    first = page.locator("#slots button").first
    first.wait_for(timeout=30_000)
    first.click()
    page.wait_for_function("document.getElementById('status').textContent.startsWith('Booked')")
    booked = re.search(r"Booked (\S+):", page.locator("#status").inner_text())
    assert booked is not None and booked.group(1) == "粤A12345"
    page.wait_for_selector("#bookings td:text-is('粤A12345')")
    page.screenshot(path=str(ARTIFACTS / "book-1366x768.png"), full_page=True)
    listed = httpx.get(f"{server.url}/v1/workshops/{workshop}/bookings", params={"date": DATE},
                       headers=server.headers).json()  # fmt: skip
    mine = next(b for b in listed if b["plate"] == "粤A12345")
    assert (mine["customer"], mine["phone"], mine["model"]) == (
        "Wang Fang",
        "13800138000",
        "Hyundai Tucson",
    )
    # The day's list: by drop-off, searchable by plate, each row moved or cancelled from the page.
    rows = page.locator("#bookings tr")
    drop_offs = [rows.nth(i).locator("td").nth(6).inner_text() for i in range(rows.count())]
    assert drop_offs == sorted(drop_offs) and len(drop_offs) == len(listed)
    # Part of the plate, in another case; with its province so that no random booking id
    # (BK- and 12 hex digits: "BK-a5b2b59a123d" once held "a123") can match it too.
    page.get_by_label("Find a plate").fill("粤a123")
    assert page.locator("#bookings tr:visible").count() == 1
    row = page.locator("#bookings tr:visible")
    with page.expect_response(lambda r: r.request.method == "PATCH") as sent:
        row.locator("input.move-time").fill("16:00")
        row.get_by_role("button", name="Move").click()
    assert sent.value.status in (200, 409), sent.value.text()
    # The list is read again after the move: act on the new rows, not on ones about to go.
    page.wait_for_function(
        "!document.getElementById('status').textContent.startsWith('Booked')"
        " && document.getElementById('bookings').getAttribute('aria-busy') === 'false'"
    )
    row = page.locator("#bookings tr", has_text="粤A12345")
    if sent.value.status == 200:
        assert row.locator("td").nth(6).inner_text() == "16:00"
    row.get_by_role("button", name="Cancel booking").click()
    with page.expect_response(lambda r: r.request.method == "DELETE") as gone:
        row.get_by_role("button", name="Really cancel?").click()
    assert gone.value.status == 204
    page.wait_for_function("document.getElementById('status').textContent.includes('cancelled')")
    listed = httpx.get(f"{server.url}/v1/workshops/{workshop}/bookings", params={"date": DATE},
                       headers=server.headers).json()  # fmt: skip
    assert "粤A12345" not in {b["plate"] for b in listed}
