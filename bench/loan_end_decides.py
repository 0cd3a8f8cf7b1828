"""A day where the work's end decides the loan car, which the offers missed (loanbench-s27).

One technician, one lift, a fleet of one loan car. X (3 h, dropped off 10:00, promised 15:30) sits
10:00-13:00 in the witness; Y takes the only car at 16:00. A 3-hour job dropped off at 08:00 with a
loan car: the quick fit puts it 13:00-16:00 (promised 16:15, the car still out when Y needs it), so
the desk refuses it; placed 08:00-11:00 with X moved to 11:00-14:00 (still by its promise) it is
promised 15:30 and the car is back in time. The exact check (bench.slots.exact_fits, the loan-car
cumulative) says it fits; before DayBook._loan_refit the immediate and the refined answers offered
nothing: their searches look for room past the last time that fits (capacity), and the loan car is
checked on the fit found afterwards (FrontDesk.after_fit), never aimed at, as a waiter's deadline
is (DayBook._aimed). Now a fit refused for the car alone is tried again ending in time.

    PYTHONPATH=. .venv/bin/python -m bench.loan_end_decides
"""

from __future__ import annotations

import datetime as dt

from bench.slots import OPEN, exact_fits, unsound
from scheduler.contract import Booking, Workshop
from scheduler.offer import Wants
from scheduler.slots import DayBook

DAY = dt.date(2026, 11, 24)
WORKSHOP = Workshop.model_validate(
    {
        "id": "w", "name": "W", "timezone": "Asia/Shanghai", "loan_cars": 1,
        "opening": {"start": "08:00", "end": "16:00"},
        "bays": [{"id": "G1", "kind": "general"}],
        "technicians": [{"id": "t1", "name": "T1", "grade": 3, "skills": ["maintenance"],
                         "shift": {"start": "08:00", "end": "18:00"}}],
        "services": [
            {"code": "LONG", "name": "Long", "operations": [
                {"name": "work", "minutes": 180, "skill": "maintenance", "bay_kinds": ["general"]}]},
            {"code": "SHORT", "name": "Short", "operations": [
                {"name": "work", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]}]},
        ],
    }
)  # fmt: skip


def at(hhmm: str) -> dt.datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(DAY, dt.time(hours, minutes), tzinfo=WORKSHOP.tz)


def booked(day: DayBook, booking: Booking) -> DayBook:
    offer = day.try_insert(booking)
    assert offer is not None, booking
    return day.with_booking(booking.model_copy(update={"promised": offer.promised}), offer)


def the_day() -> DayBook:
    day = booked(DayBook(WORKSHOP, DAY, [], OPEN), Booking(id="X", service="LONG", drop_off=at("10:00")))
    return booked(day, Booking(id="Y", service="SHORT", drop_off=at("16:00"), loan_car=True))


def main() -> None:
    day = the_day()
    for b, witness in day.accepted:
        spans = [(a.start.strftime("%H:%M"), a.end.strftime("%H:%M")) for a in witness]
        drop_off = b.drop_off.strftime("%H:%M")
        print(b.id, "drop-off", drop_off, "promised", b.promised, "loan car", b.loan_car, spans)
    probe = Booking(id="p", service="LONG", drop_off=at("08:00"), loan_car=True)
    print("exact check, loan-car cumulative:", exact_fits(day, probe, 10))
    quick = day.fit_quickly(probe)
    assert quick is not None
    ends, promised = day.clock.hhmm(quick.placements[-1].end), quick.promised.strftime("%H:%M")
    free = day.desk.loan_car_free(probe, quick)
    print("quick fit ends", ends, "promised", promised, "loan car free:", free)
    for mode, exact, eject in (("immediate", 0.0, 0.025), ("refined", 1.0, 0.0)):
        wants = Wants(loan_car=True)
        offers = day.offers("LONG", False, exact_seconds=exact, ejection_seconds=eject, wants=wants)
        print(mode, [o.drop_off.strftime("%H:%M") for o in offers],
              "broken:", sum(unsound(day, "LONG", False, o, True) for o in offers))  # fmt: skip


if __name__ == "__main__":
    main()
