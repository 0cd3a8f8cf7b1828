"""The floor on the whole objective (`solver.bounds_objective`): the period floor's branch and bound on
the time-indexed relaxation whose columns also pay their bay's cost and overtime, with
technician-change variables. On a day where the lane is contended it reads what the plain floors
do not; on random small days (a common break, technicians alike or not, some bookings left out) it
never passes CP-SAT's proven optimum."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.bounds_objective import leaves_floor, objective_floor
from solver.bounds_period import period_floor
from solver.model import SolveParameters, solve
from solver.problem import BayData, DayProblem, JobData, ObjectiveWeights, OperationData, TechnicianData

WHOLE = ObjectiveWeights(unplaced=100_000, lateness=10, waiter_lateness=30, overtime=5, technician_change=3)

SHIFTS = (
    TechnicianData(grade=2, shift_start=600, shift_end=720, max_overtime=60, breaks=((660, 680),)),
    TechnicianData(grade=2, shift_start=620, shift_end=700, max_overtime=60, breaks=((650, 690),)),
    TechnicianData(grade=3, shift_start=600, shift_end=730, max_overtime=30, breaks=((665, 675),)),
)
"""Every technician off from 11:05 to 11:15: the floor branches on the operations' sides of it."""

BAYS = (BayData("express"), BayData("general"), BayData("general"))


def test_two_waiters_and_one_lane_pay_for_a_general_bay() -> None:
    """Two waiters from 10:00 due 10:30, 30 minutes each, two technicians and one express lane (the
    general bay costs 2): one of them pays for the general bay or is 30 minutes late. The floor
    reads 2 (the lane holds one at a time): the optimum, CP-SAT's. Where the general bay cost
    nothing for them, 0; with one waiter fewer needed (either may be left out), 0."""
    technicians = tuple(TechnicianData(grade=2, shift_start=600, shift_end=720) for _ in range(2))

    def day(general: int) -> DayProblem:
        op = OperationData(bays=(0, 1), bay_costs=(0, general), technicians=(0, 1), durations=(30, 30))
        return DayProblem(
            horizon=1440,
            bays=BAYS[:2],
            technicians=technicians,
            jobs=(JobData(600, 630, True, 1, (op,)), JobData(600, 630, True, 1, (op,))),
            weights=WHOLE,
        )

    best = solve(day(2), None, SolveParameters(time_limit_seconds=10.0, workers=1))
    assert best is not None and best.status == "optimal" and best.objective == 2
    found = objective_floor(day(2), 2)
    assert found is not None and found.bound == 2 and found.closed
    free = objective_floor(day(0), 2)
    assert free is not None and free.bound == 0
    fewer = objective_floor(day(2), 1)
    assert fewer is not None and fewer.bound == 0


@st.composite
def _days(draw: st.DrawFn, alike: bool = False, crowded: bool = False) -> DayProblem:
    """One to three technicians of `SHIFTS` (`alike`: two or three, the last two the same, so that a
    change between them is one inside a class), two to five bookings of one or two operations, each
    in the lane at no cost and a general bay at 2, in general bays only (1 and 3), in the lane only,
    or in the lane or bay 1 (0 and 2), by some of the technicians (the later ones slower unless
    `alike`), released from 10:00 to 11:40, some due, some waiting. `crowded`: one technician and
    five to seven longer bookings (some left out)."""
    technicians = (SHIFTS[0], SHIFTS[2], SHIFTS[2]) if alike else SHIFTS
    count = 1 if crowded else draw(st.integers(2, 3) if alike else st.integers(1, 3))
    jobs = []
    for _ in range(draw(st.integers(5, 7) if crowded else st.integers(2, 5))):
        ops = []
        for _ in range(draw(st.integers(1, 2))):
            bays, costs = draw(
                st.sampled_from([((0, 1, 2), (0, 2, 2)), ((1, 2), (1, 3)), ((0,), (0,)), ((0, 1), (0, 2))])
            )
            who = tuple(sorted(draw(st.sets(st.integers(0, count - 1), min_size=1))))
            length = draw(st.sampled_from([25, 40, 60] if crowded else [10, 15, 25, 40]))
            ops.append(OperationData(bays, costs, who, tuple(length + (0 if alike else 5 * t) for t in who)))
        release = draw(st.sampled_from([600, 620, 640, 680, 700]))
        due = draw(st.sampled_from([None, 650, 690, 720, 760]))
        jobs.append(JobData(release, due, draw(st.booleans()), 1, tuple(ops)))
    return DayProblem(
        horizon=1440, bays=BAYS, technicians=technicians[:count], jobs=tuple(jobs), weights=WHOLE
    )


def _never_above_the_optimum(problem: DayProblem) -> None:
    """CP-SAT's proven optimum, its unplaced term aside, is at least the floor for as much priority
    as it places (and the floor is the same twice)."""
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    if best is None or best.status != "optimal":
        return  # no proven optimum to compare with
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in best.unplaced)
    found = objective_floor(problem, weight)
    if found is None:
        return
    unplaced = WHOLE.unplaced * (len(problem.jobs) - weight)
    assert found.bound + unplaced <= best.objective
    assert objective_floor(problem, weight) == found


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problem=_days())
def test_never_above_the_optimum_of_cp_sat(problem: DayProblem) -> None:
    _never_above_the_optimum(problem)


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problem=_days(alike=True))
def test_never_above_the_optimum_with_technicians_alike(problem: DayProblem) -> None:
    _never_above_the_optimum(problem)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problem=_days(crowded=True))
def test_never_above_the_optimum_where_some_are_left_out(problem: DayProblem) -> None:
    _never_above_the_optimum(problem)


def _leaves_never_above_the_optimum(problem: DayProblem, slack: float, over: int) -> None:
    """The proof from a lateness search's leaves (`leaves_floor`, after `period_floor` with `slack`),
    asked to prove a cost `over` above CP-SAT's proven optimum (its unplaced term aside), never passes
    that optimum."""
    best = solve(problem, None, SolveParameters(time_limit_seconds=20.0, workers=1))
    if best is None or best.status != "optimal":
        return  # no proven optimum to compare with
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in best.unplaced)
    lateness = period_floor(problem, weight, slack=slack)
    if lateness is None or not lateness.closed or not lateness.leaves:
        return
    unplaced = WHOLE.unplaced * (len(problem.jobs) - weight)
    found = leaves_floor(problem, weight, lateness.leaves, round(best.objective) - unplaced + over)
    if found is None:
        return
    assert found.bound + unplaced <= best.objective


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(problem=_days(), slack=st.sampled_from([0.0, 0.5, 2.0]), over=st.sampled_from([0, 3, 20]))
def test_the_proof_from_the_lateness_leaves_never_passes_the_optimum(
    problem: DayProblem, slack: float, over: int
) -> None:
    _leaves_never_above_the_optimum(problem, slack, over)
