"""The CP-SAT day-plan model: a flexible job shop with two resources per operation.

One master interval per operation; one optional interval per eligible bay and one per
qualified technician, all sharing its start; bay literals and technician literals each sum
to the booking's `placed` literal. The size comes from the chosen technician's efficiency.
Breaks, shift edges and overtime limits are fixed intervals in each technician's NoOverlap.
Redundant cumulatives per qualification group (technicians) and per eligible bay set prove
overloads quickly. Every booking may stay unplaced at a priority-weighted penalty, so the
model is always feasible.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from solver.objective import objective
from solver.problem import DayProblem, DaySolution, JobData, Placement

_STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "invalid",
    cp_model.UNKNOWN: "unknown",
}


@dataclass(frozen=True)
class SolveParameters:
    time_limit_seconds: float = 10.0
    """Wall-clock limit; with `deterministic_time` set it is only a safety net for overload."""
    workers: int = 2
    seed: int = 0
    log: bool = False
    deterministic_time: float | None = None
    """Reproducible search: CP-SAT's deterministic time limit, `workers` single-worker solves
    (seeds seed, seed+1, ...) run side by side, the best kept (ties to the lowest seed)."""
    safety_seconds: float | None = None
    """The wall-clock safety net of a deterministic search (None: `safety_seconds(limit)`)."""


@dataclass
class _OpVars:
    start: cp_model.IntVar
    end: cp_model.IntVar
    size: cp_model.IntVar
    interval: cp_model.IntervalVar
    bays: dict[int, cp_model.IntVar] = field(default_factory=dict)
    techs: dict[int, cp_model.IntVar] = field(default_factory=dict)
    overtime: cp_model.IntVar | None = None
    starts_in_overtime: dict[int, cp_model.IntVar] = field(default_factory=dict)
    moved: cp_model.IntVar | None = None
    shift: cp_model.IntVar | None = None


@dataclass
class DayModel:
    """The built model and its variables, kept for hinting and reading the solution back."""

    problem: DayProblem
    model: cp_model.CpModel
    placed: list[cp_model.IntVar | int]
    ops: dict[tuple[int, int], _OpVars]
    lateness: dict[int, cp_model.IntVar]
    changes: dict[tuple[int, int], cp_model.IntVar]


def build(problem: DayProblem) -> DayModel:
    m = cp_model.CpModel()
    w = problem.weights
    longest_job = max(
        (sum(max(op.durations, default=0) for op in j.operations) for j in problem.jobs), default=0
    )
    horizon = problem.horizon + longest_job  # room for unplaced operations' free variables

    placed: list[cp_model.IntVar | int] = []
    ops: dict[tuple[int, int], _OpVars] = {}
    bay_intervals: list[list[cp_model.IntervalVar]] = [[] for _ in problem.bays]
    tech_intervals: list[list[cp_model.IntervalVar]] = [[] for _ in problem.technicians]
    lateness: dict[int, cp_model.IntVar] = {}
    changes: dict[tuple[int, int], cp_model.IntVar] = {}
    terms: list[cp_model.LinearExprT] = []
    groups_t: dict[frozenset[int], list[cp_model.IntervalVar]] = {}
    groups_b: dict[frozenset[int], list[cp_model.IntervalVar]] = {}

    for j, job in enumerate(problem.jobs):
        if job.pinned or job.kept:
            present: cp_model.IntVar | int = 1  # started work and kept promises stay in the plan
        else:
            present = m.new_bool_var(f"placed_{j}")
            terms.append(w.unplaced * job.priority * (1 - present))
        placed.append(present)
        previous_end: cp_model.LinearExprT = job.release
        for k, op in enumerate(job.operations):
            if op.pin is not None:
                pin = op.pin
                fixed = m.new_fixed_size_interval_var(pin.start, pin.end - pin.start, f"pin_{j}_{k}")
                bay_intervals[pin.bay].append(fixed)
                tech_intervals[pin.technician].append(fixed)
                start = m.new_constant(pin.start)
                end = m.new_constant(pin.end)
                size = m.new_constant(pin.end - pin.start)
                ops[(j, k)] = _OpVars(start, end, size, fixed)
                previous_end = end
                # Started work's bay cost and overtime are facts: constants, so that the model's
                # objective is `objective.terms`' (its bound comparable with a plan's objective).
                cost = op.bay_costs[op.bays.index(pin.bay)] if pin.bay in op.bays else 0
                over = max(0, pin.end - max(pin.start, problem.technicians[pin.technician].shift_end))
                if cost or over:
                    terms.append(cost + w.overtime * over)
                continue
            start = m.new_int_var(min(job.ready(k), horizon), horizon, f"s_{j}_{k}")
            size = m.new_int_var_from_domain(
                cp_model.Domain.from_values(sorted(set(op.durations)) or [1]), f"d_{j}_{k}"
            )
            end = m.new_int_var(min(job.ready(k), horizon), horizon, f"e_{j}_{k}")
            literal = present if isinstance(present, cp_model.IntVar) else m.new_constant(1)
            interval = m.new_optional_interval_var(start, size, end, literal, f"op_{j}_{k}")
            v = _OpVars(start, end, size, interval)
            m.add(start >= previous_end)
            previous_end = end

            for b, cost in zip(op.bays, op.bay_costs, strict=True):
                x = m.new_bool_var(f"x_{j}_{k}_b{b}")
                v.bays[b] = x
                bay_intervals[b].append(m.new_optional_interval_var(start, size, end, x, f"ib_{j}_{k}_{b}"))
                if cost:
                    terms.append(cost * x)
            m.add(sum(v.bays.values()) == present)

            overtime_techs = []
            for t, d in zip(op.technicians, op.durations, strict=True):
                y = m.new_bool_var(f"y_{j}_{k}_t{t}")
                v.techs[t] = y
                tech_intervals[t].append(
                    m.new_optional_fixed_size_interval_var(start, d, y, f"it_{j}_{k}_{t}")
                )
                m.add(size == d).only_enforce_if(y)
                tech = problem.technicians[t]
                if tech.max_overtime > 0:
                    overtime_techs.append((t, d, y, tech.shift_end))
            m.add(sum(v.techs.values()) == present)

            if op.previous is not None:
                # Re-planning: moving work the foreman already announced has a price.
                before = op.previous
                moved = m.new_bool_var(f"moved_{j}_{k}")
                for same in (v.bays.get(before.bay), v.techs.get(before.technician)):
                    m.add(moved >= present - (same if same is not None else 0))
                shift = m.new_int_var(0, horizon, f"shift_{j}_{k}")
                enforce = [present] if isinstance(present, cp_model.IntVar) else []
                m.add(shift >= start - before.start).only_enforce_if(enforce)
                m.add(shift >= before.start - start).only_enforce_if(enforce)
                v.moved, v.shift = moved, shift
                terms.append(w.stability_reassign * moved + w.stability_minutes * shift)

            if overtime_techs:
                ot = m.new_int_var(0, max(d for _, d, _, _ in overtime_techs), f"ot_{j}_{k}")
                v.overtime = ot
                for t, d, y, shift_end in overtime_techs:
                    # Overtime of one piece of work: all of it if it starts after the shift end,
                    # otherwise the part past the shift end.
                    z = m.new_bool_var(f"z_{j}_{k}_t{t}")
                    v.starts_in_overtime[t] = z
                    m.add(start >= shift_end).only_enforce_if(z)
                    m.add(start < shift_end).only_enforce_if(~z)
                    m.add(ot >= d).only_enforce_if([z, y])
                    m.add(ot >= end - shift_end).only_enforce_if([~z, y])
                terms.append(w.overtime * ot)
            ops[(j, k)] = v
            groups_t.setdefault(frozenset(op.technicians), []).append(interval)
            groups_b.setdefault(frozenset(op.bays), []).append(interval)

        for k in range(1, len(job.operations)):
            prev_op, this_op = ops[(j, k - 1)], ops[(j, k)]
            earlier = job.operations[k - 1].pin
            if earlier is not None:
                # After started work (its technician a fact) the next one changes technician where
                # another takes it (`objective.terms` counts it; left out, the plan could hand the
                # next job to anyone at no cost and CP-SAT's "optimal" was not the objective's).
                here = job.operations[k].pin
                if here is not None:
                    if here.technician != earlier.technician:
                        terms.append(w.technician_change)
                elif this_op.techs:
                    stays = this_op.techs.get(earlier.technician)
                    terms.append(w.technician_change * (present - stays if stays is not None else present))
                continue
            if not prev_op.techs or not this_op.techs:
                continue  # a pinned operation: its technician is a fact, not a choice
            change = m.new_bool_var(f"chg_{j}_{k}")
            for t, ya in prev_op.techs.items():
                yb = this_op.techs.get(t)
                m.add(change >= ya - (yb if yb is not None else 0))
            changes[(j, k)] = change
            terms.append(w.technician_change * change)

        if job.due is not None:
            last = ops[(j, len(job.operations) - 1)].end
            late = m.new_int_var(0, horizon, f"late_{j}")
            # A booking left out is late by nothing. Its last end is then held only by its domain
            # (an optional interval ties start, size and end only when present): from its release.
            # Where that alone passes the due time, the lateness is charged only when placed (else
            # the model's optimum and bound were above the objective's: proof15-s41); elsewhere
            # the constraint is left as it was, the same model as before on every other day.
            final = len(job.operations) - 1
            if isinstance(present, cp_model.IntVar) and min(job.ready(final), horizon) > job.due:
                m.add(late >= last - job.due).only_enforce_if(present)
            else:
                m.add(late >= last - job.due)
            if problem.keep_promises:
                m.add(late == 0).only_enforce_if(present if isinstance(present, cp_model.IntVar) else [])
            lateness[j] = late
            terms.append((w.waiter_lateness if job.waiter else w.lateness) * late)

    # Technicians: off-shift time, breaks and overtime limits are fixed intervals. Pinned
    # work is a fact even where it runs into a break, so it is carved out of the fillers.
    pinned_by_tech: list[list[tuple[int, int]]] = [[] for _ in problem.technicians]
    for job in problem.jobs:
        for op in job.operations:
            if op.pin is not None:
                pinned_by_tech[op.pin.technician].append((op.pin.start, op.pin.end))
    off_time: list[list[cp_model.IntervalVar]] = []
    for t, tech in enumerate(problem.technicians):
        fillers = []
        cursor = 0
        for s, e in [*_union(tech.windows() + pinned_by_tech[t]), (horizon, horizon)]:
            if s > cursor:
                fillers.append(m.new_fixed_size_interval_var(cursor, s - cursor, f"off_{t}_{cursor}"))
            cursor = e
        off_time.append(fillers)
        m.add_no_overlap(tech_intervals[t] + fillers)
    for b in range(len(problem.bays)):
        if len(bay_intervals[b]) > 1:
            m.add_no_overlap(bay_intervals[b])

    # Redundant cumulatives: operations that only technicians of group T can do never run
    # on more of them at once than are on shift; likewise for sets of bays.
    for group in groups_t:
        if len(group) < 2:
            continue
        members = [iv for g, ivs in groups_t.items() if g <= group for iv in ivs]
        fillers = [f for t in group for f in off_time[t]]
        pinned_work = [
            ops[(j, k)].interval
            for j, job in enumerate(problem.jobs)
            for k, op in enumerate(job.operations)
            if op.pin is not None and op.pin.technician in group
        ]
        all_ivs = members + fillers + pinned_work
        m.add_cumulative(all_ivs, [1] * len(all_ivs), len(group))
    for bay_group in groups_b:
        if len(bay_group) < 2:
            continue
        members = [iv for g, ivs in groups_b.items() if g <= bay_group for iv in ivs]
        pinned_work = [
            ops[(j, k)].interval
            for j, job in enumerate(problem.jobs)
            for k, op in enumerate(job.operations)
            if op.pin is not None and op.pin.bay in bay_group
        ]
        m.add_cumulative(members + pinned_work, [1] * (len(members) + len(pinned_work)), len(bay_group))

    if problem.loan_cars is not None:
        _loan_cars(m, problem, placed, ops, horizon)

    m.minimize(sum(terms))
    return DayModel(problem, m, placed, ops, lateness, changes)


def _loan_cars(
    m: cp_model.CpModel,
    problem: DayProblem,
    placed: list[cp_model.IntVar | int],
    ops: dict[tuple[int, int], _OpVars],
    horizon: int,
) -> None:
    """The loan cars as a cumulative of capacity `cars`: each lent car out from its drop-off until
    its promised pickup (half open: a car back at a minute is free at that minute). The fixed spans
    are the cars already lent; a job in `lent` holds one from its drop-off until the promise its
    last operation's end earns it (`LoanPromise`), when placed."""
    fleet = problem.loan_cars
    assert fleet is not None
    intervals: list[cp_model.IntervalVar] = [
        m.new_fixed_size_interval_var(s, e - s, f"loan_out_{n}")
        for n, (s, e) in enumerate(fleet.out)
        if e > s
    ]
    for j, rule in fleet.lent:
        job = problem.jobs[j]
        if not job.operations:
            continue
        end = ops[(j, len(job.operations) - 1)].end
        present = placed[j]
        top = max(horizon + rule.buffer + rule.step, rule.floor, rule.overnight or 0, rule.drop_off) + 1
        steps = m.new_int_var(0, top // rule.step + 1, f"loan_steps_{j}")
        m.add(rule.step * steps >= end + rule.buffer)
        m.add(rule.step * steps <= end + rule.buffer + rule.step - 1)
        at = m.new_int_var(0, top, f"loan_at_{j}")
        m.add_max_equality(at, [rule.step * steps, rule.floor])
        promised = m.new_int_var(rule.drop_off, top, f"loan_promised_{j}")
        enforce = [present] if isinstance(present, cp_model.IntVar) else []
        if rule.last is None:
            if rule.overnight is None:
                m.add_bool_or([]).only_enforce_if(enforce)  # no promise possible: not placed
            else:
                m.add(promised == rule.overnight)
        else:
            over = m.new_bool_var(f"loan_over_{j}")
            m.add(at > rule.last).only_enforce_if(over)
            m.add(at <= rule.last).only_enforce_if(~over)
            m.add(promised == at).only_enforce_if(~over)
            if rule.overnight is None:
                m.add(over == 0).only_enforce_if(enforce)
            else:
                m.add(promised == rule.overnight).only_enforce_if(over)
        size = m.new_int_var(0, top - rule.drop_off, f"loan_size_{j}")
        if isinstance(present, cp_model.IntVar):
            interval = m.new_optional_interval_var(rule.drop_off, size, promised, present, f"loan_{j}")
        else:
            interval = m.new_interval_var(rule.drop_off, size, promised, f"loan_{j}")
        intervals.append(interval)
    if intervals:
        m.add_cumulative(intervals, [1] * len(intervals), fleet.cars)


def add_hint(dm: DayModel, solution: DaySolution) -> None:
    """A complete hint: every decision variable gets the baseline plan's value."""
    problem, m = dm.problem, dm.model
    for j, job in enumerate(problem.jobs):
        is_placed = j not in solution.unplaced
        present = dm.placed[j]
        if isinstance(present, cp_model.IntVar):
            m.add_hint(present, is_placed)
        ready = job.release
        for k, op in enumerate(job.operations):
            v = dm.ops[(j, k)]
            if op.pin is not None:
                ready = op.pin.end
                continue
            ready = max(ready, op.release)
            p = solution.placements.get((j, k)) if is_placed else None
            if p is not None and (p.technician not in op.technicians or p.bay not in v.bays):
                p = None  # a stale placement (the workshop changed): no hint for this operation
            size = op.duration_of(p.technician) if p else min(op.durations or [1])
            start = p.start if p else ready
            m.add_hint(v.start, start)
            m.add_hint(v.size, size)
            m.add_hint(v.end, start + size)
            for b, x in v.bays.items():
                m.add_hint(x, bool(p and p.bay == b))
            for t, y in v.techs.items():
                m.add_hint(y, bool(p and p.technician == t))
            shift_end = problem.technicians[p.technician].shift_end if p else 0
            for t, z in v.starts_in_overtime.items():
                m.add_hint(z, start >= problem.technicians[t].shift_end)
            if v.moved is not None and v.shift is not None and op.previous is not None:
                before = op.previous
                m.add_hint(v.moved, bool(p and (p.bay != before.bay or p.technician != before.technician)))
                m.add_hint(v.shift, abs(start - before.start))
            if v.overtime is not None:
                m.add_hint(v.overtime, max(0, start + size - max(start, shift_end)) if p else 0)
            ready = start + size
        if j in dm.lateness and job.due is not None:
            final = solution.placements.get((j, len(job.operations) - 1)) if is_placed else None
            m.add_hint(dm.lateness[j], max(0, final.end - job.due) if final else max(0, ready - job.due))
    for (j, k), change in dm.changes.items():
        first = solution.placements.get((j, k - 1))
        second = solution.placements.get((j, k))
        switched = first is not None and second is not None and first.technician != second.technician
        m.add_hint(change, j not in solution.unplaced and switched)


def read_solution(dm: DayModel, solver: cp_model.CpSolver) -> DaySolution:
    problem = dm.problem
    placements: dict[tuple[int, int], Placement] = {}
    unplaced: set[int] = set()
    for j, job in enumerate(problem.jobs):
        present = dm.placed[j]
        if isinstance(present, cp_model.IntVar) and not solver.boolean_value(present):
            unplaced.add(j)
            continue
        for k, op in enumerate(job.operations):
            if op.pin is not None:
                placements[(j, k)] = Placement(op.pin.bay, op.pin.technician, op.pin.start, op.pin.end)
                continue
            v = dm.ops[(j, k)]
            bay = next(b for b, x in v.bays.items() if solver.boolean_value(x))
            tech = next(t for t, y in v.techs.items() if solver.boolean_value(y))
            start = solver.value(v.start)
            placements[(j, k)] = Placement(bay, tech, start, start + op.duration_of(tech))
    return DaySolution(placements=placements, unplaced=unplaced)


def _union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


class _FirstSolution(cp_model.CpSolverSolutionCallback):
    """Records when the first solution arrives; does nothing else, callbacks slow the search."""

    def __init__(self, began: float) -> None:
        super().__init__()
        self.began = began
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.began


def safety_seconds(limit: float) -> float:
    """The wall-clock safety net of a deterministic search with time limit `limit` on an idle
    machine: twice the request + 10 s (the caller stretches it by the machine's load). A machine
    at load 18 on 2 cores hit 1.5x + 1 s and cut a 2 s search short, and the same request gave
    another plan; past the net, the plan found so far is returned."""
    return 2 * limit + 10


def _solver(params: SolveParameters, began: float, worker: int = 0) -> cp_model.CpSolver:
    """A solver with what is left of the time limit after building the model.

    Deterministic mode: one search worker, the deterministic time limit and seed + `worker`;
    the wall-clock limit stays as a generous safety net only (`safety_seconds`), so the same
    request gives the same plan.
    """
    solver = cp_model.CpSolver()
    p = solver.parameters
    if params.deterministic_time is not None:
        p.max_deterministic_time = max(1e-3, params.deterministic_time)
        p.max_time_in_seconds = params.safety_seconds or safety_seconds(params.time_limit_seconds)
        p.num_workers = 1
        p.random_seed = params.seed + worker
    else:
        p.max_time_in_seconds = max(0.05, params.time_limit_seconds - (time.perf_counter() - began))
        p.num_workers = params.workers
        p.random_seed = params.seed
    p.log_search_progress = params.log
    # Measured on dealer-2011 (117 bookings, 2 cores): with default presolve no solution came
    # back within 10 s even with a complete hint; without probing and symmetry detection the
    # hinted plan is accepted after 0.3 s.
    p.cp_model_probing_level = 0
    p.symmetry_level = 0
    return solver


def solve(problem: DayProblem, hint: DaySolution | None, params: SolveParameters) -> DaySolution | None:
    """Solve within the time limit (model building included); None if no solution came back."""
    began = time.perf_counter()
    dm = build(problem)
    if hint is not None:
        add_hint(dm, hint)
    if params.deterministic_time is not None:
        return _solve_portfolio(problem, dm, params, began)
    solver = _solver(params, began)
    callback = _FirstSolution(began)
    status = solver.solve(dm.model, callback)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    solution = read_solution(dm, solver)
    solution.status = _STATUS[status]
    solution.objective = objective(problem, solution)
    solution.best_bound = float(solver.best_objective_bound)
    solution.solve_seconds = time.perf_counter() - began
    solution.first_solution_seconds = callback.first
    solution.notes.append(f"cp-sat objective {solver.objective_value:g}, {solver.num_branches} branches")
    return solution


def _solve_portfolio(
    problem: DayProblem, dm: DayModel, params: SolveParameters, began: float
) -> DaySolution | None:
    """`workers` single-worker deterministic solves side by side (CP-SAT releases the GIL);
    the lowest objective wins, ties to the lowest seed: reproducible on any machine load."""
    solvers = [_solver(params, began, w) for w in range(max(1, params.workers))]
    with ThreadPoolExecutor(max_workers=len(solvers)) as pool:
        statuses = list(pool.map(lambda s: s.solve(dm.model), solvers))
    best: tuple[float, int] | None = None
    for w, (solver, status) in enumerate(zip(solvers, statuses, strict=True)):
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (
            best is None or solver.objective_value < best[0]
        ):
            best = (solver.objective_value, w)
    if best is None:
        return None
    solver = solvers[best[1]]
    status = statuses[best[1]]
    solution = read_solution(dm, solver)
    solution.status = _STATUS[status]
    solution.objective = objective(problem, solution)
    bounds = [s.best_objective_bound for s in solvers if math.isfinite(s.best_objective_bound)]
    solution.best_bound = float(max(bounds)) if bounds else None
    if any(st == cp_model.OPTIMAL for st in statuses):
        solution.status = "optimal"
    solution.solve_seconds = time.perf_counter() - began
    solution.deterministic_time = sum(s.deterministic_time for s in solvers)
    solution.notes.append(
        f"cp-sat objective {solver.objective_value:g}, deterministic time "
        f"{solution.deterministic_time:.3f}, seed {params.seed + best[1]} of {len(solvers)}"
    )
    return solution


class LastJobFits:
    """Feasibility checks (`fit_all`) of one day whose problems differ only in the last job's
    release (a slot search's candidate drop-off times), sharing one built model.

    The model is built once with the last job released at minute 0; each check solves a copy with
    every unpinned operation of that job held to start no earlier than the check's release. That is
    the same set of plans as the model built for the check's own problem (`build`: the release only
    bounds the job's starts). Building dealer-2011's model (110 bookings) costs ~0.16 s of CPU, more
    than a short solve (waitercost-s27). A problem that differs in anything else is built afresh."""

    def __init__(self) -> None:
        self._base: tuple[DayProblem, DayModel] | None = None

    def model_for(self, problem: DayProblem, hint: DaySolution | None) -> tuple[DayModel, cp_model.CpModel]:
        last = problem.jobs[-1]
        released = replace(last, release=0)
        if self._base is None or not _same_but_release(self._base[0], problem, released):
            base = replace(problem, jobs=(*problem.jobs[:-1], released))
            self._base = (base, _feasibility_model(base, hint))
        dm = self._base[1]
        model = dm.model.clone()
        j = len(problem.jobs) - 1
        for k, op in enumerate(last.operations):
            if op.pin is None:
                model.add(dm.ops[(j, k)].start >= last.release)
        return dm, model


def _same_but_release(base: DayProblem, problem: DayProblem, released: JobData) -> bool:
    return (
        base.jobs[-1] == released
        and len(base.jobs) == len(problem.jobs)
        and base.jobs[:-1] == problem.jobs[:-1]
        # every other field (horizon, resources, weights, promises kept, loan cars: a loan car's
        # span starts at the drop-off, so two releases give two loan-car models) the same
        and replace(base, jobs=()) == replace(problem, jobs=())
    )


def _feasibility_model(problem: DayProblem, hint: DaySolution | None) -> DayModel:
    """Every booking placed, no objective, the hint added (`fit_all`)."""
    dm = build(problem)
    for present in dm.placed:
        if isinstance(present, cp_model.IntVar):
            dm.model.add(present == 1)
    dm.model.clear_objective()  # type: ignore[no-untyped-call]
    if hint is not None:
        add_hint(dm, hint)
    return dm


def fit_all(
    problem: DayProblem,
    hint: DaySolution | None,
    params: SolveParameters,
    shared: LastJobFits | None = None,
) -> tuple[str, DaySolution | None]:
    """Feasibility: can every booking be placed (promises kept where `keep_promises`)?

    Returns ("feasible", a placement of all), ("infeasible", None) when proven impossible, or
    ("unknown", None) when the time limit ran out first. Stops at the first placement found.
    With `shared`, the model built for an earlier check of the same day (only the last job's
    release differing, with the same hint) is reused (`LastJobFits`).
    """
    began = time.perf_counter()
    if shared is not None:
        dm, model = shared.model_for(problem, hint)
    else:
        dm = _feasibility_model(problem, hint)
        model = dm.model
    solver = _solver(params, began)
    solver.parameters.stop_after_first_solution = True
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        solution = read_solution(dm, solver)
        solution.status = "feasible"
        solution.solve_seconds = time.perf_counter() - began
        return "feasible", solution
    return ("infeasible" if status == cp_model.INFEASIBLE else "unknown"), None
