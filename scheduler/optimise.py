"""The optimiser as the planning service runs it: baseline first, CP-SAT from it, never worse."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, replace

from scheduler.availability import Availability
from scheduler.compiler import CompiledDay
from scheduler.dispatch import (
    RULES,
    alpha_orders,
    dispatch_order,
    multi_start,
    pinned_placements,
    place_job,
    rank,
)
from scheduler.lns import DTIME_PER_SECOND, HUGE_DAY, improve
from scheduler.local_search import compact, local_search
from solver.bounds import (
    PlacementBound,
    droppable,
    lateness_floor,
    placement_bound,
    relaxation_bound,
    secondary_floor,
)
from solver.bounds_groups import group_floor
from solver.bounds_objective import leaves_floor, objective_floor
from solver.bounds_period import MOST_ITERATIONS, PeriodFloor, breaks, column_floor, period_floor
from solver.bounds_time import Relaxation, time_indexed_bound, time_indexed_relaxation
from solver.lean import exact, exact_day, lateness_plan, objective_plan
from solver.model import SolveParameters, safety_seconds, solve
from solver.objective import objective, terms
from solver.problem import DayProblem, DaySolution
from solver.relaxation_plan import RelaxationPlan, near_plan, relaxation_plan


def fill_gaps(problem: DayProblem, solution: DaySolution) -> DaySolution:
    """Insert unplaced bookings that still fit, earliest finish first (a cheap repair step)."""
    if not solution.unplaced:
        return solution
    availability = Availability(problem)
    # Started work holds its resources even where its booking is left out (the dispatcher drops an
    # unplaced booking's pinned placements from the plan, not from the shop floor).
    pins = pinned_placements(problem)
    for p in {**pins, **solution.placements}.values():
        availability.reserve(p)
    placements = dict(solution.placements)
    unplaced = set(solution.unplaced)
    for j in dispatch_order(problem):
        if j not in unplaced:
            continue
        job = problem.jobs[j]
        placed = place_job(availability, job, j)
        if placed is None:
            continue
        unplaced.discard(j)
        unpinned = [k for k, op in enumerate(job.operations) if op.pin is None]
        placements.update({(j, k): p for k, p in zip(unpinned, placed, strict=True)})
        placements.update({(j, k): pins[(j, k)] for k, op in enumerate(job.operations) if op.pin is not None})
    if unplaced == solution.unplaced:
        return solution
    repaired = DaySolution(
        placements=placements,
        unplaced=unplaced,
        status="feasible",
        best_bound=solution.best_bound,
        solve_seconds=solution.solve_seconds,
        first_solution_seconds=solution.first_solution_seconds,
        notes=[*solution.notes, f"repair placed {len(solution.unplaced) - len(unplaced)} more bookings"],
    )
    repaired.objective = objective(problem, repaired)
    return repaired if rank(problem, repaired) < rank(problem, solution) else solution


SMALL_JOBS = 45
"""Days up to this many bookings get a full CP-SAT solve first (it proves small days optimal)."""


INDEXED_BOUND_SECONDS = 10.0
"""Requests with at least this limit (the default) also get the time-indexed lateness floor
(`solver.bounds_time`): it costs 1-2.5 s of CPU after the search, too much beside a shorter
request's limit (quick re-plans, the test suite), which keeps the cheaper floors."""


def add_bounds(
    problem: DayProblem,
    solution: DaySolution,
    indexed: bool = True,
    placements: PlacementBound | None = None,
    relaxation: Relaxation | None = None,
    cheap: tuple[int, int] | None = None,
    weighted: Relaxation | None = None,
) -> None:
    """Bounds per level: placements (count and priority), and the lateness of any plan placing as
    much priority as this one (not only of this plan's set of bookings); `indexed`: with the
    time-indexed floor; `placements`: the placement bound if already worked out; `relaxation`:
    the time-indexed relaxation if already worked out (the warm start's), used where this plan
    places at least the priority it was worked out for (its floor holds for every such plan);
    `cheap`: (weight, the floor without the relaxation for it) if already worked out, the same;
    `weighted`: the warm start's relaxation at the objective's weights, the same (its optimum
    bounds the objective's lateness terms: `weighted_lateness_bound`).

    The priority bound also bounds the objective: every plan leaves at least the rest unplaced,
    and pays at least the lateness floor's minutes at the objective's weights (the waiters' own
    floor, without the time-indexed relaxation, at their extra weight), or leaves one more priority
    unplaced (`lower_bound`; `WAITER_FLOOR_JOBS`).
    """
    placements = placements if placements is not None else placement_bound(problem)
    placed = set(range(len(problem.jobs))) - solution.unplaced
    weight = sum(problem.jobs[j].priority for j in placed)
    solution.placement_bound = max(placements.count, len(placed))
    solution.placement_weight_bound = max(placements.weight, weight)
    # Level 2 for that many placements: any plan placing as much priority, whichever bookings.
    # Once a cheap bound reaches this plan's own minutes the costlier relaxation has nothing to add.
    minutes = terms(problem, solution)
    late = minutes.lateness + minutes.waiter_lateness
    solution.lateness_bound = _minutes_floor(problem, weight, late, indexed, relaxation, cheap)
    w = problem.weights
    # Every plan placing at least `weight` is at least `lateness_bound` minutes late (and its
    # waiters at least their own floor); one placing less leaves at least one more priority unplaced.
    least = solution.lateness_bound or 0
    lateness = min(w.lateness, w.waiter_lateness) * least
    waiters: int | None = None  # the waiters' own floor, where worked out
    if weighted is not None and weighted.weighted and not weighted.waiters_only and weight >= weighted.weight:
        # Already solved for the warm start: on dealer-2011 1.3x it beats the sum below (the waiters'
        # floor there is without the relaxation: 135 against 162 minutes on s1).
        lateness = max(lateness, weighted.weighted_bound)
    if w.waiter_lateness > w.lateness and least and len(problem.jobs) <= WAITER_FLOOR_JOBS:
        extra = w.waiter_lateness - w.lateness
        waiters = lateness_floor(problem, weight, waiters_only=True, indexed=False)
        paid = w.lateness * late + extra * minutes.waiter_lateness  # the plan's own lateness terms
        summed = w.lateness * least + extra * waiters
        if (
            WAITERS_INDEXED
            and indexed
            and waiters < minutes.waiter_lateness
            and (
                max(summed, lateness) * late < least * paid
                or w.lateness * least + extra * minutes.waiter_lateness > max(summed, lateness)
            )
        ):
            # Relative to the plan, weaker than the plain floor: the weighted gap would read worse
            # for its floor alone; or the sum could pass the floor so far, the waiters' floor at
            # most their minutes in the plan. The waiters' own relaxation (`WAITERS_INDEXED`).
            waiters = max(waiters, time_indexed_bound(problem, weight, waiters_only=True))
            summed = w.lateness * least + extra * waiters
        lateness = max(lateness, summed)
    if indexed and GROUP_FLOOR and len(problem.jobs) <= GROUP_FLOOR_JOBS:
        lateness = _group_floors(problem, solution, weight, late, lateness)
    if indexed and WIDE_FLOOR_GRIDS:
        lateness = wide_weighted_floor(problem, solution, weight, lateness)  # never lower
    if indexed and WIDE_FLOOR_GRIDS and WIDE_PLAIN_FLOOR:
        # Last, so that the weighted floor's own steps are asked as before (a plain floor raised
        # first would lift the weighted sum over `WIDE_FLOOR_GAP` and skip its wider LP).
        least = solution.lateness_bound or 0
        plain = wide_plain_floor(problem, solution, weight, least)
        if plain > least:
            solution.lateness_bound = plain
            lateness = max(lateness, min(w.lateness, w.waiter_lateness) * plain)
            if waiters is not None:  # the sum, as above, with the raised plain floor
                lateness = max(lateness, w.lateness * plain + (w.waiter_lateness - w.lateness) * waiters)
    # The floor on the objective's own lateness terms for this many placements: what the plan's
    # weighted lateness gap is measured against (`to_plan`).
    solution.weighted_lateness_bound = float(lateness)
    _objective_floor(problem, solution, weight, lateness)


def _minutes_floor(
    problem: DayProblem,
    weight: int,
    late: int,
    indexed: bool,
    relaxation: Relaxation | None,
    cheap: tuple[int, int] | None,
) -> int:
    """`add_bounds`' floor on the minutes late of every plan placing at least `weight` (a plan `late`
    minutes late: a floor reaching it need not be passed)."""
    if cheap is not None and weight >= cheap[0]:
        least = cheap[1]
        if relaxation is not None and not relaxation.waiters_only and weight >= relaxation.weight:
            least = max(least, relaxation.bound)
        elif indexed and least < late:  # as `lateness_floor` would
            least = max(least, time_indexed_bound(problem, weight))
        return least
    return lateness_floor(problem, weight, indexed=indexed, enough=late)


def _objective_floor(
    problem: DayProblem, solution: DaySolution, weight: int, lateness: int, others: int | None = None
) -> None:
    """`solution.lower_bound` raised (never lowered) to the objective's floor for plans placing
    `weight` with the lateness terms floor `lateness` and the floor `others` on the terms below
    lateness (None: `secondary_floor`, what every booking that must be placed pays alone), both
    for every plan placing at least `weight` (`add_bounds`' last step). Every plan placing at
    least `weight` (and at most `most`, the placement bound) leaves at least `total - most`
    unplaced and pays at least both floors (the terms add up, each at least its floor); one placing
    less leaves at least `most - weight + 1` more priority unplaced than the most."""
    w = problem.weights
    total = sum(job.priority for job in problem.jobs)
    most = solution.placement_weight_bound if solution.placement_weight_bound is not None else weight
    others = secondary_floor(problem, weight) if others is None else others
    floor = float(w.unplaced * (total - most) + min(lateness + others, w.unplaced * (most - weight + 1)))
    if floor > 0 and (solution.lower_bound is None or floor > solution.lower_bound):
        solution.lower_bound = floor


def _group_floors(problem: DayProblem, solution: DaySolution, weight: int, late: int, lateness: int) -> int:
    """`solution.lateness_bound` and the weighted floor `lateness` (returned) raised to the groups'
    (`solver.bounds_groups`) where every plan placing `weight` places every booking that fits (none
    can be left out: `droppable`), and the plan is above a floor; never lowered."""
    fits, spare = droppable(problem, weight)
    w = problem.weights
    minutes = terms(problem, solution)
    paid = w.lateness * minutes.lateness + w.waiter_lateness * minutes.waiter_lateness
    least = solution.lateness_bound or 0
    if spare or (least >= late and lateness >= paid):
        return lateness
    found = group_floor(problem, fits, solution, (least, lateness))
    if found is None:
        return lateness
    solution.lateness_bound = max(least, found.plain)
    return max(lateness, found.weighted, min(w.lateness, w.waiter_lateness) * solution.lateness_bound)


WIDE_FLOOR_GAP = 0.20
"""The plan's weighted lateness gap (`Plan.weighted_lateness_gap`: its lateness terms against the
floor above) above which `add_bounds` also solves the floor's own model at the objective's weights
on a finer grid (`wide_weighted_floor`). Issue 15 asks dealer-2011 1.3x at 10 s for a gap of at
most 20 %: a plan reading at most that is left as it is (no CPU spent); only one reading more
(dealer-2011 1.3x s4: 22.9 % without it) pays for the LP that may bring it under."""

WIDE_FLOOR_GRIDS = (2, 5)
"""Minutes per start slot of that LP, finest first: the first whose model has at most
`WIDE_FLOOR_COLUMNS` start columns (counted before it is built) and solved within
`WIDE_FLOOR_ITERATIONS`. Uniform slots, no window (`solver.bounds_period.column_floor`: a model
within the floor's own limits solved whole by its dual simplex, as on small days; a larger one by
column generation from the plan's starts, at the last grid only: small-dealer 2x s2 and s5 at
2-minute slots by column generation read 3,179 and 645 instead of 3,170 and 642 at 5-minute ones,
for ~1 s more CPU, the gaps staying at 55 % and 68 %). On dealer-2011 1.3x s4 (the plan
1,845 weighted minutes late) uniform 5-minute slots read 1,526 (17.3 %) for 2.0 s of CPU, where
the window before (10-minute slots, 5-minute ones in the 300 minutes before the 15:30 rush, by the
dual simplex over every column) read 1,487 (19.4 %) for 2.35 s; 4-minute slots read 1,510 (the
promises are on 5-minute marks), 3-minute 1,559 for 4.8 s, 2-minute 1,574 for 9.4 s, 1-minute
1,598 for 69 s (bench/RESULTS-s4gap15-s40.md). On small days (up to ~45 bookings) 2-minute slots,
the floor's own grid there. (): off."""

WIDE_FLOOR_COLUMNS = 55_000
"""The largest model that LP is built on: dealer-2011 1.3x has 48,904-51,801 start columns at
5-minute slots (s1-s5), 1.5x 55,883-60,754 and 2x 76,063-81,272, where the weighted floor is far
below any plan for the bookings it may leave out (1.5x: 0-165 weighted minutes against plans of
5,978-10,913), so that no CPU is spent there; at 2-minute slots dealer-2011 1.3x has ~120,000
(bench/RESULTS-s4gap15-s40.md)."""

WIDE_FLOOR_ITERATIONS = 30_000
"""Its budget in simplex iterations (counted: the same floor for the same day and plan every time;
no floor claimed past it): dealer-2011 1.3x s4 takes 12,221."""


def wide_weighted_floor(problem: DayProblem, solution: DaySolution, weight: int, floor: int) -> int:
    """The floor on the objective's lateness terms of every plan placing at least `weight`
    priority from the floor's model at the objective's weights at the finest of
    `WIDE_FLOOR_GRIDS` within `WIDE_FLOOR_COLUMNS` (`solver.bounds_period.column_floor`: solved
    whole where small, else by column generation from `solution`'s starts), where `solution`'s
    weighted gap against `floor` (today's) is above `WIDE_FLOOR_GAP`; else, or where that model is
    too large at every grid or not solved within `WIDE_FLOOR_ITERATIONS`, `floor` unchanged.
    Counted simplex iterations: the same floor for the same day and plan every time. Never below
    `floor`."""
    w = problem.weights
    minutes = terms(problem, solution)
    paid = w.lateness * minutes.lateness + w.waiter_lateness * minutes.waiter_lateness
    if paid <= 0 or paid - floor <= WIDE_FLOOR_GAP * paid:
        return floor
    return _wide_floor(problem, solution, weight, paid, floor)


def _wide_floor(problem: DayProblem, solution: DaySolution, weight: int, paid: int, floor: int) -> int:
    """`column_floor` of `problem` (its lateness weights are the LP's costs) at the finest of
    `WIDE_FLOOR_GRIDS` it solves, from `solution`'s starts and `paid` (the plan's cost at those
    weights); `floor` where none does. Never below `floor`."""
    starts = {key: at.start for key, at in solution.placements.items()}
    for grid in WIDE_FLOOR_GRIDS:
        wide = column_floor(
            problem,
            weight,
            grid,
            starts,
            paid,
            most_iterations=WIDE_FLOOR_ITERATIONS,
            most_columns=WIDE_FLOOR_COLUMNS,
            generate=grid == WIDE_FLOOR_GRIDS[-1],  # column generation at the coarsest grid only
        )
        if wide is not None:  # else too large at this grid (or not solved in the budget): the next
            return max(floor, wide)
    return floor


WIDE_PLAIN_FLOOR = True
"""`add_bounds` also raises the plain floor (every minute late once, drop-offs' and waiters' alike:
`Plan.lateness_bound`) by the same LP as `wide_weighted_floor`, counting plain minutes, where the
plan's plain gap is above `WIDE_FLOOR_GAP` (`wide_plain_floor`), after the weighted floor's steps
(so that those are asked as before); the weighted floor then also takes the raised plain floor at
the lesser weight, and its sum with the waiters' own floor. On dealer-2011 1.3x s4 (901 minutes
late, a floor of 499 from the warm start's 10-minute relaxation) 5-minute slots read 576: the plain
gap 44.6 -> 36.1 %, for ~2 s of CPU; 3-minute slots would read 606 (4.8 s), 2-minute 622 (10.6 s).
No other dealer-2011 1.3x or 1.0x day's plain gap is above 20 % (bench/RESULTS-gap15-s44.md)."""


def wide_plain_floor(problem: DayProblem, solution: DaySolution, weight: int, floor: int) -> int:
    """The floor on the minutes late (plain: drop-offs' and waiters' alike) of every plan placing
    at least `weight` priority: `wide_weighted_floor`'s LP (`solver.bounds_period.column_floor`,
    the same grids, columns and iterations) with every minute late weighed 1 (the day's weights
    replaced: that LP's costs are the lateness weights only), where `solution`'s plain gap against
    `floor` (today's) is above `WIDE_FLOOR_GAP`; else, or where the model is too large at every grid
    or not solved within `WIDE_FLOOR_ITERATIONS`, `floor` unchanged. Never below `floor`."""
    minutes = terms(problem, solution)
    late = minutes.lateness + minutes.waiter_lateness
    if late <= 0 or late - floor <= WIDE_FLOOR_GAP * late:
        return floor
    plain = replace(problem, weights=replace(problem.weights, lateness=1, waiter_lateness=1))
    return _wide_floor(plain, solution, weight, late, floor)


GROUP_FLOOR = True
"""Small days (up to `GROUP_FLOOR_JOBS` bookings) with the time-indexed floor also get the groups'
floor (`solver.bounds_groups`) where every booking that fits is placed: small-dealer 1.3x s5 145 ->
149 minutes (plan 153), weighted 435 -> 447 (plan 459), the bounds' CPU 1.2 -> 2.5 s; on s2
0.6-0.7 s for nothing (bench/RESULTS-proof15-s33.md; FINE_SIZE caps the costly part)."""

GROUP_FLOOR_JOBS = SMALL_JOBS
"""Days up to this many bookings (`GROUP_FLOOR`): the groups' relaxations at whole minutes and the
CP-SAT solves per group cost more on larger days than a 10 s request has after its search."""


WAITERS_INDEXED = True
"""Requests that get the time-indexed floor (`INDEXED_BOUND_SECONDS`) also get the waiters' own
(the same relaxation counting waiters' minutes only) where, without it, the floor on the
objective's lateness terms is further below the plan than the plain floor is (`add_bounds`: the
weighted lateness gap would read worse than the plain one for its floor alone) and the warm start
did not already solve the weighted relaxation: 0.7-1.0 s of CPU on a dealer-2011 1.3x day
(bench/RESULTS-wgap15-s28.md). On s3 the weighted gap is then 5.7 % (as the plain) instead of 13.4 %.
Also where the sum with it could pass the floor so far (the warm start's weighted relaxation's):
0.4-0.6 s on dealer-2011 1.3x (the floor's lean model), s4's weighted floor 1,384 -> 1,423 and s5's
719 -> 729 (bench/RESULTS-gapgrid15-s32.md)."""


WAITER_FLOOR_JOBS = 400
"""Days up to this many bookings also get the waiters' own lateness floor (without the relaxation:
0.1-0.2 s of CPU on dealer-2011) for the objective's bound (`add_bounds`). On dealer-2011 1.3x at
10 s the objective's gap (`Plan.gap`) falls from 8.5 / 12.0 / 100 / 100 / 100 % to 4.5 / 2.3 / 27 /
74 / 58 % (s1-s5; on s3-s5 every booking is placed, and the priority bound alone bounded the
objective by 0), plans unchanged (bench/RESULTS-gap-s18.md)."""


WARM_START_SECONDS = 1.0
"""At most this much of the limit goes to the warm start's swaps (a tenth of it below 10 s).

The same for every limit from 10 s on, so longer runs start from the same plan. That alone does
not make a 60 s plan at least as good as the 10 s plan (small days share the budget with a full
CP-SAT solve; from PLAN_MIP_LIMIT on the search starts from the relaxation's own plan instead of
the near plan, after which it no longer passes through the shorter run's plan): `SHORT_FIRST`
does."""


HUGE_DAY_COST = 0.4
"""On a day of more than `lns.HUGE_DAY` bookings the counted costs per operation and resource (a
dispatch, `dispatch_seconds`; the work around the search, `OTHER_SECONDS`) times this: fitted on
dealer-2011, they grow more slowly with the workshop than counted (the minute grid, numpy). On the
1,000-booking day a dispatch took 0.15-0.26 s of CPU (median 0.19) against 0.50 counted, and the
work around the search 1.3 s against 4.0; counted as before, a 10 s request took 4.3 s of wall
time on a quiet machine, ran six rules of the family and left the search 2 s (6 steps, no
improvement: the plan was waiters-first's). With it the whole family runs, the search gets 4.8 s
and the plan is less late than every rule's (bench/RESULTS-large15-s29.md). Days up to
`lns.HUGE_DAY` keep the calibration their plans were measured with."""


def huge_day_cost(problem: DayProblem) -> float:
    """`HUGE_DAY_COST` on a day of more than `lns.HUGE_DAY` bookings, else 1."""
    return HUGE_DAY_COST if len(problem.jobs) > HUGE_DAY else 1.0


def dispatch_seconds(problem: DayProblem) -> float:
    """Counted cost of one dispatch: about 1.5 us per operation and resource on the 2-core machine
    (on a huge day less: `HUGE_DAY_COST`)."""
    resources = len(problem.technicians) + len(problem.bays)
    return 1.5e-6 * max(20, problem.operation_count()) * max(1, resources) * huge_day_cost(problem)


def warm_start_tries(problem: DayProblem, limit: float) -> int:
    """Seeded swaps of the best rule's order to try: counted, not timed."""
    seconds = min(WARM_START_SECONDS, 0.1 * limit)
    return int(seconds / dispatch_seconds(problem))


ALPHA_POINTS = True
"""The warm start also tries the time-indexed relaxation's alpha-point orders (`StartRelaxation`)."""

ALPHA_WEIGHTED = 1
"""The warm start's relaxation weighs a waiter's minutes as the objective does (1), or counts
plain minutes as the floor does (0: one relaxation for start and floor). Weighted, the 10 s plans
of dealer-2011 1.3x over three search seeds were less late (12,692 minutes in 15 runs against
13,458; main 15,689) and cheaper (objective 301,819 against 310,000; main 313,804), for a second
relaxation after the search (the floor, as on main: bench/RESULTS-warm-s10.md)."""

ALPHA_CHAINS = 1
"""The warm start's relaxation orders a booking's operations threshold by threshold as the floor's
does (1: `bounds_time.CHAINS`) or on average only (0). On (plan15-s33), with the plan compacted last
(`COMPACT`), the 10 s plans of dealer-2011 1.3x (plain / weighted minutes, objective): s1 209 / 533 /
107,346 -> 204 / 528 / 107,230, s2 409 / 1,207 / 112,805 -> 399 / 1,197 / 112,560, s3 the same, s4
919 / 1,883 / 20,547 -> 941 / 1,909 / 20,859 (its support holds a near plan now, so the quick
relaxation plan, the better start there, is not built), s5 369 / 855 / 10,467 -> **292** / 778 /
9,692 (plain gap 34 -> 17 %). With compaction, against main, over dealer-2011 1.0x-2x seeds 1-5
at 10 s: less late on 14 of 20, the same on 4, later on 1.3x s4 and 1.0x s5 (245 -> 250
minutes); no rule passes the plan
(bench/RESULTS-plan15-s33.md; first measured in bench/RESULTS-gapcum15-s31.md)."""


ALPHA_EXCESS = 1.5
"""Alpha-point starts only where the best start so far (before its swaps) is more than this many
times the cheap floor (`lateness_floor` without the relaxation) late. Without the gate the 10 s
plan of dealer-2011 1.0x seed 1 was 117 minutes late against main's 114; with it that day is
main's, move for move (bench/RESULTS-warm-s10.md)."""

RELAXATION_SECONDS = 2.4e-6
"""Counted cost of the time-indexed relaxation per column and matrix entry (`Relaxation.size`):
1.0-1.7 s of CPU for 650,000-710,000 on dealer-2011 1.3x days (load ~5)."""


@dataclass
class StartRelaxation:
    """The time-indexed relaxation for plans placing `weight` (the placement bound), worked out
    during the warm start for its alpha-point orders (`multi_start`'s `alpha`), and its cost: the
    relaxation and the dispatches of its orders, counted against the request's limit (`seconds`).
    Unweighted (`ALPHA_WEIGHTED` = 0), the plan's lateness floor reuses it (`floor`)."""

    problem: DayProblem
    weight: int
    relaxation: Relaxation | None = None
    dispatches: int = 0
    cheap: int | None = None
    """The lateness floor without the relaxation for `weight` (worked out once, for the gate and
    the plan's floor)."""

    def orders(self, best: DaySolution) -> list[tuple[str, list[int]]]:
        """The alpha-point orders, where `best` (the best start so far) is more than `ALPHA_EXCESS`
        times the cheap lateness floor late (else none, and nothing spent or charged)."""
        minutes = terms(self.problem, best)
        late = minutes.lateness + minutes.waiter_lateness
        self.cheap = lateness_floor(self.problem, self.weight, indexed=False)
        if late <= ALPHA_EXCESS * self.cheap:
            return []
        self.relaxation = time_indexed_relaxation(
            self.problem,
            self.weight,
            weighted=bool(ALPHA_WEIGHTED),
            chains=None if ALPHA_CHAINS else False,
            lean=False,  # its model as before: the floor's leaner one would move the orders
        )
        return alpha_orders(self.problem, self.relaxation)

    @property
    def known(self) -> tuple[int, int] | None:
        """(weight, cheap floor) where worked out (`add_bounds`'s `cheap`)."""
        return (self.weight, self.cheap) if self.cheap is not None else None

    @property
    def floor(self) -> Relaxation | None:
        """The relaxation where its optimum is the lateness floor (plain minutes), else None."""
        return self.relaxation if self.relaxation is not None and not self.relaxation.weighted else None

    @property
    def seconds(self) -> float:
        """Counted seconds spent (none where the warm start did not ask for the orders)."""
        if self.relaxation is None:
            return 0.0
        return RELAXATION_SECONDS * self.relaxation.size + self.dispatches * dispatch_seconds(self.problem)


def start_relaxation(problem: DayProblem, limit: float, most: int) -> StartRelaxation | None:
    """The relaxation for the warm start where the request pays for the time-indexed floor anyway
    (`INDEXED_BOUND_SECONDS`) and the search is the LNS (more than `SMALL_JOBS` bookings; small
    days are solved by CP-SAT first, as before)."""
    if not ALPHA_POINTS or limit < INDEXED_BOUND_SECONDS or len(problem.jobs) <= SMALL_JOBS:
        return None
    return StartRelaxation(problem, most)


def warm_start(
    problem: DayProblem, limit: float, seed: int, most: int | None = None, lp: StartRelaxation | None = None
) -> DaySolution:
    """The rules family and the swaps of the best start (`multi_start`; `most`: the placement
    bound's weight; `lp`: the relaxation whose alpha-point orders are tried where a start places
    `most`): what the search starts from."""
    tries = warm_start_tries(problem, limit)
    return multi_start(problem, tries, seed, rules=family_rules(problem, limit), most=most, alpha=lp)


RULES_SHARE = 0.3
"""At most this share of the limit goes to the rules family (counted). Every rule runs on the days
of the benchmark (dealer-2011 to the 330-booking day: under 0.1 s each; the 1,000-booking day: 0.2
s each, `HUGE_DAY_COST`); where a limit pays for fewer, the first of `dispatch.BUDGET_ORDER`
(fcfs first)."""

OTHER_SECONDS = 1.2e-5
"""Counted cost, per operation and resource, of the work around the search in one request:
compiling, the repair, the placement and lateness bounds, the reasons for unplaced bookings and
validation (under 0.05 s on dealer-2011; on the 1,000-booking day 1.3 s of CPU, counted at
`HUGE_DAY_COST`: 1.6 s)."""

RELAXATION_CHOICES = 50_000
"""Bay choices (operations x eligible bays) above which the CP-SAT relaxation bound is skipped:
building it alone took ~4 s of CPU on the 1,000-booking day (148,000 choices), and the placement
bound's floor was better there anyway."""


def family_rules(problem: DayProblem, limit: float) -> int:
    """How many rules of the family a request's limit pays for (counted, at least the baseline)."""
    return max(1, min(len(RULES), int(RULES_SHARE * limit / dispatch_seconds(problem))))


def outside_search(problem: DayProblem, limit: float) -> float:
    """Counted seconds of the request's work outside the search: the rules family, the warm
    start's swaps and everything around them (`OTHER_SECONDS`). The search gets what is left of
    the limit, so on a huge day the limit is the whole request's time, not the search's."""
    resources = len(problem.technicians) + len(problem.bays)
    dispatches = family_rules(problem, limit) + warm_start_tries(problem, limit)
    other = OTHER_SECONDS * max(20, problem.operation_count()) * max(1, resources) * huge_day_cost(problem)
    return dispatches * dispatch_seconds(problem) + other


WALL_SAFETY = True
"""The wall-clock safety net (`wall_safety`) is on. Off, a search ends at its counted effort alone,
however long the machine takes (`NO_NET_SECONDS`): for benchmarks whose rows must depend on
deterministic time only, even where the load spikes after a request starts, after the load average
that stretches the net was read (`bench.planners --no-wall-safety`). A service keeps it on."""

NO_NET_SECONDS = 1e5
"""The net with `WALL_SAFETY` off: longer than any search runs."""


def wall_safety(limit: float) -> float:
    """The wall-clock safety net of a plan's deterministic search: `safety_seconds(limit)`, times
    the machine's load per core where it is above 1, so that load alone never cuts a search short
    (the same request gives the same plan on a busy machine too: at load 16 on 2 cores a 10 s
    request takes 70-140 s of wall time at 0.035 units per second); the net stops only a search
    that runs away. `NO_NET_SECONDS` with `WALL_SAFETY` off."""
    if not WALL_SAFETY:
        return NO_NET_SECONDS
    try:
        per_core = os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:  # no load average on this platform
        per_core = 1.0
    return safety_seconds(limit) * max(1.0, per_core)


PLAN_MIP_LIMIT = 30.0
"""Requests with at least this limit also start from the relaxation's own plan
(`solver.relaxation_plan`), where the alpha-point orders were tried (placements at the proven
bound, the best start far above the cheap floor): it costs 4-10 s of one core on dealer-2011 1.3x,
too much beside a 10 s request, and gives plans 267 / 397 / - / 929 / 396 minutes late where the
10 s search ends at 529 / 543 / 289 / 1,917 / 699 (bench/RESULTS-pooled-s11.md)."""

PLAN_MIP_SECONDS = 1.5e-5
"""Counted cost of the relaxation's plan per column and matrix entry of its model (the LP and up
to two restricted MIPs) up to `PLAN_MIP_SIZE`: 8-10 s of CPU for 580,000-650,000 on dealer-2011
1.3x days (load ~4); above it the cost grows with the square of the size (33-41 s of CPU for about
1.35 million on the 330- and 300-booking days: bench/RESULTS-review-s11.md)."""

PLAN_MIP_SIZE = 650_000

PLAN_MIP_SHARE = 0.7
"""The relaxation's plan is built only where its counted cost is at most this share of the limit."""


def plan_mip_seconds(size: int) -> float:
    """Counted seconds of the relaxation's plan for a model of `size` columns and entries."""
    return PLAN_MIP_SECONDS * size * max(1.0, size / PLAN_MIP_SIZE)


def plan_mip_most(limit: float, share: float | None = None) -> int:
    """The largest model whose counted cost fits `share` (default `PLAN_MIP_SHARE`) of the limit."""
    allowed = (PLAN_MIP_SHARE if share is None else share) * limit
    if allowed <= PLAN_MIP_SECONDS * PLAN_MIP_SIZE:
        return int(allowed / PLAN_MIP_SECONDS)
    return int(math.sqrt(allowed * PLAN_MIP_SIZE / PLAN_MIP_SECONDS))


NEAR_PLAN = 1
"""Requests from `INDEXED_BOUND_SECONDS` up to `PLAN_MIP_LIMIT` start from `near_plan` where
better (the relaxation's plan with its LP restricted to the columns near the warm start's plan and
near the alpha-point relaxation's support, which the warm start already paid for): on the same
gate as the alpha-point orders and `relaxation_plan`, for starts still more than `ALPHA_EXCESS`
times the cheap floor late (`_far_above_floor`). On dealer-2011 1.3x at 10 s, search seeds
+0/1/2, minutes late s1 1,718 -> 663 and s2 1,644 -> 1,212 (the near plan is the start); on s4 and
s5 its columns hold no integral plan and the plans are main's (`NEAR_REFUND`); s3 is not tried
(the gate) (bench/RESULTS-gap2-s17.md)."""

NEAR_AROUND = (3, 4)
"""`near_plan`'s reach (slots around the start's starts and the relaxation's support), tried in turn
until one holds a plan. The wider LP is tried only where the narrower holds none, so where the first
finds a plan (dealer-2011 1.3x s2, s4, s5 at 10 s) nothing changes; on s1 the first holds none, the
quick relaxation plan (`QUICK_PLAN`) was the start and the search got no budget (204 minutes late,
the plain gap 20.6 %); within 4 slots the near plan is found and the LNS runs: 162 minutes late, the
floor (bench/RESULTS-gap15-s34.md). Reach 4 everywhere made s4 and s5 later (970 and 450 minutes
against 941 and 292); 5 everywhere found no plan on s4 and s5 (bench/RESULTS-plan15-s33.md). Where
both attempts find none, both are refunded (`NEAR_REFUND`): the request's CPU grows by the second."""

NEAR_MODEL_SECONDS = 4e-7
"""Counted seconds per column and entry of the lengths-up model `near_plan` builds."""

NEAR_LP_SECONDS = 5e-6
"""Counted seconds per column and entry of `near_plan`'s restricted LP."""

NEAR_ITERATION_SECONDS = 3.5e-4
"""Counted seconds per simplex iteration of `near_plan`'s MIPs."""

NEAR_REFUND = 1
"""1: a near plan the search does not start from (none found, or no better than the rules' start)
is not charged to the search, which then runs exactly as without it: the request's plan is never
made worse by a failed attempt, at the price of running over its limit by the attempt's cost
(dealer-2011 1.3x: 1.1 counted seconds on s5, 3.5 on s4; 1.2 and 2.6 s of CPU). 0: charged
(s4 and s5 then end 8-10 % later: bench/RESULTS-gap-s17.md). No deterministic cap on HiGHS's
integer step was found to bound that cost instead: highspy 1.16's MIP interrupt callback reports
no simplex iteration count (-1) and `simplex_iteration_limit` does not bound a MIP's LPs
(bench/RESULTS-gap2-s17.md)."""


QUICK_PLAN = 1
"""Requests from `INDEXED_BOUND_SECONDS` up to `PLAN_MIP_LIMIT` whose near plan finds no plan
(`NEAR_PLAN`) try the relaxation's own plan instead (`relaxation_plan`, its MIP within
`QUICK_WIDTHS` slots of the LP only), charged at `plan_mip_seconds` where it is the start; the
search gets what is left of the limit (on dealer-2011 1.3x nothing: the local search follows). On
dealer-2011 1.3x at 10 s, seeds 4 and 5 (the near plan's columns hold no plan there), minutes late
1,800 -> 923 and 817 -> 369, objective 35,692 -> 22,229 and 19,824 -> 12,597, in 15.8 and 13.2 s
of CPU against 16.2 and 13.5; seeds 1-3 unchanged, their near plan is found or not tried
(bench/RESULTS-gap15-s28.md). One that is not the start costs nothing, as a failed near plan
(`NEAR_REFUND`): the search then runs as without it."""

QUICK_WIDTHS = (6,)
"""The quick relaxation plan's MIP only within this many slots of its LP (the longer requests' plan
tries 3 first, then 6: on dealer-2011 1.3x seeds 4 and 5 the MIP within 3 holds no plan, 0.7-0.8 s
of CPU for nothing)."""

QUICK_SHARE = 1.0
"""The quick relaxation plan is built where its counted cost is at most this share of the limit
(dealer-2011 1.3x: 8.7-9.7 counted seconds for a 10 s request; the rules' start and the search's
budget are charged apart, so the request then runs over its limit by about a tenth)."""


def _quick_relaxation_plan(problem: DayProblem, weight: int, limit: float) -> RelaxationPlan:
    """The relaxation's plan with its MIP within `QUICK_WIDTHS` slots only, its objective set."""
    made = relaxation_plan(
        problem,
        weight,
        widths=QUICK_WIDTHS,
        safety_seconds=wall_safety(limit),
        most_size=plan_mip_most(limit, QUICK_SHARE),
    )
    if made.solution is not None:
        made.solution.objective = objective(problem, made.solution)
    return made


def _quick_plan(
    problem: DayProblem, start: DaySolution, limit: float, weight: int
) -> tuple[DaySolution | None, float, list[str]]:
    """The relaxation's own plan where it beats `start` (`QUICK_PLAN`), its counted cost and notes;
    (None, 0, notes) where it is not the start (nothing charged)."""
    made = _quick_relaxation_plan(problem, weight, limit)
    if made.solution is None:
        return None, 0.0, made.notes
    if rank(problem, made.solution) < rank(problem, start):
        return made.solution, plan_mip_seconds(made.size), [*made.notes, "the relaxation's plan is the start"]
    return None, 0.0, [*made.notes, "the rules' start kept"]


def _fresh(problem: DayProblem) -> bool:
    """No work started and no earlier plan to keep stable."""
    return not any(
        op.pin is not None or op.previous is not None for job in problem.jobs for op in job.operations
    )


def _far_above_floor(problem: DayProblem, start: DaySolution, lp: StartRelaxation) -> bool:
    """`start` (after its swaps) is more than `ALPHA_EXCESS` times the cheap lateness floor late
    (or that floor was not worked out). Below it the near plan was never the start on dealer-2011
    1.0x (s2-s5: starts 1.0-1.3 times the floor) and would only run the request over its limit
    (`NEAR_REFUND`: 0.8 counted seconds each)."""
    if lp.cheap is None:
        return True
    minutes = terms(problem, start)
    return minutes.lateness + minutes.waiter_lateness > ALPHA_EXCESS * lp.cheap


def relaxation_start(
    problem: DayProblem, start: DaySolution, limit: float, lp: StartRelaxation | None
) -> tuple[DaySolution, float, list[str]]:
    """The better of `start` and the relaxation's own plan placing as much (see `PLAN_MIP_LIMIT`;
    below it, from `INDEXED_BOUND_SECONDS`, its near plan: `NEAR_PLAN`, or where that finds none
    the relaxation's own plan: `QUICK_PLAN`), the counted seconds to charge to the search and
    notes; `start` unchanged and nothing charged where it does not apply (or, below
    `PLAN_MIP_LIMIT`, where neither is the start: `NEAR_REFUND`)."""
    if (
        NEAR_PLAN
        and INDEXED_BOUND_SECONDS <= limit < PLAN_MIP_LIMIT
        and lp is not None
        and lp.relaxation is not None
        and not problem.keep_promises
        and _fresh(problem)
        and _far_above_floor(problem, start, lp)
    ):
        weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in start.unplaced)
        spent = 0.0
        notes: list[str] = []
        for around in NEAR_AROUND:
            near = near_plan(
                problem,
                weight,
                start,
                lp.relaxation.starts,
                around=around,
                safety_seconds=wall_safety(limit),
            )
            # Every attempt is charged where one is the start (a wider one after a failed one).
            spent += (
                NEAR_MODEL_SECONDS * near.model_size
                + NEAR_LP_SECONDS * near.lp_size
                + NEAR_ITERATION_SECONDS * near.iterations
            )
            notes += [*near.notes, f"near plan: {near.lp_size} LP size, {near.iterations} MIP iterations"]
            if near.solution is not None or not near.model_size:
                break  # a plan, or no model to widen (too large, or started work)
        unused = 0.0 if NEAR_REFUND else spent
        if near.solution is None:
            if QUICK_PLAN:
                quick, charged, quick_notes = _quick_plan(problem, start, limit, weight)
                notes = [*notes, *quick_notes]
                if quick is not None:
                    return quick, unused + charged, notes
            return start, unused, notes
        near.solution.objective = objective(problem, near.solution)
        if rank(problem, near.solution) < rank(problem, start):
            return near.solution, spent, [*notes, "the near plan is the start"]
        return start, unused, [*notes, "the rules' start kept"]
    if (
        limit < PLAN_MIP_LIMIT
        or lp is None
        or lp.relaxation is None
        or problem.keep_promises
        or not _fresh(problem)
    ):
        return start, 0.0, []
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in start.unplaced)
    made = relaxation_plan(problem, weight, safety_seconds=wall_safety(limit), most_size=plan_mip_most(limit))
    spent = plan_mip_seconds(made.size)
    if made.solution is None:
        return start, spent, made.notes
    made.solution.objective = objective(problem, made.solution)
    if rank(problem, made.solution) < rank(problem, start):
        return made.solution, spent, [*made.notes, "the relaxation's plan is the start"]
    return start, spent, [*made.notes, "the rules' start kept"]


COMPACT = True
"""The plan goes through `local_search.compact` last (every operation left-shifted to its earliest
finish, never later), kept where it ranks better: no placement and no minute late is lost, so no
rule can pass the plan by it. A plan coloured from the relaxation's slots waits for them
(`solver.relaxation_plan.colour`); the LNS's re-insertions leave gaps too. On dealer-2011 1.3x at
10 s the objective falls 109,010 / 114,215 / 10,877 / 22,229 / 12,597 -> 107,346 / 112,805 /
10,743 / 20,547 / 10,467 (s1-s5; s4 also 923 -> 919 minutes late, weighted 1,887 -> 1,883).
Not counted apart: about one dispatch's CPU (0.013 s on dealer-2011 1.3x, 0.18 s on the
1,000-booking day), within what `OTHER_SECONDS` counts for the work around the search
(bench/RESULTS-plan15-s33.md)."""


LOCAL_SEARCH_SHARE = 0.05
"""The search's plan (CP-SAT's and the LNS's) goes through the local search for lateness
(`scheduler.local_search`) for at most this share of the limit, counted, on top of the search's
budget: the LNS keeps its budget, so the plan is the search's plan or better (fewer minutes late,
a lower objective, the same bookings placed). Taken from the LNS instead, or run on the start
before it, it made dealer-2011 1.3x seed 5 later (808 and 794 minutes against 699): the LNS's
last steps matter there (bench/RESULTS-gap15-s21.md). Not with promises kept (every placed
booking is on time)."""


SMALL_PLAN = 1
"""Days of up to `SMALL_JOBS` bookings (no warm-start relaxation: CP-SAT solves them whole) whose
plan is still more than `ALPHA_EXCESS` times the cheap lateness floor late, from
`INDEXED_BOUND_SECONDS` on: the relaxation's own plan (`relaxation_plan`, `QUICK_WIDTHS`) after
the local search is the plan where it is better (never worse: a last step, not a start; as CP-SAT's
start it made small-dealer 2x seed 3 37 % costlier). Not capped: up to ~2.3 s of CPU where tried
(small-dealer 1.5x-2x), none where the plan is near its floor (bench/RESULTS-gap15-s28.md); charged
before the search with the bounds, a flat `PASSES_AROUND_SECONDS`, where the passes are
(`PASSES_CHARGED`)."""


def small_final(problem: DayProblem, chosen: DaySolution, limit: float) -> tuple[DaySolution, list[str]]:
    """`SMALL_PLAN`: the better of `chosen` and the relaxation's own plan (after the local search),
    and notes."""
    if (
        not SMALL_PLAN
        or len(problem.jobs) > SMALL_JOBS
        or limit < INDEXED_BOUND_SECONDS
        or problem.keep_promises
        or not _fresh(problem)
    ):
        return chosen, []
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in chosen.unplaced)
    minutes = terms(problem, chosen)
    if minutes.lateness + minutes.waiter_lateness <= ALPHA_EXCESS * lateness_floor(
        problem, weight, indexed=False
    ):
        return chosen, []
    made = _quick_relaxation_plan(problem, weight, limit)
    if made.solution is None:
        return chosen, made.notes
    polished, _ = local_search(problem, made.solution, LOCAL_SEARCH_SHARE * limit)
    if rank(problem, polished) < rank(problem, chosen):
        return polished, [*made.notes, "the relaxation's plan is the plan"]
    return chosen, [*made.notes, "the search's plan kept"]


SMALL_PASS = True
"""Days of up to `SMALL_JOBS` bookings, from `INDEXED_BOUND_SECONDS` on, whose search did not prove
its plan optimal: a last lateness-only CP-SAT solve of the lean model (`solver.lean`: bays exact,
no redundant cumulatives over bay groups, `linearization_level` 0, hinted with the plan, one
worker, `SMALL_PASS_DTIME`), its plan kept where it ranks better (the same bookings placed, so
never fewer), then compacted. Not on days it does not model exactly (`solver.lean.exact`: loan
cars, kept promises, started or pinned work, re-plans). Its counted cost (`small_pass_seconds`)
is taken from the search's budget before the search, with the period and objective passes'
(`PASSES_CHARGED`), and its deterministic time is capped by what is left of the passes' allowance
(`Allowance`); on a day far from its floor with a common break it runs after the period pass, and
only where the halves' plan is not the plan (`PERIOD_FIRST`). At 10 s
(bench/RESULTS-smallpass-s34.md): small-dealer 1.3x s5 153 / 459 -> 149 / 447 minutes (plain /
weighted), the floor: "proven the best possible"; s2 500 / 1,326 -> 466 / 1,278 (weighted gap 22.7
-> 19.8 %, objective -3.7 %), the request's CPU 8.6 -> 9.6 s; 1.5x s1 and s4 139 -> 119 and 161 ->
125 minutes; 2x s2 and s3 objective -19.5 and -6.2 %; 2x s5 +0.05 % (the shorter search, the pass
finds nothing there); 1.0x and the rest unchanged; no placement lost, no rule beats the plan.
Prototyped in bench/RESULTS-proof15-s34.md §3c."""

SMALL_PASS_DTIME = 0.5
"""The lean pass's deterministic time: s2 reaches 1,278 weighted at 0.5 (not at 0.3 with the bay
cumulatives); s5 is proven optimal at 0.21."""

SMALL_PASS_SECONDS_PER_DTIME = 0.15
"""Counted seconds per unit of the lean model's deterministic time (not the product model's
`DTIME_PER_SECOND`) and operation of the day: at load ~1, 0.5 cost 2.05 s of CPU on small-dealer
1.3x s2 (34 operations), 2.66 s on 1.5x s5 (41), 3.4-4.1 s on 2x s1-s3 (50-54)."""


def small_pass_seconds(problem: DayProblem, limit: float) -> float:
    """Counted seconds the lean pass is charged before the search (`SMALL_PASS`), 0 where it does
    not run: larger days, shorter requests, days the lean model does not model exactly."""
    if (
        not SMALL_PASS
        or len(problem.jobs) > SMALL_JOBS
        or limit < INDEXED_BOUND_SECONDS
        or not exact_day(problem)
    ):
        return 0.0
    return SMALL_PASS_DTIME * SMALL_PASS_SECONDS_PER_DTIME * problem.operation_count()


PASSES_CHARGED = True
"""The small days' passes after the search (`SMALL_PASS`, `PERIOD_FLOOR` and its halves,
`OBJECTIVE_PASS`) are charged to the request's limit (issue 15: a 10 s request on small-dealer
1.3x s2 took 13.6 s of wall time, 14.6-15.4 s of CPU, of which ~1.4 s was the rules and the search
and ~13 s the relaxation's plan, the bounds and the passes after it;
bench/RESULTS-limit15-s42.md). Before the search, where they may run (`small_pass_seconds`), their
allowance is set (`passes_allowance`): what the limit leaves after the work around the search, the
search itself (its counted seconds at `SMALL_SEARCH_WALL`) and the uncapped work after it
(`PASSES_AROUND_SECONDS`), at most their counted seconds at their caps (`passes_seconds`). After the
search each pass's deterministic effort (CP-SAT's deterministic time, the period floor's simplex
iterations) is capped by what is left of it (`Allowance`), counted at its own rate, in the order
they run; the same request, seed and workers give the same caps and the same plan (nothing is
measured on the clock). The search's own budget is as before (the lean pass's charge alone taken
from it): taking the passes' reserve out of it too shortened small days' whole solve (6 counted
seconds, ~1 s of wall time) for ~0.5 s of wall time and cost small-dealer 1.3x s5 its proven
objective (the objective pass, from another plan, did not prove 4,482 within its 0.3). False: as
before, the passes uncapped."""

SMALL_SEARCH_WALL = 0.25
"""Wall seconds per counted second of a small day's search (`SMALL_JOBS`: CP-SAT's whole solve on
two workers, then the LNS), for the passes' allowance: the whole solve runs at 0.15-0.22
deterministic time per CPU second of each worker, against the LNS's `lns.DTIME_PER_SECOND` of 0.035
its budget is counted at (small-dealer 1.3x s2 and s5 at 10 s: 5.95 counted seconds, 0.94 s of wall
time, 1.6-1.9 s of CPU; 1.5x s1: 3.3 + 2.6 counted seconds of solve and LNS, 1.4 + 0.7 s)."""

PASSES_AROUND_SECONDS = 1.0
"""Counted seconds of the small day's work after the search that the allowance does not cap (the
relaxation's plan, `SMALL_PLAN`: 0.3-1.0 s of CPU where it runs; the bounds, `add_bounds`: 0.2-2.8
s), taken from it. Measured they are more (small-dealer 1.3x s2: 0.9 + 2.1-2.8 s) but the rules'
counted seconds (`outside_search`, 1.0) take 0.45 s: with 1.0 the 10 s request on 1.3x s2 keeps
the floor's 10,709 iterations and the lean pass's share beside them (`PERIOD_FIRST`)."""

PERIOD_ITERATION_SECONDS = 3.6e-4
"""Counted seconds per simplex iteration of the period floor (`bounds_period.period_floor`): 3.45-3.85
s of CPU for 8,936-10,709 iterations on small-dealer 1.3x s2, 4.3 s for 12,000 on 1.5x s2, 3.75 s
for 8,821 on 1.5x s5 (load ~1-4)."""


def lean_dtime_seconds(problem: DayProblem, deterministic_time: float) -> float:
    """Counted seconds of a lean solve of `deterministic_time` over the whole day
    (`SMALL_PASS_SECONDS_PER_DTIME` per operation)."""
    return deterministic_time * SMALL_PASS_SECONDS_PER_DTIME * problem.operation_count()


def passes_seconds(problem: DayProblem, limit: float) -> float:
    """Counted seconds of the small day's passes after the search at their caps, where they may
    run (`PASSES_CHARGED`), else 0: the lean pass, the objective pass and, on a day with a common
    break, the period floor (`bounds_period.MOST_ITERATIONS`, or `PERIOD_LONG_COLUMNS`' request's)
    and its two halves."""
    if not PASSES_CHARGED or not small_pass_seconds(problem, limit):
        return 0.0
    total = small_pass_seconds(problem, limit)
    if OBJECTIVE_PASS:
        total += lean_dtime_seconds(problem, OBJECTIVE_PASS_DTIME)
    if PERIOD_FLOOR and breaks(problem):
        total += MOST_ITERATIONS * PERIOD_ITERATION_SECONDS + lean_dtime_seconds(problem, PERIOD_HALVES_DTIME)
    return total


def passes_allowance(problem: DayProblem, limit: float, search: float) -> float:
    """The counted seconds the passes after a small day's search may spend (`PASSES_CHARGED`), set
    before the search: what the limit leaves after the work around the search (`outside_search`),
    the search's budget `search` (counted seconds, at `SMALL_SEARCH_WALL`) and the uncapped work
    after it (`PASSES_AROUND_SECONDS`); at most `passes_seconds`, 0 where the passes do not run."""
    wanted = passes_seconds(problem, limit)
    if not wanted:
        return 0.0
    left = (
        limit - outside_search(problem, limit) - SMALL_SEARCH_WALL * max(0.0, search) - PASSES_AROUND_SECONDS
    )
    return max(0.0, min(wanted, left))


@dataclass
class Allowance:
    """What is left (`left`, counted seconds) of the passes' allowance (`passes_allowance`), charged
    pass by pass in the order they run with counted effort (deterministic time used, simplex
    iterations), so that the same request gives the same caps and the same plan."""

    left: float

    def lean_time(
        self, problem: DayProblem, most: float, operations: int | None = None, keep: float = 0.0
    ) -> float:
        """The deterministic time a lean solve over `operations` (default: the day's) may take:
        `most`, or less where the allowance has less than `keep` and its counted seconds left
        (0: none)."""
        count = problem.operation_count() if operations is None else operations
        rate = SMALL_PASS_SECONDS_PER_DTIME * max(1, count)
        return max(0.0, min(most, (self.left - keep) / rate))

    def charge_lean(self, problem: DayProblem, used: float, operations: int | None = None) -> None:
        count = problem.operation_count() if operations is None else operations
        self.left -= used * SMALL_PASS_SECONDS_PER_DTIME * max(1, count)

    def iterations(self, most: int, keep: float = 0.0) -> int:
        """The period floor's simplex iterations: `most`, or fewer where less than `keep` and
        their counted seconds is left (`keep`: for a pass that may follow)."""
        return max(0, min(most, int((self.left - keep) / PERIOD_ITERATION_SECONDS)))

    def charge_iterations(self, iterations: int) -> None:
        self.left -= iterations * PERIOD_ITERATION_SECONDS


PERIOD_FIRST = True
"""On a small day whose passes are charged (`PASSES_CHARGED`), in a request shorter than
`PERIOD_LONG_SECONDS` (longer ones have room for both, and on small-dealer 2x s2 at 60 s the floor
of the search's plan did not close within its iterations where the lean plan's does: objective
71,723 against 34,911), with a common break, whose plan after the search is still more than
`ALPHA_EXCESS` times the cheap lateness floor late (`far_from_floor`, as `SMALL_PLAN`'s gate): the
lean pass waits until after the period pass, and runs only where the plan's lateness is not then
proven (the halves' plan at the floor), on the search's plan with its whole deterministic time (the
period floor leaves its share) and from its plan before the compaction (from the compacted one
small-dealer 2x s3 at 10 s got 14,707 against main's 14,634), kept where it ranks better. The
halves plan the whole day as the lean pass would, better where the floor closes, and from the
search's plan the floor's split costs less: on small-dealer 1.3x s2 at 10 s the halves take 0.1
deterministic time instead of 1.0 (0.5 s of CPU against 3.4 s) and reach the same 1,247 weighted
minutes, the floor, and the lean pass's 1.6 s are saved (bench/RESULTS-limit15-s42.md). The
bounds are then worked out on the search's plan (they hold for every plan placing as much). Where
the lean pass is needless, its share is not spent (the objective pass leaves it): on 1.3x s2 the
objective pass, given what is left after the floor and the halves, would take ~1 s for 5 units of
objective (12,498 -> 12,493)."""


LNS_AFTER = True
"""Where the lean pass waited (`PERIOD_FIRST`) and ran on the search's plan (no halves' plan): what
is left of the passes' allowance after it goes to the LNS (`lns.improve`) from the plan, its plan
kept where it ranks better. There the period floor gave no plan (its root did not finish within
its iterations: uncharged; or it stayed open) and the objective pass does not run (the lateness is
not proven), so ~3 counted seconds were left unspent, while the 60 s plans of these days come from
the LNS's further steps (105-140 against 14-21 at 10 s). Not where the lean pass proved the
lateness (the objective pass then has the rest). small-dealer 2x at 10 s
(bench/RESULTS-plan15b-s46.md): s5 objective 321,547 -> 315,897 (1,138 -> 973 minutes late; 60 s:
314,891, 901), s3 14,634 -> 13,092 (729 -> 699; 60 s: 12,629, 665), s1 425,308 -> 425,088. False:
the allowance's rest unspent (as before)."""

LNS_AFTER_LEAST = 0.5
"""Counted seconds of the allowance below which `LNS_AFTER` does not run."""

LNS_AFTER_WALL = 0.85
"""Wall seconds per counted second of the LNS (`lns.DTIME_PER_SECOND`) on a small day, for
`LNS_AFTER`'s budget (what is left of the allowance, in wall seconds, over this). A rough rate,
not fitted: on small-dealer 2x at 10 s the pass added ~1-3.5 s of CPU (bench/RESULTS-plan15b-s46.md)."""

LEAN_FROM_HALVES = True
"""Where the lean pass waits (`PERIOD_FIRST`) and the halves' plan is the plan but its lateness is not
proven: the lean pass starts from the halves' plan, its deterministic time capped by what is left of
the passes' allowance (the halves take what the floor leaves, the lean pass's share included), not
from the search's plan with its whole share. From the search's plan it cannot reach the halves' (on
small-dealer 2x s2 at 10 s: 7,039 weighted minutes against the halves' ~3,650) and its ~4 s of CPU
came on top of the allowance. False: from the search's plan, its whole share (as before)."""


def _lateness_proven(problem: DayProblem, plan: DaySolution) -> bool:
    """`plan`'s lateness terms are at their floor (`weighted_lateness_bound`, after `add_bounds`)."""
    if plan.weighted_lateness_bound is None:
        return False
    w = problem.weights
    minutes = terms(problem, plan)
    paid = w.lateness * minutes.lateness + w.waiter_lateness * minutes.waiter_lateness
    return paid <= math.ceil(plan.weighted_lateness_bound - 1e-6)


def far_from_floor(problem: DayProblem, plan: DaySolution) -> bool:
    """`plan` is more than `ALPHA_EXCESS` times the cheap lateness floor (`lateness_floor` without
    the relaxation) for its placed priority late."""
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in plan.unplaced)
    minutes = terms(problem, plan)
    return minutes.lateness + minutes.waiter_lateness > ALPHA_EXCESS * lateness_floor(
        problem, weight, indexed=False
    )


LEAN_LEAST_DTIME = 0.02
"""A lean solve the allowance would give less deterministic time than this is not run."""


def small_pass(
    problem: DayProblem, chosen: DaySolution, limit: float, allowance: Allowance | None = None
) -> tuple[DaySolution, list[str]]:
    """`SMALL_PASS`: the better of `chosen` and the lean model's least-late plan of its bookings,
    and notes; `allowance`: its deterministic time capped by what is left, and charged."""
    if not small_pass_seconds(problem, limit) or not exact(problem, chosen):
        return chosen, []
    dtime = SMALL_PASS_DTIME if allowance is None else allowance.lean_time(problem, SMALL_PASS_DTIME)
    if dtime < LEAN_LEAST_DTIME:
        return chosen, ["lean pass: no time left"]
    found = lateness_plan(problem, chosen, dtime, wall_safety(limit))
    if allowance is not None:
        allowance.charge_lean(problem, found.deterministic_time)
    notes = [f"lean pass: {found.status.lower()}, {found.cost:g} / {found.bound:g}"]
    if found.solution is None:
        return chosen, notes
    found.solution.objective = objective(problem, found.solution)
    if rank(problem, found.solution) < rank(problem, chosen):
        return found.solution, [*notes, "the lean plan is the plan"]
    return chosen, notes


PERIOD_FLOOR = True
"""Small days (`SMALL_PASS`'s: up to `SMALL_JOBS` bookings, from `INDEXED_BOUND_SECONDS` on, that the
lean model holds exactly) where every technician is off at once (a common break) and whose weighted
lateness gap after the bounds is above `PERIOD_GAP`: the floor with each operation wholly before or
after the break (`solver.bounds_period`, 1-minute slots, a branch and bound over the operations'
sides, at most `bounds_period.MOST_ITERATIONS` simplex iterations; no floor on a model of more than
`bounds_period.MOST_COLUMNS` start columns, counted before it is built, and no search past the root
with fewer than `bounds_period.SEARCH_LEAST` iterations left) raises the weighted floor (never
lowers it: the larger is kept), and where that search closes on a whole node, the plan of its split
(`period_halves`: CP-SAT on each half alone, `PERIOD_HALVES_DTIME` each, one worker) is the plan
where it ranks better (the same bookings placed), then compacted. Deterministic: counted simplex
iterations and deterministic time. Charged to the request's limit (`PASSES_CHARGED`, since
bench/RESULTS-limit15-s42.md; before, it was not, and on small-dealer 1.3x s2 it added ~3.5 s of CPU
for the floor and ~3.5 s for the halves to a 10 s request, bench/RESULTS-period15-s39.md): its
counted seconds at its caps (`bounds_period.MOST_ITERATIONS` at `PERIOD_ITERATION_SECONDS`, the
halves at the lean pass's rate) count in the passes' allowance, set before the search on every day
where the passes may run (where this one will is known only after the search: nothing is given
back), and the floor's iterations (leaving the lean pass its share where it waits, `PERIOD_FIRST`)
and each half's deterministic time are capped by what is left of it (`Allowance`). Days at or
under the gap spend nothing of it. Since bench/RESULTS-pcost15-s39.md small-dealer 2x s2 and s5
(over the column cap at 10 s) spent nothing either; since bench/RESULTS-plan15-s46.md such days get
the floor at 5-minute slots (`PERIOD_COARSE_GRIDS`)."""

PERIOD_GAP = 0.01
"""The weighted lateness gap above which `PERIOD_FLOOR` runs."""

PERIOD_HALVES_DTIME = 1.0
"""CP-SAT's deterministic time per half (`PERIOD_FLOOR`): small-dealer 1.3x s2's split gives 1,325
weighted minutes at 0.1, 1,259 at 0.3, 1,247 (the optimum) at 1.0."""


PERIOD_LONG_SECONDS = 30.0
"""From this limit on, the period floor's model may hold up to `PERIOD_LONG_COLUMNS` start columns
(below it, `bounds_period.MOST_COLUMNS`). The column cap was fitted to 10 s requests, where
small-dealer 2x s2 and s5's roots never finished; after a 60 s search 2x s2's does, and its split
gives the halves' plan: objective 66,429 -> 34,911, 2,427 -> 1,407 minutes late (bench/RESULTS.md;
the cap had silently taken that from 60 s requests since session 39). A root that does not finish
costs at most the counted iterations (~4-5 s of CPU), a small share of such a request."""

PERIOD_LONG_COLUMNS = 60_000
"""The period floor's column cap for requests of `PERIOD_LONG_SECONDS` or more."""

PERIOD_COARSE_GRIDS: tuple[int, ...] = (5,)
"""Where the period floor's 1-minute model has more start columns than its cap
(`bounds_period.MOST_COLUMNS`, `PERIOD_LONG_COLUMNS`), the floor and its split at these grids in
turn instead of none (`bounds_period.period_floor`'s `coarser`): a weaker floor, but its split is
what the halves need. On small-dealer 2x s2 at 10 s (44,865 columns at 1 minute, over the 44,000
cap) the 5-minute floor's root closes at 3,978 simplex iterations (~0.5 s of CPU; the 1-minute root
needs 11,604, more than the allowance leaves it) on the same split as the 1-minute floor, and the
halves' plan is the plan: 7,013 -> ~4,300 weighted minutes late (the 60 s request's 3,353 comes
from the same split with more deterministic time per half). Empty: none (as before)."""


def period_day(problem: DayProblem, chosen: DaySolution, limit: float) -> int | None:
    """Where `PERIOD_FLOOR` runs on `chosen` (its bounds set: after `add_bounds`), the plan's
    weighted lateness terms (positive); else None."""
    if not PERIOD_FLOOR or not small_pass_seconds(problem, limit) or chosen.weighted_lateness_bound is None:
        return None
    w = problem.weights
    minutes = terms(problem, chosen)
    paid = w.lateness * minutes.lateness + w.waiter_lateness * minutes.waiter_lateness
    if paid > 0 and paid - chosen.weighted_lateness_bound > PERIOD_GAP * paid and breaks(problem):
        return paid
    return None


def period_pass(
    problem: DayProblem,
    chosen: DaySolution,
    limit: float,
    allowance: Allowance | None = None,
    keep: float = 0.0,
    slack: float | None = None,
    proof: list[PeriodFloor] | None = None,
) -> tuple[DaySolution, list[str]]:
    """`PERIOD_FLOOR` on `chosen` (after `add_bounds`): its weighted floor raised, and the better of
    it and the plan of the floor's split; and notes. `allowance`: the floor's simplex iterations
    (leaving `keep` counted seconds of it) and the halves' deterministic time capped by what is
    left, and charged. `slack`, `proof`: the floor's search past its least by `slack` drop-off
    minutes (`period_floor`'s), and the floor appended to `proof` (`OBJECTIVE_PROOF`)."""
    paid = period_day(problem, chosen, limit)
    if paid is None:
        return chosen, []
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in chosen.unplaced)
    starts = {key: at.start for key, at in chosen.placements.items()}
    wide = limit >= PERIOD_LONG_SECONDS
    most = MOST_ITERATIONS if allowance is None else allowance.iterations(MOST_ITERATIONS, keep)
    if most <= 0:
        return chosen, ["period floor: no time left"]
    found = period_floor(
        problem,
        weight,
        starts,
        paid,
        most_iterations=most,
        most_columns=PERIOD_LONG_COLUMNS if wide else None,
        coarser=PERIOD_COARSE_GRIDS,
        slack=slack,
    )
    if found is None:
        return chosen, ["period floor: none"]
    if proof is not None:
        proof.append(found)
    if allowance is not None:
        allowance.charge_iterations(found.iterations)
    notes = [
        f"period floor: {found.weighted_bound}, {'closed' if found.closed else 'open'},"
        f" {found.iterations} iterations"
    ]
    lateness = max(int(chosen.weighted_lateness_bound or 0), found.weighted_bound)
    chosen.weighted_lateness_bound = float(lateness)
    _objective_floor(problem, chosen, weight, lateness)
    halves = period_halves(problem, chosen, found.before, found.after, found.breaks[0], lateness, allowance)
    if halves is not None and rank(problem, halves) < rank(problem, chosen):
        return _adopted(problem, halves, chosen), [*notes, "the halves' plan is the plan"]
    return chosen, notes


OBJECTIVE_PASS = True
"""Small days (`SMALL_PASS`'s: up to `SMALL_JOBS` bookings, from `INDEXED_BOUND_SECONDS` on, held
exactly by the lean model) whose plan's weighted lateness is proven (its lateness terms at their
floor, `weighted_lateness_bound`) but whose objective is not (above `lower_bound`: the terms below
lateness, bay preference, technician changes and overtime, are not proven): after the bounds and
the period pass, a last CP-SAT solve of the lean model with the objective's other terms
(`solver.lean.objective_plan`), the same bookings placed (or, where one of those that fit alone may
be left out, `droppable`, any of them placing as much priority), the lateness terms held between
their floor and the plan's cost less the least any plan leaves unplaced, minimising the objective,
hinted with the plan, one worker, `OBJECTIVE_PASS_DTIME`; its plan kept where it ranks better at
the plan's lateness terms (its floor: a plan trading minutes late for cheaper bays would lose the
lateness's proof and might let a rule with fewer minutes pass it; then compacted where that ranks
better), and its proven bound on the objective of every plan placing
these bookings (every plan placing as much: `_objective_floor`) raises `lower_bound`: where CP-SAT
proves its plan optimal, the lower bound is the plan's objective and the status "optimal".
Deterministic (CP-SAT's deterministic time) and charged to the request's limit as the period pass
(`PASSES_CHARGED`: its deterministic time capped by what is left of the passes' allowance after
the lean and period passes, not run where less than `LEAN_LEAST_DTIME` is left; until
bench/RESULTS-limit15-s42.md it was not charged): 1.1-1.4 s of CPU where it runs whole, and nothing
elsewhere. At 10 s: small-dealer
1.3x s5 proven, 4,482 (0.27 of deterministic time); 1.5x s1 proven, 203,941 -> 203,934 (a
technician change and two dear bays fewer, another booking of the same priority left out); 1.3x
s2 12,496 -> 12,493 (a technician change fewer), not proven (nor within 20 deterministic time,
~45 s of CPU: CP-SAT's bound stays at the lateness floor). bench/RESULTS-proof15-s41.md."""

OBJECTIVE_PASS_DTIME = 0.3
"""The pass's deterministic time (small-dealer 1.3x s5 is proven at 0.27)."""


def objective_pass(
    problem: DayProblem,
    chosen: DaySolution,
    limit: float,
    allowance: Allowance | None = None,
    keep: float = 0.0,
) -> tuple[DaySolution, list[str]]:
    """`OBJECTIVE_PASS` on `chosen` (after `add_bounds` and `period_pass`): the better of it and
    the lean model's cheapest plan of its bookings by the whole objective, its lower bound raised;
    and notes. `allowance`: its deterministic time capped by what is left (less `keep`), and
    charged."""
    if (
        not OBJECTIVE_PASS
        or not small_pass_seconds(problem, limit)
        or chosen.weighted_lateness_bound is None
        or not exact(problem, chosen)
    ):
        return chosen, []
    w = problem.weights
    minutes = terms(problem, chosen)
    paid = w.lateness * minutes.lateness + w.waiter_lateness * minutes.waiter_lateness
    floor = math.ceil(chosen.weighted_lateness_bound - 1e-6)  # on whole units: the terms are
    if paid > floor or chosen.objective <= (chosen.lower_bound or 0) + 1e-9:
        return chosen, []  # lateness not proven, or nothing left to prove
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in chosen.unplaced)
    fits, spare = droppable(problem, weight)
    # Where one of the bookings that fit may be left out, CP-SAT chooses which (any placing as much).
    choose = (fits, weight) if spare else None
    top = chosen.placement_weight_bound if chosen.placement_weight_bound is not None else weight
    leaves = w.unplaced * (sum(job.priority for job in problem.jobs) - top)  # the least any plan leaves
    most = round(chosen.objective) - leaves  # past it, the lateness terms alone cost more than the plan
    dtime = (
        OBJECTIVE_PASS_DTIME
        if allowance is None
        else allowance.lean_time(problem, OBJECTIVE_PASS_DTIME, keep=keep)
    )
    if dtime < LEAN_LEAST_DTIME:
        return chosen, ["objective pass: no time left"]
    found = objective_plan(problem, chosen, dtime, floor, most, wall_safety(limit), choose=choose)
    if allowance is not None:
        allowance.charge_lean(problem, found.deterministic_time)
    notes = [f"objective pass: {found.status.lower()}, {found.cost:g} / {found.bound:g}"]
    if found.solution is None:
        return chosen, notes
    found.solution.objective = objective(problem, found.solution)
    plan = chosen
    again = terms(problem, found.solution)
    # Kept only at the plan's lateness (its floor: the proof of the lateness stands, and no rule
    # with fewer weighted minutes can appear) and ranking better.
    if w.lateness * again.lateness + w.waiter_lateness * again.waiter_lateness <= paid and rank(
        problem, found.solution
    ) < rank(problem, chosen):
        plan = _adopted(problem, found.solution, chosen)
        notes.append("the objective pass's plan is the plan")
    # Every plan placing at least `weight` is one the model may make (these bookings, or any of the
    # bookings that fit placing as much) and costs at least CP-SAT's bound (one outside its lateness
    # band costs more than `chosen`, whose cost is at least that bound), of which at least `leaves`
    # is its unplaced term.
    _objective_floor(problem, plan, weight, max(floor, math.ceil(found.bound - 1e-6) - leaves), 0)
    return plan, notes


OBJECTIVE_FLOOR = True
"""Small days (`SMALL_PASS`'s: up to `SMALL_JOBS` bookings, held exactly by the lean model) on requests
of at least `PERIOD_LONG_SECONDS`, whose plan's weighted lateness is proven (its lateness terms at
their floor) and whose objective is still not after the objective pass (above both `lower_bound` and
CP-SAT's bound): the floor on the whole objective (`solver.bounds_objective`: the period floor's branch
and bound on the time-indexed relaxation whose columns also pay their bay's cost and overtime, with
technician-change variables; `OBJECTIVE_FLOOR_ITERATIONS` counted simplex iterations, one thread, at
most `PERIOD_LONG_COLUMNS` start columns) for every plan placing as much priority (whichever bookings:
`droppable`'s choice included) raises `lower_bound` (`_objective_floor`); where it reaches the plan's
objective the status is "optimal". The plan is not changed. Deterministic (counted iterations): the
same bound for the same day and plan every time. Its cost, 5.4 s of CPU on small-dealer 1.3x s2
(16,658 iterations; the lateness's period floor before it, 8,936), is too much beside a 10 s
request, a small share of a 60 s one; `objective_floor_seconds` is its counted estimate. Not in
the passes' allowance (`PASSES_CHARGED`, set for 10 s requests): from 30 s on a small day's request
has room for it (small-dealer 1.3x s2's 60 s request, this pass included, ~33 s of CPU at a load of 5).
small-dealer 1.3x s2 at 60 s: 12,493 proven optimal (bench/RESULTS-proof15-s42.md)."""

OBJECTIVE_FLOOR_SHORT = False
"""The floor (`OBJECTIVE_FLOOR`) also on requests below `PERIOD_LONG_SECONDS` where the period pass
proved the plan's lateness with the lean pass waiting and the time-indexed floors spared
(`PERIOD_FIRST`, `BOUNDS_AFTER_PERIOD`), not charged to the passes' allowance. Off: on small-dealer
1.3x s2 at 10 s it proves 12,493 optimal but costs ~5 s of CPU (16,803 iterations), the request
~14 s of CPU against its 10 s (bench/RESULTS-proof10-s43.md)."""

OBJECTIVE_FLOOR_ITERATIONS = 20_000
"""The floor's budget in simplex iterations: small-dealer 1.3x s2 closes in 16,658."""

OBJECTIVE_FLOOR_SECONDS_PER_ITERATION = 3.5e-4
"""Counted seconds per simplex iteration of the floor, building its model included: 16,658 iterations
cost 4.8-6.1 s of CPU on small-dealer 1.3x s2 at a load of 2-5 (bench/RESULTS-proof15-s42.md)."""


def objective_floor_seconds(problem: DayProblem, limit: float) -> float:
    """Counted seconds the whole-objective floor (`OBJECTIVE_FLOOR`) may cost a request of `limit`
    seconds: its whole budget of iterations where it may run (a small day the lean model holds
    exactly, from `PERIOD_LONG_SECONDS` on), else 0. An upper estimate: it runs only where the
    plan's lateness is proven and its objective not, and stops where its search closes."""
    if not OBJECTIVE_FLOOR or limit < PERIOD_LONG_SECONDS or not small_pass_seconds(problem, limit):
        return 0.0
    return OBJECTIVE_FLOOR_ITERATIONS * OBJECTIVE_FLOOR_SECONDS_PER_ITERATION


def objective_floor_pass(
    problem: DayProblem, chosen: DaySolution, limit: float, short: bool = False
) -> tuple[DaySolution, list[str]]:
    """`OBJECTIVE_FLOOR` on `chosen` (after `add_bounds`, the period and objective passes; `limit`:
    the request's): its `lower_bound` raised where the floor passes it; and notes. `short`: on a
    request below `PERIOD_LONG_SECONDS` too (`OBJECTIVE_FLOOR_SHORT`)."""
    runs = objective_floor_seconds(problem, limit) or (
        short and OBJECTIVE_FLOOR_SHORT and OBJECTIVE_FLOOR and small_pass_seconds(problem, limit)
    )
    if not runs or chosen.weighted_lateness_bound is None:
        return chosen, []
    if not exact(problem, chosen):
        return chosen, []
    w = problem.weights
    minutes = terms(problem, chosen)
    paid = w.lateness * minutes.lateness + w.waiter_lateness * minutes.waiter_lateness
    proven = max(b for b in (chosen.best_bound, chosen.lower_bound, 0.0) if b is not None)
    if paid > math.ceil(chosen.weighted_lateness_bound - 1e-6) or chosen.objective <= proven + 1e-9:
        return chosen, []  # lateness not proven, or nothing left to prove
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in chosen.unplaced)
    own = round(chosen.objective) - w.unplaced * sum(problem.jobs[j].priority for j in chosen.unplaced)
    starts = {key: at.start for key, at in chosen.placements.items()}
    found = objective_floor(
        problem, weight, starts, own, OBJECTIVE_FLOOR_ITERATIONS, most_columns=PERIOD_LONG_COLUMNS
    )
    if found is None:
        return chosen, ["objective floor: none"]
    # Every plan placing at least `weight` pays at least `found.bound` in the terms other than its
    # unplaced one (the stability terms, never negative, are outside it): `_objective_floor`'s sum.
    _objective_floor(problem, chosen, weight, found.bound, 0)
    state = "closed" if found.closed else "open"
    return chosen, [f"objective floor: {found.bound}, {state}, {found.iterations} iterations"]


OBJECTIVE_PROOF = True
"""On a small day whose time-indexed floors wait for the period pass (`BOUNDS_AFTER_PERIOD`: a request
below `PERIOD_LONG_SECONDS`, the passes charged), the whole objective proven from the lateness's own
search instead of the whole-objective floor's (`OBJECTIVE_FLOOR`, ~16,800 simplex iterations on
small-dealer 1.3x s2, more than a 10 s request has): the period floor's branch and bound searches on
past its least, each node up to it plus the plan's terms below lateness (`_below_lateness`, as
`bounds_period.period_floor`'s `slack`), so that its open nodes at the end (`leaves`) tell which
sides of the break can hold a plan within them of the lateness floor. Where that floor proves the
plan's lateness, after the objective pass (which then leaves the proof `OBJECTIVE_PROOF_ITERATIONS`
of the allowance), `objective_proof` runs the whole-objective floor (`solver.bounds_objective`) only
from the leaves whose lateness bound is below the plan's objective (every plan in the others pays
more in lateness alone), charged to the passes' allowance. On small-dealer 1.3x s2 at 10 s: the
lateness search 10,709 -> 10,073 iterations (the same 12,470 and split), two leaves of 1,247 below
12,493 (the rest 1,250 or more), the objective floor from them 6,133 iterations, 12,493: "optimal";
the objective pass gets ~0.05 deterministic time instead of 0.3 and finds the same 12,493
(bench/RESULTS-proof15-s47.md). False: as before."""

OBJECTIVE_PROOF_ITERATIONS = 6_500
"""The proof's simplex iterations (`OBJECTIVE_PROOF`), kept for it from the objective pass's share:
small-dealer 1.3x s2 closes in 6,133."""


def _below_lateness(problem: DayProblem, plan: DaySolution) -> float:
    """`plan`'s objective terms below lateness (its objective less its unplaced and lateness terms), in
    the period floor's drop-off minutes."""
    w = problem.weights
    minutes = terms(problem, plan)
    paid = w.lateness * minutes.lateness + w.waiter_lateness * minutes.waiter_lateness
    unplaced = w.unplaced * sum(problem.jobs[j].priority for j in plan.unplaced)
    return max(0.0, (plan.objective - unplaced - paid) / (w.lateness or 1))


def objective_proof(
    problem: DayProblem, chosen: DaySolution, floor: PeriodFloor, allowance: Allowance | None = None
) -> tuple[DaySolution, list[str]]:
    """`OBJECTIVE_PROOF` on `chosen` (after the objective pass; `floor`: the period pass's, closed,
    with its `leaves`): `lower_bound` raised to the least of the whole-objective floor from the
    leaves whose lateness bound is below `chosen`'s objective and the lateness bounds of the others;
    and notes. `allowance`: its iterations capped by what is left, and charged."""
    if not OBJECTIVE_PROOF or not floor.closed or not floor.leaves or chosen.weighted_lateness_bound is None:
        return chosen, []
    if not exact(problem, chosen) or not _lateness_proven(problem, chosen):
        return chosen, []
    proven = max(b for b in (chosen.best_bound, chosen.lower_bound, 0.0) if b is not None)
    if chosen.objective <= proven + 1e-9:
        return chosen, []  # nothing left to prove
    w = problem.weights
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in chosen.unplaced)
    own = round(chosen.objective) - w.unplaced * sum(problem.jobs[j].priority for j in chosen.unplaced)
    most = (
        OBJECTIVE_PROOF_ITERATIONS if allowance is None else allowance.iterations(OBJECTIVE_PROOF_ITERATIONS)
    )
    if most <= 0:
        return chosen, ["objective proof: no time left"]
    starts = {key: at.start for key, at in chosen.placements.items()}
    found = leaves_floor(problem, weight, floor.leaves, own, starts, most, most_columns=PERIOD_LONG_COLUMNS)
    if allowance is not None:
        allowance.charge_iterations(most if found is None else found.iterations)
    if found is None:
        return chosen, ["objective proof: none"]
    # Every plan placing at least `weight` pays at least `found.bound` in the terms other than its
    # unplaced one: `_objective_floor`'s sum, as `objective_floor_pass`.
    _objective_floor(problem, chosen, weight, found.bound, 0)
    state = "closed" if found.closed else "open"
    return chosen, [
        f"objective proof: {found.bound}, {state}, {found.roots} of {len(floor.leaves)} leaves,"
        f" {found.iterations} iterations"
    ]


BOUNDS_AFTER_PERIOD = True
"""On a small day whose lean pass waits for the period pass (`PERIOD_FIRST`: a request below
`PERIOD_LONG_SECONDS` on a day far from its floor with a common break), `add_bounds` first works
out the floors without the time-indexed relaxations (the cheap ones: what the period pass's gate
reads), and the time-indexed ones (the relaxation at its grids, the waiters' own, the groups', the
wide floor) only after the period pass, where its floor has not proven the plan's lateness: where
it has, no floor can pass the plan's own lateness terms and they are spared (but the plain minutes'
floor, `lateness_bound`, which the weighted proof does not give: `_spared_bounds`). Elsewhere they are
worked out on the plan they would have been worked out on before (the plan after the search,
`_bounds_plan`), and each bound is the larger of the two. On small-dealer 1.3x s2 at 10 s the
period floor proves 1,247 weighted minutes and the floors spared are ~1.5 s of CPU (the groups
0.8, the wide floor 0.75; bench/RESULTS-proof10-s43.md), which the objective pass
then spends (the lean pass's share, held for it, `PERIOD_FIRST`): 12,498 -> 12,493 (its 60 s plan).
On every other small-dealer day of the bench at 10 s the period pass runs as before (its gap
above `PERIOD_GAP` on the cheap floors and the full ones alike) and the bounds are the same. False:
every floor before the period pass, as before."""


def _bounds_plan(plan: DaySolution) -> DaySolution:
    """A copy of `plan`'s placements, objective and bounds, for floors worked out later."""
    return DaySolution(
        placements=dict(plan.placements),
        unplaced=set(plan.unplaced),
        status=plan.status,
        objective=plan.objective,
        best_bound=plan.best_bound,
        lower_bound=plan.lower_bound,
    )


def _deferred_bounds(
    problem: DayProblem,
    chosen: DaySolution,
    bounded: DaySolution,
    known: tuple[PlacementBound, Relaxation | None, tuple[int, int] | None, Relaxation | None],
) -> None:
    """`BOUNDS_AFTER_PERIOD`: `add_bounds` with the time-indexed floors on `bounded` (the plan after
    the search, placing what `chosen` places), each of `chosen`'s bounds raised to it (never
    lowered: both hold for every plan placing as much)."""
    add_bounds(problem, bounded, True, *known)
    for name in ("placement_bound", "placement_weight_bound", "lateness_bound", "weighted_lateness_bound"):
        mine, theirs = getattr(chosen, name), getattr(bounded, name)
        if theirs is not None and (mine is None or theirs > mine):
            setattr(chosen, name, theirs)
    if bounded.lower_bound is not None and (
        chosen.lower_bound is None or bounded.lower_bound > chosen.lower_bound
    ):
        chosen.lower_bound = bounded.lower_bound
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in chosen.unplaced)
    _objective_floor(problem, chosen, weight, int(chosen.weighted_lateness_bound or 0))


def _spared_bounds(
    problem: DayProblem,
    chosen: DaySolution,
    bounded: DaySolution,
    known: tuple[PlacementBound, Relaxation | None, tuple[int, int] | None, Relaxation | None],
) -> None:
    """`BOUNDS_AFTER_PERIOD` where the period pass proved the plan's weighted lateness: of the
    time-indexed floors only the plain minutes' (`lateness_bound`, which the weighted proof does not
    give), worked out as `add_bounds` would on `bounded` (the plan after the search), and `chosen`'s
    raised to it."""
    _, relaxation, cheap, _ = known
    weight = sum(job.priority for j, job in enumerate(problem.jobs) if j not in bounded.unplaced)
    minutes = terms(problem, bounded)
    least = _minutes_floor(
        problem, weight, minutes.lateness + minutes.waiter_lateness, True, relaxation, cheap
    )
    if chosen.lateness_bound is None or least > chosen.lateness_bound:
        chosen.lateness_bound = least


_BOUNDS = (
    "placement_bound",
    "placement_weight_bound",
    "lateness_bound",
    "weighted_lateness_bound",
    "lower_bound",
    "best_bound",
)
"""The bounds a plan placing as much as another shares with it (they hold for every such plan)."""


def _adopted(problem: DayProblem, plan: DaySolution, chosen: DaySolution) -> DaySolution:
    """`plan` (ranking better than `chosen`, placing as much) in `chosen`'s place: compacted where
    that ranks better, with `chosen`'s bounds (`_BOUNDS`) and notes."""
    compacted, moved = compact(problem, plan)
    if moved and rank(problem, compacted) < rank(problem, plan):
        plan = compacted
    for name in _BOUNDS:
        setattr(plan, name, getattr(chosen, name))
    plan.notes = list(chosen.notes)
    return plan


def period_halves(
    problem: DayProblem,
    chosen: DaySolution,
    before: frozenset[tuple[int, int]],
    after: frozenset[tuple[int, int]],
    split: int,
    floor: int,
    allowance: Allowance | None = None,
) -> DaySolution | None:
    """The plan of `chosen`'s bookings with the operations of `before` starting before `split` (a
    minute no technician works) and those of `after` from it on, each half planned alone by the lean
    model (`PERIOD_HALVES_DTIME`); None where the split is not every placed operation's once, a
    booking's in order, or a half finds no plan. The halves share no technician or bay time: work
    before the break ends by its start, work after starts after it. The afternoon first: `floor`
    (on the lateness terms of every plan placing as much) less its plan's cost bounds the morning's
    (the two halves' plans make one such plan), so a morning plan reaching it is proven optimal and
    the solve stops there (small-dealer 1.3x s2: at 0.88 of its 1.0 deterministic time).
    `allowance`: each half's deterministic time capped by what is left (counted over its own
    operations), and charged; None where a half would get less than `LEAN_LEAST_DTIME`."""
    if not exact(problem, chosen):
        return None
    placed = [
        (j, k)
        for j in range(len(problem.jobs))
        if j not in chosen.unplaced
        for k in range(len(problem.jobs[j].operations))
    ]
    if before & after or set(placed) != before | after:
        return None
    for j, k in placed:
        if (j, k) in before and k and (j, k - 1) in after:
            return None  # out of order

    def dtime(half: frozenset[tuple[int, int]]) -> float:
        if allowance is None:
            return PERIOD_HALVES_DTIME
        return allowance.lean_time(problem, PERIOD_HALVES_DTIME, len(half))

    if dtime(after) < LEAN_LEAST_DTIME:
        return None
    afternoon = lateness_plan(
        problem,
        chosen,
        dtime(after),
        wall_safety(INDEXED_BOUND_SECONDS),
        only=after,
        starting=(split, 10**6),
    )
    if allowance is not None:
        allowance.charge_lean(problem, afternoon.deterministic_time, len(after))
    if afternoon.solution is None or dtime(before) < LEAN_LEAST_DTIME:
        return None
    w = problem.weights
    unit = math.gcd(w.lateness, w.waiter_lateness) or 1  # the lean model's cost unit
    morning = lateness_plan(
        problem,
        chosen,
        dtime(before),
        wall_safety(INDEXED_BOUND_SECONDS),
        only=before,
        starting=(0, split - 1),
        least=max(0, math.ceil(floor / unit - afternoon.cost - 1e-9)),
    )
    if allowance is not None:
        allowance.charge_lean(problem, morning.deterministic_time, len(before))
    if morning.solution is None:
        return None
    found = DaySolution(
        placements={**morning.solution.placements, **afternoon.solution.placements},
        unplaced=set(chosen.unplaced),
        status="feasible",
    )
    found.objective = objective(problem, found)
    return found


LEAN_WINDOWS = 1
"""Days of more than `SMALL_JOBS` bookings (up to `lns.HUGE_DAY`), from `INDEXED_BOUND_SECONDS` on,
that the lean model holds exactly (`solver.lean.exact`): after the search, up to this many
lateness-only CP-SAT solves of the lean model over a window of the day (`late_windows`: the
`LEAN_WINDOW_MINUTES` up to the latest late booking's end, then the next late end before it), every
booking with work in the window free and the rest of the plan fixed, `LEAN_WINDOW_DTIME` each, kept
where the plan ranks better. On the same window and deterministic time the product's model (the
LNS's sub-model) finds next to nothing (bench/RESULTS-gap15-s35.md). Charged before the search
(`lean_windows_seconds`), as `SMALL_PASS`, and only where the start already places the proven most
(`placement_bound`): on dealer-2011 1.5x s1 the LNS's 1.25 s less placed one booking fewer. At 10 s:
dealer-2011 1.3x s4 1,909 -> 1,845 weighted minutes late (objective 20,859 -> 20,307), s3 296 ->
287 minutes, s5 objective 9,692 -> 9,686, s1 and s2 the same plans."""

LEAN_WINDOW_MINUTES = 90
LEAN_WINDOW_DTIME = 0.05
LEAN_WINDOW_SECONDS_PER_DTIME = 25.0
"""Counted seconds per unit of the windowed lean model's deterministic time."""


def lean_windows_seconds(problem: DayProblem, limit: float) -> float:
    """Counted seconds the window passes are charged before the search (`LEAN_WINDOWS`), 0 where
    they do not run."""
    if (
        not LEAN_WINDOWS
        or not SMALL_JOBS < len(problem.jobs) <= HUGE_DAY
        or limit < INDEXED_BOUND_SECONDS
        or not exact_day(problem)
    ):
        return 0.0
    return LEAN_WINDOWS * LEAN_WINDOW_DTIME * LEAN_WINDOW_SECONDS_PER_DTIME


def late_windows(problem: DayProblem, plan: DaySolution, most: int) -> list[tuple[int, int]]:
    """Up to `most` windows of `LEAN_WINDOW_MINUTES` ending at late bookings' ends, the latest
    first, each ending at least two thirds of a window before the previous one's end."""
    ends: set[int] = set()
    for j, job in enumerate(problem.jobs):
        if j in plan.unplaced or job.due is None or not job.operations:
            continue
        end = max(plan.placements[(j, k)].end for k in range(len(job.operations)))
        if end > job.due:
            ends.add(end)
    out: list[tuple[int, int]] = []
    for end in sorted(ends, reverse=True):
        if len(out) >= most:
            break
        if not out or end <= out[-1][1] - 2 * LEAN_WINDOW_MINUTES // 3:
            out.append((end - LEAN_WINDOW_MINUTES, end))
    return out


def lean_windows(problem: DayProblem, chosen: DaySolution, limit: float) -> tuple[DaySolution, list[str]]:
    """`LEAN_WINDOWS`: the plan after the lean model's passes over its late windows, and notes."""
    if not lean_windows_seconds(problem, limit) or not exact(problem, chosen):
        return chosen, []
    notes: list[str] = []
    for lo, hi in late_windows(problem, chosen, LEAN_WINDOWS):
        free = {j for (j, _), at in chosen.placements.items() if at.start < hi and at.end > lo}
        found = lateness_plan(problem, chosen, LEAN_WINDOW_DTIME, wall_safety(limit), free=free)
        notes.append(f"lean window {lo}-{hi}: {len(free)} free, {found.status.lower()}")
        if found.solution is None:
            continue
        found.solution.objective = objective(problem, found.solution)
        if rank(problem, found.solution) < rank(problem, chosen):
            chosen = found.solution
            notes.append("the lean window's plan is the plan")
    return chosen, notes


def _bay_choices(problem: DayProblem) -> int:
    return sum(len(op.bays) for job in problem.jobs for op in job.operations if op.pin is None)


SHORT_FIRST = True
"""A request of at least `SHORT_FIRST_FROM` seconds on a day of at most `SHORT_FIRST_JOBS` bookings
first makes the plan the same request at
`INDEXED_BOUND_SECONDS` would (same seed and workers), then searches its own way with the rest of
its limit, and returns the better: more time never gives a worse plan. The long path starts
elsewhere (from `PLAN_MIP_LIMIT` the relaxation's MIP plan instead of the near plan) and was worse
than the 10 s plan on dealer-2011 1.3x s1 (objective 107,343 against 106,927) and s5 (10,176
against 9,692) at 60 s (bench/RESULTS-results15-s35.md)."""

SHORT_FIRST_FROM = 2 * INDEXED_BOUND_SECONDS
"""From here the long path keeps at least `INDEXED_BOUND_SECONDS` of its own (its floors and
relaxation plans need that much)."""

SHORT_FIRST_JOBS = 250
"""Only days of at most this many bookings: on larger ones the long path needs every second of its
limit and its 60 s plan is far better than the 10 s one. Measured at 60 s with `SHORT_FIRST` on
every day: the 300-booking day 556 -> 1,926 minutes late, double-330 1.5x s4 8,590 -> 9,443, the
1,000-booking day 797 -> 792 placed; dealer-2011 2x s1 (235 bookings) and 1.5x s1 objective lower
(3,996,596 -> 3,992,086; 657,252 -> 652,922)."""


def short_first(problem: DayProblem, limit: float) -> bool:
    """Whether a request first makes its 10 s plan (`SHORT_FIRST`)."""
    return bool(SHORT_FIRST) and limit >= SHORT_FIRST_FROM and len(problem.jobs) <= SHORT_FIRST_JOBS


def _limited(compiled: CompiledDay, limit: float) -> CompiledDay:
    """The same request with another time limit."""
    request = compiled.request
    options = request.options.model_copy(update={"time_limit_seconds": limit})
    return replace(compiled, request=request.model_copy(update={"options": options}))


def optimise(compiled: CompiledDay, *, hint: DaySolution | None = None, bounds: bool = True) -> DaySolution:
    """The best of the rules family, then CP-SAT and large-neighbourhood search from it.

    Reproducible: every step is bounded by deterministic effort (CP-SAT's deterministic time,
    counted tries, simplex iterations), calibrated so that the time limit is roughly the wall time
    on the 2-core machine; on small days the passes after the search are charged to it too
    (`PASSES_CHARGED`); the same request, seed and worker count give the same plan. Never worse than any
    rule of the family (priority-weighted placements first, then the objective); if CP-SAT
    returns nothing the warm start stands. From `SHORT_FIRST_FROM` seconds, on days of at most
    `SHORT_FIRST_JOBS` bookings, never worse than the same request at `INDEXED_BOUND_SECONDS`.
    `bounds` False leaves out the proven bounds after the search (the short plan inside a long
    request: the long one computes them).
    """
    began = time.perf_counter()
    problem = compiled.problem
    options = compiled.request.options
    limit = options.time_limit_seconds
    short: DaySolution | None = None
    if short_first(problem, limit):
        short = optimise(_limited(compiled, INDEXED_BOUND_SECONDS), hint=hint, bounds=False)
        limit -= INDEXED_BOUND_SECONDS
    # The family of rules and seeded swaps of the best order: a warm start no rule beats.
    placements = placement_bound(problem)
    # With promises kept only the witness is a safe start: no relaxation for other starts then.
    lp = (
        None
        if hint is not None and problem.keep_promises
        else start_relaxation(problem, limit, placements.weight)
    )
    start = warm_start(problem, limit, options.seed, placements.weight, lp)
    start, mip_seconds, mip_notes = relaxation_start(problem, start, limit, lp)
    if hint is not None:
        hint.objective = objective(problem, hint)
    if hint is not None and (problem.keep_promises or rank(problem, hint) <= rank(problem, start)):
        start = hint  # with promises kept, only the witness is a safe start
    notes = [*start.notes, *mip_notes]
    net = wall_safety(limit)
    relaxation = options.lower_bound and _bay_choices(problem) <= RELAXATION_CHOICES
    budget = 0.85 * limit if relaxation else 0.95 * limit
    # Small days keep the whole share (their work around the search is a fraction of a second);
    # on huge days it is counted out of the limit.
    budget = min(
        budget, limit - outside_search(problem, limit) - (lp.seconds if lp is not None else 0.0) - mip_seconds
    )
    # The lean pass after the search (`SMALL_PASS`) is paid for out of the search's budget.
    lean_seconds = small_pass_seconds(problem, limit) if hint is None else 0.0
    # Only where the start already places the proven most: elsewhere the LNS's budget places more.
    full = (
        sum(job.priority for j, job in enumerate(problem.jobs) if j not in start.unplaced)
        >= placements.weight
    )
    windows_seconds = lean_windows_seconds(problem, limit) if hint is None and full else 0.0
    budget -= lean_seconds + windows_seconds
    # The passes after a small day's search share what the limit leaves after it (`PASSES_CHARGED`).
    allowance: Allowance | None = None
    if lean_seconds and PASSES_CHARGED:
        allowance = Allowance(passes_allowance(problem, limit, budget))
    chosen = start
    best_bound: float | None = None
    if len(problem.jobs) <= SMALL_JOBS:
        share = budget if not chosen.unplaced else 0.6 * budget
        params = SolveParameters(
            time_limit_seconds=limit,
            workers=options.workers,
            seed=options.seed,
            deterministic_time=share * DTIME_PER_SECOND,
            safety_seconds=net,
        )
        result = solve(problem, start, params)
        if result is None:
            notes.append("cp-sat returned no solution; the warm start stands")
        else:
            best_bound = result.best_bound
            budget -= (
                result.deterministic_time / max(1, options.workers) / DTIME_PER_SECOND
                + 0.05 * len(problem.jobs) / 10
            )
            if rank(problem, result) < rank(problem, chosen):
                chosen = result
            if result.status == "optimal":
                budget = 0.0
    if budget > 0:
        # One neighbourhood per worker each step: the second core searches instead of idling. Once
        # the plan places as much as the bound, unplaced bookings are no longer searched around.
        deadline = began + net
        workers = min(options.workers, 8)
        improved, stats = improve(problem, chosen, budget, options.seed, workers, deadline, placements.weight)
        notes.append(f"lns: {stats.steps} steps, {stats.improved} improvements")
        chosen = improved
    if not problem.keep_promises:
        chosen, found = local_search(problem, chosen, LOCAL_SEARCH_SHARE * limit)
        notes.append(f"local search: {found.moves} moves, {found.placements} placements")
    if lp is None and hint is None:
        chosen, small_notes = small_final(problem, chosen, limit)
        notes += small_notes
    chosen = fill_gaps(problem, chosen)
    searched = chosen  # the plan the lean pass starts from (`PERIOD_FIRST`: after the bounds)
    period_first = bool(
        PERIOD_FIRST
        and bounds  # else no period pass follows (the 10 s plan inside a longer request)
        and limit < PERIOD_LONG_SECONDS
        and allowance is not None
        and PERIOD_FLOOR
        and breaks(problem)
        and exact(problem, chosen)
        and far_from_floor(problem, chosen)
    )
    if (
        lean_seconds
        and not period_first
        and not (best_bound is not None and chosen.objective <= best_bound + 1e-9)
    ):
        chosen, lean_notes = small_pass(problem, chosen, limit, allowance)
        notes += lean_notes
    if windows_seconds:
        chosen, window_notes = lean_windows(problem, chosen, limit)
        notes += window_notes
    if COMPACT:
        # Last: it moves no end later, so it keeps every placement and minute late of the plan.
        compacted, moved = compact(problem, chosen)
        if moved and rank(problem, compacted) < rank(problem, chosen):
            chosen = compacted
            notes.append(f"compacted: {moved} operations earlier")
    chosen.notes = [*notes, *chosen.notes]
    if short is not None:
        if short.best_bound is not None:
            best_bound = short.best_bound if best_bound is None else max(best_bound, short.best_bound)
        if rank(problem, short) < rank(problem, chosen):
            short.notes = [
                *short.notes,
                f"the {INDEXED_BOUND_SECONDS:g} s plan kept: the longer search's was worse",
            ]
            chosen = short
    chosen.best_bound = best_bound
    chosen.status = "feasible"
    if not bounds:
        return chosen
    if best_bound is not None and chosen.objective <= best_bound + 1e-9:
        chosen.status = "optimal"
    elif relaxation:
        chosen.lower_bound = relaxation_bound(problem, 0.1 * limit * DTIME_PER_SECOND, options.workers)
    known = (placements, lp.floor if lp else None, lp.known if lp else None, lp.relaxation if lp else None)
    indexed = limit >= INDEXED_BOUND_SECONDS
    # `BOUNDS_AFTER_PERIOD`: where the period pass runs first, the time-indexed floors wait for it.
    deferred = bool(
        BOUNDS_AFTER_PERIOD and indexed and period_first and hint is None and chosen.status != "optimal"
    )
    bounded = _bounds_plan(chosen) if deferred else chosen  # the plan the deferred floors are worked on
    add_bounds(problem, chosen, indexed and not deferred, *known)
    if hint is None and chosen.status != "optimal":
        # Where the lean pass waits (`PERIOD_FIRST`), the floor leaves it its share.
        keep = lean_seconds if period_first else 0.0
        before_period = chosen
        # `OBJECTIVE_PROOF`: the floor searches past its least by the plan's terms below lateness.
        slack = (
            _below_lateness(problem, chosen)
            if OBJECTIVE_PROOF and deferred and allowance is not None
            else None
        )
        periods: list[PeriodFloor] = []
        chosen, period_notes = period_pass(problem, chosen, limit, allowance, keep, slack, periods)
        halved = chosen is not before_period  # the halves' plan is the plan
        chosen.notes = [*chosen.notes, *period_notes]
        spared = deferred and _lateness_proven(problem, chosen)  # the deferred floors can add nothing
        if spared:
            _spared_bounds(problem, chosen, bounded, known)
        elif deferred:
            _deferred_bounds(problem, chosen, bounded, known)
        lean_waits = period_first and not _lateness_proven(problem, chosen)
        if lean_waits and halved and LEAN_FROM_HALVES:
            # The halves' plan is the plan but not proven: the lean pass from it, within what is
            # left of the allowance (the halves may have spent the share the floor left it).
            leaner, lean_notes = small_pass(problem, chosen, limit, allowance)
            if leaner is not chosen:
                chosen = _adopted(problem, leaner, chosen)
            chosen.notes = [*chosen.notes, *lean_notes]
        elif lean_waits:  # no halves' plan: the lean pass
            # On the search's plan (before its compaction) with its own deterministic time whatever
            # the floor left (its charge was kept for it; the floor's last LP may pass its cap): the
            # plan it would have made before the bounds, the plan where it ranks better.
            leaner, lean_notes = small_pass(problem, searched, limit)
            if allowance is not None:
                allowance.left -= lean_seconds
            if leaner is not searched and rank(problem, leaner) < rank(problem, chosen):
                chosen = _adopted(problem, leaner, chosen)
            chosen.notes = [*chosen.notes, *lean_notes]
            if (
                LNS_AFTER
                and allowance is not None
                and allowance.left > LNS_AFTER_LEAST
                and not _lateness_proven(problem, chosen)  # else the objective pass has the rest
            ):
                seconds = allowance.left / LNS_AFTER_WALL
                allowance.left = 0.0
                more, stats = improve(
                    problem, chosen, seconds, options.seed, min(options.workers, 8), None, placements.weight
                )
                lns_note = f"lns after the passes: {stats.steps} steps, {stats.improved} improvements"
                if rank(problem, more) < rank(problem, chosen):
                    chosen = _adopted(problem, more, chosen)
                chosen.notes = [*chosen.notes, lns_note]
        # The lean pass's share, where it waited and the halves' plan made it needless, is not spent.
        # Where the time-indexed floors were spared (`BOUNDS_AFTER_PERIOD`), the objective pass may
        # spend it.
        held = lean_seconds if period_first and not lean_waits and not spared else 0.0
        short_floor = spared and OBJECTIVE_FLOOR_SHORT  # the period pass proved the lateness
        proving = bool(slack is not None and spared and periods and periods[0].leaves)
        reserve = OBJECTIVE_PROOF_ITERATIONS * PERIOD_ITERATION_SECONDS if proving else 0.0
        chosen, objective_notes = objective_pass(problem, chosen, limit, allowance, held + reserve)
        chosen.notes = [*chosen.notes, *objective_notes]
        if proving:
            chosen, proof_notes = objective_proof(problem, chosen, periods[0], allowance)
            chosen.notes = [*chosen.notes, *proof_notes]
        chosen, floor_notes = objective_floor_pass(
            problem, chosen, options.time_limit_seconds, short=short_floor
        )
        chosen.notes = [*chosen.notes, *floor_notes]
        # Proven: CP-SAT's bound, or ours (the objective pass's where it proves its plan).
        proven = [b for b in (chosen.best_bound, chosen.lower_bound) if b is not None]
        if proven and chosen.objective <= max(proven) + 1e-9:
            chosen.status = "optimal"
    chosen.solve_seconds = time.perf_counter() - began
    return chosen
