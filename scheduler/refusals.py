"""Why a time is not offered: the explained refusals of one workshop day (issue 16).

For each time of the day the slot search (scheduler.slots) does not offer, the first front-desk rule
that blocks it (scheduler.frontdesk) or, with no room in the witness, the planner's reason in the
desk's words (scheduler.reasons); the loan car a booking waits for; the no-show overbooking
allowance used up, or drawn on by a time sold beyond the witness. Each text is a template marked
`N_` here and translated whole where it is shown (`Translator.phrase`): the texts are a contract.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Protocol

from scheduler import capacity
from scheduler.availability import Availability
from scheduler.capacity import CapacityRules
from scheduler.clock import DayClock
from scheduler.compiler import CompiledDay, parts_release
from scheduler.contract import Assignment, Booking, PlanRequest, Workshop
from scheduler.dispatch import place_job
from scheduler.frontdesk import FrontDesk
from scheduler.i18n import N_
from scheduler.offer import Offer
from scheduler.reasons import unplaced_reasons
from scheduler.translate import DayFrame
from solver.problem import DayProblem, DaySolution, JobData, Placement

QUARTER_HOUR = 15
"""Explained refusals answer for every quarter hour of the day (issue 16), on the grid or not."""


class ExplainedDay(Protocol):
    """What the explanations read of a day (scheduler.slots.DayBook): its bookings and witness,
    its front desk, and its quick fit, which a refusal replays."""

    workshop: Workshop
    date: dt.date
    rules: CapacityRules
    clock: DayClock
    frame: DayFrame
    accepted: list[tuple[Booking, list[Assignment]]]
    placements_of: list[list[Placement]]

    @property
    def desk(self) -> FrontDesk: ...

    @property
    def accepted_problem(self) -> DayProblem: ...

    def fit_quickly(self, booking: Booking) -> Offer | None: ...

    def overbooked_offer(self, booking: Booking) -> Offer | None: ...

    def _job(self, booking: Booking) -> tuple[JobData, DayProblem]: ...

    def _offer(self, booking: Booking, placed: list[Placement]) -> Offer: ...

    def _loan_refit(self, booking: Booking, fit: Offer) -> Offer | None: ...


def closed_day(day: ExplainedDay, skip: set[dt.datetime]) -> list[tuple[dt.datetime, str]]:
    """On a closed day (`DayBook.refusals`), every time of the opening hours not in `skip`."""
    open_day = day.workshop.model_copy(update={"closed_days": []})
    times = capacity.candidate_times(open_day, day.date, day.rules.slot_minutes)
    return [(t, N_("workshop closed")) for t in times if t not in skip]


def off_grid_refusals(
    day: ExplainedDay, skip: set[dt.datetime], now: dt.datetime
) -> list[tuple[dt.datetime, str]]:
    """Each quarter hour of the opening hours that is not a candidate time (the desk books on
    its `slot_minutes` grid) nor in `skip`, with why: the grid, the past, or the day closed."""
    closed = day.workshop.is_closed(day.date)
    open_day = day.workshop.model_copy(update={"closed_days": []}) if closed else day.workshop
    grid = set(capacity.candidate_times(open_day, day.date, day.rules.slot_minutes))
    out: list[tuple[dt.datetime, str]] = []
    for t in capacity.candidate_times(open_day, day.date, QUARTER_HOUR):
        if t in grid or t in skip:
            continue
        if closed:
            out.append((t, N_("workshop closed")))
        elif t < now:
            out.append((t, N_("in the past")))
        else:
            # The desk's offer grid, not a booking rule: POST …/bookings takes an off-grid time
            # where it fits (review-s42 item 5: "drop-offs are booked every 30 min", then booked).
            why = N_(
                "drop-offs are offered every %(minutes)s min;"
                " a booking between those times is still taken where it fits"
            ) % {"minutes": day.rules.slot_minutes}
            out.append((t, why))
    return out


NO_ROOM_KEPT = N_("no room kept for it in the day's plan")
"""Every rule holds and the quick fit finds room, yet the booking does not fit (as a booking's
refusal: its promise kept would be missed, or multi-day work's other days)."""


def refusal(day: ExplainedDay, booking: Booking) -> str:
    """The first front-desk rule (or the lack of room) that keeps `booking` out of the day; with
    no-show overbooking on, a time with no room in the witness names the allowance used up."""
    found = refusal_or_fit(day, booking)
    return found if isinstance(found, str) else NO_ROOM_KEPT


UNWORDED = "(not worded: the reason of the work over its days stands instead)"
"""`refusal_or_fit(words=False)` at a time the rules before any fit allow and no fit is offered:
no reason worked out (multi-day work's explanation words those times over their days,
scheduler.multiday.refusals, and never shows the day's own). Never a message."""


def refusal_or_fit(day: ExplainedDay, booking: Booking, words: bool = True) -> str | Offer:
    """`refusal`, or where every rule holds and the quick fit (one booking moved at most) finds
    room, that fit: an offer with its witness, as a booking at that time gets it
    (`DayBook.try_insert`: the same fit, the same rules, a fit refused for its loan car alone tried
    again ending in time for the car, `DayBook._loan_refit`). The slot search may miss such a time
    (its repairs are rationed); the explanation offers it instead of refusing it (review-s20 R1).
    Without `words`, a time the rules before any fit allow that gets no fit is `UNWORDED` (its
    room, parts and overbooking reasons not worked out: the caller words it otherwise)."""
    rules = day.rules
    if not day.desk.advisor_room(booking):
        if day.desk.advisor_held_back(booking):
            return ADVISOR_HOLDBACK
        return N_("no advisor free for check-in")
    if not day.desk.waiter_room(booking):
        return N_("waiter cap %(cap)s per %(minutes)s min reached") % {
            "cap": rules.waiters_per_slot,
            "minutes": rules.slot_minutes,
        }
    offer = day.fit_quickly(booking)
    if offer is not None and not day.desk.after_fit(booking, offer, day._job):
        # A booking's quick fit refused for its loan car is tried again ending in time for the car
        # (`DayBook._allowed_or_refit`): where that fits, the booking is accepted, so it is no refusal.
        refit = day._loan_refit(booking, offer)
        if refit is not None:
            return refit
    if not words and (offer is None or not day.desk.after_fit(booking, offer, day._job)):
        return UNWORDED
    if offer is None or not day.desk.within_holdback(booking, offer, day._job):
        beyond = _beyond_witness(day, booking)
        if beyond is not None:
            return beyond
    if offer is None:
        eta = booking.parts_eta
        if eta is not None and (
            parts_after_the_day(day, booking)
            or day.fit_quickly(booking.model_copy(update={"parts_eta": None}))
        ):
            return parts_arrive(day, eta)
        return room_refusal(day, booking)
    if not day.desk.handed_back(booking, offer):
        return desk_closed(day, offer)
    held_back = holdback_refusal(day, booking, offer)
    if held_back is not None:
        return held_back
    if not day.desk.loan_car_free(booking, offer):
        return no_loan_car(day, booking, offer)
    return offer


def desk_closed(day: ExplainedDay, offer: Offer) -> str:
    """Why a waiter is not offered a time his work fits: "work ends 17:50, after the desk closes at
    17:30" (the time: his promise, the work's end with the buffer; FrontDesk.handed_back)."""
    last = day.desk.last_handover
    local = offer.promised.astimezone(day.workshop.tz)
    when = local.strftime("%H:%M") if local.date() == day.date else local.strftime("%Y-%m-%d %H:%M")
    if last is None:
        return N_("work ends %(end)s, but the desk hands no car back that day") % {"end": when}
    return N_("work ends %(end)s, after the desk closes at %(close)s") % {"end": when, "close": last}


HOLDBACK = N_("walk-in holdback")
"""The walk-in holdback, no pool named (every reason of the holdback starts with it: a contract
other programs may match the prefix of)."""

ADVISOR_HOLDBACK = N_("walk-in holdback: advisor check-in")
"""An advisor is free for the check-in, but the holdback on advisor time per clock hour keeps it
for walk-ins (scheduler.capacity.within_advisor_holdback)."""

_POOL_HOLDBACK = {
    (False, False): N_("walk-in holdback: %(skill)s technicians grade >= %(grade)s"),
    (True, False): N_("walk-in holdback: express work on %(skill)s technicians grade >= %(grade)s"),
    (False, True): N_("walk-in holdback: %(skill)s technicians grade >= %(grade)s, day %(date)s"),
    (True, True): N_(
        "walk-in holdback: express work on %(skill)s technicians grade >= %(grade)s, day %(date)s"
    ),
}
"""Per (express service, a later day than the drop-off's): the holdback of the technician pool the
time would eat into, "walk-in holdback: paint technicians grade >= 3" (the pool: the technicians
with the operation's skill at its minimum grade or above, as the loading chart's `skill:grade`)."""


def holdback_refusal(
    day: ExplainedDay, booking: Booking, offer: Offer, later: dt.date | None = None
) -> str | None:
    """Why the walk-in holdback keeps `booking`, placed as `offer`, out of `day`: the first pool
    it would push past its online share (`FrontDesk.over_holdback`), named; dated with `later`, a
    day multi-day work is carried over to. None: within the holdback."""
    k = day.desk.over_holdback(booking, offer, day._job)
    if k is None:
        return None
    service = day.workshop.service(booking.service)
    if service is None or not 0 <= k < len(service.operations):
        return HOLDBACK
    op = service.operations[k]
    values = {"skill": op.skill, "grade": op.min_grade}
    if later is not None:
        values["date"] = later.isoformat()
    return _POOL_HOLDBACK[(service.express, later is not None)] % values


def parts_arrive(day: ExplainedDay, eta: dt.datetime) -> str:
    """ "parts arrive 14:00": the ETA on the workshop's clock, dated when not on `day`."""
    local = eta.astimezone(day.workshop.tz)
    when = local.strftime("%H:%M") if local.date() == day.date else local.strftime("%Y-%m-%d %H:%M")
    return N_("parts arrive %(when)s") % {"when": when}


def on_day(date: dt.date, why: str) -> str:
    """A reason about another day than the one asked about (multi-day work carried over to it):
    "day 2026-11-25: no paint technician grade >= 3 has 150 min before 17:00 (…)" (the word
    "day", not "on", which the reasons inside use: a filled-in part holds none of its template's
    words, scheduler.i18n)."""
    return N_("day %(date)s: %(why)s") % {"date": date.isoformat(), "why": why}


def parts_after_the_day(day: ExplainedDay, booking: Booking) -> bool:
    """The booking's parts arrive after the day's end: its operation that needs them
    (scheduler.compiler.parts_release) cannot start today at any drop-off time, room or not."""
    service = day.workshop.service(booking.service)
    return service is not None and parts_release(booking, service, day.clock) >= day.clock.horizon


def no_loan_car(day: ExplainedDay, booking: Booking, offer: Offer) -> str:
    cars = day.workshop.loan_cars or 0
    back = capacity.loan_car_back(cars, day.desk.loan_spans, day.desk.loan_span(booking, offer)[0])
    if back is None or back >= day.clock.horizon:
        # A car out past the day's end (multi-day work carried over or held) counts until then
        # only: when it really comes back is its booking's, not this day's to say.
        return N_("no loan car free")
    when = day.clock.at(back)
    # A car back on another day than the customer's drop-off (one out over several days): dated.
    same_day = when.date() == day.clock.local_date(booking.drop_off)
    time = when.strftime("%H:%M") if same_day else when.strftime("%Y-%m-%d %H:%M")
    return N_("no loan car free until %(time)s") % {"time": time}


def loan_car_refusal(day: ExplainedDay, booking: Booking, offer: Offer) -> str | None:
    """Why no loan car serves `booking` placed as `offer` on this day (for work carried over
    to it, too): "no loan car free until 16:00"; None: one is free for the whole span (or
    none is wanted)."""
    return None if day.desk.loan_car_free(booking, offer) else no_loan_car(day, booking, offer)


def _beyond_witness(day: ExplainedDay, booking: Booking) -> str | None:
    """Why no-show overbooking does not sell `booking`, which the witness has no room for (or
    the walk-in holdback keeps out): the allowance of a pool it uses is used up, or no loan car
    is free; None when overbooking does not apply or the booking does not fit the day on its own."""
    pools = day.desk.allowance(booking)
    if pools is None:
        return None
    job, problem = day._job(booking)
    alone = place_job(Availability(problem), job, 0)
    if alone is None:
        return None  # the planner's reason says why
    for (skill, grade), percent, used, allowance in pools:
        if used > allowance:
            return N_("overbooking allowance %(percent)s %% of %(pool)s pool used up") % {
                "percent": f"{percent:g}",
                "pool": f"{skill}:{grade}",
            }
    offer = day.overbooked_offer(booking)
    if offer is None and booking.loan_car:
        return no_loan_car(day, booking, day._offer(booking, alone))
    return None


def overbooking_note(day: ExplainedDay, booking: Booking) -> str | None:
    """For a time offered only thanks to no-show overbooking: the allowance it draws on (the
    pool nearest its limit, its minutes overbooked with this booking); None otherwise."""
    pools = day.desk.allowance(booking)
    if not pools:
        return None
    (skill, grade), percent, used, allowance = max(pools, key=lambda p: p[2] / max(p[3], 1))
    return N_(
        "offered only thanks to the overbooking allowance %(percent)s %% of %(pool)s pool"
        " (%(used)s of %(allowance)s min used with this booking)"
    ) % {"percent": f"{percent:g}", "pool": f"{skill}:{grade}", "used": used, "allowance": allowance}


def room_refusal(day: ExplainedDay, booking: Booking) -> str:
    """The planner's reason (scheduler.reasons) for a booking that finds no room in the witness,
    in the desk's words ("no paint technician grade >= 3 has 140 min before 17:30"): the first of
    its operations, placed in order at their earliest, that finds none (a multi-day repair's share
    of a day, too: its part booking)."""
    job, _ = day._job(booking)
    accepted = [b for b, _ in day.accepted]
    problem = replace(day.accepted_problem, jobs=(*day.accepted_problem.jobs, job))
    services = [day.workshop.service(b.service) for b in [*accepted, booking]]
    compiled = CompiledDay(
        request=PlanRequest(workshop=day.workshop, date=day.date, bookings=[*accepted, booking]),
        frame=day.frame,
        problem=problem,
        services=tuple(s for s in services if s is not None),
    )
    placed = {(j, k): p for j, own in enumerate(day.placements_of) for k, p in enumerate(own)}
    solution = DaySolution(placements=placed, unplaced={len(accepted)})
    return unplaced_reasons(compiled, solution, desk=True).get(len(accepted), "day full")
