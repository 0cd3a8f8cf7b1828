"""A workshop day's pages, its printouts and the home page's workshops, each read in one call
(scheduler/day_page.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.clocking import BookingStatus, DayStatus, OperationStatus
from scheduler.contract import Booking
from scheduler.day_page import (
    DayPage,
    day_page,
    day_sheet,
    job_cards,
    printed_day,
    technician_day,
    technician_jobs,
    workshops_days,
)
from scheduler.errors import NotFound
from scheduler.offer import SlotQuery
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor
from scheduler.slots import CapacityRules
from scheduler.storage import Store
from tests.builders import (
    DAY,
    NOW,
    WORKSHOP_ID,
    assignment,
    at,
    booking,
    fixed_clock,
    multi_day_workshop,
    overtime_tiny_workshop,
    plan,
    request,
    small_workshop,
    tiny_workshop,
)


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
    assert stranger.date == DAY and stranger.day is None and stranger.jobs == []


def test_a_technicians_day_holds_his_jobs_once_the_day_is_planned(tiny_floor: ShopFloor) -> None:
    assert technician_day(tiny_floor, "tiny", "t", DAY, at("07:00")).jobs == []  # no plan, no clock
    tiny_floor.service.plan_day("tiny", DAY, 2.0)
    [job] = technician_day(tiny_floor, "tiny", "t", DAY, at("07:00")).jobs
    assert (job.booking, job.operation, job.state, job.next) == ("b1", 0, "not_started", True)
    assert job.start == at("08:00") and job.bay == "G1" and job.service is not None
    assert job.service.code == "MAINT"


def _operation(
    n: int, state: str, bay: str | None, *times: str | None, tech: str = "wang"
) -> OperationStatus:
    planned_start, planned_end, actual_start = (at(t) if t else None for t in times)
    return OperationStatus.model_validate(
        {"operation": n, "state": state, "technician": tech, "bay": bay, "planned_start": planned_start,
         "planned_end": planned_end, "actual_start": actual_start, "actual_end": None, "clocked_minutes": 0,
         "projected_end": planned_end}
    )  # fmt: skip


def _status(booking_id: str, promised: str | None, *operations: OperationStatus) -> BookingStatus:
    return BookingStatus(booking=booking_id, state="waiting", promised=at(promised) if promised else None,
                         projected_end=None, projected_lateness_minutes=0, at_risk=False, at_risk_since=None,
                         operations=list(operations))  # fmt: skip


def test_a_technicians_jobs_merge_his_plan_and_his_clock_in_order_and_the_first_not_done_is_next() -> None:
    ws = small_workshop()  # MINOR: diagnosis, then repair
    seen = [booking("b1", "MINOR", "08:00"), booking("b2", "MAINT", "09:00"), booking("b3", "LUBE", "09:00"),
            booking("b4", "MAINT", "09:00")]  # fmt: skip
    stored = plan(
        request(seen, workshop=ws),
        [
            assignment("b2", 0, "G2", "wang", "10:00", "11:00"),
            assignment("b1", 1, "G1", "wang", "08:30", "10:00"),
            assignment("b1", 0, "G1", "wang", "08:00", "08:30"),
            assignment("b3", 0, "E1", "li", "10:00", "10:40"),  # wang clocked on to it instead, at 09:50
            assignment("b4", 0, "G2", "li", "09:00", "10:00"),  # li's alone
        ],
    )
    status = DayStatus(
        as_of=at("09:55"),
        bookings=[
            _status("b1", "12:00", _operation(0, "done", "G1", "08:00", "08:35", "08:00"),
                    _operation(1, "not_started", "G1", "08:40", "10:10", None)),
            _status("b3", None, _operation(0, "in_progress", "E1", None, None, "09:50")),
            _status("b4", "11:00", _operation(0, "in_progress", "G2", "09:00", "10:00", "09:00", tech="li")),
        ],
        technicians=[],
    )  # fmt: skip
    day = DayPage(ws, seen, stored, ws, seen, status)
    jobs = technician_jobs(day, "wang")
    # In order of the plan's start, or of his clocking on where the plan did not give it to him; shown
    # at the live plan's times where the live day has them.
    assert [(j.booking, j.operation, j.state, j.start, j.end, j.bay, j.promised, j.next) for j in jobs] == [
        ("b1", 0, "done", at("08:00"), at("08:35"), "G1", at("12:00"), False),
        ("b1", 1, "not_started", at("08:40"), at("10:10"), "G1", at("12:00"), True),
        ("b3", 0, "in_progress", at("09:50"), None, "E1", None, False),
        ("b2", 0, "not_started", at("10:00"), None, None, None, False),  # no live status for b2
    ]
    assert [j.service.code if j.service else None for j in jobs] == ["MINOR", "MINOR", "LUBE", "MAINT"]
    # li's: his own, and b3 still, as the stored plan gives it to him
    assert [(j.booking, j.state, j.next) for j in technician_jobs(day, "li")] == [
        ("b4", "in_progress", True),
        ("b3", "in_progress", False),
    ]
    assert technician_jobs(DayPage(ws, seen, None, ws, [], None), "wang") == []
    assert [j.service for j in technician_jobs(DayPage(ws, seen, stored, ws, [], None), "wang")] == [None] * 3


def test_a_printed_day_holds_its_own_bookings_its_plan_and_the_repairs_carried_in(sqlite_url: str) -> None:
    service = PlanningService(
        Store(sqlite_url), CapacityRules(walk_in_holdback=0), refine_in_background=False, clock=fixed_clock()
    )
    service.put_workshop(multi_day_workshop())
    wed = DAY + dt.timedelta(days=1)
    repair = service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))[
        0
    ]  # body Tuesday, paint Wednesday
    assert wed in repair.days
    service.book(WORKSHOP_ID, Booking(id="repair", service="REPAIR", drop_off=repair.drop_off), None)
    maint = service.slots(SlotQuery(WORKSHOP_ID, "MAINT", wed, False, None))[0]
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


def test_a_day_page_lists_the_cars_from_earlier_days_promised_for_pickup_on_it(sqlite_url: str) -> None:
    """pickday-s25: LONG dropped off Tuesday 13:00 is ready after the desk closed and promised
    Wednesday 08:00: Wednesday's page lists it apart, as a pickup (no work, not in the live day), by
    promised pickup; Tuesday's page has it as its own booking and no pickups. The printouts (job
    cards, day sheets: the technicians' work) leave it out."""
    service = PlanningService(Store(sqlite_url), clock=fixed_clock(), refine_in_background=False)
    service.put_workshop(overtime_tiny_workshop())
    wed = DAY + dt.timedelta(days=1)
    long, _ = service.book(
        "tiny", Booking(id="long", service="LONG", drop_off=at("13:00"), loan_car=True), None
    )
    assert long.promised == at("08:00", wed)
    service.book("tiny", Booking(id="maint", service="MAINT", drop_off=at("09:00", wed)), None)
    floor = ShopFloor(service, background=False)
    try:
        page = day_page(floor, "tiny", wed, at("07:00", wed))
        assert [b.id for b in page.bookings] == [b.id for b in page.seen] == ["maint"]
        assert [b.id for b in page.pickups] == ["long"] and page.pickups[0].loan_car
        assert page.status is not None and [b.booking for b in page.status.bookings] == ["maint"]
        tuesday = day_page(floor, "tiny", DAY, at("07:00"))
        assert [b.id for b in tuesday.bookings] == ["long"] and tuesday.pickups == []
        assert technician_day(floor, "tiny", "t", wed, at("07:00", wed)).day == page
        assert [b.id for b in printed_day(service, "tiny", wed).bookings] == ["maint"]
        assert printed_day(service, "tiny", wed).carried == []
    finally:
        floor.close()
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
