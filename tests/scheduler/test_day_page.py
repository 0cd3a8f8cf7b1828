"""A workshop day's pages read in one call (scheduler/day_page.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from scheduler.contract import Booking
from scheduler.day_page import day_page, technician_day
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor
from scheduler.storage import Store
from tests.builders import DAY, NOW, at, fixed_clock, tiny_workshop


@pytest.fixture
def floor(sqlite_url: str) -> Iterator[ShopFloor]:
    """The tiny workshop with one booking at 08:00 on DAY, no plan stored yet."""
    service = PlanningService(Store(sqlite_url), clock=fixed_clock(), refine_in_background=False)
    service.put_workshop(tiny_workshop())
    service.book("tiny", Booking(id="b1", service="MAINT", drop_off=at("08:00")), None)
    shop = ShopFloor(service, background=False)
    yield shop
    shop.close()
    service.close()


def test_a_day_page_holds_the_bookings_the_plan_and_the_live_status(floor: ShopFloor) -> None:
    page = day_page(floor, "tiny", DAY, at("09:00"))
    assert page.workshop.id == "tiny" and page.plan is None
    assert [b.id for b in page.bookings] == [b.id for b in page.seen] == ["b1"]
    assert page.status is not None and [b.booking for b in page.status.bookings] == ["b1"]
    empty = day_page(floor, "tiny", DAY + dt.timedelta(days=1), at("09:00"))
    assert empty.bookings == [] and empty.status is None


def test_a_technicians_day_is_the_workshops_today_and_read_only_for_its_technicians(floor: ShopFloor) -> None:
    mine = technician_day(floor, "tiny", "t", None, None)
    assert mine.date == NOW.date() and mine.local_now == NOW
    assert mine.day is not None and mine.day.workshop.id == "tiny"
    stranger = technician_day(floor, "tiny", "nobody", DAY, None)
    assert stranger.date == DAY and stranger.day is None
