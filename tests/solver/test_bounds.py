"""The relaxation bounds (solver/bounds.py) never above the optimum, by enumeration on tiny days."""

from __future__ import annotations

import itertools
import math

import pytest

from scheduler.compiler import compile_request
from solver import bounds
from solver.bounds import lateness_bound, lateness_floor, placement_bound
from tests.builders import least_lateness, tiny_day


@pytest.mark.parametrize("seed", range(5))
def test_bounds_per_level_never_exceed_the_brute_force_optimum(seed: int) -> None:
    problem = compile_request(tiny_day(seed)).problem
    most = most_weight = 0
    for size in range(len(problem.jobs) + 1):
        for subset in itertools.combinations(range(len(problem.jobs)), size):
            least = least_lateness(problem, subset)
            if math.isinf(least):
                continue
            most = max(most, size)
            most_weight = max(most_weight, sum(problem.jobs[j].priority for j in subset))
            assert lateness_bound(problem, set(subset)) <= least, subset
    bound = placement_bound(problem)
    assert bound.count >= most and bound.weight >= most_weight


def _floors(seed: int) -> list[tuple[int, float, int]]:
    """(weight W, least lateness of any subset weighing at least W, lateness_floor(W)) on a tiny day."""
    problem = compile_request(tiny_day(seed, count=7)).problem
    least_by_weight: dict[int, float] = {}
    for size in range(len(problem.jobs) + 1):
        for subset in itertools.combinations(range(len(problem.jobs)), size):
            least = least_lateness(problem, subset)
            if math.isinf(least):
                continue
            weight = sum(problem.jobs[j].priority for j in subset)
            least_by_weight[weight] = min(least_by_weight.get(weight, math.inf), least)
    return [
        (w, min(v for u, v in least_by_weight.items() if u >= w), lateness_floor(problem, w))
        for w in range(max(least_by_weight) + 1)
    ]


@pytest.mark.parametrize("exact_drops", [20, 0])
@pytest.mark.parametrize("seed", range(6))
def test_lateness_floor_holds_for_every_plan_placing_as_much(
    seed: int, exact_drops: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The floor for weight W never exceeds the least lateness of any subset weighing at least W
    (whichever bookings it leaves out), by enumeration of subsets and orders; also with the cheap
    split used when many bookings may be left out."""
    monkeypatch.setattr(bounds, "_EXACT_DROPS", exact_drops)
    for weight, least, floor in _floors(seed):
        assert floor <= least, (weight, floor, least)


def test_lateness_floor_is_not_vacuous() -> None:
    tops = [_floors(seed)[-1] for seed in range(6)]
    assert sum(floor > 0 for _, _, floor in tops) >= 4, tops
