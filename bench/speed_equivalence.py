"""Checks that the speed-ups of session 13 answer as the code they replaced, function by function,
against another tree's copy of it (a base checkout, e.g. `git archive main`):

- `scheduler.availability`: `subtract`, the cached whole day cut from `ready` (`gaps_from`),
  `first_fit` and `first_common_fit` on random windows, busy lists and readies;
- `solver.bounds.windowed_assignment_bound` (the assignment's table in one pass) and the pooled
  bound on random subsets of bench days, any k left out, waiters only or not, and the lateness
  floor (without the time-indexed part) for a few weights;
- `solver.bounds_time.indexed_model` (entries kept as arrays): the same matrix (values, indices,
  index type), rows, bounds and costs, for every option the planners use.

Exact equality everywhere (no tolerance). CPU seconds of the replaced and the new function are
printed beside (a rough guide; the plan and slot fingerprints are the measure).

    .venv/bin/python -m bench.speed_equivalence --base /tmp/base-speed-s13
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np

import scheduler.availability as availability
import solver.bounds as bounds
import solver.bounds_time as bounds_time
from bench.planners import Instance, build_request
from scheduler.compiler import compile_request


def _load(base: Path, relative: str, name: str) -> ModuleType:
    """The base tree's module file loaded under another name (its own imports resolve to this
    tree: only the module itself is compared)."""
    spec = importlib.util.spec_from_file_location(name, base / relative)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _gap_lists(base: ModuleType, rounds: int) -> None:
    rng = random.Random(5)
    for _ in range(rounds):
        windows = []
        cursor = rng.randint(-20, 50)
        for _ in range(rng.randint(0, 3)):  # sorted, maybe touching or empty windows
            start = cursor + rng.randint(0, 30)
            end = start + rng.randint(0, 80)
            windows.append((start, end))
            cursor = end
        busy = sorted(
            (s, s + rng.randint(0, 40)) for s in (rng.randint(-30, 250) for _ in range(rng.randint(0, 8)))
        )
        ready = rng.randint(-40, 260)
        want = base.subtract(windows, busy, ready)
        assert availability.subtract(windows, busy, ready) == want, (windows, busy, ready)
        whole = availability.subtract(windows, busy, availability._EARLIEST)
        assert availability.gaps_from(whole, ready) == want, (windows, busy, ready)
        other = base.subtract(
            [(rng.randint(-10, 30), rng.randint(100, 260))], busy[::2], rng.randint(-20, 200)
        )
        length = rng.randint(0, 60)
        assert availability.first_fit(want, length) == base.first_fit(want, length)
        assert availability.first_common_fit(want, other, length) == base.first_common_fit(
            want, other, length
        )
    print(f"gaps: {rounds} random cases the same")


DAYS = [("dealer-2011", 1.3, 1), ("dealer-2011", 1.0, 2), ("small-dealer", 1.3, 3), ("dealer-2011", 1.5, 4)]


def _assignment(base: ModuleType) -> None:
    from scipy.optimize import linear_sum_assignment  # noqa: F401 (imported before timing either)

    before = after = 0.0
    cases = 0
    for scenario, scale, seed in DAYS:
        problem = compile_request(build_request(Instance(f"x#s{seed}", scenario, scale, seed), 10.0)).problem
        rng = random.Random(seed)
        promised = [j for j, job in enumerate(problem.jobs) if job.due is not None]
        for _ in range(12):
            chosen = sorted(rng.sample(promised, rng.randint(2, len(promised))))
            k = rng.randint(0, 6)
            waiters_only = rng.random() < 0.2
            began = time.process_time()
            want = base.windowed_assignment_bound(problem, chosen, k, waiters_only)
            middle = time.process_time()
            got = bounds.windowed_assignment_bound(problem, chosen, k, waiters_only)
            before, after = before + middle - began, after + time.process_time() - middle
            assert got == want, (scenario, scale, seed, chosen, k, want, got)
            pooled = base._pooled_bound(problem, chosen, k, waiters_only)
            assert bounds._pooled_bound(problem, chosen, k, waiters_only) == pooled
            cases += 1
        total = sum(job.priority for job in problem.jobs)
        for weight in (total // 2, total - 3, total):
            want = base.lateness_floor(problem, weight, indexed=False)
            assert bounds.lateness_floor(problem, weight, indexed=False) == want, (scenario, seed, weight)
    print(f"windowed assignment: {cases} cases the same; CPU {before:.2f} s before, {after:.2f} s now")


def _indexed(base: ModuleType) -> None:
    from solver.bounds import placement_bound

    before = after = 0.0
    cases = 0
    options: list[dict[str, bool]] = [
        {},
        {"weighted": True},
        {"waiters_only": True},
        {"lengths_up": True},
        {"bay_classes": False},
        {"bay_classes": True, "lengths_up": True},
    ]
    for scenario, scale, seed in DAYS[:3]:
        problem = compile_request(build_request(Instance(f"x#s{seed}", scenario, scale, seed), 10.0)).problem
        weight = placement_bound(problem).weight
        for option in options:
            began = time.process_time()
            want = base.indexed_model(problem, weight, **option)
            middle = time.process_time()
            got = bounds_time.indexed_model(problem, weight, **option)
            before, after = before + middle - began, after + time.process_time() - middle
            cases += 1
            if want is None or got is None:
                assert want is None and got is None
                continue
            for name in ("cost", "low", "high", "lower", "upper"):
                assert np.array_equal(getattr(want, name), getattr(got, name)), name
            assert want.matrix.indices.dtype == got.matrix.indices.dtype
            for name in ("data", "indices", "indptr"):
                assert np.array_equal(getattr(want.matrix, name), getattr(got.matrix, name)), name
            assert (want.size, want.cols, want.fixed) == (got.size, got.cols, got.fixed)
    print(f"time-indexed model: {cases} cases the same; CPU {before:.2f} s before, {after:.2f} s now")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the tree to compare against")
    parser.add_argument("--rounds", type=int, default=200_000)
    args = parser.parse_args()
    _gap_lists(_load(args.base, "scheduler/availability.py", "base_availability"), args.rounds)
    _assignment(_load(args.base, "solver/bounds.py", "base_bounds"))
    _indexed(_load(args.base, "solver/bounds_time.py", "base_bounds_time"))


if __name__ == "__main__":
    main()
