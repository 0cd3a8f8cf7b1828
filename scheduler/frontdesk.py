"""The front desk's rules on one workshop day, on top of a fit in its witness (scheduler.slots).

An advisor free for the check-in, the waiters-per-slot cap, the walk-in holdback, a loan car free
for the time the vehicle is out, and no-show overbooking's allowance per technician pool: each
over the day's accepted bookings as one day version holds them (`FrontDesk`, built once per
version by `DayBook.desk`). The arithmetic of each rule is scheduler.capacity's and
scheduler.overbooking's; what a refused time is told, scheduler.refusals.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from functools import cached_property

from scheduler import capacity, overbooking
from scheduler.capacity import CapacityRules
from scheduler.contract import Assignment, Booking, Workshop
from scheduler.offer import Offer
from scheduler.translate import DayFrame
from solver.problem import DayProblem, JobData, LoanCars, LoanPromise

NEVER_AFTER_HOURS = 10**7
"""A last handover no promise is after (`loan_promise`, when no later day hands cars back)."""

JobOf = Callable[[Booking], tuple[JobData, DayProblem]]
"""A booking as the day's solver data (`DayBook._job`): the rules that count its work per
technician pool ask for it only once the cheaper rules have passed."""


class FrontDesk:
    """The front-desk rules of one day version. Its bookings and witness are the day version's as
    they stand when the desk is first asked (`DayBook.desk`): a day version's lists are filled
    where it is made (`DayBook.with_booking`, the repacked and moved days) and not changed after."""

    def __init__(
        self,
        workshop: Workshop,
        date: dt.date,
        rules: CapacityRules,
        frame: DayFrame,
        accepted: list[tuple[Booking, list[Assignment]]],
        others: list[tuple[Booking, list[Assignment]]],
        worked: list[int],
        shift_minutes: list[int],
        overruns: dict[str, int] | None = None,
    ) -> None:
        """`accepted`: the bookings the witness keeps on time; `others`: the accepted ones at risk
        and the vehicles held (no room in the witness, but a check-in and a loan car still);
        `worked`: minutes each technician works in the witness; `overruns`: per at-risk booking
        with a loan car, the earliest its work can end (minutes of the day), where its car stays
        out past its promise (`loan_spans`)."""
        self.workshop = workshop
        self.date = date
        self.rules = rules
        self.frame = frame
        self.clock = frame.clock
        self.accepted = accepted
        self.others = others
        self.worked = worked
        self.shift_minutes = shift_minutes
        self.overruns = overruns or {}
        self._advisor_free: dict[capacity.Span, bool] = {}
        """Check-ins that needed the accepted ones reassigned, answered (`advisor_free`)."""
        self._advisor_room: dict[capacity.Span, bool] = {}
        """Check-ins answered (`advisor_room`: asked before a fit, again on the offer)."""
        self._hour_minutes: dict[int, int] = {}
        """Advisor minutes per clock hour (its first minute), as asked for."""

    def before_fit(self, booking: Booking) -> bool:
        """The rules that do not depend on where the booking sits (worth checking before a solve)."""
        return self.advisor_room(booking) and self.waiter_room(booking)

    def after_fit(self, booking: Booking, offer: Offer, job: JobOf) -> bool:
        """The rules that do: a waiter's car ready while the desk is open, the walk-in holdback and
        a loan car free while the vehicle is out."""
        return (
            self.handed_back(booking, offer)
            and self.within_holdback(booking, offer, job)
            and self.loan_car_free(booking, offer)
        )

    @cached_property
    def holders(self) -> list[Booking]:
        """Every accepted booking of the day, at risk or not, held vehicles too: its customer still
        comes to the desk and still drives a loan car."""
        return [b for b, _ in self.accepted] + [b for b, _ in self.others]

    # Loan cars.

    @cached_property
    def loan_spans(self) -> list[tuple[int, int]]:
        """The accepted loan cars' time out (drop-off to promised pickup, or the day's end). A
        booking at risk (a forced parts ETA, a forced workshop change) keeps its promise, but its
        customer keeps the car until the work is done: out at least until the promise its earliest
        possible end would earn (`overruns`), so the car is not lent to another customer across
        the time the at-risk booking overruns (desk16-s28)."""
        day_end = self.clock.horizon
        spans = []
        for b in self.holders:
            if not b.loan_car:
                continue
            end = self.clock.minutes(b.promised) if b.promised else day_end
            until = self.out_until(b)
            spans.append((self.clock.minutes(b.drop_off), end if until is None else max(end, until)))
        return spans

    def out_until(self, booking: Booking) -> int | None:
        """Until when (minutes of the day's time line, a later day's beyond its horizon) `booking`,
        at risk with its work overrunning its promise (`overruns`), keeps its loan car: the promise
        its earliest end would earn (`loan_promise`), never before that end and the buffer, on the
        promise grid (an end on a later day: the model promises the next handover day's first,
        which may be before it).
        The one answer to when an at-risk car is back: this day's spans, and the later days it is
        out on (`DayBook.loan_out_until`, `PlanningService._cars_out`). None: no overrun."""
        ready = self.overruns.get(booking.id)
        if ready is None:
            return None
        rule = self.loan_promise(booking)
        late = rule.promise(ready)
        if late is None:  # no handover that late (a waiter): out all day at least
            late = self.clock.horizon
        return max(-(-(ready + rule.buffer) // rule.step) * rule.step, late)  # on the promise grid

    def loan_span(self, booking: Booking, offer: Offer) -> tuple[int, int]:
        return self.clock.minutes(booking.drop_off), self.clock.minutes(offer.promised, round_up=True)

    def loan_car_free(self, booking: Booking, offer: Offer) -> bool:
        if not booking.loan_car:
            return True
        span = self.loan_span(booking, offer)
        return capacity.loan_car_free(self.workshop.loan_cars, self.loan_spans, span)

    def loan_promise(self, booking: Booking) -> LoanPromise:
        """`booking`'s promised pickup as a function of its work's end, as the offers make it
        (slots.DayBook._offer: capacity.promise, then the next handover day after hours), for the
        exact model's loan cars (solver.problem.LoanPromise; a `promise_confidence` margin is not
        in it)."""
        rules, wall = self.rules, self.clock.wall
        drop_off = self.clock.minutes(booking.drop_off)
        last = None if self.last_handover is None else wall(self.last_handover)
        if booking.waiter:  # promised his work's end, which must be handed back today
            floor, overnight = 0, None
        else:
            half = rules.morning_handover if drop_off < wall(rules.noon) else rules.afternoon_handover
            floor = wall(half)
            later = capacity.next_handover(self.workshop, self.date, rules)
            overnight = None if later is None else self.clock.minutes(later, round_up=True)
            if later is None:  # no later handover day: promised when ready, however late
                last = NEVER_AFTER_HOURS
        buffer = rules.promise_buffer_minutes
        return LoanPromise(drop_off, buffer, capacity.PROMISE_STEP, floor, last, overnight)

    def loan_latest_end(self, booking: Booking) -> int | None:
        """The latest end of `booking`'s work whose promise (`loan_promise`) brings its loan car
        back before the fleet is all out again: a fit ending by it has a car free for its whole
        span (`loan_car_free`). None: no end does (no car free at the drop-off, or not even until
        the earliest promise), or none is needed (the fleet never all out later)."""
        cars = self.workshop.loan_cars
        if cars is None:
            return None
        rule = self.loan_promise(booking)
        spans = self.loan_spans
        moments = sorted({rule.drop_off} | {s for s, _ in spans if s > rule.drop_off})
        full = next((m for m in moments if sum(1 for s, e in spans if s <= m < e) >= cars), None)
        if full is None or full <= rule.drop_off or rule.floor > full or rule.last is None:
            return None
        if rule.overnight is not None and rule.overnight <= full:
            return None  # even the next handover day's promise is back in time
        latest = min(full, rule.last) // rule.step * rule.step - rule.buffer
        return latest if latest > rule.drop_off else None

    def loan_fleet(self, lent: list[tuple[int, Booking]]) -> LoanCars | None:
        """The loan cars as the exact model's cumulative (solver.problem.LoanCars): the cars the
        day's bookings and held vehicles already took, out until their stored promise
        (`loan_spans`), and the jobs (by index) of `lent` that ask for one, out until the promise
        their placement earns; None: the workshop sets no limit, or none of `lent` asks."""
        cars = self.workshop.loan_cars
        asking = tuple((j, self.loan_promise(b)) for j, b in lent if b.loan_car)
        if cars is None or not asking:
            return None
        return LoanCars(cars, tuple(self.loan_spans), asking)

    # Advisors at check-in.

    @cached_property
    def advisor_shifts(self) -> list[capacity.Shift]:
        """The shifts (start, end, breaks) of the advisors on duty today, in the day's minutes."""
        wall = self.clock.wall
        return [
            (wall(a.shift.start), wall(a.shift.end), [(wall(b.start), wall(b.end)) for b in a.shift.breaks])
            for a in self.workshop.advisors
            if self.date.weekday() in a.weekdays and not self.workshop.is_closed(self.date)
        ]

    @cached_property
    def advisor_blocks(self) -> list[list[capacity.Span]]:
        """Each advisor on duty's free stretches between breaks."""
        return [capacity.free_blocks(shift) for shift in self.advisor_shifts]

    def check_in_span(self, booking: Booking) -> capacity.Span | None:
        """The check-in of `booking` on the day's minutes (None: not dropped off today, or a
        service the workshop no longer has): every minute it touches, so that a drop-off with
        seconds (08:00:30, checked in until 08:15:30) holds its advisor into the minute it ends in,
        as the validator's advisor rule counts it to the second (review-s20 D1)."""
        service = self.workshop.service(booking.service)
        if service is None or self.clock.local_date(booking.drop_off) != self.date:
            return None
        start = self.clock.minutes(booking.drop_off)
        done = booking.drop_off + dt.timedelta(minutes=service.check_in_minutes)
        return start, self.clock.minutes(done, round_up=True)

    @cached_property
    def check_ins(self) -> list[capacity.Span]:
        """The check-ins of the accepted drop-offs of the day (held vehicles and bookings at risk too)."""
        return [span for b in self.holders if (span := self.check_in_span(b)) is not None]

    @cached_property
    def advisor_busy(self) -> tuple[list[capacity.Span], list[list[capacity.Span]]]:
        """The accepted check-ins the advisors can take, and each advisor's check-ins in one
        assignment of them. Normally all of them; after a workshop change accepted by force
        (bookings at risk) some may have no advisor: those are left out, taken one by one in
        drop-off order while the rest still has an assignment."""
        blocks = self.advisor_blocks
        kept = list(self.check_ins)
        assigned = capacity.assign_check_ins(blocks, kept)
        if assigned is None:
            kept = []
            for span in sorted(self.check_ins):
                if capacity.assign_check_ins(blocks, [*kept, span]) is not None:
                    kept.append(span)
            assigned = capacity.assign_check_ins(blocks, kept) or []
        busy: list[list[capacity.Span]] = [[] for _ in blocks]
        for span, a in zip(kept, assigned, strict=True):
            busy[a].append(span)
        return kept, busy

    def advisor_free(self, span: capacity.Span) -> bool:
        """Some advisor on duty is free for the whole check-in `span`, the accepted check-ins
        (those the advisors can take) reassigned among them if need be."""
        kept, busy = self.advisor_busy
        for blocks, mine in zip(self.advisor_blocks, busy, strict=True):
            if capacity.block_end(blocks, span) is not None and not any(
                capacity.overlap(b, span[0], span[1]) for b in mine
            ):
                return True
        answer = self._advisor_free.get(span)
        if answer is None:
            # Only the check-ins linked to this one by overlaps may have to change advisors.
            linked = capacity.connected(kept, span)
            every = self.advisor_blocks
            answer = not capacity.too_many_at_once(every, linked, span) and (
                capacity.assign_check_ins(every, [*linked, span]) is not None
            )
            self._advisor_free[span] = answer
        return answer

    def advisor_room(self, booking: Booking) -> bool:
        """An advisor is free for the whole check-in from the drop-off, within the walk-in holdback
        on advisor time per clock hour (no advisors listed: no limit)."""
        if not self.workshop.advisors:
            return True
        span = self.check_in_span(booking)
        if span is None:  # dropped off another day (a later day of multi-day work), or no service
            return True
        answer = self._advisor_room.get(span)
        if answer is None:
            share = capacity.holdback(self.rules, express=False)
            answer = self.advisor_free(span) and capacity.within_advisor_holdback(
                share, span, self.hours_taken, self.hour_minutes
            )
            self._advisor_room[span] = answer
        return answer

    def advisor_held_back(self, booking: Booking) -> bool:
        """An advisor is free for the check-in, but the walk-in holdback on advisor time keeps it
        back (`advisor_room` refuses it for the holdback alone)."""
        span = self.check_in_span(booking) if self.workshop.advisors else None
        return span is not None and not self.advisor_room(booking) and self.advisor_free(span)

    @cached_property
    def hours_taken(self) -> dict[int, int]:
        """Booked check-in minutes per clock hour."""
        return capacity.hours_taken(self.check_ins)

    def hour_minutes(self, hour: int) -> int:
        """The advisors' minutes in the clock hour from `hour`."""
        minutes = self._hour_minutes.get(hour)
        if minutes is None:
            minutes = self._hour_minutes[hour] = capacity.advisor_minutes(
                hour, self.advisor_shifts, capacity.HOLDBACK_WINDOW
            )
        return minutes

    def advisor_intake(self, quarter: int, since: int | None = None) -> int:
        """Check-in minutes the desk may still sell in the quarter hour from `quarter` (the chart's
        `advisor_intake`): the advisors' minutes in it free of breaks and booked check-ins, at most
        what the walk-in holdback leaves of its clock hour. With `since` (a minute of the day: the
        chart's `now`), only the advisors' minutes from it on count (`advisor_intake_from_now`):
        none in a quarter hour already over."""
        _, busy = self.advisor_busy
        hi = quarter + capacity.CHECK_IN_WINDOW
        lo = quarter if since is None else max(quarter, since)
        if lo >= hi:
            return 0
        free = sum(
            sum(capacity.overlap(block, lo, hi) for block in blocks)
            - sum(capacity.overlap(b, lo, hi) for b in mine)
            for blocks, mine in zip(self.advisor_blocks, busy, strict=True)
        )
        share = capacity.holdback(self.rules, express=False)
        hour = quarter - quarter % capacity.HOLDBACK_WINDOW
        room = math.floor((1 - share) * self.hour_minutes(hour) - self.hours_taken.get(hour, 0) + 1e-9)
        return max(0, min(free, room))

    # Waiters per slot.

    @cached_property
    def waiter_drop_offs(self) -> list[int]:
        """The accepted waiters' drop-off minutes (the waiters-per-slot rule counts them)."""
        return [self.clock.minutes(b.drop_off) for b, _ in self.accepted if b.waiter]

    def waiter_room(self, booking: Booking) -> bool:
        if not booking.waiter:
            return True
        drop_off = self.clock.minutes(booking.drop_off)
        return capacity.waiter_room(self.rules, booking.waiter, drop_off, self.waiter_drop_offs)

    # A waiter's car handed back.

    @cached_property
    def last_handover(self) -> str | None:
        """When the desk closes today, 'HH:MM' (capacity.last_handover; None: no handover)."""
        return capacity.last_handover(self.workshop, self.date, self.rules)

    def handed_back(self, booking: Booking, offer: Offer) -> bool:
        """A waiter waits at the desk for his car: the offer's promise (his work's end, the buffer
        and any confidence added) is no later than the day's last handover
        (capacity.waiter_handed_back). A drop-off customer's promise is moved to the next handover
        day instead (slots.DayBook._handed_over), so always."""
        if not booking.waiter:
            return True
        last = None if self.last_handover is None else self.clock.wall(self.last_handover)
        promised = self.clock.minutes(offer.promised, round_up=True)
        return capacity.waiter_handed_back(promised, last)

    # The walk-in holdback.

    def within_holdback(self, booking: Booking, offer: Offer, job: JobOf) -> bool:
        """The booking may not push any technician pool it uses past its online share."""
        return self.over_holdback(booking, offer, job) is None

    def over_holdback(self, booking: Booking, offer: Offer, job: JobOf) -> int | None:
        """The first operation of `booking` placed as `offer` whose technician pool (those qualified
        for it) it pushes past the pool's online share (`within_holdback`); None: no pool."""
        service = self.workshop.service(booking.service)
        share = capacity.holdback(self.rules, service is not None and service.express)
        if share <= 0:
            return None
        if offer.rewitness is None:
            worked = list(self.worked)
        else:
            worked = [0] * len(self.worked)
            for assignments in offer.rewitness.values():
                for a in assignments:
                    worked[self.frame.tech_index[a.technician]] += self.frame.minutes(a)
        for p in offer.placements:
            worked[p.technician] += p.end - p.start
        pools = [op.technicians for op in job(booking)[0].operations]
        return capacity.over_holdback(share, worked, self.shift_minutes, pools)

    def worth_a_search(self, booking: Booking, job: JobOf) -> bool:
        """Could a fit found by moving others be sold? The rules that do not depend on where the
        booking sits, and room under the walk-in holdback for its shortest work in every pool it
        uses (counted on the witness: an estimate that only ever skips a search)."""
        if not self.before_fit(booking):
            return False
        service = self.workshop.service(booking.service)
        share = capacity.holdback(self.rules, service is not None and service.express)
        if share <= 0:
            return True
        return all(
            sum(self.worked[t] for t in op.technicians) + min(op.durations, default=0)
            <= (1 - share) * sum(self.shift_minutes[t] for t in op.technicians)
            for op in job(booking)[0].operations
        )

    # No-show overbooking.

    @cached_property
    def overbooked_minutes(self) -> dict[overbooking.Pool, int]:
        return overbooking.overbooked_minutes(self.workshop, self.holders)

    def may_overbook(self, booking: Booking) -> bool:
        """No-show overbooking may sell `booking` beyond the witness if it fits the day on its own
        and, once placed, has a loan car (`DayBook.overbooked_offer`): every front-desk rule that
        does not depend on where it sits holds, and each pool it uses stays within its
        overbooking percent. Waiters and vehicles dropped off on another day never."""
        workshop = self.workshop
        service = workshop.service(booking.service)
        if (
            service is None
            or booking.waiter
            or not overbooking.enabled(workshop)
            or self.clock.local_date(booking.drop_off) != self.date
            or not self.before_fit(booking)
        ):
            return False
        need = overbooking.demand(service)
        on_duty = [workshop.on_duty(t, self.date) for t in workshop.technicians]
        pools = {p: overbooking.available(p, workshop.technicians, on_duty, self.shift_minutes) for p in need}
        return overbooking.within_allowance(workshop, need, self.overbooked_minutes, pools)

    def allowance(self, booking: Booking) -> list[tuple[overbooking.Pool, float, int, int]] | None:
        """No-show overbooking as it applies to `booking`: per pool it uses, the percent, the
        minutes overbooked with it and the allowance in minutes; None where overbooking never
        applies (not enabled for every pool it uses, a waiter, another day's drop-off, multi-day work)."""
        workshop = self.workshop
        service = workshop.service(booking.service)
        if (
            service is None
            or service.max_days > 1
            or booking.waiter
            or not overbooking.enabled(workshop)
            or self.clock.local_date(booking.drop_off) != self.date
        ):
            return None
        need = overbooking.demand(service)
        if any(workshop.overbooking_percent(*pool) <= 0 for pool in need):
            return None
        on_duty = [workshop.on_duty(t, self.date) for t in workshop.technicians]
        pools = []
        for pool, minutes in sorted(need.items()):
            percent = workshop.overbooking_percent(*pool)
            available = overbooking.available(pool, workshop.technicians, on_duty, self.shift_minutes)
            used = self.overbooked_minutes.get(pool, 0) + minutes
            pools.append((pool, percent, used, int(percent / 100 * available)))
        return pools
