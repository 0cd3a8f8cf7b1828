"""Quick repair of a busy day: make room for a new booking by moving the bookings in its way.

The witness places every accepted booking where it landed when it was booked, so on a busy day the
free time is scattered in gaps too short for one more job even when a reshuffled day has room
(what CP-SAT finds, seconds later). `eject_and_fit` is an ejection chain: the new booking's first
operation is tried at each point of a qualified technician's day from its drop-off on (the start
of a working block, the end of a placed operation), with the bay that clears the fewest minutes;
the accepted bookings overlapping it there are taken out (ejected), the new booking is placed, and
each ejected booking is placed again at its earliest finish (`scheduler.dispatch.place_job`) by
its promised pickup, or, failing that, the same way in turn (ejecting others, a few levels deep;
a booking moves at most once). Cheapest points (fewest minutes ejected) first, until the caller's
deadline: a quick answer, never a proof that nothing fits. Every step is a plain placement in the
day's free time (`scheduler.availability`), so it keeps the hard rules the dispatcher keeps.

With `push`, a booking the last level cannot place at its earliest finish is placed at a point
whose bookings in the way are shifted later on their own bay and technician, within their
promises, instead of ejected (`_Chain.shifted`): what CP-SAT's least-change plans do on the fullest
small days (a booking moved to another technician, the ones after it there 10-15 minutes later).
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from heapq import heapify, heappop, heappush
from itertools import chain, islice, pairwise

from scheduler.availability import Availability
from scheduler.dispatch import place_job
from solver.problem import DayProblem, JobData, OperationData, Placement

NEW = -1
"""The new booking's index (the accepted bookings are 0, 1, ...)."""

Fit = tuple[list[Placement], dict[int, list[Placement]]]
"""The new booking's placements and the new placements of each accepted booking that moved."""

DEPTH = 3
"""Levels of the chain: the new booking ejects some, those may eject others, and so on (every
chain of one level is tried before any of two)."""

BRANCHING = 3
"""Points tried per ejected booking."""

PUSH_POINTS = 30
"""Points tried per booking placed by shifting the ones in its way (the last level of a chain with
`push`): a point ejecting the fewest minutes is seldom one whose bookings can shift, so more of
them than `BRANCHING` (3 did not find the bench's misses, 30 did: bench/RESULTS-complete-s9.md)."""

PUSH_LIMIT = 12
"""Operations one shift may move (the bookings in the way, those in theirs, ...)."""

TIGHTNESS = 1000
"""With `tightness` (the small days' chains, `scheduler.slots.DayBook._chain_portfolio`), a minute of
a booking taken out costs `1 + TIGHTNESS / window` minutes, its window being its drop-off to its
promised pickup: the points that take out bookings with room to go elsewhere come first. By
minutes alone, a 40-minute express waiter (a 50-minute window: he can only change technician)
was taken out before a 120-minute drop-off repair with a 580-minute window (which fits in many
places), and the chains CP-SAT's plans need on seed 3's full small-dealer day (a repair moved from
the afternoon to the morning, two short diagnoses out of its way) were found at 25-90 ms instead of
2-10 ms (bench/RESULTS-desk-s16.md)."""

WIDEST = 10**6
"""Points tried for the new booking, cheapest first."""


@dataclass(frozen=True)
class _Point:
    cost: int
    """Minutes of accepted work taken out (each booking's weighted by its tightness, `TIGHTNESS`,
    when the chain asks)."""
    start: int
    technician: int
    bay: int
    end: int
    ejected: frozenset[int]


class _Deadline(Exception):
    pass


class _Chain:
    def __init__(
        self,
        problem: DayProblem,
        job: JobData,
        deadline: float,
        first: list[int],
        push: bool = False,
        tightness: int = 0,
    ) -> None:
        self.problem = problem
        self.job = job
        self.deadline = deadline
        self.first = first
        """Each accepted booking's witness start (ejected bookings are placed again in that order
        among equal promises)."""
        self.push = push
        """At the last level, place a booking by shifting the ones in its way later (`shifted`)."""
        self.tightness = tightness
        """Points are ranked by minutes taken out weighted by the bookings' tightness (`TIGHTNESS`)."""
        self._windows: dict[int, list[tuple[int, int]]] = {}
        self.started: float | None = None
        """The first clock reading of the search (its budget runs from there to `deadline`)."""

    def job_of(self, j: int) -> JobData:
        return self.job if j == NEW else self.problem.jobs[j]

    def fits_due(self, j: int, placed: Sequence[Placement]) -> bool:
        due = self.job_of(j).due
        return due is None or placed[-1].end <= due

    def place(
        self,
        j: int,
        availability: Availability,
        where: dict[int, list[Placement]],
        fixed: frozenset[int],
        depth: int,
        widest: int,
    ) -> tuple[Availability, dict[int, list[Placement]]] | None:
        """Place job `j` (not in `where`): at its earliest finish, else by ejecting bookings not in
        `fixed`. Returns the new state (the inputs are left as they were) or None."""
        now = time.thread_time()
        if self.started is None:
            self.started = now
        if now > self.deadline:
            raise _Deadline
        job = self.job_of(j)
        placed = place_job(availability, job, j)
        if placed is not None:
            if self.fits_due(j, placed):
                return availability, {**where, j: placed}
            for p in placed:
                availability.free(p)
        if depth == 0 and not self.push:
            return None
        # depth 0 (with `push`): nothing more is ejected, the bookings in the way are shifted later.
        return self._ops(j, 0, job.release, availability, where, frozenset(), fixed, depth, widest)

    def _ops(
        self,
        j: int,
        k: int,
        ready: int,
        availability: Availability,
        where: dict[int, list[Placement]],
        ejected: frozenset[int],
        fixed: frozenset[int],
        depth: int,
        widest: int,
    ) -> tuple[Availability, dict[int, list[Placement]]] | None:
        """Place operations k, k+1, ... of job `j` from `ready` on (earlier ones are in
        `where[j]`), each at its earliest finish or at a point that ejects bookings; then place the
        `ejected` ones again, a level deeper."""
        job = self.job_of(j)
        if k == len(job.operations):
            if not self.fits_due(j, where[j]):
                return None
            state: tuple[Availability, dict[int, list[Placement]]] | None = (availability, where)
            still = fixed | ejected | {j}
            for e in sorted(ejected, key=lambda e: (_due(self.problem.jobs[e]), self.first[e])):
                assert state is not None
                state = self.place(e, state[0], state[1], still, depth - 1, BRANCHING)
                if state is None:
                    return None
            return state
        op = job.operations[k]
        ready = max(ready, op.release)  # parts on order: never before they are in
        rest = sum(min(o.durations, default=0) for o in job.operations[k + 1 :])
        latest = _due(job) - rest
        tries: list[tuple[Placement, frozenset[int]]] = []
        alone = availability.earliest(op, ready)
        if alone is not None and alone.end <= latest:
            tries.append((alone, frozenset()))
        limit = PUSH_POINTS if depth == 0 else widest if k == 0 else BRANCHING
        taken = fixed | ejected | {j}
        points = islice(_points(self.problem, op, ready, latest, where, taken, self.tightness), limit)
        ranked = ((Placement(p.bay, p.technician, p.start, p.end), p.ejected) for p in points)
        for placement, out in chain(tries, ranked):
            if time.thread_time() > self.deadline:
                raise _Deadline
            if depth == 0:  # the last level: shift the bookings in the way, eject none
                shifted = self.shifted(where, placement, out, fixed | {j, NEW}) if out else {}
                if shifted is None:
                    continue
                trial = availability.copy()
                for e, placed in shifted.items():
                    for p in where[e]:
                        trial.free(p)
                    for p in placed:
                        trial.reserve(p)
                trial.reserve(placement)
                after = {**where, **shifted, j: [*where.get(j, []), placement]}
                state = self._ops(j, k + 1, placement.end, trial, after, ejected, fixed, depth, widest)
                if state is not None:
                    return state
                continue
            trial = availability.copy()
            after = {e: v for e, v in where.items() if e not in out}
            for e in out:
                for p in where[e]:
                    trial.free(p)
            trial.reserve(placement)
            after[j] = [*where.get(j, []), placement]
            state = self._ops(j, k + 1, placement.end, trial, after, ejected | out, fixed, depth, widest)
            if state is not None:
                return state
        return None

    def shifted(
        self,
        where: dict[int, list[Placement]],
        placement: Placement,
        out: frozenset[int],
        frozen: frozenset[int],
    ) -> dict[int, list[Placement]] | None:
        """`placement` made room for by shifting later the bookings in its way (`out`) on their own
        bay and technician, and those in theirs in turn: each operation moved to the first start
        after the one it yields to that lies inside one of its technician's working blocks, the
        booking's later operations after it. Their new placements, or None when one would miss its
        promised pickup, is in `frozen` (or pinned), or more than `PUSH_LIMIT` operations would
        move. Every operation placed here clears the others off its bay and technician, so the
        result overlaps nothing; the caller frees and reserves it."""
        jobs = self.problem.jobs
        for e in out:  # a cheap bound first: most shifts fail at the first booking in the way
            due = jobs[e].due
            if e in frozen or jobs[e].pinned:
                return None
            if due is None:
                continue
            placed = where[e]
            for kk, q in enumerate(placed):
                if _clash(q, placement):
                    if placement.end + sum(r.end - r.start for r in placed[kk:]) > due:
                        return None
                    break
        moved: dict[int, list[Placement]] = {}
        queue = [(placement, NEW - 1, -1)]  # (a placement to clear the way for, its booking, its operation)
        count = 0
        while queue:
            p, owner, index = queue.pop()
            for e, placed in where.items():
                current = moved.get(e, placed)
                for kk, q in enumerate(current):
                    if (e, kk) == (owner, index) or not _clash(q, p):
                        continue
                    count += 1
                    if e in frozen or jobs[e].pinned or count > PUSH_LIMIT:
                        return None
                    current = list(current)
                    ready = p.end
                    for later in range(kk, len(current)):  # this operation, then the booking's next ones
                        r = current[later]
                        if later > kk and r.start >= ready:
                            break
                        start = _block_start(self.windows(r.technician), ready, r.end - r.start)
                        if start is None:
                            return None
                        current[later] = Placement(r.bay, r.technician, start, start + r.end - r.start)
                        queue.append((current[later], e, later))
                        ready = current[later].end
                    due = jobs[e].due
                    if due is not None and current[-1].end > due:
                        return None
                    moved[e] = current
                    # Done with `e` for `p`: the operations before `kk` miss it, the ones from `kk`
                    # on now start at or after its end. (Walking on over the list as it was would
                    # move a cascaded operation again, back before its predecessor's end.)
                    break
        if any(a.end > b.start for placed in moved.values() for a, b in pairwise(placed)):
            return None  # never a booking's operations out of order, whatever the walk did
        return moved

    def windows(self, technician: int) -> list[tuple[int, int]]:
        found = self._windows.get(technician)
        if found is None:
            found = self._windows[technician] = self.problem.technicians[technician].windows()
        return found


def _clash(a: Placement, b: Placement) -> bool:
    """Do two placements share the bay or the technician at overlapping times?"""
    return (a.technician == b.technician or a.bay == b.bay) and a.start < b.end and b.start < a.end


def _block_start(windows: Sequence[tuple[int, int]], ready: int, length: int) -> int | None:
    """The first start from `ready` on with `length` minutes inside one working block."""
    for w_start, w_end in windows:
        start = max(w_start, ready)
        if w_end - start >= length:
            return start
    return None


def eject_and_fit(
    problem: DayProblem,
    own: Sequence[Sequence[Placement]],
    job: JobData,
    deadline: float,
    shallowest: int = 1,
    deepest: int = DEPTH,
    free: Availability | None = None,
    push: bool = False,
    tightness: int = 0,
    cut: list[float] | None = None,
) -> Fit | None:
    """Where `job` fits once the accepted bookings in its way are moved.

    `problem` holds the accepted bookings (their promised pickups as `due`), `own` their witness
    placements in the same order. None when no chain is found before `deadline`
    (`time.thread_time()`). Chains of `shallowest` to `deepest` levels are tried, shallow first
    (a caller that already tried the shallower ones, at other times too, starts deeper).
    `free`: the free time around `own` when the caller has it (used up here), else built.
    `push`: the last level places a booking by shifting the ones in its way later (`_Chain.shifted`).
    `tightness`: rank the points by the minutes they take out, each booking's weighted by how
    tight its window is (`TIGHTNESS`); 0: by minutes alone.
    `cut`: when the search stops at `deadline` (None then says nothing of what a longer search
    would find), the CPU it had is appended (from its first clock reading to `deadline`); left
    as it was when None is a proof that no chain of these depths fits.
    """
    if not job.operations or any(op.pin is not None for op in job.operations):
        return None
    where: dict[int, list[Placement]] = {j: list(placed) for j, placed in enumerate(own)}
    availability = free
    if availability is None:
        availability = Availability(problem)
        for placed in own:
            for p in placed:
                availability.reserve(p)
    pinned = frozenset(j for j, _ in enumerate(own) if problem.jobs[j].pinned or not own[j])
    first = [placed[0].start if placed else 0 for placed in own]
    chain = _Chain(problem, job, deadline, first, push, tightness)
    state = None
    try:
        for depth in range(shallowest, deepest + 1):  # iterative deepening: every shallow chain first
            state = chain.place(NEW, availability, where, pinned, depth, WIDEST)
            if state is not None:
                break
    except _Deadline:
        if cut is not None:
            cut.append(deadline - (deadline if chain.started is None else chain.started))
        return None
    if state is None:
        return None
    final = state[1]
    moved = {j: final[j] for j in range(len(own)) if final[j] != list(own[j])}
    return final[NEW], moved


def _points(
    problem: DayProblem,
    op: OperationData,
    ready: int,
    latest: int,
    where: dict[int, list[Placement]],
    fixed: frozenset[int],
    tightness: int = 0,
) -> Iterator[_Point]:
    """Every (technician, start) for `op` from `ready` on, ending by `latest`, with its cheapest
    bay, cheapest first; none that would eject a booking in `fixed`.

    Lazily, best first: each point is queued at the cost of what it ejects on its technician
    alone (a bay can only add to it) and its bays are looked at only when it reaches the head of
    the queue, so a chain that succeeds at one of its first points (most do) does not price every
    bay at every start of the day (on a full dealer-2011 day that was most of a chain's time).
    The order is the one of sorting every point by (cost, start, technician, bay)."""
    on_tech: dict[int, list[tuple[int, int, int]]] = {}
    on_bay: dict[int, list[tuple[int, int, int]]] = {}
    for j, placed in where.items():
        for p in placed:
            on_tech.setdefault(p.technician, []).append((p.start, p.end, j))
            on_bay.setdefault(p.bay, []).append((p.start, p.end, j))
    work: dict[int, int] = {}

    def cost_of(ejected: set[int]) -> int:
        total = 0
        for j in ejected:
            minutes = work.get(j)
            if minutes is None:
                minutes = sum(p.end - p.start for p in where[j])
                if tightness:  # each minute weighs 1 + tightness / window (`TIGHTNESS`)
                    job = problem.jobs[j]
                    window = (job.due if job.due is not None else problem.horizon) - job.release
                    minutes += tightness * minutes // max(1, window)
                work[j] = minutes
            total += minutes
        return total

    bays = [b for _, b in sorted(zip(op.bay_costs, op.bays, strict=True))]
    bay_index: dict[int, _Busy] = {}
    # (cost, start, technician, bay, duration, on the technician or the point): a bay of -1 marks
    # a point not priced yet, at a cost no more than its own and ahead of it among equal ones.
    queue: list[tuple[int, int, int, int, int, set[int] | _Point]] = []
    for t, d in zip(op.technicians, op.durations, strict=True):
        busy = on_tech.get(t, [])
        tech_index = _Busy(busy)
        for w_start, w_end in problem.technicians[t].windows():
            first = max(w_start, ready)
            starts = {first} | {e for _, e, _ in busy if first <= e}
            for s in sorted(starts):
                if s + d > min(w_end, latest):
                    break
                here = tech_index.overlapping(s, s + d)
                if not here & fixed:
                    queue.append((cost_of(here), s, t, -1, d, here))
    heapify(queue)
    while queue:
        _, s, t, _, d, item = heappop(queue)
        if isinstance(item, _Point):
            yield item
            continue
        here = item
        best: _Point | None = None
        for b in bays:  # cheapest bay first; a free one ends the search
            index = bay_index.get(b)
            if index is None:
                index = bay_index[b] = _Busy(on_bay.get(b, []))
            ejected = here | index.overlapping(s, s + d)
            if ejected & fixed:
                continue
            cost = cost_of(ejected)
            if best is None or cost < best.cost:
                best = _Point(cost, s, t, b, s + d, frozenset(ejected))
            if len(ejected) == len(here):
                break
        if best is not None:
            heappush(queue, (best.cost, s, t, best.bay, d, best))


class _Busy:
    """One resource's busy intervals (start, end, booking), for the bookings overlapping a span:
    sorted by start, with the running maximum of their ends (every interval before the first
    running maximum past a span's start ends before the span), so a probe scans only the
    intervals that can overlap it, whether or not they overlap each other."""

    def __init__(self, busy: Sequence[tuple[int, int, int]]) -> None:
        self.busy = sorted(busy)
        self.starts = [a for a, _, _ in self.busy]
        self.reach: list[int] = []
        furthest = -(10**9)
        for _, e, _ in self.busy:
            furthest = max(furthest, e)
            self.reach.append(furthest)

    def overlapping(self, start: int, end: int) -> set[int]:
        """The bookings with an interval overlapping [start, end)."""
        lo = bisect_right(self.reach, start)
        hi = bisect_left(self.starts, end)
        return {j for _, e, j in self.busy[lo:hi] if start < e}


def _due(job: JobData) -> int:
    return job.due if job.due is not None else 10**9
