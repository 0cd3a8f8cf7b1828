"""bench.slots' loan-car probes (loanbench-s27): the exact check and the soundness check both know
the loan cars, and a probe without one keeps the verdict key it had."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from bench.slots import OPEN, Verdicts, exact_fits, unsound
from scheduler.contract import Booking, Workshop
from scheduler.slots import DayBook
from tests.builders import DAY

TZ = "Asia/Shanghai"


def _workshop(loan_cars: int | None) -> Workshop:
    """One technician 08:00-17:00 on one lift, open 08:00-16:00; MAINT takes 30 minutes."""
    return Workshop.model_validate(
        {
            "id": "w", "name": "W", "timezone": TZ, "loan_cars": loan_cars,
            "opening": {"start": "08:00", "end": "16:00"},
            "bays": [{"id": "G1", "kind": "general"}],
            "technicians": [{"id": "t1", "name": "T1", "grade": 3, "skills": ["maintenance"],
                             "shift": {"start": "08:00", "end": "17:00"}}],
            "services": [{"code": "MAINT", "name": "Main", "operations": [
                {"name": "work", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]}]}],
        }
    )  # fmt: skip


def _at(hhmm: str) -> dt.datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(DAY, dt.time(hours, minutes), tzinfo=_workshop(None).tz)


def _day(loan_cars: int | None, **booked: Any) -> DayBook:
    """The day with one loan-car customer dropped off at 12:30 (promised the afternoon handover,
    17:30: his car out 12:30-17:30)."""
    day = DayBook(_workshop(loan_cars), DAY, [], OPEN)
    first = Booking(id="a", service="MAINT", drop_off=_at("12:30"), loan_car=True, **booked)
    offer = day.try_insert(first)
    assert offer is not None
    return day.with_booking(first.model_copy(update={"promised": offer.promised}), offer)


def test_the_exact_check_refuses_a_loan_car_the_fleet_does_not_have() -> None:
    day = _day(1)
    morning = Booking(id="p", service="MAINT", drop_off=_at("09:00"), loan_car=True)
    assert exact_fits(day, morning, 10) is False  # out 09:00-15:30: the only car leaves at 12:30
    assert exact_fits(day, morning.model_copy(update={"loan_car": False}), 10) is True
    assert exact_fits(_day(2), morning, 10) is True
    late = morning.model_copy(update={"drop_off": _at("08:00")})
    assert exact_fits(day, late, 10) is False


def test_the_soundness_check_counts_the_offers_loan_car() -> None:
    day = _day(1)
    probe = Booking(id="p", service="MAINT", drop_off=_at("09:00"))
    offer = day.fit_quickly(probe)  # room on the lift, no loan car asked
    assert offer is not None
    assert not unsound(day, "MAINT", False, offer)
    assert unsound(day, "MAINT", False, offer, loan_car=True)  # two cars out from 12:30, one in the fleet


def test_a_probe_without_a_loan_car_keeps_its_verdict_key(tmp_path: Path) -> None:
    """The key as it was before loan-car probes (the cached verdicts stay valid); a loan-car probe
    gets a key of its own."""
    day = _day(1)
    probe = Booking(id="p", service="MAINT", drop_off=_at("09:00"))
    bookings = sorted(b.model_dump_json(exclude={"id"}) for b, _ in day.accepted)
    asked = probe.model_dump_json(include={"service", "waiter", "drop_off"})
    text = json.dumps([day.workshop.model_dump_json(), day.date.isoformat(), bookings, asked])
    assert Verdicts.key(day, probe) == hashlib.sha256(text.encode()).hexdigest()[:24]
    assert Verdicts.key(day, probe.model_copy(update={"loan_car": True})) != Verdicts.key(day, probe)
    verdicts = Verdicts(tmp_path / "v.json")
    assert verdicts.fits(day, probe.model_copy(update={"loan_car": True}), 10) is False
    assert verdicts.fits(day, probe, 10) is True
