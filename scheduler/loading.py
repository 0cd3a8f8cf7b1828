"""The service advisors' loading chart: per day and pool, how much the desk may still sell.

A pool is what the walk-in holdback is applied to (scheduler.capacity.within_holdback): the
technicians on duty qualified for one operation (a skill at a minimum grade), and the express
lanes (bay minutes over the opening hours). Per pool: available minutes (regular shift minutes,
breaks out; 0 on a closed day or off the roster), booked minutes (the accepted bookings' witness
placements on them: multi-day work on the days it is worked, none on a day its vehicle only waits
for its work), held back minutes (the holdback share of available) and free minutes
(available less held back less booked, never below 0), and free from now (what the desk can
still sell as of a moment `now`: the free minutes, at most the pool's working minutes after `now`
less the booked minutes after it; the whole of `free` on a day ahead, none on a past day or after
the day's closing, when no drop-off can be booked any more). A technician in several pools counts in
each, as the holdback rule counts him. Loan cars free: the cars not out at the day's busiest
moment. Advisor intake: per quarter hour of the opening hours, the check-in minutes the desk may
still sell in it: the advisors' minutes there free of breaks and of booked check-ins, at most
what the walk-in holdback leaves of its clock hour (scheduler.capacity.advisor_room). As of
`now`, the same two from it on (`loan_cars_free_from_now`: the cars not out at the busiest
moment from `now`; `advisor_intake_from_now`: only the advisors' minutes from `now`, none in a
quarter hour already over), both none on a day before `now`'s and today after closing; the whole
day's figures keep their meaning (review3-s42's leftovers, bench/RESULTS-polish-s43.md).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

from scheduler import capacity, overbooking
from scheduler.contract import Booking, Workshop, hhmm_minutes
from scheduler.slots import DayBook
from scheduler.translate import technician_data
from solver.problem import TechnicianData

EXPRESS = "express"
"""The bay kind of express lanes (the one kind with a role)."""


@dataclass(frozen=True)
class PoolLoad:
    pool: str
    """`skill:grade` (technicians with the skill at that grade or above) or `express` (lanes)."""
    skill: str | None
    min_grade: int | None
    available: int
    booked: int
    held_back: int
    free: int
    overbooked: int | None = None
    """Minutes sold beyond the witness (no-show overbooking), when the workshop overbooks."""
    free_from_now: int | None = None
    """Of `free`, what the desk can still sell as of the chart's `now` (`day_load`); None: no `now`."""

    @property
    def share(self) -> float:
        """Booked and held back as a share of available (1.0 when nothing is available)."""
        return 1.0 if self.available <= 0 else min(1.0, (self.booked + self.held_back) / self.available)

    @property
    def left(self) -> int:
        """The free minutes the desk can still sell: `free_from_now`, else (no `now`) `free`."""
        return self.free if self.free_from_now is None else self.free_from_now

    @property
    def past_share(self) -> float:
        """The free minutes no longer sellable as of `now` (today's past, a past day's whole free
        time, none on a day ahead) as a share of available: the bar's greyed part."""
        if self.available <= 0:
            return 0.0
        return min(1.0 - self.share, max(0, self.free - self.left) / self.available)

    @property
    def taken_share(self) -> float:
        """What cannot be sold any more (booked, held back, or past) as a share of available: the
        bar's colour, so that a pool with nothing left reads full, as its figure does (review3-s42:
        after closing, a green bar sat beside "0 min free"); `share` on a day ahead."""
        return 1.0 if self.available <= 0 else min(1.0, self.share + self.past_share)


@dataclass(frozen=True)
class IntakeWindow:
    start: str
    """HH:MM of the quarter hour."""
    minutes: int
    """Check-in minutes the desk may still sell in it (0 when full)."""


@dataclass(frozen=True)
class DayLoad:
    date: dt.date
    closed: bool
    pools: list[PoolLoad]
    bookings: int
    loan_cars_free: int | None
    """None: the workshop has no loan-car limit."""
    advisor_intake: list[IntakeWindow] | None
    """None: the workshop lists no advisors."""
    loan_cars_free_from_now: int | None = None
    """Of the loan cars, those not out at the busiest moment from the chart's `now` on (0 on a day
    before it and today after closing; `loan_cars_free` on a day ahead). None: no loan-car limit,
    or no `now`."""
    advisor_intake_from_now: list[IntakeWindow] | None = None
    """`advisor_intake` counting only the advisors' minutes from the chart's `now` on (a quarter
    hour already over 0; all 0 on a day before it and today after closing). None: no advisors, or no
    `now`."""


def pool_keys(workshop: Workshop) -> list[tuple[str, int]]:
    """The (skill, minimum grade) pools of the workshop's operations, sorted."""
    return sorted({(op.skill, op.min_grade) for s in workshop.services for op in s.operations})


def _loan_cars_free(cars: int, spans: list[tuple[int, int]], cut: int | None = None) -> int:
    """The cars not out at the busiest moment (from minute `cut` on, where given)."""
    if cut is not None:
        spans = [(max(s, cut), e) for s, e in spans if e > cut]
    peak = max((sum(1 for s, e in spans if s <= m < e) for m, _ in spans), default=0)
    return max(0, cars - peak)


def _working_after(tech: TechnicianData, cut: int) -> int:
    """Regular working minutes of a shift from minute `cut` on, breaks out (no overtime)."""
    start, end = max(tech.shift_start, cut), tech.shift_end
    if start >= end:
        return 0
    return end - start - sum(max(0, min(e, end) - max(s, start)) for s, e in tech.breaks)


def _after(start: int, end: int, cut: int) -> int:
    return max(0, end - max(start, cut))


def day_load(day: DayBook, now: dt.datetime | None = None) -> DayLoad:
    """The loading of one workshop day from its accepted bookings' witness placements. The loan
    cars out from earlier days (vehicles held for later work, and cars not back before the day:
    DayBook.held, scheduler.multiday.out_shares) each count from the opening to their promised
    pickup, or the day's end. With `now`, each pool's `free_from_now`: the free minutes the desk
    can still sell from `now` on (review-s42 item 3: at 17:00, after closing, today read 4,176
    free minutes "that may still be sold"): none once the day's last drop-off time is past (a day
    before `now`'s, or today after closing), else at most the pool's working minutes after `now`
    less its booked minutes after `now` (the holdback is the whole day's share, so `free` stays a
    cap); a day ahead of `now` keeps all of `free`."""
    workshop, rules, date = day.workshop, day.rules, day.date
    closed = workshop.is_closed(date)
    open_hhmm, close_hhmm = workshop.opening_window()
    cut = None if now is None else day.clock.minutes(now, round_up=True)
    sold_out = cut is not None and (closed or cut > day.clock.wall(close_hhmm))
    techs = [technician_data(t, day.clock) for t in workshop.technicians]
    on_duty = [workshop.on_duty(t, date) for t in workshop.technicians]
    pools: list[PoolLoad] = []
    share = capacity.holdback(rules, express=False)
    beyond = (
        overbooking.overbooked_minutes(workshop, [b for b, _ in day.at_risk])
        if overbooking.enabled(workshop)
        else None
    )
    for skill, grade in pool_keys(workshop):
        members = [
            i
            for i, t in enumerate(workshop.technicians)
            if on_duty[i] and skill in t.skills and t.grade >= grade
        ]
        available = sum(day.shift_minutes[i] for i in members)
        booked = sum(day.worked[i] for i in members)
        load = _pool(f"{skill}:{grade}", skill, grade, available, booked, share)
        if cut is not None:
            left = 0
            if not sold_out:
                working = sum(_working_after(techs[i], cut) for i in members)
                busy = sum(_after(p.start, p.end, cut) for p in day.placements if p.technician in members)
                left = min(load.free, max(0, working - busy))
            load = replace(load, free_from_now=left)
        pools.append(load if beyond is None else replace(load, overbooked=beyond.get((skill, grade), 0)))
    lanes = [i for i, b in enumerate(workshop.bays) if b.kind == EXPRESS]
    if lanes:
        opening, closing = day.clock.wall(open_hhmm), day.clock.wall(close_hhmm)
        span = 0 if closed else max(0, closing - opening)
        lane_work = [p for p in day.placements if p.bay in lanes]
        booked = sum(p.end - p.start for p in lane_work)
        express_share = capacity.holdback(rules, express=True)
        load = _pool(EXPRESS, None, None, span * len(lanes), booked, express_share)
        if cut is not None:
            left = 0
            if not sold_out:
                busy = sum(_after(p.start, p.end, cut) for p in lane_work)
                left = min(load.free, max(0, _after(opening, closing, cut) * len(lanes) - busy))
            load = replace(load, free_from_now=left)
        pools.append(load)
    opens = day.clock.wall(workshop.opening_window()[0])
    spans = [(opens if s < 0 else s, e) for s, e in day.loan_spans]  # out since an earlier day
    spans = [(s, e) for s, e in spans if s < e]
    loan = None if workshop.loan_cars is None else _loan_cars_free(workshop.loan_cars, spans)
    loan_now = None
    if loan is not None and cut is not None:
        loan_now = 0 if sold_out else _loan_cars_free(workshop.loan_cars or 0, spans, cut)
    intake = _intake(day) if workshop.advisors else None
    intake_now = None
    if intake is not None and cut is not None:
        intake_now = [IntakeWindow(w.start, 0) for w in intake] if sold_out else _intake(day, cut)
    return DayLoad(
        date=date,
        closed=closed,
        pools=pools,
        bookings=len(day.accepted) + len(day.at_risk) + sum(1 for b, _ in day.held if _dropped_off(day, b)),
        loan_cars_free=loan,
        advisor_intake=intake,
        loan_cars_free_from_now=loan_now,
        advisor_intake_from_now=intake_now,
    )


def _dropped_off(day: DayBook, booking: Booking) -> bool:
    """Is `booking` dropped off on `day` (a held vehicle counts as a booking on its drop-off day)?"""
    return day.clock.local_date(booking.drop_off) == day.date


def _pool(
    name: str, skill: str | None, grade: int | None, available: int, booked: int, share: float
) -> PoolLoad:
    held = math.floor(share * available)
    return PoolLoad(name, skill, grade, available, booked, held, max(0, available - held - booked))


def _intake(day: DayBook, cut: int | None = None) -> list[IntakeWindow]:
    """Check-in minutes left per quarter hour of the opening hours (none on a closed day):
    scheduler.frontdesk.FrontDesk.advisor_intake; with `cut` (the chart's `now` on the day's
    minutes), only the advisors' minutes from it on."""
    if day.workshop.is_closed(day.date):
        return []
    desk, wall = day.desk, day.clock.wall
    open_hhmm, close_hhmm = day.workshop.opening_window()
    first = capacity.advisor_window(hhmm_minutes(open_hhmm))
    windows = []
    for m in range(first, hhmm_minutes(close_hhmm), capacity.CHECK_IN_WINDOW):
        hhmm = f"{m // 60:02d}:{m % 60:02d}"
        windows.append(IntakeWindow(hhmm, desk.advisor_intake(wall(hhmm), cut)))
    return windows
