"""The SimPy model of workshop days: vehicles wait for a compatible bay and a qualified technician.

Everything inside the event loop is plain dataclasses and lists. Vehicles arrive (drop-off or
kept booking), are received by a service advisor, then each operation in turn waits in one queue,
ordered by the dispatch policy, for a free bay of a kind it can use and an idle technician with the
skill and grade who is on shift, not on a break, and can expect to finish before the break (or
before the end of the shift plus the overtime left). Work runs to the end once started; a break it
runs into is shortened. Work left at close stays in the queue for the next day.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import simpy

DAY = 1440.0
#: Following a plan: minutes an operation waits for its planned technician before another takes it.
PLAN_SLACK = 15.0


@dataclass(slots=True)
class Vehicle:
    """A work order as the simulation sees it; `work` holds one random factor per operation."""

    arrival: float
    service: int
    promised: float
    waiter: bool
    fleet: int  # index into Layout.partners, -1 for private customers
    multi_day: bool
    work: list[float]
    reception: float
    booked: bool = False
    no_show: bool = False  # a booking that does not come: only the plan sees it
    plan_start: list[float] | None = None  # per operation, when the day's plan starts it (-1: unplanned)
    plan_tech: list[int] | None = None  # per operation, the planned technician (-1: unplanned)
    first_start: float = -1.0
    first_tech: int = -1
    done: float = -1.0


@dataclass(frozen=True, slots=True)
class OpSpec:
    minutes: float  # standard minutes
    techs: tuple[int, ...]  # qualified technicians, preferred first (lowest grade, then slowest)
    kinds: tuple[str, ...]  # bay kinds in preference order
    rest: float = 0.0  # standard minutes of the service's operations after this one


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    code: str
    express: bool
    ops: tuple[OpSpec, ...]

    @property
    def minutes(self) -> float:
        return sum(op.minutes for op in self.ops)


@dataclass(frozen=True, slots=True)
class TechSpec:
    grade: int
    efficiency: float
    periods: tuple[tuple[float, float], ...]  # working periods (shift less breaks), minutes of the day
    overtime: float
    weekdays: frozenset[int]


@dataclass(frozen=True)
class Layout:
    """A rule set compiled against a scenario's catalogue: what the event loop needs, as plain data."""

    techs: tuple[TechSpec, ...]
    services: tuple[ServiceSpec, ...]
    pools: dict[str, int]  # bay kind (or 'fleet:<partner>') -> count
    partners: tuple[str, ...]
    service_advisors: int
    reception_minutes: float
    grade_cost: tuple[float, ...] = (0, 0, 0, 0, 0, 0)  # CNY per day, indexed by grade
    overtime_factor: float = 1.5


@dataclass(slots=True)
class Boundary:
    """A technician comes on (start of a working period) or goes off (its end)."""

    at: float
    tech: int
    on: bool
    until: float = 0.0
    last: bool = False  # the last period of the shift: overtime may follow
    new_day: bool = False  # the first period of the day: overtime allowance reset


@dataclass
class Tally:
    """What one run measured inside the window [start, end)."""

    start: float
    end: float
    busy_by_grade: np.ndarray = field(default_factory=lambda: np.zeros(6))
    busy_by_hour: np.ndarray = field(default_factory=lambda: np.zeros(24))
    busy_by_pool: dict[str, float] = field(default_factory=dict)
    overtime: float = 0.0
    overtime_cost: float = 0.0
    carried: list[int] = field(default_factory=list)
    events: int = 0


PolicyKey = Callable[[Vehicle, int, float], tuple[float, ...]]


class Workshop:
    """One replication: feed it vehicles and technician boundaries, run, read the vehicles and tally."""

    def __init__(
        self,
        layout: Layout,
        policy: PolicyKey,
        vehicles: list[Vehicle],
        boundaries: list[Boundary],
        closes: list[float],
        window: tuple[float, float],
    ) -> None:
        self.env = simpy.Environment()
        self.layout = layout
        self.policy = policy
        self.vehicles = vehicles
        self.tally = Tally(*window, busy_by_pool={p: 0.0 for p in layout.pools})
        n = len(layout.techs)
        self.eff = [t.efficiency for t in layout.techs]
        self.grade = [t.grade for t in layout.techs]
        self.on = [False] * n
        self.busy = [False] * n
        self.until = [0.0] * n
        self.last = [False] * n
        self.ot_left = [0.0] * n
        self.idle: set[int] = set()
        self.free = dict(layout.pools)
        self.queue: list[tuple[float | int, ...]] = []
        self.seq = 0
        self.sa_free = layout.service_advisors
        self.sa_queue: deque[int] = deque()
        self.in_shop: set[int] = set()
        self.pools_of = [self._pool_order(v) for v in vehicles]
        timeline: list[tuple[float, int, int, object]] = [
            (b.at, 0 if not b.on else 1, i, b) for i, b in enumerate(boundaries)
        ]
        timeline += [(v.arrival, 2, i, None) for i, v in enumerate(vehicles)]
        timeline += [(c, 3, i, None) for i, c in enumerate(closes)]
        timeline.sort(key=lambda e: (e[0], e[1], e[2]))
        self.timeline = timeline

    def _pool_order(self, v: Vehicle) -> list[tuple[str, ...]]:
        """Per operation, the bay pools in preference order: own fleet bay, express lane, the rest."""
        service = self.layout.services[v.service]
        orders = []
        for op in service.ops:
            pools: list[str] = []
            if v.fleet >= 0 and "general" in op.kinds:
                pools.append(f"fleet:{self.layout.partners[v.fleet]}")
            pools += [k for k in op.kinds if k in self.layout.pools]
            orders.append(tuple(p for p in pools if p in self.layout.pools))
        return orders

    # --- the event loop -------------------------------------------------------------------------

    def run(self) -> Tally:
        self.env.process(self._clock())
        self.env.run()
        return self.tally

    def _clock(self) -> simpy.events.ProcessGenerator:
        env = self.env
        timeline = self.timeline
        for n, (at, kind, index, payload) in enumerate(timeline):
            if at > env.now:
                yield env.timeout(at - env.now)
            self.tally.events += 1
            if kind == 0 or kind == 1:
                self._boundary(payload)  # type: ignore[arg-type]
            elif kind == 2:
                self._arrive(index)
            else:
                self._close()
            # Everything that happens at this minute first (all technicians of a shift come on
            # together), then one dispatch.
            if n + 1 == len(timeline) or timeline[n + 1][0] > at:
                self._dispatch()

    def _boundary(self, b: Boundary) -> None:
        t = b.tech
        if b.on:
            if b.new_day:
                self.ot_left[t] = self.layout.techs[t].overtime
            self.on[t], self.until[t], self.last[t] = True, b.until, b.last
            if not self.busy[t]:
                self.idle.add(t)
        else:
            self.on[t] = False
            self.idle.discard(t)

    def _arrive(self, i: int) -> None:
        self.in_shop.add(i)
        # A stage of a multi-day job is on a vehicle already received on an earlier day.
        if self.layout.service_advisors <= 0 or self.vehicles[i].multi_day:
            self._enqueue(i, 0)
        elif self.sa_free > 0:
            self.sa_free -= 1
            self._receive(i)
        else:
            self.sa_queue.append(i)

    def _receive(self, i: int) -> None:
        minutes = self.layout.reception_minutes * self.vehicles[i].reception
        self.env.timeout(minutes, value=i).callbacks.append(self._received)

    def _received(self, event: simpy.events.Event) -> None:
        self.tally.events += 1
        i = cast(int, event.value)
        if self.sa_queue:
            self._receive(self.sa_queue.popleft())
        else:
            self.sa_free += 1
        self._enqueue(i, 0)
        self._dispatch()

    def _close(self) -> None:
        """End of the day: count the vehicles still in the shop that were due by the end of it."""
        now = self.env.now
        if self.tally.start <= now < self.tally.end:
            day_end = (now // DAY + 1) * DAY
            self.tally.carried.append(sum(1 for i in self.in_shop if self.vehicles[i].promised <= day_end))

    def _enqueue(self, i: int, k: int) -> None:
        v = self.vehicles[i]
        op = self.layout.services[v.service].ops[k]
        self.seq += 1
        bisect.insort(self.queue, (*self.policy(v, k, op.minutes), self.seq, i, k))

    def _dispatch(self) -> None:
        idle, free, queue = self.idle, self.free, self.queue
        if not idle or not queue:
            return
        now = self.env.now
        services, vehicles = self.layout.services, self.vehicles
        n = 0
        while n < len(queue) and idle:
            entry = queue[n]
            i, k = int(entry[-2]), int(entry[-1])
            v = vehicles[i]
            pool = next((p for p in self.pools_of[i][k] if free[p] > 0), None)
            if pool is None:
                n += 1
                continue
            op = services[v.service].ops[k]
            # The least qualified idle technician who can still make the promise; failing that the
            # fastest one; either only if the work fits before the break or the overtime limit.
            tech, fallback, fastest = -1, -1, 0.0
            planned = v.plan_tech[k] if v.plan_tech is not None else -1
            if planned >= 0:  # following a plan: its technician when he is free
                if planned in idle:
                    limit = self.until[planned] + (self.ot_left[planned] if self.last[planned] else 0.0)
                    if now + op.minutes / self.eff[planned] <= limit:
                        tech = planned
                # Repair: another technician only once the plan has slipped by PLAN_SLACK.
                if tech < 0 and v.plan_start is not None and now < v.plan_start[k] + PLAN_SLACK:
                    n += 1
                    continue
            for t in op.techs if tech < 0 else ():
                if t in idle:
                    limit = self.until[t] + (self.ot_left[t] if self.last[t] else 0.0)
                    finish = now + op.minutes / self.eff[t]
                    if finish <= limit:
                        if finish + op.rest <= v.promised:
                            tech = t
                            break
                        if self.eff[t] > fastest:
                            fallback, fastest = t, self.eff[t]
            if tech < 0:
                tech = fallback
            if tech < 0:
                n += 1
                continue
            del queue[n]
            self._start(i, k, tech, pool, op.minutes)

    def _start(self, i: int, k: int, t: int, pool: str, minutes: float) -> None:
        v = self.vehicles[i]
        now = self.env.now
        if k == 0:
            v.first_start, v.first_tech = now, t
        self.idle.discard(t)
        self.busy[t] = True
        self.free[pool] -= 1
        duration = minutes / self.eff[t] * v.work[k]
        self.env.timeout(duration, value=(i, k, t, pool, now)).callbacks.append(self._finished)

    def _finished(self, event: simpy.events.Event) -> None:
        self.tally.events += 1
        i, k, t, pool, began = cast(tuple[int, int, int, str, float], event.value)
        now = self.env.now
        tally = self.tally
        lo, hi = max(began, tally.start), min(now, tally.end)
        if hi > lo:
            tally.busy_by_grade[self.grade[t]] += hi - lo
            tally.busy_by_pool[pool] += hi - lo
            _add_hours(tally.busy_by_hour, lo, hi)
        if self.last[t] and now > self.until[t]:
            over = now - max(began, self.until[t])
            self.ot_left[t] = max(0.0, self.ot_left[t] - over)
            if tally.start <= began < tally.end:
                tally.overtime += over
                cost = self.layout.grade_cost[self.grade[t]]
                tally.overtime_cost += (
                    over * self.layout.overtime_factor * cost / _shift_minutes(self.layout.techs[t])
                )
        self.busy[t] = False
        self.free[pool] += 1
        if self.on[t] and now < self.until[t]:
            self.idle.add(t)
        v = self.vehicles[i]
        if k + 1 < len(self.layout.services[v.service].ops):
            self._enqueue(i, k + 1)
        else:
            v.done = now
            self.in_shop.discard(i)
        self._dispatch()


def _shift_minutes(tech: TechSpec) -> float:
    return sum(b - a for a, b in tech.periods) or 1.0


def _add_hours(bins: np.ndarray, lo: float, hi: float) -> None:
    """Spread the busy interval [lo, hi) over the hours of the day."""
    while hi > lo:
        hour_end = (lo // 60 + 1) * 60
        upto = min(hi, hour_end)
        bins[int(lo // 60) % 24] += upto - lo
        lo = upto


def tech_boundaries(layout: Layout, day_starts: list[tuple[float, int]]) -> list[Boundary]:
    """On/off boundaries of every technician on each day (start minute, weekday)."""
    out: list[Boundary] = []
    for day_start, weekday in day_starts:
        for t, tech in enumerate(layout.techs):
            if weekday not in tech.weekdays:
                continue
            last = len(tech.periods) - 1
            for p, (a, b) in enumerate(tech.periods):
                out.append(Boundary(day_start + a, t, True, day_start + b, p == last, p == 0))
                out.append(Boundary(day_start + b, t, False))
    return out
