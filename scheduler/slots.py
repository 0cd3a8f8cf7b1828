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
from solver.problem import Placement


@dataclass(frozen=True)
class CapacityRules:
    """What dealer booking tools let a manager set (online reserve, waiter limits, pools)."""

    slot_minutes: int = 30
    walk_in_holdback: float = 0.2
    """Share of each technician pool's shift minutes kept off the booking system for walk-ins."""
    waiters_per_slot: int = 3
    promise_buffer_minutes: int = 15


@dataclass(frozen=True)
class Offer:
    drop_off: dt.datetime
    promised: dt.datetime
    assignments: tuple[Assignment, ...]
    """Where the new booking sits in the witness."""


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
        for _, assignments in accepted:
            for a in assignments:
                p = Placement(
                    self.bay_index[a.bay],
                    self.tech_index[a.technician],
                    self.clock.minutes(a.start),
                    self.clock.minutes(a.end),
                )
                self.placements.append(p)
                self.worked[p.technician] += p.end - p.start

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
            return None
        # Walk-in holdback: the booking may not push any pool it uses past its online share.
        extra = [0] * len(self.worked)
        for p in placed:
            extra[p.technician] += p.end - p.start
        for op in job.operations:
            pool = op.technicians
            used = sum(self.worked[t] + extra[t] for t in pool)
            if used > (1 - self.rules.walk_in_holdback) * sum(self.shift_minutes[t] for t in pool):
                return None
        promised = _round_up(placed[-1].end + self.rules.promise_buffer_minutes, 5)
        assignments = tuple(
            Assignment(
                booking=booking.id,
                operation=k,
                bay=self.workshop.bays[p.bay].id,
                technician=self.workshop.technicians[p.technician].id,
                start=self.clock.at(p.start),
                end=self.clock.at(p.end),
            )
            for k, p in enumerate(placed)
        )
        return Offer(drop_off=booking.drop_off, promised=self.clock.at(promised), assignments=assignments)

    def candidate_times(self) -> list[dt.datetime]:
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
