"""How many CP-SAT deterministic units a CPU-second buys, and what wall time a plan would take on
a quiet machine — measured in CPU time, which the machine's load barely changes.

    .venv/bin/python -m bench.dtime_rate                        # the four models below, seeds 1-2
    .venv/bin/python -m bench.dtime_rate --only dealer-2011@1.3 --seeds 1,2,3,4,5

For each plan (10 s, the contract's 2 workers): every CP-SAT call's deterministic time and the CPU
time of its own thread (`time.thread_time`: the sub-solves run one worker each, in the calling
thread), the Python work around them (model build, read-back; it holds the GIL), the warm start
and the bounds. The quiet-machine wall is the critical path on 2 cores: the main thread's own work,
plus per LNS step max(the lanes' Python work summed — one GIL —, the longest lane), plus each
full CP-SAT portfolio solve's longest worker. Checked against the process's CPU time
(`time.process_time`, every thread) and, where the machine is quiet, against the wall.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

import scheduler.lns as lns
import scheduler.optimise as optimise_module
from bench.planners import Instance, build_request
from scheduler.compiler import compile_request

MODELS = ["dealer-2011@1.0", "dealer-2011@1.3", "small-dealer@1.0", "small-dealer@1.3"]


@dataclass
class Plan:
    instance: str
    bookings: int
    limit: float
    workers: int
    dtime_per_second: float
    wall: float
    cpu: float
    """Process CPU seconds (all threads)."""
    warm_cpu: float = 0.0
    bounds_cpu: float = 0.0
    """fill_gaps, add_bounds (placement bound, lateness floor) and relaxation bound."""
    lns_steps: int = 0
    lns_dtime: float = 0.0
    lns_solve_cpu: float = 0.0
    lns_python_cpu: float = 0.0
    lns_main_cpu: float = 0.0
    lns_critical: float = 0.0
    lns_charged: float = 0.0
    full_dtime: float = 0.0
    full_cpu: float = 0.0
    full_critical: float = 0.0
    quiet_wall: float = 0.0
    objective: float = 0.0
    lateness: int = 0
    unplaced: int = 0
    load: float = 0.0
    steps: list[list[tuple[float, float, float]]] = field(default_factory=list)
    """Per LNS step, per lane: (Python CPU, CP-SAT CPU, deterministic time)."""

    @property
    def dtime_per_cpu(self) -> float:
        cpu = self.lns_solve_cpu + self.full_cpu
        return (self.lns_dtime + self.full_dtime) / cpu if cpu else 0.0


class Probe:
    """Monkeypatches the optimiser's pieces to time them per thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.solve_cpu: dict[int, float] = defaultdict(float)
        self.solve_dtime: dict[int, float] = defaultdict(float)
        self.step_lanes: list[list[tuple[float, float, float]]] = []
        self.full: list[tuple[float, float]] = []
        self.saved: list[tuple[Any, str, Any]] = []

    def patch(self, owner: Any, name: str, make: Any) -> None:
        original = getattr(owner, name)
        self.saved.append((owner, name, original))
        setattr(owner, name, make(original))

    def restore(self) -> None:
        for owner, name, original in reversed(self.saved):
            setattr(owner, name, original)

    def install(self, plan: Plan) -> None:
        probe = self

        def cpsat(original: Any) -> Any:
            def solve(self: cp_model.CpSolver, *args: Any, **kwargs: Any) -> Any:
                began = time.thread_time()
                try:
                    return original(self, *args, **kwargs)
                finally:
                    spent = time.thread_time() - began
                    with probe.lock:
                        probe.solve_cpu[threading.get_ident()] += spent
                        probe.solve_dtime[threading.get_ident()] += self.deterministic_time

            return solve

        def reinsert(original: Any) -> Any:
            def wrapped(*args: Any) -> Any:
                me = threading.get_ident()
                with probe.lock:
                    probe.solve_cpu[me] = 0.0
                    probe.solve_dtime[me] = 0.0
                began = time.thread_time()
                result = original(*args)
                total = time.thread_time() - began
                with probe.lock:
                    solve = probe.solve_cpu[me]
                    probe.step_lanes[-1].append((total - solve, solve, result[1]))
                plan.lns_dtime += result[1]
                return result

            return wrapped

        def targets(original: Any) -> Any:
            def wrapped(*args: Any) -> Any:
                probe.step_lanes.append([])
                return original(*args)

            return wrapped

        def timed(attr: str) -> Any:
            def make(original: Any) -> Any:
                def wrapped(*args: Any, **kwargs: Any) -> Any:
                    began = time.thread_time()
                    try:
                        return original(*args, **kwargs)
                    finally:
                        setattr(plan, attr, getattr(plan, attr) + time.thread_time() - began)

                return wrapped

            return make

        def improve(original: Any) -> Any:
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                began = time.thread_time()
                result = original(*args, **kwargs)
                plan.lns_main_cpu += time.thread_time() - began
                plan.lns_charged += result[1].spent
                return result

            return wrapped

        def full_solve(original: Any) -> Any:
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                with probe.lock:
                    probe.solve_cpu.clear()
                    probe.solve_dtime.clear()
                began_main = time.thread_time()
                result = original(*args, **kwargs)
                main = time.thread_time() - began_main
                workers = list(probe.solve_cpu.values())
                plan.full_cpu += sum(workers)
                plan.full_dtime += sum(probe.solve_dtime.values())
                # Build and read-back on the main thread, then the workers side by side.
                plan.full_critical += main + (max(workers) if workers else 0.0)
                return result

            return wrapped

        self.patch(cp_model.CpSolver, "solve", cpsat)
        self.patch(lns, "reinsert", reinsert)
        self.patch(lns, "_targets", targets)
        self.patch(optimise_module, "improve", improve)
        self.patch(optimise_module, "solve", full_solve)
        self.patch(optimise_module, "multi_start", timed("warm_cpu"))
        self.patch(optimise_module, "fill_gaps", timed("bounds_cpu"))
        self.patch(optimise_module, "add_bounds", timed("bounds_cpu"))
        self.patch(optimise_module, "relaxation_bound", timed("bounds_cpu"))


def measure(instance: Instance, limit: float, workers: int | None) -> Plan:
    compiled = compile_request(build_request(instance, limit, workers))
    problem = compiled.problem
    plan = Plan(
        instance=instance.name,
        bookings=len(problem.jobs),
        limit=limit,
        workers=compiled.request.options.workers,
        dtime_per_second=lns.DTIME_PER_SECOND,
        wall=0.0,
        cpu=0.0,
        load=os.getloadavg()[0],
    )
    probe = Probe()
    probe.install(plan)
    try:
        began_wall, began_cpu = time.perf_counter(), time.process_time()
        result = optimise_module.optimise(compiled)
        plan.wall = time.perf_counter() - began_wall
        plan.cpu = time.process_time() - began_cpu
    finally:
        probe.restore()
    lanes = [lane for lane in probe.step_lanes if lane]
    plan.steps = lanes
    plan.lns_steps = len(lanes)
    plan.lns_solve_cpu = sum(s for lane in lanes for _, s, _ in lane)
    plan.lns_python_cpu = sum(p for lane in lanes for p, _, _ in lane)
    per_step = sum(max(sum(p for p, _, _ in lane), max(p + s for p, s, _ in lane)) for lane in lanes)
    # The main thread's own LNS work: improve's thread CPU minus the lanes it ran itself (one lane:
    # no pool, reinsert runs on the main thread).
    own = plan.lns_main_cpu - (plan.lns_solve_cpu + plan.lns_python_cpu if plan.workers <= 1 else 0.0)
    plan.lns_main_cpu = own
    plan.lns_critical = own + per_step
    plan.quiet_wall = plan.warm_cpu + plan.full_critical + plan.lns_critical + plan.bounds_cpu
    plan.objective = result.objective
    plan.lateness = sum(
        max(0, result.placements[(j, len(job.operations) - 1)].end - job.due)
        for j, job in enumerate(problem.jobs)
        if j not in result.unplaced and job.due is not None
    )
    plan.unplaced = len(result.unplaced)
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="models whose name contains this")
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--rate", type=float, default=None, help="try this DTIME_PER_SECOND instead")
    parser.add_argument("--build", type=float, default=None, help="try this BUILD_SECONDS_PER_JOB instead")
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    args = parser.parse_args()
    if args.rate is not None:
        lns.DTIME_PER_SECOND = args.rate
        optimise_module.DTIME_PER_SECOND = args.rate  # type: ignore[attr-defined]  # it imported the name
    if args.build is not None:
        lns.BUILD_SECONDS_PER_JOB = args.build
    for model in MODELS:
        if args.only and args.only not in model:
            continue
        scenario, scale = model.split("@")
        for seed in (int(s) for s in args.seeds.split(",")):
            instance = Instance(f"{scenario}@{scale}x#s{seed}", scenario, float(scale), seed)
            plan = measure(instance, args.limit, args.workers)
            longest = sum(max(d for _, _, d in lane) for lane in plan.steps)
            longest_cpu = sum(max(c for _, c, _ in lane) for lane in plan.steps)
            per_lane = plan.lns_python_cpu / max(1, sum(map(len, plan.steps)))
            print(
                f"{plan.instance:22} {plan.bookings:3} bookings, load {plan.load:4.1f}: "
                f"wall {plan.wall:5.1f} s, cpu {plan.cpu:5.1f} s, critical path {plan.quiet_wall:5.1f} s "
                f"= warm {plan.warm_cpu:.2f} + full solve {plan.full_critical:.2f} "
                f"+ lns {plan.lns_critical:.2f} + bounds {plan.bounds_cpu:.2f}",
                flush=True,
            )
            print(
                f"    lns: {plan.lns_steps} steps, charged {plan.lns_charged:.2f} s, longest lanes' dtime "
                f"{longest:.3f} in {longest_cpu:.2f} cpu-s ({longest / max(1e-9, longest_cpu):.4f}/cpu-s), "
                f"python {plan.lns_python_cpu:.2f} cpu-s ({per_lane:.3f}/lane); "
                f"all CP-SAT: {plan.dtime_per_cpu:.4f} dtime/cpu-s; lateness {plan.lateness}, "
                f"unplaced {plan.unplaced}",
                flush=True,
            )
            if args.out is not None:
                row = asdict(plan)
                row["dtime_per_cpu"] = plan.dtime_per_cpu
                with args.out.open("a") as f:
                    f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
