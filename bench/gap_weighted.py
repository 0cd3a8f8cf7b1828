"""The lateness gap on the objective's own measure (issue 15 item 2): plain minutes or weighted.

    PYTHONPATH=. nice -n 10 .venv/bin/python -m bench.gap_weighted dealer-2011 1.3 1,2,3,4,5
    PYTHONPATH=. nice -n 10 .venv/bin/python -m bench.gap_weighted small-dealer 1.3 1,2,3

The product's lateness gap (`Plan.lateness_gap`) counts plain minutes, a drop-off's minute as a
waiter's. The objective the search minimises weighs them (`ObjectiveWeights`: 10 and 30 by
default), so a plan may trade plain minutes for fewer waiter minutes. This prints, per day, the
product's plan at the limit (the wall-clock safety net off: counted effort only, so a load spike
cannot cut the search) with both measures:

- plain: d + w minutes late, the product's floor and gap;
- weighted: the objective's lateness terms, L = lateness * d + waiter_lateness * w, against a
  proven floor for the same measure and placements (`weighted_floor`), and its gap.

With `--known`, also the stored least-late plans of dealer-2011 1.3x (`bench.gap_side.BEST_KNOWN`,
the relaxation's plans of `RESULTS-floor-s9-plan-dealer-2011-s*.json`) on today's days: checked by
the independent validator and measured the same way.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

from bench.planners import Instance, build_request
from solver.problem import DayProblem, DaySolution


def weighted_floor(problem: DayProblem, weight: int) -> tuple[int, dict[str, int]]:
    """A proven floor on L = lateness * d + waiter_lateness * w for every plan placing at least
    `weight` priority, and its parts: the largest of

    - `lp`: the time-indexed relaxation (`solver.bounds_time`) with the objective's weights as
      costs (the relaxation the warm start's alpha-point orders come from): its linear optimum
      bounds every such plan's weighted minutes, as the unweighted one bounds the plain;
    - `split`: min(weights) * the plain floor + (waiter weight - drop-off weight) * the waiters'
      own floor (`lateness_floor`, both), since L = min * (d + w) + extra * w where waiters weigh
      more (the product's objective bound uses the same sum).
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    from solver.bounds import lateness_floor
    from solver.bounds_time import indexed_model

    w = problem.weights
    plain = lateness_floor(problem, weight)
    waiters = lateness_floor(problem, weight, waiters_only=True)
    split = min(w.lateness, w.waiter_lateness) * plain
    if w.waiter_lateness > w.lateness:
        split += (w.waiter_lateness - w.lateness) * waiters
    else:
        split = max(split, w.waiter_lateness * waiters)
    lp = 0
    model = indexed_model(problem, weight, weighted=True)
    if model is not None:
        result = milp(
            model.cost,
            constraints=LinearConstraint(model.matrix, model.low, model.high),
            integrality=np.zeros(len(model.cost)),
            bounds=Bounds(model.lower, model.upper),
            options={"time_limit": 120.0, "presolve": True},
        )
        if result.status == 0 and result.fun is not None and math.isfinite(result.fun):
            # Costs are in drop-off minutes (`indexed_model` divides by the drop-off weight); whole
            # minutes, with a margin for the solver's tolerances as the plain floor takes.
            scale = w.lateness or 1
            fun = float(result.fun) + model.fixed
            lp = scale * max(0, math.ceil(fun - 1e-6 * max(1.0, abs(fun)) - 1e-3))
    return max(lp, split), {"plain": plain, "waiters": waiters, "split": split, "lp": lp}


def measure(problem: DayProblem, solution: DaySolution) -> dict[str, Any]:
    """Plain and weighted minutes late of a plan, the floors for its placements and both gaps."""
    from solver.objective import terms

    t = terms(problem, solution)
    w = problem.weights
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in solution.unplaced)
    plain = t.lateness + t.waiter_lateness
    weighted = w.lateness * t.lateness + w.waiter_lateness * t.waiter_lateness
    floor, parts = weighted_floor(problem, weight)
    return {
        "placed": len(problem.jobs) - len(solution.unplaced), "d": t.lateness, "w": t.waiter_lateness,
        "plain": plain, "plain_floor": parts["plain"],
        "plain_gap": round((plain - parts["plain"]) / plain, 3) if plain else 0.0,
        "weighted": weighted, "weighted_floor": floor, "floor_parts": parts,
        "weighted_gap": round((weighted - floor) / weighted, 3) if weighted else 0.0,
        "objective": solution.objective,
    }  # fmt: skip


def product(instance: Instance, limit: float) -> dict[str, Any]:
    """The product's plan (net off), validated, measured."""
    import scheduler.optimise as optimise
    from scheduler.compiler import compile_request
    from scheduler.i18n import Translator
    from scheduler.kpis import plan_quality_words
    from scheduler.planning import to_plan
    from scheduler.validator import validate_plan

    optimise.wall_safety = lambda limit: 1e5  # counted effort only (this process only)
    bounds_cpu = [0.0]
    add_bounds = optimise.add_bounds

    def timed(*args: Any, **kwargs: Any) -> None:  # the plan's bounds after the search: their CPU
        began = time.process_time()
        add_bounds(*args, **kwargs)
        bounds_cpu[0] += time.process_time() - began

    optimise.add_bounds = timed  # type: ignore[assignment]
    period_cpu = [0.0]
    period_pass = optimise.period_pass

    def period_timed(*args: Any, **kwargs: Any) -> Any:  # the period floor and halves: their CPU
        began = time.process_time()
        out = period_pass(*args, **kwargs)
        period_cpu[0] += time.process_time() - began
        return out

    optimise.period_pass = period_timed  # type: ignore[assignment]
    import solver.bounds_time as bounds_time

    relax = bounds_time.time_indexed_relaxation
    floors: list[dict[str, Any]] = []

    def sized(*args: Any, **kwargs: Any) -> Any:  # each time-indexed LP: its size and CPU
        began = time.process_time()
        out = relax(*args, **kwargs)
        floors.append({"size": out.size, "cpu_s": round(time.process_time() - began, 2),
                       "bound": out.weighted_bound if out.weighted else out.bound,
                       "weighted": out.weighted, "waiters_only": out.waiters_only})  # fmt: skip
        return out

    bounds_time.time_indexed_relaxation = sized  # type: ignore[assignment]
    optimise.time_indexed_relaxation = sized  # type: ignore[attr-defined]
    request = build_request(instance, limit)
    compiled = compile_request(request)
    cpu = time.process_time()
    wall = time.perf_counter()
    solution = optimise.optimise(compiled)
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    ours = len(floors)  # the product's (the start's and the plan's); `measure`'s own come after
    plan = to_plan(compiled, solution, "cpsat")
    row = measure(compiled.problem, solution)
    # The product's own weighted figures (`Plan.weighted_*`), in drop-off minutes, beside this
    # script's (`weighted` is in the objective's units: divide by the drop-off weight).
    unit = compiled.problem.weights.lateness or 1
    row.update(
        product_gap=plan.lateness_gap,
        product_weighted=plan.weighted_minutes_late,
        product_weighted_floor=plan.weighted_lateness_floor,
        product_weighted_gap=plan.weighted_lateness_gap,
        product_objective_gap=plan.gap,
        bounds_cpu_s=round(bounds_cpu[0], 2),
        period_cpu_s=round(period_cpu[0], 2),
        notes=[note for note in solution.notes if note.startswith(("period", "the halves"))],
        indexed_lps=floors[:ours],
        bench_lps=floors[ours:],
        words=plan_quality_words(plan),
        words_zh=plan_quality_words(plan, Translator("zh_CN")),
        bench_weighted=row["weighted"] / unit,
        bench_weighted_floor=row["weighted_floor"] / unit,
        valid=not validate_plan(request, plan),
        cpu_s=round(cpu, 1),
        wall_s=round(wall, 1),
    )
    return row


def known(seed: int) -> dict[str, Any]:
    """The stored least-late plan of dealer-2011 1.3x `seed` on today's day, validated, measured."""
    from scheduler.compiler import compile_request
    from scheduler.contract import Plan
    from scheduler.validator import validate_plan
    from solver.objective import objective

    stored = Path(__file__).parent / f"RESULTS-floor-s9-plan-dealer-2011-s{seed}.json"
    plan = Plan.model_validate_json(stored.read_text(encoding="utf-8"))
    request = build_request(Instance(f"dealer-2011@1.3x#s{seed}", "dealer-2011", 1.3, seed), 10.0)
    compiled = compile_request(request)
    index = {b.id: j for j, b in enumerate(request.bookings)}
    placements = {(index[a.booking], a.operation): compiled.frame.placement(a) for a in plan.assignments}
    placed = {j for j, _ in placements}
    solution = DaySolution(
        placements=placements, unplaced=set(range(len(request.bookings))) - placed, status="feasible"
    )
    solution.objective = objective(compiled.problem, solution)
    row = measure(compiled.problem, solution)
    row["valid"] = not validate_plan(request, plan)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("scale", type=float)
    parser.add_argument("seeds", help="comma-separated days (seeds)")
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument("--known", action="store_true", help="the stored least-late plans instead")
    parser.add_argument(
        "--no-waiters-indexed", action="store_true", help="the product without `WAITERS_INDEXED` (its CPU)"
    )
    parser.add_argument("--no-period", action="store_true", help="the product without `PERIOD_FLOOR`")
    args = parser.parse_args()
    if args.no_period:
        import scheduler.optimise as optimise

        optimise.PERIOD_FLOOR = False
    if args.no_waiters_indexed:
        import scheduler.optimise as optimise

        optimise.WAITERS_INDEXED = False
    for seed in (int(s) for s in args.seeds.split(",")):
        name = f"{args.scenario}@{args.scale}x#s{seed}"
        if args.known:
            row = {"day": name, "plan": "best known", **known(seed)}
        else:
            row = {"day": name, "plan": f"product {args.limit:g} s", **product(
                Instance(name, args.scenario, args.scale, seed), args.limit
            )}  # fmt: skip
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
