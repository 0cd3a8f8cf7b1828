"""The baseline dispatcher: the foreman's rule, first come first served, earliest finish.

It is a complete planner (the CLI's greedy option), the optimiser's warm start and
fallback, and the baseline every benchmark compares against.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from scheduler.availability import Availability
from solver.bounds_time import Relaxation
from solver.objective import objective
from solver.problem import DayProblem, DaySolution, JobData, Placement


def dispatch_order(problem: DayProblem) -> list[int]:
    """Started work first, then by drop-off; higher priority first among equal drop-offs (rule `fcfs`)."""
    return rule_order(problem, "fcfs")


def place_job(
    availability: Availability, job: JobData, j: int, keep_seniors: bool = False
) -> list[Placement] | None:
    """Place the job's unpinned operations in order; undo everything if one does not fit.

    `keep_seniors`: the last operation goes to the lowest grade that keeps the promise
    (`Availability.earliest`'s `due`)."""
    placed: list[Placement] = []
    ready = job.release
    last = len(job.operations) - 1
    for k, op in enumerate(job.operations):
        if op.pin is not None:
            ready = max(ready, op.pin.end)
            continue
        p = availability.earliest(op, max(ready, op.release), job.due if keep_seniors and k == last else None)
        if p is None:
            for q in placed:
                availability.free(q)
            return None
        availability.reserve(p)
        placed.append(p)
        ready = p.end
    return placed


def pinned_placements(problem: DayProblem) -> dict[tuple[int, int], Placement]:
    return {
        (j, k): Placement(op.pin.bay, op.pin.technician, op.pin.start, op.pin.end)
        for j, job in enumerate(problem.jobs)
        for k, op in enumerate(job.operations)
        if op.pin is not None
    }


def dispatch(problem: DayProblem, order: list[int] | None = None, keep_seniors: bool = False) -> DaySolution:
    began = time.perf_counter()
    availability = Availability(problem)
    placements = pinned_placements(problem)
    for p in placements.values():
        availability.reserve(p)
    unplaced: set[int] = set()
    for j in order if order is not None else dispatch_order(problem):
        job = problem.jobs[j]
        placed = place_job(availability, job, j, keep_seniors)
        if placed is None:
            unplaced.add(j)
            for k in range(len(job.operations)):
                placements.pop((j, k), None)
            continue
        unpinned = [k for k, op in enumerate(job.operations) if op.pin is None]
        for k, p in zip(unpinned, placed, strict=True):
            placements[(j, k)] = p
    solution = DaySolution(placements=placements, unplaced=unplaced, status="feasible")
    solution.objective = objective(problem, solution)
    solution.solve_seconds = time.perf_counter() - began
    solution.first_solution_seconds = solution.solve_seconds
    return solution


# --- The rules family -------------------------------------------------------------------------
# Each rule is an order of the bookings; `dispatch` then places them one by one, earliest finish
# first (the foreman's placement). Started (pinned) work always comes first. The optimiser's warm
# start is the best plan of all of them, so no rule of this family can beat the optimiser.

_NEVER = 10**9


def _work(job: JobData) -> int:
    """Minutes of unpinned work at the fastest qualified technician."""
    return sum(min(op.durations, default=0) for op in job.operations if op.pin is None)


def _due(job: JobData) -> int:
    return job.due if job.due is not None else _NEVER


def _qualified(job: JobData) -> int:
    """How many technicians could do the job's scarcest operation (fewer = more constrained)."""
    return min((len(op.technicians) for op in job.operations if op.pin is None), default=_NEVER)


def _bays(job: JobData) -> int:
    return min((len(op.bays) for op in job.operations if op.pin is None), default=_NEVER)


RuleKey = Callable[[JobData, int], tuple[int, ...]]


def _fcfs(job: JobData, j: int) -> tuple[int, ...]:
    """First come first served (drop-off), ties to the higher priority: the foreman's baseline."""
    return (job.release, -job.priority, j)


def _fcfs_input(job: JobData, j: int) -> tuple[int, ...]:
    """First come first served, ties in booking order."""
    return (job.release, j)


def _fcfs_waiters(job: JobData, j: int) -> tuple[int, ...]:
    """First come first served, ties to waiters."""
    return (job.release, not job.waiter, -job.priority, j)


def _fcfs_short(job: JobData, j: int) -> tuple[int, ...]:
    """First come first served, ties to the shortest job."""
    return (job.release, _work(job), j)


def _fcfs_promise(job: JobData, j: int) -> tuple[int, ...]:
    """First come first served, ties to the earliest promise."""
    return (job.release, _due(job), j)


def _earliest_promise(job: JobData, j: int) -> tuple[int, ...]:
    """Earliest promised pickup first (EDD); no promise last."""
    return (-job.priority, _due(job), job.release, j)


def _waiters_first(job: JobData, j: int) -> tuple[int, ...]:
    """Waiters first, then earliest promise."""
    return (-job.priority, not job.waiter, _due(job), job.release, j)


def _least_slack(job: JobData, j: int) -> tuple[int, ...]:
    """Least slack first: promise - drop-off - work."""
    return (-job.priority, _due(job) - job.release - _work(job), job.release, j)


def _longest_first(job: JobData, j: int) -> tuple[int, ...]:
    """Longest work first (big jobs while the day is empty)."""
    return (-job.priority, -_work(job), job.release, j)


def _shortest_first(job: JobData, j: int) -> tuple[int, ...]:
    """Shortest work first (places the most bookings on a full day)."""
    return (-job.priority, _work(job), job.release, j)


def _most_constrained(job: JobData, j: int) -> tuple[int, ...]:
    """Most-constrained skill first: fewest qualified technicians, then fewest bays."""
    return (-job.priority, _qualified(job), _bays(job), job.release, j)


def _priority_first(job: JobData, j: int) -> tuple[int, ...]:
    """Priority first, then first come first served."""
    return (-job.priority, job.release, j)


def _shortest_pure(job: JobData, j: int) -> tuple[int, ...]:
    """Shortest work first regardless of priority."""
    return (_work(job), job.release, j)


RULES: dict[str, RuleKey] = {
    "fcfs": _fcfs,
    "fcfs-input-order": _fcfs_input,
    "fcfs-waiters": _fcfs_waiters,
    "fcfs-shortest": _fcfs_short,
    "fcfs-earliest-promise": _fcfs_promise,
    "earliest-promise": _earliest_promise,
    "waiters-first": _waiters_first,
    "least-slack": _least_slack,
    "longest-first": _longest_first,
    "shortest-first": _shortest_first,
    "shortest-first-any-priority": _shortest_pure,
    "most-constrained-skill": _most_constrained,
    "priority-first": _priority_first,
}
"""The documented dispatch rules, by name; `fcfs` is the baseline."""

BUDGET_ORDER = (
    "fcfs",
    "waiters-first",
    "fcfs-shortest",
    "earliest-promise",
    "shortest-first",
    "most-constrained-skill",
    "fcfs-waiters",
    "least-slack",
    "fcfs-earliest-promise",
    "longest-first",
    "shortest-first-any-priority",
    "priority-first",
    "fcfs-input-order",
)
"""The order in which a limit that cannot pay for the whole family takes its rules: the baseline,
then the most unlike orders before the first-come variants that differ from `fcfs` only in ties
(on the 1,000-booking day at 10 s, six rules: `fcfs-input-order` and `priority-first` are `fcfs`'s
very plan there, while `waiters-first`, the seventh in `RULES`, placed 788 against bayplan's 786,
bench/RESULTS-seeds15-s28.md)."""


def rule_order(problem: DayProblem, rule: str) -> list[int]:
    key = RULES[rule]
    jobs = problem.jobs
    return sorted(range(len(jobs)), key=lambda j: (not jobs[j].pinned, *key(jobs[j], j)))


def unplaced_weight(problem: DayProblem, solution: DaySolution) -> int:
    return sum(problem.jobs[j].priority for j in solution.unplaced)


def rank(problem: DayProblem, solution: DaySolution) -> tuple[int, int, float]:
    """Lexicographic quality (lower is better): kept promises left out (`JobData.kept`), then
    priority-weighted unplaced, then the objective."""
    broken = sum(1 for j in solution.unplaced if problem.jobs[j].kept)
    return (broken, unplaced_weight(problem, solution), solution.objective)


def run_rules(problem: DayProblem) -> dict[str, DaySolution]:
    """The plan of every rule of the family."""
    return {name: dispatch(problem, rule_order(problem, name)) for name in RULES}


def best_rule(problem: DayProblem) -> tuple[str, DaySolution]:
    """The best plan of the family (ties to the first rule listed): deterministic."""
    plans = run_rules(problem)
    name = min(plans, key=lambda n: rank(problem, plans[n]))
    return name, plans[name]


PROMOTED_RULES = ("earliest-promise",)
"""Rules whose order is also tried with the bookings it leaves unplaced moved to the front
(`promoted`): earliest promise is the least late rule on over-full days but places fewer than the
most-constrained rule (dealer-2011 1.3x seed 5: 147 placed and 1,869 minutes late against 152 and
9,288); with the few it leaves out placed first it places all 152, 3,714 minutes late."""

PROMOTION_ROUNDS = 8
"""At most this many promotions of a rule's order (each a dispatch; dealer-2011 1.3x reaches the
most-placing rule's placements in 1-6)."""


def promoted(
    problem: DayProblem,
    order: list[int],
    plan: DaySolution,
    enough: int,
    rounds: int,
    keep_seniors: bool = False,
) -> tuple[list[int], DaySolution, int]:
    """`order` with the bookings its plan leaves unplaced moved to the front (after started work,
    keeping their order), dispatched again, until the plan leaves at most `enough` priority
    unplaced or `rounds` dispatches are spent: the scarce-skill jobs an earliest-promise order
    starves go first, every other booking keeps its place in the order. Returns the best order
    and plan met (by `rank`, the given one included) and the dispatches spent."""
    best_order, best = order, plan
    spent = 0
    while spent < rounds and unplaced_weight(problem, plan) > enough:
        front = [j for j in order if j in plan.unplaced]
        rest = [j for j in order if j not in plan.unplaced]
        pinned = [j for j in rest if problem.jobs[j].pinned]
        order = pinned + front + [j for j in rest if not problem.jobs[j].pinned]
        plan = dispatch(problem, order, keep_seniors)
        spent += 1
        if rank(problem, plan) < rank(problem, best):
            best_order, best = order, plan
    return best_order, best, spent


PLACEMENT_PROBE = 10
"""Swaps of the best rule's order tried before the promoted start may take the rest: where swaps
place more (an over-full day of 50 bookings on four bays: one more within 5), the best rule keeps
them all."""


ALPHAS = (0.3, 0.5, 0.7)
"""Shares of an operation's fractional starts in the time-indexed relaxation by which its
alpha-point is reached (Hall, Schulz, Shmoys and Wein; Savelsbergh, Uma and Wein): orders of the
bookings by these points, and by the mean start, are the LP's list schedules (`alpha_orders`)."""


def _alpha_point(shares: list[tuple[int, float]], alpha: float | None) -> float:
    """The first start by which `alpha` of the operation's share has started (None: the mean)."""
    total = sum(share for _, share in shares)
    if alpha is None:
        return sum(start * share for start, share in shares) / total
    reached = 0.0
    for start, share in shares:
        reached += share
        if reached >= alpha * total - 1e-9:
            return start
    return shares[-1][0]


def alpha_orders(problem: DayProblem, relaxation: Relaxation) -> list[tuple[str, list[int]]]:
    """Orders of the bookings by the alpha-points of the relaxation's fractional starts: of the
    booking's first operation (when its work begins) and of its last (when it is handed over),
    for each of `ALPHAS` and the mean. Started work first; then the bookings the relaxation places
    at least half of; the rest (the ones it leaves out) after them, in the same order, and last
    the bookings it has no start for (they fit nowhere alone)."""
    jobs = problem.jobs
    orders: list[tuple[str, list[int]]] = []
    if not relaxation.starts:
        return orders  # not built (too large) or not solved
    for which, alpha in itertools.product(("first", "last"), (*ALPHAS, None)):
        keys: dict[int, tuple[int, float]] = {}
        for j, job in enumerate(jobs):
            ops = [k for k, op in enumerate(job.operations) if op.pin is None]
            shares = relaxation.starts.get((j, ops[0 if which == "first" else -1])) if ops else None
            if not shares:
                keys[j] = (2, 0.0)
                continue
            keys[j] = (0 if relaxation.placed.get(j, 0.0) >= 0.5 else 1, _alpha_point(shares, alpha))
        order = sorted(range(len(jobs)), key=lambda j: (not jobs[j].pinned, keys[j], j))
        label = (
            f"mean start of the {which} operation"
            if alpha is None
            else f"{alpha:.0%}-point of the {which} operation"
        )
        orders.append((f"LP {label}", order))
    return orders


class ExtraStarts(Protocol):
    """Orders to try as more starts (the relaxation's alpha-point orders), paid for apart from the
    swaps: `dispatches` counts what trying them cost, for the caller to charge."""

    dispatches: int

    def orders(self, best: DaySolution) -> list[tuple[str, list[int]]]: ...


ALPHA_PROMOTION_ROUNDS = 3
"""Promotions (`promoted`) an alpha-point order gets to reach the placement bound: on dealer-2011
1.3x the ones that get there need 0-3 (the others need 6-8 and are then no better)."""


@dataclass
class _Swaps:
    """Random swaps of nearby bookings in the best order so far, each kept if its plan is better;
    `run` resumes where the last call stopped (the same moves as one longer run)."""

    problem: DayProblem
    order: list[int]
    best: DaySolution
    name: str
    rng: random.Random
    keep_seniors: bool = False
    stale: int = 0

    def run(self, tries: int) -> int:
        """Up to `tries` swaps (fewer once a run of them was fruitless); returns how many."""
        problem, rng = self.problem, self.rng
        movable = [i for i, j in enumerate(self.order) if not problem.jobs[j].pinned]
        used = 0
        for _ in range(tries if len(movable) > 1 else 0):
            if self.stale >= 20 * len(movable):
                break  # small days converge fast: stop after a run of fruitless tries
            self.stale += 1
            used += 1
            order = list(self.order)
            for _ in range(rng.randint(1, 4)):
                a = rng.choice(movable)
                b = min(max(a + rng.randint(-8, 8), movable[0]), movable[-1])
                order[a], order[b] = order[b], order[a]
            candidate = dispatch(problem, order, self.keep_seniors)
            if rank(problem, candidate) < rank(problem, self.best):
                self.best, self.order, self.stale = candidate, order, 0
                self.best.notes.append(f"warm start: rule {self.name} with swaps")
        return used


def multi_start(
    problem: DayProblem,
    tries: int,
    seed: int = 0,
    rules: int | None = None,
    promote: bool = True,
    most: int | None = None,
    alpha: ExtraStarts | None = None,
) -> DaySolution:
    """The best rule, then random swaps of its order (seeded: deterministic); `tries` dispatches
    after the rules.

    `promote`: after `PLACEMENT_PROBE` swaps of the best rule, where one of `PROMOTED_RULES` places
    less than that, more starts from its order, placed by the foreman's rule and keeping seniors
    (`dispatch`'s `keep_seniors`), each with the bookings it leaves unplaced moved to the front
    (`promoted`) until it places as much priority as the best rule's swapped plan (on over-full days
    earliest promise, promoted, is far less late than the most-placing rules). The best start takes
    the remaining swaps, each start with its own seeded generator; on small days, where swaps run
    dry, the others take what is left, so the best rule's own swaps still run to the end there.

    `most`: a proven bound on the priority any plan places. Given, a promoted start joins only if it
    places that much (no start can place more), and one that does not costs no tries: where
    placements are not settled (dealer-2011 at 1.5x and 2x) the best rule's swaps are main's and
    the plan places what it did (a promoted start placing as much as the best rule after its probe
    left the search 2 bookings short on two such days).

    `alpha`: where a start already places as much as `most`, the relaxation's alpha-point orders
    (`alpha_orders`; asked for only then, with the best start so far: the relaxation is worked out
    only on such days, and only where that start is far from its floor, `StartRelaxation`), each
    dispatched by the foreman's rule and keeping seniors and promoted at most
    `ALPHA_PROMOTION_ROUNDS` times; those placing `most` join as starts. Their dispatches are
    counted in `alpha.dispatches`, not taken from `tries`: the swaps stay what they were (taking
    them cost the seniors-kept start on dealer-2011 1.3x seed 3 its swaps, and the plan 3 %).

    `rules`: only the first that many rules of the family in `BUDGET_ORDER` (`fcfs` first), where
    a huge day's time limit cannot pay for them all, tried in `RULES` order (ties to the first
    listed, as with the whole family). Used only as the optimiser's warm start: the baseline itself
    stays the foreman's rule.
    """
    began = time.perf_counter()
    chosen = set(BUDGET_ORDER[: max(1, rules)]) if rules is not None else set(RULES)
    names = [name for name in RULES if name in chosen]
    orders = {name: rule_order(problem, name) for name in names}
    plans = {name: dispatch(problem, orders[name]) for name in names}
    name = min(plans, key=lambda n: rank(problem, plans[n]))
    plans[name].notes.append(f"warm start: rule {name}")
    first = _Swaps(problem, orders[name], plans[name], name, random.Random(seed))
    left = tries - first.run(min(tries, PLACEMENT_PROBE) if promote else tries)
    enough = unplaced_weight(problem, first.best)
    # How much a promoted start may leave unplaced to join.
    allowed = enough if most is None else sum(job.priority for job in problem.jobs) - most
    chains = [first]
    for rule, keep_seniors in itertools.product(PROMOTED_RULES if promote else (), (False, True)):
        if rule not in plans or left <= 0:
            continue
        order, plan, label = orders[rule], plans[rule], rule
        if unplaced_weight(problem, plan) <= enough:
            # The rule alone places as much: it was in the running above. Keeping seniors is left
            # out too: a day the rule fills without starving anyone needs no scarce skill guarded
            # (on dealer-2011 1.0x it led the search to a plan 3 minutes later on one day).
            continue
        spent = 0
        if keep_seniors:
            plan, label, spent = dispatch(problem, order, keep_seniors=True), f"{rule}, seniors kept", 1
        if unplaced_weight(problem, plan) > allowed:
            order, plan, rounds = promoted(
                problem, order, plan, allowed, min(left - spent, PROMOTION_ROUNDS), keep_seniors
            )
            spent += rounds
            label = f"{label}, unplaced first"
        if unplaced_weight(problem, plan) <= allowed:
            left -= spent
            plan.notes.append(f"warm start: rule {label}")
            chains.append(
                _Swaps(problem, order, plan, label, random.Random(seed + len(chains)), keep_seniors)
            )
        elif most is None:
            left -= spent
    settled = most is not None and min(unplaced_weight(problem, c.best) for c in chains) <= allowed
    if alpha is not None and settled:
        extra = alpha.orders(min((c.best for c in chains), key=lambda plan: rank(problem, plan)))
    else:
        extra = []
    for (label, order), keep_seniors in itertools.product(extra, (False, True)):
        plan = dispatch(problem, order, keep_seniors)
        spent = 1
        if unplaced_weight(problem, plan) > allowed:
            order, plan, rounds = promoted(
                problem, order, plan, allowed, ALPHA_PROMOTION_ROUNDS, keep_seniors
            )
            spent += rounds
        if alpha is not None:  # always, with orders to try
            alpha.dispatches += spent
        if unplaced_weight(problem, plan) <= allowed:
            label = f"{label}, seniors kept" if keep_seniors else label
            plan.notes.append(f"warm start: {label}")
            generator = random.Random(seed + len(chains))
            chains.append(_Swaps(problem, order, plan, label, generator, keep_seniors))
    # The best start so far takes the remaining swaps (ties to the best rule's: a stable sort);
    # what a start leaves once its swaps run dry (small days) goes to the next.
    for chain in sorted(chains, key=lambda chain: rank(problem, chain.best)):
        left -= chain.run(left)
    best = min((chain.best for chain in chains), key=lambda plan: rank(problem, plan))
    best.solve_seconds = time.perf_counter() - began
    return best
