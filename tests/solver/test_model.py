"""The product's CP-SAT model (`solver.model`): its objective is the one plans are measured by
(`solver.objective`), so that its "optimal" and its bound mean what they say."""

from __future__ import annotations

from solver.model import SolveParameters, solve
from solver.objective import objective, terms
from solver.problem import BayData, DayProblem, JobData, OperationData, Placement, TechnicianData


def test_started_works_costs_are_in_the_models_objective() -> None:
    """A re-plan whose started work sits in a dear bay, ran past its technician's shift, and whose
    next operation only another technician can do: the plan pays the bay, the overtime and the
    change (`objective.terms`), and CP-SAT's optimum and bound say the same. The model left all
    three out: "optimal" with a bound 3 + 2 + 5 x 10 below the plan's objective."""
    started = OperationData(
        bays=(0, 1),
        bay_costs=(0, 2),
        technicians=(0,),
        durations=(60,),
        pin=Placement(bay=1, technician=0, start=550, end=610),
    )
    next_job = OperationData(bays=(0, 1), bay_costs=(0, 2), technicians=(1,), durations=(30,))
    problem = DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"), BayData(kind="general")),
        technicians=(
            TechnicianData(grade=2, shift_start=480, shift_end=600, max_overtime=60),
            TechnicianData(grade=2, shift_start=480, shift_end=720),
        ),
        jobs=(JobData(480, 700, False, 1, (started, next_job)),),
    )
    plan = solve(problem, None, SolveParameters(time_limit_seconds=10.0, workers=1))
    assert plan is not None and plan.status == "optimal" and not plan.unplaced
    paid = terms(problem, plan)
    assert (paid.bay_preference, paid.overtime, paid.technician_changes) == (2, 10, 1)
    assert plan.objective == objective(problem, plan) == 2 + 5 * 10 + 3
    assert plan.best_bound == plan.objective
