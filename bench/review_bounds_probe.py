"""P4 (review-s20): the lateness and placement bounds with per-operation releases (parts on order)
against brute force on one technician and one bay: random days of 3-4 jobs of 1-3 operations, the
later operations released at a parts ETA, a break half the time.

    PYTHONPATH=. .venv/bin/python -m bench.review_bounds_probe FIRST_SEED LAST_SEED
"""

from __future__ import annotations

import itertools
import math
import random
import sys

from solver.bounds import lateness_bound, lateness_floor, placement_bound
from solver.problem import BayData, DayProblem, JobData, OperationData, TechnicianData


def instance(rng: random.Random) -> DayProblem:
    jobs = []
    for _ in range(rng.choice([3, 4])):
        release = 480 + rng.randrange(0, 8) * 15
        ops = []
        for k in range(rng.choice([1, 2, 2, 3])):
            parts = release + rng.randrange(1, 16) * 15 if k > 0 and rng.random() < 0.6 else 0
            minutes = rng.choice([15, 30, 45, 60])
            ops.append(
                OperationData(
                    bays=(0,), bay_costs=(0,), technicians=(0,), durations=(minutes,), release=parts
                )
            )
        work = sum(o.durations[0] for o in ops)
        due = max(release, *(o.release for o in ops)) + work + rng.randrange(0, 6) * 15
        jobs.append(
            JobData(
                release=release, due=due, waiter=False, priority=rng.choice([1, 2]), operations=tuple(ops)
            )
        )
    breaks = ((600, 630),) if rng.random() < 0.5 else ()
    tech = TechnicianData(grade=1, shift_start=480, shift_end=rng.choice([660, 720, 780]), breaks=breaks)
    return DayProblem(horizon=1440, bays=(BayData(kind="general"),), technicians=(tech,), jobs=tuple(jobs))


def least(problem: DayProblem, subset: tuple[int, ...]) -> float:
    """Fewest minutes late placing exactly `subset` (every order of its operations; inf: none fits)."""
    windows = problem.technicians[0].windows()
    items = [(j, k) for j in subset for k in range(len(problem.jobs[j].operations))]
    best = math.inf
    for order in itertools.permutations(items):
        seen: dict[int, int] = {}
        if any(seen.setdefault(j, -1) != k - 1 or seen.update({j: k}) for j, k in order):
            continue
        cursor, ready, late = 0, dict[int, int](), 0
        for j, k in order:
            job, op = problem.jobs[j], problem.jobs[j].operations[k]
            lo = max(cursor, job.release, op.release, ready.get(j, 0))
            start = next((max(s, lo) for s, e in windows if max(s, lo) + op.durations[0] <= e), None)
            if start is None:
                break
            cursor = ready[j] = start + op.durations[0]
            if k == len(job.operations) - 1:
                late += max(0, cursor - (job.due or cursor))
        else:
            best = min(best, late)
    return best


def main(first: int, last: int) -> None:
    bad = nonzero = 0
    for seed in range(first, last):
        p = instance(random.Random(seed))
        by_weight: dict[int, float] = {}
        most = most_weight = 0
        for size in range(len(p.jobs) + 1):
            for subset in itertools.combinations(range(len(p.jobs)), size):
                fewest = least(p, subset)
                if math.isinf(fewest):
                    continue
                weight = sum(p.jobs[j].priority for j in subset)
                most, most_weight = max(most, size), max(most_weight, weight)
                by_weight[weight] = min(by_weight.get(weight, math.inf), fewest)
                if lateness_bound(p, set(subset)) > fewest:
                    bad += 1
                    print("seed", seed, "lateness_bound above", fewest, subset)
        bound = placement_bound(p)
        if bound.count < most or bound.weight < most_weight:
            bad += 1
            print("seed", seed, "placement_bound", bound, most, most_weight)
        for w in range(max(by_weight) + 1):
            fewest = min(v for u, v in by_weight.items() if u >= w)
            floor = lateness_floor(p, w)
            nonzero += floor > 0
            if floor > fewest:
                bad += 1
                print("seed", seed, "lateness_floor", w, floor, "above", fewest)
    print("violations", bad, "nonzero floors", nonzero)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
