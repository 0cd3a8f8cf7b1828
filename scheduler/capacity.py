"""The front desk's capacity rules, as pure functions of plain data.

Whether a booking *fits* is the witness's business (slots.py); whether the desk may *sell* a fit
is decided here: the slot grid, waiters per slot, the walk-in holdback per technician pool, the
promised pickup (handover times), loan cars (free from drop-off to the promised pickup) and the
service advisors' check-ins per quarter hour (holdback applied to advisor time too), each a function
of plain numbers that frontdesk.FrontDesk applies on top of a fit (the promise: slots.DayBook).
Parts on order are a release time of the operations that need them (scheduler.compiler.parts_release),
so the witness keeps them.

Times are minutes after the plan day's local midnight (scheduler.clock.DayClock).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scheduler.contract import Workshop, hhmm_minutes


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


def round_up(minutes: int, step: int) -> int:
    return math.ceil(minutes / step) * step


PROMISE_STEP = 5
"""Promised pickups are on the five minutes."""


def promise(ready: int, waiter: bool, drop_off: int, noon: int, morning: int, afternoon: int) -> int:
    """The promised pickup of work ready at `ready` (buffer included): on the five minutes, and for
    a drop-off customer not before the handover of his half of the day (morning or afternoon
    drop-off, split at `noon`); a waiter is promised the work's end."""
    at = round_up(ready, PROMISE_STEP)
    if waiter:
        return at
    return max(at, morning if drop_off < noon else afternoon)


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
    if share <= 0:
        return True
    return all(
        sum(worked[t] for t in pool) <= (1 - share) * sum(shift_minutes[t] for t in pool) for pool in pools
    )


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


def advisor_minutes(window: int, shifts: Iterable[tuple[int, int, Sequence[tuple[int, int]]]]) -> int:
    """Advisor minutes in the quarter hour starting at `window`: per advisor on duty, the overlap
    of the window with the shift (start, end, breaks) less the breaks in it."""
    lo, hi = window, window + CHECK_IN_WINDOW

    def overlap(s: int, e: int) -> int:
        return max(0, min(e, hi) - max(s, lo))

    return sum(overlap(s, e) - sum(overlap(bs, be) for bs, be in breaks) for s, e, breaks in shifts)


def advisor_room(share: float, available: int, booked: int, check_in: int) -> bool:
    """One more check-in of `check_in` minutes fits the quarter hour whose advisors have `available`
    minutes, `booked` of them taken by accepted drop-offs, `share` held back for walk-ins."""
    return booked + check_in <= (1 - share) * available
