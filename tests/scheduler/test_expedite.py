"""`scheduler.replan.expedite`: bookings the promise guard has at risk moved earlier by the live
re-plan: into room the plan has, or ahead of work that keeps its promise with time to spare, and
never at another booking's promise's expense."""

from __future__ import annotations

from scheduler.replan import SLACK_MINUTES, expedite
from solver.objective import objective
from solver.problem import BayData, DayProblem, DaySolution, JobData, OperationData, Placement, TechnicianData

HOUR = 60


def _job(due: int, technicians: tuple[int, ...] = (0,), release: int = 8 * HOUR) -> JobData:
    op = OperationData(
        bays=(0, 1), bay_costs=(0, 0), technicians=technicians, durations=(HOUR,) * len(technicians)
    )
    return JobData(release=release, due=due, waiter=False, priority=1, operations=(op,))


def _problem(jobs: tuple[JobData, ...], technicians: int = 1) -> DayProblem:
    techs = tuple(
        TechnicianData(grade=3, shift_start=8 * HOUR, shift_end=17 * HOUR) for _ in range(technicians)
    )
    return DayProblem(
        horizon=24 * HOUR, bays=(BayData("general"), BayData("general")), technicians=techs, jobs=jobs
    )


def _solution(problem: DayProblem, placements: dict[tuple[int, int], Placement]) -> DaySolution:
    s = DaySolution(placements=placements, unplaced=set())
    s.objective = objective(problem, s)
    return s


def _no_overlaps(solution: DaySolution) -> None:
    ps = list(solution.placements.values())
    for a in ps:
        for b in ps:
            if a is not b and (a.technician == b.technician or a.bay == b.bay):
                assert a.end <= b.start or b.end <= a.start, (a, b)


def test_a_booking_at_risk_goes_to_the_free_technician_and_nobody_else_moves() -> None:
    # i on t 08:00-09:00, j queued behind it on t (due 09:20: 40 min late); u is free all day.
    problem = _problem((_job(12 * HOUR, (0, 1)), _job(9 * HOUR + 20, (0, 1))), technicians=2)
    before = _solution(problem, {(0, 0): Placement(0, 0, 480, 540), (1, 0): Placement(1, 0, 540, 600)})
    after = expedite(problem, before, [1])
    assert after.placements[(1, 0)] == Placement(1, 1, 480, 540)
    assert after.placements[(0, 0)] == before.placements[(0, 0)]
    assert after.objective < before.objective  # its lateness gone
    _no_overlaps(after)
    # Not at risk: left where it was.
    assert expedite(problem, before, []).placements == before.placements


def test_a_booking_at_risk_goes_ahead_of_work_with_time_to_spare() -> None:
    # One technician: j (due 09:20) queued behind i (due 12:00, plenty of slack).
    problem = _problem((_job(12 * HOUR), _job(9 * HOUR + 20)))
    before = _solution(problem, {(0, 0): Placement(0, 0, 480, 540), (1, 0): Placement(1, 0, 540, 600)})
    after = expedite(problem, before, [1])
    assert after.placements[(1, 0)].end == 540 and after.placements[(0, 0)].start >= 540
    assert after.placements[(0, 0)].end <= 12 * HOUR - SLACK_MINUTES
    _no_overlaps(after)
    # Without jumping ahead of other work there is no room: nothing moves.
    assert expedite(problem, before, [1], jump=False).placements == before.placements


def test_never_at_the_expense_of_another_promise() -> None:
    # i would end at 10:00 behind j: later than it did and within 30 minutes of its 10:10 promise.
    problem = _problem((_job(10 * HOUR + 10), _job(9 * HOUR + 20)))
    before = _solution(problem, {(0, 0): Placement(0, 0, 480, 540), (1, 0): Placement(1, 0, 540, 600)})
    assert expedite(problem, before, [1]).placements == before.placements
    # Two at risk: neither overtakes the other.
    assert expedite(problem, before, [0, 1]).placements == before.placements


def test_a_small_gain_is_not_worth_a_changed_plan() -> None:
    # u is busy until 08:50: j would end 10 minutes earlier there, not worth the change.
    problem = _problem(
        (_job(12 * HOUR, (0, 1)), _job(9 * HOUR, (0, 1)), _job(12 * HOUR, (1,))), technicians=2
    )
    placements = {
        (0, 0): Placement(0, 0, 480, 540),
        (1, 0): Placement(1, 0, 540, 600),
        (2, 0): Placement(1, 1, 480, 530),
    }
    before = _solution(problem, placements)
    assert expedite(problem, before, [1], jump=False).placements == before.placements
    # Free from 08:30 (30 minutes earlier): moved.
    earlier = _solution(problem, placements | {(2, 0): Placement(1, 1, 480, 510)})
    assert expedite(problem, earlier, [1], jump=False).placements[(1, 0)] == Placement(1, 1, 510, 570)
