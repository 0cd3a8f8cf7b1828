"""Large-neighbourhood search around unplaced and late bookings, reproducible.

Each step frees a small neighbourhood — an unplaced booking and the bookings that block it in its
pool (technicians qualified for it, bays it may use) and window, or a late booking and the work of
its technician and one other technician qualified for it (a technician pair) — keeps every other
booking where it is (pinned), and lets CP-SAT re-insert the neighbourhood, never placing less
(priority-weighted) than before. A step is kept only if the whole plan gets better
(priority-weighted unplaced first, then the objective).

The effort is counted in deterministic units (CP-SAT's deterministic time plus a charge per
model built), not in seconds, so the same request, seed and worker count give the same plan.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from scheduler.dispatch import rank, unplaced_weight
from solver.model import add_hint, build, read_solution
from solver.objective import objective
from solver.problem import DayProblem, DaySolution, JobData, Pin, Placement

DTIME_PER_SECOND = 0.035
"""CP-SAT deterministic time per second of the limit, set so that a 10 s request on a quiet
2-core machine with 2 workers takes about 10 s of wall time in all (warm start and bounds
included, which are not charged to it): on dealer-2011 1.3x a sub-solve gets ~0.043 units per
CPU-second of its thread (`bench.dtime_rate`, the least-loaded runs), and a plan's critical path is
warm start ~1.6 s + bounds 1.5-2.7 s + the LNS steps' longest lanes (`bench/RESULTS-dtime-s6.md`).
Was 0.02, set on a loaded machine: a quiet 10 s request then used ~5-8 s. The ratio varies
about 3x between models (small-dealer's full solve: ~0.13 units per CPU-second), so wall time
is only roughly the limit, and under load it is longer (the limit is counted effort)."""
STEP_DTIME = 0.02
"""CP-SAT deterministic time one neighbourhood may take."""
MAX_SIZE = 40
"""Most bookings freed in one neighbourhood (it grows while they are solved to optimality)."""
BIG_POOL = 40
"""Technicians in a neighbourhood's pool above which its bookings move only among the
technicians and bays they hold (dealer-2011 has 32 technicians: its neighbourhoods never are)."""
HUGE_DAY = 400
"""Bookings above which unplaced and late targets take turns (`_targets`), riders share the
neighbourhood's resources (`_riders`), a model is charged for the bookings in it (`build_charge`)
and the work around the search is counted at `scheduler.optimise.HUGE_DAY_COST`."""
BUILD_SECONDS_PER_JOB = 4e-4
"""Wall seconds to build and hand over a model, per booking in it (pinned ones included); charged
per booking of the day up to `HUGE_DAY` (`build_charge`)."""
LANE_QUOTA = 0.02
"""With several workers, the CP-SAT deterministic time each lane spends per round (`_improve_lanes`):
a lane runs neighbourhoods one after another on its own copy of the plan until it has spent this
much, so a lane whose neighbourhood was solved at once does not idle until the other's cap
(with one neighbourhood per lane and step, a third of the lanes' effort went to waiting)."""

INFEASIBLE_RUN = 30
"""Neighbourhoods in a row proven infeasible after which a lane ends its round (`_run_lane`). A plan
that keeps the hard rules is its own re-insertion (the hint), so its neighbourhoods are not proven
infeasible: only a plan breaking a rule no re-insertion mends (pinned work left no room) is cut short."""


@dataclass
class LnsStats:
    steps: int = 0
    improved: int = 0
    spent: float = 0.0
    """Seconds-equivalent spent (deterministic units)."""


def build_charge(problem: DayProblem, built: list[int]) -> float:
    """Counted seconds of building one neighbourhood's model (`BUILD_SECONDS_PER_JOB`; `built`: the
    bookings in it, from `reinsert`). Per booking of the day, as calibrated, up to `HUGE_DAY`
    bookings; above it per booking in the model: the narrowed neighbourhoods of the 1,000-booking
    day hold about 100 of its bookings, and a re-insertion there took 0.04 s of CPU besides its
    CP-SAT search, where the whole day's charge was 0.4 s (bench/RESULTS-large15-s29.md)."""
    if len(problem.jobs) > HUGE_DAY and built:
        return BUILD_SECONDS_PER_JOB * built[-1]
    return BUILD_SECONDS_PER_JOB * len(problem.jobs)


def _fixed_job(job: JobData, placements: list[Placement]) -> JobData:
    ops = tuple(
        op if op.pin is not None else replace(op, pin=Pin(p.bay, p.technician, p.start, p.end))
        for op, p in zip(job.operations, placements, strict=True)
    )
    return replace(job, operations=ops)


def reinsert(
    problem: DayProblem,
    solution: DaySolution,
    free: list[int],
    dtime: float,
    seed: int,
    built: list[int] | None = None,
) -> tuple[DaySolution | None, float, bool]:
    """Re-plan the `free` bookings around all others kept in place.

    Returns (the whole plan if CP-SAT found one, deterministic time spent, proven: optimal, or
    without a plan, proven infeasible); `built`, given, gets the number of bookings in the model
    built (`build_charge`).
    """
    free_set = set(free)
    techs: set[int] = set()
    bays: set[int] = set()
    for j in free:
        t, b = _pool(problem.jobs[j])
        techs |= t
        bays |= b
    narrowed = len(techs) > BIG_POOL
    if narrowed:
        # A huge workshop: the freed bookings move only among the technicians and bays they hold
        # now, so the sub-problem keeps the work on those few, not the whole day (on the
        # 1,000-booking day a pool of ~100 technicians put ~800 pinned bookings in every model,
        # and the step's effort went into presolving them).
        techs, bays = set(), set()
        for j in free:
            if j not in solution.unplaced:
                for k in range(len(problem.jobs[j].operations)):
                    techs.add(solution.placements[(j, k)].technician)
                    bays.add(solution.placements[(j, k)].bay)
    jobs: list[JobData] = []
    index: list[int] = []
    held: set[int] = set()
    for j, job in enumerate(problem.jobs):
        if j in free_set:
            continue
        if j in solution.unplaced:
            # Stays unplaced, but started work left out of the plan still holds its technician
            # and bay: its pinned operations alone, no promise (the dispatcher drops them).
            pins = tuple(op for op in job.operations if op.pin is not None)
            if pins and any(op.pin.technician in techs or op.pin.bay in bays for op in pins if op.pin):
                held.add(len(jobs))
                jobs.append(replace(job, operations=pins, due=None))
                index.append(j)
            continue
        placed = [solution.placements[(j, k)] for k in range(len(job.operations))]
        if not any(p.technician in techs or p.bay in bays for p in placed):
            continue  # on other resources only: it cannot touch the neighbourhood, leave it out
        jobs.append(_fixed_job(job, placed))
        index.append(j)
    fixed_count = len(jobs)
    for j in free:
        jobs.append(_narrow(problem.jobs[j], techs, bays) if narrowed else problem.jobs[j])
        index.append(j)
    sub = replace(problem, jobs=tuple(jobs))
    if built is not None:
        built.append(len(sub.jobs))
    dm = build(sub)
    local = DaySolution(
        placements={
            (i, k): solution.placements[(j, k)]
            for i, j in enumerate(index)
            if j not in solution.unplaced
            for k in range(len(problem.jobs[j].operations))
        },
        unplaced={i for i, j in enumerate(index) if j in solution.unplaced and i not in held},
    )
    add_hint(dm, local)
    weight_now = sum(
        problem.jobs[index[i]].priority for i in range(fixed_count, len(index)) if i not in local.unplaced
    )
    dm.model.add(
        sum(sub.jobs[i].priority * dm.placed[i] for i in range(fixed_count, len(index))) >= weight_now
    )
    solver = cp_model.CpSolver()
    sp = solver.parameters
    sp.num_workers = 1
    sp.random_seed = seed
    sp.max_deterministic_time = dtime
    sp.max_time_in_seconds = 60.0  # safety net only; the deterministic limit ends the search
    sp.cp_model_probing_level = 0
    sp.symmetry_level = 0
    if not free_set & solution.unplaced:
        # A late booking's neighbourhood: no LP relaxation. On dealer-2011 1.3x it cost
        # deterministic time without helping (the same or better re-insertion for 10-27 % less
        # effort, more of them proven optimal). An unplaced one keeps it: the relaxation guides
        # which bookings to place (without it small-dealer 2x days placed one booking fewer).
        sp.linearization_level = 0
    status = solver.solve(dm.model)
    spent = solver.deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Infeasible: not even the plan as it is (the hint) re-inserts these bookings, so the plan
        # breaks a hard rule there (pinned work left no room) that no re-insertion mends.
        return None, spent, status == cp_model.INFEASIBLE
    got = read_solution(dm, solver)
    placements = {key: p for key, p in solution.placements.items() if key[0] not in free_set}
    unplaced = set(solution.unplaced) - free_set
    for (i, k), p in got.placements.items():
        if i not in held:
            placements[(index[i], k)] = p
    unplaced |= {index[i] for i in got.unplaced}
    for j in unplaced:
        for k in range(len(problem.jobs[j].operations)):
            placements.pop((j, k), None)
    whole = DaySolution(placements=placements, unplaced=unplaced, status="feasible")
    whole.objective = objective(problem, whole)
    return whole, spent, status == cp_model.OPTIMAL


def _narrow(job: JobData, techs: set[int], bays: set[int]) -> JobData:
    """The job with its unpinned operations restricted to `techs` and `bays` (an operation left
    with none cannot be placed in the sub-problem)."""
    ops = []
    for op in job.operations:
        if op.pin is not None:
            ops.append(op)
            continue
        t_keep = [i for i, t in enumerate(op.technicians) if t in techs]
        b_keep = [i for i, b in enumerate(op.bays) if b in bays]
        ops.append(
            replace(
                op,
                technicians=tuple(op.technicians[i] for i in t_keep),
                durations=tuple(op.durations[i] for i in t_keep),
                bays=tuple(op.bays[i] for i in b_keep),
                bay_costs=tuple(op.bay_costs[i] for i in b_keep),
            )
        )
    return replace(job, operations=tuple(ops))


def _pool(job: JobData) -> tuple[set[int], set[int]]:
    techs: set[int] = set()
    bays: set[int] = set()
    for op in job.operations:
        if op.pin is None:
            techs.update(op.technicians)
            bays.update(op.bays)
    return techs, bays


def _closest(
    problem: DayProblem,
    solution: DaySolution,
    target: int,
    size: int,
    rng: random.Random,
    distance: Callable[[Placement], float | None],
) -> list[int]:
    """The `size` placed, movable bookings (not `target`) with the smallest `distance` over their
    operations (None: the operation does not count), each jittered by up to 30 seeded minutes."""
    scored: list[tuple[float, int]] = []
    for j, job in enumerate(problem.jobs):
        if j == target or j in solution.unplaced or job.pinned:
            continue
        best: float | None = None
        for k in range(len(job.operations)):
            d = distance(solution.placements[(j, k)])
            if d is not None:
                jittered = d + rng.random() * 30
                best = jittered if best is None else min(best, jittered)
        if best is not None:
            scored.append((best, j))
    scored.sort()
    return [j for _, j in scored[:size]]


def _blockers(
    problem: DayProblem,
    solution: DaySolution,
    target: int,
    window: tuple[int, int],
    size: int,
    rng: random.Random,
) -> list[int]:
    """Placed, movable bookings using the target's pool inside its window, nearest first."""
    techs, bays = _pool(problem.jobs[target])
    lo, hi = window

    def distance(p: Placement) -> float | None:
        inside = (p.technician in techs or p.bay in bays) and p.end > lo and p.start < hi
        return abs(p.start - lo) if inside else None

    return _closest(problem, solution, target, size, rng, distance)


def _nearest(
    problem: DayProblem,
    solution: DaySolution,
    target: int,
    techs: set[int],
    window: tuple[int, int],
    centre: int,
    size: int,
    rng: random.Random,
) -> list[int]:
    """Placed, movable bookings with work on `techs` inside `window`, whose work ends nearest
    `centre` first (ties broken by a seeded jitter)."""
    lo, hi = window

    def distance(p: Placement) -> float | None:
        inside = p.technician in techs and p.end > lo and p.start < hi
        return abs(p.end - centre) if inside else None

    return _closest(problem, solution, target, size, rng, distance)


def _neighbourhood(
    problem: DayProblem,
    solution: DaySolution,
    target: int,
    window: tuple[int, int],
    size: int,
    rng: random.Random,
) -> list[int]:
    """The target and the bookings freed with it.

    An unplaced target frees the bookings blocking its pool in its window. A late one frees the
    work of a technician pair: its own technician(s) and one other technician qualified for it
    (seeded choice), nearest its end first. The minutes late come from pools competing for the
    same mechanics; re-planning two of them at once lets work change hands between them (the
    grade 3 job onto the freed mechanic, the grade 2 job onto the other), which a window of the
    whole pool, a few bookings scattered over many technicians, rarely does.
    """
    job = problem.jobs[target]
    if target in solution.unplaced or job.due is None:
        return [target, *_blockers(problem, solution, target, window, size, rng)]
    end = solution.placements[(target, len(job.operations) - 1)].end
    pool, _ = _pool(job)
    mine = {solution.placements[(target, k)].technician for k in range(len(job.operations))}
    others = sorted(pool - mine)
    pair = mine | ({others[rng.randrange(len(others))]} if others else set())
    return [target, *_nearest(problem, solution, target, pair, (job.release, end), end, size, rng)]


def _open(problem: DayProblem, solution: DaySolution, most: int | None) -> list[int]:
    """The unplaced bookings worth re-inserting: none once the plan places `most` priority (a
    proven bound on any plan's), since then no neighbourhood can place more."""
    if (
        most is not None
        and sum(job.priority for job in problem.jobs) - unplaced_weight(problem, solution) >= most
    ):
        return []
    return sorted(solution.unplaced)


def _riders(
    problem: DayProblem, solution: DaySolution, target: int, free: list[int], most: int | None, size: int
) -> list[int]:
    """Other unplaced bookings that ride along with a neighbourhood (they may fit once things move):
    up to a quarter of `size`. On a huge day (`HUGE_DAY`) only those that could work on the
    technicians and bays the freed bookings hold (everything else stays where it is, so a rider's
    room can only come from them): its first unplaced bookings by index, hundreds of them, mostly
    shared nothing with the neighbourhood, and only turned its LP relaxation on (`reinsert`). On
    the 1,000-booking day at 10 s the plan is then 1.5-1.7 % less late than waiters-first's, the
    same placed, over three search seeds (bench/RESULTS-large15-s29.md)."""
    riders = [u for u in _open(problem, solution, most) if u != target and u not in free]
    if len(problem.jobs) > HUGE_DAY and riders:
        techs: set[int] = set()
        bays: set[int] = set()
        for j in free:
            if j not in solution.unplaced:
                for k in range(len(problem.jobs[j].operations)):
                    techs.add(solution.placements[(j, k)].technician)
                    bays.add(solution.placements[(j, k)].bay)
        riders = [
            u
            for u in riders
            if all(
                op.pin is not None or (not techs.isdisjoint(op.technicians) and not bays.isdisjoint(op.bays))
                for op in problem.jobs[u].operations
            )
        ]
    return riders[: max(0, size // 4)]


def _targets(
    problem: DayProblem, solution: DaySolution, most: int | None = None
) -> list[tuple[int, tuple[int, int]]]:
    """Unplaced bookings (highest priority, earliest first; see `_open`), then late ones (latest first)."""
    out: list[tuple[int, tuple[int, int]]] = []
    for j in sorted(
        _open(problem, solution, most), key=lambda j: (-problem.jobs[j].priority, problem.jobs[j].release, j)
    ):
        job = problem.jobs[j]
        hi = job.due if job.due is not None else problem.horizon
        out.append((j, (job.release, max(hi, job.release + 60))))
    late: list[tuple[int, int]] = []
    for j, job in enumerate(problem.jobs):
        if j in solution.unplaced or job.due is None or job.pinned:
            continue
        end = solution.placements[(j, len(job.operations) - 1)].end
        if end > job.due:
            weight = problem.weights.waiter_lateness if job.waiter else problem.weights.lateness
            late.append((-(end - job.due) * weight, j))
    later: list[tuple[int, tuple[int, int]]] = []
    for _, j in sorted(late):
        job = problem.jobs[j]
        end = solution.placements[(j, len(job.operations) - 1)].end
        later.append((j, (job.release, end)))
    if len(problem.jobs) <= HUGE_DAY:
        return out + later
    # A huge day: unplaced and late targets take turns. Its hundreds of unplaced bookings are
    # mostly proven not to fit around their blockers, and the search never reached a late one.
    turns = [t for pair in itertools.zip_longest(out, later) for t in pair if t is not None]
    return turns


def improve(
    problem: DayProblem,
    start: DaySolution,
    seconds: float,
    seed: int,
    workers: int = 1,
    deadline: float | None = None,
    most: int | None = None,
) -> tuple[DaySolution, LnsStats]:
    """LNS from `start` for `seconds` worth of deterministic effort; never returns worse.

    `most`: a proven bound on the priority any plan places; a plan placing that much has its
    unplaced bookings left out of the neighbourhoods (no target, no rider): they cannot be placed,
    and an unplaced booking in a sub-problem keeps its LP relaxation on (`reinsert`), costly there.

    With `workers` > 1, each step solves that many neighbourhoods (the next targets) side by side
    on the same plan and keeps the best (ties to the first): the same effort counted once per step
    (the longest of them), so a second core searches instead of idling. Where two of them improve
    the plan with different bookings and their new placements do not collide, both are kept.
    Reproducible for a given seed and worker count, unless the wall clock passes `deadline` (a
    `time.perf_counter()` value: the safety net of an overloaded machine) first.
    """
    if workers > 1 and LANE_QUOTA > 0:
        return _improve_lanes(problem, start, seconds, seed, workers, deadline, most)
    rng = random.Random(seed)
    stats = LnsStats()
    best = start
    size = 8
    step_dtime = STEP_DTIME
    lanes = max(1, workers)
    fruitless = 0
    cursor = 0
    pool = ThreadPoolExecutor(max_workers=lanes) if lanes > 1 else None
    try:
        while stats.spent < seconds and (deadline is None or time.perf_counter() < deadline):
            targets = _targets(problem, best, most)
            if not targets:
                break
            tasks: list[tuple[list[int], int]] = []
            for _ in range(min(lanes, len(targets))):
                target, window = targets[cursor % len(targets)]
                cursor += 1
                free = _neighbourhood(problem, best, target, window, size, rng)
                # Other unplaced bookings sharing the pool ride along (they may fit once things move).
                free += _riders(problem, best, target, free, most, size)
                tasks.append((free, rng.randrange(1 << 30)))
            current = best
            models: list[list[int]] = [[] for _ in tasks]
            calls = [
                (problem, current, free, step_dtime, task_seed, built)
                for (free, task_seed), built in zip(tasks, models, strict=True)
            ]
            if pool is not None:
                results = list(pool.map(lambda call: reinsert(*call), calls))
            else:
                results = [reinsert(*call) for call in calls]
            stats.steps += len(results)
            stats.spent += max(r[1] for r in results) / DTIME_PER_SECOND + sum(
                build_charge(problem, built) for built in models
            )
            improved = False
            better = sorted(
                (
                    (rank(problem, r[0]), lane)
                    for lane, r in enumerate(results)
                    if r[0] is not None and rank(problem, r[0]) < rank(problem, current)
                ),
            )
            moved: set[int] = set()
            for _, lane in better:
                candidate = results[lane][0]
                free = tasks[lane][0]
                assert candidate is not None
                if moved:
                    # Another neighbourhood already moved: combine both where they do not collide.
                    merged = _combine(problem, best, moved, candidate, free)
                    if merged is None or rank(problem, merged) >= rank(problem, best):
                        continue
                    candidate = merged
                best = candidate
                moved |= set(free)
                improved = True
            if improved:
                stats.improved += 1
                fruitless = 0
            else:
                fruitless += len(results)
            if any(r[2] and r[0] is not None for r in results):
                size = min(MAX_SIZE, size + 2)  # solved to optimality: the neighbourhood can grow
            elif size > 4:
                size -= 1
            if fruitless >= 3 * max(1, len(targets)) and fruitless >= 30:
                break  # every target tried repeatedly without gain
    finally:
        if pool is not None:
            pool.shutdown()
    return best, stats


def _combine(
    problem: DayProblem, best: DaySolution, moved: set[int], other: DaySolution, free: list[int]
) -> DaySolution | None:
    """`best` (whose bookings in `moved` were re-planned) with `other`'s re-planning of `free`,
    both made from the same plan; None if the sets share a booking or the new placements collide
    on a technician or bay (everything else was kept in place by both, so nothing else can)."""
    free_set = set(free)
    if free_set & moved:
        return None
    ours = [p for (j, _), p in best.placements.items() if j in moved]
    theirs = {key: p for key, p in other.placements.items() if key[0] in free_set}
    for p in theirs.values():
        for q in ours:
            if (p.technician == q.technician or p.bay == q.bay) and p.start < q.end and q.start < p.end:
                return None
    placements = {key: p for key, p in best.placements.items() if key[0] not in free_set}
    placements.update(theirs)
    unplaced = (best.unplaced - free_set) | (other.unplaced & free_set)
    combined = DaySolution(placements=placements, unplaced=unplaced, status="feasible")
    combined.objective = objective(problem, combined)
    return combined


@dataclass
class _Lane:
    """One lane's round: its copy of the plan and the re-insertions it kept, in order."""

    plan: DaySolution
    kept: list[tuple[list[int], DaySolution]]
    spent: float = 0.0
    solves: int = 0
    optimal: int = 0
    size: int = 8
    cursor: int = 0


def _run_lane(
    problem: DayProblem,
    lane: _Lane,
    quota: float,
    rng: random.Random,
    stride: int,
    deadline: float | None,
    most: int | None = None,
) -> _Lane:
    """Neighbourhoods one after another from the lane's plan until `quota` deterministic time
    (plus the build charge, in the same units) is spent; each better plan is kept for the next.
    Deterministic: it depends only on the lane's starting plan, cursor and random generator.
    Ends early after `INFEASIBLE_RUN` neighbourhoods in a row proven infeasible: each is proven at
    once and charged next to nothing, so a plan no step can mend (a booking's pinned work left no
    room) ran some 1,400 of them a lane before the quota was spent, 3-5 s at any time limit."""
    infeasible = 0
    while lane.spent < quota and (deadline is None or time.perf_counter() < deadline):
        targets = _targets(problem, lane.plan, most)
        if not targets:
            break
        target, window = targets[lane.cursor % len(targets)]
        lane.cursor += stride
        free = _neighbourhood(problem, lane.plan, target, window, lane.size, rng)
        free += _riders(problem, lane.plan, target, free, most, lane.size)
        built: list[int] = []
        got, spent, proven = reinsert(problem, lane.plan, free, STEP_DTIME, rng.randrange(1 << 30), built)
        lane.spent += spent + build_charge(problem, built) * DTIME_PER_SECOND
        lane.solves += 1
        infeasible = infeasible + 1 if got is None and proven else 0
        if infeasible >= INFEASIBLE_RUN:
            break
        proven = proven and got is not None  # optimal: the neighbourhood may grow
        lane.optimal += proven
        if got is not None and rank(problem, got) < rank(problem, lane.plan):
            lane.plan = got
            lane.kept.append((free, got))
        if proven:
            lane.size = min(MAX_SIZE, lane.size + 2)
        elif lane.size > 4:
            lane.size -= 1
    return lane


def _improve_lanes(
    problem: DayProblem,
    start: DaySolution,
    seconds: float,
    seed: int,
    workers: int,
    deadline: float | None,
    most: int | None = None,
) -> tuple[DaySolution, LnsStats]:
    """`improve` with one lane per worker, each spending `LANE_QUOTA` per round on its own copy of
    the plan (lane i takes every workers-th target from i). After a round the best lane's plan is
    kept and each other lane's re-insertions are added to it (its longest run of them, from the
    first, that touches other bookings, does not collide (`_combine`) and makes it better).
    Charged the round's longest lane. Reproducible: each lane's round depends only on the plan it
    started from and its seed."""
    rng = random.Random(seed)
    stats = LnsStats()
    best = start
    lanes = workers
    sizes = [8] * lanes
    cursor = 0
    fruitless = 0
    pool = ThreadPoolExecutor(max_workers=lanes)
    try:
        while stats.spent < seconds and (deadline is None or time.perf_counter() < deadline):
            targets = _targets(problem, best, most)
            if not targets:
                break
            # The quota is not cut to what is left: a longer search passes through this plan.
            runs = [
                (
                    _Lane(plan=best, kept=[], size=sizes[i], cursor=cursor + i),
                    random.Random(rng.randrange(1 << 30)),
                )
                for i in range(lanes)
            ]
            done = list(
                pool.map(
                    lambda run: _run_lane(problem, run[0], LANE_QUOTA, run[1], lanes, deadline, most), runs
                )
            )
            cursor += lanes * max(1, min(lane.solves for lane in done))
            stats.steps += sum(lane.solves for lane in done)
            stats.spent += max(lane.spent for lane in done) / DTIME_PER_SECOND
            sizes = [lane.size for lane in done]
            order = sorted(range(lanes), key=lambda i: (rank(problem, done[i].plan), i))
            merged = done[order[0]].plan
            moved: set[int] = {j for free, _ in done[order[0]].kept for j in free}
            for i in order[1:]:
                # The lane's plan after its k-th kept re-insertion differs from the round's start
                # only in the bookings freed by its first k: the longest such prefix that fits
                # beside what is merged and improves it is added.
                touched: list[set[int]] = []
                for free, _ in done[i].kept:
                    touched.append((touched[-1] if touched else set()) | set(free))
                for k in reversed(range(len(done[i].kept))):
                    candidate = _combine(problem, merged, moved, done[i].kept[k][1], sorted(touched[k]))
                    if candidate is not None and rank(problem, candidate) < rank(problem, merged):
                        merged = candidate
                        moved |= touched[k]
                        break
            if rank(problem, merged) < rank(problem, best):
                best = merged
                stats.improved += 1
                fruitless = 0
            else:
                fruitless += sum(lane.solves for lane in done)
            if fruitless >= 3 * max(1, len(targets)) and fruitless >= 30:
                break  # every target tried repeatedly without gain
    finally:
        pool.shutdown()
    return best, stats
