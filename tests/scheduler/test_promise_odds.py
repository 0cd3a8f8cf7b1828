"""The odds of each promise: a Monte Carlo of the rest of the day over the live plan."""

from __future__ import annotations

import datetime as dt

from scheduler.clocking import DayState, Effective, replay
from scheduler.contract import Booking, Plan, PlanRequest
from scheduler.promise_odds import on_time_probabilities, projected_ends
from scheduler.validator import assert_valid
from tests.builders import DAY, assignment, at, plan, tiny_workshop

WS = tiny_workshop()


def day(promise_a: str = "09:30", promise_b: str = "10:45") -> tuple[list[Booking], Plan]:
    """A 08:00-09:00 then B 09:00-10:00, both on technician t and bay G1."""
    bookings = [
        Booking(id="A", service="MAINT", drop_off=at("08:00"), promised=at(promise_a)),
        Booking(id="B", service="MAINT", drop_off=at("08:00"), promised=at(promise_b)),
    ]
    req = PlanRequest(workshop=WS, date=DAY, bookings=bookings)
    p = plan(
        req,
        [assignment("A", 0, "G1", "t", "08:00", "09:00"), assignment("B", 0, "G1", "t", "09:00", "10:00")],
    )
    assert_valid(req, p)
    return bookings, p


def state(*events: tuple[str, str, str], bookings: list[Booking]) -> DayState:
    effective = [
        Effective(i, booking, 0, "t", action, at(hhmm))  # type: ignore[arg-type]
        for i, (booking, action, hhmm) in enumerate(events, start=1)
    ]
    return replay(effective, WS, {b.id: b for b in bookings}, DAY)


def odds(bookings: list[Booking], p: Plan, s: DayState, now: dt.datetime) -> dict[str, float | None]:
    return on_time_probabilities(WS, DAY, bookings, p, s, now)


def test_slack_gives_high_odds_and_a_promise_at_the_planned_end_about_even() -> None:
    bookings, p = day(promise_a="11:00", promise_b="10:00")
    got = odds(bookings, p, state(bookings=bookings), at("07:30"))
    assert got["A"] is not None and got["A"] > 0.97
    # B ends at 10:00 if everything takes its expected time: roughly a coin toss either way.
    assert got["B"] is not None and 0.3 < got["B"] < 0.8


def test_the_same_status_twice_gives_the_same_numbers() -> None:
    bookings, p = day(promise_a="09:00", promise_b="10:00")
    s = state(("A", "start", "08:05"), bookings=bookings)
    first = odds(bookings, p, s, at("08:40"))
    assert first == odds(bookings, p, s, at("08:40"))
    assert all(v is not None and 0 <= v <= 1 for v in first.values())


def test_an_overrun_lowers_the_odds_of_the_booking_queued_behind_it() -> None:
    bookings, p = day(promise_a="09:30", promise_b="10:15")
    on_time = odds(bookings, p, state(("A", "start", "08:00"), bookings=bookings), at("08:30"))
    overrun = odds(bookings, p, state(("A", "start", "08:00"), bookings=bookings), at("09:20"))
    assert on_time["B"] is not None and overrun["B"] is not None
    assert overrun["B"] < on_time["B"] - 0.2
    # The point projection with the plan's downstream effects: B waits for A's overrun.
    ends = projected_ends(WS, bookings, p, state(("A", "start", "08:00"), bookings=bookings), at("09:20"))
    assert ends[("B", 0)] >= at("10:20")


def test_finished_bookings_are_certain_and_unplanned_ones_hopeless() -> None:
    bookings, p = day(promise_a="09:00", promise_b="10:00")
    s = state(("A", "start", "08:00"), ("A", "finish", "09:10"), bookings=bookings)
    partial = p.model_copy(update={"assignments": [a for a in p.assignments if a.booking == "A"]})
    got = odds(bookings, partial, s, at("09:15"))
    assert got == {"A": 0.0, "B": 0.0}
    early = state(("A", "start", "08:00"), ("A", "finish", "08:50"), bookings=bookings)
    assert odds(bookings, p, early, at("09:15"))["A"] == 1.0


def test_no_promise_no_probability() -> None:
    bookings, p = day()
    bookings = [bookings[0].model_copy(update={"promised": None}), bookings[1]]
    assert odds(bookings, p, state(bookings=bookings), at("07:30"))["A"] is None
