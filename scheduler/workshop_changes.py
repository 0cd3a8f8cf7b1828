"""What a change of a workshop breaks: the accepted bookings, of days not yet past, whose witness
the new workshop no longer holds (a technician, bay or service gone, shorter shifts, new breaks,
another time zone...) and that no new witness of their day fits on time, with the reasons; and the
clocked work that names what it removes."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence

from sqlalchemy.orm import Session

from scheduler import multiday
from scheduler.compiler import compile_request
from scheduler.contract import (
    Assignment,
    Booking,
    Operation,
    PinnedOperation,
    Workshop,
)
from scheduler.dispatch import dispatch, rule_order
from scheduler.errors import InputError
from scheduler.i18n import N_
from scheduler.integrity import promise_request, unplannable, witness_breaks
from scheduler.storage import BookingRow
from scheduler.storage import bookings as bookings_db
from scheduler.storage import clock_events as events_db
from solver.problem import Placement


def past_from(server: dt.datetime, now: dt.datetime | None) -> dt.datetime:
    """The moment whose day is the first not yet past for a workshop change: the earlier of the
    server's clock and the request's `now` (a day is past only when past by both). A `now` behind the
    clock (a day replayed) has its days checked; one ahead of it cannot make the days between past,
    or a manager could break their bookings without `force` marking them at risk (audit13-s19 R5)."""
    return server if now is None else min(server, now)


def broken_by(
    session: Session,
    old: Workshop,
    new: Workshop,
    now: dt.datetime,
    cars_out: Callable[[dt.date], list[tuple[Booking, list[Assignment]]]],
    out_until: Callable[[Booking], Booking],
    rewitness: dict[dt.date, dict[str, list[Assignment]]] | None = None,
) -> list[tuple[BookingRow, list[str]]]:
    """The booking rows, of days not yet past, whose witness `new` breaks, with the reasons.
    `cars_out`: the loan cars of earlier days still out on a day, as its held shares; `out_until`:
    a loan-car booking promised until its car is back (an at-risk one's overrun), both as the
    desk counts them (`PlanningService._cars_out`, `_out_until`).

    A day whose witness `new` breaks is packed again under `new` first (`_repacked`, at most
    `REWITNESS_SECONDS` of CPU a day and `REWITNESS_TOTAL_SECONDS` in all, under the workshop's
    lock; the days after that list their bookings as before): the bookings that new witness keeps
    on time are not listed, and their new witness goes into `rewitness` (by day, by booking id),
    which the caller stores with the new workshop; only the bookings that still do not fit are
    listed. A booking with work clocked on the day is never listed: that work is what happened, and
    the rest of its day is planned from the clock; a new witness of its day holds its witness where
    it is, pinned. (Not a multi-day repair's: its work carries on to later days, checked as before.)"""
    today = _first_day(old, new, now)
    until = time.thread_time() + REWITNESS_TOTAL_SECONDS
    clocked: set[tuple[str, dt.date]] = {
        (booking_id, date) for booking_id, _, date in events_db.clocked_since(session, new.id, today)
    }
    by_date: dict[dt.date, list[BookingRow]] = defaultdict(list)
    for r in bookings_db.from_date(session, new.id, today):
        by_date[r.date].append(r)
    for date, r in bookings_db.carried_from(session, new.id, today):  # multi-day work's later days
        by_date[date].append(r)
    broken: dict[str, tuple[BookingRow, list[str]]] = {}
    for date, day_rows in sorted(by_date.items()):
        accepted = multiday.day_accepted(
            new, date, [bookings_db.accepted_of(r) for r in day_rows], [], held=True
        )
        if new.loan_cars is not None:  # the cars of earlier days still out count (review-s26 L1)
            accepted += cars_out(date)
            # and the day's own bookings at risk (no witness, unchecked): their customers keep
            # their cars, past the promise where the work overruns it (desk16-s29)
            accepted += multiday.out_shares(
                [
                    out_until(b)
                    for b, w in accepted
                    if b.at_risk and b.loan_car and not w and not multiday.is_part(b)
                ]
            )
        held = [b for b, _ in accepted if multiday.is_held(b)]  # their loan cars count
        # A part is pinned where its witness holds it; checked here as work, not as a fact.
        accepted = [
            (b.model_copy(update={"pinned": []}) if multiday.is_part(b) else b, w)
            for b, w in accepted
            if not multiday.is_held(b)
        ]
        day_new = multiday.day_workshop(new)
        reasons = witness_breaks(day_new, date, accepted, held)
        # Clocked work of a one-day booking on its own day; a multi-day repair's stays checked
        # (its later days carry its work on, and their events name it: review-s20 D3).
        parts = {b.id for b, _ in accepted if multiday.is_part(b)}
        clocked_here = {
            r.id for r in day_rows if (r.id, date) in clocked and r.date == date and r.id not in parts
        }
        if set(reasons) - clocked_here:
            own = {r.id for r in day_rows if r.date == date}
            packed = (
                _repacked(
                    day_new, date, accepted, held, clocked_here, own, set(reasons) - clocked_here, until
                )
                if time.thread_time() < until
                else None
            )
            if packed is not None:
                witness, left = packed
                if rewitness is not None:
                    rewitness[date] = witness
                reasons = {b: why or reasons.get(b) or [NO_ROOM] for b, why in left.items()}
        for r in day_rows:
            if r.id in clocked_here:
                continue  # its clocked work is what happened, whatever the new standard minutes
            for why in reasons.get(r.id, []):
                listed = broken.setdefault(r.id, (r, []))[1]
                if why not in listed:
                    listed.append(why)
    return list(broken.values())


NO_ROOM = N_("the day planned again under the changed workshop has no room for it by its promised pickup")
"""Why a booking whose old witness may still hold is listed: the day's new witness left it out."""

REWITNESS_SECONDS = 1.0
"""At most this much CPU a day spends looking for a new witness of its bookings under a changed
workshop (`_repacked`): a day of a small dealer's 20 bookings takes milliseconds a try."""

REWITNESS_TOTAL_SECONDS = 10.0
"""At most this much CPU a change spends on new witnesses, over all its days (it holds the workshop's
lock meanwhile: bookings wait): the days after that list their broken bookings as before."""

CHECK_ROUNDS = 3
"""How many times a new witness is checked with the bookings the validator still faults left out."""

REWITNESS_PROMOTIONS = 8
"""Per starting order, at most this many dispatches with the late bookings moved to the front."""

REWITNESS_RULES = ("earliest-promise", "least-slack", "fcfs", "most-constrained-skill", "shortest-first")
"""The dispatch rules tried after the old witness's order (`scheduler.dispatch.RULES`)."""


def _repacked(
    workshop: Workshop,
    date: dt.date,
    accepted: Sequence[tuple[Booking, Sequence[Assignment]]],
    held: Sequence[Booking],
    clocked: Collection[str],
    own: Collection[str],
    broken: Collection[str],
    until: float = float("inf"),
) -> tuple[dict[str, list[Assignment]], dict[str, list[str]]] | None:
    """A new witness of the day under `workshop` (a day view: `multiday.day_workshop`): its
    witnessed bookings dispatched again (the greedy planner's earliest finish, in the old
    witness's order, then in rules' orders, each with the bookings it leaves late moved to the
    front), the one that keeps the most on time by their promised pickup. Returns the new witness of
    the bookings kept (not the clocked ones: their witness stays, pinned) and the ids left out,
    each with the validator's reasons where it faulted the booking in the new witness (else none:
    late or unplaced); None
    where no try leaves out fewer than the old witness breaks (`broken`: their ids; among tries
    leaving out as many, the one leaving out fewest others is kept), or the day is not one
    this packs: multi-day work on it, a booking of another day, one the workshop cannot compile.
    `until`: the change's whole budget (this thread's CPU time), which ends the tries too.
    Every answer is checked by the independent validator (`witness_breaks`) before it is given."""
    witnessed = [(b, list(w)) for b, w in accepted if w]
    if not witnessed or any(b.id not in own or multiday.is_part(b) for b, _ in witnessed):
        return None
    if any(multiday.carries_over(workshop, b) for b, _ in witnessed):
        return None
    fixed = {b.id: w for b, w in witnessed if b.id in clocked}
    bookings = [
        b.model_copy(update={"pinned": [_pin(a) for a in fixed[b.id]]}) if b.id in clocked else b
        for b, _ in witnessed
    ]
    request = promise_request(workshop, date, bookings, held)
    try:
        compiled = compile_request(request)
    except InputError:
        return None
    problem = compiled.problem
    stop = min(until, time.thread_time() + REWITNESS_SECONDS)
    first = {b.id: min(a.start for a in w) for b, w in witnessed}
    orders = [
        sorted(  # the bookings whose witness holds first, each in the old witness's order
            range(len(bookings)),
            key=lambda j: (not problem.jobs[j].pinned, bookings[j].id in broken, first[bookings[j].id], j),
        ),
        *(rule_order(problem, rule) for rule in REWITNESS_RULES),
    ]
    best: tuple[tuple[int, int], set[int], dict[tuple[int, int], Placement]] | None = None
    for order in orders:
        for _ in range(REWITNESS_PROMOTIONS + 1):
            if time.thread_time() > stop:
                break
            solution = dispatch(problem, order)
            late = {
                j
                for j, job in enumerate(problem.jobs)
                if j in solution.unplaced
                or (
                    job.due is not None
                    and max(p.end for (i, _), p in solution.placements.items() if i == j) > job.due
                )
            }
            score = (len(late), sum(1 for j in late if bookings[j].id not in broken))
            if best is None or score < best[0]:
                best = (score, late, dict(solution.placements))
            if not late:
                break
            # The late ones to the front (after started work), the rest keeping their order.
            pinned = [j for j in order if j not in late and problem.jobs[j].pinned]
            front = [j for j in order if j in late]
            order = pinned + front + [j for j in order if j not in late and not problem.jobs[j].pinned]
        if best is not None and best[0][0] == 0:
            break
    if best is None or best[0][0] >= len(broken):
        return None
    _, late, placements = best
    left = [bookings[j].id for j in sorted(late)]
    witness: dict[str, list[Assignment]] = {}
    for (j, k), p in sorted(placements.items()):
        booking = bookings[j]
        if j in late or booking.id in fixed:
            continue
        witness.setdefault(booking.id, []).append(compiled.frame.assignment(booking.id, k, p))
    # The validator's word on it. A booking it still faults for a rule no placement mends (its
    # check-in with no advisor free, ...) is left out too, with the validator's reasons, and the
    # rest checked again; never a clocked one (the day is then listed as before).
    why: dict[str, list[str]] = {}
    for _ in range(CHECK_ROUNDS):
        checked = [
            (b, witness[b.id] if b.id in witness else fixed.get(b.id, []))
            for b in bookings
            if b.id not in left
        ]
        faulted = witness_breaks(workshop, date, checked, held)
        if not faulted:
            break
        if set(faulted) & set(fixed):
            return None
        left += sorted(faulted)
        why.update(faulted)
        witness = {b: w for b, w in witness.items() if b not in faulted}
    else:
        return None
    if len(left) >= len(broken):
        return None
    if left and workshop.loan_cars is not None and any(b.loan_car for b in bookings if b.id in left):
        return None  # at risk, its loan car is counted as the desk counts it: the old way
    if any(b.promised is not None and max(a.end for a in w) > b.promised for b, w in checked if w):
        return None  # never expected: checked as late above (the validator leaves lateness to plans)
    return witness, {b: why.get(b, []) for b in left}


def _pin(a: Assignment) -> PinnedOperation:
    """Clocked work held where its witness has it."""
    return PinnedOperation(
        operation=a.operation, bay=a.bay, technician=a.technician, start=a.start, end=a.end
    )


def clocked_work_orphaned(
    session: Session, old: Workshop, new: Workshop, now: dt.datetime
) -> list[dict[str, object]]:
    """The bookings whose work was clocked, on a day not yet past, by a technician or of a service
    that `new` no longer has, each with its date and reasons: that day's clock events name them, and
    without them its live re-plan, its next clock event (the finish of a job under way) and its plan
    fail. Not even `force` removes them: the manager does once those days are past."""
    technicians = {t.id for t in new.technicians}
    services = {s.code for s in new.services}
    # A service kept whose operations differ from some position on (fewer, reordered, replaced):
    # events name operations by position, so from there they would name nothing or other work
    # (review-s25). Per service: how many of its first operations stay as they were, by name.
    shrunk = {
        s.code: kept
        for s in new.services
        if (was := old.service(s.code)) is not None
        and (kept := _same_first_operations(was.operations, s.operations)) < len(was.operations)
    }
    if (
        {t.id for t in old.technicians} <= technicians
        and {s.code for s in old.services} <= services
        and not shrunk
    ):
        return []  # nothing removed: no clock event can name what is gone
    found: dict[str, tuple[dt.date, list[str]]] = {}
    days_seen: set[tuple[str, dt.date]] = set()
    for booking_id, technician, date in events_db.clocked_since(session, new.id, _first_day(old, new, now)):
        seen = booking_id in found
        reasons = found.setdefault(booking_id, (date, []))[1]
        if technician not in technicians:
            reason = N_("technician %(technician)s clocked work on it on %(date)s") % {
                "technician": technician,
                "date": date.isoformat(),
            }
            if reason not in reasons:
                reasons.append(reason)
        row = bookings_db.get(session, new.id, booking_id) if not seen or shrunk else None
        booking, witness = bookings_db.accepted_of(row) if row is not None else (None, [])
        if booking is not None and booking.service in shrunk and (booking_id, date) not in days_seen:
            days_seen.add((booking_id, date))
            gone = _operation_gone(session, old, booking, witness, date, shrunk[booking.service])
            if gone is not None:
                reasons.append(gone)
        if seen:
            continue  # its service was looked at on its first clocked day
        service = booking.service if booking is not None else None
        if service is not None and service not in services:
            reasons.append(
                N_("its service %(service)s was clocked on %(date)s")
                % {"service": service, "date": date.isoformat()}
            )
    return [
        {"booking": booking_id, "date": date.isoformat(), "reasons": reasons}
        for booking_id, (date, reasons) in found.items()
        if reasons
    ]


def clocked_work_off_its_day(
    session: Session, old: Workshop, new: Workshop, now: dt.datetime
) -> list[dict[str, object]]:
    """The bookings with work clocked, on a day not yet past, at a moment that `new`'s time zone puts
    on another day, each with its date and why (the first such moment, on `old`'s clock): each event
    is kept under its day, whose replay refuses a moment after it (and plans it from its start), so
    the day's status, clock and plans would fail (review-s26). Not even `force` changes that: the
    manager does once those days are past. None when the time zone stays."""
    if new.timezone == old.timezone:
        return []
    found: dict[str, tuple[dt.date, list[str]]] = {}
    for event in events_db.between(session, new.id, _first_day(old, new, now), None):
        if event.booking_id in found or event.at.astimezone(new.tz).date() == event.date:
            continue
        reason = N_("its work clocked at %(at)s on %(date)s would fall on %(other)s in %(timezone)s") % {
            "at": event.at.astimezone(old.tz).strftime("%H:%M"),
            "date": event.date.isoformat(),
            "other": event.at.astimezone(new.tz).date().isoformat(),
            "timezone": new.timezone,
        }
        found[event.booking_id] = (event.date, [reason])
    return [
        {"booking": booking_id, "date": date.isoformat(), "reasons": reasons}
        for booking_id, (date, reasons) in found.items()
    ]


def clocked_work_unplannable(
    session: Session, old: Workshop, new: Workshop, now: dt.datetime
) -> list[dict[str, object]]:
    """The bookings with work clocked on their drop-off day, not yet past, that `new` cannot plan
    on it at all (its drop-off outside the new opening hours, ...), each with its date and why: the
    day's plan leaves such a booking out while its clock events still name it, so every re-plan of
    the day, the live one and the foreman's, is refused (review-s26). Not even `force` changes that.
    A service removed is `clocked_work_orphaned`'s."""
    found: dict[str, tuple[dt.date, list[str]]] = {}
    for booking_id, _, date in events_db.clocked_since(session, new.id, _first_day(old, new, now)):
        if booking_id in found:
            continue
        row = bookings_db.get(session, new.id, booking_id)
        if row is None or row.date != date:
            continue  # a repair's later day: its own rule (booking_changes.clocked_work_stays)
        booking, _ = bookings_db.accepted_of(row)
        if new.service(booking.service) is None:
            continue
        why = unplannable(multiday.day_workshop(new), date, [booking]).get(booking.id)
        if why is not None:
            reason = N_(
                "its work was clocked on %(date)s, and the changed workshop cannot plan it then: %(why)s"
            )
            found[booking_id] = (date, [reason % {"date": date.isoformat(), "why": why}])
    return [
        {"booking": booking_id, "date": date.isoformat(), "reasons": reasons}
        for booking_id, (date, reasons) in found.items()
    ]


def _same_first_operations(old: Sequence[Operation], new: Sequence[Operation]) -> int:
    """How many of a service's first operations `new` keeps where `old` had them (by name)."""
    kept = 0
    for was, now in zip(old, new, strict=False):
        if was.name != now.name:
            break
        kept += 1
    return kept


def _operation_gone(
    session: Session, old: Workshop, booking: Booking, witness: list[Assignment], date: dt.date, count: int
) -> str | None:
    """Why `booking`'s work clocked on `date` names an operation its service no longer has where it
    was (it keeps its first `count` in place): the first such one clocked that day, numbered in the
    service as `old` had it (a multi-day repair's day numbers its share from 0,
    `multiday.day_operations`); None: all kept."""
    last = events_db.clocked_days(session, old.id, booking.id).get(date)
    if last is None:
        return None
    day = multiday.day_operations(old, date, booking, witness)
    first = day[0] if day is not None else 0
    if first + last < count:
        return None
    operation = max(count, first)
    service = old.service(booking.service)
    known = service.operations if service is not None else []
    name = known[operation].name if operation < len(known) else "?"
    return N_("its operation %(number)d (%(name)s) was clocked on %(date)s") % {
        "number": operation + 1,
        "name": name,
        "date": date.isoformat(),
    }


def _first_day(old: Workshop, new: Workshop, now: dt.datetime) -> dt.date:
    """The first day not yet past at `now`, by the earlier of the two workshops' time zones."""
    return min(now.astimezone(old.tz).date(), now.astimezone(new.tz).date())
