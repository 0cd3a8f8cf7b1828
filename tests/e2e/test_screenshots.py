"""The plan page's layout in a real browser (Debian's Chromium via Playwright), and the screenshots
`make test` saves: the plan page, the booking desk, the loading chart, a simulation report and a
technician's page (/me), in English and Chinese, at 1366x768 and 768x1024
(tests/artifacts/{page}-{lang}-{w}x{h}.png, 20 files; and 4 more of the plan by technicians, its
shifts and breaks shaded).

One server for the module: a small dealer's day booked (with plates) and planned, and a simulation
comparing dealer-2011's current rules with stagger-lunch, run while the first pages are looked at."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from cli.testing import Server
from scheduler.scenarios import load_scenario
from simulation.rules import load_rules
from tests.api.test_i18n import _english_ui_words, _extracted
from tests.builders import DATE, NOW
from tests.e2e.browser import ARTIFACTS, CHROMIUM

SIZES = [(1366, 768), (768, 1024)]
PLATES = ["粤A12345", "粤B2N771", "粤A9K303", "粤S55E20", "粤A0Q918", "粤E7T664", "粤A31J07", "粤B80M52"]

playwright_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("no Chromium at /usr/bin/chromium (scripts/chromium.sh installs it)", allow_module_level=True)


class Site:
    def __init__(self, server: Server, workshop: str, simulation: str, technician: str) -> None:
        self.server, self.workshop, self.simulation = server, workshop, simulation
        self.technician = technician  # one with work in the day's plan (his /me page)

    def data(self) -> set[str]:
        """The words on the pages that are data, not UI: names, plates, codes, rule sets, ids."""
        found = {"bayplan", "English", "cpsat", "greedy", "fcfs", *PLATES}
        for name in ("small-dealer", "dealer-2011"):
            scenario = load_scenario(name)
            w = scenario.workshop
            if name == "dealer-2011":
                for rules in ("current", "stagger-lunch"):
                    found |= {rules, load_rules(scenario, rules).description}
            found |= {w.id, w.name, w.timezone, *(t.name for t in w.technicians), *(b.id for b in w.bays)}
            found |= {x for s in w.services for x in (s.code, s.name, *(o.name for o in s.operations))}
        return found

    def simulation_done(self) -> None:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            job = httpx.get(
                f"{self.server.url}/v1/jobs/{self.simulation}", headers=self.server.headers
            ).json()
            if job["status"] in ("done", "failed"):
                assert job["status"] == "done", job
                return
            time.sleep(1)
        raise AssertionError("the simulation did not finish in 4 minutes")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    server = Server(tmp_path_factory.mktemp("screens") / "pages.db", now=NOW)
    server.start()
    workshop = load_scenario("small-dealer").workshop
    dealer = load_scenario("dealer-2011").workshop
    try:
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=180) as http:
            for w in (workshop, dealer):
                put = http.put(f"/v1/workshops/{w.id}", content=w.model_dump_json(),
                               headers={"content-type": "application/json"})  # fmt: skip
                assert put.status_code == 200, put.text
            spec = {
                "scenario": "dealer-2011",
                "days": 1,
                "replications": 2,
                "rules": ["current", "stagger-lunch"],
            }
            started = http.post("/v1/simulations", json=spec)
            assert started.status_code == 202, started.text
            codes = ["LUBE", "MAINT", "FIRST", "MINOR", "WARRANTY", "ALIGN", "INSPECT", "ACC-PAINT"]
            for code, plate in zip(codes, PLATES, strict=True):
                slots = http.get(f"/v1/workshops/{workshop.id}/slots", params={"service": code, "date": DATE})
                if slots.status_code == 200 and slots.json()["slots"]:
                    body = {"service": code, "drop_off": slots.json()["slots"][0]["drop_off"], "plate": plate}
                    assert http.post(f"/v1/workshops/{workshop.id}/bookings", json=body).status_code == 201
            made = http.post(
                f"/v1/workshops/{workshop.id}/plans", json={"date": DATE, "time_limit_seconds": 3}
            )
            assert made.status_code == 200 and made.json()["assignments"], made.text
        yield Site(server, workshop.id, started.json()["id"], made.json()["assignments"][0]["technician"])
    finally:
        server.kill()


def signed_in(browser: playwright_api.Browser, site: Site, locale: str) -> playwright_api.BrowserContext:
    """A browser context in `locale`, signed in (the sign-in cookie set by /login)."""
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(f"{site.server.url}/login?next=/")
    page.locator("#key").fill(site.server.headers["X-API-Key"])
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{site.server.url}/")
    page.close()
    return context


VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll("svg, script, style").forEach((e) => e.remove());
  return body.innerText + " " + [...document.querySelectorAll("[aria-label], [title], [placeholder]")]
    .filter((e) => !e.closest("svg"))
    .map((e) => ["aria-label", "title", "placeholder"].map((a) => e.getAttribute(a) || "").join(" "))
    .join(" ");
}"""
"""What a person reads on the page, the charts' SVG aside (api/gantt.py's words are not all translated
yet; the report's charts are matplotlib's, their texts checked in tests/simulation)."""


def english_left(page: playwright_api.Page, words: list[str], data: set[str]) -> list[str]:
    """The English UI words still on a Chinese page once the data (names, plates, rule sets) are out,
    the text as the browser shows it, with what the script wrote in it."""
    text = str(page.evaluate(VISIBLE_TEXT))
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, "")
    return [w for w in words if re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text)]


def no_page_scroll(page: playwright_api.Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_plan_page_reads_without_sideways_scrolling(site: Site, browser: playwright_api.Browser) -> None:
    context = signed_in(browser, site, "en-GB")
    try:
        page = context.new_page()
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{site.server.url}/workshops/{site.workshop}/plan/{DATE}")
        chart = page.locator("svg.gantt")
        # The axis: the opening hours (08:00 reception, shifts to 17:30), not only the planned work.
        assert (chart.get_attribute("data-axis-start"), chart.get_attribute("data-axis-end")) == (
            "08:00",
            "18:00",
        )
        assert no_page_scroll(page)
        wrap = page.locator("#chart")
        assert page.evaluate("(w) => w.scrollWidth <= w.clientWidth", wrap.element_handle())  # all of it

        # A tablet: the page does not scroll sideways, the chart does, and its row labels stay in view.
        page.set_viewport_size({"width": 768, "height": 1024})
        assert no_page_scroll(page)
        assert page.evaluate("(w) => w.scrollWidth > w.clientWidth", wrap.element_handle())
        page.evaluate("(w) => { w.scrollLeft = w.scrollWidth; }", wrap.element_handle())
        assert page.evaluate("(w) => w.scrollLeft", wrap.element_handle()) > 0
        labels, box = page.locator("svg.gantt-labels").bounding_box(), wrap.bounding_box()
        assert labels is not None and box is not None and abs(labels["x"] - box["x"]) <= 2
        first = page.locator("svg.gantt-labels text.row-label").first.bounding_box()
        assert first is not None
        on_top = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('svg').getAttribute('class')",
            [first["x"] + 5, first["y"] + first["height"] / 2],
        )
        assert on_top == "gantt-labels"  # not covered by the scrolled chart

        # "Running late": the dialog's title names the bar clicked (its plate and operation).
        page.set_viewport_size({"width": 1280, "height": 800})
        bar = page.locator("svg.gantt g.bar").last
        vehicle, operation = bar.get_attribute("data-vehicle"), int(bar.get_attribute("data-operation") or 0)
        assert vehicle in PLATES
        bar.click()
        dialog = page.get_by_role(
            "dialog", name=re.compile(re.escape(f"{vehicle}, operation {operation + 1}"))
        )
        assert dialog.is_visible()
        title = page.locator("#overrun-title").inner_text()
        assert title.startswith("Running late:") and vehicle in title
    finally:
        context.close()


PAGES = {
    "plan": "/workshops/{w}/plan/{date}",
    "plan-technicians": "/workshops/{w}/plan/{date}?rows=technicians",  # shifts and breaks shaded
    "book": "/workshops/{w}/book?date={date}",
    "loading": "/workshops/{w}/loading",
    "report": "/simulations/{job}",
    "me": "/workshops/{w}/me?technician={t}&date={date}",  # zh-s30: the technician's phone page
}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_screenshots_of_the_pages_in_both_languages(
    site: Site, browser: playwright_api.Browser, lang: str
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    site.simulation_done()
    ui = [m for m, files in _extracted().items() if any(f.startswith(("api", "simulation")) for f in files)]
    words = _english_ui_words(ui)
    data = site.data()
    context = signed_in(browser, site, lang)
    try:
        page = context.new_page()
        for name, path in PAGES.items():
            page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
            page.goto(
                site.server.url
                + path.format(w=site.workshop, date=DATE, job=site.simulation, t=site.technician)
            )
            assert page.locator("html").get_attribute("lang") == lang
            if name == "book":  # the desk with its free slots and the day's bookings listed
                page.locator("#slot-form button[type=submit]").click()
                page.locator("#slots button").first.wait_for(timeout=30_000)
                page.locator("#bookings tr").first.wait_for(timeout=30_000)
            if name == "me":  # his day's jobs, each with its clock buttons
                assert page.locator("button[data-action=start]").count() >= 1
            if name == "report":
                assert page.locator("#verdict li").count() == 1
                assert page.locator("nav.sections a").count() >= 5
            left = english_left(page, words, data)
            if lang == "zh-CN":
                assert not left, f"{name}: English UI text on the Chinese page: {left}"
            else:
                assert left, name  # the check sees the UI's words where they are
            for width, height in SIZES:
                page.set_viewport_size({"width": width, "height": height})
                if name != "book":
                    assert no_page_scroll(page), (name, width)
                page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}-{width}x{height}.png"), full_page=True)
        for name in PAGES:
            for width, height in SIZES:
                assert (ARTIFACTS / f"{name}-{lang}-{width}x{height}.png").stat().st_size > 10_000
    finally:
        context.close()
