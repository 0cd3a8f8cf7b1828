"""Capacity rules of slot offers: express and main-shop pools keep different shares for walk-ins."""

from __future__ import annotations

import datetime as dt

from scheduler.contract import Booking, Workshop
from scheduler.slots import CapacityRules, DayBook

DAY = dt.date(2026, 11, 24)


def _workshop() -> Workshop:
    """One technician 08:00-12:00 (240 min), an express lane and a lift; 30-minute jobs of each kind."""
    return Workshop.model_validate(
        {
            "id": "w", "name": "W", "timezone": "Asia/Shanghai",
            "opening": {"start": "08:00", "end": "11:00"},
            "bays": [{"id": "E1", "kind": "express"}, {"id": "G1", "kind": "general"}],
            "technicians": [{"id": "t", "name": "T", "grade": 3, "skills": ["maintenance"],
                             "shift": {"start": "08:00", "end": "12:00"}}],
            "services": [
                {"code": "EXP", "name": "Quick", "express": True, "operations": [
                    {"name": "oil", "minutes": 30, "skill": "maintenance",
                     "bay_kinds": ["express", "general"]}]},
                {"code": "MAIN", "name": "Main", "operations": [
                    {"name": "work", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]}]},
            ],
        }
    )  # fmt: skip


def _fill(service: str, rules: CapacityRules) -> int:
    workshop, accepted = _workshop(), []
    for i in range(20):
        day = DayBook(workshop, DAY, accepted, rules)
        booking = Booking(
            id=f"b{i}", service=service, drop_off=dt.datetime(2026, 11, 24, 8, tzinfo=workshop.tz)
        )
        offer = day.try_insert(booking)
        if offer is None:
            break
        accepted.append((booking.model_copy(update={"promised": offer.promised}), list(offer.assignments)))
    return len(accepted)


def test_express_pool_keeps_more_back_for_walk_ins_than_the_main_shop() -> None:
    rules = CapacityRules(walk_in_holdback=0.25, express_holdback=0.5)
    assert _fill("EXP", rules) == 4  # 50 % of 240 min online: four 30-minute jobs
    assert _fill("MAIN", rules) == 6  # 75 % of 240 min online: six
    assert _fill("MAIN", CapacityRules(walk_in_holdback=0.0)) == 8  # the whole shift
