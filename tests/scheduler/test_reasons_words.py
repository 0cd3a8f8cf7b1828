"""Reasons in a foreman's words: a car left on an earlier day is ready from the opening, so a
reason never says "after 00:00"."""

from __future__ import annotations

import datetime as dt

from scheduler.contract import Booking, Workshop
from scheduler.planning import make_plan
from tests.builders import DAY, at, request, tiny_workshop


def test_a_car_left_yesterday_is_ready_from_the_opening_not_midnight() -> None:
    yesterday = DAY - dt.timedelta(days=1)
    bookings = [Booking(id=f"B{i}", service="MAINT", drop_off=at("09:00", yesterday)) for i in range(3)]
    plan = make_plan(request(bookings, workshop=tiny_workshop()), "greedy")
    assert plan.unassigned
    for u in plan.unassigned:
        assert "00:00" not in u.reason and "after 08:00" in u.reason, u.reason


def test_parts_due_after_the_day_are_the_reason_not_midnight() -> None:
    """A booking whose parts arrive on a later day cannot start today: the plan says when they
    arrive. Before (audit16-s19): "operation 'check': needs 30 min … after 00:00", the parts'
    release clamped to the day's end and read as midnight."""
    data = tiny_workshop().model_dump()
    check = {"name": "check", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]}
    parts = {"code": "PARTS", "name": "Parts", "operations": [{**check, "needs_parts": True}]}
    data["services"].append(parts)
    workshop = Workshop.model_validate(data)
    tomorrow = at("09:00", DAY + dt.timedelta(days=1))
    booking = Booking(id="B", service="PARTS", drop_off=at("08:00"), parts_eta=tomorrow)
    for planner in ("greedy", "cpsat"):
        plan = make_plan(request([booking], workshop=workshop), planner)
        assert [u.reason for u in plan.unassigned] == ["parts arrive 2026-11-25 09:00"], planner
