"""zhreview-s25: the pages as a Chinese foreman reads them (bench/RESULTS-zhreview-s25.md). Each test
failed before its fix: ISO dates in Chinese sentences, booking ids where the car's plate is what
people look for, a multi-day repair's internal part code on the chart, the loading chart's pools as
`skill:grade`, an English field name and role in Chinese sentences, the planner's identifier, JSON
where a browser opened a page."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api import gantt
from api.app import create_app
from api.pages import at_risk
from scheduler.clocking import BookingStatus, DayStatus
from scheduler.contract import Assignment, Booking
from scheduler.i18n import Translator
from scheduler.keys import KeyStore
from scheduler.storage import Store
from simulation.units import metric_label
from tests.api.test_pickup import _overtime_tiny
from tests.builders import (
    DATE,
    DAY,
    WORKSHOP_ID,
    at,
    fixed_clock,
    multi_day_workshop,
    put_workshop,
    store_workshop,
    two_waiters_at_risk,
    two_waiters_day,
)
from tests.builders import TINY_PATH as W

# The Chinese pages and answers: on PostgreSQL these tests run no line of scheduler/storage/ that
# the tests left on both backends do not run (bench/RESULTS-suitespeed-s37.md).
pytestmark = pytest.mark.sqlite_only

ZH = {"accept-language": "zh-CN,zh;q=0.9"}
PAGE = {**ZH, "accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
WED = DAY + dt.timedelta(days=1)


def _visible(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S))


def test_the_home_page_dates_the_days_as_a_chinese_reader_reads_them(client: TestClient) -> None:
    """Before: "2026-11-23 的排程" and the days listed as 2026-11-24 on a Chinese page."""
    two_waiters_day(client)
    page = client.get("/", headers=ZH).text
    assert "11月23日 周一的排程" in page  # the tests' today, a Monday
    assert '<time datetime="2026-11-24">11月24日 周二</time>' in page
    assert f'href="/workshops/tiny/plan/{DATE}"' in page and "/plan/2026-11-23" in page  # links stay ISO
    assert not re.search(r"\d{4}-\d{2}-\d{2}", _visible(page))
    english = client.get("/").text
    assert "Plan for 2026-11-23" in english and ">2026-11-24</time>" in english


def test_a_promise_on_a_later_day_is_dated_in_chinese_words() -> None:
    """Before: the at-risk list said "2026-11-25 08:00" on the Chinese page (English keeps ISO)."""
    promised = at("08:00", WED)
    status = DayStatus.model_construct(
        bookings=[
            BookingStatus.model_construct(
                booking="B1", promised=promised, projected_end=promised + dt.timedelta(hours=1),
                projected_lateness_minutes=60, at_risk=True, carried_over=None,
            )
        ]
    )  # fmt: skip
    ws = _overtime_tiny()
    [row] = at_risk(ws, status, date=DAY, t=Translator("zh_CN"), plates={"B1": "粤A12345"})
    assert row["promised"] == "11月25日 周三 08:00" and row["projected_end"] == "11月25日 周三 09:00"
    assert row["plate"] == "粤A12345"
    [row] = at_risk(ws, status, date=DAY)
    assert row["promised"] == "2026-11-25 08:00"


def test_the_technicians_page_names_the_car_by_its_plate_and_dates_a_later_promise(
    client: TestClient,
) -> None:
    """Before: "BK-… · Long · work （工序 1）… 承诺 2026-11-25 08:00": a booking id where the
    technician looks for a plate, a space before the full-width bracket, an ISO date, and "承诺"
    where the plan page says 承诺交车."""
    put_workshop(client, _overtime_tiny())
    body = {"service": "LONG", "drop_off": at("13:00").isoformat(), "plate": "粤B·LONG1"}
    booked = client.post(f"{W}/bookings", json=body)
    assert booked.status_code == 201, booked.text
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    page = client.get("/workshops/tiny/me", params={"technician": "t", "date": DATE}, headers=ZH).text
    what = re.search(r'<p class="what">(.*?)</p>', page, re.S)
    assert what is not None
    assert '<strong class="plate">粤B·LONG1</strong>' in what.group(1)
    assert booked.json()["id"] in what.group(1)  # still there, smaller
    assert "Long · work（工序 1）" in what.group(1)
    assert "承诺交车 11月25日 周三 08:00" in page
    assert "状态：<span" in page  # no space after the full-width colon (before: "状态： 未开始")
    english = client.get("/workshops/tiny/me", params={"technician": "t", "date": DATE}).text
    assert "Status: <span" in english


def test_the_plan_page_lists_the_cars_at_risk_by_plate_and_words_its_figures_in_chinese(
    tmp_path: Path,
) -> None:
    """Before: the at-risk list had booking ids only; "排程器 greedy。"; "3 (63 分钟)" with
    half-width brackets; the plan's header said 超时 (overtime) for late, its KPI 延误."""
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'p.db'}", auth=False, clock=fixed_clock()))
    ids = two_waiters_at_risk(client)
    received = {"now": at("10:30").isoformat()}
    page = client.get(f"/workshops/tiny/plan/{DATE}", params=received, headers=ZH).text
    table = page[page.index('id="at-risk"') :]
    assert '<strong class="plate">粤A00000</strong>' in table and ids[0] in table
    meta = re.search(r'<p class="meta" id="meta">(.*?)</p>', page, re.S)
    assert meta is not None and "个预约。排程方式：" in meta.group(1)  # no space after "。"
    assert not re.search(r"greedy|cpsat", meta.group(1))
    late = re.search(r"<dt>计划中延误</dt><dd>([^<]*)</dd>", page)
    assert late is not None and re.fullmatch(r"\d+（\d+ 分钟）", late.group(1)), late
    quality = re.search(r'<p class="quality" id="quality"><strong>([^<]*)</strong>', page)
    assert quality is not None and "超时" not in quality.group(1)
    english = client.get(f"/workshops/tiny/plan/{DATE}", params=received).text
    assert re.search(r"Planned by the (optimiser \(CP-SAT\)|foreman(&#39;|')s rule)", english)


def test_a_later_days_part_of_a_multi_day_repair_is_named_by_its_service(client: TestClient) -> None:
    """Before: its bar read "REPAIR:ops1-2 operation 1" (the day's part code, the part's own
    numbering) in its details and in the running-late dialog's title; the booking's numbering goes
    on from the earlier day's."""
    put_workshop(client, multi_day_workshop())
    booked = client.post(f"/v1/workshops/{WORKSHOP_ID}/bookings",
                         json={"service": "REPAIR", "drop_off": at("08:00").isoformat()})  # fmt: skip
    assert booked.status_code == 201, booked.text
    wed = WED.isoformat()
    planned = client.post(f"/v1/workshops/{WORKSHOP_ID}/plans", json={"date": wed, "time_limit_seconds": 1})
    assert planned.status_code == 200, planned.text
    page = client.get(f"/workshops/{WORKSHOP_ID}/plan/{wed}").text
    bars = re.findall(r'<g class="bar[^"]*"[^>]*data-booking="' + booked.json()["id"] + r'"[^>]*>', page)
    assert bars, page[:2000]
    assert ":ops" not in page
    numbers = [int(n) for bar in bars for n in re.findall(r'data-number="(\d+)"', bar)]
    indexes = [int(n) for bar in bars for n in re.findall(r'data-operation="(\d+)"', bar)]
    assert min(numbers) > 1 and all(n > i + 1 for n, i in zip(numbers, indexes, strict=True))
    assert all('data-service="REPAIR"' in bar for bar in bars)
    assert f"REPAIR operation {min(numbers)}" in page


def test_a_part_code_reads_as_its_service_and_numbers_on() -> None:
    a = Assignment(booking="B", operation=0, bay="P1", technician="zhou",
                   start=at("08:00"), end=at("09:00"))  # fmt: skip
    assert gantt.shown_code("REPAIR:ops2-3") == "REPAIR" and gantt.operation_number("REPAIR:ops2-3", a) == 3
    assert gantt.shown_code("MAINT") == "MAINT" and gantt.operation_number("MAINT", a) == 1
    booking = Booking.model_construct(
        id="B", plate=None, model=None, customer=None, promised=None, waiter=False
    )
    _, details = gantt.bar_text(a, booking, "REPAIR:ops2-3", multi_day_workshop())
    assert "REPAIR operation 3" in details and ":ops" not in details


def test_the_loading_chart_names_its_pools_in_words(client: TestClient) -> None:
    """Before: "maintenance:1", "express" (the API's pool keys) and "预约数: 0" with an ASCII colon."""
    put_workshop(client, _overtime_tiny())
    page = client.get("/workshops/tiny/loading", headers=ZH).text
    names = re.findall(r'<span class="pool-name">([^<]*)</span>', page)
    assert names and set(names) == {"1 级及以上保养技师"}, names
    assert "预约数：" in page and "可用代步车：" in page and ": " not in _visible(page).split("负荷图", 1)[1]
    english = client.get("/workshops/tiny/loading").text
    assert set(re.findall(r'<span class="pool-name">([^<]*)</span>', english)) == {"maintenance, grade 1+"}


def test_the_reports_page_names_a_refused_field_by_its_label(client: TestClient) -> None:
    """Before: "无法显示该日期范围（to: 2026-11-01 早于…）": the query's English name in the sentence."""
    put_workshop(client, _overtime_tiny())
    page = client.get("/workshops/tiny/reports", params={"from": "2026-11-30", "to": "2026-11-01"},
                      headers=ZH).text  # fmt: skip
    alert = re.search(r'<p class="error" role="alert">([^<]*)</p>', page)
    assert alert is not None and "（截止：2026-11-01" in alert.group(1) and "to:" not in alert.group(1)
    assert "<th>样本数</th>" in page and "<th>n</th>" not in page


def test_a_refused_keys_role_is_named_in_chinese(tmp_path: Path) -> None:
    """Before: "此 technician 密钥无权打开本页。"."""
    db = f"sqlite:///{tmp_path / 'k.db'}"
    client = TestClient(create_app(db, auth=True, clock=fixed_clock()))
    keys = KeyStore(Store(db))
    store_workshop(db, "tiny", "t")  # a technician key is made for a stored workshop's technician
    key = keys.create("technician", ["tiny"], technician="t")[0]
    form = {"content-type": "application/x-www-form-urlencoded", "origin": "http://testserver"}
    signed = client.post("/login", content=f"key={key}&next=/", follow_redirects=False, headers=form)
    assert signed.status_code == 303
    refused = client.get(f"/workshops/tiny/plan/{DATE}", headers=ZH)
    assert refused.status_code == 403 and "此技师密钥无权打开本页。" in refused.text


@pytest.mark.both_backends  # the only PostgreSQL run of two of api/errors.py's lines
def test_a_browser_opening_a_page_that_cannot_be_shown_gets_a_page(client: TestClient) -> None:
    """Before: a stale link (an unknown workshop), a date mistyped in the address or a path no page
    has showed the API's JSON body in the browser. The API and non-browser clients keep the JSON."""
    put_workshop(client, _overtime_tiny())
    unknown = client.get(f"/workshops/nope/plan/{DATE}", headers=PAGE)
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in unknown.text and "<h1>没有这个页面</h1>" in unknown.text
    assert (
        "未知的车间 &#x27;nope&#x27;" in unknown.text
        and '<a class="button" href="/">返回车间列表</a>' in unknown.text
    )
    mistyped = client.get("/workshops/tiny/plan/2026-13-01", headers=PAGE)
    assert mistyped.status_code == 422 and "<h1>无法显示本页</h1>" in mistyped.text
    assert "«2026-13-01»：" in mistyped.text
    nowhere = client.get("/nothing-here", headers=PAGE)
    assert nowhere.status_code == 404 and "返回车间列表" in nowhere.text
    english = client.get(f"/workshops/nope/plan/{DATE}", headers={"accept": "text/html"})
    assert "<h1>This page does not exist</h1>" in english.text and "unknown workshop" in english.text
    # The API, and anything not asking for HTML, as before.
    api = client.get("/v1/workshops/nope", headers=PAGE)
    assert api.status_code == 404 and api.json() == {"detail": "未知的车间 'nope'"}
    plain = client.get(f"/workshops/nope/plan/{DATE}", headers=ZH)
    assert plain.status_code == 404 and plain.json() == {"detail": "未知的车间 'nope'"}


def test_a_page_path_with_a_nul_is_the_not_found_page_not_json(client: TestClient) -> None:
    """`/workshops/%00/book` opened in a browser: the NUL guard answered the API's JSON where every
    other unknown page gets the page (hostile-s40); its markup escaped; the API keeps its JSON."""
    page = client.get("/workshops/%00<b>/book", headers=PAGE)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>没有这个页面</h1>" in page.text and "&lt;b&gt;" in page.text and "<b>" not in page.text
    api = client.get("/v1/workshops/%00", headers=PAGE)
    assert api.status_code == 404 and "\\x00" in api.json()["detail"]


def test_the_simulation_reports_fleet_bays_in_chinese() -> None:
    """Before: "工位利用率 fleet" in the simulation report's table."""
    assert metric_label("bay_utilisation_fleet", Translator("zh_CN")) == "工位利用率 车队"
