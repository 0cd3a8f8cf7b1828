"""Where one plan request's time goes, phase by phase (wall and process CPU seconds), on one
benchmark instance: compile, the rules family, the search (LNS and its sub-models), the repair,
the bounds, the plan (reasons), validation and serialisation.

    .venv/bin/python -m bench.request_phases large-1000 10
    .venv/bin/python -m bench.request_phases large-1000 60
    .venv/bin/python -m bench.request_phases small-dealer@1.3x#s2 10

The small days' passes (CP-SAT's whole solve, the relaxation's plan, the lean pass, the period
floor and its halves, the objective pass) are timed apart, each with its calls.

CPU time counts every thread of the process (the search's two lanes run side by side), so on a
loaded machine it is the better guide to a quiet machine's wall time than the wall time itself.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from typing import Any

import scheduler.lns as lns
import scheduler.optimise as optimise_module
from bench.planners import Instance, build_request, instances
from scheduler.compiler import compile_request
from scheduler.planning import to_plan
from scheduler.validator import validate_plan

Totals = dict[str, list[float]]


def _timed(totals: Totals, module: Any, name: str, label: str) -> None:
    inner: Callable[..., Any] = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            row = totals.setdefault(label, [0.0, 0.0, 0.0])
            row[0] += time.perf_counter() - wall
            row[1] += time.process_time() - cpu
            row[2] += 1

    setattr(module, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", help="a benchmark instance whose name starts with this")
    parser.add_argument("limit", type=float, help="the request's time limit, seconds")
    parser.add_argument(
        "--no-wall-safety", action="store_true", help="no wall-clock safety net (as bench.planners')"
    )
    args = parser.parse_args()
    optimise_module.WALL_SAFETY = not args.no_wall_safety
    chosen: Instance = next(i for i in instances(False, 5) if i.name.startswith(args.instance))
    with open("/proc/loadavg", encoding="utf-8") as f:
        load = f.read().split()[:3]
    totals: Totals = {}
    for name, label in (
        ("multi_start", "rules family + swaps"),
        ("improve", "search (LNS)"),
        ("fill_gaps", "repair"),
        ("relaxation_bound", "relaxation bound"),
        ("solve", "CP-SAT whole solve (small days)"),
        ("local_search", "local search"),
        ("small_final", "relaxation's plan (small days)"),
        ("small_pass", "lean pass (small days)"),
        ("add_bounds", "placement + lateness bounds"),
        ("period_pass", "period pass (small days)"),
        ("period_floor", "  period floor"),
        ("period_halves", "  period halves"),
        ("objective_pass", "objective pass (small days)"),
    ):
        _timed(totals, optimise_module, name, label)
    _timed(totals, lns, "build", "  LNS: building sub-models")
    _timed(totals, lns, "reinsert", "  LNS: re-insertions (per lane)")
    request = build_request(chosen, args.limit)

    def phase(label: str, work: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        out = work()
        totals[label] = [time.perf_counter() - wall, time.process_time() - cpu, 1.0]
        return out

    began_wall, began_cpu = time.perf_counter(), time.process_time()
    compiled = phase("compile", lambda: compile_request(request))
    solution = phase("optimise (all of the above)", lambda: optimise_module.optimise(compiled))
    plan = phase("plan and reasons", lambda: to_plan(compiled, solution, "cpsat"))
    errors = phase("validation", lambda: validate_plan(request, plan))
    phase("serialisation", lambda: plan.model_dump_json())
    wall, cpu = time.perf_counter() - began_wall, time.process_time() - began_cpu
    print(
        f"{chosen.name} at {args.limit:g} s: request {wall:.1f} s wall, {cpu:.1f} s CPU; "
        f"load before {' '.join(load)}"
    )
    print(f"{'phase':34} {'wall s':>8} {'CPU s':>8} {'calls':>6}")
    for label, (w, c, n) in totals.items():
        print(f"{label:34} {w:8.2f} {c:8.2f} {n:6.0f}")
    k = plan.kpis
    print(
        f"placed {k.placed}, minutes late {k.total_lateness_minutes}, objective {plan.objective:.0f}, "
        f"placement bound {plan.placement_bound}, valid {not errors}, "
        f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; notes: {solution.notes}"
    )


if __name__ == "__main__":
    main()
