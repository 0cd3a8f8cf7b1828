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


def _two_paces(fast_end: str, slow_end: str, closing: str) -> Workshop:
    """Two bays; Fang (efficiency 1.25: 48 min for an hour's work) to `fast_end`, Shen (60 min) to
    `slow_end`."""
    data = tiny_workshop(closing=closing, shift_end=closing).model_dump(mode="json")
    data["bays"] = [{"id": "G1", "kind": "general"}, {"id": "G2", "kind": "general"}]
    data["technicians"] = [
        {"id": "f", "name": "Fang", "grade": 3, "skills": ["maintenance"], "efficiency": 1.25,
         "shift": {"start": "08:00", "end": fast_end}},
        {"id": "s", "name": "Shen", "grade": 3, "skills": ["maintenance"],
         "shift": {"start": "08:00", "end": slow_end}},
    ]  # fmt: skip
    return Workshop.model_validate(data)


def test_a_range_of_minutes_says_whose_longest_stretch_it_is_and_what_they_need() -> None:
    """review-s42, item 6: "no … technician has 72-90 min … (longest free 73 min)" read as if the car
    fitted (73 is at least 72): the 73 minutes were the slow technician's, who needs 90. The reason
    names him and what he needs, in English and in Chinese; a day full and a day too short alike."""
    from scheduler.i18n import Translator

    zh = Translator("zh_CN")
    # The day full: Shen has 10:00-10:50 left (50 min, at least Fang's 48), but needs 60; Fang has 24.
    full = [Booking(id=f"B{i}", service="MAINT", drop_off=at("08:00")) for i in range(5)]
    # The day too short, bookings aside: Fang's shift 40 min, Shen's 50.
    short = [Booking(id="B0", service="MAINT", drop_off=at("08:00"))]
    for bookings, workshop, said, zh_said in (
        (full, _two_paces("10:00", "10:50", "11:00"),
         "has the 48-60 min it takes them in one piece after 08:00 (longest free stretch 50 min, Shen's,"
         " who needs 60 min)",
         "有其所需的连续 48-60 分钟空闲（最长空闲 50 分钟属于 Shen，其本人需要 60 分钟）"),
        (short, _two_paces("08:40", "08:50", "10:00"),
         "needs 48-60 min of a maintenance technician with grade >= 1 (apprentice) after 08:00; the longest"
         " working block left is 50 min, Shen's, who needs 60 min",
         "剩下最长的连续工作时段 50 分钟属于 Shen，其本人需要 60 分钟"),
    ):  # fmt: skip
        for planner in ("greedy", "cpsat"):
            plan = make_plan(request(bookings, workshop=workshop), planner)
            [reason] = [u.reason for u in plan.unassigned]
            assert reason.endswith(said), (planner, reason)
            assert zh.phrase(reason).endswith(zh_said), zh.phrase(reason)
