"""A slot offer, the slot query and what the customer asks for beyond the service: the values the slot search
(scheduler.slots), the front desk's rules (scheduler.frontdesk) and the explained refusals
(scheduler.refusals) pass between them, and the service stores and returns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scheduler.contract import Assignment, Booking
from solver.problem import Placement


@dataclass(frozen=True)
class Wants:
    """What the customer asks for beyond the service: a loan car, parts on order."""

    loan_car: bool = False
    parts_eta: dt.datetime | None = None

    def probe(
        self, service: str, drop_off: dt.datetime, waiter: bool = False, fleet_partner: str | None = None
    ) -> Booking:
        """The booking a slot search tries at `drop_off`: this service, asking for these wants."""
        return Booking(
            id="probe",
            service=service,
            drop_off=drop_off,
            waiter=waiter,
            fleet_partner=fleet_partner,
            loan_car=self.loan_car,
            parts_eta=self.parts_eta,
        )


NO_WANTS = Wants()


@dataclass(frozen=True)
class SlotQuery:
    """One slot query (`GET …/slots`): a service's drop-off times on a day at a workshop, for a
    customer who waits or not, a fleet partner's vehicle or not, with these wants, as of `now`
    (None: the planning service's clock, read where the answer is made)."""

    workshop_id: str
    service: str
    date: dt.date
    waiter: bool = False
    fleet: str | None = None
    now: dt.datetime | None = None
    wants: Wants = NO_WANTS


@dataclass(frozen=True)
class Offer:
    drop_off: dt.datetime
    promised: dt.datetime
    assignments: tuple[Assignment, ...]
    """Where the new booking sits in the witness."""
    rewitness: dict[str, tuple[Assignment, ...]] | None = None
    """When the day had to be reshuffled: the new witness of every accepted booking."""
    placements: tuple[Placement, ...] = ()
    days: tuple[dt.date, ...] = ()
    """Multi-day work (scheduler.multiday): every day the work touches, the last one the promise's."""
    overbooked: bool = False
    """Sold beyond the witness (no-show overbooking, scheduler.overbooking): no assignments, no placements."""
