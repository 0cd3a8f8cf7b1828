"""Non-preemptive counting in the bounds: an operation never spans a break, so a working block
holds only so many of a group's operations; and the bookings a full group must leave out."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.compiler import compile_request
from scheduler.contract import Booking, PlanRequest, Workshop
from scheduler.dispatch import run_rules
from scheduler.planning import make_plan
from scheduler.validator import assert_valid
from solver import bounds
from solver.bounds import lateness_bound, lateness_floor, placement_bound, windowed_assignment_bound
from solver.objective import terms
from solver.problem import JobData
from tests.builders import (
    STARTED_TO_0950,
    THIRTY_MINUTES,
    at,
    least_lateness,
    one_technician_morning,
    random_days,
    tiny_day,
)
from tests.builders import four_bay_request as request
from tests.builders import four_bay_workshop as workshop

MORNING = {"start": "08:00", "end": "12:00", "breaks": [{"start": "10:00", "end": "10:30"}]}


def _body_day(body_jobs: int, waiter_drop_off: str = "11:45") -> list[Booking]:
    """`body_jobs` 70-minute body jobs at 08:00 promised for the evening, and one 20-minute waiter
    dropped off at `waiter_drop_off` and promised for 12:00."""
    bookings = [
        Booking(id=f"body{i}", service="BODY70", drop_off=at("08:00"), promised=at("17:00"))
        for i in range(body_jobs)
    ]
    bookings.append(
        Booking(id="waiter", service="QUICK", drop_off=at(waiter_drop_off), promised=at("12:00"), waiter=True)
    )
    return bookings


def _ws() -> Workshop:
    """One mechanic (08:00-12:00, 30 min overtime) and one body technician (two 120-minute blocks
    around a break, no overtime): 240 body minutes, but only one 70-minute job fits in each block."""
    return workshop(
        bays=[{"id": "G1", "kind": "general"}, {"id": "B1", "kind": "body"}],
        technicians=[
            {"id": "m", "name": "M", "grade": 3, "skills": ["maintenance"], "max_overtime_minutes": 30,
             "shift": {"start": "08:00", "end": "12:00"}},
            {"id": "b", "name": "B", "grade": 3, "skills": ["body"], "max_overtime_minutes": 0,
             "shift": MORNING},
        ],
        services=[
            {"code": "QUICK", "name": "quick", "operations": [
                {"name": "check", "minutes": 20, "skill": "maintenance", "bay_kinds": ["general"]}]},
            {"code": "BODY70", "name": "body", "operations": [
                {"name": "body", "minutes": 70, "skill": "body", "bay_kinds": ["body"]}]},
        ],
    )  # fmt: skip


def test_a_block_holds_only_whole_operations() -> None:
    """Three 70-minute jobs have 240 minutes of energy room, but the break leaves two 120-minute
    blocks: two fit, and the placement bound says so (energy alone said three)."""
    req = request(_body_day(3), _ws(), limit=5)
    problem = compile_request(req).problem
    bound = placement_bound(problem)
    plan = make_plan(req, "cpsat")
    assert_valid(req, plan)
    assert plan.kpis.placed == 3  # two body jobs and the waiter
    assert bound.count == 3 and bound.proven


def test_the_booking_left_out_is_the_full_groups() -> None:
    """A plan placing three of the four must leave out a body job (the body shop holds two), so the
    waiter is in it and late: 12:05 alone, 5 minutes. Without the count, leaving out the waiter
    looked possible and the floor was 0."""
    req = request(_body_day(3), _ws(), limit=5)
    problem = compile_request(req).problem
    plan = make_plan(req, "cpsat")
    assert plan.kpis.total_lateness_minutes == 5
    assert lateness_floor(problem, 3) == 5
    assert plan.lateness_bound == 5 and plan.lateness_gap == 0.0
    # Leaving out any booking is allowed when the plan places less: then the floor is 0.
    assert lateness_floor(problem, 2) == 0


def test_forced_drops_never_exceed_the_least_lateness_by_enumeration() -> None:
    """Every subset of bookings, placed by brute force (body jobs one per block, the waiter on the
    mechanic at his drop-off): the floor for each weight is at most the least lateness of any
    subset placing that much."""
    for body_jobs, drop in itertools.product((2, 3, 4), ("11:30", "11:45", "11:55")):
        req = request(_body_day(body_jobs, drop), _ws(), limit=5)
        problem = compile_request(req).problem
        waiter = len(problem.jobs) - 1
        job = problem.jobs[waiter]
        due = job.due or 0
        alone = max(0, job.release + job.operations[0].durations[0] - due)
        least: dict[int, int] = {}
        for size in range(len(problem.jobs) + 1):
            for subset in itertools.combinations(range(len(problem.jobs)), size):
                if sum(1 for j in subset if j != waiter) > 2:
                    continue  # the body technician holds two
                late = alone if waiter in subset else 0
                least[size] = min(least.get(size, late), late)
        for weight in range(len(problem.jobs) + 1):
            best = min((v for u, v in least.items() if u >= weight), default=None)
            if best is None:
                continue
            assert lateness_floor(problem, weight) <= best, (body_jobs, drop, weight)


def _windowed_checks(seed: int) -> int:
    """Every subset of a tiny day (one technician with a break), placed in every order: the
    assignment bound of the subset never exceeds its least lateness (also with k left out).
    Returns on how many subsets it is stronger than the pooled bound."""
    problem = compile_request(tiny_day(seed, count=6)).problem
    stronger = 0
    for size in range(2, len(problem.jobs) + 1):
        for subset in itertools.combinations(range(len(problem.jobs)), size):
            least = least_lateness(problem, subset)
            if math.isinf(least):
                continue
            bound = windowed_assignment_bound(problem, list(subset), 0, False)
            assert bound <= least, (subset, bound, least)
            for k in (1, 2):  # any k left out: at most the least of the subsets k smaller
                smaller = min(
                    least_lateness(problem, rest) for rest in itertools.combinations(subset, size - k)
                )
                assert windowed_assignment_bound(problem, list(subset), k, False) <= smaller
            stronger += bound > bounds._pooled_bound(problem, list(subset), 0, False)
    return stronger


@pytest.mark.parametrize("seed", range(6))
def test_the_windowed_assignment_never_exceeds_the_least_lateness(seed: int) -> None:
    _windowed_checks(seed)


def test_the_windowed_assignment_is_not_vacuous() -> None:
    """Stronger than the pooled bound on some subsets of most tiny days."""
    assert sum(_windowed_checks(seed) > 0 for seed in range(6)) >= 3


def test_waiters_at_the_same_minute_do_not_share_the_fast_technician() -> None:
    """Three 40-minute lube waiters dropped off together with two technicians: alone each would be
    done on the fast senior; together one waits for a technician. Pooling the two technicians'
    minutes sees less of it than matching each waiter to a technician and a position."""
    req = request(
        [
            Booking(id=f"w{i}", service="LUBE", drop_off=at("11:00"), promised=at("11:45"), waiter=True)
            for i in range(3)
        ]
    )
    problem = compile_request(req).problem
    pooled = bounds._pooled_bound(problem, [0, 1, 2], 0, False)
    floor = lateness_floor(problem, 3)
    plan = make_plan(req, "cpsat")
    assert_valid(req, plan)
    assert pooled < floor <= plan.kpis.total_lateness_minutes, (
        pooled,
        floor,
        plan.kpis.total_lateness_minutes,
    )


@st.composite
def _promised_days(draw: st.DrawFn) -> PlanRequest:
    """The property tests' random small days, every booking promised 30 minutes to 5 hours after
    its drop-off (tight promises: lateness the bounds must not overstate)."""
    req = draw(random_days())
    bookings = [
        b.model_copy(update={"promised": b.drop_off + dt.timedelta(minutes=draw(st.integers(6, 60)) * 5)})
        for b in req.bookings
    ]
    return req.model_copy(update={"bookings": bookings})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_promised_days())
def test_no_plan_of_any_rule_beats_the_bounds(req: PlanRequest) -> None:
    """Every rule of the family gives a real plan: it places no more than the placement bound, and
    it is at least as late as the floor for the priority it places (and, for its own bookings,
    as the placed-set bound)."""
    problem = compile_request(req).problem
    bound = placement_bound(problem)
    floors: dict[int, int] = {}  # most rules place the same priority: one floor (an LP) for each
    for name, plan in run_rules(problem).items():
        placed = set(range(len(problem.jobs))) - plan.unplaced
        weight = sum(problem.jobs[j].priority for j in placed)
        minutes = terms(problem, plan)
        late = minutes.lateness + minutes.waiter_lateness
        assert len(placed) <= bound.count and weight <= bound.weight, name
        if weight not in floors:
            floors[weight] = lateness_floor(problem, weight)
        assert floors[weight] <= late, name
        assert lateness_bound(problem, placed) <= late, name


def _value_by_groups(matcher: bounds._Matcher, bookings: list[int], k: int) -> float:
    """`_Matcher.value` as first written: the cost table filled one (technician, minutes) group of
    bookings at a time."""
    from scipy.optimize import linear_sum_assignment

    rows = [matcher.rows[j] for j in bookings if j in matcher.rows]
    fixed = sum(matcher.fixed.get(j, 0.0) for j in bookings)
    if len(rows) <= k:
        return fixed
    shortest: dict[int, int] = {}
    first: dict[int, int] = {}
    for _, ready, sizes in rows:
        for t, d in sizes.items():
            shortest[t] = min(shortest.get(t, d), d)
            first[t] = min(first.get(t, ready), ready)
    packed = {t: matcher.positions(t, shortest[t], first[t])[: len(rows)] for t in shortest}
    offsets: dict[int, int] = {}
    width = 0
    for t in sorted(packed):
        offsets[t] = width
        width += len(packed[t])
    if len(rows) * (width + k) > bounds._MATCHING_CELLS:
        return -1.0
    big = 1e9
    cost = np.full((len(rows), width + k), big)
    cost[:, width:] = 0.0
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (_, _, sizes) in enumerate(rows):
        for t, d in sizes.items():
            groups.setdefault((t, d), []).append(i)
    dues = np.array([due for due, _, _ in rows], dtype=np.float64)
    readies = np.array([ready for _, ready, _ in rows], dtype=np.int64)
    for (t, d), members in groups.items():
        at = np.array(members)
        starts = np.minimum(np.maximum(packed[t][None, :], readies[at][:, None]), matcher.size)
        late = np.maximum(0.0, matcher.ends(t, d)[starts] - dues[at][:, None])
        late[~np.isfinite(late)] = big
        cost[at[:, None], np.arange(offsets[t], offsets[t] + len(packed[t]))[None, :]] = late
    row_ind, col_ind = linear_sum_assignment(cost)
    total = float(cost[row_ind, col_ind].sum())
    return fixed + total if total < big else -1.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_promised_days(), st.data())
def test_the_assignment_table_is_the_one_filled_group_by_group(req: PlanRequest, data: st.DataObject) -> None:
    """The windowed assignment's cost table, filled in one pass over stacked end tables, gives the
    value the table filled one group at a time gave, to the last bit, for any bookings and k."""
    problem = compile_request(req).problem
    chosen = [j for j, job in enumerate(problem.jobs) if job.due is not None]
    matcher = bounds._Matcher(problem, chosen)
    for _ in range(4):
        inside = data.draw(st.lists(st.sampled_from(chosen), unique=True)) if chosen else []
        k = data.draw(st.integers(0, 3))
        assert matcher.value(inside, k) == _value_by_groups(matcher, inside, k)


def test_no_room_after_started_work_claims_nothing() -> None:
    """Started work fills the only technician's day: the waiting bookings fit nowhere. The bound
    claims nothing for them instead of failing (the Hungarian method needs finite costs)."""
    work = THIRTY_MINUTES
    problem = one_technician_morning(
        JobData(
            release=480, due=None, waiter=False, priority=1, operations=(replace(work, pin=STARTED_TO_0950),)
        ),
        JobData(release=480, due=500, waiter=True, priority=1, operations=(work,)),
        JobData(release=480, due=520, waiter=True, priority=1, operations=(work,)),
    )
    assert windowed_assignment_bound(problem, [1, 2], 0, False) == 0
    assert windowed_assignment_bound(problem, [0, 1, 2], 1, False) == 0
