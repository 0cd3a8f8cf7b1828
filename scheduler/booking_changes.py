"""What a change of one booking must keep (`PlanningService.change`, and the alternatives a refused
booking or change is offered): its loan car free on every later day it is out, the operations its
clocked days saw, no parts ETA after work that needed the parts was clocked, and the first day its
work can start once the parts arrive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from scheduler import multiday, refusals
from scheduler.contract import LAST_DATE, Assignment, Booking, Workshop
from scheduler.errors import Conflict
from scheduler.i18n import N_, moment_words
from scheduler.slots import DayBook, Offer


def first_parts_day(workshop: Workshop, booking: Booking, date: dt.date) -> dt.date:
    """The first drop-off day from `date` on whose work can fit after the booking's parts arrive:
    its operations that need parts start no earlier than `parts_eta`, within its service's
    `max_days` from the drop-off day (review-s26: parts due weeks ahead left no alternatives)."""
    service = workshop.service(booking.service)
    if booking.parts_eta is None or service is None or not service.needs_parts:
        return date
    parts_day = booking.parts_eta.astimezone(workshop.tz).date()
    return max(date, min(parts_day, LAST_DATE) - dt.timedelta(days=service.max_days - 1))


def cars_back(
    day_of: Callable[[dt.date], DayBook],
    out_before: Callable[[dt.date, dt.datetime], bool],
    workshop: Workshop,
    booking: Booking,
    offers: list[Offer],
) -> list[Offer]:
    """The `offers` for `booking` (refused: its alternatives) whose loan car is free on each later
    day it is out (`car_not_back`): the slot offers see their own day's cars only."""
    return [
        o
        for o in offers
        if car_not_back(day_of, out_before, workshop, booking.model_copy(update={"drop_off": o.drop_off}), o)
        is None
    ]


def car_not_back(
    day_of: Callable[[dt.date], DayBook],
    out_before: Callable[[dt.date, dt.datetime], bool],
    workshop: Workshop,
    booking: Booking,
    offer: Offer,
    was: Booking | None = None,
) -> str | None:
    """Why `booking`'s loan car, out from its drop-off until `offer`'s promise on a later day, is
    not free on one of the later days it is out (`day_of`: each day as the desk counts its cars,
    those out from earlier days too); None: a car is free on each, or none is out past its drop-off
    day. A booking is checked on its own days (its drop-off day, multi-day work's `offer.days`), so
    a change that kept its car into the next morning was not checked there (loanrev-s27: the
    reverse of review-s26 L1). `was`: the booking before a change; within its span the car was
    out already and takes nothing more (a new parts ETA keeps the promise: nothing to check).

    Only a day with a car of its own out before the promise is read (`out_before(date, promise)`:
    a booking of that day with a loan car dropped off before it): a car out on a later day before
    the promise that went out on an earlier day was out at the end of the last day checked too,
    and that day's check counted it. The desk's promise on a later day is its first handover, when
    its drop-offs begin, so such a car is one taken under other opening hours or advisors' shifts
    (a booking kept at risk by a forced workshop change): mostly no day is read."""
    if not booking.loan_car or workshop.loan_cars is None:
        return None
    tz = workshop.tz
    date, last = booking.drop_off.astimezone(tz).date(), offer.promised.astimezone(tz).date()
    if last <= date:
        return None
    if (
        was is not None
        and was.loan_car
        and was.promised is not None
        and was.drop_off <= booking.drop_off
        and offer.promised <= was.promised
    ):
        return None
    while date < min(last, LAST_DATE):
        date += dt.timedelta(days=1)
        if date in offer.days or not out_before(date, offer.promised):  # the search checked its days
            continue
        why = day_of(date).loan_car_refusal(booking, offer)
        if why is not None:  # dated where the car comes back ("until 2026-11-25 15:30"), else the day
            return why if why != N_("no loan car free") else refusals.on_day(date, why)
    return None


def parts_not_clocked_before(
    workshop: Workshop,
    booked: tuple[Booking, list[Assignment]],
    eta: dt.datetime,
    clocked: list[tuple[dt.date, int, dt.datetime]],
) -> None:
    """A new parts ETA later than the first clocked moment of an operation that needs the parts
    (`clocked`: each clocked operation of the booking, in its day's numbering, with its first
    moment) is refused, not forceable: that work was started (or done), so the parts were there
    (etaclocked-s26: taken, it re-placed the finished work after the ETA; forced, it put done work
    at risk). An earlier ETA, one no later than that moment, or none, is taken as before."""
    booking = booked[0]
    service = workshop.service(booking.service)
    if service is None:
        return
    for date, operation, first in clocked:
        seen = multiday.day_operations(workshop, date, *booked)
        if seen is None or first >= eta:
            continue
        k = seen[0] + operation  # the service's numbering
        if k < len(service.operations) and service.operations[k].needs_parts:
            tz = workshop.tz
            day = booking.drop_off.astimezone(tz).date()  # dated when not the booking's day
            raise Conflict(
                N_(
                    "parts_eta cannot be %(eta)s: its operation %(number)d (%(name)s) was clocked at"
                    " %(at)s, the parts were there"
                )
                % {
                    "eta": moment_words(eta, tz, day),
                    "number": k + 1,
                    "name": service.operations[k].name,
                    "at": moment_words(first, tz, day),
                },
                [],
                forceable=False,
            )


def clocked_days_left(
    workshop: Workshop,
    clocked: dict[dt.date, int],
    before: tuple[Booking, list[Assignment]],
    after: tuple[Booking, list[Assignment]],
) -> list[dt.date]:
    """The days the booking's work was clocked on that would no longer see the same operations of
    it (`multiday.day_operations`: the first one, and at least as far as the last one clocked):
    their clock events name them so."""
    left = []
    for date, last in sorted(clocked.items()):
        was = multiday.day_operations(workshop, date, *before)
        now = multiday.day_operations(workshop, date, *after)
        if was is None or (now is not None and now[0] == was[0] and now[1] > last):
            continue
        left.append(date)
    return left


def clocked_work_stays(
    workshop: Workshop,
    clocked: dict[dt.date, int],
    before: tuple[Booking, list[Assignment]],
    after: tuple[Booking, list[Assignment]],
    forced: str | None = None,
) -> None:
    """A change keeps each day the booking's work was clocked on seeing the same operations of it
    (`clocked_days_left`); else Conflict: moved off that day (another drop-off day, a multi-day
    repair's work shifted by a later parts ETA), the day's events would name work it no longer has
    and its status, clock and plans failed (review-s20 D2). `forced`: the booking's id, `after` its
    forced change kept at risk (on its drop-off day alone): a later day of the repair with clocked
    work refuses it even so, naming the booking and the day, as a forced workshop change does
    (173f578); the refusal no longer suggests forcing it."""
    for date in clocked_days_left(workshop, clocked, before, after)[:1]:
        if forced is not None:
            raise Conflict(
                N_(
                    "booking %(booking)s was clocked on %(date)s, a later day of the repair: kept at"
                    " risk it would hold its drop-off day only, and clocked work cannot move off its"
                    " day, not even by force"
                )
                % {"booking": forced, "date": date.isoformat()},
                [],
            )
        raise Conflict(
            N_(
                "its work clocked on %(date)s would move off that day (a parts_eta change may be"
                " forced: kept at risk)"
            )
            % {"date": date.isoformat()},
            [],
        )
