"""A workshop day's pages, its printouts and the home page's workshops, each read in one call
(scheduler/day_page.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.contract import Booking
from scheduler.day_page import day_page, day_sheet, job_cards, printed_day, technician_day, workshops_days
from scheduler.errors import NotFound
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor
from scheduler.slots import CapacityRules
from scheduler.storage import Store
from tests.builders import DAY, NOW, WORKSHOP_ID, at, fixed_clock, multi_day_workshop, tiny_workshop


def test_a_day_page_holds_the_bookings_the_plan_and_the_live_status(tiny_floor: ShopFloor) -> None:
    page = day_page(tiny_floor, "tiny", DAY, at("09:00"))
    assert page.workshop.id == "tiny" and page.plan is None
    assert [b.id for b in page.bookings] == [b.id for b in page.seen] == ["b1"]
    assert page.status is not None and [b.booking for b in page.status.bookings] == ["b1"]
    empty = day_page(tiny_floor, "tiny", DAY + dt.timedelta(days=1), at("09:00"))
    assert empty.bookings == [] and empty.status is None


def test_a_technicians_day_is_the_workshops_today_and_read_only_for_its_technicians(
    tiny_floor: ShopFloor,
) -> None:
    mine = technician_day(tiny_floor, "tiny", "t", None, None)
    assert mine.date == NOW.date() and mine.local_now == NOW
    assert mine.day is not None and mine.day.workshop.id == "tiny"
    stranger = technician_day(tiny_floor, "tiny", "nobody", DAY, None)
    assert stranger.date == DAY and stranger.day is None


def test_a_printed_day_holds_its_own_bookings_its_plan_and_the_repairs_carried_in(sqlite_url: str) -> None:
    service = PlanningService(
        Store(sqlite_url), CapacityRules(walk_in_holdback=0), refine_in_background=False, clock=fixed_clock()
    )
    service.put_workshop(multi_day_workshop())
    wed = DAY + dt.timedelta(days=1)
    repair = service.slots(WORKSHOP_ID, "REPAIR", DAY, False, None)[0]  # body Tuesday, paint Wednesday
    assert wed in repair.days
    service.book(WORKSHOP_ID, Booking(id="repair", service="REPAIR", drop_off=repair.drop_off), None)
    maint = service.slots(WORKSHOP_ID, "MAINT", wed, False, None)[0]
    service.book(WORKSHOP_ID, Booking(id="maint", service="MAINT", drop_off=maint.drop_off), None)

    day = printed_day(service, WORKSHOP_ID, wed)
    assert day.workshop.id == WORKSHOP_ID and day.plan is None
    assert [b.id for b in day.bookings] == ["maint"]
    assert [b.id for b in day.carried] == ["repair"]  # as Wednesday sees it: its part of the work
    assert [b.id for b in printed_day(service, WORKSHOP_ID, DAY).carried] == []
    planned = service.plan_day(WORKSHOP_ID, wed, 2.0)
    assert printed_day(service, WORKSHOP_ID, wed).plan == planned

    assert job_cards(service, WORKSHOP_ID, wed, "zh_CN").startswith(b"%PDF")
    assert day_sheet(service, WORKSHOP_ID, wed, "zhao", None).startswith(b"%PDF")
    with pytest.raises(NotFound, match="technician 'nobody' not in workshop"):
        day_sheet(service, WORKSHOP_ID, wed, "nobody", None)
    with pytest.raises(NotFound, match="workshop 'elsewhere'"):
        job_cards(service, "elsewhere", wed, None)
    service.close()


def test_the_home_page_lists_the_workshops_it_may_see_with_their_days_and_their_own_today(
    tiny_floor: ShopFloor,
) -> None:
    service = tiny_floor.service
    service.put_workshop(tiny_workshop().model_copy(update={"id": "other"}))
    shown = workshops_days(service, lambda w: w == "tiny", None)
    assert [w.workshop.id for w in shown] == ["tiny"]
    assert shown[0].days == [(DAY, 1, False)] and shown[0].today == NOW.date()
    late_utc = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)  # 01:00 the next day in Shanghai
    both = workshops_days(service, lambda w: True, late_utc)
    assert sorted(w.workshop.id for w in both) == ["other", "tiny"]
    assert {w.today for w in both} == {dt.date(2026, 11, 24)}
    assert next(w for w in both if w.workshop.id == "other").days == []
