"""A lean CP-SAT model of a day's lateness alone, for the bookings a plan places (issue 15 item 2).

Per operation: a start, one technician among the qualified (the duration is theirs), one bay among
the eligible; each technician's work never overlaps itself nor their off-time (before the shift,
breaks, after the allowed overtime); each bay holds one operation at a time; a booking's
operations run in order from their releases. The cost is the objective's lateness terms only
(drop-off and waiter minutes at their weights). Without the product model's redundant
cumulatives over bay and technician groups, its costs for overtime, bays and changes, and with
CP-SAT's `linearization_level` 0, it finds small days' least-late plans where the whole model
does not (bench/RESULTS-proof15-s34.md §3c).

Only days it models exactly: no started work, no earlier plan to keep (stability), no loan cars,
no promises to keep (`exact`). Its plans keep every rule of the product's model; their other
costs are the caller's to weigh (`scheduler.optimise` keeps one only where it ranks better).

`objective_plan`: the same rules with the objective's other terms (bay preference, technician
changes, overtime) and the lateness terms held in a band from a proven floor: the whole objective
of a plan's bookings, proven where CP-SAT proves it (`scheduler.optimise.OBJECTIVE_PASS`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import NamedTuple

from ortools.sat.python import cp_model

from solver.problem import DayProblem, DaySolution, OperationData, Placement


@dataclass
class LeanResult:
    """The lean solve's plan (None where it found none), CP-SAT's status, its deterministic time,
    and its lateness cost and bound (in the weights divided by their greatest common divisor)."""

    solution: DaySolution | None
    status: str
    deterministic_time: float
    cost: float = 0.0
    bound: float = 0.0


def exact_day(problem: DayProblem) -> bool:
    """Whether the day has none of the rules the lean model leaves out: no loan cars, no promises
    kept, no started or pinned work and no earlier plan (stability)."""
    if problem.loan_cars is not None or problem.keep_promises:
        return False
    return all(op.pin is None and op.previous is None for job in problem.jobs for op in job.operations)


def exact(problem: DayProblem, plan: DaySolution) -> bool:
    """Whether the lean model holds every rule of the day for `plan`'s bookings: `exact_day`, and
    every placed operation with a bay and a technician to choose from."""
    if not exact_day(problem):
        return False
    placed = [j for j in range(len(problem.jobs)) if j not in plan.unplaced]
    return all(
        problem.jobs[j].operations
        and all(op.bays and op.technicians for op in problem.jobs[j].operations)
        and all((j, k) in plan.placements for k in range(len(problem.jobs[j].operations)))
        for j in placed
    )


def lateness_plan(
    problem: DayProblem,
    plan: DaySolution,
    deterministic_time: float,
    safety_seconds: float = 120.0,
    free: Collection[int] | None = None,
    only: Collection[tuple[int, int]] | None = None,
    starting: tuple[int, int] | None = None,
    least: int | None = None,
) -> LeanResult:
    """The least-late plan of `plan`'s bookings (the same ones placed) CP-SAT finds in
    `deterministic_time`, hinted with `plan`: one worker, so the same day and plan give the same
    plan (`safety_seconds`: a wall-clock net only). Call only where `exact` holds.

    `free`: only these bookings move; every other placed booking keeps its technician, bay and
    times (fixed intervals), its lateness a constant left out of `cost` and `bound`. `only`: these
    (booking, operation)s alone are planned (the others left out: neither placed nor held), each
    from its booking's readiness and after its booking's operations planned before it; a
    booking's lateness counted where its last operation is planned (one side of a break every
    technician takes: `solver.bounds_period`); `starting`: every operation planned starts in these
    minutes (first, last; with `only`, one side of such a break); `least`: a proven floor on the
    cost (in its units), so that a plan reaching it is proven optimal at once. Without
    presolve probing and symmetry detection, which cost seconds of CPU per model on dealer-2011's
    windows for a few hundredths of deterministic time (uncounted)."""
    w = problem.weights
    unit = math.gcd(w.lateness, w.waiter_lateness) or 1
    m, end_of_day, tech_ivs, bay_ivs, starts, techs, bays = _empty(problem)
    cost: list[cp_model.LinearExprT] = []
    placed = [j for j in range(len(problem.jobs)) if j not in plan.unplaced]
    for j in placed:
        job = problem.jobs[j]
        if free is not None and j not in free:
            for k in range(len(job.operations)):
                at = plan.placements[(j, k)]
                held = m.new_fixed_size_interval_var(at.start, at.end - at.start, f"h_{j}_{k}")
                tech_ivs[at.technician].append(held)
                bay_ivs[at.bay].append(held)
            continue
        previous: cp_model.LinearExprT | None = None
        for k, op in enumerate(job.operations):
            ready = job.ready(k)
            if only is not None and (j, k) not in only:
                continue
            lo, hi = (ready, end_of_day) if starting is None else (max(ready, starting[0]), starting[1])
            if lo > hi:
                m.add_bool_or([])  # nowhere to start: no plan
                hi = lo
            start, size, end = _operation(m, tech_ivs, techs, (j, k), op, (lo, hi), (ready, end_of_day))
            m.add_exactly_one(techs[(j, k)].values())
            bays[(j, k)] = {}
            for b in op.bays:
                x = m.new_bool_var(f"x_{j}_{k}_{b}")
                bay_ivs[b].append(m.new_optional_interval_var(start, size, end, x, f"ib_{j}_{k}_{b}"))
                bays[(j, k)][b] = x
            m.add_exactly_one(bays[(j, k)].values())
            if previous is not None:
                m.add(start >= previous)
            previous = end
            starts[(j, k)] = start
        last = (j, len(job.operations) - 1)
        if job.due is not None and previous is not None and (only is None or last in only):
            late = m.new_int_var(0, end_of_day, f"late_{j}")
            m.add(late >= previous - job.due)
            cost.append((w.waiter_lateness if job.waiter else w.lateness) // unit * late)
    _resources(m, problem, tech_ivs, bay_ivs, end_of_day)
    if least is not None and least > 0:
        m.add(sum(cost) >= least)
    m.minimize(sum(cost))
    # The plan as hint, in the bookings' order (the same model and hint every time).
    for key, start in starts.items():
        at = plan.placements[key]
        if starting is not None and not starting[0] <= at.start <= starting[1]:
            continue  # the plan's start is not on this side: no hint
        _hint(m, start, techs[key], bays[key], at)
    solver = _solver(deterministic_time, safety_seconds)
    if free is not None:
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
    status = solver.solve(m)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return LeanResult(None, name, solver.deterministic_time)
    placements: dict[tuple[int, int], Placement] = (
        {} if free is None else {key: at for key, at in plan.placements.items() if key[0] not in free}
    )
    for (j, k), start in starts.items():
        t = next(t for t, y in techs[(j, k)].items() if solver.boolean_value(y))
        b = next(b for b, x in bays[(j, k)].items() if solver.boolean_value(x))
        s = solver.value(start)
        placements[(j, k)] = Placement(b, t, s, s + problem.jobs[j].operations[k].duration_of(t))
    found = DaySolution(placements=placements, unplaced=set(plan.unplaced), status="feasible")
    return LeanResult(
        found, name, solver.deterministic_time, solver.objective_value, solver.best_objective_bound
    )


def _hint(
    m: cp_model.CpModel,
    start: cp_model.IntVar,
    techs: dict[int, cp_model.IntVar],
    bays: dict[int, cp_model.IntVar],
    at: Placement,
) -> None:
    """An operation's start, technician and bay hinted where the plan has it (`at`)."""
    m.add_hint(start, at.start)
    for t, y in techs.items():
        m.add_hint(y, int(t == at.technician))
    for b, x in bays.items():
        m.add_hint(x, int(b == at.bay))


def _solver(deterministic_time: float, safety_seconds: float) -> cp_model.CpSolver:
    """One worker, seed 0, the deterministic time (the same model gives the same plan; the
    wall-clock `safety_seconds` a net only), linearization level 0 (bench/RESULTS-proof15-s34.md)."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = 1
    p.random_seed = 0
    p.max_deterministic_time = deterministic_time
    p.max_time_in_seconds = safety_seconds  # a net only: the deterministic time ends the search
    p.linearization_level = 0
    return solver


class _Empty(NamedTuple):
    """A lean model's start: the model, the day's last minute + 1, each technician's and bay's
    intervals, and each operation's start, technician and bay choices (to fill in)."""

    m: cp_model.CpModel
    end_of_day: int
    tech_ivs: list[list[cp_model.IntervalVar]]
    bay_ivs: list[list[cp_model.IntervalVar]]
    starts: dict[tuple[int, int], cp_model.IntVar]
    techs: dict[tuple[int, int], dict[int, cp_model.IntVar]]
    bays: dict[tuple[int, int], dict[int, cp_model.IntVar]]


def _empty(problem: DayProblem) -> _Empty:
    return _Empty(
        cp_model.CpModel(),
        max(t.day_end for t in problem.technicians) + 1,
        [[] for _ in problem.technicians],
        [[] for _ in problem.bays],
        {},
        {},
        {},
    )


def _operation(
    m: cp_model.CpModel,
    tech_ivs: list[list[cp_model.IntervalVar]],
    techs: dict[tuple[int, int], dict[int, cp_model.IntVar]],
    key: tuple[int, int],
    op: OperationData,
    starts: tuple[int, int],
    ends: tuple[int, int],
    each: Callable[[tuple[int, int], int, int, cp_model.IntVar, cp_model.IntVar, cp_model.IntVar], None]
    | None = None,
) -> tuple[cp_model.IntVar, cp_model.IntVar, cp_model.IntVar]:
    """Operation `key`'s start (in `starts`), size and end (in `ends`), its interval, and a choice
    of technician each (`techs[key]`; his interval of that technician's length): (start, size,
    end). `each(key, t, d, y, start, end)`, where given, right after technician t's choice y (its
    variables made in that order: a model is the same model only built in the same order)."""
    j, k = key
    start = m.new_int_var(*starts, f"s_{j}_{k}")
    end = m.new_int_var(*ends, f"e_{j}_{k}")
    size = m.new_int_var_from_domain(cp_model.Domain.from_values(sorted(set(op.durations))), f"d_{j}_{k}")
    m.new_interval_var(start, size, end, f"iv_{j}_{k}")
    techs[key] = {}
    for t, d in zip(op.technicians, op.durations, strict=True):
        y = m.new_bool_var(f"y_{j}_{k}_{t}")
        tech_ivs[t].append(m.new_optional_fixed_size_interval_var(start, d, y, f"it_{j}_{k}_{t}"))
        m.add(size == d).only_enforce_if(y)
        techs[key][t] = y
        if each is not None:
            each(key, t, d, y, start, end)
    return start, size, end


def _resources(
    m: cp_model.CpModel,
    problem: DayProblem,
    tech_ivs: list[list[cp_model.IntervalVar]],
    bay_ivs: list[list[cp_model.IntervalVar]],
    end_of_day: int,
) -> None:
    """Each technician's work apart from itself and from his off-time (before his shift, his
    breaks, after his allowed overtime); each bay's work apart."""
    for t, ivs in enumerate(tech_ivs):
        if not ivs:
            continue
        cursor = 0
        for a, b in problem.technicians[t].windows():
            if a > cursor:
                ivs.append(m.new_fixed_size_interval_var(cursor, a - cursor, f"off_{t}_{a}"))
            cursor = b
        if cursor < end_of_day:
            ivs.append(m.new_fixed_size_interval_var(cursor, end_of_day + 1 - cursor, f"off_{t}_end"))
        m.add_no_overlap(ivs)
    for ivs in bay_ivs:
        if len(ivs) > 1:
            m.add_no_overlap(ivs)


def objective_plan(
    problem: DayProblem,
    plan: DaySolution,
    deterministic_time: float,
    least: int,
    most: int,
    safety_seconds: float = 120.0,
    choose: tuple[Collection[int], int] | None = None,
) -> LeanResult:
    """The cheapest plan of `plan`'s bookings (the same ones placed) by the objective
    (`objective.terms`: unplaced, lateness, bay preference, technician changes, overtime; an exact
    day has no stability terms) CP-SAT finds in `deterministic_time`, hinted with `plan`, one
    worker (the same day and plan give the same plan; `safety_seconds`: a wall-clock net only).
    `choose`: (the bookings that may be placed, the least priority placed) instead: any of those
    bookings placing at least that much (each placed whole or not at all). Its lateness terms are
    held in [`least`, `most`]: `least` a proven floor on them for every plan it may make, `most` at
    least `plan`'s (the plan's cost less the least any plan leaves unplaced: a plan whose lateness
    terms pass it costs more than `plan`, the other terms never being negative), so that neither
    cuts off a plan cheaper than `plan`, and where CP-SAT proves its plan optimal it is the
    cheapest of all the plans it may make. Cost and bound in the objective's units (`LeanResult`).
    Call only where `exact` holds for `plan` and for every booking it may place.

    The model of `lateness_plan` (the same rules) with the objective's other terms as the product's
    model (`solver.model.build`) states them: a bay's cost where it is chosen; a change where an
    operation's technician does not do the next one; an operation's overtime with technician t all
    of it where it starts at or after t's shift end, else the part past it."""
    w = problem.weights
    m, end_of_day, tech_ivs, bay_ivs, starts, techs, bays = _empty(problem)
    lateness: list[cp_model.LinearExprT] = []
    others: list[cp_model.LinearExprT] = []
    may = (
        {j for j in range(len(problem.jobs)) if j not in plan.unplaced} if choose is None else set(choose[0])
    )
    present: dict[int, cp_model.IntVar] = {}

    def overtime(
        key: tuple[int, int], t: int, d: int, y: cp_model.IntVar, start: cp_model.IntVar, end: cp_model.IntVar
    ) -> None:
        """Operation `key`'s overtime with technician t (chosen: y), as the product's model has it."""
        shift_end = problem.technicians[t].shift_end
        if w.overtime and problem.technicians[t].day_end > shift_end:
            j, k = key
            late = m.new_int_var(0, d, f"ot_{j}_{k}_{t}")
            after = m.new_bool_var(f"z_{j}_{k}_{t}")
            m.add(start >= shift_end).only_enforce_if(after)
            m.add(start < shift_end).only_enforce_if(~after)
            m.add(late >= d).only_enforce_if([after, y])
            m.add(late >= end - shift_end).only_enforce_if([~after, y])
            others.append(w.overtime * late)

    for j in range(len(problem.jobs)):
        job = problem.jobs[j]
        if j not in may:
            others.append(w.unplaced * job.priority)
            continue
        if choose is not None:
            present[j] = m.new_bool_var(f"p_{j}")
            others.append(w.unplaced * job.priority * (1 - present[j]))
        placed = [present[j]] if j in present else []
        previous: cp_model.IntVar | None = None
        for k, op in enumerate(job.operations):
            ready = job.ready(k)

            window = (ready, end_of_day)
            start, size, end = _operation(m, tech_ivs, techs, (j, k), op, window, window, overtime)
            _one_if(m, list(techs[(j, k)].values()), placed)
            bays[(j, k)] = {}
            for b, cost in zip(op.bays, op.bay_costs, strict=True):
                x = m.new_bool_var(f"x_{j}_{k}_{b}")
                bay_ivs[b].append(m.new_optional_interval_var(start, size, end, x, f"ib_{j}_{k}_{b}"))
                bays[(j, k)][b] = x
                if cost:
                    others.append(cost * x)
            _one_if(m, list(bays[(j, k)].values()), placed)
            if previous is not None:
                m.add(start >= previous).only_enforce_if(placed)
                if w.technician_change:
                    change = m.new_bool_var(f"c_{j}_{k}")
                    for t, y in techs[(j, k - 1)].items():
                        same = techs[(j, k)].get(t)
                        m.add(change >= y - (same if same is not None else 0))
                    others.append(w.technician_change * change)
            previous = end
            starts[(j, k)] = start
        if job.due is not None and previous is not None:
            late = m.new_int_var(0, end_of_day, f"late_{j}")
            m.add(late >= previous - job.due).only_enforce_if(placed)
            lateness.append((w.waiter_lateness if job.waiter else w.lateness) * late)
    _resources(m, problem, tech_ivs, bay_ivs, end_of_day)
    if choose is not None:
        m.add(sum(problem.jobs[j].priority * here for j, here in present.items()) >= choose[1])
        for j, here in present.items():
            m.add_hint(here, int(j not in plan.unplaced))
    paid = cp_model.LinearExpr.sum(lateness)
    m.add(paid >= least)
    m.add(paid <= most)
    m.minimize(paid + cp_model.LinearExpr.sum(others))
    for key, start in starts.items():  # the plan as hint, in the bookings' order
        at = plan.placements.get(key) if key[0] not in plan.unplaced else None
        if at is None:
            continue  # left out of the plan: no hint but its presence
        _hint(m, start, techs[key], bays[key], at)
    solver = _solver(deterministic_time, safety_seconds)
    status = solver.solve(m)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return LeanResult(None, name, solver.deterministic_time)
    placements: dict[tuple[int, int], Placement] = {}
    left = {j for j in range(len(problem.jobs)) if j not in may}
    left |= {j for j, here in present.items() if not solver.boolean_value(here)}
    for (j, k), start in starts.items():
        if j in left:
            continue
        t = next(t for t, y in techs[(j, k)].items() if solver.boolean_value(y))
        b = next(b for b, x in bays[(j, k)].items() if solver.boolean_value(x))
        s = solver.value(start)
        placements[(j, k)] = Placement(b, t, s, s + problem.jobs[j].operations[k].duration_of(t))
    found = DaySolution(placements=placements, unplaced=left, status="feasible")
    bound = solver.objective_value if status == cp_model.OPTIMAL else solver.best_objective_bound
    return LeanResult(found, name, solver.deterministic_time, solver.objective_value, bound)


def _one_if(m: cp_model.CpModel, literals: list[cp_model.IntVar], placed: list[cp_model.IntVar]) -> None:
    """Exactly one of `literals`, or where the booking may be left out (`placed`: its presence),
    as many as its presence."""
    if placed:
        m.add(sum(literals) == placed[0])
    else:
        m.add_exactly_one(literals)
