"""The exact model's loan cars (solver.model, `DayProblem.loan_cars`): a car out from the drop-off
until the promise the placement's end earns, never more out at once than the fleet."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver.model import LastJobFits, SolveParameters, fit_all
from solver.problem import (
    BayData,
    DayProblem,
    JobData,
    LoanCars,
    LoanPromise,
    OperationData,
    Placement,
    TechnicianData,
)

# One lift, one technician 08:00-18:00; a drop-off at 08:00 is promised the morning handover
# (15:30) at the earliest, the work's end + 15 on the five minutes after it, and the next
# day's 15:30 (minute 1440 + 930) once that is after the last handover (17:30).
RULE = LoanPromise(drop_off=480, buffer=15, step=5, floor=930, last=1050, overnight=1440 + 930)
TWO_HOURS = OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(120,))


def _day(busy_until: int, cars: int, out: tuple[tuple[int, int], ...], asks: bool = True) -> DayProblem:
    """The technician busy with started work until `busy_until`, then the probe's two hours."""
    started = OperationData(
        bays=(0,), bay_costs=(0,), technicians=(0,), durations=(busy_until - 480,),
        pin=Placement(bay=0, technician=0, start=480, end=busy_until),
    )  # fmt: skip
    return DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"),),
        technicians=(TechnicianData(grade=1, shift_start=480, shift_end=1080),),
        jobs=(
            JobData(release=480, due=None, waiter=False, priority=1, operations=(started,)),
            JobData(release=480, due=None, waiter=False, priority=1, operations=(TWO_HOURS,)),
        ),
        loan_cars=LoanCars(cars=cars, out=out, lent=((1, RULE),) if asks else ()),
    )


def _status(problem: DayProblem) -> str:
    return fit_all(problem, None, SolveParameters(time_limit_seconds=10, workers=1))[0]


def test_the_promise_follows_the_work_end_as_the_offers_make_it() -> None:
    assert RULE.promise(600) == 930  # done early: the morning handover
    assert RULE.promise(1016) == 1035  # 10:16 + 15 on the five minutes
    assert RULE.promise(1035) == 1050
    assert RULE.promise(1036) == 1440 + 930  # after the last handover: the next day's


def test_no_car_free_from_the_drop_off_is_infeasible() -> None:
    assert _status(_day(500, cars=1, out=((500, 2000),))) == "infeasible"
    assert _status(_day(500, cars=2, out=((500, 2000),))) == "feasible"
    assert _status(_day(500, cars=1, out=((500, 2000),), asks=False)) == "feasible"


@pytest.mark.parametrize(
    ("busy_until", "fits"),
    [(780, True), (880, False)],  # done 15:00 (promised 15:30) / 16:40 (promised 16:55)
)
def test_the_car_must_be_back_before_the_next_customer_takes_it(busy_until: int, fits: bool) -> None:
    """One car; the next customer takes it at 16:40 (minute 1000)."""
    problem = _day(busy_until, cars=1, out=((1000, 1100),))
    assert _status(problem) == ("feasible" if fits else "infeasible")
    assert _status(replace(problem, loan_cars=None)) == "feasible"  # not modelled: any end


@pytest.mark.parametrize(("busy_until", "fits"), [(900, True), (920, False)])
def test_work_done_after_the_last_handover_keeps_the_car_overnight(busy_until: int, fits: bool) -> None:
    """One car, taken the next morning at 01:00 (minute 1500): done 17:00 (promised 17:15) it is
    back tonight; done 17:20 it is promised the next day's 15:30 and still out then."""
    assert _status(_day(busy_until, cars=1, out=((1500, 1600),))) == ("feasible" if fits else "infeasible")


def test_the_placement_found_ends_where_its_promise_frees_the_car_in_time() -> None:
    """Two hours of work, the technician free 08:20-09:00 and from 10:00: one car, the next
    customer takes it at 15:30 (930). Only a placement ending by 15:15 keeps the car free."""
    problem = _day(500, cars=1, out=((930, 1100),))
    gap = Placement(bay=0, technician=0, start=540, end=600)
    blocker = OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(60,), pin=gap)
    third = JobData(release=480, due=None, waiter=False, priority=1, operations=(blocker,))
    problem = replace(problem, jobs=(*problem.jobs, third))
    status, solution = fit_all(problem, None, SolveParameters(time_limit_seconds=10, workers=1))
    assert status == "feasible" and solution is not None
    end = solution.placements[(1, 0)].end
    promised = RULE.promise(end)
    assert promised is not None and promised <= 930


def test_one_binary_searchs_shared_model_is_built_again_when_the_loan_cars_differ() -> None:
    """`LastJobFits` reuses a model only where the problems differ in the last job's release: with
    the one car taken at 15:00 two hours from 13:20 (promised 15:35 at the earliest) do not fit;
    sharing the model built without that car out would say they do."""
    shared = LastJobFits()
    free = _day(780, cars=1, out=())
    taken = replace(free, loan_cars=LoanCars(cars=1, out=((900, 1100),), lent=((1, RULE),)))
    params = SolveParameters(time_limit_seconds=10, workers=1)
    assert fit_all(free, None, params, shared=shared)[0] == "feasible"
    later = replace(taken, jobs=(taken.jobs[0], replace(taken.jobs[1], release=800)))
    assert fit_all(later, None, params, shared=shared)[0] == "infeasible"
    assert fit_all(later, None, params)[0] == "infeasible"
