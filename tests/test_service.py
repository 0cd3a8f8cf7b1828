"""The planning service's day revision: cached days and offers are reused only while nothing changed."""

from __future__ import annotations

import datetime as dt

from scheduler.contract import Booking, Workshop
from scheduler.service import PlanningService
from scheduler.slots import CapacityRules
from scheduler.storage import Store


def _workshop() -> Workshop:
    return Workshop.model_validate(
        {
            "id": "w", "name": "W", "timezone": "Europe/Berlin",
            "opening": {"start": "08:00", "end": "12:00"},
            "bays": [{"id": "G1", "kind": "general"}, {"id": "G2", "kind": "general"}],
            "technicians": [{"id": "t1", "name": "T1", "grade": 3, "skills": ["maintenance"],
                             "shift": {"start": "08:00", "end": "12:00"}},
                            {"id": "t2", "name": "T2", "grade": 3, "skills": ["maintenance"],
                             "shift": {"start": "08:00", "end": "12:00"}}],
            "services": [{"code": "MAINT", "name": "Maintenance", "operations": [
                {"name": "work", "minutes": 60, "skill": "maintenance", "bay_kinds": ["general"]}]}],
        }
    )  # fmt: skip


def test_every_booking_change_gives_the_day_a_new_version(db_url: str) -> None:
    """A cancel can bring back the same set of bookings with other witness placements; a cached
    day or offer from before must not be mistaken for it (its placements could overlap)."""
    service = PlanningService(Store(db_url), CapacityRules(walk_in_holdback=0), refine_in_background=False)
    service.put_workshop(_workshop())
    date = dt.date(2026, 11, 24)
    at = dt.datetime(2026, 11, 24, 8, tzinfo=_workshop().tz)

    def version() -> tuple[object, ...]:
        with service.store.sessions() as session:
            return service._version(session, "w", date)

    seen = [version()]
    service.book("w", Booking(id="a", service="MAINT", drop_off=at), None)
    seen.append(version())
    service.book("w", Booking(id="b", service="MAINT", drop_off=at), None)
    seen.append(version())
    service.cancel("w", "b")
    seen.append(version())
    service.change("w", "a", {"drop_off": at + dt.timedelta(hours=1)})
    seen.append(version())
    service.book("w", Booking(id="c", service="MAINT", drop_off=at), None)
    seen.append(version())
    assert len(set(seen)) == len(seen)
    offers = service.slots("w", "MAINT", date, False, None)
    assert offers and all(o.drop_off.date() == date for o in offers)
    assert service.slots("w", "MAINT", date, False, None) is offers  # unchanged day: the cached answer
    service.cancel("w", "c")
    assert service.slots("w", "MAINT", date, False, None) is not offers
