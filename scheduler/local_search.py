"""A fast local search for lateness on a finished plan: pure Python on the dispatcher's free time.

The classical moves of parallel-machine tardiness, on bayplan's operations (each on a qualified
technician and an eligible bay at once, in order within its booking, inside working blocks and
after releases): for each late booking, latest weighted first,

- **relocate**: take the booking out and put it back at its earliest finish (another technician,
  bay or gap that opened since it was placed);
- **eject**: take it out with one booking that holds, during its window, a technician or bay it
  could use; put the late one back first (earliest finish), then the other (its old place is
  free now): a swap of the two bookings' positions on that technician or bay, or a shift of the
  other one to another.

A move is kept only where it lowers the objective (the bookings placed never change, so the first
level of the lexicographic rank stays as it is; the objective's terms are per booking, so a move
is evaluated on the bookings it touches alone) and adds no plain minute late (`plain`). Every
placement comes from `Availability.earliest`, the dispatcher's own search over the same free time,
so a move keeps every hard rule the dispatcher keeps. Effort is counted (placements searched),
never timed: the same plan and budget give the same result.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scheduler.availability import Availability, first_common_fit
from scheduler.dispatch import place_job
from solver.objective import objective
from solver.problem import DayProblem, DaySolution, Placement

PLACEMENT_SECONDS = 1.5e-6
"""Counted seconds per operation placement searched, per resource of the workshop (as a
dispatch is counted: `scheduler.optimise.dispatch_seconds`)."""

EJECT_CANDIDATES = 24
"""Bookings tried as the one ejected for each late booking (those holding its resources in its
window, earliest first)."""

EJECT_RUN = 6
"""Where no ejection of one helps, the run of bookings on one technician qualified for the
late booking's last operation, in its window (at most this many, earliest first), is ejected with
it; the late booking goes back first, the run after it in its order, then by promise."""


@dataclass
class SearchStats:
    placements: int = 0
    """Operation placements searched (the counted effort)."""
    moves: int = 0
    """Moves kept."""
    passes: int = 0
    spent: float = 0.0
    """Counted seconds."""


def job_cost(problem: DayProblem, j: int, placed: list[Placement]) -> tuple[int, int]:
    """The objective's terms of one placed booking (as `solver.objective.terms` adds them), and its
    plain minutes late."""
    job = problem.jobs[j]
    w = problem.weights
    cost = late = 0
    if job.due is not None and placed:
        late = max(0, placed[-1].end - job.due)
        cost += (w.waiter_lateness if job.waiter else w.lateness) * late
    previous: Placement | None = None
    for op, p in zip(job.operations, placed, strict=True):
        shift_end = problem.technicians[p.technician].shift_end
        cost += w.overtime * max(0, p.end - max(p.start, shift_end))
        if p.bay in op.bays:
            cost += op.bay_costs[op.bays.index(p.bay)]
        if op.previous is not None and op.pin is None:
            before = op.previous
            cost += w.stability_reassign * int(before.bay != p.bay or before.technician != p.technician)
            cost += w.stability_minutes * abs(p.start - before.start)
        if previous is not None and previous.technician != p.technician:
            cost += w.technician_change
        previous = p
    return cost, late


class _Plan:
    """The plan's placements per booking over one free time, moves tried and undone in place."""

    def __init__(self, problem: DayProblem, solution: DaySolution) -> None:
        self.problem = problem
        self.unplaced = set(solution.unplaced)
        self.own: dict[int, list[Placement]] = {}
        self.availability = Availability(problem)
        for j, job in enumerate(problem.jobs):
            if j in self.unplaced:
                continue
            self.own[j] = [solution.placements[(j, k)] for k in range(len(job.operations))]
        for placed in self.own.values():
            for p in placed:
                self.availability.reserve(p)
        # Started work holds its resources even where its booking is unplaced (`fill_gaps`).
        for j, job in enumerate(problem.jobs):
            if j in self.unplaced:
                for op in job.operations:
                    if op.pin is not None:
                        self.availability.reserve(
                            Placement(op.pin.bay, op.pin.technician, op.pin.start, op.pin.end)
                        )
        self.cost = {j: job_cost(problem, j, placed) for j, placed in self.own.items()}
        self.searched = 0

    def movable(self, j: int) -> bool:
        return j in self.own and not self.problem.jobs[j].pinned

    def take_out(self, j: int) -> None:
        for p in self.own[j]:
            self.availability.free(p)

    def put_back(self, j: int) -> None:
        for p in self.own[j]:
            self.availability.reserve(p)

    def place(self, j: int) -> list[Placement] | None:
        """The booking at its earliest finish in the free time as it is (reserved), or None."""
        job = self.problem.jobs[j]
        self.searched += len(job.operations)
        return place_job(self.availability, job, j)

    def unplace(self, placed: list[Placement]) -> None:
        for p in placed:
            self.availability.free(p)

    def try_move(self, jobs: list[int], plain: bool) -> bool:
        """Take `jobs` out, put them back at their earliest finish in that order; keep the result
        where it lowers their objective and, with `plain`, adds no minute late; else undo. The
        first (the late booking) must itself get cheaper, or the others are not tried."""
        for j in jobs:
            self.take_out(j)
        placed: dict[int, list[Placement]] = {}
        ok = True
        for j in jobs:
            got = self.place(j)
            if got is None:
                ok = False
                break
            placed[j] = got
            if j == jobs[0] and job_cost(self.problem, j, got)[0] >= self.cost[j][0]:
                ok = False
                break
        if ok:
            new = {j: job_cost(self.problem, j, placed[j]) for j in jobs}
            cost = sum(new[j][0] for j in jobs) - sum(self.cost[j][0] for j in jobs)
            late = sum(new[j][1] for j in jobs) - sum(self.cost[j][1] for j in jobs)
            if cost < 0 and (late <= 0 or not plain):
                for j in jobs:
                    self.own[j] = placed[j]
                    self.cost[j] = new[j]
                return True
        for got in placed.values():
            self.unplace(got)
        for j in jobs:
            self.put_back(j)
        return False

    def late(self) -> list[int]:
        """Movable late bookings, most weighted minutes late first."""
        out = [(-self.cost[j][1] * self._weight(j), j) for j in self.own if self.cost[j][1] > 0]
        return [j for _, j in sorted(out) if self.movable(j)]

    def _weight(self, j: int) -> int:
        w = self.problem.weights
        return w.waiter_lateness if self.problem.jobs[j].waiter else w.lateness

    def blockers(self, j: int) -> list[int]:
        """Movable bookings holding, in `j`'s window (its release to its end), a technician or bay
        any of its operations could use; earliest start first."""
        job = self.problem.jobs[j]
        lo, hi = job.release, self.own[j][-1].end
        techs = {t for op in job.operations for t in op.technicians}
        bays = {b for op in job.operations for b in op.bays}
        found: list[tuple[int, int]] = []
        for k, placed in self.own.items():
            if k == j or not self.movable(k):
                continue
            for p in placed:
                if p.start < hi and lo < p.end and (p.technician in techs or p.bay in bays):
                    found.append((p.start, k))
                    break
        return [k for _, k in sorted(found)]

    def due(self, k: int) -> int:
        job = self.problem.jobs[k]
        return job.due if job.due is not None else self.problem.horizon

    def runs(self, j: int) -> list[list[int]]:
        """Per technician qualified for `j`'s last operation (the one whose end is late), the
        movable bookings with work on it in `j`'s window, earliest first (at most `EJECT_RUN`);
        the technicians by how early the run starts."""
        job = self.problem.jobs[j]
        lo, hi = job.release, self.own[j][-1].end
        per: dict[int, list[tuple[int, int]]] = {}
        last = job.operations[-1]
        techs = set(last.technicians)
        for k, placed in self.own.items():
            if k == j or not self.movable(k):
                continue
            for p in placed:
                if p.technician in techs and p.start < hi and lo < p.end:
                    per.setdefault(p.technician, []).append((p.start, k))
        out: list[tuple[int, int, list[int]]] = []
        for t, found in per.items():
            found.sort()
            seen: list[int] = []
            for _, k in found:
                if k not in seen:
                    seen.append(k)
            run = seen[:EJECT_RUN]
            if len(run) > 1:
                out.append((found[0][0], t, run))
        return [run for _, _, run in sorted(out)]

    def solution(self, original: DaySolution) -> DaySolution:
        """`original` (its notes, bounds and timings) with this plan's placements."""
        placements = dict(original.placements)
        for j, placed in self.own.items():
            placements.update({(j, k): p for k, p in enumerate(placed)})
        made = replace(
            original, placements=placements, unplaced=set(self.unplaced), notes=list(original.notes)
        )
        made.objective = objective(self.problem, made)
        return made


def local_search(
    problem: DayProblem, solution: DaySolution, seconds: float, plain: bool = True
) -> tuple[DaySolution, SearchStats]:
    """Relocate and eject moves around the late bookings (module doc) until a pass over them all
    keeps none or `seconds` of counted effort are spent; never worse (by the objective, nor, with
    `plain`, by minutes late). Deterministic."""
    stats = SearchStats()
    if seconds <= 0:
        return solution, stats
    per = PLACEMENT_SECONDS * max(1, len(problem.technicians) + len(problem.bays))
    budget = int(seconds / per)
    plan = _Plan(problem, solution)
    failed: dict[int, int] = {}
    """Moves kept when each booking's moves were last all tried in vain: none kept since, none
    can succeed now (the plan is the same)."""
    improved = True
    while improved and plan.searched < budget:
        improved = False
        stats.passes += 1
        for j in plan.late():
            if plan.searched >= budget:
                break
            if plan.cost[j][1] == 0 or failed.get(j) == stats.moves:
                continue  # no longer late (an earlier move), or nothing changed since it was tried
            if plan.try_move([j], plain):
                stats.moves += 1
                improved = True
                continue
            blockers = plan.blockers(j)
            moved = False
            for k in blockers[:EJECT_CANDIDATES]:
                if plan.searched >= budget:
                    break
                if plan.try_move([j, k], plain):
                    moved = True
                    break
            if not moved and EJECT_RUN:
                for run in plan.runs(j):
                    if plan.searched >= budget:
                        break
                    due = sorted(run, key=lambda k: (plan.due(k), k))
                    if plan.try_move([j, *run], plain) or (due != run and plan.try_move([j, *due], plain)):
                        moved = True
                        break
            if moved:
                stats.moves += 1
                improved = True
            elif plan.searched < budget:
                failed[j] = stats.moves
    stats.placements = plan.searched
    stats.spent = plan.searched * per
    if not stats.moves:
        return solution, stats
    made = plan.solution(solution)
    return made, stats


def compact(problem: DayProblem, solution: DaySolution) -> tuple[DaySolution, int]:
    """Every operation, earliest start first, moved to the earliest finish it gets in the free time
    around the rest (another qualified technician and eligible bay where that ends it sooner, else
    its own pair earlier), never later than it ends now; and the number moved.

    A plan from the relaxation's slots (`solver.relaxation_plan.colour`) starts each operation no
    earlier than its slot's first minute and holds every slot its minutes touch, so a technician's
    next job waits for the slot after the last one ends: on dealer-2011 1.3x s4 and s5 that left
    overtime and lateness a left shift takes back. No end moves later, so no booking is later, none
    is unplaced and every promise kept stays kept; each operation still follows the one before it in
    its booking (moved first: an earlier start) and fits the free time as the dispatcher's own search
    finds it (`Availability`). The caller keeps the result only where it ranks better (a new
    technician may cost a change of hands or a dearer bay). Deterministic: no effort to count beyond
    one placement search per operation."""
    availability = Availability(problem)
    placements = dict(solution.placements)
    pins = {
        (j, k): Placement(op.pin.bay, op.pin.technician, op.pin.start, op.pin.end)
        for j, job in enumerate(problem.jobs)
        for k, op in enumerate(job.operations)
        if op.pin is not None
    }
    for p in {**pins, **placements}.values():
        availability.reserve(p)
    moved = 0
    order = sorted(
        (p.start, j, k) for (j, k), p in placements.items() if problem.jobs[j].operations[k].pin is None
    )
    for _, j, k in order:
        job = problem.jobs[j]
        op = job.operations[k]
        now = placements[(j, k)]
        before = placements.get((j, k - 1), pins.get((j, k - 1))) if k else None
        ready = max(job.release, op.release, before.end if before is not None else 0)
        if ready >= now.start:
            continue
        availability.free(now)
        best = now
        other = availability.earliest(op, ready)
        if other is not None and other.end < best.end:
            best = other
        length = now.end - now.start
        start = first_common_fit(
            availability.tech_gaps(now.technician, ready), availability.bay_gaps(now.bay, ready), length
        )
        if start is not None and start + length < best.end:
            best = Placement(now.bay, now.technician, start, start + length)
        availability.reserve(best)
        if best != now:
            placements[(j, k)] = best
            moved += 1
    if not moved:
        return solution, 0
    made = replace(
        solution, placements=placements, unplaced=set(solution.unplaced), notes=list(solution.notes)
    )
    made.objective = objective(problem, made)
    return made, moved
