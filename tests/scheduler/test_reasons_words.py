"""Reasons in a foreman's words: a car left on an earlier day is ready from the opening, so a
reason never says "after 00:00"."""

from __future__ import annotations

import datetime as dt

from scheduler.contract import Booking
from scheduler.planning import make_plan
from tests.builders import DAY, at, request, tiny_workshop


def test_a_car_left_yesterday_is_ready_from_the_opening_not_midnight() -> None:
    yesterday = DAY - dt.timedelta(days=1)
    bookings = [Booking(id=f"B{i}", service="MAINT", drop_off=at("09:00", yesterday)) for i in range(3)]
    plan = make_plan(request(bookings, workshop=tiny_workshop()), "greedy")
    assert plan.unassigned
    for u in plan.unassigned:
        assert "00:00" not in u.reason and "after 08:00" in u.reason, u.reason
