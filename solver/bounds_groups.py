"""A lateness floor by decomposition: the day's bookings in groups, each group planned alone.

Proof. Let every plan considered place every booking of `bookings` (the caller's claim: on a day
where no booking that fits may be left out, `droppable` gives 0). Split them into disjoint groups
G1..Gn. A plan of the day restricted to Gi (its placements of Gi's operations, nothing else) is a
plan of the day holding Gi's bookings only: each operation keeps its technician, bay and minutes;
leaving the other bookings out only frees technicians, bays and loan cars, and every rule of one
booking (the order of its operations, its releases, its own promise) is unchanged. So the plan's
lateness on Gi is at least OPT(Gi), the least lateness of Gi planned alone, and at least any proven
lower bound on OPT(Gi). Lateness adds up per booking and the groups are disjoint, so every such plan
is at least sum_i floor(Gi) late. The same holds for the objective's weighted lateness terms.

floor(Gi) is the better of two proven bounds on OPT(Gi): CP-SAT's on the product's own model
(`solver.model.build`) with Gi's bookings only, all of them placed, lateness its only cost (its
optimum where proven within `CPSAT_TIME`, deterministic: one worker, deterministic time); and the
time-indexed relaxation of Gi alone (`solver.bounds_time`) at the finest slot grid whose model fits
`LP_LIMITS` (whole minutes on a dozen bookings: the slots' rounding is what the day's floor at
2-minute slots loses on small-dealer 1.3x s5).

The grouping is any partition (the proof asks nothing of it): bookings sharing no technician and no
bay, directly or through others, apart; within those, by drop-off, at most `GROUP_SIZE` a group, a
new one where the plan given leaves the technicians idle before the next drop-off (its bookings all
ended by then: little lost by the split there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model

from solver.bounds_time import dual_simplex, indexed_model, weighted_floor
from solver.model import build
from solver.problem import DayProblem, DaySolution, JobData, ObjectiveWeights, TechnicianData

GROUP_SIZE = 12
"""At most this many bookings a group: CP-SAT proves the lateness optimum of up to about 10 waiters
in a fraction of a second, and the whole-minute relaxation of 12 is about 2 M columns and entries
(small-dealer 1.3x s5's morning rush: 69 minutes, where the day's floor counted 65 for it)."""

CPSAT_TIME = 0.02
"""CP-SAT's deterministic time per group and measure: it proves the small groups (the afternoon's
few waiters) at once; on a rush of a dozen its bound stays near 0 for seconds (its linear relaxation
of lateness is weak), where the time-indexed relaxation does better."""

LP_GRIDS = (1, 2)
"""Minutes per slot of a group's relaxation, finest first: the first within `LP_LIMITS`."""

LP_LIMITS = (120_000, 2_500_000)
"""The largest group relaxation built (columns, capacity entries)."""


@dataclass(frozen=True)
class GroupFloor:
    """`plain`: minutes late (drop-offs' and waiters' alike); `weighted`: the objective's lateness
    terms (`weights.lateness` per drop-off minute, `weights.waiter_lateness` per waiter's); both
    proven for every plan placing all of `groups`' bookings. `proven`: per group, its optimum was
    proven (floor = the least lateness of the group alone)."""

    plain: int
    weighted: int
    groups: tuple[tuple[int, ...], ...]
    proven: tuple[bool, ...]


def groups(problem: DayProblem, bookings: list[int], plan: DaySolution | None = None) -> list[list[int]]:
    """A partition of `bookings` (see the module's docstring: any partition gives a floor)."""
    parent = {j: j for j in bookings}

    def root(j: int) -> int:
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    first: dict[tuple[str, int], int] = {}
    for j in bookings:
        for op in problem.jobs[j].operations:
            pinned = (op.pin.technician,) if op.pin else ()
            for key in [("t", t) for t in (*op.technicians, *pinned)] + [("b", b) for b in op.bays]:
                if key in first:
                    parent[root(j)] = root(first[key])
                else:
                    first[key] = j
    components: dict[int, list[int]] = {}
    for j in bookings:
        components.setdefault(root(j), []).append(j)
    out: list[list[int]] = []
    for members in components.values():
        members.sort(key=lambda j: (problem.jobs[j].release, j))
        current: list[int] = []
        ended = -math.inf
        for j in members:
            if current and (len(current) >= GROUP_SIZE or problem.jobs[j].release >= ended):
                out.append(current)
                current, ended = [], -math.inf
            current.append(j)
            ended = max(ended, _end(problem, plan, j))
        if current:
            out.append(current)
    return out


def _end(problem: DayProblem, plan: DaySolution | None, j: int) -> float:
    """Booking `j`'s end in `plan` (inf where unknown: no cut after it)."""
    if plan is None or j in plan.unplaced:
        return math.inf
    last = len(problem.jobs[j].operations) - 1
    at = plan.placements.get((j, last))
    return at.end if at is not None else math.inf


def group_floor(
    problem: DayProblem,
    bookings: list[int],
    plan: DaySolution | None = None,
    against: tuple[int, int] | None = None,
) -> GroupFloor | None:
    """The floor of the module's docstring for every plan that places all of `bookings` (None where
    some group cannot be placed whole alone: no such plan, nothing to claim). `plan`: one such plan,
    where given: it guides the grouping only, and a group on time in it has floor 0 unsolved.
    `against`: the (plain, weighted) floors already known; the whole-minute relaxations (the costly
    part) only where the groups' floors at `LP_GRIDS[-1]` reach `REACH` of the plain one (a split
    that loses more than that to the day's relaxation is not worth refining)."""
    parts = groups(problem, bookings, plan)
    floors: list[tuple[int, int]] = []
    proven: list[bool] = []
    for group in parts:
        if _plan_lateness(problem, plan, group) == (0, 0):
            floors.append((0, 0))  # on time in a plan: its least lateness alone is 0
            proven.append(True)
            continue
        exact = _exact(problem, group)
        if exact is None:
            return None
        (plain, weighted), done = exact
        if not done:
            coarse = _relaxation(problem, group, LP_GRIDS[-1:], None, LP_LIMITS[1])
            plain, weighted = max(plain, coarse[0]), max(weighted, coarse[1])
        floors.append((plain, weighted))
        proven.append(done)
    total = sum(f[0] for f in floors)
    if against is None or total >= REACH * against[0]:
        # The groups furthest below the plan first, within `FINE_SIZE` (deterministic: model sizes).
        order = sorted(
            (i for i in range(len(parts)) if not proven[i]),
            key=lambda i: (floors[i][0] - (_plan_lateness(problem, plan, parts[i]) or (0, 0))[0], i),
        )
        left = FINE_SIZE
        for i in order:
            tight, until = _tight(problem, parts[i], plan)
            fine = _relaxation(problem, tight, LP_GRIDS[:-1], until, left)
            floors[i] = (max(floors[i][0], fine[0]), max(floors[i][1], fine[1]))
            left -= fine[2]
    return GroupFloor(
        sum(f[0] for f in floors), sum(f[1] for f in floors), tuple(tuple(g) for g in parts), tuple(proven)
    )


FINE_SIZE = 1_500_000
"""The whole-minute pass builds group models of up to this many columns and entries in all (each
within `LP_LIMITS`, the groups furthest below the plan first): about 2 s of CPU at most. small-dealer
1.3x s5's one such group, cut at 12:13, is 0.59 M (0.8 s; 2.29 M and 2.6 s uncut)."""

REACH = 0.95
"""See `group_floor`'s `against`: small-dealer 1.3x s5's groups reach the day's 145 minutes at
2-minute slots (then 149 at whole minutes); s2's 214 of 357 (not refined)."""


def _plan_lateness(problem: DayProblem, plan: DaySolution | None, group: list[int]) -> tuple[int, int] | None:
    if plan is None or any(j in plan.unplaced for j in group):
        return None
    plain = weighted = 0
    w = problem.weights
    for j in group:
        job = problem.jobs[j]
        at = plan.placements.get((j, len(job.operations) - 1))
        if at is None:
            return None
        if job.due is not None:
            minutes = max(0, at.end - job.due)
            plain += minutes
            weighted += (w.waiter_lateness if job.waiter else w.lateness) * minutes
    return plain, weighted


def _alone(problem: DayProblem, group: list[int], weighted: bool) -> DayProblem:
    """The day with `group`'s bookings only, lateness its only cost (plain: a minute is a minute)."""
    w = problem.weights
    weights = ObjectiveWeights(
        unplaced=0,
        lateness=w.lateness if weighted else 1,
        waiter_lateness=w.waiter_lateness if weighted else 1,
        overtime=0,
        technician_change=0,
        stability_reassign=0,
        stability_minutes=0,
    )
    jobs: list[JobData] = []
    for j in group:
        job = problem.jobs[j]
        operations = tuple(replace(op, bay_costs=(0,) * len(op.bays), previous=None) for op in job.operations)
        jobs.append(replace(job, operations=operations))
    return replace(problem, jobs=tuple(jobs), weights=weights, loan_cars=None)


def _exact(problem: DayProblem, group: list[int]) -> tuple[tuple[int, int], bool] | None:
    """CP-SAT's proven (plain, weighted) floors on `group`'s least lateness alone and whether both
    are its optimum; None: the group cannot be placed whole."""
    out: list[int] = []
    done = True
    for weighted in (False, True):
        alone = _alone(problem, group, weighted)
        dm = build(alone)
        for present in dm.placed:
            if isinstance(present, cp_model.IntVar):
                dm.model.add(present == 1)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1  # reproducible
        solver.parameters.max_deterministic_time = CPSAT_TIME
        solver.parameters.max_time_in_seconds = 30.0  # a safety net only
        status = solver.solve(dm.model)
        if status == cp_model.INFEASIBLE:
            return None
        if status == cp_model.OPTIMAL:
            out.append(round(solver.objective_value))
            continue
        done = False
        # Proven so far (with or without a plan found); the terms are multiples of the weights' gcd.
        bound = solver.best_objective_bound if status != cp_model.MODEL_INVALID else 0.0
        step = math.gcd(alone.weights.lateness, alone.weights.waiter_lateness) or 1
        ok = math.isfinite(bound)
        out.append(step * max(0, math.ceil((bound - 1e-6 * max(1.0, abs(bound))) / step)) if ok else 0)
    return (out[0], out[1]), done


def _tight(problem: DayProblem, group: list[int], plan: DaySolution | None) -> tuple[list[int], int | None]:
    """The bookings of `group` promised no later than the last one late in `plan`, and a minute
    `until` the relaxation may stop at (`_relaxation`: the bookings' latest promise plus the plan's
    minutes late for them, counted at the least weight among them); (group, None) without a plan."""
    late = [j for j in group if (_plan_lateness(problem, plan, [j]) or (0, 0))[0] > 0]
    if plan is None or not late or any(problem.jobs[j].pinned for j in group):
        return group, None
    last = max(problem.jobs[j].due or 0 for j in late)
    tight = [j for j in group if (due := problem.jobs[j].due) is not None and due <= last]
    plain, weighted = _plan_lateness(problem, plan, tight) or (0, 0)
    w = problem.weights
    least = min(w.waiter_lateness if problem.jobs[j].waiter else w.lateness for j in tight) or 1
    return tight, last + max(plain, -(-weighted // least))


def _cut(technician: TechnicianData, until: int) -> TechnicianData:
    """`technician` working only before minute `until`."""
    shift_end = max(technician.shift_start, min(technician.shift_end, until))
    return replace(
        technician,
        shift_end=shift_end,
        max_overtime=max(0, min(technician.day_end, until) - shift_end),
        breaks=tuple((s, min(e, until)) for s, e in technician.breaks if s < until),
    )


def _relaxation(
    problem: DayProblem, group: list[int], grids: tuple[int, ...], until: int | None, most: int
) -> tuple[int, int, int]:
    """The time-indexed relaxation's (plain, weighted) floors of `group` alone, all of it placed, at
    the first of `grids` within `LP_LIMITS` and `most` capacity entries ((0, 0): not built), and the
    model's size. One model, two costs: the weighted model is the plain one with each booking's
    columns at its weight (`indexed_model`'s costs).

    `until` (every booking of `group` promised before it, none started): a smaller model, the
    technicians cut at that minute. A plan of the group alone either ends all its work by `until`,
    and is a plan of the cut day, at least its relaxation's optimum late; or some booking j's last
    operation ends after `until`, at least `until` + 1 - due_j minutes late: the floor is the lesser
    of the two (an infeasible cut day: the second)."""
    if not grids or not group or most <= 0:
        return 0, 0, 0
    alone = _alone(problem, group, weighted=True)
    w = alone.weights
    after = (math.inf, math.inf)
    if until is not None:
        dues = [(job.due, w.waiter_lateness if job.waiter else w.lateness) for job in alone.jobs]
        if any(due is None or due >= until for due, _ in dues) or any(job.pinned for job in alone.jobs):
            return 0, 0, 0  # no floor for work after `until` (the caller's promise broken)
        after = (
            min(until + 1 - due for due, _ in dues if due is not None),
            min(weight * (until + 1 - due) for due, weight in dues if due is not None),
        )
        alone = replace(alone, technicians=tuple(_cut(t, until) for t in alone.technicians))
    weight = sum(job.priority for job in alone.jobs)
    limits = (LP_LIMITS[0], min(LP_LIMITS[1], most))
    model = indexed_model(alone, weight, grids=grids, limits=limits, lean=True)
    if model is None:
        return 0, 0, 0  # too large, or nothing to place (claim nothing)
    scale = w.lateness or 1
    factor = np.ones(len(model.cost))
    for i, col in enumerate(model.cols):
        factor[i] = (w.waiter_lateness if alone.jobs[col[0]].waiter else w.lateness) / scale
    out: list[int] = []
    for weighted in (False, True):
        if weighted:
            model = replace(model, cost=model.cost * factor)
        result = dual_simplex(model)
        if result.status == 2 and until is not None:  # infeasible: no plan ends its work by `until`
            return int(after[0]), int(after[1]), model.size
        if result.status != 0 or result.fun is None or not math.isfinite(result.fun):
            return 0, 0, model.size
        optimum = float(result.fun)
        if weighted:
            out.append(weighted_floor(alone, optimum, False))
        else:  # as `time_indexed_relaxation`: whole minutes, less a margin for the tolerances
            out.append(max(0, math.ceil(optimum + model.fixed - 1e-6 * max(1.0, abs(optimum)) - 1e-3)))
    return int(min(out[0], after[0])), int(min(out[1], after[1])), model.size
