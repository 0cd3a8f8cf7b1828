"""Ejection chains take out first the bookings whose windows leave them room (scheduler.ejection,
`tightness`): a drop-off customer with hours to spare moves before a waiter with minutes to spare."""

from __future__ import annotations

from itertools import pairwise

from scheduler.ejection import TIGHTNESS, eject_and_fit
from solver.problem import BayData, DayProblem, JobData, OperationData, Placement, TechnicianData


def _op(minutes: int, technicians: tuple[int, ...] = (0, 1)) -> OperationData:
    bays = tuple(technicians)  # each technician works at his own bay
    return OperationData(
        bays=bays, bay_costs=(0,) * len(bays), technicians=technicians, durations=(minutes,) * len(bays)
    )


WAITER = JobData(release=540, due=590, waiter=True, priority=1, operations=(_op(40),))
"""Dropped off at 09:00, promised at 09:50: 40 minutes of work, 10 to spare."""
DROP_OFF = JobData(release=480, due=1000, waiter=False, priority=1, operations=(_op(40),))
"""Dropped off at 08:00, promised at 16:40: 40 minutes of work, 480 to spare."""
NEW = JobData(release=540, due=None, waiter=False, priority=1, operations=(_op(40, (0,)),))
"""Only technician 0 can do it, from 09:00 on."""


def _day() -> tuple[DayProblem, list[list[Placement]]]:
    """Technician 0 (bay 0) has the waiter at 09:00-09:40 and the drop-off at 09:40-10:20, then an
    all-day booking of its own; technician 1 (bay 1) is free."""
    blocker = JobData(release=620, due=720, waiter=False, priority=1, operations=(_op(100, (0,)),))
    problem = DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"), BayData(kind="general")),
        technicians=(
            TechnicianData(grade=1, shift_start=480, shift_end=720),
            TechnicianData(grade=1, shift_start=480, shift_end=720),
        ),
        jobs=(WAITER, DROP_OFF, blocker),
        keep_promises=True,
    )
    own = [[Placement(0, 0, 540, 580)], [Placement(0, 0, 580, 620)], [Placement(0, 0, 620, 720)]]
    return problem, own


def _check(
    problem: DayProblem, own: list[list[Placement]], fit: tuple[list[Placement], dict[int, list[Placement]]]
) -> None:
    """Every booking on time, nothing overlapping on a bay or a technician."""
    placed, moved = fit
    day = [*placed]
    for j, job in enumerate(problem.jobs):
        for p in moved.get(j, own[j]):
            assert job.release <= p.start and (job.due is None or p.end <= job.due)
            day.append(p)
    for key in (lambda p: p.technician, lambda p: p.bay):
        for r in {key(p) for p in day}:
            mine = sorted((p for p in day if key(p) == r), key=lambda p: p.start)
            assert all(a.end <= b.start for a, b in pairwise(mine))


def test_the_drop_off_with_hours_to_spare_moves_and_the_waiter_keeps_his_place() -> None:
    """Taking out either booking on technician 0 makes room (each fits on technician 1). By minutes
    alone the two cost the same and the earlier one, the waiter, is moved; ranked by how tight
    their windows are, the drop-off customer is moved and the waiter keeps his technician and time."""
    problem, own = _day()
    by_minutes = eject_and_fit(problem, own, NEW, deadline=1e9)
    assert by_minutes is not None and set(by_minutes[1]) == {0}  # the waiter moved
    fit = eject_and_fit(problem, own, NEW, deadline=1e9, tightness=TIGHTNESS)
    assert fit is not None
    assert set(fit[1]) == {1}, "only the drop-off customer moves"
    assert fit[0] == [Placement(0, 0, 580, 620)]
    _check(problem, own, fit)
    _check(problem, own, by_minutes)
