"""Fixtures of the scheduler's tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from scheduler.compiler import compile_request
from scheduler.demand import day_request
from scheduler.planning import to_plan
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.slots import CapacityRules
from scheduler.storage import Store
from scheduler.validator import assert_valid
from tests.builders import SolvedDay, fixed_clock


@pytest.fixture
def service(db_url: str) -> Iterator[PlanningService]:
    """A planning service on the test database at the builders' fixed clock, refining in the
    foreground and holding back no walk-in capacity (the live re-plan's tests)."""
    made = PlanningService(
        Store(db_url), CapacityRules(walk_in_holdback=0), refine_in_background=False, clock=fixed_clock()
    )
    yield made
    made.close()


@pytest.fixture(scope="module")
def dealer_2011_s4_at_10_s() -> SolvedDay:
    """dealer-2011 at 1.3x, seed 4, on 2026-11-24 planned by a 10 s request on counted effort only
    (the wall-clock net off, so the machine's load cannot change the plan), once for the tests of a
    module that read it (tests/scheduler/test_optimise_dealer_2011_s4.py): an optimise of ~45 s that
    two tests each made."""
    import scheduler.optimise as optimise

    day = day_request(load_scenario("dealer-2011"), dt.date(2026, 11, 24), seed=4, scale=1.3, exact=True)
    request = day.model_copy(update={"options": day.options.model_copy(update={"time_limit_seconds": 10.0})})
    compiled = compile_request(request)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(optimise, "WALL_SAFETY", False)
        solution = optimise.optimise(compiled)
    plan = to_plan(compiled, solution, "cpsat")
    assert_valid(request, plan)
    return SolvedDay(request, compiled, solution, plan)
