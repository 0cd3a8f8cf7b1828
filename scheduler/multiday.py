"""Multi-day work (accident repairs that carry over): offers over several days, and each day's share.

A service with `max_days` > 1 may carry over: what does not fit the drop-off day continues on the
following opening days, each operation in one piece on one day, in order. A booking of it is
stored on its drop-off day with a witness that places every operation, on whichever day it falls;
each later day it touches lists it too (scheduler.storage: carried days).

A day sees such a booking as a *part*: a booking of the part service "CODE:ops<first>-<last>" (the
operations done that day, `day_workshop` adds every part service to the workshop the day plans
with), pinned where the witness holds it, with the promise only on the last day. So a day's slot
offers and plans hold the carried-over work like any accepted booking, by construction; the
independent validator checks the whole booking over its days (validator.validate_multiday).

An offer for a multi-day service at a drop-off time fits, on the drop-off day, the longest run of
operations the day's witness has room for, then on each following opening day the longest run of
the rest (work may not pause on an opening day once it has started), until all is placed within
`max_days` opening days. Its promise is the promise rule's (scheduler.capacity) on the last day, and
every day's capacity rules hold: the advisor check-in on the drop-off day, the walk-in holdback
every day, and a loan car free from drop-off to the promised pickup (every day's DayBook counts the
cars out). Work ready after the desk closes on its last day (overtime) is promised for the next
handover day's first handover time (capacity.handover_hours, DayBook's promise): the `max_days`
bound the work days, the car is handed back the next morning. The loan car is then out overnight
until a moment no car goes out before (the first drop-off time), so the days' counts hold.

Where that finds nothing (the drop-off day has no room for even the first operation, or its run
leaves the later days too much), the work may start on a later opening day: the vehicle is checked
in and held on the drop-off day (and on any opening day before its work starts) with no work of it
there, then the work runs from the first opening day it fits as above. The promised pickup is set
as always, by the promise rule on the last work day, and the `max_days` opening days still count
from the drop-off day (as validator.validate_multiday checks): the days the vehicle waits count
against them, so a customer never has the car back later than the service's days allow. A day the
vehicle is held without work sees it as a *held* share (`held_code`: a part service with no
operations): it takes the advisor check-in on the drop-off day and keeps a loan car out, but no bay
or technician time, and it is in no plan of that day (DayBook.held) but in its request's `held`
(PlanRequest.held: the validator counts its loan car); the booking is listed on each such later
day as on its work days (scheduler.storage: carried days).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from scheduler.availability import Availability
from scheduler.capacity import CARRY_LOOK_AHEAD_DAYS, next_open
from scheduler.contract import (
    HELD_CODE,
    PART_CODE,
    Assignment,
    Booking,
    PinnedOperation,
    Service,
    Workshop,
)
from scheduler.i18n import N_
from scheduler.refusals import HOLDBACK, holdback_refusal, on_day, parts_after_the_day, parts_arrive
from scheduler.slots import EJECTION_SECONDS, NO_WANTS, DayBook, Offer, Wants

__all__ = [
    "PART",
    "CarriedOffer",
    "carries_over",
    "day_accepted",
    "day_part",
    "day_workshop",
    "fit",
    "fits",
    "held_code",
    "is_held",
    "is_part",
    "multi_day",
    "offers",
    "part_code",
    "part_service",
    "refusal",
    "refusals",
    "split_part",
]

PART = PART_CODE
"""Part service codes are the service's code, this, and the operations: "ACC-REPAIR:ops2-3" (a
workshop's own service codes never hold it: contract.Service)."""

LOOK_AHEAD_DAYS = CARRY_LOOK_AHEAD_DAYS
"""Calendar days searched for the following opening days (holidays included)."""


def multi_day(service: Service | None) -> bool:
    return service is not None and service.max_days > 1


def carries_over(workshop: Workshop, booking: Booking) -> bool:
    """May this booking's work carry over to later days? (A waiter's never does.)"""
    return multi_day(workshop.service(booking.service)) and not booking.waiter


def part_code(code: str, first: int, last: int) -> str:
    return f"{code}{PART}{first}-{last}"


def part_service(service: Service, first: int, last: int) -> Service:
    """The service of `service`'s operations `first`..`last` done in one day (`part_code`): a day's
    share of multi-day work, or (scheduler.replan.cut_to_clocked) the clocked work of a booking
    whose rest carries over."""
    return Service.model_construct(
        code=part_code(service.code, first, last),
        name=service.name,
        name_i18n=service.name_i18n,
        express=service.express,
        operations=service.operations[first : last + 1],
        check_in_minutes=service.check_in_minutes,
        max_days=1,
    )


HELD = HELD_CODE.removeprefix(PART)
"""The operations of a held share (no work that day): "ACC-REPAIR:opsheld"."""


def held_code(code: str) -> str:
    """The service of a day a multi-day booking's vehicle is held with no work of it (`day_part`)."""
    return f"{code}{PART}{HELD}"


def is_part(booking: Booking) -> bool:
    return PART in booking.service


def is_held(booking: Booking) -> bool:
    """A day's share of multi-day work with no work of it that day (`held_code`)."""
    return booking.service.endswith(HELD_CODE)


def out_shares(out: list[Booking]) -> list[tuple[Booking, list[Assignment]]]:
    """Bookings of earlier days whose loan car is still out on a day, with no work of theirs on it
    (`bookings.loan_cars_around`, `PlanningService._cars_out`), as that day's held shares
    (`held_code`, no witness, no pins): the front desk (DayBook.held), the day's plan request
    (PlanRequest.held, the validator) and a workshop change's check count the car out from the
    drop-off until the promised pickup, as they count a held vehicle's (review-s26 L1). A service
    that is not multi-day has no held share in the day's workshop (`day_workshop`): DayBook takes
    the code as held all the same."""
    return [(b.model_copy(update={"service": held_code(b.service), "pinned": []}), []) for b in out]


def split_part(code: str) -> tuple[str, int, int] | None:
    """A part service code's service and operations: "ACC-REPAIR:ops2-3" -> ("ACC-REPAIR", 2, 3);
    None for any other code."""
    service, sep, ops = code.rpartition(PART)
    first, dash, last = ops.partition("-")
    if not sep or not dash or not first.isdigit() or not last.isdigit():
        return None
    return service, int(first), int(last)


_views: dict[int, tuple[Workshop, Workshop]] = {}
_views_lock = threading.Lock()


def day_workshop(workshop: Workshop) -> Workshop:
    """The workshop as a day plans with it: every multi-day service also as each of its parts
    (a run of its operations), so that a day's share of multi-day work compiles like any booking,
    and as its held share (`held_code`: no operations, for a day the vehicle waits for its work)."""
    with _views_lock:
        cached = _views.get(id(workshop))
        if cached is not None and cached[0] is workshop:
            return cached[1]
    parts = [
        part_service(s, first, last)
        for s in workshop.services
        if multi_day(s)
        for first in range(len(s.operations))
        for last in range(first, len(s.operations))
        if (first, last) != (0, len(s.operations) - 1)
    ]
    parts += [
        Service.model_construct(
            code=held_code(s.code),
            name=s.name,
            name_i18n=s.name_i18n,
            express=s.express,
            operations=[],
            check_in_minutes=s.check_in_minutes,
            max_days=1,
        )
        for s in workshop.services
        if multi_day(s)
    ]
    view = workshop.model_copy(update={"services": [*workshop.services, *parts]}) if parts else workshop
    with _views_lock:
        if len(_views) > 256:
            _views.clear()
        _views[id(workshop)] = (workshop, view)
    return view


def _local_date(moment: dt.datetime, workshop: Workshop) -> dt.date:
    return moment.astimezone(workshop.tz).date()


def day_part(
    workshop: Workshop, date: dt.date, booking: Booking, witness: list[Assignment]
) -> tuple[Booking, list[Assignment]] | None:
    """`booking`'s share of `date` with its witness there: the booking itself when all its work is
    on that day (or it has no witness: at risk); else the part booking of its operations that day,
    pinned where the witness holds them; on a day from its drop-off until its work starts, the held
    share (`held_code`, no witness there); None: no work of it that day otherwise."""
    service = workshop.service(booking.service)
    if service is None or not multi_day(service) or not witness:
        return booking, witness
    on_day = sorted((a for a in witness if _local_date(a.start, workshop) == date), key=lambda a: a.operation)
    if len(on_day) == len(witness):
        return booking, witness
    if not on_day:
        starts = min(_local_date(a.start, workshop) for a in witness)
        if _local_date(booking.drop_off, workshop) <= date < starts:
            held: dict[str, object] = {"service": held_code(service.code), "promised": None, "pinned": []}
            return booking.model_copy(update=held), []
        return None
    first, last = on_day[0].operation, on_day[-1].operation
    final = last == len(service.operations) - 1
    pins = [
        PinnedOperation(
            operation=a.operation - first, bay=a.bay, technician=a.technician, start=a.start, end=a.end
        )
        for a in on_day
    ]
    part = booking.model_copy(
        update={
            "service": part_code(service.code, first, last),
            "promised": booking.promised if final else None,
            "pinned": pins,
        }
    )
    return part, [a.model_copy(update={"operation": a.operation - first}) for a in on_day]


def day_operations(
    workshop: Workshop, date: dt.date, booking: Booking, witness: list[Assignment]
) -> tuple[int, int] | None:
    """The operations of `booking` the day `date` sees (`day_part`: a multi-day repair's share is
    numbered from its first operation that day) as (first, count); None: no work of it that day
    (another day's booking, or a day its vehicle is only held)."""
    service = workshop.service(booking.service)
    if service is None:
        return None
    if not multi_day(service) or not witness:
        return (0, len(service.operations)) if _local_date(booking.drop_off, workshop) == date else None
    part = day_part(workshop, date, booking, witness)
    if part is None or is_held(part[0]):
        return None
    split = split_part(part[0].service)
    return (0, len(service.operations)) if split is None else (split[1], split[2] - split[1] + 1)


def day_accepted(
    workshop: Workshop,
    date: dt.date,
    accepted: list[tuple[Booking, list[Assignment]]],
    carried: list[tuple[Booking, list[Assignment]]],
    held: bool = False,
) -> list[tuple[Booking, list[Assignment]]]:
    """The day's accepted bookings (`accepted`: dated that day; `carried`: multi-day bookings of
    earlier days listed on it) as the day sees them (`day_part`); with `held`, the vehicles held
    on it with no work of theirs too (for the front-desk rules, DayBook.held; never in a plan)."""
    seen: list[tuple[Booking, list[Assignment]]] = []
    for booking, witness in [*accepted, *carried]:
        part = day_part(workshop, date, booking, witness)
        if part is not None and (held or not is_held(part[0])):
            seen.append(part)
    return seen


_DayFit = tuple[DayBook, Booking, Offer]
"""One day's share of carried-over work: the day, the part booking, where it fits."""

Witness = dict[str, tuple[Assignment, ...]]


@dataclass(frozen=True)
class CarriedOffer(Offer):
    """An offer of work carried over to later days. `rewitness` is the drop-off day's new witness
    (bookings moved out of the way there); `later` the same for each later day that had to move
    bookings to hold its share (each keeps every promise of that day)."""

    later: tuple[tuple[dt.date, Witness], ...] = ()


@dataclass
class _Search:
    """One search for carried-over work: the later days' fits of the rest of the work depend only
    on where the rest starts, so they are found once per search."""

    day: DayBook
    day_of: Callable[[dt.date], DayBook]
    service: Service
    template: Booking
    """The booking asked for (any drop-off): service, fleet partner, parts ETA, loan car."""
    rests: dict[tuple[int, dt.date, int, bool], list[_DayFit] | None] = field(default_factory=dict)
    free: dict[dt.date, Availability] = field(default_factory=dict)
    """Each day's free time around its witness (fits leave it as they found it)."""
    parts: dict[dt.datetime, list[_DayFit]] = field(default_factory=dict)
    """The days' fits of each offer made, by drop-off."""
    deadline: float = 0.0
    """Until when (`time.thread_time`) bookings may be moved out of the way (scheduler.ejection)
    where the witness's free time has no room: the budget of one whole search."""
    carless: _Search | None = None
    """The same search without the loan car (`loan_car_refusal`), made once."""
    fitted: dict[tuple[dt.date, str, dt.datetime], Offer | None] = field(default_factory=dict)
    """Where each probe (day, the part of the work, drop-off) fits its day's free time as it is,
    found once: no budget, and the same with or without the loan car (`DayBook.fit_quickly` is
    capacity only), so the search without it (`carless`) shares it."""
    rules: bool = True
    """False: capacity only (`relaxed`): an offer needs the drop-off day's check-in and nothing
    else of the front desk (no walk-in holdback, no loan car)."""
    capacity_only: _Search | None = None
    """The same search with capacity only and no loan car (`relaxed`), made once."""
    partless: _Search | None = None
    """The same, the parts on the shelf (no ETA): what the ETA alone keeps out (`relaxed`)."""
    room: dict[tuple[dt.date, str], str] = field(default_factory=dict)
    """The room reason of each later day's share (`stuck`), found once."""

    def _fit(self, book: DayBook, probe: Booking, eject: bool = False) -> Offer | None:
        """Where `probe` fits `book`'s witness as it is; with `eject`, failing that, once the
        bookings in its way move (every promise of that day kept), while the budget lasts."""
        key = (book.date, probe.service, probe.drop_off)
        if key in self.fitted:
            placed = self.fitted[key]
        else:
            if book.date not in self.free:
                self.free[book.date] = book.availability()
            placed = self.fitted[key] = book.fit_quickly(probe, self.free[book.date], repair=False)
        if placed is None and eject and time.thread_time() < self.deadline:
            placed = book.fit_by_ejection(probe, self.deadline, stopped=self._spent)
        return placed

    def _spent(self) -> None:
        """The search's budget is spent: a chain search stopped at its deadline, or would have
        (the same one on that day version was given at least as much and found nothing:
        `DayBook.fit_by_ejection`), so nothing more is moved, as after any search cut short."""
        self.deadline = 0.0

    def _next_open(self, after: dt.date) -> dt.date | None:
        return next_open(self.day.workshop, after, LOOK_AHEAD_DAYS)

    def _probe(self, first: int, last: int, drop_off: dt.datetime) -> Booking:
        n = len(self.service.operations)
        code = self.service.code if (first, last) == (0, n - 1) else part_code(self.service.code, first, last)
        return self.template.model_copy(
            update={"service": code, "drop_off": drop_off, "promised": None, "pinned": [], "waiter": False}
        )

    def _rest(self, first: int, after: dt.date, used: int, eject: bool = False) -> list[_DayFit] | None:
        """Operations `first`.. placed on the opening days after `after` (`used` days so far)."""
        key = (first, after, used, eject)
        if key not in self.rests:
            found = self.rests.get((first, after, used, False)) if eject else None
            self.rests[key] = found or self._find_rest(first, after, used, eject)
        return self.rests[key]

    def _find_rest(self, first: int, after: dt.date, used: int, eject: bool) -> list[_DayFit] | None:
        date = self._next_open(after)
        if date is None or used >= self.service.max_days:
            return None
        book = self.day_of(date)
        n = len(self.service.operations)
        room = first - 1  # the longest run that fits the day's free time as it is
        for last in range(n - 1, first - 1, -1):
            probe = self._probe(first, last, self.template.drop_off)
            placed = self._fit(book, probe)
            if placed is None:
                continue
            room = last
            if last == n - 1:
                return [(book, probe, placed)]
            tail = self._rest(last + 1, date, used + 1, eject)
            if tail is not None:
                return [(book, probe, placed), *tail]
            break  # work does not pause on an opening day: a shorter run leaves more for later
        # Moving others out of the way: the runs just longer than the free time holds first.
        for last in range(room + 1, n) if eject else ():
            if time.thread_time() >= self.deadline:
                return None
            probe = self._probe(first, last, self.template.drop_off)
            placed = self._fit(book, probe, eject=True)
            if placed is None:
                return None  # a longer run has no more room
            if last == n - 1:
                return [(book, probe, placed)]
            tail = self._rest(last + 1, date, used + 1, eject)
            if tail is not None:
                return [(book, probe, placed), *tail]
        return None

    def at(
        self, drop_off: dt.datetime, longest: int | None = None, eject: bool = True
    ) -> tuple[Offer | None, int]:
        """The carried-over offer at `drop_off` (within every day's rules), if there is one, and the
        last operation the drop-off day has room for as it is (-1: none). `longest`: the most found
        for an earlier drop-off (a later one has no more room: whether work fits is monotone in it).
        Where the days' free time has no room, moving bookings out of the way (scheduler.ejection,
        within the search's budget) looks again, on the drop-off day and on the later days."""
        n = len(self.service.operations)
        top = n - 2 if longest is None else min(longest, n - 2)
        first_probe = self._probe(0, n - 1, drop_off)
        if not self.day.allowed_before_fit(first_probe):
            return None, top
        found: Offer | None = None
        room = -1
        for last in range(top, -1, -1):
            probe = self._probe(0, last, drop_off)
            placed = self._fit(self.day, probe)
            if placed is None:
                continue
            room = last
            rest = self._rest(last + 1, self.day.date, 1)
            if rest is not None:
                found = self._offer(drop_off, [(self.day, probe, placed), *rest])
            break
        if found is None:  # the work starts on a later day, the vehicle held until then
            found = self._later_start(drop_off)
        if found is None and eject and time.thread_time() < self.deadline:
            found = self._ejected(drop_off, room)
        if found is None and eject and time.thread_time() < self.deadline:
            found = self._later_start(drop_off, eject=True)
        return found, room

    def _later_start(self, drop_off: dt.datetime, eject: bool = False) -> Offer | None:
        """The offer at `drop_off` with no work on the drop-off day: the vehicle checked in and held
        there (and on each opening day before its work starts), the work from the first opening day
        it fits on (`_rest`: found once per search, whatever the drop-off), all within `max_days`
        opening days of the drop-off day; with `eject`, moving bookings out of the way on the later
        days where their free time has no room (within the search's budget)."""
        date, book = self.day.date, self.day
        held: list[_DayFit] = []
        for used in range(1, self.service.max_days):
            held.append((book, self._held_probe(), _held_offer(drop_off)))
            rest = self._rest(0, date, used, eject)
            if rest is not None:
                offer = self._offer(drop_off, [*held, *rest])
                if offer is not None:
                    return offer
            following = self._next_open(date)
            if following is None:
                return None
            date, book = following, self.day_of(following)
        return None

    def _held_probe(self) -> Booking:
        return self.template.model_copy(
            update={"service": held_code(self.service.code), "promised": None, "pinned": [], "waiter": False}
        )

    def _ejected(self, drop_off: dt.datetime, room: int) -> Offer | None:
        """The offer at `drop_off` once bookings move out of the way, likeliest first: the drop-off
        day's run as its free time holds it with the later days moving theirs; then longer runs on
        the drop-off day (moving its bookings), the shortest first; then shorter ones."""
        n = len(self.service.operations)
        longer_fails = False
        for last in [*([room] if room >= 0 else []), *range(room + 1, n - 1), *range(room - 1, -1, -1)]:
            if time.thread_time() >= self.deadline:
                return None
            if last > room and longer_fails:
                continue  # a longer run has no more room than one that found none
            probe = self._probe(0, last, drop_off)
            placed = self._fit(self.day, probe, eject=last > room)
            if placed is None:
                longer_fails = longer_fails or last > room
                continue
            rest = self._rest(last + 1, self.day.date, 1, eject=True)
            if rest is None:
                continue
            offer = self._offer(drop_off, [(self.day, probe, placed), *rest])
            if offer is not None:
                return offer
        return None

    def _offer(self, drop_off: dt.datetime, parts: list[_DayFit]) -> Offer | None:
        promised = parts[-1][2].promised
        assignments: list[Assignment] = []
        later: list[tuple[dt.date, Witness]] = []
        for i, (book, probe, placed) in enumerate(parts):
            held = replace(placed, promised=promised)
            wants = probe.model_copy(update={"loan_car": self.template.loan_car, "drop_off": drop_off})
            if is_held(probe):  # no work that day: the check-in (drop-off day) and the loan car
                checked_in = i > 0 or book.allowed_before_fit(wants)
                if not checked_in or (self.rules and book.loan_car_refusal(wants, held) is not None):
                    return None
                continue
            if not self.rules:  # capacity only: the check-in on the drop-off day
                allowed = i > 0 or book.allowed_before_fit(wants)
            else:
                allowed = book.allowed(wants, held) if i == 0 else book.allowed_carried(wants, held)
            if not allowed:
                return None
            if i > 0 and placed.rewitness is not None:
                later.append((book.date, placed.rewitness))
            first = int(probe.service.rsplit(PART, 1)[1].split("-")[0]) if PART in probe.service else 0
            assignments += [
                a.model_copy(update={"operation": a.operation + first}) for a in placed.assignments
            ]
        offer = CarriedOffer(
            drop_off=drop_off,
            promised=promised,
            assignments=tuple(assignments),
            rewitness=parts[0][2].rewitness,
            days=tuple(book.date for book, _, _ in parts),
            later=tuple(later),
        )
        self.parts[drop_off] = parts
        return offer

    def earlier(self, drop_off: dt.datetime, later: dt.datetime) -> Offer | None:
        """The offer found for the `later` drop-off, for an earlier one (its placements hold for
        an earlier drop-off), if every rule allows it there."""
        parts = self.parts.get(later)
        if parts is None or not self.day.allowed_before_fit(self.probe(drop_off)):
            return None
        return self._offer(drop_off, parts)

    def carless_search(self) -> _Search:
        """The same search without the loan car (itself when none is wanted), made once."""
        if not self.template.loan_car:
            return self
        if self.carless is None:
            no_car = self.template.model_copy(update={"loan_car": False})
            # The days' fits (`fitted`, and the rests found in the free time) do not depend on the
            # loan car: the search with it has found many of them already.
            free_rests = {k: v for k, v in self.rests.items() if not k[3]}
            self.carless = _Search(
                self.day, self.day_of, self.service, no_car, free_rests, free=self.free, fitted=self.fitted
            )
        return self.carless

    def loan_car_refusal(self, drop_off: dt.datetime) -> str | None:
        """Why the work at `drop_off` is refused for its loan car: where it fits every day without
        one (as the days' free time is), the first day of it that has no car free for the customer
        (None: it does not fit even without a car, or every day has one)."""
        if not self.template.loan_car:
            return None
        carless = self.carless_search()
        offer, _ = carless.at(drop_off, eject=False)
        if offer is None:
            return None
        for book, probe, placed in carless.parts[drop_off]:
            wants = probe.model_copy(update={"loan_car": True, "drop_off": drop_off})
            why = book.loan_car_refusal(wants, replace(placed, promised=offer.promised))
            if why is not None:
                return why
        return None

    def probe(self, drop_off: dt.datetime) -> Booking:
        """The whole booking asked for, dropped off at `drop_off`."""
        return self._probe(0, len(self.service.operations) - 1, drop_off)

    def relaxed(self, parts: bool = True) -> _Search:
        """The same search with capacity only (no walk-in holdback, no loan car: `rules`), made
        once; without `parts`, the parts on the shelf too. The days' fits of the first are this
        search's (`fitted`, the rests found in the free time: neither depends on the rules); the
        second's are its own (the ETA moves them)."""
        if parts and self.capacity_only is not None:
            return self.capacity_only
        if not parts and self.partless is not None:
            return self.partless
        update: dict[str, object] = {"loan_car": False} if parts else {"loan_car": False, "parts_eta": None}
        template = self.template.model_copy(update=update)
        if parts:
            rests = {k: v for k, v in self.rests.items() if not k[3]}
            made = _Search(
                self.day,
                self.day_of,
                self.service,
                template,
                rests,
                self.free,
                fitted=self.fitted,
                rules=False,
            )
            self.capacity_only = made
        else:
            made = _Search(self.day, self.day_of, self.service, template, free=self.free, rules=False)
            self.partless = made
        return made

    def fits_anyhow(self, drop_off: dt.datetime) -> Offer | None:
        """The work at `drop_off` in the days' free time as it is (no bookings moved): the whole
        of it on the drop-off day, else carried over or started later (`at`), within this search's
        rules."""
        whole = self.probe(drop_off)
        placed = self._fit(self.day, whole)
        if placed is not None:
            car = whole.model_copy(update={"loan_car": self.template.loan_car})
            if not self.rules or self.day.allowed(car, placed):
                return placed
        return self.at(drop_off, eject=False)[0]

    def stuck(self, drop_off: dt.datetime) -> tuple[DayBook, Booking] | None:
        """Where the work at `drop_off` runs out of room in the days' free time as it is (capacity
        only): the search's own path (`at`, `_find_rest`: each day the longest run of what is left,
        from the drop-off day or, the vehicle held, from a later start) that places the most
        operations, the earliest start on a tie; its last day and the work left from that day's
        first operation on (whose reason names the operation that finds no room, after the ones
        before it). None: some path places it all."""
        n, days = len(self.service.operations), self.service.max_days
        best: tuple[int, DayBook, Booking] | None = None
        start: DayBook | None = self.day
        for held in range(days):
            if start is None:
                break
            first, book, used = 0, start, held
            while True:
                used += 1
                when = drop_off if book.date == self.day.date else self.template.drop_off
                last = first - 1
                for end in range(n - 1, first - 1, -1):
                    if self._fit(book, self._probe(first, end, when)) is not None:
                        last = end
                        break
                if last == n - 1:
                    return None
                following = self._next_open(book.date) if last >= first and used < days else None
                if following is None:
                    if best is None or last + 1 > best[0]:
                        best = (last + 1, book, self._probe(first, n - 1, when))
                    break
                first, book = last + 1, self.day_of(following)
            following = self._next_open(start.date)
            start = None if following is None else self.day_of(following)
        return None if best is None else (best[1], best[2])

    def holdback_refusal(self, drop_off: dt.datetime, room: Offer) -> str:
        """Why the work at `drop_off`, which has `room` in the days' free time (this search's
        capacity-only fit), is kept out by the walk-in holdback: the first of its days, in order,
        where its share pushes a technician pool past the pool's online share, that pool named
        (scheduler.refusals.holdback_refusal), dated when not the drop-off day."""
        if isinstance(room, CarriedOffer):
            days = self.parts.get(drop_off, [])
        else:  # the whole work on the drop-off day
            days = [(self.day, self.probe(drop_off), room)]
        for book, probe, placed in days:
            if is_held(probe):  # no work that day
                continue
            wants = probe.model_copy(update={"loan_car": False, "drop_off": drop_off})
            later = None if book.date == self.day.date else book.date
            why = holdback_refusal(book, wants, replace(placed, promised=room.promised), later)
            if why is not None:
                return why
        return HOLDBACK

    def room_refusal(self, drop_off: dt.datetime) -> str | None:
        """The planner's reason for the operation that finds no room where the work at `drop_off`
        gets furthest (`stuck`), dated when that day is not the drop-off day; None: it has room."""
        found = self.stuck(drop_off)
        if found is None:
            return None
        book, probe = found
        if book.date == self.day.date:
            return book.room_refusal(probe)
        key = (book.date, probe.service)
        if key not in self.room:
            eta = probe.parts_eta
            if eta is not None and parts_after_the_day(book, probe):  # the ETA is dated already
                self.room[key] = parts_arrive(self.day, eta)
            else:
                self.room[key] = on_day(book.date, book.room_refusal(probe))
        return self.room[key]


Search = _Search
"""One search for carried-over work (`search`), for callers that keep it between `fits` and
`refusals`."""


def _held_offer(drop_off: dt.datetime) -> Offer:
    """A held day's share: no placements (its promise is set by the offer it is part of)."""
    return Offer(drop_off=drop_off, promised=drop_off, assignments=())


def _search(
    day: DayBook, day_of: Callable[[dt.date], DayBook], template: Booking, ejection_seconds: float
) -> _Search | None:
    service = day.workshop.service(template.service)
    if service is None or not carries_over(day.workshop, template):
        return None
    deadline = time.thread_time() + ejection_seconds if ejection_seconds > 0 else 0.0
    return _Search(day, day_of, service, template, deadline=deadline)


def search(day: DayBook, day_of: Callable[[dt.date], DayBook], template: Booking) -> _Search | None:
    """One search for multi-day work like `template` (any drop-off) on `day` (None: the work does
    not carry over), for `fits` and then `refusals` of the same explain: the days' fits found by
    the one are not looked for again by the other."""
    return _search(day, day_of, template.model_copy(update={"drop_off": day.clock.at(0)}), 0.0)


def booking_search(
    day: DayBook,
    day_of: Callable[[dt.date], DayBook],
    booking: Booking,
    ejection_seconds: float = EJECTION_SECONDS,
) -> _Search | None:
    """The search `fit` makes for `booking` (its budget, `ejection_seconds`, from now), for a
    caller that keeps it: a refused booking's `refusal` then reuses the days' fits it found in
    their free time (`fitted`, the rests found without moving bookings: none depends on the budget)."""
    return _search(day, day_of, booking, ejection_seconds)


def fit(
    day: DayBook,
    day_of: Callable[[dt.date], DayBook],
    booking: Booking,
    ejection_seconds: float = EJECTION_SECONDS,
    made: _Search | None = None,
) -> Offer | None:
    """`booking` (of a multi-day service) with its work carried over from `day`, its drop-off day,
    to the following opening days (`day_of`: a date's DayBook): None when it does not fit.
    `made`: the search to use (`booking_search`, for this booking)."""
    search = made or _search(day, day_of, booking, ejection_seconds)
    return None if search is None else search.at(booking.drop_off)[0]


def fits(
    day: DayBook,
    day_of: Callable[[dt.date], DayBook],
    template: Booking,
    times: list[dt.datetime],
    budget: Callable[[int], float],
    made: _Search | None = None,
) -> dict[dt.datetime, Offer]:
    """Where multi-day work like `template` (any drop-off) at each of `times` (not offered by the
    day's answer) is accepted all the same by a booking's own carried-over fit there (`fit`: the
    days' free time, a later start, then bookings moved out of the way; failing that, the whole
    work on the day once its bookings move, `DayBook.try_moving_others`), with one search for all
    of them (the following days' fits found once): first every time in the days' free time as it
    is, as `offers` does (no budget: an answer that missed them had its reasons, a shared budget or
    an older day version), a later time's placements serving an earlier one; then the others
    moving bookings, the earliest first. `budget(left)`: the CPU the next of those may spend, with
    `left` times still to try (0: the budget is spent, the times left are not tried); its clock
    runs from before the free-time pass, which always finishes: moving bookings gets what that pass
    left of it. A time whose try ran out of its budget leaves no failure behind for the later ones
    (the rests the cut search gave up on are looked at again). `made`: the search to use (`search`)."""
    search = made or _search(day, day_of, template.model_copy(update={"drop_off": day.clock.at(0)}), 0.0)
    found: dict[dt.datetime, Offer] = {}
    if search is None:
        return found
    longest: int | None = None  # the most an earlier time had room for on the day (`offers`)
    for t in sorted(times):  # the days' free time as it is (or a later start): no budget, as `offers`
        offer, longest = search.at(t, longest, eject=False)
        if offer is not None:
            found[t] = offer
    later: dt.datetime | None = None  # a later time's placements serve an earlier one (`offers`)
    for t in sorted(times, reverse=True):
        if t in found:
            later = t
        elif later is not None and (reused := search.earlier(t, later)) is not None:
            found[t] = reused
    ordered = sorted(t for t in times if t not in found)
    for i, t in enumerate(ordered):
        seconds = budget(len(ordered) - i)
        if seconds <= 0:
            break  # the budget is spent: the times left stay refused
        search.deadline = time.thread_time() + seconds
        offer, _ = search.at(t)  # again, now moving bookings out of the way
        if offer is None and time.thread_time() < search.deadline:
            # The booking's next fit (scheduler.service): the whole work on the day, bookings moved.
            offer = day.try_moving_others(search.probe(t), search.deadline - time.thread_time())
            offer = None if offer is None else replace(offer, days=(day.date,))
        if offer is not None:
            found[t] = offer
        elif time.thread_time() >= search.deadline:  # cut short: not a proof
            search.rests = {k: v for k, v in search.rests.items() if v is not None or not k[3]}
    return found


def offers(
    day: DayBook,
    day_of: Callable[[dt.date], DayBook],
    service: str,
    fleet_partner: str | None,
    single_day: list[Offer],
    wants: Wants = NO_WANTS,
    ejection_seconds: float = EJECTION_SECONDS,
) -> list[Offer]:
    """The offers of a multi-day service on `day`: those done that day (`single_day`, the day's own
    offers) and, at every other candidate time, the work carried over to the following days, within
    `ejection_seconds` (this thread's CPU) moving bookings out of the way where the days' free time
    has no room (as single-day offers do). Multi-day work is never overbooked
    (scheduler.overbooking): it holds every day in a witness."""
    single_day = [o for o in single_day if not o.overbooked]
    day_offers = [replace(o, days=(day.date,)) for o in single_day]
    template = wants.probe(service, day.clock.at(0), False, fleet_partner)
    search = _search(day, day_of, template, ejection_seconds)
    if search is None:
        return day_offers
    offered = {o.drop_off for o in single_day}
    carried: dict[dt.datetime, Offer] = {}
    longest: int | None = None
    missing: list[dt.datetime] = []
    for t in day.candidate_times():  # the days' free time as it is
        if t in offered or not day.allowed_before_fit(search.probe(t)):
            continue  # the rules that do not depend on where it sits (advisors) refuse it anyway
        # No room for even the first operation earlier (`longest` < 0): none now either, but the
        # work may start on a later day (found once per search).
        offer, longest = search.at(t, longest, eject=False)
        if offer is not None:
            carried[t] = offer
        else:
            missing.append(t)
    # Whether work fits is monotone in the drop-off: a later time's placements serve an earlier one.
    later: dt.datetime | None = None
    for t in sorted([*missing, *carried], reverse=True):
        if t in carried:
            later = t
        elif later is not None and (reused := search.earlier(t, later)) is not None:
            carried[t] = reused
    missing = [t for t in missing if t not in carried]
    _ejection_boundary(search, missing, carried)
    return sorted([*day_offers, *carried.values()], key=lambda o: o.drop_off)


def _ejection_boundary(
    search: _Search, missing: list[dt.datetime], carried: dict[dt.datetime, Offer]
) -> None:
    """The `missing` times, where the days' free time has no room, once bookings move out of the
    way, within the search's budget: galloping from the earliest (the likeliest), halving after a
    miss; an offer found for a time serves every earlier one (as one-day offers do)."""
    step = 1
    while missing and time.thread_time() < search.deadline:
        at = min(step, len(missing)) - 1
        t = missing[at]
        offer, _ = search.at(t)
        if offer is None:
            missing = missing[:at]
            step = max(1, len(missing) // 2)
            continue
        carried[t] = offer
        for earlier in missing[:at]:
            reused = search.earlier(earlier, t)
            if reused is not None:
                carried[earlier] = reused
        missing = missing[at + 1 :]
        step *= 2


def refusal(
    day: DayBook,
    booking: Booking,
    day_of: Callable[[dt.date], DayBook] | None = None,
    search: _Search | None = None,
) -> str | None:
    """Why multi-day work is not offered at `booking`'s drop-off, where the day's own reason (the
    whole work on one day) would mislead: the first rule that blocks it, in the one-day order
    (scheduler.refusals.refusal_or_fit) over every day the work may touch (`day_of`, a date's
    DayBook; `search`: one made for the day's other times, reused), the days' free time as it is:
    - no room for it on its days (capacity alone, whether it starts on the drop-off day or, the
      vehicle held, later): "parts arrive …" where it has room with the parts on the shelf, else
      the planner's reason for the operation that finds no room where the work gets furthest,
      "day 2026-11-25: …" when that day is not the drop-off day (`_Search.room_refusal`);
    - room, but not within the walk-in holdback (of any of its days): the pool the room found
      would push past it, "walk-in holdback: body technicians grade >= 1" (", day 2026-11-25"
      when that day is not the drop-off day; `_Search.holdback_refusal`);
    - room within it, but no loan car free for the customer on one of its days: that day's car;
    - else (no single rule: only the whole of them, or bookings that would have to move) the work
      does not finish within the service's opening days from the drop-off day.
    None: the day's reason stands (a front-desk rule before any fit: advisor check-in, or the
    workshop closed). The slot query's explain and a refused booking both say this
    (`refusals`; scheduler.service)."""
    service = day.workshop.service(booking.service)
    if (
        service is None
        or not carries_over(day.workshop, booking)
        or day.workshop.is_closed(day.date)
        or not day.allowed_before_fit(booking)
    ):
        return None
    fallback = N_("the work does not finish within %(days)s opening days") % {"days": service.max_days}
    if day_of is None:
        return fallback
    search = search or _search(day, day_of, booking, 0.0)
    if search is None:
        return fallback
    t = booking.drop_off
    capacity = search.relaxed()
    room = capacity.fits_anyhow(t)
    if room is None:
        eta = search.template.parts_eta
        if eta is not None and search.relaxed(parts=False).fits_anyhow(t) is not None:
            return parts_arrive(day, eta)
        return capacity.room_refusal(t) or fallback
    carless = search.carless_search()
    if carless.fits_anyhow(t) is None:
        return capacity.holdback_refusal(t, room)
    if booking.loan_car:
        whole = search.probe(t)
        placed = search._fit(day, whole)
        if placed is not None and day.desk.within_holdback(whole, placed, day._job):
            why = day.loan_car_refusal(whole, placed)
        else:
            why = search.loan_car_refusal(t)
        if why is not None:
            return why
    return fallback


def refusals(
    day: DayBook,
    day_of: Callable[[dt.date], DayBook],
    template: Booking,
    explained: list[tuple[dt.datetime, str]],
    made: _Search | None = None,
) -> list[tuple[dt.datetime, str]]:
    """The day's reasons `explained` (time, reason) for multi-day work like `template` (any
    drop-off): each replaced by `refusal`'s where the day's own would mislead; one search (the
    following days' fits found once; `made`: the one `fits` used, its days' fits kept) serves
    every time."""
    search = made or _search(day, day_of, template.model_copy(update={"drop_off": day.clock.at(0)}), 0.0)
    return [
        (t, refusal(day, template.model_copy(update={"drop_off": t}), day_of, search) or why)
        for t, why in explained
    ]
