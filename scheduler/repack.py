"""Other witnesses of a full day: every booking pushed as late, then as early, as its promise allows.

The witness places each booking where it landed when it was booked, so on a full day the free
time is scattered in gaps too short for one more job, even where the whole day has room (what the
exact search finds, moving most bookings a little). Pushing every movable booking as late as its
promised pickup allows (`right_pack`, latest work first) and then as early as its drop-off allows
(`left_pack`, earliest work first) gathers those gaps: each step is one booking re-placed in the
free time left by all the others, so the day stays a whole-day witness at every step (the hard
rules as the dispatcher keeps them, every operation in order from the drop-off on, every booking
done by its promised pickup). Both are anytime: stopped at a deadline, the day as packed so far
is a witness too. Started work and carried-over multi-day work (pinned) stay where they are.

A new booking's quick fit (`scheduler.dispatch.place_job`) in such a packed day is what the
ejection chains (`scheduler.ejection`) find only three or four levels deep on the fullest days.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from scheduler.availability import Availability, Gap
from scheduler.dispatch import place_job
from solver.problem import DayProblem, JobData, Placement

Own = list[list[Placement]]
"""Each accepted booking's placements, in the problem's job order."""


def movable(problem: DayProblem, own: Sequence[Sequence[Placement]], j: int) -> bool:
    """Placed in full and nothing of it pinned (started or carried-over work stays put)."""
    job = problem.jobs[j]
    return bool(own[j]) and len(own[j]) == len(job.operations) and not job.pinned


def _availability(problem: DayProblem, own: Sequence[Sequence[Placement]]) -> Availability:
    availability = Availability(problem)
    for placed in own:
        for p in placed:
            availability.reserve(p)
    return availability


def left_pack(problem: DayProblem, own: Sequence[Sequence[Placement]], deadline: float) -> Own:
    """Each movable booking, earliest start first, re-placed at its earliest finish (the
    dispatcher's rule) where that ends sooner than now; the others stay."""
    current = [list(placed) for placed in own]
    if time.thread_time() > deadline:
        return current
    availability = _availability(problem, current)
    for j in sorted(range(len(current)), key=lambda j: (current[j][0].start if current[j] else 0, j)):
        if time.thread_time() > deadline:
            break
        if not movable(problem, current, j):
            continue
        for p in current[j]:
            availability.free(p)
        job = problem.jobs[j]
        new = place_job(availability, job, j)
        if new is not None and _on_time(job, new) and new[-1].end < current[j][-1].end:
            current[j] = new
            continue
        for p in new or []:
            availability.free(p)
        for p in current[j]:
            availability.reserve(p)
    return current


def right_pack(problem: DayProblem, own: Sequence[Sequence[Placement]], deadline: float) -> Own:
    """Each movable booking, latest end first, re-placed as late as its promised pickup allows
    (last operation first) where that starts later than now; the others stay."""
    current = [list(placed) for placed in own]
    if time.thread_time() > deadline:
        return current
    availability = _availability(problem, current)
    for j in sorted(range(len(current)), key=lambda j: (-(current[j][-1].end if current[j] else 0), j)):
        if time.thread_time() > deadline:
            break
        if not movable(problem, current, j):
            continue
        job = problem.jobs[j]
        for p in current[j]:
            availability.free(p)
        new = latest_place(availability, job, job.due if job.due is not None else problem.horizon)
        if new is not None and new[0].start >= current[j][0].start:
            current[j] = new
            continue
        for p in new or []:
            availability.free(p)
        for p in current[j]:
            availability.reserve(p)
    return current


def latest_place(availability: Availability, job: JobData, by: int) -> list[Placement] | None:
    """The job's operations as late as they fit ending by `by`, the last one first (each one on the
    qualified technician and bay that let it end latest), from its release on; reserved in
    `availability`. None (and nothing reserved) if one does not fit."""
    ops = job.operations
    placed: list[Placement] = []
    bound = by
    # Each operation's earliest start by the releases alone (the job's, and its own: parts).
    earliest: list[int] = []
    at = job.release
    for op in ops:
        at = max(at, op.release)
        earliest.append(at)
        at += min(op.durations, default=0)
    for k in range(len(ops) - 1, -1, -1):
        op = ops[k]
        lo = earliest[k]
        shortest = min(op.durations, default=0)
        # Each resource's own latest end bounds what it can give: the most promising first, and
        # the rest pruned once none can end later (ties: the shorter work).
        bays: list[tuple[int, int, int, list[Gap]]] = []
        for b in op.bays:
            gaps = availability.bay_gaps(b, lo)  # `subtract`'s gaps, from the cached whole day
            b_end = _latest_end(gaps, shortest, bound)
            if b_end is not None:
                bays.append((-b_end, len(bays), b, gaps))
        bays.sort()
        techs: list[tuple[int, int, int, int, list[Gap]]] = []
        for t, d in zip(op.technicians, op.durations, strict=True):
            gaps = availability.tech_gaps(t, lo)
            t_end = _latest_end(gaps, d, bound)
            if t_end is not None:
                techs.append((-t_end, d, len(techs), t, gaps))
        techs.sort()
        best: Placement | None = None
        for minus_t_end, d, _, t, t_gaps in techs:
            if best is not None and (-minus_t_end, -d) <= (best.end, best.start - best.end):
                break
            for minus_b_end, _, b, b_gaps in bays:
                if best is not None and (-minus_b_end, -d) <= (best.end, best.start - best.end):
                    break
                start = _latest_common(t_gaps, b_gaps, d, bound)
                if start is not None and (
                    best is None or (start + d, -d) > (best.end, best.start - best.end)
                ):
                    best = Placement(b, t, start, start + d)
        if best is None:
            for p in placed:
                availability.free(p)
            return None
        availability.reserve(best)
        placed.append(best)
        bound = best.start
    placed.reverse()
    return placed


def _latest_end(gaps: list[Gap], length: int, by: int) -> int | None:
    """The latest end of `length` free minutes in `gaps`, ending by `by` (None: no room)."""
    for start, end in reversed(gaps):
        end = min(end, by)
        if end - start >= length:
            return end
    return None


def _latest_common(a: list[Gap], b: list[Gap], length: int, by: int) -> int | None:
    """The latest start of `length` free minutes in both gap lists, ending by `by`."""
    i, j = len(a) - 1, len(b) - 1
    while i >= 0 and j >= 0:
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1], by)
        if end - start >= length:
            return end - length
        if a[i][0] > b[j][0]:
            i -= 1
        else:
            j -= 1
    return None


def _on_time(job: JobData, placed: Sequence[Placement]) -> bool:
    return job.due is None or placed[-1].end <= job.due
