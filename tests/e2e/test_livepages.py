"""The shop floor in a real browser: a technician on a phone (360x740) presses Start (in the bay he
picks) then Finish on his next job and sees its status change; the foreman's plan then shows the
clocked bar and now.
Screenshots: tests/artifacts/me-360x740.png and plan-live-1366x768.png."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from cli.testing import Server
from scheduler.keys import KeyStore
from scheduler.scenarios import load_scenario
from scheduler.storage import Store
from tests.builders import CLOCK_AS_OF, DATE, NOW, settled, tiny_workshop
from tests.e2e.browser import ARTIFACTS, CHROMIUM

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh)", allow_module_level=True)


def sign_in(page: playwright_api.Page, url: str, key: str, target: str) -> None:
    page.goto(f"{url}/login?next={target}")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(target.split("?")[0])))


def test_a_technician_starts_and_finishes_his_next_job_on_a_phone(tmp_path: Path, browser: Any) -> None:
    db = tmp_path / "live.db"
    server = Server(db, now=NOW)
    server.start()
    workshop = load_scenario("small-dealer").workshop
    w = workshop.id
    try:
        # 180 s: a 3-second plan's POST took over 60 s on a machine at load ~15 (suitespeed-s34).
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
            assert http.put(f"/v1/workshops/{w}", content=workshop.model_dump_json(),
                            headers={"content-type": "application/json"}).status_code == 200  # fmt: skip
            for code in ["LUBE", "MAINT", "MINOR"]:
                slots = http.get(f"/v1/workshops/{w}/slots", params={"service": code, "date": DATE}).json()
                if slots["slots"]:
                    body = {"service": code, "drop_off": slots["slots"][0]["drop_off"]}
                    assert http.post(f"/v1/workshops/{w}/bookings", json=body).status_code == 201
            made = http.post(f"/v1/workshops/{w}/plans", json={"date": DATE, "time_limit_seconds": 3})
            assert made.status_code == 200, made.text
            first = min(made.json()["assignments"], key=lambda a: a["start"])
        # The next morning: the server's clock just after the first planned start.
        server.kill()
        server.now = dt.datetime.fromisoformat(first["start"]) + dt.timedelta(minutes=2)
        server.start()
        tech_key = KeyStore(Store(f"sqlite:///{db}")).create(
            "technician", [w], technician=first["technician"]
        )[0]
        ARTIFACTS.mkdir(exist_ok=True)
        page = browser.new_page(viewport={"width": 360, "height": 740})
        target = f"/workshops/{w}/me?date={DATE}"
        sign_in(page, server.url, tech_key, target)
        job = page.locator(f".job[data-booking='{first['booking']}'][data-operation='{first['operation']}']")
        assert "next" in (job.get_attribute("class") or "")
        assert job.get_attribute("data-state") == "not_started"
        # His Start names the bay the car is in: the planned one unless he picks another.
        bay = job.locator("select[name=bay]")
        assert bay.input_value() == first["bay"]
        options = bay.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
        chosen = next(o for o in options if o and o != first["bay"])
        bay.select_option(chosen)
        job.get_by_role("button", name="Start").click()
        page.wait_for_selector(
            f".job[data-booking='{first['booking']}'][data-state='in_progress']", timeout=30_000
        )
        job = page.locator(f".job[data-booking='{first['booking']}'][data-operation='{first['operation']}']")
        assert job.locator(".state-text").inner_text() == "in progress"
        assert f"bay {chosen}" in job.locator(".when").inner_text()  # the clocked bay, a fact
        page.screenshot(path=str(ARTIFACTS / "me-360x740.png"), full_page=True)
        job.get_by_role("button", name="Finish").click()
        page.wait_for_selector(
            f".job[data-booking='{first['booking']}'][data-operation='{first['operation']}']"
            "[data-state='done']",
            timeout=30_000,
        )
        events = httpx.get(f"{server.url}/v1/workshops/{w}/days/{DATE}/events", headers=server.headers)
        assert [(e["action"], e["bay"]) for e in events.json()] == [
            ("start", chosen),
            ("finish", None),
        ]

        with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
            settled(http, f"/v1/workshops/{w}")  # the live plan made from both events
        foreman = browser.new_page(viewport={"width": 1366, "height": 768})
        sign_in(foreman, server.url, server.headers["X-API-Key"], f"/workshops/{w}/plan/{DATE}")
        assert foreman.locator("svg.gantt rect.actual").count() == 1
        assert foreman.locator("svg.gantt g.now").count() == 1
        # floor13-s30: its bar says the shop floor named its bay (a black corner, "bay clocked").
        which = f"[data-booking='{first['booking']}'][data-operation='{first['operation']}']"
        bar = foreman.locator(f"svg.gantt g.bar{which}")
        assert "bay-clocked" in (bar.get_attribute("class") or "")
        assert bar.locator("path.bay-mark").count() == 1 == foreman.locator("path.bay-mark").count()
        details = bar.get_attribute("aria-label") or ""
        assert f"· bay {chosen} ·" in details and "· bay clocked" in details, details
        foreman.screenshot(path=str(ARTIFACTS / "plan-live-1366x768.png"), full_page=True)
    finally:
        server.kill()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_refused_or_lost_clocking_leaves_a_paused_jobs_buttons_as_they_were(
    desk_server: Server, browser: Any, language: str
) -> None:
    """review-s35: on the phone page a paused job offers Resume (Pause and Finish disabled). A
    refused clocking (a 4xx) enabled every button on the page (Pause and Finish of the paused job,
    Start of every other); one with no answer at all (the Wi-Fi gone) left them all disabled under
    "Clocking…" for good. Now each button is as the job's state left it, and the page says the
    server did not answer, in its language."""
    from tests.e2e.desk import LANGUAGES, put, texts

    server, words = desk_server, LANGUAGES[language]
    w = put(server, tiny_workshop())
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
        made = http.post(
            f"/v1/workshops/{w}/bookings", json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"}
        )
        assert made.status_code == 201, made.text
        booking = made.json()["id"]
        assert (
            http.post(f"/v1/workshops/{w}/plans", json={"date": DATE, "time_limit_seconds": 2}).status_code
            == 200
        )
        for action, hm in (("start", "08:00"), ("pause", "08:10")):
            event = {"action": action, "booking": booking, "operation": 0, "technician": "t",
                     "at": f"{DATE}T{hm}:00+08:00"}  # fmt: skip
            assert http.post(f"/v1/workshops/{w}/clock{CLOCK_AS_OF}", json=event).status_code == 201
    page = browser.new_page(viewport={"width": 360, "height": 740}, locale=words["locale"])
    target = f"/workshops/{w}/me?technician=t&date={DATE}&now={quote(f'{DATE}T08:20:00+08:00')}"
    page.goto(f"{server.url}/login?next={quote(target)}")
    page.get_by_label(words["key"]).fill(server.headers["X-API-Key"])
    page.get_by_role("button", name=words["sign_in"]).click()
    page.wait_for_url(re.compile("/me"))
    job = page.locator(f".job[data-booking='{booking}']")
    assert job.get_attribute("data-state") == "paused"

    def enabled() -> dict[str, bool]:
        buttons = job.locator("button[data-action]")
        return {buttons.nth(i).get_attribute("data-action") or "": buttons.nth(i).is_enabled()
                for i in range(buttons.count())}  # fmt: skip

    before = enabled()
    assert before == {"resume": True, "pause": False, "finish": False}
    refusal = {"detail": "refused <b>here</b>"}
    page.route("**/clock?**", lambda route: route.fulfill(status=422, json=refusal))
    job.locator("button[data-action=resume]").click()
    page.wait_for_selector("#status .error")
    assert "refused <b>here</b>" in page.locator("#status").inner_text()  # as text
    assert enabled() == before
    page.unroute("**/clock?**")
    page.route("**/clock?**", lambda route: route.abort())
    job.locator("button[data-action=resume]").click()
    said = texts(language)["no_answer"]
    page.wait_for_function("(said) => document.getElementById('status').textContent.includes(said)", arg=said,
                           timeout=15_000)  # fmt: skip
    assert enabled() == before
    page.close()
