"""A day's version (`bookings.day_version`, what its cached and refined offers are keyed by) moves
with every change its offers depend on, and only with those (issue 16): a booking on another day
that does not touch it leaves it, and its cached offers, as they were. On SQLite and PostgreSQL (the
day's revision is an upsert of each dialect)."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command

from scheduler.contract import Booking, PlanRequest
from scheduler.offer import SlotQuery
from scheduler.service import PlanningService
from scheduler.slots import CapacityRules, Wants
from scheduler.storage import Store
from scheduler.storage import bookings as bookings_db
from scheduler.validator import assert_valid
from tests.builders import DAY, WORKSHOP_ID, at, fake_refiner_pool, fixed_clock, multi_day_workshop
from tests.scheduler.storage.test_bookings import _config, _tables

WED, THU = DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)


def _service(db_url: str, loan_cars: int = 0) -> PlanningService:
    service = PlanningService(
        Store(db_url), CapacityRules(walk_in_holdback=0), refine_in_background=False, clock=fixed_clock()
    )
    service.put_workshop(multi_day_workshop(loan_cars=loan_cars))
    return service


def _version(service: PlanningService, date: dt.date) -> tuple[object, ...]:
    with service.store.sessions() as session:
        return bookings_db.day_version(session, WORKSHOP_ID, date)


def test_a_booking_on_another_day_keeps_the_days_cached_offers_and_they_still_book(db_url: str) -> None:
    service = _service(db_url)
    wednesday = SlotQuery(WORKSHOP_ID, "MAINT", WED, False, None)
    offers = service.slots(wednesday)
    version = _version(service, WED)
    service.book(WORKSHOP_ID, Booking(id="tue", service="MAINT", drop_off=at("08:00")), None)
    service.book(WORKSHOP_ID, Booking(id="tue2", service="MAINT", drop_off=at("09:00")), None)
    service.cancel(WORKSHOP_ID, "tue2")
    assert _version(service, WED) == version
    assert service.slots(wednesday) is offers  # the cached answer, no search
    # Sound: the kept offer books with the promise shown, and the day plan keeps every promise.
    offer = offers[0]
    stored, created = service.book(
        WORKSHOP_ID, Booking(id="wed", service="MAINT", drop_off=offer.drop_off), None
    )
    assert created and stored.promised == offer.promised
    workshop = service.workshop(WORKSHOP_ID)
    plan = service.plan_day(WORKSHOP_ID, WED, time_limit_seconds=3)
    bookings = service.bookings(WORKSHOP_ID, WED)
    assert_valid(PlanRequest(workshop=workshop, date=WED, bookings=bookings), plan)
    assert plan.kpis.placed == len(bookings) == 1 and plan.kpis.late == 0
    assert _version(service, WED) != version


def test_every_change_of_the_days_own_bookings_gives_it_a_new_version(db_url: str) -> None:
    service = _service(db_url)
    seen = [_version(service, DAY)]
    thursday = _version(service, THU)

    def changed(before: int) -> None:
        seen.append(_version(service, DAY))
        assert len(set(seen)) == len(seen) == before + 1

    service.book(WORKSHOP_ID, Booking(id="a", service="MAINT", drop_off=at("08:00")), None)
    changed(1)
    service.change(WORKSHOP_ID, "a", {"parts_eta": at("08:30")})
    changed(2)
    service.change(WORKSHOP_ID, "a", {"phone": "+49 30 1234"})  # a detail: the row's text only
    changed(3)
    service.change(WORKSHOP_ID, "a", {"drop_off": at("09:00")})
    changed(4)
    service.cancel(WORKSHOP_ID, "a")
    changed(5)
    assert _version(service, THU) == thursday  # none of it touched Thursday


def test_multi_day_work_and_its_changes_give_the_later_days_a_new_version(db_url: str) -> None:
    service = _service(db_url)
    seen = [_version(service, WED)]
    service.book(WORKSHOP_ID, Booking(id="r", service="REPAIR", drop_off=at("08:00")), None)
    seen.append(_version(service, WED))  # its work carried to Wednesday
    service.change(WORKSHOP_ID, "r", {"phone": "+49 30 1234"})  # listed on Wednesday too
    seen.append(_version(service, WED))
    service.change(WORKSHOP_ID, "r", {"parts_eta": at("08:30")})
    seen.append(_version(service, WED))
    service.cancel(WORKSHOP_ID, "r")
    seen.append(_version(service, WED))
    assert len(set(seen)) == len(seen)


def test_a_loan_car_lent_on_an_earlier_day_gives_the_later_days_a_new_version(db_url: str) -> None:
    service = _service(db_url, loan_cars=1)
    before = _version(service, WED)
    service.book(WORKSHOP_ID, Booking(id="r", service="REPAIR", drop_off=at("08:00"), loan_car=True), None)
    lent = _version(service, WED)
    assert lent != before
    # Out until Wednesday 15:30: Wednesday's offers with a loan car start after it.
    car = SlotQuery(WORKSHOP_ID, "MAINT", WED, False, None, wants=Wants(loan_car=True))
    assert all(o.drop_off >= at("15:30", WED) for o in service.slots(car))
    # A one-day booking with a loan car, promised the same day: the car may still be out later.
    friday = DAY + dt.timedelta(days=3)
    version = _version(service, friday)
    service.book(
        WORKSHOP_ID, Booking(id="m", service="MAINT", drop_off=at("08:00", THU), loan_car=True), None
    )
    assert _version(service, friday) != version


def test_a_new_version_that_leaves_the_day_as_it_was_is_answered_as_before(db_url: str) -> None:
    """A car dropped off late on Tuesday is promised for Wednesday morning: Wednesday gets a new
    version (the car may be picked up there), but its bookings and witness are as they were, so
    the answer cached for it (refined or not) is Wednesday's answer still, served without a search
    (pace16-s44: such days were answered by the immediate search, which gave up the refined offers
    that moved bookings)."""
    service = _service(db_url)
    wednesday = SlotQuery(WORKSHOP_ID, "MAINT", WED, False, None)
    service.book(WORKSHOP_ID, Booking(id="w1", service="MAINT", drop_off=at("08:00", WED)), None)
    offers = service.slots(wednesday)
    version = _version(service, WED)
    late, _ = service.book(WORKSHOP_ID, Booking(id="late", service="MAINT", drop_off=at("16:30")), None)
    assert late.promised is not None and late.promised.date() == WED
    assert _version(service, WED) != version
    hits = service.offer_cache_hits
    assert service.slots(wednesday) is offers  # the cached answer, no search
    assert service.offer_cache_hits == hits + 1
    # Sound: the kept offer books with the promise shown, and the day plan keeps every promise.
    offer = offers[-1]
    stored, created = service.book(
        WORKSHOP_ID, Booking(id="wed", service="MAINT", drop_off=offer.drop_off), None
    )
    assert created and stored.promised == offer.promised
    plan = service.plan_day(WORKSHOP_ID, WED, time_limit_seconds=3)
    bookings = service.bookings(WORKSHOP_ID, WED)
    assert_valid(PlanRequest(workshop=service.workshop(WORKSHOP_ID), date=WED, bookings=bookings), plan)
    assert plan.kpis.placed == len(bookings) and plan.kpis.late == 0


def test_a_new_version_left_unrefined_by_a_failed_refinement_of_the_same_day_asks_for_one(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pace16-s45 (review-s44's open finding): Wednesday's query of the version after the late
    Tuesday car is answered from the older version's answer (`DayBook.same_as`). While the older
    version's refinement runs, its result merges into that answer, so the hit asks for none; once
    it is over with nothing delivered (it failed), the next hit asks for this version's."""
    from scheduler import refine_ahead

    pool = fake_refiner_pool(monkeypatch, "held")  # a refinement is done when the test says so
    monkeypatch.setattr(refine_ahead, "offers_may_grow", lambda *args: True)  # any answer may grow
    service = PlanningService(Store(db_url), CapacityRules(walk_in_holdback=0), clock=fixed_clock())
    try:
        service.put_workshop(multi_day_workshop())
        wednesday = SlotQuery(WORKSHOP_ID, "MAINT", WED, False, None)

        def refined_on_wednesday() -> list[tuple[object, ...]]:
            service.pack_idle()
            return [v for k, v in zip(pool.keys, pool.versions, strict=True) if k[1] == WED]

        service.slots(wednesday)
        older = _version(service, WED)
        assert refined_on_wednesday() == [older]  # under way (held)
        service.book(WORKSHOP_ID, Booking(id="late", service="MAINT", drop_off=at("16:30")), None)
        newer = _version(service, WED)
        assert newer != older
        hits = service.offer_cache_hits
        service.slots(wednesday)  # the same day: the older version's refinement merges in
        assert service.offer_cache_hits == hits + 1
        assert refined_on_wednesday() == [older]
        assert service._ahead is not None
        assert not [key for key in service._ahead.refiner._wanted if key[1] == WED]  # no duplicate waits
        running = next(f for f in pool.pending if not f.done())
        pool.pending.remove(running)
        running.set_exception(RuntimeError("the refinement failed"))  # nothing delivered
        service.slots(wednesday)
        assert service.offer_cache_hits == hits + 2
        service.pack_idle()
        pool.finish_pending()  # and whatever the Tuesday booking asked ahead, queued before it
        assert refined_on_wednesday() == [older, newer]
        assert service.refine_idle(timeout=10)
    finally:
        service.close()


def test_a_new_version_that_changes_the_day_is_answered_afresh(db_url: str) -> None:
    """A loan car lent on Tuesday until Wednesday 15:30 changes Wednesday (the car is out): the
    answer cached before it is not served for the new version."""
    service = _service(db_url, loan_cars=1)
    car = SlotQuery(WORKSHOP_ID, "MAINT", WED, False, None, wants=Wants(loan_car=True))
    assert any(o.drop_off < at("15:30", WED) for o in service.slots(car))
    service.book(WORKSHOP_ID, Booking(id="r", service="REPAIR", drop_off=at("08:00"), loan_car=True), None)
    assert all(o.drop_off >= at("15:30", WED) for o in service.slots(car))


def test_a_new_text_of_the_workshop_gives_every_day_a_new_version(db_url: str) -> None:
    service = _service(db_url)
    before = {d: _version(service, d) for d in (DAY, WED, THU)}
    service.put_workshop(multi_day_workshop().model_copy(update={"name": "Renamed"}))
    assert all(_version(service, d) != v for d, v in before.items())


def test_migration_0014_keeps_every_booking_and_the_days_revisions_start_after_it(db_url: str) -> None:
    service = _service(db_url)
    service.book(WORKSHOP_ID, Booking(id="a", service="MAINT", drop_off=at("08:00")), None)
    service.store.engine.dispose()  # no session holds the table the downgrade drops
    command.downgrade(_config(db_url), "0013")
    assert "day_revisions" not in _tables(db_url)
    assert [b.id for b in service.bookings(WORKSHOP_ID, DAY)] == ["a"]  # kept
    command.upgrade(_config(db_url), "head")
    assert "day_revisions" in _tables(db_url)
    before = _version(service, DAY)
    service.cancel(WORKSHOP_ID, "a")
    assert _version(service, DAY) != before
