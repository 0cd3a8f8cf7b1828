"""Slot offers that really fit: a new booking is inserted into a witness plan of the day's accepted bookings.

The witness is a concrete placement of every accepted booking that obeys every hard rule and
meets every promised pickup. A drop-off time is offered only if the new booking fits in the
witness's free time without moving anything, so an accepted day always has a plan that places
every booking on time (soundness); the optimiser, hinted with the witness and told to keep
promises, can only improve on it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from scheduler.availability import Availability
from scheduler.clock import DayClock
from scheduler.compiler import compile_request, technician_data
from scheduler.contract import Assignment, Booking, PlanRequest, Workshop, hhmm_minutes
from scheduler.dispatch import place_job
from solver.problem import DayProblem, JobData, OperationData, Placement


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


@dataclass(frozen=True)
class Offer:
    drop_off: dt.datetime
    promised: dt.datetime
    assignments: tuple[Assignment, ...]
    """Where the new booking sits in the witness."""
    rewitness: dict[str, tuple[Assignment, ...]] | None = None
    """When the day had to be reshuffled: the new witness of every accepted booking."""


def _round_up(minutes: int, step: int) -> int:
    return math.ceil(minutes / step) * step


class DayBook:
    """The accepted bookings of one workshop day and their witness placements."""

    def __init__(
        self,
        workshop: Workshop,
        date: dt.date,
        accepted: list[tuple[Booking, list[Assignment]]],
        rules: CapacityRules | None = None,
    ) -> None:
        self.workshop = workshop
        self.date = date
        self.rules = rules or CapacityRules()
        self.accepted = accepted
        self.clock = DayClock(workshop.timezone, date)
        self.bay_index = {b.id: i for i, b in enumerate(workshop.bays)}
        self.tech_index = {t.id: i for i, t in enumerate(workshop.technicians)}
        self.shift_minutes = [technician_data(t, self.clock).shift_minutes() for t in workshop.technicians]
        self.worked = [0] * len(workshop.technicians)
        self.placements: list[Placement] = []
        self.placements_of: list[list[Placement]] = []
        for _, assignments in accepted:
            own = []
            for a in sorted(assignments, key=lambda a: a.operation):
                p = Placement(
                    self.bay_index[a.bay],
                    self.tech_index[a.technician],
                    self.clock.minutes(a.start),
                    self.clock.minutes(a.end),
                )
                own.append(p)
                self.placements.append(p)
                self.worked[p.technician] += p.end - p.start
            self.placements_of.append(own)

    def _waiters_in_slot(self, start: int) -> int:
        slot = self.rules.slot_minutes
        return sum(
            1
            for booking, _ in self.accepted
            if booking.waiter and self.clock.minutes(booking.drop_off) // slot == start // slot
        )

    def try_insert(self, booking: Booking) -> Offer | None:
        """Where `booking` fits without moving anything, and the pickup that can then be promised."""
        compiled = compile_request(PlanRequest(workshop=self.workshop, date=self.date, bookings=[booking]))
        job = compiled.problem.jobs[0]
        if booking.waiter and self._waiters_in_slot(job.release) >= self.rules.waiters_per_slot:
            return None
        availability = Availability(compiled.problem)
        for p in self.placements:
            availability.reserve(p)
        placed = place_job(availability, job, 0)
        if placed is None:
            return self._reshuffle(booking, job, compiled.problem) if self.rules.repair_candidates else None
        if not self._within_holdback(booking, job.operations, placed, self.worked):
            return None
        return self._offer(booking, placed)

    def _assignments(self, booking_id: str, placed: list[Placement]) -> tuple[Assignment, ...]:
        return tuple(
            Assignment(
                booking=booking_id,
                operation=k,
                bay=self.workshop.bays[p.bay].id,
                technician=self.workshop.technicians[p.technician].id,
                start=self.clock.at(p.start),
                end=self.clock.at(p.end),
            )
            for k, p in enumerate(placed)
        )

    def _offer(
        self,
        booking: Booking,
        placed: list[Placement],
        rewitness: dict[str, tuple[Assignment, ...]] | None = None,
    ) -> Offer:
        promised = _round_up(placed[-1].end + self.rules.promise_buffer_minutes, 5)
        if not booking.waiter:
            noon = self.clock.wall(self.rules.noon)
            drop = self.clock.minutes(booking.drop_off)
            handover = self.rules.morning_handover if drop < noon else self.rules.afternoon_handover
            promised = max(promised, self.clock.wall(handover))
        return Offer(
            drop_off=booking.drop_off,
            promised=self.clock.at(promised),
            assignments=self._assignments(booking.id, placed),
            rewitness=rewitness,
        )

    def _within_holdback(
        self,
        booking: Booking,
        operations: tuple[OperationData, ...],
        placed: list[Placement],
        base: list[int],
    ) -> bool:
        """The booking may not push any technician pool it uses past its online share."""
        service = self.workshop.service(booking.service)
        express = service is not None and service.express
        holdback = self.rules.express_holdback if express else self.rules.walk_in_holdback
        extra = [0] * len(base)
        for p in placed:
            extra[p.technician] += p.end - p.start
        for op in operations:
            used = sum(base[t] + extra[t] for t in op.technicians)
            if used > (1 - holdback) * sum(self.shift_minutes[t] for t in op.technicians):
                return False
        return True

    def _reshuffle(self, booking: Booking, job: JobData, problem: DayProblem) -> Offer | None:
        """Local repair: move one accepted booking out of the way, place the new one, put the moved
        one back where it still keeps its promise. Tried on the bookings nearest the drop-off."""
        others_problem = compile_request(
            PlanRequest(workshop=self.workshop, date=self.date, bookings=[b for b, _ in self.accepted])
        ).problem
        spans = [
            (i, [p for p in self.placements_of[i]])
            for i in range(len(self.accepted))
            if self.placements_of[i]
        ]
        spans.sort(key=lambda item: abs(item[1][0].start - job.release))
        for i, moved in spans[: self.rules.repair_candidates]:
            availability = Availability(problem)
            for k, placements in enumerate(self.placements_of):
                if k != i:
                    for p in placements:
                        availability.reserve(p)
            placed = place_job(availability, job, 0)
            if placed is None:
                continue
            back = place_job(availability, others_problem.jobs[i], i)
            due = others_problem.jobs[i].due
            if back is None or (due is not None and back[-1].end > due):
                continue
            base = list(self.worked)
            for p in moved:
                base[p.technician] -= p.end - p.start
            for p in back:
                base[p.technician] += p.end - p.start
            if not self._within_holdback(booking, job.operations, placed, base):
                continue
            moved_booking = self.accepted[i][0]
            rewitness = {b.id: tuple(a) for b, a in self.accepted}
            rewitness[moved_booking.id] = self._assignments(moved_booking.id, back)
            return self._offer(booking, placed, rewitness)
        return None

    def candidate_times(self) -> list[dt.datetime]:
        if self.workshop.is_closed(self.date):
            return []
        open_hhmm, close_hhmm = self.workshop.opening_window()
        step = self.rules.slot_minutes
        first = _round_up(hhmm_minutes(open_hhmm), step)
        return [
            dt.datetime.combine(self.date, dt.time(m // 60, m % 60), tzinfo=self.workshop.tz)
            for m in range(first, hhmm_minutes(close_hhmm) + 1, step)
        ]

    def offers(self, service: str, waiter: bool, fleet_partner: str | None = None) -> list[Offer]:
        found = []
        for drop_off in self.candidate_times():
            probe = Booking(
                id="probe", service=service, drop_off=drop_off, waiter=waiter, fleet_partner=fleet_partner
            )
            offer = self.try_insert(probe)
            if offer is not None:
                found.append(offer)
        return found
