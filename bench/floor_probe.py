"""Is the time-indexed floor's own integer optimum a real plan? (issue 15 item 2, branch floor-s8)

    .venv/bin/python -m bench.floor_probe 1:151,4:152,5:152   # lengths cut to whole slots (the floor)
    .venv/bin/python -m bench.floor_probe 1:151 --ceil                 # lengths rounded UP (not a bound)
    .venv/bin/python -m bench.floor_probe 1:151 --ceil --no-bays       # the repair ignores bays
    .venv/bin/python -m bench.floor_probe 1:151,5:152 --plan           # a real plan from it (validated)
    .venv/bin/python -m bench.floor_probe 1:151 --plan --support 3 --mip-seconds 4  # MIP near the LP

Solves `solver.bounds_time`'s model with integral starts (HiGHS MIP) for `seed:placed` pairs of
dealer-2011 1.3x, then (1) counts, minute by minute, how far the chosen operations (each from its
slot's earliest start, exact minutes) exceed their technician class's size, and the order
violations within bookings; (2) turns the solution into a plan by list scheduling (in the
relaxation's start order, each operation on the member of its class free soonest, never across a
break, with a free bay) and prints its minutes late. `--ceil` rounds every length up to whole slots
instead of down: a stricter, NOT sound, capacity (a diagnostic only; it is loaded from a patched
copy of the module's source, the product's code is untouched). One JSON line per day.

`--plan` (branch floor-s9; since the eleventh session the product's model and colouring,
`bounds_time.indexed_model(lengths_up=True, bay_classes=True)` and `solver.relaxation_plan.colour`)
solves the lengths-rounded-up model with classes of bays alike as a MIP: each chosen operation
then holds every slot its minutes touch, so per class of technicians and of bays no more run at
once than the class has, and in start order they
colour onto its members (only an order violation, a next operation starting in the slot its
predecessor ends in, moves work). The plan is checked by `scheduler.validator`; its minutes late
bound the day's optimum from above, as the floor does from below.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import sys
import time
from collections import Counter, defaultdict
from types import ModuleType
from typing import Any

import numpy as np
import scipy.optimize

import solver.bounds_time as bounds_time
from bench.planners import Instance, build_request
from scheduler.compiler import compile_request
from solver.objective import objective, terms
from solver.problem import DaySolution, Placement

_FLOOR = "count = _slot_of(edges, np.array([c[5] for c in cols], dtype=np.int64)) - first"
_CEIL = "count = _slot_of(edges, np.array([c[5] - 1 for c in cols], dtype=np.int64)) + 1 - first"


def _module(ceil: bool) -> ModuleType:
    if not ceil:
        return bounds_time
    source = inspect.getsource(bounds_time)
    assert _FLOOR in source, "bounds_time changed: update the probe"
    spec = importlib.util.spec_from_loader("bounds_time_ceil", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bounds_time_ceil"] = module
    exec(compile(source.replace(_FLOOR, _CEIL), "bounds_time_ceil", "exec"), module.__dict__)
    return module


def _fits(busy: list[tuple[int, int]], s: int, d: int) -> bool:
    return all(e <= s or b >= s + d for b, e in busy)


def _integral(module: Any, problem: Any, weight: int, seconds: float) -> tuple[Any, float, dict[str, Any]]:
    """`module.time_indexed_bound` solved with integral starts (HiGHS MIP, `seconds` at most): its
    value, CPU seconds, and what it saw: the columns, the classes' members, the ready work, the
    solution, its status and MIP gap."""
    seen: dict[str, Any] = {}
    columns, milp = module._columns, scipy.optimize.milp

    def spy_columns(*args: Any, **kwargs: Any) -> Any:
        seen["cols"], seen["members"], seen["ready"] = columns(*args, **kwargs), args[2], sorted(args[1])
        return seen["cols"]

    def integral(cost: Any, **kwargs: Any) -> Any:
        kwargs["integrality"] = np.ones_like(kwargs["integrality"])
        kwargs["options"] = {"presolve": True, "time_limit": seconds}
        result = milp(cost, **kwargs)
        seen["x"], seen["status"], seen["gap"] = result.x, result.status, getattr(result, "mip_gap", None)
        return result

    module._columns, scipy.optimize.milp = spy_columns, integral
    try:
        cpu = time.process_time()
        value = module.time_indexed_bound(problem, weight)
        cpu = time.process_time() - cpu
    finally:
        module._columns, scipy.optimize.milp = columns, milp
    return value, cpu, seen


def probe(seed: int, placed: int, ceil: bool, bays: bool) -> dict[str, Any]:
    instance = Instance(f"dealer-2011@1.3x#s{seed}", "dealer-2011", 1.3, seed)
    problem = compile_request(build_request(instance, 10.0)).problem
    weight = sum(sorted((job.priority for job in problem.jobs), reverse=True)[:placed])
    module = _module(ceil)
    value, cpu, seen = _integral(module, problem, weight, 600.0)
    cols, x, members = seen["cols"], seen["x"], seen["members"]
    use = {(c[0], c[1]): c for i, c in enumerate(cols) if x[i] > 0.5}
    load: dict[int, Counter[int]] = defaultdict(Counter)
    for _, _, c, _, first, end, *_ in use.values():
        for minute in range(first, end):
            load[c][minute] += 1
    excess = sum(max(0, n - len(members[c])) for c in load for n in load[c].values())
    order = sum(1 for (j, k), col in use.items() if (j, k + 1) in use and use[(j, k + 1)][4] < col[5])

    # List scheduling in the relaxation's start order, each operation in its own class.
    windows = [t.windows() for t in problem.technicians]
    tech_busy: list[list[tuple[int, int]]] = [[] for _ in problem.technicians]
    bay_busy: list[list[tuple[int, int]]] = [[] for _ in problem.bays]
    done: dict[int, int] = {}
    placements: dict[tuple[int, int], Placement] = {}
    stuck = 0
    for j, k in sorted(use, key=lambda o: (use[o][4], o[1])):
        if j in done and done[j] < 0:
            continue
        col, op = use[(j, k)], problem.jobs[j].operations[k]
        ready = max(col[4], done.get(j, 0))
        options = []
        for t in members[col[2]]:
            d = op.durations[op.technicians.index(t)]
            for s0, s1 in windows[t]:
                s, found = max(s0, ready), None
                while s + d <= s1 and found is None:
                    if _fits(tech_busy[t], s, d):
                        free = [b for b in op.bays if not bays or _fits(bay_busy[b], s, d)]
                        if free:
                            found = (s + d, t, free[0], s)
                    s += 1
                if found is not None:
                    options.append(found)
                    break
        if not options:
            stuck += 1  # left out: its earlier operations are taken back
            for kk in range(k):
                p = placements.pop((j, kk))
                tech_busy[p.technician].remove((p.start, p.end))
                bay_busy[p.bay].remove((p.start, p.end))
            done[j] = -1
            continue
        end, t, b, s = min(options)
        tech_busy[t].append((s, end))
        bay_busy[b].append((s, end))
        placements[(j, k)] = Placement(b, t, s, end)
        done[j] = end
    kept = {j for j, end in done.items() if end >= 0}
    plan = terms(problem, DaySolution(placements, set(range(len(problem.jobs))) - kept))
    return {
        "seed": seed, "placed": placed, "ceil": ceil, "bays": bays, "relaxation_mip": value,
        "cpu_s": round(cpu, 1), "excess_unit_minutes": excess, "order_violations": order,
        "repaired_placed": len(kept), "repaired_late": plan.lateness + plan.waiter_lateness,
    }  # fmt: skip


def plan(
    seed: int,
    placed: int,
    grid: int,
    out: str | None,
    seconds: float = 1800.0,
    scenario: str = "dealer-2011",
    support: int | None = None,
) -> dict[str, Any]:
    """A plan from the rounded-up relaxation's integer optimum (see the module's docstring): the
    product's model and colouring (`solver.relaxation_plan`), here with scipy's HiGHS and a
    wall-clock limit, over every column or (`support`) those near the LP's support only."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    from scheduler.planning import to_plan
    from scheduler.validator import validate_plan
    from solver.relaxation_plan import colour, near_support

    request = build_request(Instance(f"{scenario}@1.3x#s{seed}", scenario, 1.3, seed), 10.0)
    compiled = compile_request(request)
    problem = compiled.problem
    weight = sum(sorted((job.priority for job in problem.jobs), reverse=True)[:placed])
    cpu = time.process_time()
    model = bounds_time.indexed_model(
        problem, weight, lengths_up=True, bay_classes=True, grids=(grid,), limits=(10**7, 10**8)
    )
    if model is None:
        return {"seed": seed, "grid": grid, "model": None}
    n = len(model.cost)
    constraints = LinearConstraint(model.matrix, model.low, model.high)
    upper = np.array(model.upper, dtype=float)
    restricted: dict[str, Any] = {}
    if support is not None:
        lp = milp(model.cost, constraints=constraints, integrality=np.zeros(n),
                  bounds=Bounds(model.lower, upper), options={"presolve": True})  # fmt: skip
        restricted["lp_cpu_s"] = round(time.process_time() - cpu, 2)
        keep = near_support(model, lp.x, support)
        upper[: len(model.cols)][~keep] = 0.0
        restricted["kept_columns"] = int(keep.sum())
    mip_cpu = time.process_time()
    box, limits = Bounds(model.lower, upper), {"presolve": True, "time_limit": seconds}
    result = milp(model.cost, constraints=constraints, integrality=np.ones(n), bounds=box, options=limits)
    restricted["mip_only_cpu_s"] = round(time.process_time() - mip_cpu, 2)
    cpu = time.process_time() - cpu
    if result.x is None:
        return {"seed": seed, "grid": grid, "support": support, "mip_cpu_s": round(cpu, 1),
                "mip_status": result.status, **restricted}  # fmt: skip
    solution = colour(problem, model, result.x)
    if solution is None:
        return {"seed": seed, "grid": grid, "support": support, "coloured": False, **restricted}
    starts = {(c[0], c[1]): c[4] for i, c in enumerate(model.cols) if result.x[i] > 0.5}
    moved = sum(1 for key, p in solution.placements.items() if starts.get(key) != p.start)
    solution.objective = float(objective(problem, solution))
    plan_made = to_plan(compiled, solution, "relaxation")
    violations = validate_plan(request, plan_made)
    if out is not None:
        with open(out, "w") as f:
            f.write(plan_made.model_dump_json(indent=1))
    minutes = terms(problem, solution)
    return {
        "scenario": scenario, "seed": seed, "grid": grid,
        "placed": len(problem.jobs) - len(solution.unplaced),
        "relaxation_mip": result.fun, "mip_cpu_s": round(cpu, 1), "mip_status": result.status,
        "mip_gap": getattr(result, "mip_gap", None), "moved": moved,
        "late": minutes.lateness + minutes.waiter_lateness, "overtime": minutes.overtime,
        "objective": solution.objective, "violations": len(violations),
        "plan_late": plan_made.kpis.total_lateness_minutes, "support": support, **restricted,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("days", help="seed:placed pairs 1:151,4:152,...")
    parser.add_argument("--ceil", action="store_true")
    parser.add_argument("--no-bays", action="store_true")
    parser.add_argument("--plan", action="store_true", help="a validated plan from the relaxation (MIP)")
    parser.add_argument("--grid", type=int, default=10, help="--plan: minutes per start slot")
    parser.add_argument("--out", default=None, help="--plan: write the plans' JSON to OUT-s<seed>.json")
    parser.add_argument("--scenario", default="dealer-2011", help="--plan: the scenario at 1.3x")
    parser.add_argument("--mip-seconds", type=float, default=1800.0, help="--plan: HiGHS's wall-clock limit")
    parser.add_argument(
        "--support", type=int, default=None, help="--plan: the MIP over the LP support +- this many slots"
    )
    args = parser.parse_args()
    for day in args.days.split(","):
        seed, placed = (int(x) for x in day.split(":"))
        if args.plan:
            out = f"{args.out}-{args.scenario}-s{seed}.json" if args.out else None
            day_plan = plan(seed, placed, args.grid, out, args.mip_seconds, args.scenario, args.support)
            print(json.dumps(day_plan), flush=True)
        else:
            print(json.dumps(probe(seed, placed, args.ceil, not args.no_bays)), flush=True)


if __name__ == "__main__":
    main()
