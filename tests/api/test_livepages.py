"""The shop floor on the web pages: the foreman's plan vs actual (clocked bars, now, at-risk marks
and list) and the technician's phone page (his jobs in planned order, clock buttons)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from fastapi import FastAPI, Request

from api.app import create_app
from api.pages import stream_url
from scheduler.clock import FixedClock
from scheduler.keys import KeyStore
from scheduler.storage import Store
from tests.builders import (
    CLOCK_NOW,
    DATE,
    DAY,
    NOW,
    at,
    lifts_workshop,
    put_workshop,
    settled,
    two_cars_on_one_lift,
    two_technician_workshop,
    two_waiters_day,
)
from tests.builders import TINY_PATH as W
from tests.builders import clock_event as ev

FORM = {"content-type": "application/x-www-form-urlencoded", "origin": "http://testserver"}


def test_the_plan_page_shows_plan_vs_actual_now_and_the_bookings_at_risk(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'p.db'}", auth=False, clock=clock))
    a, b = two_waiters_day(client)
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00")).status_code == 201
    assert (
        client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "finish", "09:40")).status_code == 201
    )  # promised 09:15
    settled(client, W)  # B re-planned behind the late finish (in the background)
    clock.set(at("09:45"))
    page = client.get(f"/workshops/tiny/plan/{DATE}").text
    # The clocked operation: a thin hatched bar with its actual times.
    assert 'fill="url(#actual-hatch)"' in page and "actual 08:00–09:40" in page
    # Now: a vertical line at the server's clock.
    assert f'data-now="{at("09:45").isoformat()}"' in page and "now 09:45" in page
    # Both bookings are at risk (A finished late, B pushed back), marked on their bars.
    risky = re.findall(r'<g class="bar at-risk[^"]*"[^>]*data-booking="([^"]+)"', page)
    assert set(risky) == {a, b}
    assert "⚠ +30 min" in page
    # The list, soonest promised pickup first: booking, promised, projected end, minutes late.
    table = page[page.index('id="at-risk"') :]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", table)
    assert rows[0] == (a, "09:15", "09:40", "25")
    assert rows[1] == (b, "10:15", "10:45", "30")
    assert page.index(a, page.index('id="at-risk"')) < page.index(b, page.index('id="at-risk"'))


def test_the_plan_page_without_clocking_has_no_actual_bars_and_nobody_at_risk(client: TestClient) -> None:
    two_waiters_day(client)
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    page = client.get(f"/workshops/tiny/plan/{DATE}").text
    assert 'class="actual' not in page and "at-risk" not in page.split('id="risk-h"')[0].split("<svg")[1]
    assert "No booking is at risk of missing its promise." in page
    # the service's app has the day's stream: the page follows it (review-s42: it named none)
    assert f'data-stream="/v1/workshops/tiny/days/{DATE}/stream"' in page


def test_the_technicians_page_lists_his_jobs_in_planned_order(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'me.db'}"
    clock = FixedClock(NOW)
    client = TestClient(create_app(db, auth=True, clock=clock))
    keys = KeyStore(Store(db))
    admin = {"X-API-Key": keys.create("admin", ["tiny"])[0]}
    put_workshop(client, two_technician_workshop(), admin)  # before its technician's key
    tech_t = keys.create("technician", ["tiny"], technician="t")[0]
    foreman = keys.create("foreman", ["tiny"])[0]
    booking = keys.create("booking", ["tiny"])[0]
    ids = []
    for hhmm in ("08:00", "08:30", "09:00"):
        r = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": at(hhmm).isoformat()},
                        headers=admin)  # fmt: skip
        ids.append(r.json()["id"])
    assert (
        client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}, headers=admin).status_code
        == 200
    )
    plan = client.get(f"{W}/plans/{DATE}", headers=admin).json()
    mine = [
        x["booking"] for x in sorted(plan["assignments"], key=lambda x: x["start"]) if x["technician"] == "t"
    ]
    theirs = [x["booking"] for x in plan["assignments"] if x["technician"] == "u"]
    assert mine
    clock.set(at("07:30"))

    def sign_in(key: str) -> None:
        client.cookies.clear()
        r = client.post("/login", content=f"key={key}&next=/", headers=FORM, follow_redirects=False)
        assert r.status_code == 303

    sign_in(tech_t)
    url = f"/workshops/tiny/me?date={DATE}"
    page = client.get(url).text
    listed = re.findall(r'<li class="job [^"]*" data-booking="([^"]+)"', page)
    assert listed == mine
    assert (
        page.count('aria-current="step"') == 1
        and f'class="job not_started next" data-booking="{mine[0]}"' in page
    )
    assert 'data-action="start"' in page and 'data-action="finish"' in page
    assert 'data-technician="t"' in page and f'data-now="{at("07:30").isoformat()}"' in page
    # A technician key sees only his own jobs, whatever the query says.
    assert 'data-technician="t"' in client.get(url + "&technician=u").text

    # He starts his first job at 08:00 (as the page's script would: received as of the page's
    # clock, its data-now run on since it loaded): it is in progress, still the next one.
    assert "/clock?now=${encodeURIComponent(at)}" in client.get("/static/app.js").text
    same_site = {"origin": "http://testserver"}
    # A replay's ?now= sets the page's clock ahead of the server's (07:30): a technician's key may
    # not clock as of it (review-s17 C1: events ahead of the server's clock); nothing is recorded.
    replay = client.get(url + f"&now={at('08:00').isoformat()}".replace("+", "%2B")).text
    assert f'data-now="{at("08:00").isoformat()}"' in replay
    body = {**ev(mine[0], "start", "08:00"), "operation": 0}
    ahead = client.post(f"{W}/clock", params={"now": body["at"]}, json=body, headers=same_site)
    assert ahead.status_code == 422 and ahead.json()["detail"][0]["loc"] == ["query", "now"], ahead.text
    clock.set(at("08:00"))  # the day itself: the page's clock is the server's
    page = client.get(url).text
    assert f'data-now="{at("08:00").isoformat()}"' in page
    sent = client.post(f"{W}/clock", params={"now": body["at"]}, json=body, headers=same_site)
    assert sent.status_code == 201, sent.text
    clock.set(at("08:10"))
    page = client.get(url).text
    assert f'class="job in_progress next" data-booking="{mine[0]}"' in page

    sign_in(foreman)
    # A foreman replaying the day on t's page (its clock at 09:00, the server's at 08:10) clocks
    # as of the page's clock: his key replays days.
    replay = client.get(url + f"&technician=t&now={at('09:00').isoformat()}".replace("+", "%2B")).text
    assert f'data-now="{at("09:00").isoformat()}"' in replay
    paused = {**ev(mine[0], "pause", "09:00"), "operation": 0}
    replayed = client.post(f"{W}/clock", params={"now": paused["at"]}, json=paused, headers=same_site)
    assert replayed.status_code == 201, replayed.text
    other = client.get(url + "&technician=u").text
    assert 'data-technician="u"' in other
    assert re.findall(r'<li class="job [^"]*" data-booking="([^"]+)"', other) == sorted(
        theirs, key=lambda x: next(a["start"] for a in plan["assignments"] if a["booking"] == x)
    )
    assert "Whose jobs?" in client.get(url).text  # a foreman picks a technician

    sign_in(booking)
    assert client.get(url).status_code == 403


def test_the_chart_names_the_days_stream_only_when_the_server_has_one(tmp_path: Path) -> None:
    """review-s42: the service's own app has the stream route, but the page looked for its path in
    `app.routes`, where FastAPI 0.165 lists the included routers and not their routes: the chart
    named no stream and the live plan page never refreshed. An app without the route names none."""
    app = create_app(f"sqlite:///{tmp_path / 's.db'}", auth=False, clock=FixedClock(NOW))
    client = TestClient(app)
    two_waiters_day(client)
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    page = client.get(f"/workshops/tiny/plan/{DATE}").text
    assert f'data-stream="/v1/workshops/tiny/days/{DATE}/stream"' in page
    bare = Request({"type": "http", "app": FastAPI(), "headers": [], "path": "/", "query_string": b""})
    assert stream_url(bare, "tiny", DAY) is None


def test_the_shop_floor_pages_in_chinese(tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'zh.db'}", auth=False, clock=clock))
    a, _ = two_waiters_day(client)
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00")).status_code == 201
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "finish", "09:40")).status_code == 201
    settled(client, W)
    clock.set(at("09:45"))
    zh = {"Accept-Language": "zh-CN"}
    plan = client.get(f"/workshops/tiny/plan/{DATE}", headers=zh).text
    assert "按实际进度有风险（2）" in plan and "实际 08:00–09:40" in plan and "现在 09:45" in plan
    me = client.get(f"/workshops/tiny/me?technician=t&date={DATE}", headers=zh).text
    assert "我的工单" in me and "已完成" in me


def _bar(page: str, booking: str) -> tuple[str, str]:
    """A bar's class and its details (<title>, as the page escapes it) on the plan page."""
    found = re.search(rf'<g class="([^"]*)"[^>]*data-booking="{booking}"[^>]*><title>([^<]*)</title>', page)
    assert found is not None, booking
    return found.group(1), found.group(2)


def test_the_plan_page_says_whose_word_a_clocked_bars_bay_is(tmp_path: Path) -> None:
    """floor13-s30: A started in G2 (the clock names it: the status's `bay_clocked`, a black corner
    on its bar, "bay clocked"), B started with no bay named (its bay the plan's guess: "bay
    planned"); C not clocked: neither. In English and in Chinese."""
    clock = FixedClock(NOW)
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'bay.db'}", auth=False, clock=clock))
    assert client.put(W, json=lifts_workshop().model_dump(mode="json")).status_code == 200
    drop_off = {"service": "MAINT", "drop_off": at("08:00").isoformat(), "customer": "<b>Li</b>"}
    a, b, c = (client.post(f"{W}/bookings", json=drop_off).json()["id"] for _ in range(3))
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    for event in (ev(a, "start", "08:00", bay="G2"), ev(b, "start", "08:05", tech="u")):
        assert client.post(f"{W}/clock", params=CLOCK_NOW, json=event).status_code == 201
    settled(client, W)
    clock.set(at("08:30"))
    status = client.get(f"{W}/days/{DATE}/status").json()
    ops = {s["booking"]: s["operations"][0] for s in status["bookings"]}
    assert (ops[a]["bay"], ops[a]["bay_clocked"]) == ("G2", True)
    assert ops[b]["bay"] is not None and ops[b]["bay_clocked"] is False and ops[c]["bay_clocked"] is False
    page = client.get(f"/workshops/tiny/plan/{DATE}").text
    assert "&lt;b&gt;Li&lt;/b&gt;" in page and "<b>Li</b>" not in page  # (the customer, escaped)
    (a_class, a_text), (b_class, b_text) = _bar(page, a), _bar(page, b)
    assert (
        "bay-clocked" in a_class
        and "· bay G2 ·" in a_text
        and a_text.endswith("· actual 08:00–… · bay clocked")
    )
    assert "bay-clocked" not in b_class and b_text.endswith("· bay planned")
    assert not re.search("bay (clocked|planned)", _bar(page, c)[1])
    assert page.count('class="bay-mark"') == 1
    assert "A black corner: its bay was clocked by the shop floor (not the plan's guess)." in page
    zh = client.get(f"/workshops/tiny/plan/{DATE}", headers={"Accept-Language": "zh-CN"}).text
    assert _bar(zh, a)[1].endswith("· 工位已打卡确认") and _bar(zh, b)[1].endswith(
        "· 工位按计划（未打卡确认）"
    )
    # (no space between Chinese sentences, as between English ones)
    assert "交车时间。黑色小角：其工位已由车间打卡确认（不是计划推测的）。" in zh


def test_the_technicians_page_says_bay_unknown_for_clocked_work_with_no_bay(client: TestClient) -> None:
    """floor13-s30: B, clocked while A held its bay and no other bay was left, has no bay in the
    plan (`clocked_bay_conflicts`); u's page said nothing of its bay. Now "bay unknown", as the plan
    page says it; t's job keeps its bay. The plan page's sentence on it reads wholly in Chinese."""
    a, b, _ = two_cars_on_one_lift(client)
    replanned = client.post(f"{W}/plans", params={"now": at("08:30").isoformat()}, json={"date": DATE})
    assert replanned.status_code == 200 and replanned.json()["clocked_bay_conflicts"], replanned.text

    def when(technician: str, language: str = "en") -> str:
        query = {"technician": technician, "date": DATE, "now": at("08:30").isoformat()}
        page = client.get("/workshops/tiny/me", params=query, headers={"Accept-Language": language}).text
        (line,) = re.findall(r'<p class="when">(.*?)</p>', page)
        return line

    assert when("u").endswith('08:05–09:05 · <span class="bay-unknown">bay unknown</span>'), when("u")
    assert when("t").endswith("08:00–09:00 · bay G1") and "unknown" not in when("t")
    assert when("u", "zh-CN").endswith('· <span class="bay-unknown">工位未知</span>')
    # The plan page's list of that work, in Chinese: the operation read too (it was left in English,
    # "booking B operation 1 (work) 打卡时…").
    zh = client.get(f"/workshops/tiny/plan/{DATE}", headers={"Accept-Language": "zh-CN"}).text
    (line,) = re.findall(r'<ul id="bay-conflicts"><li>(.*?)</li>', zh)
    assert line.startswith(f"预约 {b} 的工序 1（work）打卡时，其计划工位 G1 正被预约 {a} 的已打卡工作占用"), (
        line
    )
