"""The CP-SAT optimiser: valid plans, known optima, never worse than the baseline, reasons, limits."""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import replace

import numpy as np
import pytest

from scheduler import dispatch as dispatch_module
from scheduler import lns
from scheduler.availability import Availability
from scheduler.compiler import compile_request
from scheduler.contract import Booking, PlanOptions, PlanRequest
from scheduler.dispatch import RULES, dispatch, multi_start, promoted, rank, rule_order
from scheduler.kpis import plan_quality_words
from scheduler.lns import improve
from scheduler.optimise import family_rules, fill_gaps, outside_search, wall_safety, warm_start_tries
from scheduler.planning import make_plan
from scheduler.validator import assert_valid
from solver import bounds
from solver.bounds import lateness_bound, lateness_floor, placement_bound
from solver.model import safety_seconds
from solver.problem import BayData, DayProblem, DaySolution, JobData, OperationData, Placement, TechnicianData
from tests.builders import at, one_technician_morning
from tests.builders import four_bay_request as request
from tests.builders import four_bay_workshop as workshop


def test_optimiser_beats_baseline_and_plan_is_valid() -> None:
    bookings = [
        Booking(id=f"b{i}", service=s, drop_off=at(f"{8 + i // 3:02d}:00"), waiter=i % 2 == 0,
                promised=at(f"{10 + i // 2:02d}:00"), fleet_partner="TAXI" if i == 4 else None)
        for i, s in enumerate(["LUBE", "LUBE", "MINOR", "LUBE", "MINOR", "MINOR", "MINOR", "MINOR", "LUBE"])
    ]  # fmt: skip
    req = request(bookings)
    greedy = make_plan(req, "greedy")
    cpsat = make_plan(req, "cpsat")
    assert_valid(req, greedy)
    assert_valid(req, cpsat)
    assert cpsat.objective <= greedy.objective
    assert (cpsat.kpis.placed, -cpsat.kpis.total_lateness_minutes) >= (
        greedy.kpis.placed,
        -greedy.kpis.total_lateness_minutes,
    )
    assert cpsat.status == "optimal"
    assert cpsat.gap == 0.0


def _brute_force(req: PlanRequest) -> float:
    """Optimum of a one-technician, one-bay day by enumeration of subsets and orders.

    With one technician and one bay every objective term is regular, so for a fixed order
    the earliest start of each job is optimal: the enumeration is exact.
    """
    problem = compile_request(req).problem
    w = problem.weights
    tech = problem.technicians[0]
    windows = tech.windows()
    best = math.inf
    jobs = range(len(problem.jobs))
    for size in range(len(problem.jobs) + 1):
        for subset in itertools.combinations(jobs, size):
            penalty = sum(w.unplaced * problem.jobs[j].priority for j in jobs if j not in subset)
            for order in itertools.permutations(subset):
                cost, cursor, feasible = penalty, 0, True
                for j in order:
                    job = problem.jobs[j]
                    d = job.operations[0].durations[0]
                    start = next(
                        (
                            max(s, cursor, job.release)
                            for s, e in windows
                            if max(s, cursor, job.release) + d <= e
                        ),
                        None,
                    )
                    if start is None:
                        feasible = False
                        break
                    cursor = start + d
                    if job.due is not None:
                        cost += (w.waiter_lateness if job.waiter else w.lateness) * max(0, cursor - job.due)
                    cost += w.overtime * max(0, cursor - max(start, tech.shift_end))
                if feasible:
                    best = min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_small_instances_solved_to_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    one = workshop(
        bays=[{"id": "G1", "kind": "general"}],
        technicians=[
            {"id": "t", "name": "T", "grade": 3, "skills": ["maintenance"], "max_overtime_minutes": 30,
             "shift": {"start": "08:00", "end": "12:00", "breaks": [{"start": "10:00", "end": "10:30"}]}}
        ],
        services=[
            {"code": f"S{m}", "name": f"{m} min", "operations": [
                {"name": "work", "minutes": int(m), "skill": "maintenance", "bay_kinds": ["general"]}]}
            for m in (30, 45, 60, 75)
        ],
    )  # fmt: skip
    bookings = []
    for i in range(5):
        drop = 8 * 60 + int(rng.integers(0, 7)) * 15
        minutes = int(rng.choice([30, 45, 60, 75]))
        bookings.append(
            Booking(
                id=f"b{i}",
                service=f"S{minutes}",
                drop_off=at(f"{drop // 60:02d}:{drop % 60:02d}"),
                promised=at(f"{(drop + minutes + int(rng.integers(0, 60))) // 60:02d}:"
                            f"{(drop + minutes + int(rng.integers(0, 60))) % 60 // 5 * 5:02d}"),
                waiter=bool(rng.integers(0, 2)),
                priority=int(rng.integers(1, 3)),
            )
        )  # fmt: skip
    req = request(bookings, one, limit=10)
    plan = make_plan(req, "cpsat")
    assert_valid(req, plan)
    assert plan.status == "optimal"
    assert plan.objective == _brute_force(req)


def test_express_work_goes_to_the_lane_and_fleet_work_to_its_bay() -> None:
    req = request(
        [
            Booking(id="lube", service="LUBE", drop_off=at("08:00")),
            Booking(id="fleet", service="MINOR", drop_off=at("08:00"), fleet_partner="TAXI"),
        ]
    )
    plan = make_plan(req, "cpsat")
    assert_valid(req, plan)
    bays = {(a.booking, a.operation): a.bay for a in plan.assignments}
    assert bays[("lube", 0)] == "E1"
    assert bays[("fleet", 0)] == "F1" and bays[("fleet", 1)] == "F1"


def test_fleet_overflow_can_be_forbidden() -> None:
    base = workshop()
    second = base.technicians[1].model_copy(update={"id": "sen2"})
    ws = base.model_copy(update={"technicians": [*base.technicians, second]})
    # Two seniors, one partner bay: in parallel only if a general bay may take the overflow.
    busy = [
        Booking(id=f"f{i}", service="MINOR", drop_off=at("08:00"), fleet_partner="TAXI", promised=at("10:00"))
        for i in range(4)
    ]
    allowed = request(busy, ws)
    forbidden = allowed.model_copy(
        update={"options": PlanOptions(time_limit_seconds=5, allow_fleet_overflow=False)}
    )
    plan_allowed = make_plan(allowed, "cpsat")
    plan_forbidden = make_plan(forbidden, "cpsat")
    assert_valid(allowed, plan_allowed)
    assert_valid(forbidden, plan_forbidden)
    assert all(a.bay == "F1" for a in plan_forbidden.assignments)
    assert any(a.bay == "G1" for a in plan_allowed.assignments)


def test_reasons_are_computed_not_guessed() -> None:
    req = request(
        [
            Booking(id="paint", service="PAINT", drop_off=at("08:00")),
            Booking(id="late-drop", service="MINOR", drop_off=at("16:50")),
        ]
        + [Booking(id=f"m{i}", service="MINOR", drop_off=at("08:00")) for i in range(8)]
    )
    for planner in ("greedy", "cpsat"):
        plan = make_plan(req, planner)
        assert_valid(req, plan)
        reasons = {u.booking: u.reason for u in plan.unassigned}
        assert "no paint technician with grade >= 3" in reasons["paint"]
        assert "late-drop" in reasons
        full = [r for b, r in reasons.items() if b.startswith("m")]
        assert full and all("day full" in r or "needs" in r for r in full)


def test_an_overloaded_day_still_returns_a_valid_plan_no_worse_than_the_rule() -> None:
    # How long it takes is the benchmarks' business (bench/planners.py), not a timed unit test's.
    bookings = [
        Booking(id=f"b{i:03d}", service="MINOR", drop_off=at("08:00"), promised=at("12:00"))
        for i in range(60)
    ]
    req = request(bookings, limit=2.0)
    plan = make_plan(req, "cpsat")
    assert_valid(req, plan)
    baseline = dispatch(compile_request(req).problem)
    assert plan.kpis.placed >= 60 - len(baseline.unplaced)
    assert len(plan.unassigned) == 60 - plan.kpis.placed


def _without_timing(plan: object) -> dict[str, object]:
    data = plan.model_dump(mode="json")  # type: ignore[attr-defined]
    data.pop("solve_seconds")
    return data  # type: ignore[no-any-return]


def test_the_same_request_gives_the_same_plan() -> None:
    # Over-full (LNS and the warm-start search both run), promises to keep lateness in play.
    bookings = [
        Booking(id=f"b{i:02d}", service=["MINOR", "LUBE", "MINOR"][i % 3], drop_off=at(f"{8 + i % 6:02d}:00"),
                promised=at(f"{10 + i % 6:02d}:30"), waiter=i % 4 == 0, priority=1 + i % 2)
        for i in range(30)
    ]  # fmt: skip
    req = request(bookings, limit=2.0)
    first = make_plan(req, "cpsat")
    second = make_plan(req, "cpsat")
    assert_valid(req, first)
    assert _without_timing(first) == _without_timing(second)


def _fifty_bookings() -> list[Booking]:
    """More bookings than the full-solve threshold (the neighbourhood search runs), with promises."""
    return [
        Booking(id=f"b{i:02d}", service=["MINOR", "LUBE", "MINOR"][i % 3], drop_off=at(f"{8 + i % 6:02d}:00"),
                promised=at(f"{10 + i % 6:02d}:00"), waiter=i % 4 == 0)
        for i in range(50)
    ]  # fmt: skip


def test_lns_side_by_side_gives_the_same_plan_for_the_same_workers() -> None:
    """More bookings than the full-solve threshold: LNS runs one neighbourhood per worker each
    step; with the same seed and worker count the plan is the same (and valid) every time."""
    bookings = _fifty_bookings()
    req = request(bookings, limit=1.0)
    two = req.model_copy(update={"options": req.options.model_copy(update={"workers": 2})})
    first, second = make_plan(two, "cpsat"), make_plan(two, "cpsat")
    assert_valid(two, first)
    assert _without_timing(first) == _without_timing(second)


def test_a_longer_search_passes_through_the_shorter_ones_plan() -> None:
    """Counted effort: with the same start and seed, a longer LNS takes the shorter one's steps and
    then more, so it is never worse (it ends where the short one did or better); and from 10 s on
    every limit gets the same rules' warm start (from `PLAN_MIP_LIMIT` on, the relaxation's plan
    where it is better)."""
    bookings = _fifty_bookings()
    problem = compile_request(request(bookings, limit=1.0)).problem
    assert warm_start_tries(problem, 10.0) == warm_start_tries(problem, 60.0) > 0
    start = multi_start(problem, warm_start_tries(problem, 1.0), seed=0)
    short, short_stats = improve(problem, start, 0.5, seed=0, workers=2)
    long, long_stats = improve(problem, start, 1.5, seed=0, workers=2)
    assert short_stats.improved > 0  # the search moved: the comparison below is not vacuous
    assert long_stats.steps >= short_stats.steps
    assert rank(problem, long) <= rank(problem, short) < rank(problem, start)


def _scarce_skill_day() -> DayProblem:
    """Six one-hour jobs either technician can do, promised one hour apart (the first booked is
    promised last), and a 200-minute job only the senior can do, promised at the day's end. Earliest
    promise gives the short jobs the senior's morning too and leaves the long job out; the rules
    that place everything (most-constrained skill, longest first) take the short jobs in booking
    order, the latest promise first."""
    both = OperationData(bays=(0, 1), bay_costs=(0, 0), technicians=(0, 1), durations=(60, 60))
    senior = OperationData(bays=(0, 1), bay_costs=(0, 0), technicians=(0,), durations=(200,))
    short = [
        JobData(release=0, due=360 - 60 * i, waiter=False, priority=1, operations=(both,)) for i in range(6)
    ]
    return DayProblem(
        horizon=600,
        bays=(BayData("general"), BayData("general")),
        technicians=(
            TechnicianData(grade=3, shift_start=0, shift_end=300),
            TechnicianData(grade=1, shift_start=0, shift_end=300),
        ),
        jobs=(*short, JobData(release=0, due=590, waiter=False, priority=1, operations=(senior,))),
    )


def test_the_warm_start_places_the_scarce_skill_first_and_keeps_promises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Earliest promise with the booking it leaves unplaced moved to the front places all seven
    and none late: better than every rule of the family (each leaves one out or is 440 minutes
    late), and the warm start finds it; one swap of the best rule does not."""
    problem = _scarce_skill_day()
    plans = {name: dispatch(problem, rule_order(problem, name)) for name in RULES}
    assert all(plan.unplaced or plan.objective >= 4400 for plan in plans.values())
    edd = plans["earliest-promise"]
    assert edd.unplaced == {6}
    _, plan, spent = promoted(problem, rule_order(problem, "earliest-promise"), edd, 0, 8)
    assert (plan.unplaced, plan.objective, spent) == (set(), 0, 1)
    monkeypatch.setattr(dispatch_module, "PLACEMENT_PROBE", 0)  # swaps would find it on so small a day
    without = multi_start(problem, 1, promote=False)
    warm = multi_start(problem, 1)
    assert without.objective > 0 and (warm.unplaced, warm.objective) == (set(), 0)


def test_keeping_seniors_gives_the_work_to_the_lowest_grade_that_keeps_the_promise() -> None:
    """With a promise, the earliest finish (the senior, 30 minutes) gives way to the junior (60
    minutes) where the junior is also done by the promise and within the shift; not where the
    junior would be late. Without one the foreman's rule stands."""
    op = OperationData(bays=(0,), bay_costs=(0,), technicians=(0, 1), durations=(30, 60))
    problem = DayProblem(
        horizon=600,
        bays=(BayData("general"),),
        technicians=(
            TechnicianData(grade=3, shift_start=0, shift_end=300),
            TechnicianData(grade=1, shift_start=0, shift_end=300),
        ),
        jobs=(JobData(release=0, due=100, waiter=False, priority=1, operations=(op,)),),
    )
    free = Availability(problem)
    assert free.earliest(op, 0).technician == 0
    assert free.earliest(op, 0, due=100).technician == 1
    assert free.earliest(op, 0, due=50).technician == 0
    assert dispatch(problem, [0], keep_seniors=True).placements[(0, 0)].technician == 1
    assert dispatch(problem, [0]).placements[(0, 0)].technician == 0


def test_the_promoted_start_never_costs_the_best_rule_its_swaps() -> None:
    """On an over-full day where the best rule's swaps place one booking more (within
    `PLACEMENT_PROBE` tries) than the promoted start reaches, the best rule keeps its swaps."""
    problem = compile_request(request(_fifty_bookings(), limit=1.0)).problem
    tries = warm_start_tries(problem, 1.0)
    alone = multi_start(problem, tries, seed=0, promote=False)
    both = multi_start(problem, tries, seed=0)
    assert rank(problem, both) <= rank(problem, alone)
    assert len(both.unplaced) == len(alone.unplaced)


def test_where_placements_are_not_settled_the_warm_start_is_the_best_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given the placement bound, a promoted start that does not reach it neither joins nor costs
    tries: on a day no start fills to the bound the warm start is the best rule's swaps, move for
    move; on a day the promoted start fills, it joins."""
    problem = compile_request(request(_fifty_bookings(), limit=1.0)).problem
    tries = warm_start_tries(problem, 1.0)
    most = placement_bound(problem).weight
    alone = multi_start(problem, tries, seed=0, promote=False)
    bounded = multi_start(problem, tries, seed=0, most=most)
    assert sum(job.priority for job in problem.jobs) - most < len(alone.unplaced)  # not settled
    assert (bounded.placements, bounded.unplaced) == (alone.placements, alone.unplaced)
    monkeypatch.setattr(dispatch_module, "PLACEMENT_PROBE", 0)  # swaps would find it on so small a day
    assert multi_start(_scarce_skill_day(), 1, most=7).objective == 0


def test_a_plan_at_the_placement_bound_searches_only_around_late_bookings() -> None:
    """Once a plan places as much priority as a proven bound, its unplaced bookings are no targets
    and ride along in no neighbourhood (none could be placed); below the bound they are searched."""
    problem = compile_request(request(_fifty_bookings(), limit=1.0)).problem
    start = multi_start(problem, warm_start_tries(problem, 1.0), seed=0)
    placed = sum(job.priority for job in problem.jobs) - sum(problem.jobs[j].priority for j in start.unplaced)
    assert start.unplaced and {j for j, _ in lns._targets(problem, start)} & start.unplaced
    assert lns._targets(problem, start, most=placed + 1)[0][0] in start.unplaced
    at_bound = lns._targets(problem, start, most=placed)
    assert at_bound and not {j for j, _ in at_bound} & start.unplaced
    assert lns._open(problem, start, placed) == [] and lns._open(problem, start, None) == sorted(
        start.unplaced
    )
    better, stats = improve(problem, start, 0.5, seed=0, workers=2, most=placed)
    assert stats.steps > 0 and rank(problem, better) < rank(problem, start)
    assert better.unplaced == start.unplaced


def test_the_search_stops_at_its_wall_clock_safety_net() -> None:
    """On an overloaded machine the counted effort may take far longer than the limit: past the
    safety net's deadline the search returns the plan it has (here: a deadline already passed
    leaves the start untouched), while the same search without a deadline moves it."""
    bookings = _fifty_bookings()
    problem = compile_request(request(bookings, limit=1.0)).problem
    start = multi_start(problem, warm_start_tries(problem, 1.0), seed=0)
    stopped, stopped_stats = improve(problem, start, 0.5, seed=0, workers=1, deadline=time.perf_counter() - 1)
    moved, moved_stats = improve(problem, start, 0.5, seed=0, workers=1)
    assert stopped_stats.steps == 0 and stopped is start
    assert moved_stats.steps > 0 and rank(problem, moved) < rank(problem, start)


def test_the_safety_net_stretches_with_the_machines_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load alone must not cut a deterministic search short (the same request would give another
    plan): at load 16 on 2 cores the net is 8 times the idle one; below one per core, the idle one."""
    monkeypatch.setattr("scheduler.optimise.os.cpu_count", lambda: 2)
    monkeypatch.setattr("scheduler.optimise.os.getloadavg", lambda: (16.0, 16.0, 16.0))
    assert wall_safety(10.0) == pytest.approx(8 * safety_seconds(10.0)) == pytest.approx(240.0)
    monkeypatch.setattr("scheduler.optimise.os.getloadavg", lambda: (0.5, 0.5, 0.5))
    assert wall_safety(10.0) == pytest.approx(30.0)


def _tiny_day(seed: int, count: int = 6) -> PlanRequest:
    rng = np.random.default_rng(seed)
    one = workshop(
        bays=[{"id": "G1", "kind": "general"}],
        technicians=[
            {"id": "t", "name": "T", "grade": 3, "skills": ["maintenance"], "max_overtime_minutes": 30,
             "shift": {"start": "08:00", "end": "12:00", "breaks": [{"start": "10:00", "end": "10:30"}]}}
        ],
        services=[
            {"code": f"S{m}", "name": f"{m} min", "operations": [
                {"name": "work", "minutes": int(m), "skill": "maintenance", "bay_kinds": ["general"]}]}
            for m in (30, 45, 60, 75)
        ],
    )  # fmt: skip
    bookings = []
    for i in range(count):
        drop = 8 * 60 + int(rng.integers(0, 9)) * 15
        minutes = int(rng.choice([30, 45, 60, 75]))
        due = drop + minutes + int(rng.integers(0, 6)) * 10
        bookings.append(Booking(
            id=f"b{i}", service=f"S{minutes}", drop_off=at(f"{drop // 60:02d}:{drop % 60:02d}"),
            promised=at(f"{due // 60:02d}:{due % 60:02d}"), priority=int(rng.integers(1, 3)),
        ))  # fmt: skip
    return request(bookings, one, limit=5)


def _least_lateness(problem: DayProblem, subset: tuple[int, ...]) -> float:
    """Fewest minutes late placing exactly `subset` on the one technician and bay (inf if impossible)."""
    windows = problem.technicians[0].windows()
    best = math.inf
    for order in itertools.permutations(subset):
        cursor, late = 0, 0
        for j in order:
            job = problem.jobs[j]
            d = job.operations[0].durations[0]
            start = next(
                (max(s, cursor, job.release) for s, e in windows if max(s, cursor, job.release) + d <= e),
                None,
            )
            if start is None:
                break
            cursor = start + d
            late += max(0, cursor - (job.due or cursor))
        else:
            best = min(best, late)
    return best


@pytest.mark.parametrize("seed", range(5))
def test_bounds_per_level_never_exceed_the_brute_force_optimum(seed: int) -> None:
    problem = compile_request(_tiny_day(seed)).problem
    most = most_weight = 0
    for size in range(len(problem.jobs) + 1):
        for subset in itertools.combinations(range(len(problem.jobs)), size):
            least = _least_lateness(problem, subset)
            if math.isinf(least):
                continue
            most = max(most, size)
            most_weight = max(most_weight, sum(problem.jobs[j].priority for j in subset))
            assert lateness_bound(problem, set(subset)) <= least, subset
    bound = placement_bound(problem)
    assert bound.count >= most and bound.weight >= most_weight


def _floors(seed: int) -> list[tuple[int, float, int]]:
    """(weight W, least lateness of any subset weighing at least W, lateness_floor(W)) on a tiny day."""
    problem = compile_request(_tiny_day(seed, count=7)).problem
    least_by_weight: dict[int, float] = {}
    for size in range(len(problem.jobs) + 1):
        for subset in itertools.combinations(range(len(problem.jobs)), size):
            least = _least_lateness(problem, subset)
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


def test_the_plan_says_how_close_it_is_in_words() -> None:
    req = _tiny_day(1, count=7)
    plan = make_plan(req, "cpsat")
    assert plan.placement_bound is not None and plan.lateness_bound is not None
    assert plan.lateness_gap is not None and 0.0 <= plan.lateness_gap <= 1.0
    words = plan_quality_words(plan)
    assert ("placed" in words) and ("late" in words)


def _huge_problem(jobs: int = 1000, technicians: int = 150, bays: int = 120) -> DayProblem:
    """The API's largest day in solver data: every booking one operation any pair can do."""
    op = OperationData(
        bays=tuple(range(bays)),
        bay_costs=(0,) * bays,
        technicians=tuple(range(technicians)),
        durations=(60,) * technicians,
    )
    return DayProblem(
        horizon=1440,
        bays=tuple(BayData("general") for _ in range(bays)),
        technicians=(TechnicianData(grade=2, shift_start=480, shift_end=1020),) * technicians,
        jobs=(JobData(release=480, due=600, waiter=False, priority=1, operations=(op,)),) * jobs,
    )


def test_on_a_huge_day_the_limit_pays_for_the_work_around_the_search() -> None:
    """Counted, not timed: the rules family gets at most 30 % of the limit (all of it from 60 s on),
    and the work outside the search fits inside the limit, the search getting the rest; a small
    day runs the whole family and its search keeps its share (`min` with 85 % of the limit)."""
    huge = _huge_problem()
    assert 1 <= family_rules(huge, 10.0) < len(RULES) == family_rules(huge, 60.0)
    assert 0.5 * 10.0 < outside_search(huge, 10.0) < 10.0
    assert outside_search(huge, 60.0) < 0.3 * 60.0
    small = compile_request(request(_fifty_bookings(), limit=10.0)).problem
    assert family_rules(small, 10.0) == len(RULES)
    assert outside_search(small, 10.0) < 0.15 * 10.0


def test_a_big_pool_moves_among_the_resources_it_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Narrowed neighbourhoods (every pool counted as big) and turns between unplaced and late
    targets (every day counted as huge) still give a valid plan, never worse than the warm start."""
    monkeypatch.setattr(lns, "BIG_POOL", 0)
    monkeypatch.setattr(lns, "HUGE_DAY", 0)
    bookings = _fifty_bookings()
    req = request(bookings, limit=1.0)
    problem = compile_request(req).problem
    start = multi_start(problem, warm_start_tries(problem, 1.0), seed=0)
    targets = lns._targets(problem, start)
    late = [j for j, _ in targets if j not in start.unplaced]
    assert start.unplaced and late
    assert targets[0][0] in start.unplaced and targets[1][0] in late  # they take turns
    better, stats = improve(problem, start, 0.5, seed=0, workers=2)
    assert stats.steps > 0 and rank(problem, better) <= rank(problem, start)
    plan = make_plan(req, "cpsat")
    assert_valid(req, plan)
    narrowed = lns._narrow(problem.jobs[0], {problem.jobs[0].operations[0].technicians[0]}, set())
    assert narrowed.operations[0].technicians == problem.jobs[0].operations[0].technicians[:1]
    assert narrowed.operations[0].bays == () and len(narrowed.operations[0].durations) == 1


def _started_and_waiting(second_minutes: int) -> DayProblem:
    """One technician and one lift 08:00-10:00: booking 0 started at 08:00 (its first hour pinned,
    a second operation of `second_minutes` to come), booking 1 an hour of work ready at 08:00."""

    def op(minutes: int, pin: Placement | None = None) -> OperationData:
        return OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(minutes,), pin=pin)

    started = JobData(
        release=480,
        due=None,
        waiter=False,
        priority=1,
        operations=(op(60, Placement(0, 0, 480, 540)), op(second_minutes)),
    )
    waiting = JobData(release=480, due=None, waiter=False, priority=1, operations=(op(60),))
    return one_technician_morning(started, waiting)


def test_the_repair_never_places_work_over_a_started_booking_left_out() -> None:
    """A started booking whose rest does not fit is left out of the plan, but its clocked hour is
    real: the repair puts the waiting hour after it, not over it."""
    problem = _started_and_waiting(second_minutes=90)
    repaired = fill_gaps(problem, DaySolution(placements={}, unplaced={0, 1}, status="feasible"))
    assert repaired.unplaced == {0}
    assert repaired.placements[(1, 0)].start >= 540


def test_the_repair_keeps_a_started_bookings_clocked_work() -> None:
    """A started booking the repair can place again keeps its pinned operation in the plan."""
    problem = _started_and_waiting(second_minutes=30)
    repaired = fill_gaps(problem, DaySolution(placements={}, unplaced={0, 1}, status="feasible"))
    assert 0 not in repaired.unplaced
    assert repaired.placements[(0, 0)] == Placement(0, 0, 480, 540)
    assert repaired.placements[(0, 1)].start >= 540


def test_a_neighbourhood_never_puts_work_over_a_started_booking_left_out() -> None:
    """The search re-inserting a booking keeps off the clocked hour of a started booking the plan
    left out (its rest does not fit): the waiting hour, due at 09:20, would rather start at 08:00."""
    problem = _started_and_waiting(second_minutes=90)
    waiting = replace(problem.jobs[1], due=560)
    problem = replace(problem, jobs=(problem.jobs[0], waiting))
    plan = DaySolution(placements={(1, 0): Placement(0, 0, 540, 600)}, unplaced={0}, status="feasible")
    whole, _, _ = lns.reinsert(problem, plan, [1], dtime=5.0, seed=1)
    assert whole is not None and whole.unplaced == {0}
    assert whole.placements[(1, 0)].start >= 540
