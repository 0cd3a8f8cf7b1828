"""A lower bound on the day-plan objective from a relaxation CP-SAT can prove quickly.

Relaxed: technicians are pooled per qualification group as cumulatives (capacity = the
group's size, off-shift time as fixed fillers) instead of being assigned one by one; every
operation takes its fastest qualified technician's time; overtime and technician changes
cost nothing. Bays stay individual. Any plan of the real model is a plan of this one at no
higher cost, so the relaxation's proven bound bounds the real optimum.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from solver.blocks import earliest_ends, fit, free_windows, memo, minus
from solver.bounds_time import time_indexed_bound
from solver.problem import DayProblem, JobData


def _chained_end(job: JobData) -> int:
    """The least end of `job`'s last operation by its releases and shortest durations alone (each
    operation after the one before), as `relaxation_bound` holds even a booking it leaves out."""
    end = job.release
    for k, op in enumerate(job.operations):
        if op.pin is not None:
            end = op.pin.end
        elif op.bays and op.technicians:
            end = max(end, job.ready(k)) + min(op.durations)
    return end


def relaxation_bound(problem: DayProblem, deterministic_time: float, workers: int = 2) -> float | None:
    """The relaxation's proven bound, or None, within CP-SAT's deterministic time (reproducible)."""
    m = cp_model.CpModel()
    w = problem.weights
    horizon = problem.horizon + max(
        (sum(min(op.durations, default=0) for op in j.operations) for j in problem.jobs), default=0
    )
    bay_intervals: list[list[cp_model.IntervalVar]] = [[] for _ in problem.bays]
    groups: dict[frozenset[int], list[cp_model.IntervalVar]] = {}
    terms: list[cp_model.LinearExprT] = []
    pinned_by_tech: list[list[cp_model.IntervalVar]] = [[] for _ in problem.technicians]
    pinned_spans: list[list[tuple[int, int]]] = [[] for _ in problem.technicians]

    for j, job in enumerate(problem.jobs):
        present: cp_model.IntVar | int
        if job.pinned:
            present = 1
        else:
            present = m.new_bool_var(f"placed_{j}")
            terms.append(w.unplaced * job.priority * (1 - present))
        literal = present if isinstance(present, cp_model.IntVar) else m.new_constant(1)
        previous_end: cp_model.LinearExprT = job.release
        for k, op in enumerate(job.operations):
            if op.pin is not None:
                fixed = m.new_fixed_size_interval_var(op.pin.start, op.pin.end - op.pin.start, f"pin_{j}_{k}")
                bay_intervals[op.pin.bay].append(fixed)
                pinned_by_tech[op.pin.technician].append(fixed)
                pinned_spans[op.pin.technician].append((op.pin.start, op.pin.end))
                previous_end = op.pin.end
                continue
            if not op.bays or not op.technicians:
                if isinstance(present, cp_model.IntVar):
                    m.add(present == 0)
                continue
            size = min(op.durations)
            # Ends stay inside the horizon, where the off-shift fillers end.
            start = m.new_int_var(job.ready(k), max(job.ready(k), horizon - size), f"s_{j}_{k}")
            interval = m.new_optional_fixed_size_interval_var(start, size, literal, f"op_{j}_{k}")
            m.add(start >= previous_end)
            previous_end = start + size
            chosen = []
            for b, cost in zip(op.bays, op.bay_costs, strict=True):
                x = m.new_bool_var(f"x_{j}_{k}_{b}")
                chosen.append(x)
                bay_intervals[b].append(
                    m.new_optional_fixed_size_interval_var(start, size, x, f"b_{j}_{k}_{b}")
                )
                if cost:
                    terms.append(cost * x)
            m.add(sum(chosen) == present)
            groups.setdefault(frozenset(op.technicians), []).append(interval)
        if job.due is not None:
            late = m.new_int_var(0, horizon, f"late_{j}")
            # A booking left out is late by nothing (`objective.terms`): its starts are still held
            # from its releases, so one released past its due time was charged its lateness as
            # well as its unplaced term, the bound above the optimum (and, since the objective
            # pass, a plan called "optimal" on it).
            # (Enforced so only where the chain of its releases and shortest work alone passes its
            # due time, as `solver.model` does: elsewhere the model is as it was, its bound within
            # its deterministic time the same.)
            leaves = isinstance(present, cp_model.IntVar) and _chained_end(job) > job.due
            m.add(late >= previous_end - job.due).only_enforce_if(present if leaves else [])
            terms.append((w.waiter_lateness if job.waiter else w.lateness) * late)

    for ivs in bay_intervals:
        if len(ivs) > 1:
            m.add_no_overlap(ivs)
    for group in groups:
        members = [iv for g, ivs in groups.items() if g <= group for iv in ivs]
        fillers: list[cp_model.IntervalVar] = []
        for t in group:
            tech = problem.technicians[t]
            fillers.extend(pinned_by_tech[t])
            # Off-time less started work (a fact even where it runs into a break or past the
            # day's end, as `solver.model` carves it): else both held the technician at once,
            # two units of the group's, and the others' free time counted as taken.
            off = minus(minus([(0, horizon)], tech.windows()), pinned_spans[t])
            for s, e in off:
                fillers.append(m.new_fixed_size_interval_var(s, e - s, f"off_{t}_{s}"))
        ivs = members + fillers
        m.add_cumulative(ivs, [1] * len(ivs), len(group))

    m.minimize(sum(terms))
    solver = cp_model.CpSolver()
    if deterministic_time < 1e-3:
        return None
    solver.parameters.max_deterministic_time = deterministic_time
    solver.parameters.max_time_in_seconds = 60.0  # a safety net only
    solver.parameters.num_workers = 1  # one worker: reproducible
    status = solver.solve(m)
    if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        return None
    # A bound proven before any relaxed plan was found is still a bound.
    bound = float(solver.best_objective_bound)
    return bound if math.isfinite(bound) else None


# --- Bounds per level of the objective ---------------------------------------------------------
# Level 1, placements: an upper bound on how many bookings (and how much priority) can be placed,
# from energetic reasoning per pool and whole operations per working block (`_slots`). Level 2,
# lateness: a lower bound on the minutes late of a given set of placed bookings, the better of a
# preemptive parallel-machine relaxation per pool and an assignment of bookings to technicians'
# positions per release window (`windowed_assignment_bound`); for "that many placements", the
# bookings a full resource group must leave out are that group's (`_forced_drops_bound`).

Profile = list[tuple[int, int, int]]
"""Capacity segments (start, end, units available), sorted, non-overlapping."""


def _profile(blocks: list[list[tuple[int, int]]]) -> Profile:
    """Units available at each minute: one unit per resource while inside one of its blocks."""
    events: dict[int, int] = {}
    for resource in blocks:
        for s, e in resource:
            if e > s:
                events[s] = events.get(s, 0) + 1
                events[e] = events.get(e, 0) - 1
    out: Profile = []
    level = 0
    times = sorted(events)
    for a, b in itertools.pairwise(times):
        level += events[a]
        if level > 0:
            out.append((a, b, level))
    return out


def _after(profile: Profile, r: int) -> int:
    """Unit-minutes available from minute r on."""
    return sum(units * (e - max(s, r)) for s, e, units in profile if e > r)


@dataclass(frozen=True)
class _Pool:
    profile: Profile
    demand: tuple[int, ...]
    """Per job: minutes of its unpinned work that only this pool's resources can do."""


def _pools(problem: DayProblem) -> list[_Pool]:
    """One pool per distinct technician set and bay set of an operation (and all of each)."""
    return memo("pools", problem, lambda: _make_pools(problem))


def _make_pools(problem: DayProblem) -> list[_Pool]:
    tech_free, bay_free = free_windows(problem)
    tech_sets = {frozenset(op.technicians) for j in problem.jobs for op in j.operations if op.pin is None}
    bay_sets = {frozenset(op.bays) for j in problem.jobs for op in j.operations if op.pin is None}
    tech_sets.add(frozenset(range(len(problem.technicians))))
    bay_sets.add(frozenset(range(len(problem.bays))))
    pools = []
    for sets, free, attr in ((tech_sets, tech_free, "technicians"), (bay_sets, bay_free, "bays")):
        for group in sets:
            if not group:
                continue
            demand = tuple(
                sum(
                    min(op.durations, default=0)
                    for op in job.operations
                    if op.pin is None and set(getattr(op, attr)) <= group
                )
                for job in problem.jobs
            )
            if any(demand):
                pools.append(_Pool(_profile([free[i] for i in sorted(group)]), demand))
    return pools


@dataclass(frozen=True)
class _Slots:
    """Non-preemptive counting per resource group: an operation runs inside one working block of
    one resource (it never spans a break), so a block of length L holds at most L // d of the
    group's operations, d the shortest of them on that resource. Counted from each release on."""

    ops: tuple[int, ...]
    """Per job: how many of its unpinned operations only this group's resources can do."""
    capacity: tuple[tuple[int, int], ...]
    """(release r, most operations of the group's jobs released from r on that fit in the blocks)."""


def _slots(problem: DayProblem) -> list[_Slots]:
    return memo("slots", problem, lambda: _make_slots(problem))


def _make_slots(problem: DayProblem) -> list[_Slots]:
    tech_free, bay_free = free_windows(problem)
    unpinned = [(j, op) for j, job in enumerate(problem.jobs) for op in job.operations if op.pin is None]
    releases = _thresholds(sorted({job.release for job in problem.jobs}))
    out = []
    for attr, free in (("technicians", tech_free), ("bays", bay_free)):
        sets = {frozenset(getattr(op, attr)) for _, op in unpinned}
        for group in sets:
            if not group:
                continue
            members = [(j, op) for j, op in unpinned if set(getattr(op, attr)) <= group]
            ops = [0] * len(problem.jobs)
            shortest: dict[int, int] = {}
            for j, op in members:
                ops[j] += 1
                # Bays: an operation holds its bay as long as its technician works on it.
                pairs = (
                    zip(op.technicians, op.durations, strict=True)
                    if attr == "technicians"
                    else ((b, min(op.durations, default=1)) for b in op.bays)
                )
                for r, d in pairs:
                    shortest[r] = min(shortest.get(r, d), d)
            capacity = []
            for r in releases:
                most = sum(
                    (e - max(s, r)) // shortest[i] for i in shortest for s, e in free[i] if e > max(s, r)
                )
                if most < sum(ops[j] for j in range(len(ops)) if problem.jobs[j].release >= r):
                    capacity.append((r, most))
            if capacity:
                out.append(_Slots(tuple(ops), tuple(capacity)))
    return out


def _thresholds(releases: list[int], most: int = 40) -> list[int]:
    """At most `most` of the sorted release minutes, evenly spread (each gives a valid bound)."""
    if len(releases) <= most:
        return releases
    return [releases[round(i * (len(releases) - 1) / (most - 1))] for i in range(most)]


@dataclass(frozen=True)
class PlacementBound:
    count: int
    """At most this many bookings can be placed."""
    weight: int
    """At most this much priority can be placed."""
    proven: bool


def placement_bound(
    problem: DayProblem, deterministic_time: float = 0.2, blocks: bool = True
) -> PlacementBound:
    """Energetic reasoning per pool: work released from minute r on that only a pool can do
    fits in the pool's capacity after r (technician windows and bays, started work taken out);
    with `blocks`, also whole operations per working block (`_slots`; False: the bound before it)."""
    n = len(problem.jobs)
    ends = earliest_ends(problem)
    m = cp_model.CpModel()
    x = [m.new_constant(1) if job.pinned else m.new_bool_var(f"x{j}") for j, job in enumerate(problem.jobs)]
    for j in range(n):
        if not problem.jobs[j].pinned and not math.isfinite(ends[j]):
            m.add(x[j] == 0)
    releases = _thresholds(sorted({job.release for job in problem.jobs}))
    for pool in _pools(problem):
        seen: set[tuple[int, ...]] = set()
        for r in releases:
            members = tuple(j for j in range(n) if pool.demand[j] and problem.jobs[j].release >= r)
            if not members or members in seen:
                continue
            seen.add(members)
            capacity = _after(pool.profile, r)
            if sum(pool.demand[j] for j in members) <= capacity:
                continue
            m.add(sum(pool.demand[j] * x[j] for j in members) <= capacity)
    for slots in _slots(problem) if blocks else []:
        for r, most in slots.capacity:
            m.add(
                sum(slots.ops[j] * x[j] for j in range(n) if slots.ops[j] and problem.jobs[j].release >= r)
                <= most
            )
    results = []
    for weights in ([1] * n, [job.priority for job in problem.jobs]):
        m.maximize(sum(w * v for w, v in zip(weights, x, strict=True)))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = deterministic_time
        solver.parameters.max_time_in_seconds = 30.0  # a safety net only
        status = solver.solve(m)
        if status == cp_model.OPTIMAL:
            results.append((round(solver.objective_value), True))
        elif status == cp_model.FEASIBLE:
            results.append((math.floor(solver.best_objective_bound + 1e-6), False))
        else:
            results.append((sum(weights), False))
    (count, p1), (weight, p2) = results
    return PlacementBound(count=count, weight=weight, proven=p1 and p2)


def lateness_bound(problem: DayProblem, placed: set[int], waiters_only: bool = False) -> int:
    """Fewest minutes late the `placed` bookings can have together (a proven lower bound).

    Per pool and release threshold r: the bookings released from r on, with promises, relaxed to
    preemptive work on the pool's capacity profile; the k-th earliest end is at least the moment
    the k smallest works fit in (and the k-th smallest earliest end alone); paired with the
    promises in ascending order this bounds their total lateness. The other bookings add their
    own lateness alone. The best (largest) of these bounds is returned.
    """
    chosen = [j for j in sorted(placed) if problem.jobs[j].due is not None]
    return _floor(problem, chosen, 0, waiters_only)


def droppable(problem: DayProblem, weight: int) -> tuple[list[int], int]:
    """The bookings a plan placing at least `weight` priority may contain, and how many of them
    it may leave out at most: every booking that fits alone, and the largest number of them whose
    smallest priorities sum to no more than the spare weight."""
    ends = earliest_ends(problem)
    fits = [j for j, job in enumerate(problem.jobs) if job.pinned or math.isfinite(ends[j])]
    spare = sum(problem.jobs[j].priority for j in fits) - weight
    count = 0
    for priority in sorted(problem.jobs[j].priority for j in fits if not problem.jobs[j].pinned):
        if priority > spare:
            break
        spare -= priority
        count += 1
    return fits, count


def forced_costs(problem: DayProblem) -> list[int]:
    """Each booking's least cost in the objective's terms below lateness (bay preference, technician
    changes, overtime) in any plan placing it, at the objective's weights: a sum over its own
    operations, so that the other bookings cannot lower it.

    - Bay preference: an operation pays its bay's cost (`OperationData.bay_costs`), at least its
      cheapest eligible bay's; started work, its own bay's.
    - Technician changes: two consecutive operations with no qualified technician in common (a
      started one: its own technician) change technician in every plan.
    - Overtime: operation k of a booking starts no earlier than `ready`, the earliest its operations
      before it can end alone, each on its fastest technician inside one working block (as
      `blocks.earliest_ends`; the ends only grow with the other bookings). With technician t it
      runs inside one of t's working blocks (the product's model keeps t's work out of his off-time;
      the last block runs on into allowed overtime), so it ends no earlier than `fit(t's blocks,
      ready, d_t)`, and its overtime, min(d_t, max(0, end - t's shift end)) (`objective.terms`:
      the whole of it past the shift end where it starts after it), grows with its end: at least
      the least over its technicians of that at the earliest end. Started work is counted as 0.
    """
    w = problem.weights
    windows = [t.windows() for t in problem.technicians]
    costs: list[int] = []
    for job in problem.jobs:
        cost = 0
        ready: float = job.release
        crew: list[set[int]] = []
        for op in job.operations:
            if op.pin is not None:
                if op.pin.bay in op.bays:
                    cost += op.bay_costs[op.bays.index(op.pin.bay)]
                crew.append({op.pin.technician})
                ready = max(ready, op.pin.end)
                continue
            crew.append(set(op.technicians))
            cost += min(op.bay_costs, default=0)
            ready = max(ready, op.release)
            overtime: float = math.inf
            best = math.inf
            for t, d in zip(op.technicians, op.durations, strict=True):
                end = fit(windows[t], ready, d)
                if math.isfinite(end):
                    late = end - problem.technicians[t].shift_end
                    overtime = min(overtime, min(d, max(0, late)))
                best = min(best, end)
            if math.isfinite(overtime):
                cost += w.overtime * int(overtime)
            ready = best
        cost += w.technician_change * sum(1 for a, b in itertools.pairwise(crew) if not a & b)
        costs.append(cost)
    return costs


def secondary_floor(problem: DayProblem, weight: int) -> int:
    """The least the objective's terms below lateness (bay preference, technician changes,
    overtime; the stability terms counted as 0) add up to in any plan placing at least `weight`
    priority: such a plan places only bookings that fit alone and leaves out at most `k` of them
    (`droppable`), so it pays at least the sum of their `forced_costs` less the `k` largest of the
    ones it may leave out (started work is never left out)."""
    fits, k = droppable(problem, weight)
    costs = forced_costs(problem)
    total = sum(costs[j] for j in fits)
    may_go = sorted((costs[j] for j in fits if not problem.jobs[j].pinned), reverse=True)
    return max(0, total - sum(may_go[:k]))


def lateness_floor(
    problem: DayProblem,
    weight: int,
    waiters_only: bool = False,
    blocks: bool = True,
    indexed: bool = True,
    enough: int | None = None,
) -> int:
    """Fewest minutes late of any plan that places at least `weight` priority (a proven lower bound
    on the lateness level for that many placements, whichever bookings are placed). With `indexed`
    also the time-indexed relaxation (`solver.bounds_time`; False: the bound before it), unless the
    cheaper bounds already reach `enough` (a plan's own minutes late: no floor can be higher).

    Such a plan holds every booking that fits alone except at most `k` of them (`droppable`). In
    the pooled bound of `lateness_bound` leaving out k1 bookings of a pool's group can only make
    its sorted works and own ends later and its i-th promise at most the (i + k1)-th of the whole
    group's; the bookings outside the group lose at most their k - k1 largest alone-lateness. The
    minimum over k1 is valid for every choice of the left-out bookings.
    """
    fits, k = droppable(problem, weight)
    chosen = [j for j in fits if problem.jobs[j].due is not None]
    best = (
        _floor(problem, chosen, k, waiters_only)
        if blocks
        else _pooled_bound(problem, chosen, k, waiters_only)
    )
    if k and blocks:
        best = max(best, _forced_drops_bound(problem, fits, chosen, k, waiters_only))
    if indexed and blocks and (enough is None or best < enough):
        best = max(best, time_indexed_bound(problem, weight, waiters_only))
    return best


def _forced_drops_bound(
    problem: DayProblem, fits: list[int], chosen: list[int], k: int, waiters_only: bool
) -> int:
    """Where a resource group cannot hold all its bookings (`_slots`), at least `need` of the k
    left out are that group's: the other bookings lose at most k - need, and the two parts' lateness
    adds up (disjoint bookings). On dealer-2011 the body shop holds 17 of 18 body jobs: the booking
    left out is a body job, never the waiter who is late anyway."""
    best = 0
    fitting = set(fits)
    for slots in _slots(problem):
        for r, most in slots.capacity:
            group = [j for j in fits if slots.ops[j] and problem.jobs[j].release >= r]
            excess = sum(slots.ops[j] for j in group) - most
            need, freed = 0, 0
            for count in sorted((slots.ops[j] for j in group if not problem.jobs[j].pinned), reverse=True):
                if freed >= excess:
                    break
                freed += count
                need += 1
            if freed < excess or need == 0:
                continue  # no plan keeps this group within k left out (or nothing forced)
            inside = set(group) & fitting
            outside = [j for j in chosen if j not in inside]
            bound = _floor(problem, outside, max(0, k - need), waiters_only) + _floor(
                problem, [j for j in chosen if j in inside], k, waiters_only
            )
            best = max(best, bound)
    return best


def _floor(problem: DayProblem, candidates: list[int], k: int, waiters_only: bool) -> int:
    """The better of the pooled bound and the windowed assignment bound (both proven)."""
    return max(
        _pooled_bound(problem, candidates, k, waiters_only),
        windowed_assignment_bound(problem, candidates, k, waiters_only),
    )


_EXACT_DROPS = 20
"""Up to this many bookings left out, the split between a pool's group and the rest is searched."""


def _pooled_bound(problem: DayProblem, candidates: list[int], k: int, waiters_only: bool) -> int:
    """The pooled bound over `candidates` (bookings with promises), any `k` of them left out."""
    ends = earliest_ends(problem)
    chosen = [j for j in candidates if problem.jobs[j].waiter or not waiters_only]
    if not chosen or len(chosen) <= k:
        return 0
    due = {j: problem.jobs[j].due or 0 for j in chosen}
    alone = {j: max(0.0, ends[j] - due[j]) for j in chosen}
    if not all(math.isfinite(a) for a in alone.values()):
        return 0  # a booking that cannot fit alone is in the set: nothing sensible to bound
    ordered = sorted(alone.values(), reverse=True)
    best = sum(ordered[k:])
    releases = _thresholds(sorted({problem.jobs[j].release for j in chosen}))
    release = {j: problem.jobs[j].release for j in chosen}
    for pool in _pools(problem):
        in_pool = [j for j in chosen if pool.demand[j]]  # once per pool, not per threshold
        for r in releases:
            group = [j for j in in_pool if release[j] >= r]
            if len(group) < 2:
                continue
            works = sorted(pool.demand[j] for j in group)
            own = sorted(ends[j] for j in group)
            dues = sorted(due[j] for j in group)
            segments = [(max(a, r), b, u) for a, b, u in pool.profile if b > r]
            reaches: list[float] = []
            i, done = 0, 0  # current segment, work that fits before it
            prefix = 0
            for n in range(len(group)):
                prefix += works[n]
                reach = math.inf
                while i < len(segments):
                    a, b, u = segments[i]
                    if done + u * (b - a) >= prefix:
                        reach = a + math.ceil((prefix - done) / u)
                        break
                    done += u * (b - a)
                    i += 1
                reaches.append(max(reach, own[n]))
            inside = set(group)
            rest = sorted((alone[j] for j in chosen if j not in inside), reverse=True)
            dropped_rest = list(itertools.accumulate(rest, initial=0.0))  # the k2 largest left out
            rest_total = dropped_rest[-1]

            if k <= _EXACT_DROPS:
                least = min(
                    _paired(reaches, dues, k1) + rest_total - dropped_rest[min(k - k1, len(rest))]
                    for k1 in range(min(k, len(group)) + 1)
                )
            else:
                # Both parts only fall as more is left out: k from each is a (weaker) valid floor.
                least = (
                    _paired(reaches, dues, min(k, len(group))) + rest_total - dropped_rest[min(k, len(rest))]
                )
            if math.isfinite(least):
                best = max(best, least)
    return int(best) if math.isfinite(best) else 0


def _paired(reaches: list[float], dues: list[int], dropped: int) -> float:
    """Sorted ends paired with sorted promises, `dropped` of the group left out (see lateness_floor)."""
    return sum(max(0.0, reaches[n] - dues[n + dropped]) for n in range(len(reaches) - dropped))


_MATCHING_CELLS = 400_000
"""A window's assignment is skipped (counted as its bookings alone) when its table is larger."""

_SPAN = 4
"""Windows of the assignment bound: up to this many release thresholds long, or to the day's end."""

_MATCHING_WORK = 25_000
"""Bookings x technicians above which the assignment bound is not tried (its time grows with it:
about 0.25 s of CPU on a 152-booking, 32-technician day; the 1,000-booking day skips it)."""


class _Matcher:
    """The assignment bound over release windows (see `windowed_assignment_bound`)."""

    def __init__(self, problem: DayProblem, chosen: list[int]) -> None:
        pinned_t: list[list[tuple[int, int]]] = [[] for _ in problem.technicians]
        for job in problem.jobs:
            for op in job.operations:
                if op.pin is not None:
                    pinned_t[op.pin.technician].append((op.pin.start, op.pin.end))
        self.free = [minus(t.windows(), pinned_t[i]) for i, t in enumerate(problem.technicians)]
        self.size = max((e for w in self.free for _, e in w), default=0) + 2
        self._ends: dict[tuple[int, int], np.ndarray] = {}
        self._positions: dict[tuple[int, int, int], np.ndarray] = {}
        self._stacked: tuple[np.ndarray, dict[tuple[int, int], int]] | None = None
        self.fixed: dict[int, float] = {}
        self.rows: dict[int, tuple[int, int, dict[int, int]]] = {}
        """Per booking: (due, ready, {technician: minutes}) of its last operation."""
        self.unfit = False
        for j in chosen:
            job = problem.jobs[j]
            if job.due is None or not job.operations:
                continue  # no promise: never late
            due = job.due
            last = job.operations[-1]
            if last.pin is not None:
                self.fixed[j] = max(0, last.pin.end - due)  # its end is a fact
                continue
            ready: float = job.release
            for op in job.operations[:-1]:
                if op.pin is not None:
                    ready = max(ready, op.pin.end)
                    continue
                ready = min(
                    (
                        fit(self.free[t], max(ready, op.release), d)
                        for t, d in zip(op.technicians, op.durations, strict=True)
                    ),
                    default=math.inf,
                )
            ready = max(ready, last.release)
            if not math.isfinite(ready) or not last.technicians or not last.bays:
                self.unfit = True  # cannot fit alone: nothing sensible to bound
                continue
            self.rows[j] = (
                due,
                min(int(ready), self.size - 1),
                dict(zip(last.technicians, last.durations, strict=True)),
            )

    def ends(self, t: int, d: int) -> np.ndarray:
        """Earliest end of d minutes of work on t starting at or after each minute (inf: none)."""
        key = (t, d)
        if key not in self._ends:
            out = np.full(self.size + 1, np.inf)
            for s, e in self.free[t]:
                if e - s >= d:
                    out[s : e - d + 1] = np.arange(s, e - d + 1) + d
            self._ends[key] = np.minimum.accumulate(out[::-1])[::-1]
        return self._ends[key]

    def positions(self, t: int, d: int, start: int) -> np.ndarray:
        """Starts of the 1st, 2nd, ... of d-minute operations packed on t from `start` on."""
        key = (t, d, start)
        if key not in self._positions:
            table = self.ends(t, d)
            starts = [start]
            cursor = float(start)
            while True:
                cursor = float(table[int(cursor)]) if cursor < self.size else math.inf
                if not math.isfinite(cursor):
                    break
                starts.append(int(cursor))
            self._positions[key] = np.array(starts[:-1], dtype=np.int64)
        return self._positions[key]

    def _tables(self) -> tuple[np.ndarray, dict[tuple[int, int], int]]:
        """`ends(t, d)` of every (technician, minutes) of the bookings' last operations, stacked
        (built on first use), and each one's row."""
        if self._stacked is None:
            keys = sorted({(t, d) for _, _, sizes in self.rows.values() for t, d in sizes.items()})
            table = np.stack([self.ends(t, d) for t, d in keys]) if keys else np.zeros((0, self.size + 1))
            self._stacked = (table, {key: i for i, key in enumerate(keys)})
        return self._stacked

    def value(self, bookings: list[int], k: int) -> float:
        """Fewest minutes late of `bookings` alone in the workshop, any k left out."""
        rows = [self.rows[j] for j in bookings if j in self.rows]
        fixed = sum(self.fixed.get(j, 0.0) for j in bookings)
        if len(rows) <= k:
            return fixed
        shortest: dict[int, int] = {}
        first: dict[int, int] = {}
        for _, ready, sizes in rows:
            for t, d in sizes.items():  # the least of each (comparisons, not min() calls)
                least = shortest.get(t)
                if least is None or d < least:
                    shortest[t] = d
                earliest = first.get(t)
                if earliest is None or ready < earliest:
                    first[t] = ready
        packed = {t: self.positions(t, shortest[t], first[t])[: len(rows)] for t in shortest}
        offsets: dict[int, int] = {}
        width = 0
        for t in sorted(packed):
            offsets[t] = width
            width += len(packed[t])
        if len(rows) * (width + k) > _MATCHING_CELLS:
            return -1.0  # too large: the caller counts these bookings alone
        big = 1e9
        cost = np.full((len(rows), width + k), big)
        cost[:, width:] = 0.0  # left out
        # Every (booking, position on one of its technicians) cell at once, each from its own row of
        # the stacked end tables (`_tables`): numpy calls per (technician, minutes) group cost
        # ~70 a window on dealer-2011, most of the bound's time. Each cell is written once.
        tables, table_of = self._tables()
        lengths = {t: len(positions) for t, positions in packed.items()}
        # Per (booking, technician): the booking's row, its end table, its first column, how many.
        cells = np.array(
            [
                (i, table_of[(t, d)], offsets[t], lengths[t])
                for i, (_, _, sizes) in enumerate(rows)
                for t, d in sizes.items()
            ],
            dtype=np.int64,
        )
        counts = cells[:, 3]
        row_of = np.repeat(cells[:, 0], counts)
        table_rows = np.repeat(cells[:, 1], counts)
        begins = np.cumsum(counts) - counts
        columns = np.arange(int(counts.sum())) + np.repeat(cells[:, 2] - begins, counts)
        column_starts = np.concatenate([packed[t] for t in sorted(packed)])
        dues = np.array([due for due, _, _ in rows], dtype=np.float64)
        readies = np.array([ready for _, ready, _ in rows], dtype=np.int64)
        starts = np.minimum(np.maximum(column_starts[columns], readies[row_of]), self.size)
        late = np.maximum(0.0, tables[table_rows, starts] - dues[row_of])
        late[~np.isfinite(late)] = big  # does not fit there (the Hungarian method needs finite costs)
        cost[row_of, columns] = late
        from scipy.optimize import linear_sum_assignment  # ~0.4 s to import: when first needed

        row_ind, col_ind = linear_sum_assignment(cost)
        total = float(cost[row_ind, col_ind].sum())
        return fixed + total if total < big else -1.0


def windowed_assignment_bound(problem: DayProblem, candidates: list[int], k: int, waiters_only: bool) -> int:
    """Fewest minutes late of `candidates` (any `k` left out), from an assignment per release window.

    In a window (the bookings released between two thresholds) each booking's last operation is
    matched to a (technician, position) pair: on technician t the booking in position q (in time
    order among the window's bookings) ends no earlier than q of t's shortest such operations
    packed into his blocks from the window's first start, then its own (whole, never across a break,
    at his speed, after its earlier operations alone). Any plan gives such a matching, so the
    cheapest one (Hungarian method) bounds the window's lateness; k columns are free exits. The
    windows' bookings are disjoint, so the best partition of the day into windows (a longest path
    over the thresholds) adds up. It sees what pooling cannot: five waiters at 12:30 do not all get
    the one fast technician, and a 100-minute job does not fit the 40 minutes before lunch.
    """
    chosen = [j for j in candidates if problem.jobs[j].waiter or not waiters_only]
    if len(chosen) <= k or len(chosen) * len(problem.technicians) > _MATCHING_WORK:
        return 0
    matcher = _Matcher(problem, chosen)
    if matcher.unfit:
        return 0
    releases = _thresholds(sorted({problem.jobs[j].release for j in chosen}))
    cuts = [*releases[1:], math.inf]
    n = len(releases)
    best = [0.0] * (n + 1)
    for i in range(n - 1, -1, -1):
        value = -math.inf
        for stop in sorted({*range(i + 1, min(n, i + _SPAN) + 1), n}):
            low, high = releases[i], cuts[stop - 1]
            inside = [j for j in chosen if low <= problem.jobs[j].release < high]
            here = matcher.value(inside, k) if len(inside) > 1 else -1.0
            if here < 0:
                here = _alone_sum(matcher, problem, inside, k)
            value = max(value, here + best[stop])
        best[i] = value
    return int(best[0])


def _alone_sum(matcher: _Matcher, problem: DayProblem, bookings: list[int], k: int) -> float:
    """Each booking's own lateness (alone in the workshop), the k largest left out."""
    ends = [
        matcher.fixed[j]
        if j in matcher.fixed
        else max(
            0.0,
            min(float(matcher.ends(t, d)[matcher.rows[j][1]]) for t, d in matcher.rows[j][2].items())
            - matcher.rows[j][0],
        )
        for j in bookings
        if j in matcher.fixed or j in matcher.rows
    ]
    ends = [e if math.isfinite(e) else 0.0 for e in ends]  # no room after started work: claim nothing
    ends.sort(reverse=True)
    return sum(ends[k:])
