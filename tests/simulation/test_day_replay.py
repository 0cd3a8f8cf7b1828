"""The replay's promise guard figures from replayed bookings (simulation/day_replay.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx

from scheduler.scenarios import load_scenario
from simulation.day_replay import DayRecord, Outcome, book_day, summarise
from tests.builders import DAY, at


def outcome(
    name: str,
    promised: str,
    end: str | None,
    flags: list[tuple[str, bool]],
    odds: list[tuple[str, float]] | None = None,
    drop_off: str = "08:00",
) -> Outcome:
    o = Outcome(name, at(drop_off), at(promised), end=None if end is None else at(end))
    o.flags = [(at(t), f) for t, f in flags]
    o.first_flag = next((at(t) for t, f in flags if f), None)
    o.odds = [(at(t), p) for t, p in odds or []]
    return o


def record(outcomes: list[Outcome]) -> DayRecord:
    return DayRecord(DAY, len(outcomes), len(outcomes), outcomes, 4, 4, 0, [10.0], [20.0], [5.0], 1.0)


def test_late_bookings_count_as_flagged_ahead_only_an_hour_before_their_promise() -> None:
    days = [
        record([
            outcome("early", "12:00", "12:30", [("10:00", False), ("10:45", True)]),  # 75 min ahead
            outcome("tardy", "12:00", "12:30", [("10:00", False), ("11:30", True)]),  # 30 min: too late
            outcome("never", "12:00", None, [("10:00", False)]),  # never finished: late, not flagged
            # Promised within the hour of drop-off: flagged at the first poll after it counts.
            outcome("short", "08:45", "09:00", [("08:15", True)], drop_off="08:10"),
        ])
    ]  # fmt: skip
    figures = summarise(days)
    assert figures["late"] == 4
    assert figures["late flagged >= 60 min ahead (or from drop-off)"] == 2
    assert figures["flagged ahead share (goal >= 0.90)"] == 0.5


def test_a_false_alarm_is_a_flag_still_up_when_an_on_time_booking_finished() -> None:
    days = [
        record([
            outcome("cleared", "12:00", "11:50", [("10:00", True), ("11:00", False)]),  # a re-plan fixed it
            outcome("alarm", "12:00", "11:50", [("10:00", True), ("11:00", True)]),
            outcome("quiet", "12:00", "11:00", [("10:00", False)]),
        ])
    ]  # fmt: skip
    figures = summarise(days)
    assert figures["flagged"] == 2 and figures["flagged and on time"] == 2
    assert figures["false alarm share (goal <= 0.10)"] == 0.5


def test_the_reliability_table_bins_every_poll_by_decile() -> None:
    days = [
        record([
            outcome("a", "12:00", "11:00", [], odds=[("09:00", 0.75), ("10:00", 0.95)]),
            outcome("b", "12:00", "12:30", [], odds=[("09:00", 0.72), ("10:00", 0.05)]),
        ])
    ]  # fmt: skip
    table = {d["decile"]: d for d in summarise(days)["reliability by decile of on_time_probability"]}
    assert table["0.7-0.8"]["n"] == 2 and table["0.7-0.8"]["observed"] == 0.5
    assert table["0.9-1.0"]["observed"] == 1.0 and table["0.0-0.1"]["observed"] == 0.0
    assert sum(d["n"] for d in table.values()) == 4


def test_no_event_lost_compares_events_stored_with_events_accepted() -> None:
    good = record([])
    lost = DayRecord(DAY + dt.timedelta(days=1), 0, 0, [], 5, 4, 0, [], [], [], 1.0)
    assert summarise([good])["no event lost"] is True
    assert summarise([good, lost])["no event lost"] is False


def test_an_unfinished_booking_is_late_until_23_59_of_its_promise_day_and_counted_apart() -> None:
    same_day = outcome("same-day", "18:40", None, [])  # 23:59 - 18:40: 319 minutes
    next_morning = outcome("next-morning", "12:00", None, [], drop_off="16:50")
    next_morning.promised = at("08:00", DAY + dt.timedelta(days=1))  # 08:00 -> 23:59: 959 minutes
    finished = outcome("finished", "12:00", "12:30", [])  # 30 minutes
    figures = summarise([record([same_day, next_morning, finished])])
    assert figures["late"] == 3
    assert figures["total lateness minutes"] == 319 + 959 + 30
    assert figures["unfinished at the day's end (counted late)"] == 2
    assert figures["total lateness minutes, finished bookings"] == 30
    # Records made before the resumed end was kept count as before.
    assert figures["total lateness minutes, unfinished work done at the next opening"] == 319 + 959 + 30


def test_unfinished_work_is_counted_late_until_it_would_end_done_at_the_next_opening() -> None:
    """An unfinished booking waits for its work left, done first thing the next morning: a same-day
    promise waits the night (18:40 -> 08:45 next day: 845 minutes, not 319 to midnight), a
    next-morning 08:00 promise the 45 minutes of it (not 959, the whole next day to 23:59)."""
    same_day = outcome("same-day", "18:40", None, [])
    same_day.resumed_end = at("08:45", DAY + dt.timedelta(days=1))
    next_morning = outcome("next-morning", "12:00", None, [], drop_off="16:50")
    next_morning.promised = at("08:00", DAY + dt.timedelta(days=1))
    next_morning.resumed_end = at("08:45", DAY + dt.timedelta(days=1))
    finished = outcome("finished", "12:00", "12:30", [])
    figures = summarise([record([same_day, next_morning, finished])])
    assert figures["total lateness minutes, unfinished work done at the next opening"] == 845 + 45 + 30
    assert figures["total lateness minutes"] == 319 + 959 + 30  # kept: the history compares with it


def test_a_customer_booked_at_an_offered_time_is_held_to_the_promise_the_desk_showed() -> None:
    """Refused at the wanted time, the replay books the nearest offered time and sends the promise
    that offer showed (`promised`), as the booking desk does: never booked later than shown."""
    scenario = load_scenario("small-dealer")
    date = DAY
    sent: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/slots"):
            offered = dt.datetime.combine(date, dt.time(10), scenario.workshop.tz)
            promised = offered + dt.timedelta(hours=3)
            return httpx.Response(
                200, json={"slots": [{"drop_off": offered.isoformat(), "promised": promised.isoformat()}]}
            )
        if request.method == "GET":
            return httpx.Response(200, json={"bookings": []})
        body = json.loads(request.content)
        sent.append(body)
        # The wanted time refused; the offered one (retried with its own key) accepted.
        refused = not request.headers["Idempotency-Key"].endswith("-slot")
        return httpx.Response(409 if refused else 201, json={})

    with httpx.Client(base_url="http://replay", transport=httpx.MockTransport(answer)) as http:
        asked, _ = book_day(http, scenario, date, seed=1)
    retried = [b for b in sent if "promised" in b]
    assert asked > 0 and len(retried) == asked
    assert all(
        b["promised"] == dt.datetime.fromisoformat(b["drop_off"]).replace(hour=13).isoformat()
        for b in retried
    )
