"""`DayBook.same_as` (issue 16): a new day version is answered from the answer cached for another
version only where the day holds just what that one held. Each input a day's offers depend on is
changed here alone, the day's witness placements kept (the cheap first check of `same_as` passes):
the offers differ, so a day that took it for the same one would serve offers made on another day
(review-s44). The days are built as `PlanningService._day` builds them (bookings with their witness,
the cars out from earlier days as held shares, `multiday.out_shares`)."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.contract import Assignment, Booking, Workshop
from scheduler.multiday import out_shares
from scheduler.offer import Wants
from scheduler.slots import CapacityRules, DayBook
from tests.builders import DAY, at, small_workshop

RULES = CapacityRules(walk_in_holdback=0)
MONDAY = DAY - dt.timedelta(days=1)
CAR = Wants(loan_car=True)
Accepted = list[tuple[Booking, list[Assignment]]]


def _workshop(**overrides: object) -> Workshop:
    return small_workshop(loan_cars=1, **overrides)


def _accepted(workshop: Workshop, **fields: object) -> Accepted:
    """One MAINT booking at 08:00 with the witness the day's offer gives it."""
    day = DayBook(workshop, DAY, [], RULES)
    probe = Booking(id="a", service="MAINT", drop_off=at("08:00"))
    offer = next(o for o in day.offers("MAINT", False) if o.drop_off == probe.drop_off)
    booked = probe.model_copy(update={"promised": offer.promised, **fields})
    return [(booked, list(offer.assignments))]


def _car_out(until: str) -> Accepted:
    """A loan car lent on Monday, out until `until` on the day (`PlanningService._cars_out`; an
    at-risk booking's overrun, `_out_until`, moves this promise)."""
    lent = Booking(id="mon", service="MAINT", drop_off=at("16:00", MONDAY), promised=at(until), loan_car=True)
    return out_shares([lent])


def _at_risk(loan_car: bool) -> Accepted:
    """A booking of the day at risk, its witness broken (none): kept, no room in the witness."""
    kept = Booking(
        id="r", service="MAINT", drop_off=at("09:00"), promised=at("15:30"), at_risk=True, loan_car=loan_car
    )
    return [(kept, [])]


def _times(day: DayBook, wants: Wants) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(o.drop_off, o.promised) for o in day.offers("MAINT", False, wants=wants)]


def _day(
    workshop: Workshop | None = None,
    accepted: Accepted | None = None,
    rules: CapacityRules = RULES,
) -> DayBook:
    workshop = workshop or _workshop()
    return DayBook(workshop, DAY, accepted if accepted is not None else _accepted(workshop), rules)


def test_a_day_rebuilt_with_the_same_content_is_the_same_day_and_offers_the_same() -> None:
    base = _day(accepted=_accepted(_workshop()) + _car_out("10:00"))
    again = _day(accepted=_accepted(_workshop()) + _car_out("10:00"))
    assert again is not base and again.same_as(base) and base.same_as(again)
    assert again.added_since(base) == ()  # nothing added: offers made on `base` carry over whole
    for wants in (Wants(), CAR):
        assert _times(again, wants) == _times(base, wants)


def _cases() -> dict[str, tuple[DayBook, DayBook, Wants]]:
    """Each input changed alone (the day's witness placements as before): the day before, the day
    after, and the query whose offers the change moves."""
    workshop = _workshop()
    closed = _workshop(closed_days=[DAY.isoformat()])
    plain = _day()
    return {
        # a booking's own fields, its witness the same: its loan car is out from 08:00 to its promise
        "a booking's loan car": (plain, _day(accepted=_accepted(workshop, loan_car=True)), CAR),
        # a car lent on an earlier day and out on this one (`PlanningService._cars_out`)
        "a car out from an earlier day": (plain, _day(accepted=_accepted(workshop) + _car_out("15:30")), CAR),
        # the same car back later: an at-risk booking's overrun into the day (`_out_until`)
        "a car out longer": (
            _day(accepted=_accepted(workshop) + _car_out("09:30")),
            _day(accepted=_accepted(workshop) + _car_out("15:30")),
            CAR,
        ),
        # a booking at risk (a workshop change broke its witness: no room in it), now with a loan car
        "a booking at risk": (
            _day(accepted=_accepted(workshop) + _at_risk(loan_car=False)),
            _day(accepted=_accepted(workshop) + _at_risk(loan_car=True)),
            CAR,
        ),
        # the workshop's text: the day closed
        "the workshop's text": (plain, _day(workshop=closed, accepted=_accepted(workshop)), Wants()),
        # the service's capacity rules: the walk-in holdback
        "the capacity rules": (plain, _day(rules=CapacityRules(walk_in_holdback=0.9)), Wants()),
    }


@pytest.mark.parametrize("change", list(_cases()))
def test_a_day_changed_in_any_input_of_its_offers_is_not_the_same_day(change: str) -> None:
    before, after, wants = _cases()[change]
    assert _times(after, wants) != _times(before, wants)  # the input matters to the day's offers
    assert not after.same_as(before) and not before.same_as(after)
    assert after.added_since(before) is None and before.added_since(after) is None
    assert after.grown_from(before) is None and before.grown_from(after) is None


def test_a_day_loaded_with_one_booking_more_grew_from_the_other_by_it_alone() -> None:
    """pace16-s46: out of the lineage (each day loaded apart), a day that holds every booking of
    another where its witness had it, plus one, grew from it by that booking
    (`DayBook.grown_from`: its placements); not the other way, not when a booking of the other is
    gone or sits elsewhere, and not by `added_since` (which orders versions by lineage alone:
    after a cancel the older version holds the newer one's bookings and more)."""
    base = _day()
    probe = Booking(id="b", service="MAINT", drop_off=at("10:00"))
    offer = next(o for o in base.offers("MAINT", False) if o.drop_off == probe.drop_off)
    assert offer.rewitness is None  # it fits around the 08:00 booking as it is
    booked = probe.model_copy(update={"promised": offer.promised})
    grown = _day(accepted=[*base.accepted, (booked, list(offer.assignments))])
    assert grown.grown_from(base) == tuple(offer.placements)
    assert base.grown_from(grown) is None and grown.added_since(base) is None
    assert grown.grown_from(_day(accepted=[(booked, list(offer.assignments))])) is not None  # a sub-day
    # The 08:00 booking's work half an hour later (still before 10:00): not grown.
    first, witness = base.accepted[0]
    later = dt.timedelta(minutes=30)
    elsewhere = [a.model_copy(update={"start": a.start + later, "end": a.end + later}) for a in witness]
    moved = _day(accepted=[(first, elsewhere), (booked, list(offer.assignments))])
    assert moved.accepted[0] == (first, elsewhere)  # a witness that holds
    assert moved.grown_from(base) is None
    # The same bookings with another car out (held): not grown.
    assert _day(accepted=[*grown.accepted, *_car_out("15:30")]).grown_from(base) is None
    again = _day(accepted=grown.accepted)
    assert again.same_as(grown) and again.grown_from(grown) == ()  # the same day: nothing added


def test_a_refinement_of_a_day_with_other_content_never_becomes_the_newer_versions_answer() -> None:
    """The delivery path (`OfferCache.deliver`): a refinement made on a day whose loan car was back
    at 09:30, delivered after a query of the newer version, where the car is out until 15:30 (an
    at-risk overrun, the same bookings and witness placements), merges into that answer only if
    `same_as` says it is the same day. It is not: no time with a loan car before 15:30 is cached as
    the newer version's, and a booking there with a loan car takes no cached offer."""
    from scheduler.offer_cache import OfferCache, offers_key

    older = _day(accepted=_accepted(_workshop()) + _car_out("09:30"))
    newer = _day(accepted=_accepted(_workshop()) + _car_out("15:30"))
    refined = older.offers("MAINT", False, wants=CAR)
    assert any(o.drop_off < at("15:30") for o in refined)  # the older day lends the car before
    cache = OfferCache(10)
    key = offers_key("ws-small", DAY, "MAINT", False, None, CAR)
    answer = newer.offers("MAINT", False, wants=CAR)
    cache.deliver(key, (2,), answer, newer)  # the query of the newer version
    cache.deliver(key, (1,), refined, older, refined=True)  # the older version's refinement, late
    cached = cache.get(key)
    assert cached is not None
    if cached.version == (2,):
        assert cached.day is newer and cached.offers == answer
    else:  # the older version's own answer, on its own day: a query of the newer one searches
        assert cached.version == (1,) and cached.day is older
    booking = Booking(id="n", service="MAINT", drop_off=at("10:00"), loan_car=True)
    assert cache.fit(newer, booking, lambda: (2,)) is None  # the car is out: nothing cached fits
