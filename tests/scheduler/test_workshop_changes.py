"""A workshop change packs a day again before it lists a booking as broken (issue 13 item 7): longer
standard minutes on a day with room go through without `force`, and only the bookings that still do
not fit are listed; every booking kept has a witness the new workshop holds (the validator says)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scheduler.contract import Assignment, Booking, Plan, PlanOptions, PlanRequest, Workshop
from scheduler.errors import WorkshopConflict
from scheduler.kpis import NO_KPIS
from scheduler.service import PlanningService
from scheduler.storage import Store
from scheduler.storage import bookings as bookings_db
from scheduler.validator import validate_plan
from scheduler.workshop_changes import NO_ROOM
from tests.builders import DAY, fixed_clock
from tests.scheduler.test_workshop_change import _workshop


def _longer(minutes: int) -> Workshop:
    """`_workshop()` with MAINT's one operation taking `minutes` standard minutes (was 60)."""
    ws = _workshop()
    maint, tyre = ws.services
    work = maint.operations[0].model_copy(update={"minutes": minutes})
    return ws.model_copy(update={"services": [maint.model_copy(update={"operations": [work]}), tyre]})


def _booked(tmp_path: Path, count: int = 10) -> PlanningService:
    """Ten MAINT bookings dropped off two an hour from 08:00 on two technicians' day (each promised
    15:30 or 17:30 by the desk): one hour each leaves the afternoon free."""
    service = PlanningService(
        Store(f"sqlite:///{tmp_path / 'w.db'}"), refine_in_background=False, clock=fixed_clock()
    )
    service.put_workshop(_workshop())
    tz = _workshop().tz
    for i in range(count):
        drop = dt.datetime.combine(DAY, dt.time(8 + i // 2), tzinfo=tz)
        service.book("ws", Booking(id=f"b{i}", service="MAINT", drop_off=drop), None)
    return service


def bookings_db_day(service: PlanningService) -> list[tuple[Booking, list[Assignment]]]:
    """The day's bookings as stored, each with its witness."""
    with service.store.sessions() as session:
        return bookings_db.day_accepted(session, "ws", DAY)


def _witness_violations(service: PlanningService, workshop: Workshop) -> list[str]:
    """What the independent validator finds wrong with the stored witnesses of the bookings not at
    risk, against `workshop`, every promise to be kept."""
    kept = [(b, w) for b, w in bookings_db_day(service) if not b.at_risk]
    request = PlanRequest(
        workshop=workshop, date=DAY, bookings=[b for b, _ in kept], options=PlanOptions(keep_promises=True)
    )
    plan = Plan(
        workshop="ws",
        date=DAY,
        planner="witness",
        status="feasible",
        objective=0.0,
        solve_seconds=0.0,
        assignments=[a for _, w in kept for a in w],
        unassigned=[],
        kpis=NO_KPIS,
    )
    return [v.message for v in validate_plan(request, plan)]


def test_longer_standard_minutes_on_a_day_with_room_are_applied_without_force(tmp_path: Path) -> None:
    """Every witness of 60 minutes breaks at 90 (all ten were listed, review-s43 #12), yet the day
    holds 900 minutes of work for two technicians by the promises: no 409, nothing at risk, and each
    booking's stored witness is a new one of 90 minutes that the validator passes."""
    service = _booked(tmp_path)
    new = _longer(90)
    assert _witness_violations(service, new)  # the old witnesses do not hold
    service.put_workshop(new)  # no WorkshopConflict
    assert service.workshop("ws") == new
    day = bookings_db_day(service)
    assert len(day) == 10 and not any(b.at_risk for b, _ in day)
    assert all((a.end - a.start) == dt.timedelta(minutes=90) for _, w in day for a in w)
    assert _witness_violations(service, new) == []


def test_only_the_bookings_that_still_do_not_fit_are_listed_and_forced_the_rest_keep_a_witness(
    tmp_path: Path,
) -> None:
    """At 150 minutes the day holds six of the ten by their promises: four listed (not ten), and
    forced, those four are at risk while the six others keep new witnesses the new workshop holds."""
    service = _booked(tmp_path)
    new = _longer(150)
    with pytest.raises(WorkshopConflict) as refused:
        service.put_workshop(new)
    listed = {str(b["booking"]) for b in refused.value.bookings}
    assert len(listed) == 4, refused.value.bookings
    assert all(b["reasons"] for b in refused.value.bookings)
    assert service.workshop("ws") == _workshop()  # nothing stored
    assert not any(b.at_risk for b, _ in bookings_db_day(service))
    service.put_workshop(new, force=True)
    at_risk = {b.id for b, _ in bookings_db_day(service) if b.at_risk}
    assert at_risk == listed
    assert _witness_violations(service, new) == []


def test_a_booking_the_new_witness_leaves_out_says_the_day_has_no_room_for_it(tmp_path: Path) -> None:
    """One technician taken away: the day packed again keeps the most bookings on time, which may
    leave out one whose own witness was on the technician who stays; its reason then says why."""
    service = _booked(tmp_path)
    without_t2 = _workshop().model_copy(update={"technicians": _workshop().technicians[:1]})
    with pytest.raises(WorkshopConflict) as refused:
        service.put_workshop(without_t2)
    reasons = [r for b in refused.value.bookings for r in b["reasons"]]  # type: ignore[attr-defined]
    assert 0 < len(refused.value.bookings) < 5  # the old witness broke the five on t2
    assert all("unknown technician t2" in r or r == NO_ROOM for r in reasons), reasons
