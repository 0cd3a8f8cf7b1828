"""The loading chart: exact minutes per day and pool from the accepted bookings' witness, loan
cars and advisor intake, the range limits, and the 14-day page with links to the booking desk."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from scheduler.contract import Workshop
from tests.builders import DATE, DAY, NOW, put_workshop, tiny_workshop

# The loading chart over HTTP: on PostgreSQL these tests run no line of scheduler/storage/ that
# the tests left on both backends do not run (bench/RESULTS-suitespeed-s37.md).
pytestmark = pytest.mark.sqlite_only

CAPACITY = "/v1/workshops/tiny/capacity"


def _tiny(**changes: Any) -> Workshop:
    data = tiny_workshop().model_dump()
    data.update(changes)
    return Workshop.model_validate(data)


ADVISOR = {"id": "a", "name": "A", "shift": {"start": "08:00", "end": "10:00"}}


def test_a_tiny_day_with_one_booking_gives_the_exact_minutes(client: TestClient) -> None:
    closed = DAY + dt.timedelta(days=2)
    put_workshop(client, _tiny(loan_cars=2, advisors=[ADVISOR], closed_days=[closed.isoformat()]))
    booked = client.post(
        "/v1/workshops/tiny/bookings",
        json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", "loan_car": True},
    )
    assert booked.status_code == 201, booked.text
    last = (DAY + dt.timedelta(days=2)).isoformat()
    body = client.get(CAPACITY, params={"from": DATE, "to": last}).json()
    assert body["workshop"] == "tiny" and [d["date"] for d in body["days"]] == [
        (DAY + dt.timedelta(days=i)).isoformat() for i in range(3)
    ]
    day, next_day, holiday = body["days"]
    # t works 08:00-10:00 (120 min); 20 % held back for walk-ins; the booking's 60 min placed.
    assert day["pools"] == [
        {"pool": "maintenance:1", "skill": "maintenance", "min_grade": 1,
         "available": 120, "booked": 60, "held_back": 24, "free": 36, "free_from_now": 36}
    ]  # fmt: skip
    assert day["bookings"] == 1 and day["loan_cars_free"] == 1
    intake = {w["start"]: w["minutes"] for w in day["advisor_intake"]}
    # 15 advisor minutes a quarter hour, the 08:00 check-in takes 10 of them; each hour's 60
    # minutes, 48 sellable (the 08:00 hour's 38 left), cap no quarter hour here.
    assert intake == {"08:00": 5, "08:15": 15, "08:30": 15, "08:45": 15,
                      "09:00": 15, "09:15": 15, "09:30": 15, "09:45": 15}  # fmt: skip
    assert next_day["pools"] == [
        {"pool": "maintenance:1", "skill": "maintenance", "min_grade": 1,
         "available": 120, "booked": 0, "held_back": 24, "free": 96, "free_from_now": 96}
    ]  # fmt: skip
    assert next_day["loan_cars_free"] == 2
    assert holiday["closed"] and holiday["pools"][0]["available"] == 0 and holiday["pools"][0]["free"] == 0
    assert holiday["advisor_intake"] == []


def test_without_loan_car_limit_or_advisors_those_fields_are_left_out(client: TestClient) -> None:
    put_workshop(client, _tiny())
    day = client.get(CAPACITY, params={"from": DATE, "to": DATE}).json()["days"][0]
    assert "loan_cars_free" not in day and "advisor_intake" not in day


def test_express_lanes_are_a_pool_of_their_own(client: TestClient) -> None:
    data = tiny_workshop().model_dump()
    data["bays"].append({"id": "E1", "kind": "express"})
    work = {"name": "oil", "minutes": 30, "skill": "maintenance", "bay_kinds": ["express"]}
    data["services"].append({"code": "LUBE", "name": "Lube", "express": True, "operations": [work]})
    put_workshop(client, Workshop.model_validate(data))
    response = client.post(
        "/v1/workshops/tiny/bookings", json={"service": "LUBE", "drop_off": f"{DATE}T08:00:00+08:00"}
    )
    assert response.status_code == 201, response.text
    pools = client.get(CAPACITY, params={"from": DATE, "to": DATE}).json()["days"][0]["pools"]
    express = next(p for p in pools if p["pool"] == "express")
    # One lane over opening hours 08:00-10:00; 35 % held back for express walk-ins.
    assert express == {"pool": "express", "available": 120, "booked": 30, "held_back": 42, "free": 48,
                       "free_from_now": 48}  # fmt: skip


def test_the_range_is_checked(client: TestClient) -> None:
    put_workshop(client, _tiny())
    late = (DAY + dt.timedelta(days=62)).isoformat()
    too_long = client.get(CAPACITY, params={"from": DATE, "to": late})
    assert too_long.status_code == 422 and "to" in too_long.text and "62" in too_long.text
    backwards = client.get(CAPACITY, params={"from": DATE, "to": NOW.date().isoformat()})
    assert backwards.status_code == 422 and "before" in backwards.text
    ok = client.get(CAPACITY, params={"from": DATE, "to": (DAY + dt.timedelta(days=61)).isoformat()})
    assert ok.status_code == 200 and len(ok.json()["days"]) == 62
    assert client.get(CAPACITY, params={"from": DATE}).status_code == 422
    assert client.get("/v1/workshops/nope/capacity", params={"from": DATE, "to": DATE}).status_code == 404


def test_the_page_shows_fourteen_days_from_today_linking_to_the_booking_desk(client: TestClient) -> None:
    put_workshop(client, _tiny())
    page = client.get("/workshops/tiny/loading")
    assert page.status_code == 200, page.text
    links = re.findall(r'href="/workshops/tiny/book\?date=([0-9-]+)"', page.text)
    today = NOW.date()
    assert links == [(today + dt.timedelta(days=i)).isoformat() for i in range(14)]
    assert page.text.count('aria-current="date"') == 1
    assert page.text.count('class="pool"') == 14


def test_the_page_takes_now_so_a_day_can_be_replayed(client: TestClient) -> None:
    """`?now=` moves the page's today (as on every page that depends on the time); a `now`
    without a time zone is refused naming it."""
    put_workshop(client, _tiny())
    later = NOW + dt.timedelta(days=30)
    page = client.get("/workshops/tiny/loading", params={"now": later.isoformat()})
    assert page.status_code == 200, page.text
    links = re.findall(r'href="/workshops/tiny/book\?date=([0-9-]+)"', page.text)
    assert links[0] == later.date().isoformat() and len(links) == 14
    naive = client.get("/workshops/tiny/loading", params={"now": "2026-12-24T09:00:00"})
    assert naive.status_code == 422 and "now" in naive.text


def _free_from_now(client: TestClient, now: dt.datetime, date: str = DATE) -> tuple[int, int]:
    day = client.get(CAPACITY, params={"from": date, "to": date, "now": now.isoformat()}).json()["days"][0]
    pool = day["pools"][0]
    return pool["free"], pool["free_from_now"]


def test_today_counts_only_what_can_still_be_booked_from_now(client: TestClient) -> None:
    """review-s42 item 3: at 17:00, after closing, today read thousands of free minutes "that may
    still be sold". `free` keeps its meaning (the whole day's); `free_from_now` is what is left
    after `now`: none after closing or on a past day, all of `free` on a day ahead."""
    put_workshop(client, _tiny(opening={"start": "08:00", "end": "12:00"}))
    booked = client.post(
        "/v1/workshops/tiny/bookings", json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"}
    )
    assert booked.status_code == 201, booked.text
    # t works 08:00-10:00 (120 min), 24 held back, the booking 08:00-09:00: 36 free over the day.
    at = lambda hhmm: dt.datetime.fromisoformat(f"{DATE}T{hhmm}:00+08:00")  # noqa: E731
    assert _free_from_now(client, NOW) == (36, 36)  # the day before: all of it
    assert _free_from_now(client, at("08:30")) == (36, 36)  # 90 working min left, 30 of them booked
    assert _free_from_now(client, at("09:30")) == (36, 30)  # only 30 working min left
    assert _free_from_now(client, at("10:00")) == (36, 0)  # t's shift is over
    assert _free_from_now(client, at("12:01")) == (36, 0)  # after closing: nothing can be booked
    assert _free_from_now(client, NOW + dt.timedelta(days=2)) == (36, 0)  # a past day
    # The desk closed at 10:00 while t works on to 12:00: no drop-off can be booked after closing.
    put_workshop(client, tiny_workshop(closing="10:00", shift_end="12:00"))
    # 240 working min, 48 held back, 60 booked: 132 free; at 09:59 121 working min are left.
    assert _free_from_now(client, at("09:59")) == (132, 121)
    assert _free_from_now(client, at("10:01")) == (132, 0)
    # Without `now`, the server's clock (the tests' fixed one, the day before).
    day = client.get(CAPACITY, params={"from": DATE, "to": DATE}).json()["days"][0]
    assert day["pools"][0]["free_from_now"] == 132


def test_the_page_shows_todays_time_left_and_large_figures_in_hours(client: TestClient) -> None:
    """The page's free figure is what can still be booked: today after closing none, though the
    day's `free` is large; a day ahead in hours when it runs to hours ("8.0 h", not "480 min")."""
    put_workshop(client, tiny_workshop(closing="17:00", shift_end="17:00"))
    after_closing = dt.datetime.fromisoformat(f"{DATE}T17:30:00+08:00")
    page = client.get("/workshops/tiny/loading", params={"now": after_closing.isoformat()})
    assert page.status_code == 200, page.text
    free = re.findall(r'<span class="free">([^<]*)</span>', page.text)
    # 540 working min, 108 held back: 432 free each day; today none is left after 17:00. One unit
    # down the column (review-s43 #14: "119 min" above "3.9 h" read as the more).
    assert free[0] == "0.0 h free" and free[1] == "7.2 h free", free[:2]
    # The load as a figure beside the bar (before: only its colour and a tooltip): 108 of 540 held.
    load = re.findall(r'<span class="load"[^>]*>([^<]*)</span>', page.text)
    assert load[:2] == ["20%", "20%"], load[:2]
    zh_reader = {"Accept-Language": "zh-CN"}
    zh = client.get("/workshops/tiny/loading", params={"now": after_closing.isoformat()}, headers=zh_reader)
    zh_free = re.findall(r'<span class="free">([^<]*)</span>', zh.text)
    assert zh_free[0] == "空闲 0.0 小时" and zh_free[1] == "空闲 7.2 小时", zh_free[:2]
    assert re.findall(r'<span class="load" title="已预约和预留">([^<]*)</span>', zh.text)[:1] == ["20%"]
    assert "17:30" in zh.text


def test_loan_cars_and_advisor_intake_as_of_now_leave_out_what_is_past(client: TestClient) -> None:
    """review3-s42's leftover: `loan_cars_free` and `advisor_intake` count the whole day, so after
    08:30 today the chart still offered 08:00's check-in minutes, and at 15:30 a car back then still
    held the count down. Their meanings stay (the whole day's); `loan_cars_free_from_now` and
    `advisor_intake_from_now` count from `now`: a quarter hour already over 0, part of the one
    under way, none on a past day or after closing, the whole day's on a day ahead."""
    put_workshop(client, _tiny(loan_cars=1, advisors=[ADVISOR], opening={"start": "08:00", "end": "17:00"}))
    booked = client.post(
        "/v1/workshops/tiny/bookings",
        json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", "loan_car": True},
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["promised"][11:16] == "15:30"  # its loan car out 08:00-15:30

    def day(now: dt.datetime) -> dict[str, Any]:
        got = client.get(CAPACITY, params={"from": DATE, "to": DATE, "now": now.isoformat()})
        assert got.status_code == 200, got.text
        return dict(got.json()["days"][0])

    def intake(windows: list[dict[str, Any]]) -> list[int]:
        """The first two hours' quarter hours (the advisor works 08:00-10:00; later ones are 0)."""
        assert all(w["minutes"] == 0 for w in windows[8:]) and len(windows) == 36
        return [w["minutes"] for w in windows[:8]]

    at = lambda hhmm: dt.datetime.fromisoformat(f"{DATE}T{hhmm}:00+08:00")  # noqa: E731
    whole = [5, 15, 15, 15, 15, 15, 15, 15]  # 08:00 … 09:45: the 08:00 check-in takes 10 minutes
    ahead = day(NOW)  # the day before: everything is still ahead
    assert ahead["loan_cars_free"] == 0 and ahead["loan_cars_free_from_now"] == 0
    assert intake(ahead["advisor_intake"]) == whole and intake(ahead["advisor_intake_from_now"]) == whole
    starts = [[w["start"] for w in ahead[field]] for field in ("advisor_intake", "advisor_intake_from_now")]
    assert starts[0] == starts[1]
    at_0835 = day(at("08:35"))
    assert intake(at_0835["advisor_intake"]) == whole  # the whole day's meaning is kept
    assert intake(at_0835["advisor_intake_from_now"]) == [0, 0, 10, 15, 15, 15, 15, 15]
    assert at_0835["loan_cars_free"] == 0 and at_0835["loan_cars_free_from_now"] == 0  # out until 09:00
    at_0900 = day(at("09:00"))
    assert intake(at_0900["advisor_intake_from_now"]) == [0, 0, 0, 0, 15, 15, 15, 15]
    at_1530 = day(at("15:30"))  # the car is back: free from now, though not over the whole day
    assert at_1530["loan_cars_free"] == 0 and at_1530["loan_cars_free_from_now"] == 1
    assert intake(at_1530["advisor_intake_from_now"]) == [0] * 8
    after = day(at("17:01"))  # after closing: nothing can be booked
    assert after["loan_cars_free_from_now"] == 0 and intake(after["advisor_intake_from_now"]) == [0] * 8
    past = day(NOW + dt.timedelta(days=2))
    assert past["loan_cars_free_from_now"] == 0 and intake(past["advisor_intake_from_now"]) == [0] * 8
    assert intake(past["advisor_intake"]) == whole and past["loan_cars_free"] == 0


def test_the_openapi_describes_the_fields_as_of_now(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    fields = schemas["DayView"]["properties"]
    assert "busiest moment from `now` on" in fields["loan_cars_free_from_now"]["description"]
    assert "0 in a quarter hour already over" in fields["advisor_intake_from_now"]["description"]
    assert fields["loan_cars_free"]["description"].startswith("loan cars not out at the day's busiest moment")
