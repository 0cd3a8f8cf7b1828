"""The front desk's capacity rules, as pure functions of plain data.

Whether a booking *fits* is the witness's business (slots.py); whether the desk may *sell* a fit
is decided here: the slot grid, waiters per slot, the walk-in holdback per technician pool, the
promised pickup (handover times), loan cars (free from drop-off to the promised pickup) and the
service advisors' check-ins (an advisor free for the whole check-in from the drop-off; the holdback
applied to advisor time per clock hour), each a function of plain numbers that
frontdesk.FrontDesk applies on top of a fit (the promise: slots.DayBook).
Parts on order are a release time of the operations that need them (scheduler.compiler.parts_release),
so the witness keeps them.

Times are minutes after the plan day's local midnight (scheduler.clock.DayClock).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from scheduler.clock import DayClock
from scheduler.contract import LAST_DATE, Booking, Workshop, hhmm_minutes


@dataclass(frozen=True)
class CapacityRules:
    """What dealer booking tools let a manager set (online reserve, waiter limits, pools)."""

    slot_minutes: int = 30
    walk_in_holdback: float = 0.2
    """Main shop: share of each technician pool's shift minutes kept off the booking system for walk-ins."""
    express_holdback: float = 0.35
    """Express pool: more is kept back, express work being mostly walk-in (brief: vendor ballpark)."""
    waiters_per_slot: int = 3
    promise_buffer_minutes: int = 15
    morning_handover: str = "15:30"
    """Drop-off customers are promised a handover time (dealer reports: handovers 13:00-15:30,
    close 17:30); waiters get their work's end + the buffer."""
    afternoon_handover: str = "17:30"
    noon: str = "12:00"
    repair_candidates: int = 12
    """Accepted bookings nearest the drop-off that may be moved (promises kept) to fit a new one."""


def round_up(minutes: float, step: int) -> int:
    return math.ceil(minutes / step) * step


PROMISE_STEP = 5
"""Promised pickups are on the five minutes."""


def promise(ready: float, waiter: bool, drop_off: float, noon: int, morning: int, afternoon: int) -> int:
    """The promised pickup of work ready at `ready` (buffer included): on the five minutes, and for
    a drop-off customer not before the handover of his half of the day (morning or afternoon
    drop-off, split at `noon`); a waiter is promised the work's end. Then, for a drop-off customer,
    when the desk hands cars back (`DayHandovers.handed_over`; slots.DayBook, scheduler.demand and
    the simulator's arrivals all apply both steps)."""
    at = round_up(ready, PROMISE_STEP)
    if waiter:
        return at
    return max(at, morning if drop_off < noon else afternoon)


class HandoverRule(Protocol):
    """What the handover hours read of a promise rule: its afternoon handover, the latest the desk
    stays open for (CapacityRules for offers, a scenario's PromiseRules for its seeded demand)."""

    @property
    def afternoon_handover(self) -> str: ...


def after_hours(promised: float, last: float | None) -> bool:
    """A drop-off promised at `promised` cannot be handed back then: after the day's last handover
    `last` (None: the desk hands no car back that day). Both in the same day's minutes."""
    return last is None or promised > last


def waiter_handed_back(promised: float, last: float | None) -> bool:
    """A waiter may be promised `promised`: he waits at the desk for his car, so it must be ready
    while the desk still hands cars back (not after the day's last handover `last`; None: no
    handover that day). The offers (scheduler.frontdesk), the seeded demand and the simulator's
    arrivals all ask this (desk16-s26); the same predicate as a drop-off's `after_hours`."""
    return not after_hours(promised, last)


def waiter_latest_end(last: int | None, buffer: int) -> int | None:
    """The latest minute a waiter's work may end and his promise (the end + `buffer`, on the five
    minutes: `promise`) still be handed back by the day's last handover `last`
    (`waiter_handed_back`); None: no handover that day. The offer search's due for a waiter
    (slots.DayBook._job, waiterdue-s26); a `promise_confidence` margin may still push a fit ending
    by it past the close, which the desk checks on the offer (frontdesk.FrontDesk.handed_back)."""
    if last is None:
        return None
    return last // PROMISE_STEP * PROMISE_STEP - buffer


def last_handover(workshop: Workshop, date: dt.date, rules: HandoverRule) -> str | None:
    """The day's last handover 'HH:MM', when the desk closes (handover_hours; None: no handover)."""
    hours = handover_hours(workshop, date, rules)
    return None if hours is None else hours[1]


def handover_hours(workshop: Workshop, date: dt.date, rules: HandoverRule) -> tuple[str, str] | None:
    """When the desk hands cars back on `date` ('HH:MM' first and last; None: not that day). The
    first is when a drop-off can be made (the opening hours' start, and an advisor on shift where the
    workshop has advisors), so a car promised for it is back before any car goes out that day; the
    last is when the desk closes: the latest advisor's shift end where it has advisors, else the
    opening hours' end, and never before the promise rule's own afternoon handover (the desk hands
    cars back then by its own rule). No handover on a closed day, nor where advisors are set and
    none is on duty."""
    if workshop.is_closed(date):
        return None
    first, last = workshop.opening_window()
    if workshop.advisors:
        on_duty = [a.shift for a in workshop.advisors if date.weekday() in a.weekdays]
        if not on_duty:
            return None
        first = max(first, min((s.start for s in on_duty), key=hhmm_minutes), key=hhmm_minutes)
        last = max((s.end for s in on_duty), key=hhmm_minutes)
    return first, max(last, rules.afternoon_handover, key=hhmm_minutes)


def after_desk_hours(workshop: Workshop, booking: Booking, rules: HandoverRule) -> bool:
    """A drop-off customer's car promised when the desk does not hand cars back: outside the
    handover hours of the promise's day (a promise stored before the offers kept to those hours;
    bayplan never changes a promise made to a customer). Never a waiter's: he waits at the desk."""
    if booking.waiter or booking.promised is None:
        return False
    clock = DayClock(workshop.timezone, booking.promised.astimezone(workshop.tz).date())
    hours = handover_hours(workshop, clock.date, rules)
    if hours is None:
        return True
    at = clock.minutes(booking.promised)
    return not clock.wall(hours[0]) <= at <= clock.wall(hours[1])


HANDOVER_SEARCH_DAYS = 31
"""How far the next handover day is looked for (a workshop closed longer keeps its day's promise)."""


def next_handover_day(workshop: Workshop, date: dt.date, rules: HandoverRule) -> tuple[dt.date, str] | None:
    """The first day after `date` the desk hands cars back, and its first handover 'HH:MM' (None:
    none within HANDOVER_SEARCH_DAYS, or past the calendar's end)."""
    for k in range(1, HANDOVER_SEARCH_DAYS + 1):
        try:
            day = date + dt.timedelta(days=k)
        except OverflowError:
            return None
        hours = handover_hours(workshop, day, rules)
        if hours is not None:
            return day, hours[0]
    return None


def next_handover(workshop: Workshop, date: dt.date, rules: HandoverRule) -> dt.datetime | None:
    """The first handover time of the first day after `date` the desk hands cars back, as an aware
    time (next_handover_day)."""
    found = next_handover_day(workshop, date, rules)
    if found is None:
        return None
    clock = DayClock(workshop.timezone, found[0])
    return clock.at(clock.wall(found[1]))


def next_open(workshop: Workshop, after: dt.date, look_ahead: int) -> dt.date | None:
    """The first opening day after `after` that work may carry over to (scheduler.multiday): not
    closed, a technician on duty (within `look_ahead` calendar days; None past the calendar's last
    day)."""
    for i in range(1, look_ahead + 1):
        date = after + dt.timedelta(days=i)
        if date > LAST_DATE:  # no day past the last one is planned: no work carried to it
            return None
        if not workshop.is_closed(date) and any(workshop.on_duty(t, date) for t in workshop.technicians):
            return date
    return None


CARRY_LOOK_AHEAD_DAYS = 45
"""Calendar days searched for the following opening days (holidays included): multi-day work's
(scheduler.multiday.LOOK_AHEAD_DAYS is this)."""


def latest_pickup_day(workshop: Workshop, booking: Booking, rules: HandoverRule) -> dt.date:
    """The last day any offer for `booking` can promise its pickup on: a waiter's, the drop-off
    day (he waits for his car); else the first day the desk hands cars back after the last day its
    work may take (`next_handover_day`): the drop-off day, or for multi-day work (a service of
    `max_days` > 1, not a waiter's: scheduler.multiday.carries_over) the `max_days`-th opening day
    counting the drop-off day, as its search counts them; that last day itself when the desk hands
    none back within HANDOVER_SEARCH_DAYS (the day after it: a promise kept past midnight). A
    booking request's `promised` on a later day is no offer's (scheduler.desk_checks)."""
    date = booking.drop_off.astimezone(workshop.tz).date()
    if booking.waiter:
        return date
    last = date
    service = workshop.service(booking.service)
    for _ in range(1, service.max_days if service is not None else 1):
        following = next_open(workshop, last, CARRY_LOOK_AHEAD_DAYS)
        if following is None:
            break
        last = following
    found = next_handover_day(workshop, last, rules)
    if found is not None:
        return found[0]
    return last if last >= LAST_DATE else last + dt.timedelta(days=1)


DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class DayHandovers:
    """A day's handover rule in its wall-clock minutes (no DST shift: the seeded demand and the
    simulator count a day as 24 h; slots.DayBook applies the same rule on its DayClock)."""

    last: int | None
    """The day's last handover (None: the desk hands no car back that day)."""
    next_first: int | None
    """The next handover day's first handover, in minutes after this day's midnight (days x 1440 +
    its wall minutes; None: none within HANDOVER_SEARCH_DAYS)."""

    def waits(self, promised: float) -> bool:
        """A waiter promised `promised` can wait for his car (waiter_handed_back); one who cannot
        leaves it instead (scheduler.demand, the simulator's arrivals)."""
        return waiter_handed_back(promised, self.last)

    def handed_over(self, promised: int) -> int:
        """A drop-off's promise when the desk can hand the car back: `promised` while the desk is
        open then, else the next handover day's first handover (kept where there is none)."""
        if not after_hours(promised, self.last) or self.next_first is None:
            return promised
        return self.next_first


def day_handovers(workshop: Workshop, date: dt.date, rules: HandoverRule) -> DayHandovers:
    """`date`'s handover rule (handover_hours, next_handover_day) in wall minutes; compute once per
    day and apply to each promise (`DayHandovers.handed_over`)."""
    hours = handover_hours(workshop, date, rules)
    found = next_handover_day(workshop, date, rules)
    return DayHandovers(
        last=None if hours is None else hhmm_minutes(hours[1]),
        next_first=None if found is None else (found[0] - date).days * DAY_MINUTES + hhmm_minutes(found[1]),
    )


def waiter_room(rules: CapacityRules, waiter: bool, drop_off: int, waiter_drop_offs: Iterable[int]) -> bool:
    """A waiter may book a slot while it has fewer than `waiters_per_slot` waiters already
    (`waiter_drop_offs`: the accepted waiters' drop-off minutes); a drop-off customer always may."""
    if not waiter:
        return True
    slot = rules.slot_minutes
    in_slot = sum(1 for m in waiter_drop_offs if m // slot == drop_off // slot)
    return in_slot < rules.waiters_per_slot


def holdback(rules: CapacityRules, express: bool) -> float:
    """The share of a technician pool's shift minutes kept off the booking system for walk-ins."""
    return rules.express_holdback if express else rules.walk_in_holdback


def within_holdback(
    share: float, worked: Sequence[int], shift_minutes: Sequence[int], pools: Iterable[Sequence[int]]
) -> bool:
    """No technician pool (the technicians qualified for one operation of the booking) works more
    than its online share: `worked` and `shift_minutes` per technician, the booking included."""
    return over_holdback(share, worked, shift_minutes, pools) is None


def over_holdback(
    share: float, worked: Sequence[int], shift_minutes: Sequence[int], pools: Iterable[Sequence[int]]
) -> int | None:
    """The first of `pools` (by its index: the booking's operation it is qualified for) that works
    more than its online share, `within_holdback`'s rule; None: none does."""
    if share <= 0:
        return None
    for k, pool in enumerate(pools):
        if sum(worked[t] for t in pool) > (1 - share) * sum(shift_minutes[t] for t in pool):
            return k
    return None


def candidate_times(workshop: Workshop, date: dt.date, slot_minutes: int) -> list[dt.datetime]:
    """The drop-off times the desk offers on `date`: the opening hours on the slot grid, each a
    distinct instant in time order with the offset in force then (none on a closed day)."""
    if workshop.is_closed(date):
        return []
    open_hhmm, close_hhmm = workshop.opening_window()
    first = round_up(hhmm_minutes(open_hhmm), slot_minutes)
    # Keyed by UTC instant: aware times of one zone compare equal across DST folds.
    instants: dict[dt.datetime, dt.datetime] = {}
    for m in range(first, hhmm_minutes(close_hhmm) + 1, slot_minutes):
        wall = dt.datetime.combine(date, dt.time(m // 60, m % 60))
        for fold in (0, 1):  # a wall time of the autumn's repeated hour happens twice
            utc = wall.replace(tzinfo=workshop.tz, fold=fold).astimezone(dt.UTC)
            real = utc.astimezone(workshop.tz)
            if real.replace(tzinfo=None) == wall:  # not in the spring gap: the time exists
                instants[utc] = real
    return [instants[utc] for utc in sorted(instants)]


CHECK_IN_WINDOW = 15
"""Advisors' check-ins are counted per quarter hour."""


def loan_car_free(cars: int | None, out: Iterable[tuple[int, int]], span: tuple[int, int]) -> bool:
    """A loan car is free for the whole `span` (drop-off to promised pickup, in minutes on one
    time line) while fewer than `cars` of the spans `out` overlap at any moment of it; `cars`
    None is no limit. A car returned at a minute is free again at that minute."""
    if cars is None:
        return True
    start, end = span
    overlapping = [(s, e) for s, e in out if s < end and start < e]
    # The count only rises at a span's start: check the span's own start and every start inside it.
    moments = [start] + [s for s, _ in overlapping if start < s]
    return all(sum(1 for s, e in overlapping if s <= m < e) < cars for m in moments)


def loan_car_back(cars: int, out: Sequence[tuple[int, int]], start: int) -> int | None:
    """The first minute after `start` a loan car is back and free (None: none comes back)."""
    for back in sorted({e for _, e in out if start < e}):
        if loan_car_free(cars, out, (back, back + 1)):
            return back
    return None


def advisor_window(minute: int) -> int:
    """The quarter hour a check-in at `minute` falls in (its first minute)."""
    return minute - minute % CHECK_IN_WINDOW


HOLDBACK_WINDOW = 60
"""The walk-in holdback on advisor time is kept per clock hour (a minute count from local midnight:
on a daylight-saving day the hours still start on the wall clock's hour). A quarter hour is
shorter than many check-ins (a 15-minute check-in would never fit one quarter hour's 80 %); an
hour is what a desk plans its intake by, and it still spreads the booked check-ins over the day."""

Shift = tuple[int, int, Sequence[tuple[int, int]]]
"""An advisor's shift on the day's minutes: start, end, breaks."""

Span = tuple[int, int]


def free_blocks(shift: Shift) -> list[Span]:
    """The stretches of `shift` between its breaks (an advisor's time to check vehicles in)."""
    start, end, breaks = shift
    blocks: list[Span] = []
    at = start
    for bs, be in sorted(breaks):
        if bs > at:
            blocks.append((at, min(bs, end)))
        at = max(at, be)
    if at < end:
        blocks.append((at, end))
    return [(s, e) for s, e in blocks if s < e]


def block_end(blocks: Sequence[Span], span: Span) -> int | None:
    """The end of the block of `blocks` holding all of `span` (None: no block does)."""
    for s, e in blocks:
        if s <= span[0] and span[1] <= e:
            return e
    return None


ASSIGN_BUDGET = 20_000
"""Search nodes `assign_check_ins` may spend after its greedy pass fails (never reached by days of
tens of check-ins; past it the check-ins count as not assignable: the desk refuses, never oversells)."""


def assign_check_ins(blocks: Sequence[Sequence[Span]], spans: Sequence[Span]) -> list[int] | None:
    """An advisor (index into `blocks`, each advisor's free blocks) for each check-in of `spans`,
    such that every check-in lies within one free block of its advisor and no advisor's check-ins
    overlap: the physical rule. None when there is none. A greedy pass in drop-off order (each
    check-in to the free advisor whose block ends first), then, when it fails, a search over the
    advisors that differ (advisors with the same blocks are interchangeable)."""
    order = sorted(range(len(spans)), key=lambda i: spans[i])
    n = len(blocks)

    def choices(i: int, free_from: list[int]) -> list[int]:
        span = spans[i]
        fits = []
        seen: set[tuple[tuple[int, int], ...]] = set()
        for a in range(n):
            end = block_end(blocks[a], span)
            if end is None or free_from[a] > span[0]:
                continue
            key = tuple(blocks[a])
            if key in seen:  # the same blocks and free at the check-in's start: interchangeable
                continue
            seen.add(key)
            fits.append((end, -free_from[a], a))
        return [a for _, _, a in sorted(fits)]

    result = [-1] * len(spans)
    free_from = [-(10**9)] * n
    for i in order:
        options = choices(i, free_from)
        if not options:
            break
        result[i] = options[0]
        free_from[options[0]] = spans[i][1]
    else:
        return result

    nodes = 0
    failed: set[tuple[int, tuple[int, ...]]] = set()
    result = [-1] * len(spans)

    def search(k: int, free_from: list[int]) -> bool:
        nonlocal nodes
        if k == len(order):
            return True
        i = order[k]
        start = spans[i][0]
        key = (k, tuple(max(f, start) for f in free_from))
        if key in failed:
            return False
        nodes += 1
        if nodes > ASSIGN_BUDGET:
            return False
        for a in choices(i, free_from):
            was = free_from[a]
            free_from[a] = spans[i][1]
            result[i] = a
            if search(k + 1, free_from):
                return True
            free_from[a] = was
        failed.add(key)
        return False

    return result if search(0, [-(10**9)] * n) else None


def connected(spans: Iterable[Span], span: Span) -> list[Span]:
    """The spans of `spans` linked to `span` by a chain of overlapping ones: the check-ins whose
    advisors a new check-in in `span` may have to reshuffle (before and after them every advisor is
    free, so the others keep theirs). One sweep in start order, cluster by cluster."""
    cluster: list[Span] = []
    mine = False  # the cluster so far holds `span`
    end = -(10**9)  # the cluster so far ends then
    for s, new in sorted([(s, False) for s in spans] + [(span, True)]):
        if s[0] >= end:  # a gap: the cluster so far is closed
            if mine:
                break
            cluster = []
        if new:
            mine = True
        else:
            cluster.append(s)
        end = max(end, s[1])  # after a gap the old end lies before s
    return cluster


def too_many_at_once(blocks: Sequence[Sequence[Span]], spans: Sequence[Span], span: Span) -> bool:
    """At some moment of `span` the check-ins of `spans` running then and this one outnumber the
    advisors in a free block: a quick proof that `assign_check_ins` would find none."""
    moments = {span[0]} | {s for s, _ in spans if span[0] < s < span[1]}
    moments |= {b for bs in blocks for blk in bs for b in blk if span[0] < b < span[1]}
    for m in moments:
        running = 1 + sum(1 for s, e in spans if s <= m < e)
        on = sum(1 for bs in blocks if any(s <= m < e for s, e in bs))
        if running > on:
            return True
    return False


def overlap(span: Span, lo: int, hi: int) -> int:
    return max(0, min(span[1], hi) - max(span[0], lo))


def advisor_minutes(window: int, shifts: Iterable[Shift], length: int = CHECK_IN_WINDOW) -> int:
    """Advisor minutes in the `length` minutes (a quarter hour) from `window`: per advisor on duty,
    the overlap of the window with the shift (start, end, breaks) less the breaks in it."""
    lo, hi = window, window + length
    return sum(overlap((s, e), lo, hi) - sum(overlap(b, lo, hi) for b in breaks) for s, e, breaks in shifts)


def hours_of(span: Span) -> range:
    """The first minutes of the clock hours (HOLDBACK_WINDOW) that `span` touches."""
    first = span[0] - span[0] % HOLDBACK_WINDOW
    return range(first, max(span[1], span[0] + 1), HOLDBACK_WINDOW)


def advisor_room(share: float, shifts: Sequence[Shift], booked: Iterable[Span], span: Span) -> bool:
    """The walk-in holdback on advisor time: in every clock hour the check-in `span` touches, the
    check-in minutes booked there (`booked`: the accepted check-ins), this one's included, stay
    within the online share (1 - `share`) of the advisors' minutes in that hour. Whether an advisor
    is free for it is `assign_check_ins`'s (the physical rule)."""
    if share <= 0:
        return True
    booked = list(booked)
    for hour in hours_of(span):
        hi = hour + HOLDBACK_WINDOW
        taken = sum(overlap(b, hour, hi) for b in booked) + overlap(span, hour, hi)
        if taken > (1 - share) * advisor_minutes(hour, shifts, HOLDBACK_WINDOW):
            return False
    return True


def hours_taken(booked: Iterable[Span]) -> dict[int, int]:
    """Check-in minutes of `booked` per clock hour (its first minute), as `advisor_room` counts them."""
    taken: dict[int, int] = {}
    for b in booked:
        for hour in hours_of(b):
            taken[hour] = taken.get(hour, 0) + overlap(b, hour, hour + HOLDBACK_WINDOW)
    return taken


def within_advisor_holdback(
    share: float, span: Span, taken: Mapping[int, int], available: Callable[[int], int]
) -> bool:
    """`advisor_room` with the booked minutes per hour counted (`hours_taken`) and the advisors'
    minutes per hour asked of `available`."""
    if share <= 0:
        return True
    return all(
        taken.get(hour, 0) + overlap(span, hour, hour + HOLDBACK_WINDOW) <= (1 - share) * available(hour)
        for hour in hours_of(span)
    )
