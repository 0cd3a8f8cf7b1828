"""The optimiser's 10 s plan of dealer-2011 at 1.3x, seed 4 (an over-full day of 152 bookings), read
by two tests from one solve (`dealer_2011_s4_at_10_s`, tests/scheduler/conftest.py): its floors and
the words about its gap, and its lean window."""

from __future__ import annotations

from scheduler.kpis import plan_quality_words
from solver.objective import terms
from tests.builders import SolvedDay


def test_dealer_2011_13x_s4_reads_within_20_percent_with_room_at_10_s(
    dealer_2011_s4_at_10_s: SolvedDay,
) -> None:
    """Issue 15 item 2: dealer-2011 at 1.3x, seed 4, a 10 s request: the plan, valid, is 1,845
    weighted minutes late; the wide weighted floor at 5-minute slots (`WIDE_FLOOR_GRIDS`, by column
    generation) proves 1,526, a gap of 17 %: the words say "within 17%", not a reading a minute
    from 20 % (the window LP before read 1,487: 19.4 %). The floor is never above the plan.
    In plain minutes (every minute late once) the plan is 901 minutes late; the same LP counting
    plain minutes (`WIDE_PLAIN_FLOOR`) proves 576, where the warm start's relaxation read 499: the
    plain gap 36 %, not 45 %. Counted effort only (the wall-clock net off)."""
    plan = dealer_2011_s4_at_10_s.plan
    assert plan.kpis.placed == 152
    assert plan.weighted_minutes_late is not None and plan.weighted_lateness_floor is not None
    assert 1500 <= plan.weighted_lateness_floor <= plan.weighted_minutes_late
    assert plan.weighted_lateness_gap is not None and plan.weighted_lateness_gap <= 0.18
    assert "lateness within 17% of the best possible" in plan_quality_words(plan)
    assert plan.lateness_bound is not None and 570 <= plan.lateness_bound <= plan.kpis.total_lateness_minutes
    assert plan.lateness_gap is not None and plan.lateness_gap <= 0.37
    assert "36% in plain minutes" in plan_quality_words(plan)


def test_a_ten_second_plan_of_dealer_2011_s4_goes_through_a_lean_window(
    dealer_2011_s4_at_10_s: SolvedDay,
) -> None:
    """dealer-2011 at 1.3x seed 4 at 10 s: the lean model over the 90 minutes up to the latest late
    end (`LEAN_WINDOWS`), the rest of the plan fixed, moves the afternoon rush's work: 1,909 -> 1,845
    weighted minutes late (bench/RESULTS-gap15-s35.md), valid (the fixture's validator), every
    booking placed. (The same request twice: tests/scheduler/test_alpha_points.py's seed-5 test,
    whose request runs a window too; a window's own plan twice: tests/solver/test_lean.py.)"""
    solved = dealer_2011_s4_at_10_s
    assert "the lean window's plan is the plan" in solved.solution.notes
    assert not solved.solution.unplaced
    minutes = terms(solved.compiled.problem, solved.solution)
    assert minutes.lateness + 3 * minutes.waiter_lateness <= 1850
