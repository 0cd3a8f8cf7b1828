"""No-show overbooking (opt-in, per pool): nothing changes at 0; with a percent set, a full day
offers more, never more than that share of the pool beyond the witness, and never to waiters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from scheduler import overbooking
from scheduler.contract import Assignment, Booking, PlanRequest, Workshop
from scheduler.plan_tasks import plan_from_witness
from scheduler.slots import NO_WANTS, CapacityRules, DayBook, Wants
from scheduler.validator import validate_plan
from tests.builders import DAY, at

RULES = CapacityRules(walk_in_holdback=0.0, express_holdback=0.0, waiters_per_slot=100)


def _workshop(percent: float | None = None, **changes: Any) -> Workshop:
    """One technician 08:00-12:00 (240 min), one lift, 30-minute services: eight fit the day."""
    data: dict[str, Any] = {
        "id": "w", "name": "W", "timezone": "Asia/Shanghai",
        "opening": {"start": "08:00", "end": "11:00"},
        "bays": [{"id": "G1", "kind": "general"}],
        "technicians": [{"id": "t", "name": "T", "grade": 3, "skills": ["maintenance"],
                         "shift": {"start": "08:00", "end": "12:00"}}],
        "services": [{"code": "MAIN", "name": "Main", "operations": [
            {"name": "work", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]}]}],
    }  # fmt: skip
    if percent is not None:
        data["overbooking"] = [{"pool": "maintenance:1", "overbooking_percent": percent}]
    data.update(changes)
    return Workshop.model_validate(data)


def _book_until_refused(workshop: Workshop) -> list[tuple[Booking, list[Assignment]]]:
    """Book 08:00 drop-offs as the service does (witness first, then overbooking) until refused."""
    accepted: list[tuple[Booking, list[Assignment]]] = []
    for i in range(40):
        day = DayBook(workshop, DAY, accepted, RULES)
        booking = Booking(id=f"b{i}", service="MAIN", drop_off=at("08:00"))
        offer = day.try_insert(booking) or day.overbooked_offer(booking)
        if offer is None:
            return accepted
        stored = booking.model_copy(update={"promised": offer.promised, "overbooked": offer.overbooked})
        witness = dict(offer.rewitness or {b.id: tuple(a) for b, a in accepted if a})
        accepted = [(b, list(witness.get(b.id, ()))) for b, _ in accepted]
        accepted.append((stored, list(offer.assignments)))
    raise AssertionError("never refused")


def test_without_overbooking_a_full_day_offers_nothing_as_today() -> None:
    for workshop in (_workshop(), _workshop(0)):
        accepted = _book_until_refused(workshop)
        assert len(accepted) == 8 and not any(b.overbooked for b, _ in accepted)
        day = DayBook(workshop, DAY, accepted, RULES)
        assert day.offers("MAIN", False) == []
        assert day.overbooked_offer(Booking(id="x", service="MAIN", drop_off=at("08:00"))) is None


@pytest.mark.parametrize(("percent", "extra"), [(10, 0), (12.5, 1), (25, 2), (50, 4)])
def test_overbooking_sells_at_most_its_share_of_the_pool_beyond_the_witness(
    percent: float, extra: int
) -> None:
    workshop = _workshop(percent)
    accepted = _book_until_refused(workshop)
    over = [b for b, _ in accepted if b.overbooked]
    assert len(accepted) == 8 + extra and len(over) == extra
    assert all(not w for b, w in accepted if b.overbooked)  # no witness: the plan may leave them out
    used = overbooking.overbooked_minutes(workshop, [b for b, _ in accepted])
    assert used.get(("maintenance", 1), 0) <= percent / 100 * 240


def test_a_full_day_offers_more_times_with_overbooking_each_marked() -> None:
    strict = _book_until_refused(_workshop())
    workshop = _workshop(25)
    day = DayBook(workshop, DAY, strict, RULES)
    offers = day.offers("MAIN", False)
    times = ("08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00")
    assert [o.drop_off for o in offers] == [at(t) for t in times]
    assert all(o.overbooked and o.assignments == () for o in offers)
    assert all(o.promised >= o.drop_off for o in offers)
    assert day.offers("MAIN", True) == []  # a waiter is never overbooked


def test_an_open_day_offers_the_witnessed_times_unmarked() -> None:
    day = DayBook(_workshop(25), DAY, [], RULES)
    assert day.offers("MAIN", False) and not any(o.overbooked for o in day.offers("MAIN", False))


def test_every_other_rule_still_holds_for_an_overbooked_offer() -> None:
    """Loan cars: an overbooked drop-off needs a car free until its promise, like any other."""
    workshop = _workshop(50, loan_cars=0)
    day = DayBook(workshop, DAY, _book_until_refused(_workshop()), RULES)
    car = Booking(id="x", service="MAIN", drop_off=at("08:00"), loan_car=True)
    assert day.overbooked_offer(car) is None
    assert day.overbooked_offer(car.model_copy(update={"loan_car": False})) is not None


def test_the_day_plan_of_an_overbooked_day_is_valid_and_places_what_fits() -> None:
    """As the service plans a day: warm-started from the witness, the overbooked bookings without one."""
    workshop = _workshop(50)
    accepted = _book_until_refused(workshop)
    request = PlanRequest(workshop=workshop, date=DAY, bookings=[b for b, _ in accepted])
    plan = plan_from_witness(request, [a for _, w in accepted for a in w])
    assert validate_plan(request, plan) == []
    # Everyone showed: the 240-minute day holds 8 of the 12, the rest are left unassigned.
    assert plan.kpis.placed == 8 and len(plan.unassigned) == 4


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"pool": "maintenance:1", "overbooking_percent": 51}, "overbooking_percent"),
        ({"pool": "maintenance:1", "overbooking_percent": -1}, "overbooking_percent"),
        ({"pool": "paint:1", "overbooking_percent": 5}, "overbooking[0].pool"),
        ({"pool": "maintenance", "overbooking_percent": 5}, "pool"),
    ],
)
def test_bad_overbooking_is_refused_naming_the_field(entry: dict[str, object], field: str) -> None:
    data = _workshop().model_dump()
    data["overbooking"] = [entry]
    with pytest.raises(ValidationError, match=field.replace("[", r"\[").replace("]", r"\]")):
        Workshop.model_validate(data)


def test_other_days_are_untouched() -> None:
    """A vehicle dropped off the day before is never overbooked onto this day."""
    day = DayBook(_workshop(50), DAY, _book_until_refused(_workshop()), RULES)
    early = Booking(id="x", service="MAIN", drop_off=at("16:00", DAY - dt.timedelta(days=1)))
    assert day.overbooked_offer(early) is None


# --- explained: offered thanks to the allowance, refused when it is used up ----------------------


def test_explain_names_the_allowance_an_overbooked_time_draws_on() -> None:
    workshop = _workshop(25)  # 25 % of 240 min: 60 min beyond the witness
    day = DayBook(workshop, DAY, _book_until_refused(_workshop()), RULES)
    probe = Booking(id="probe", service="MAIN", drop_off=at("09:00"))
    assert day.overbooked_offer(probe) is not None
    assert day.overbooking_note(probe) == (
        "offered only thanks to the overbooking allowance 25 % of maintenance:1 pool"
        " (30 of 60 min used with this booking)"
    )
    # A witnessed time is not offered thanks to the allowance: no note where no overbooking applies.
    assert DayBook(_workshop(), DAY, [], RULES).overbooking_note(probe) is None


def test_explain_says_the_allowance_is_used_up_when_it_is() -> None:
    workshop = _workshop(12.5)  # 30 min beyond the witness: one booking
    accepted = _book_until_refused(workshop)
    assert sum(b.overbooked for b, _ in accepted) == 1
    day = DayBook(workshop, DAY, accepted, RULES)
    offers = day.offers("MAIN", False)
    assert offers == []
    refused = day.refusals("MAIN", False, None, NO_WANTS, set())
    assert len(refused) == 7
    assert {why for _, why in refused} == {"overbooking allowance 12.5 % of maintenance:1 pool used up"}
    # Strict (no allowance), the same day says the day is full, as before.
    strict = DayBook(_workshop(), DAY, accepted, RULES)
    assert not any("overbooking" in why for _, why in strict.refusals("MAIN", False, None, NO_WANTS, set()))


def test_a_waiter_is_never_told_about_the_allowance() -> None:
    workshop = _workshop(12.5)
    day = DayBook(workshop, DAY, _book_until_refused(workshop), RULES)
    refused = day.refusals("MAIN", True, None, NO_WANTS, set())
    assert refused and not any("overbooking" in why for _, why in refused)


def test_with_room_in_the_allowance_a_missing_loan_car_is_the_reason() -> None:
    workshop = _workshop(50, loan_cars=1)
    strict = _book_until_refused(_workshop())
    car = Booking(id="car", service="MAIN", drop_off=at("08:00"), loan_car=True, promised=at("17:00"))
    day = DayBook(workshop, DAY, [*strict, (car.model_copy(update={"overbooked": True}), [])], RULES)
    refused = dict(day.refusals("MAIN", False, None, Wants(loan_car=True), set()))
    assert refused[at("08:30")] == "no loan car free until 17:00"
