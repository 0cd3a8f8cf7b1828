"""Multi-day work: offers over every day the work touches, the later days' capacity held in their
witnesses, the day plans and the validator over the parts, and loan cars out over the days."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from functools import partial

import pytest

from scheduler import multiday, slots
from scheduler.availability import Availability
from scheduler.contract import Assignment, Booking, Workshop
from scheduler.errors import Conflict, WorkshopConflict
from scheduler.offer import Offer, SlotQuery
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.slots import CapacityRules, DayBook, Wants
from scheduler.storage import Store
from scheduler.storage import bookings as bookings_db
from scheduler.validator import RULE_MULTI_DAY, RULE_PRECEDENCE, RULE_SHIFT, validate_multiday, validate_plan
from tests.builders import (
    DAY,
    WORKSHOP_ID,
    at,
    counted_search_clock,
    fixed_clock,
    multi_day_workshop,
    with_service,
    with_technician,
)

# Multi-day work in the service: on PostgreSQL these tests run no line of scheduler/storage/ that
# the tests left on both backends do not run (bench/RESULTS-suitespeed-s37.md).
pytestmark = pytest.mark.sqlite_only

WED, THU, FRI = (DAY + dt.timedelta(days=i) for i in (1, 2, 3))


def _service(db_url: str, ws: Workshop) -> PlanningService:
    service = PlanningService(
        Store(db_url), CapacityRules(walk_in_holdback=0), refine_in_background=False, clock=fixed_clock()
    )
    service.put_workshop(ws)
    return service


def _witness(service: PlanningService, booking_id: str) -> tuple[Booking, list[Assignment]]:
    with service.store.sessions() as session:
        row = bookings_db.get(session, WORKSHOP_ID, booking_id)
        assert row is not None
        return bookings_db.accepted_of(row)


def test_an_offer_covers_every_day_the_work_touches_and_promises_pickup_on_the_last(db_url: str) -> None:
    service = _service(db_url, multi_day_workshop())
    offers = {o.drop_off: o for o in service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))}
    # 08:00: both body stages on Tuesday (08:00-11:00, 13:00-16:00), paint and reassembly Wednesday.
    early = offers[at("08:00")]
    assert early.days == (DAY, WED)
    assert early.promised == at("15:30", WED)
    # 10:00: one body stage fits Tuesday; the work runs into Thursday.
    assert offers[at("10:00")].days == (DAY, WED, THU)
    for offer in offers.values():
        assert offer.promised.astimezone(multi_day_workshop().tz).date() == offer.days[-1]
        assert 2 <= len(offer.days) <= 3


def test_work_that_needs_more_days_than_the_service_allows_is_not_offered(db_url: str) -> None:
    service = _service(db_url, multi_day_workshop(max_days=2))
    offers = service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))
    assert offers and all(len(o.days) == 2 for o in offers)
    assert at("10:00") not in {o.drop_off for o in offers}


def test_bookings_over_three_days_keep_every_day_plan_valid_and_on_time(db_url: str) -> None:
    """Multi-day repairs and one-day work booked on Tuesday, Wednesday and Thursday: every day's
    plan (Tuesday to Friday) places every booking and every carried-over part, on time, and passes
    the validator; every multi-day witness passes the multi-day check."""
    ws = multi_day_workshop()
    service = _service(db_url, ws)
    booked: list[Booking] = []
    for n, (date, code) in enumerate(
        [(DAY, "REPAIR"), (DAY, "MAINT"), (WED, "REPAIR"), (WED, "ACCIDENT"), (WED, "MINOR"),
         (THU, "REPAIR"), (THU, "ACCIDENT"), (THU, "MAINT"), (DAY, "ACCIDENT"), (WED, "REPAIR")]
    ):  # fmt: skip
        offers = service.slots(SlotQuery(WORKSHOP_ID, code, date, False, None))
        if not offers:
            continue
        wanted = Booking(id=f"b{n}", service=code, drop_off=offers[0].drop_off)
        stored, _ = service.book(WORKSHOP_ID, wanted, None)
        assert stored.promised == offers[0].promised
        booked.append(stored)
    repairs = [b for b in booked if b.service == "REPAIR"]
    assert len(repairs) >= 3
    touched = {a.start.astimezone(ws.tz).date() for b in booked for a in _witness(service, b.id)[1]}
    assert {DAY, WED, THU, FRI} <= touched
    for date in sorted(touched):
        plan = service.plan_day(WORKSHOP_ID, date, 2.0)
        request, _, _ = service.plan_inputs(WORKSHOP_ID, date, 2.0)
        assert validate_plan(request, plan) == []
        assert plan.unassigned == [] and plan.kpis.late == 0
        assert {a.booking for a in plan.assignments} == {b.id for b in request.bookings}
    for repair in repairs:
        booking, witness = _witness(service, repair.id)
        assert validate_multiday(ws, booking, witness) == []
        days = {a.start.astimezone(ws.tz).date() for a in witness}
        assert len(days) >= 2
        for date in days:  # each day it touches plans its part
            plan = service.stored_plan(WORKSHOP_ID, date)
            assert repair.id in {a.booking for a in plan.assignments}


def test_later_days_hold_the_carried_over_work(db_url: str) -> None:
    ws = multi_day_workshop()
    service = _service(db_url, ws)
    _, before = service.loading(WORKSHOP_ID, WED, WED)
    service.book(WORKSHOP_ID, Booking(id="r", service="REPAIR", drop_off=at("08:00")), None)
    _, after = service.loading(WORKSHOP_ID, WED, WED)
    booked = {p.skill: p.booked for p in after[0].pools}
    assert booked["paint"] == 150 and booked["body"] == 120  # Wednesday's paint and reassembly
    assert {p.skill: p.booked for p in before[0].pools}["paint"] == 0
    # The painter is busy on Wednesday until 10:30: an accident job's paint waits for it.
    offer = service.slots(SlotQuery(WORKSHOP_ID, "ACCIDENT", WED, False, None))[0]
    assert offer.drop_off == at("08:00", WED)
    assert next(a for a in offer.assignments if a.operation == 1).start >= at("10:30", WED)
    service.cancel(WORKSHOP_ID, "r")
    _, cancelled = service.loading(WORKSHOP_ID, WED, WED)
    assert {p.skill: p.booked for p in cancelled[0].pools}["paint"] == 0


def test_a_loan_car_stays_out_until_the_promised_pickup_days_later(db_url: str) -> None:
    service = _service(db_url, multi_day_workshop(loan_cars=1))
    stored, _ = service.book(
        WORKSHOP_ID, Booking(id="r", service="REPAIR", drop_off=at("08:00"), loan_car=True), None
    )
    assert stored.promised == at("15:30", WED)
    car = Wants(loan_car=True)
    assert service.slots(SlotQuery(WORKSHOP_ID, "MAINT", DAY, False, None, wants=car)) == []
    wednesday = service.slots(SlotQuery(WORKSHOP_ID, "MAINT", WED, False, None, wants=car))
    assert wednesday and all(o.drop_off >= at("15:30", WED) for o in wednesday)
    assert service.slots(SlotQuery(WORKSHOP_ID, "MAINT", WED, False, None))[0].drop_off == at("08:00", WED)
    # A second multi-day repair with a loan car: none free before Wednesday 15:30.
    assert service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None, wants=car)) == []


def test_parts_eta_holds_the_paint_on_whichever_day_it_falls(db_url: str) -> None:
    ws = multi_day_workshop()
    service = _service(db_url, ws)
    eta = at("11:00", WED)
    offers = service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None, wants=Wants(parts_eta=eta)))
    offer = next(o for o in offers if o.drop_off == at("08:00"))
    paint = next(a for a in offer.assignments if a.operation == 2)
    assert paint.start >= eta
    service.book(WORKSHOP_ID, Booking(id="r", service="REPAIR", drop_off=at("08:00"), parts_eta=eta), None)
    booking, witness = _witness(service, "r")
    assert validate_multiday(ws, booking, witness) == []


def test_the_multi_day_check_finds_broken_witnesses() -> None:
    ws = multi_day_workshop()
    booking = Booking(id="r", service="REPAIR", drop_off=at("08:00"), promised=at("15:30", WED))

    def a(op: int, bay: str, tech: str, start: str, end: str, day: dt.date) -> Assignment:
        return Assignment(
            booking="r", operation=op, bay=bay, technician=tech, start=at(start, day), end=at(end, day)
        )

    good = [a(0, "B1", "zhao", "08:00", "11:00", DAY), a(1, "B1", "zhao", "13:00", "16:00", DAY),
            a(2, "P1", "zhou", "08:00", "10:30", WED), a(3, "B1", "zhao", "13:00", "15:00", WED)]  # fmt: skip
    assert validate_multiday(ws, booking, good) == []
    swapped = [good[1].model_copy(update={"start": at("08:00"), "end": at("11:00")}),
               good[0].model_copy(update={"start": at("13:00"), "end": at("16:00")}), *good[2:]]  # fmt: skip
    assert RULE_PRECEDENCE in {v.rule for v in validate_multiday(ws, booking, swapped)}
    late = [*good[:3], a(3, "B1", "zhao", "16:00", "18:00", WED)]
    assert {RULE_SHIFT, RULE_MULTI_DAY} <= {v.rule for v in validate_multiday(ws, booking, late)}
    too_long = [*good[:3], a(3, "B1", "zhao", "08:00", "10:00", FRI)]
    promised_friday = booking.model_copy(update={"promised": at("15:30", FRI)})
    rules = {v.rule for v in validate_multiday(ws, promised_friday, too_long)}
    assert rules == {RULE_MULTI_DAY}
    # No work on the drop-off day: accepted, the waiting day counting against the service's days.
    from_wed = [a(0, "B1", "zhao", "08:00", "11:00", WED), a(1, "B1", "zhao", "13:00", "16:00", WED),
                a(2, "P1", "zhou", "08:00", "10:30", THU),
                a(3, "B1", "zhao", "13:00", "15:00", THU)]  # fmt: skip
    promised_thursday = booking.model_copy(update={"promised": at("15:30", THU)})
    assert validate_multiday(ws, promised_thursday, from_wed) == []
    day = dt.timedelta(days=1)
    from_thu = [x.model_copy(update={"start": x.start + day, "end": x.end + day}) for x in from_wed]
    promised_later = booking.model_copy(update={"promised": at("15:30", FRI)})
    assert {v.rule for v in validate_multiday(ws, promised_later, from_thu)} == {RULE_MULTI_DAY}  # 4 days


@pytest.mark.parametrize("code", ["MAINT", "ACCIDENT"])
def test_one_day_services_keep_their_offers(db_url: str, code: str) -> None:
    service = _service(db_url, multi_day_workshop())
    assert all(o.days == () for o in service.slots(SlotQuery(WORKSHOP_ID, code, DAY, False, None)))


def test_a_workshop_change_that_breaks_carried_over_work_names_the_booking(db_url: str) -> None:
    ws = multi_day_workshop()
    service = _service(db_url, ws)
    service.book(WORKSHOP_ID, Booking(id="r", service="REPAIR", drop_off=at("08:00")), None)
    service.put_workshop(ws.model_copy(update={"name": "Renamed"}))  # breaks nothing
    no_wednesday_painter = with_technician(ws, "zhou", weekdays=[0, 1, 3, 4, 5, 6])
    with pytest.raises(WorkshopConflict) as raised:
        service.put_workshop(no_wednesday_painter)
    assert [b["booking"] for b in raised.value.bookings] == ["r"]


def test_dealer_2011_books_whole_accident_repairs_over_three_days(db_url: str) -> None:
    """dealer-2011's ACC-REPAIR (16 labour hours, at most 5 days) booked with one-day work on three
    days in a row: every offer promises pickup on its last day, every day plan places everything
    on time and passes the validator, every repair's witness passes the multi-day check."""
    ws = load_scenario("dealer-2011").workshop
    service = PlanningService(Store(db_url), CapacityRules(), refine_in_background=False, clock=fixed_clock())
    service.put_workshop(ws)
    rng = random.Random(7)
    booked: list[Booking] = []
    for date in (DAY, WED, THU):
        for n in range(12):
            code = "ACC-REPAIR" if n % 3 == 0 else rng.choice(["MAINT", "MINOR", "ACC-BODY", "LUBE"])
            offers = service.slots(SlotQuery(ws.id, code, date, False, None))
            if not offers:
                continue
            pick = rng.choice(offers)
            if code == "ACC-REPAIR":
                # On its last day, or where the work ends after the desk closes (17:30, the
                # advisors' end), at the next day's first handover (08:00, the opening).
                pickup = pick.promised.astimezone(ws.tz)
                next_morning = (pickup.date() - pick.days[-1]).days == 1 and pickup.strftime(
                    "%H:%M"
                ) == "08:00"
                assert len(pick.days) >= 2 and (pickup.date() == pick.days[-1] or next_morning)
                assert "08:00" <= pickup.strftime("%H:%M") <= "17:30"
            stored, _ = service.book(
                ws.id, Booking(id=f"{date:%d}-{n}", service=code, drop_off=pick.drop_off), None
            )
            assert stored.promised == pick.promised
            booked.append(stored)
    repairs = [b for b in booked if b.service == "ACC-REPAIR"]
    assert len(repairs) == 12
    touched: set[dt.date] = set()
    with service.store.sessions() as session:
        for repair in repairs:
            row = bookings_db.get(session, ws.id, repair.id)
            assert row is not None
            booking, witness = bookings_db.accepted_of(row)
            assert validate_multiday(ws, booking, witness) == []
            touched |= {a.start.astimezone(ws.tz).date() for a in witness}
    for date in sorted(touched | {DAY, WED, THU}):
        plan = service.plan_day(ws.id, date, 3.0)
        request, _, _ = service.plan_inputs(ws.id, date, 3.0)
        assert validate_plan(request, plan) == []
        assert plan.unassigned == [] and plan.kpis.late == 0


def test_offers_follow_bookings_on_the_days_the_work_carries_over_to(db_url: str) -> None:
    service = _service(db_url, multi_day_workshop())
    first = {o.drop_off: o for o in service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))}
    assert first[at("08:00")].days == (DAY, WED)
    # Wednesday's accident job takes the painter 10:00-11:30: the repair's paint and reassembly
    # no longer both fit Wednesday, so the answer for Tuesday changes (not the cached one).
    service.book(WORKSHOP_ID, Booking(id="w", service="ACCIDENT", drop_off=at("08:00", WED)), None)
    again = {o.drop_off: o for o in service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))}
    assert again[at("08:00")].days == (DAY, WED, THU)
    assert again[at("08:00")].promised == at("15:30", THU)


def test_moving_a_repair_moves_its_carried_over_days(db_url: str) -> None:
    service = _service(db_url, multi_day_workshop())
    service.book(WORKSHOP_ID, Booking(id="r", service="REPAIR", drop_off=at("08:00")), None)
    moved = service.change(WORKSHOP_ID, "r", {"drop_off": at("10:00")})
    assert moved.promised == at("15:30", THU)
    _, chart = service.loading(WORKSHOP_ID, WED, THU)
    body = [{p.skill: p.booked for p in day.pools}["body"] for day in chart]
    assert body == [180, 120]  # Wednesday the second body stage, Thursday the reassembly
    service.cancel(WORKSHOP_ID, "r")
    _, chart = service.loading(WORKSHOP_ID, WED, THU)
    assert all({p.skill: p.booked for p in day.pools}["body"] == 0 for day in chart)


@pytest.mark.parametrize("max_days", [1, 2])
def test_multi_day_work_is_never_overbooked(db_url: str, max_days: int) -> None:
    """With the body and paint pools overbooked by 50 % (three body technicians, one body bay),
    accident jobs booked until the body bay is full: as a one-day service the desk then sells
    them beyond the witness (overbooked); as multi-day work it carries them over to the next day
    instead, every offer held in a witness on every day."""
    pools = [{"pool": "body:3", "overbooking_percent": 50}, {"pool": "paint:3", "overbooking_percent": 50}]
    data = with_service(multi_day_workshop(), "ACCIDENT", max_days=max_days).model_dump()
    zhao = next(t for t in data["technicians"] if t["id"] == "zhao")
    data["technicians"] += [{**zhao, "id": f"body{i}", "name": f"Body {i}"} for i in (1, 2)]
    service = _service(db_url, Workshop.model_validate({**data, "overbooking": pools}))
    seen: list[tuple[bool, int]] = []
    for n in range(6):
        offers = service.slots(SlotQuery(WORKSHOP_ID, "ACCIDENT", DAY, False, None))
        seen += [(o.overbooked, len(o.days)) for o in offers]
        if not offers:
            break
        wanted = Booking(id=f"a{n}", service="ACCIDENT", drop_off=offers[-1].drop_off)
        service.book(WORKSHOP_ID, wanted, None)
    if max_days == 1:
        assert (True, 0) in seen
    else:
        assert not any(overbooked for overbooked, _ in seen) and (False, 2) in seen


@pytest.mark.parametrize("drop_off", ["08:00", "09:00"])
def test_a_later_day_moves_its_bookings_out_of_the_way_to_hold_the_carried_over_work(
    db_url: str, drop_off: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wednesday's accident job (body 08:00-10:00, paint 10:00-11:30 in its witness) leaves the
    painter no 150 minutes before the reassembly must start: the two-day repair fits only once
    that job's paint moves. The offer moves it (ejection, as one-day offers do), the booking stores
    Wednesday's new witness, and every touched day's plan places everyone on time and passes the
    validator."""
    ws = multi_day_workshop(max_days=2)
    quick = _service(db_url, ws)
    quick.ejection_seconds = 0.0  # the free time as it is only (the answer before moving others)
    quick.book(WORKSHOP_ID, Booking(id="acc", service="ACCIDENT", drop_off=at("08:00", WED)), None)
    assert quick.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None)) == []
    counted_search_clock(monkeypatch, step=2**-20)  # CPU clock reads: no stall of a loaded machine cuts it
    service = PlanningService(
        Store(db_url), CapacityRules(walk_in_holdback=0), refine_in_background=False, clock=fixed_clock(),
        ejection_seconds=1.0,  # the answer's budget is CPU time: generous here, so the test is not timed
    )  # fmt: skip
    offers = {o.drop_off: o for o in service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))}
    offer = offers[at(drop_off)]
    assert offer.days == (DAY, WED) and offer.promised.astimezone(ws.tz).date() == WED
    accident_before = _witness(service, "acc")
    stored, _ = service.book(WORKSHOP_ID, Booking(id="r", service="REPAIR", drop_off=at(drop_off)), None)
    assert stored.promised == offer.promised
    repair, witness = _witness(service, "r")
    assert validate_multiday(ws, repair, witness) == []
    accident, moved = _witness(service, "acc")
    assert moved != accident_before[1]  # Wednesday's witness changed to make room
    assert accident.promised is not None and max(a.end for a in moved) <= accident.promised  # on time
    for date in (DAY, WED):
        plan = service.plan_day(WORKSHOP_ID, date, 2.0)
        request, _, _ = service.plan_inputs(WORKSHOP_ID, date, 2.0)
        assert validate_plan(request, plan) == []
        assert plan.unassigned == [] and plan.kpis.late == 0
        assert "r" in {a.booking for a in plan.assignments}


def test_a_full_drop_off_day_still_gets_a_repair_whose_work_starts_the_next_day(db_url: str) -> None:
    """Tuesday's body technician is taken by one repair: a second, dropped off on Tuesday, is
    offered with its work from Wednesday (held on Tuesday: checked in, its loan car out, no work),
    promised by the promise rule on its last work day within its 4 opening days from Tuesday;
    booked, every day it touches keeps a valid plan, and its witness passes the multi-day check."""
    ws = multi_day_workshop(max_days=4, loan_cars=2)
    service = _service(db_url, ws)
    service.book(WORKSHOP_ID, Booking(id="first", service="REPAIR", drop_off=at("08:00")), None)
    offers = {o.drop_off: o for o in service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))}
    offer = offers[at("08:00")]
    assert offer.days == (DAY, WED, THU, FRI)
    assert {a.start.astimezone(ws.tz).date() for a in offer.assignments} == {WED, THU, FRI}
    assert offer.promised == at("15:30", FRI)
    wanted = Booking(id="second", service="REPAIR", drop_off=at("08:00"), loan_car=True)
    stored, _ = service.book(WORKSHOP_ID, wanted, None)
    assert stored.promised == offer.promised
    booking, witness = _witness(service, "second")
    assert validate_multiday(ws, booking, witness) == []
    assert min(a.start for a in witness) == at("08:00", WED)
    for date in (DAY, WED, THU, FRI):
        plan = service.plan_day(WORKSHOP_ID, date, 2.0)
        request, _, _ = service.plan_inputs(WORKSHOP_ID, date, 2.0)
        assert validate_plan(request, plan) == []
        assert plan.unassigned == [] and plan.kpis.late == 0
        in_plan = "second" in {a.booking for a in plan.assignments}
        assert in_plan == (date != DAY)  # no work of it on its drop-off day
    # Tuesday counts the vehicle checked in and its loan car out all day, no minutes of it.
    loads = {d.date: d for d in service.loading(WORKSHOP_ID, DAY, FRI)[1]}
    assert [loads[d].loan_cars_free for d in (DAY, WED, THU, FRI)] == [1, 1, 1, 1]
    assert loads[DAY].bookings == 2
    car = Wants(loan_car=True)
    assert service.slots(SlotQuery(WORKSHOP_ID, "MAINT", DAY, False, None, wants=car))  # one car is left
    out, _ = service.book(
        WORKSHOP_ID, Booking(id="car", service="MAINT", drop_off=at("08:00"), loan_car=True), None
    )
    assert out.promised is not None
    later = service.slots(SlotQuery(WORKSHOP_ID, "MAINT", DAY, False, None, wants=car))
    assert later and all(o.drop_off >= out.promised for o in later)  # the held repair keeps the other


def test_a_held_day_keeps_its_loan_car_out_when_the_work_starts_two_days_later(db_url: str) -> None:
    """Two repairs take the body technician's Tuesday and Wednesday: a third dropped off on
    Tuesday starts on Thursday, held on Tuesday and Wednesday (each lists it, its loan car out)."""
    ws = multi_day_workshop(max_days=5, loan_cars=1)
    service = _service(db_url, ws)
    for name in ("first", "second"):
        service.book(WORKSHOP_ID, Booking(id=name, service="REPAIR", drop_off=at("08:00")), None)
    offer = next(
        o
        for o in service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))
        if o.drop_off == at("08:00")
    )
    worked = {a.start.astimezone(ws.tz).date() for a in offer.assignments}
    assert min(worked) == THU and offer.days[:3] == (DAY, WED, THU)
    wanted = Booking(id="third", service="REPAIR", drop_off=at("08:00"), loan_car=True)
    service.book(WORKSHOP_ID, wanted, None)
    booking, witness = _witness(service, "third")
    assert validate_multiday(ws, booking, witness) == []
    with service.store.sessions() as session:
        listed = {d for d, r in bookings_db.carried_from(session, WORKSHOP_ID, DAY) if r.id == "third"}
    assert listed == set(offer.days) - {DAY}  # Wednesday too, with no work of it
    loads = service.loading(WORKSHOP_ID, DAY, offer.days[-1])[1]
    assert [d.loan_cars_free for d in loads if d.date in offer.days] == [0] * len(offer.days)
    for date in offer.days:
        plan = service.plan_day(WORKSHOP_ID, date, 2.0)
        request, _, _ = service.plan_inputs(WORKSHOP_ID, date, 2.0)
        assert validate_plan(request, plan) == [] and plan.unassigned == [] and plan.kpis.late == 0


def test_the_day_plan_counts_the_loan_car_of_a_vehicle_held_for_later_work(db_url: str) -> None:
    """One loan car, out with a repair held on Tuesday (its work from Wednesday): Tuesday's plan
    request lists the held vehicle, so the validator counts its car. Tuesday's plan is valid as
    booked; the same plan with one more loan-car booking is not (it was before the held vehicle
    was in the request), and the front desk neither offers nor books that booking."""
    service = _service(db_url, multi_day_workshop(max_days=4, loan_cars=1))
    service.book(WORKSHOP_ID, Booking(id="first", service="REPAIR", drop_off=at("08:00")), None)
    repair = Booking(id="second", service="REPAIR", drop_off=at("08:00"), loan_car=True)
    service.book(WORKSHOP_ID, repair, None)
    service.book(WORKSHOP_ID, Booking(id="oil", service="LUBE", drop_off=at("13:00")), None)
    request, _, _ = service.plan_inputs(WORKSHOP_ID, DAY, 2.0)
    assert [(b.id, b.loan_car, b.drop_off) for b in request.held] == [("second", True, at("08:00"))]
    assert "second" not in {b.id for b in request.bookings}
    plan = service.plan_day(WORKSHOP_ID, DAY, 2.0)
    assert validate_plan(request, plan) == [] and "oil" in {a.booking for a in plan.assignments}
    # The oil change with a loan car too: the one car is with the held repair's customer.
    with_car = request.model_copy(
        update={"bookings": [b.model_copy(update={"loan_car": b.id == "oil"}) for b in request.bookings]}
    )
    found = validate_plan(with_car, plan)
    assert [(v.rule, v.booking) for v in found] == [("loan_cars", "oil")]
    assert "2 loan cars out at" in found[0].message and "held for later work: second" in found[0].message
    assert validate_plan(with_car.model_copy(update={"held": []}), plan) == []  # the gap this closes
    # The front desk: no LUBE with a loan car on Tuesday, and booking one is refused.
    car = Wants(loan_car=True)
    assert service.slots(SlotQuery(WORKSHOP_ID, "LUBE", DAY, False, None, wants=car)) == []
    assert service.slots(SlotQuery(WORKSHOP_ID, "LUBE", DAY, False, None))  # without a car it fits
    with pytest.raises(Conflict):
        service.book(
            WORKSHOP_ID, Booking(id="car", service="LUBE", drop_off=at("14:00"), loan_car=True), None
        )


def _two_cars_out_on_tuesday(db_url: str) -> tuple[Workshop, PlanningService]:
    """A fleet of two out on Tuesday: a repair held there (its work from Wednesday, after another
    repair) with a loan car, and an oil change with one."""
    ws = multi_day_workshop(max_days=4, loan_cars=2)
    service = _service(db_url, ws)
    service.book(WORKSHOP_ID, Booking(id="first", service="REPAIR", drop_off=at("08:00")), None)
    service.book(
        WORKSHOP_ID, Booking(id="second", service="REPAIR", drop_off=at("08:00"), loan_car=True), None
    )
    service.book(WORKSHOP_ID, Booking(id="oil", service="LUBE", drop_off=at("13:00"), loan_car=True), None)
    return ws, service


def test_cutting_the_fleet_below_the_cars_out_with_held_vehicles_names_the_booking(db_url: str) -> None:
    """Two loan cars on Tuesday: one with a repair held there (work from Wednesday), one with an
    oil change. Cutting the fleet to one breaks the oil change's place (the held car counts)."""
    ws, service = _two_cars_out_on_tuesday(db_url)
    with pytest.raises(WorkshopConflict) as raised:
        service.put_workshop(ws.model_copy(update={"loan_cars": 1}))
    assert [b["booking"] for b in raised.value.bookings] == ["oil"]
    assert "held for later work: second" in " ".join(raised.value.bookings[0]["reasons"])  # type: ignore[arg-type]


def test_a_forced_fleet_cut_leaves_the_loan_car_booking_unassigned_not_the_whole_day(db_url: str) -> None:
    """The fleet cut to one by force with a held repair's car and an oil change's out on Tuesday:
    Tuesday's plan lists the oil change unassigned for want of a car and places the rest (a
    plan that breaks only the loan-car rule is trimmed, not replaced by an empty one)."""
    ws, service = _two_cars_out_on_tuesday(db_url)
    service.book(WORKSHOP_ID, Booking(id="maint", service="MAINT", drop_off=at("09:00")), None)
    service.put_workshop(ws.model_copy(update={"loan_cars": 1}), force=True)
    plan = service.plan_day(WORKSHOP_ID, DAY, 2.0)
    request, _, _ = service.plan_inputs(WORKSHOP_ID, DAY, 2.0)
    assert validate_plan(request, plan) == []
    assert {a.booking for a in plan.assignments} == {"first", "maint"}
    assert [u.booking for u in plan.unassigned] == ["oil"]
    assert plan.unassigned[0].reason == "at risk since a workshop change: no loan car free"


def test_work_before_the_parts_runs_on_their_day_before_they_arrive(db_url: str) -> None:
    """REPAIR dropped off Tuesday 10:00, the paint's parts due Wednesday 13:00: Wednesday's share
    (body and filler, then paint) runs the body work from 08:00 and the paint from 13:00, so the
    reassembly moves up to Thursday morning. Before (audit16-s19 R2), the whole of Wednesday's
    share waited for the parts and the paint went to Thursday. Every day plan it touches is valid."""
    ws = multi_day_workshop()
    service = _service(db_url, ws)
    eta = at("13:00", WED)
    offers = service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None, wants=Wants(parts_eta=eta)))
    offer = next(o for o in offers if o.drop_off == at("10:00"))
    work = {a.operation: a for a in offer.assignments}
    assert work[1].start == at("08:00", WED) and work[1].end <= eta
    assert work[2].start >= eta and work[2].start.astimezone(ws.tz).date() == WED
    stored, _ = service.book(
        WORKSHOP_ID, Booking(id="r", service="REPAIR", drop_off=at("10:00"), parts_eta=eta), None
    )
    assert stored.promised == offer.promised
    booking, witness = _witness(service, "r")
    assert validate_multiday(ws, booking, witness) == []
    for date in (DAY, WED, THU):
        plan = service.plan_day(WORKSHOP_ID, date, 2.0)
        request, _, _ = service.plan_inputs(WORKSHOP_ID, date, 2.0)
        assert validate_plan(request, plan) == [] and plan.unassigned == [] and plan.kpis.late == 0
        assert "r" in {a.booking for a in plan.assignments}


def _car_out_on_wednesday(db_url: str) -> PlanningService:
    """One loan car, out on Wednesday morning: a repair dropped off on Tuesday with a loan car
    would keep it into Wednesday (refused for the car where it fits without one)."""
    service = _service(db_url, multi_day_workshop(loan_cars=1))
    out = Booking(id="out", service="MAINT", drop_off=at("08:00", WED), loan_car=True)
    service.book(WORKSHOP_ID, out, None)
    return service


def test_the_free_time_fit_of_multi_day_work_does_not_depend_on_the_loan_car(db_url: str) -> None:
    """explain's multi-day search shares its days' free-time fits with the same search without
    the loan car (`_Search.fitted`, `loan_car_refusal`): it relies on `fit_quickly` being capacity
    only, the same placements and promise whether the booking wants a car or not."""
    service = _car_out_on_wednesday(db_url)
    with service.store.sessions() as session:
        workshop = service.workshop(WORKSHOP_ID, session)
        days = [service._day(session, workshop, d) for d in (DAY, WED, THU)]
    repair = workshop.service("REPAIR")
    assert repair is not None
    n = len(repair.operations)
    codes = [
        "REPAIR",
        *(multiday.part_code("REPAIR", first, last) for first in range(n) for last in range(first, n)),
    ]
    compared = fitted = 0
    for day in days:
        for t in days[0].candidate_times():
            for code in codes:
                if (
                    code != "REPAIR"
                    and (split := multiday.split_part(code))
                    and (split[1], split[2]) == (0, n - 1)
                ):
                    continue
                probe = Booking(id="probe", service=code, drop_off=t)
                with_car = day.fit_quickly(
                    probe.model_copy(update={"loan_car": True}), day.availability(), repair=False
                )
                without = day.fit_quickly(probe, day.availability(), repair=False)
                assert with_car == without, (day.date, t, code)
                compared += 1
                fitted += without is not None
    assert compared and fitted  # some fit, some do not


def test_explain_fits_each_part_of_multi_day_work_at_each_time_once(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """explain of a multi-day service with a loan car: the multi-day fits and the refusals (the
    loan car's, which looks again without the car) share one search, so each part of the work is
    fitted in a day's free time at each drop-off once (before: every refused time again, in a
    fresh search and its carless one); the reasons are those a fresh search gives."""
    service = _car_out_on_wednesday(db_url)
    car = Wants(loan_car=True)
    offers = service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None, wants=car))
    calls: Counter[tuple[dt.date, str, dt.datetime]] = Counter()
    original = DayBook.fit_quickly

    def counted(
        self: DayBook, booking: Booking, availability: Availability | None = None, repair: bool = True
    ) -> Offer | None:
        if not repair:  # the multi-day search's fits (the day's own explain repairs)
            calls[(self.date, booking.service, booking.drop_off)] += 1
        return original(self, booking, availability, repair)

    monkeypatch.setattr(DayBook, "fit_quickly", counted)
    refused, _ = service.refusals(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None, wants=car), offers)
    monkeypatch.setattr(DayBook, "fit_quickly", original)
    assert calls and max(calls.values()) == 1, [k for k, v in calls.items() if v > 1][:5]
    reasons = dict(refused)
    assert any(why.startswith("no loan car free until") for why in reasons.values()), reasons
    # The same reasons from a search of their own.
    with service.store.sessions() as session:
        workshop = service.workshop(WORKSHOP_ID, session)
        day = service._day(session, workshop, DAY)
        day_of = partial(service._day, session, workshop)
        template = car.probe("REPAIR", at("00:00"), False, None)
        grid = [t for t in day.candidate_times() if t in reasons]  # not the off-grid times
        alone = multiday.refusals(day, day_of, template, [(t, "the day's own") for t in grid])
    own = {t: why for t, why in alone if why != "the day's own"}
    assert own and own == {t: why for t, why in reasons.items() if t in own}


WEDNESDAY_BODY_HOLDBACK = "walk-in holdback: body technicians grade >= 1, day 2026-11-25"
"""The pool whose walk-in holdback multi_day_workshop's repair, started on Wednesday, would eat into."""


def test_multi_day_work_kept_out_only_by_the_walk_in_holdback_is_refused_for_it(db_url: str) -> None:
    """30 % of each pool held back for walk-ins leaves the body technician 336 of his 480 minutes:
    a repair that starts on Wednesday (from 14:30 Tuesday has no room for its first stage) puts
    both body stages, 360 minutes, on that day. It has the room (offered with no holdback), so the
    holdback is the rule that blocks it, in explain and in the booking's refusal alike, naming the
    pool and the day it would eat into (before: "the work does not finish within 3 opening days";
    before deskparts-s24: "walk-in holdback" alone)."""
    workshop = multi_day_workshop()
    free = _service(db_url, workshop)
    late = [at(hhmm) for hhmm in ("14:30", "15:30", "17:00")]
    assert set(late) <= {o.drop_off for o in free.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))}
    service = PlanningService(
        Store(db_url), CapacityRules(walk_in_holdback=0.3), refine_in_background=False, clock=fixed_clock()
    )
    offers = service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))
    assert offers and not set(late) & {o.drop_off for o in offers}
    refused, found = service.refusals(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None), offers)
    reasons = dict(refused)
    assert not found and [reasons[t] for t in late] == [WEDNESDAY_BODY_HOLDBACK] * 3, reasons
    with pytest.raises(Conflict) as raised:
        service.book(WORKSHOP_ID, Booking(id="r1", service="REPAIR", drop_off=late[0]), None)
    assert raised.value.reason == WEDNESDAY_BODY_HOLDBACK


def _version_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> Counter[tuple[int, dt.date]]:
    """Each `day_version` read from now on, per (session, date)."""
    reads: Counter[tuple[int, dt.date]] = Counter()
    original = bookings_db.day_version

    def counted(session: object, workshop_id: str, date: dt.date) -> tuple[object, ...]:
        reads[(id(session), date)] += 1
        return original(session, workshop_id, date)  # type: ignore[arg-type]

    monkeypatch.setattr(bookings_db, "day_version", counted)
    return reads


@pytest.mark.both_backends  # the reads of one booking's transaction
@pytest.mark.parametrize("case", ["answered", "not-in-the-answer", "no-answer-cached", "refused"])
def test_a_multi_day_booking_reads_each_day_it_looks_at_once(
    db_url: str, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """A booking of multi-day work reads each day's version once in its transaction (the drop-off
    day once more: the version it makes), whichever fit takes it: the cached answer's offer, its
    own carried-over fit (`multiday.fit`: the answer missed the time), the answer searched in the
    booking (none cached), or none (refused, with its reason). Its alternatives, read afterwards in
    a session of their own, read each day once too. Before (mdcost-s23): every later day's version
    again at each look of the search (`_multi_day_fit` handed it `PlanningService._day` bare), and
    the answer's days once more when it was cached."""
    from scheduler.offer_cache import offers_key

    refused = case == "refused"
    service = _service(db_url, multi_day_workshop(max_days=2 if refused else 3))
    when = at("10:00") if refused else at("08:00")  # 10:00 needs three days (not offered with two)
    offers = {o.drop_off: o for o in service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))}
    assert (when in offers) is not refused
    key = (*offers_key(WORKSHOP_ID, DAY, "REPAIR", False, None, Wants()), "multi-day")
    cached = service._offers.get(key)
    assert cached is not None
    if case == "not-in-the-answer":  # an answer that missed it (a shared budget, an older version)
        service._offers.put(key, cached._replace(offers=[o for o in cached.offers if o.drop_off != when]))
    elif case == "no-answer-cached":
        service._offers.put(key, cached._replace(version=((DAY, "gone"),)))
    reads = _version_reads(monkeypatch)
    booking = Booking(id="r1", service="REPAIR", drop_off=when)
    if refused:
        with pytest.raises(Conflict) as raised:
            service.book(WORKSHOP_ID, booking, None)
        assert raised.value.reason and raised.value.alternatives
    else:
        stored, _ = service.book(WORKSHOP_ID, booking, None)
        assert stored.promised == offers[when].promised
        assert validate_multiday(service.workshop(WORKSHOP_ID), *_witness(service, "r1")) == []
    assert len({d for _, d in reads}) >= 2  # the later days were looked at
    twice = {k: n for k, n in reads.items() if n > (2 if k[1] == DAY and not refused else 1)}
    assert not twice, twice


def test_a_refused_multi_day_booking_fits_each_part_of_its_work_once(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused booking of multi-day work: its reason (`multiday.refusal`) reuses the days' fits
    its own carried-over search (`multiday.fit`) found in the free time, so each part of the work
    is fitted on each day once, and the reason is the one a fresh search gives (the walk-in
    holdback, as explain says). Before (mdcost-s23): the refusal searched the days again."""
    _service(db_url, multi_day_workshop())
    service = PlanningService(
        Store(db_url), CapacityRules(walk_in_holdback=0.3), refine_in_background=False, clock=fixed_clock()
    )
    service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))  # cached: the alternatives search none
    calls: Counter[tuple[dt.date, str, dt.datetime]] = Counter()
    original = DayBook.fit_quickly

    def counted(
        self: DayBook, booking: Booking, availability: Availability | None = None, repair: bool = True
    ) -> Offer | None:
        if not repair:  # the multi-day search's fits
            calls[(self.date, booking.service, booking.drop_off)] += 1
        return original(self, booking, availability, repair)

    monkeypatch.setattr(DayBook, "fit_quickly", counted)
    with pytest.raises(Conflict) as raised:
        service.book(WORKSHOP_ID, Booking(id="r1", service="REPAIR", drop_off=at("14:30")), None)
    monkeypatch.setattr(DayBook, "fit_quickly", original)
    assert raised.value.reason == WEDNESDAY_BODY_HOLDBACK
    assert calls and max(calls.values()) == 1, [k for k, v in calls.items() if v > 1][:5]


def test_explain_of_multi_day_work_words_each_refused_time_over_its_days_only(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """explain of multi-day work words a time the rules before any fit allow over the work's days
    (`multiday.refusals`), so the day's own reason for the whole work on one day (room, parts,
    no-show overbooking), which it never shows, is not worked out (`refusals.UNWORDED`); the
    reasons are those the day's own reasons replaced by the multi-day ones give. Before
    (mdcost-s23): every refused time worded both ways."""
    from scheduler import refusals

    service = _service(db_url, multi_day_workshop(max_days=2))
    offers = service.slots(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None))
    beyond = Counter[dt.datetime]()
    original = refusals._beyond_witness

    def counted(day: object, booking: Booking) -> str | None:
        beyond[booking.drop_off] += 1
        return original(day, booking)  # type: ignore[arg-type]

    monkeypatch.setattr(refusals, "_beyond_witness", counted)
    refused, _ = service.refusals(SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None), offers)
    monkeypatch.setattr(refusals, "_beyond_witness", original)
    assert not beyond, beyond
    reasons = dict(refused)
    assert refusals.UNWORDED not in reasons.values()
    with service.store.sessions() as session:
        workshop = service.workshop(WORKSHOP_ID, session)
        day = service._day(session, workshop, DAY)
        worded = day.refusals("REPAIR", False, None, Wants(), {o.drop_off for o in offers})
        own = [(t, why) for t, why in worded if isinstance(why, str)]
        template = Wants().probe("REPAIR", at("00:00"), False, None)
        both = dict(multiday.refusals(day, partial(service._day, session, workshop), template, own))
    assert both and {t: reasons[t] for t in both} == both
    assert at("10:00") in both  # a time that needs three days: refused over its days


def test_a_refused_multi_day_booking_does_not_search_again_for_chains_its_days_have_none_for(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wednesday's accident job leaves a two-day repair dropped off at 14:30 no room on Wednesday,
    bookings moved or not: refused with Wednesday's paint reason. The ejection searches that the
    slot answer and the first refusal ran on these day versions and that tried every chain are not
    run again by the next refusals (each searched once), and every refusal gives the reason and
    the alternatives a service that never searched these days gives (its day versions read afresh).
    Before (mdp99-s24): each refused booking ran them all again. The searches' CPU clock counts
    reads, so no stall spends the budget (flake-s36: on the real one, over 1 s of thread CPU lost
    in a loaded suite worker, as a full garbage collection of a big heap takes, cut the fresh
    service's search before its first chain: its alternatives were Thursday's)."""
    ws = multi_day_workshop(max_days=2)
    counted_search_clock(monkeypatch, step=2**-20)  # the 1 s budget is 2**20 reads: never reached here

    def service() -> PlanningService:
        return PlanningService(
            Store(db_url), CapacityRules(walk_in_holdback=0), refine_in_background=False, clock=fixed_clock(),
            ejection_seconds=1.0,  # generous: the searches end by trying every chain, not by the clock
        )  # fmt: skip

    first = service()
    first.put_workshop(ws)
    first.book(WORKSHOP_ID, Booking(id="acc", service="ACCIDENT", drop_off=at("08:00", WED)), None)
    query = SlotQuery(WORKSHOP_ID, "REPAIR", DAY, False, None)
    assert at("14:30") not in {o.drop_off for o in first.slots(query)}
    runs: Counter[tuple[int, object]] = Counter()
    real = slots.eject_and_fit

    def counted(problem: object, own: object, job: object, *args: object, **kwargs: object) -> object:
        runs[(id(problem), job)] += 1
        return real(problem, own, job, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(slots, "eject_and_fit", counted)
    answers = []
    for i in range(3):
        with pytest.raises(Conflict) as raised:
            first.book(WORKSHOP_ID, Booking(id=f"r{i}", service="REPAIR", drop_off=at("14:30")), None)
        answers.append((raised.value.reason, raised.value.alternatives))
    assert max(runs.values(), default=0) <= 1, runs
    fresh = service()
    runs.clear()
    with pytest.raises(Conflict) as raised:
        fresh.book(WORKSHOP_ID, Booking(id="r", service="REPAIR", drop_off=at("14:30")), None)
    assert runs  # a service that never searched these days does search them
    assert answers == [(raised.value.reason, raised.value.alternatives)] * 3
    assert raised.value.reason.startswith("day 2026-11-25: no paint technician")
    assert [o.drop_off for o in raised.value.alternatives] == [at("08:00"), at("08:30"), at("09:00")]
