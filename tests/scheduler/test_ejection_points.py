"""The ejection chains' points (scheduler.ejection `_points`) come from a busy index each chain
keeps and patches as it moves bookings (`_Index`, `_Shared`) instead of one rebuilt from every
placement at every call: the points, their order and so the offers found for the same search
effort are the same as the rebuilt index's (`_reference_points`, the implementation before)."""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from heapq import heapify, heappop, heappush
from typing import Any

import pytest

from scheduler import ejection
from scheduler.contract import Booking
from scheduler.ejection import TIGHTNESS, _Point, eject_and_fit
from scheduler.scenarios import load_scenario
from scheduler.slots import CapacityRules, DayBook
from solver.problem import DayProblem, OperationData, Placement

DATE = dt.date(2026, 11, 24)
OPEN = CapacityRules(walk_in_holdback=0.0, express_holdback=0.0, waiters_per_slot=10_000)
STEPS = 400
"""Search effort per chain, in clock readings (the chain's deadline checks): the same for both."""


class _OldBusy:
    def __init__(self, busy: Sequence[tuple[int, int, int]]) -> None:
        self.busy = sorted(busy)
        self.starts = [a for a, _, _ in self.busy]
        self.reach: list[int] = []
        furthest = -(10**9)
        for _, e, _ in self.busy:
            furthest = max(furthest, e)
            self.reach.append(furthest)

    def overlapping(self, start: int, end: int) -> set[int]:
        lo = bisect_right(self.reach, start)
        hi = bisect_left(self.starts, end)
        return {j for _, e, j in self.busy[lo:hi] if start < e}


def _reference_points(
    problem: DayProblem,
    op: OperationData,
    ready: int,
    latest: int,
    where: dict[int, list[Placement]],
    fixed: frozenset[int],
    tightness: int = 0,
    index: object = None,
) -> Iterator[_Point]:
    """`_points` as it was (main at 55480fd): every busy index rebuilt from `where`."""
    on_tech: dict[int, list[tuple[int, int, int]]] = {}
    on_bay: dict[int, list[tuple[int, int, int]]] = {}
    for j, placed in where.items():
        for p in placed:
            on_tech.setdefault(p.technician, []).append((p.start, p.end, j))
            on_bay.setdefault(p.bay, []).append((p.start, p.end, j))
    work: dict[int, int] = {}

    def cost_of(ejected: set[int]) -> int:
        total = 0
        for j in ejected:
            minutes = work.get(j)
            if minutes is None:
                minutes = sum(p.end - p.start for p in where[j])
                if tightness:
                    job = problem.jobs[j]
                    window = (job.due if job.due is not None else problem.horizon) - job.release
                    minutes += tightness * minutes // max(1, window)
                work[j] = minutes
            total += minutes
        return total

    bays = [b for _, b in sorted(zip(op.bay_costs, op.bays, strict=True))]
    bay_index: dict[int, _OldBusy] = {}
    queue: list[tuple[int, int, int, int, int, set[int] | _Point]] = []
    for t, d in zip(op.technicians, op.durations, strict=True):
        busy = on_tech.get(t, [])
        tech_index = _OldBusy(busy)
        for w_start, w_end in problem.technicians[t].windows():
            first = max(w_start, ready)
            starts = {first} | {e for _, e, _ in busy if first <= e}
            for s in sorted(starts):
                if s + d > min(w_end, latest):
                    break
                here = tech_index.overlapping(s, s + d)
                if not here & fixed:
                    queue.append((cost_of(here), s, t, -1, d, here))
    heapify(queue)
    while queue:
        _, s, t, _, d, item = heappop(queue)
        if isinstance(item, _Point):
            yield item
            continue
        here = item
        best: _Point | None = None
        for b in bays:
            index_b = bay_index.get(b)
            if index_b is None:
                index_b = bay_index[b] = _OldBusy(on_bay.get(b, []))
            ejected = here | index_b.overlapping(s, s + d)
            if ejected & fixed:
                continue
            cost = cost_of(ejected)
            if best is None or cost < best.cost:
                best = _Point(cost, s, t, b, s + d, frozenset(ejected))
            if len(ejected) == len(here):
                break
        if best is not None:
            heappush(queue, (best.cost, s, t, best.bay, d, best))


def _full_day(seed: int) -> DayBook:
    """A small-dealer day filled as the slots bench fills it, each booking where the foreman's
    rule puts it (no search, so the day is the same on every machine)."""
    scenario = load_scenario("small-dealer")
    workshop, demand = scenario.workshop, scenario.demand
    rng = random.Random(seed)
    codes = [c for c in demand.mix if c not in demand.promise.multi_day]
    weights = [demand.mix[c] for c in codes]
    accepted: list[Any] = []
    for attempt in range(80):
        day = DayBook(workshop, DATE, accepted, OPEN)
        code = rng.choices(codes, weights)[0]
        waiter = rng.random() < demand.waiter_share[code]
        drop = rng.choice(day.candidate_times())
        wish = Booking(id=f"A{attempt}", service=code, drop_off=drop, waiter=waiter)
        offer = day.fit_quickly(wish, repair=False)
        if offer is not None:
            booking = Booking(
                id=wish.id, service=code, drop_off=wish.drop_off, waiter=waiter, promised=offer.promised
            )
            accepted.append((booking, list(offer.assignments)))
    return DayBook(workshop, DATE, accepted, OPEN)


def _search(
    monkeypatch: pytest.MonkeyPatch, day: DayBook, points: Callable[..., Iterator[_Point]], tightness: int
) -> tuple[list[list[_Point]], list[object]]:
    """Every probe's chain on `day` with `points` pricing the points: the points each call yielded,
    in order, and the chains' results; the clock counts the chain's deadline checks."""
    readings = iter(range(10**9))
    monkeypatch.setattr(ejection.time, "thread_time", lambda: next(readings))
    yielded: list[list[_Point]] = []

    def recorded(*args: Any, **kwargs: Any) -> Iterator[_Point]:
        mine: list[_Point] = []
        yielded.append(mine)
        for point in points(*args, **kwargs):
            mine.append(point)
            yield point

    monkeypatch.setattr(ejection, "_points", recorded)
    results: list[object] = []
    for code in ("MINOR", "MAINT", "WARRANTY", "LUBE"):
        for hhmm in ((8, 30), (11, 0), (15, 0)):
            drop = dt.datetime.combine(DATE, dt.time(*hhmm), tzinfo=day.candidate_times()[0].tzinfo)
            job, _ = day._job(Booking(id="probe", service=code, drop_off=drop, waiter=False))
            problem = day.accepted_problem
            deadline = next(readings) + STEPS
            own = day.placements_of
            results.append(eject_and_fit(problem, own, job, deadline, 1, 3, None, True, tightness))
    monkeypatch.undo()
    return yielded, results


@pytest.mark.parametrize("seed", [1, 3])
@pytest.mark.parametrize("tightness", [0, TIGHTNESS])
def test_points_are_the_rebuilt_indexs_on_full_days(
    monkeypatch: pytest.MonkeyPatch, seed: int, tightness: int
) -> None:
    day = _full_day(seed)
    assert len(day.accepted) >= 25  # a full day: the chains have bookings to move
    new_points, new_results = _search(monkeypatch, day, ejection._points, tightness)
    old_points, old_results = _search(monkeypatch, day, _reference_points, tightness)
    assert sum(len(p) for p in old_points) > 1000  # the chains did search
    assert any(r is not None for r in old_results) and any(r is None for r in old_results)
    assert new_points == old_points
    assert new_results == old_results
