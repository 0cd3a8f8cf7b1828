"""No-show overbooking from history: what selling p % beyond the plan does to the workshop's days.

Each simulated day's booking requests (the demand source's booked vehicles, no-shows included,
each already marked kept or not at the scenario's kept rate) meet a booking desk before the day is
worked. The strict desk stands for the witness plan: a request is accepted if each of its
operations finds a qualified technician with that many standard minutes left of his shift (breaks
out) less the walk-in holdback (the one with most left takes it). With `percent` > 0 a request the
strict desk refuses is then sold beyond it (overbooked) while each technician pool it uses
(`skill:grade`, as scheduler.overbooking counts them) stays within that share of the pool's
available minutes, never to a waiter, as scheduler.slots.DayBook.overbooked_offer does. A request
that fits neither is turned away (the customer goes elsewhere). Walk-ins and the stages of
multi-day work come as before; the no-shows among the accepted bookings do not come. Then the day
is worked by the SimPy model as always.

The desk takes requests in a random order drawn from the day's own stream (seed, replication, day),
so every level sees the same customers in the same order: common random numbers across levels.
A simplification, stated in the README: the desk counts minutes per technician, it does not build a
witness plan with times, bays and promises (a real witness is tighter: it refuses earlier).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from scheduler.capacity import CapacityRules
from scheduler.scenarios import Scenario
from simulation.arrivals import HistoryDemand
from simulation.model import Layout, Vehicle
from simulation.sources import DaySource

Pool = tuple[str, int]

#: Overbooking levels the command accepts, in percent of a pool's available minutes.
MAX_PERCENT = 50.0


class BookingDesk:
    """A demand source seen through the booking desk: `day` returns the vehicles that come."""

    def __init__(
        self,
        inner: HistoryDemand | DaySource,
        layout: Layout,
        percent: float,
        holdback: float = CapacityRules().walk_in_holdback,
    ) -> None:
        self.inner = inner
        self.scenario: Scenario = inner.scenario
        self.percent = percent
        self.holdback = holdback
        self.layout = layout
        # Per service, the standard minutes it takes from each pool, and the pool's technicians.
        self.need: list[dict[Pool, float]] = []
        self.ops = [[(op.minutes, op.techs) for op in spec.ops] for spec in layout.services]
        self.members: dict[Pool, set[int]] = {}
        for s, service in enumerate(self.scenario.workshop.services):
            need: dict[Pool, float] = {}
            for k, op in enumerate(service.operations):
                pool = (op.skill, op.min_grade)
                need[pool] = need.get(pool, 0.0) + op.minutes
                self.members.setdefault(pool, set()).update(layout.services[s].ops[k].techs)
            self.need.append(need)
        self.requests: dict[int, int] = {}
        self.turned_away: dict[int, int] = {}
        self.overbooked: dict[int, int] = {}
        self.no_shows: dict[int, int] = {}

    def on_duty(self, date: dt.date) -> list[float]:
        """Each technician's minutes on duty on `date` (shift less breaks)."""
        weekday = date.weekday()
        return [sum(b - a for a, b in t.periods) if weekday in t.weekdays else 0.0 for t in self.layout.techs]

    def available(self, date: dt.date) -> dict[Pool, float]:
        """Each pool's minutes on duty on `date`."""
        on = self.on_duty(date)
        return {pool: sum(on[t] for t in members) for pool, members in self.members.items()}

    def _fits(self, left: list[float], service: int) -> bool:
        """Each operation on the qualified technician with most minutes left (taken if it fits)."""
        taken: list[tuple[int, float]] = []
        for minutes, techs in self.ops[service]:
            best = max(techs, key=lambda t: left[t], default=None)
            if best is None or left[best] < minutes:
                for t, m in taken:
                    left[t] += m
                return False
            left[best] -= minutes
            taken.append((best, minutes))
        return True

    def day(
        self,
        seed: int,
        replication: int,
        day: int,
        date: dt.date,
        cv: float,
        cap: int | None,
        no_shows: bool = False,
    ) -> list[Vehicle]:
        """The day's vehicles after the desk: turned-away requests never come; the accepted no-shows
        come only with `no_shows` (the plan-following policy sees them, as it sees any no-show)."""
        vehicles = self.inner.day(seed, replication, day, date, cv, cap, no_shows=True)
        available = self.available(date)
        left = [(1 - self.holdback) * m for m in self.on_duty(date)]
        extra = {p: self.percent / 100 * m for p, m in available.items()}
        over = dict.fromkeys(available, 0.0)
        requests = [i for i, v in enumerate(vehicles) if v.booked and not v.multi_day]
        order = np.random.default_rng([seed, replication, day, 0x0B]).permutation(len(requests))
        refused: set[int] = set()
        overbooked = 0
        for r in order.tolist():
            i = requests[r]
            need = self.need[vehicles[i].service]
            if self._fits(left, vehicles[i].service):
                pass
            elif not vehicles[i].waiter and all(over[p] + m <= extra[p] for p, m in need.items()):
                for p, m in need.items():
                    over[p] += m
                overbooked += 1
            else:
                refused.add(i)
        self.requests[day] = len(requests)
        self.turned_away[day] = len(refused)
        self.overbooked[day] = overbooked
        self.no_shows[day] = sum(1 for i, v in enumerate(vehicles) if v.no_show and i not in refused)
        return [v for i, v in enumerate(vehicles) if i not in refused and (no_shows or not v.no_show)]

    def metrics(self, days: int) -> dict[str, float]:
        """Per measured day (day 0 is the warm-up): requests, turned away, overbooked, no-shows."""

        def per_day(counts: dict[int, int]) -> float:
            return sum(n for d, n in counts.items() if d >= 1) / days

        return {
            "booking_requests_per_day": per_day(self.requests),
            "turned_away_per_day": per_day(self.turned_away),
            "overbooked_per_day": per_day(self.overbooked),
            "no_shows_per_day": per_day(self.no_shows),
        }
