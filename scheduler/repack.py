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

Where even the packed day has no room, there is often a little slack behind many bookings:
`push_and_fit` inserts the new booking where its work would end earliest and pushes the work in
its way later, in a cascade on the same technicians and bays, or takes the bookings in its way
out and inserts them again the same way on another technician (insertion with right shift, as
in the minimal-change plans CP-SAT finds for those days: a few bookings a quarter hour later and
one or two moved to another technician).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from scheduler.availability import Availability, Gap, subtract
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
    for k in range(len(ops) - 1, -1, -1):
        op = ops[k]
        lo = job.release + sum(min(o.durations, default=0) for o in ops[:k])
        shortest = min(op.durations, default=0)
        # Each resource's own latest end bounds what it can give: the most promising first, and
        # the rest pruned once none can end later (ties: the shorter work).
        bays: list[tuple[int, int, int, list[Gap]]] = []
        for b in op.bays:
            gaps = subtract(availability.day, availability.bay_busy[b], lo)
            b_end = _latest_end(gaps, shortest, bound)
            if b_end is not None:
                bays.append((-b_end, len(bays), b, gaps))
        bays.sort()
        techs: list[tuple[int, int, int, int, list[Gap]]] = []
        for t, d in zip(op.technicians, op.durations, strict=True):
            gaps = subtract(availability.tech_windows[t], availability.tech_busy[t], lo)
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


Key = tuple[int, int]
"""(booking, operation); the new booking is -1."""


def push_and_fit(
    problem: DayProblem, own: Sequence[Sequence[Placement]], job: JobData, deadline: float
) -> tuple[list[Placement], dict[int, list[Placement]]] | None:
    """Room for `job` made by pushing later the work in its way (insertion with right shift):
    each operation of `job` at the earliest end it can have on a qualified technician and bay
    where the operations it overlaps there, and in turn those they overlap and their bookings'
    next operations, move later on the same technician and bay (within its working blocks); or
    where the bookings it overlaps are taken out and inserted again the same way elsewhere (on
    another technician: work moves across technicians). Every moved booking still done by its
    promise. A full day with a little slack behind each booking takes one more that way where no
    gap is long enough. Until `deadline` (this thread's CPU); returns the job's placements and the
    new placements of the bookings that moved, or None."""
    windows = [t.windows() for t in problem.technicians]
    sched: dict[Key, Placement] = {(j, k): p for j, placed in enumerate(own) for k, p in enumerate(placed)}
    fixed = {j for j in range(len(own)) if not movable(problem, own, j)}
    context = _Context(problem, windows, fixed, deadline, job)
    after = _insert(context, sched, -1, 1)
    if after is None:
        return None
    moved: dict[int, list[Placement]] = {}
    for j, before in enumerate(own):
        now = [after[(j, k)] for k in range(len(before))]
        if now != list(before):
            moved[j] = now
    return [after[(-1, k)] for k in range(len(job.operations)) if (-1, k) in after], moved


@dataclass(frozen=True)
class _Context:
    problem: DayProblem
    windows: list[list[tuple[int, int]]]
    fixed: set[int]
    deadline: float
    job: JobData

    def job_of(self, j: int) -> JobData:
        return self.job if j < 0 else self.problem.jobs[j]


class _Late(TimeoutError):
    """The deadline passed."""


def _insert(
    context: _Context, sched: dict[Key, Placement], j: int, depth: int
) -> dict[Key, Placement] | None:
    """`sched` with booking `j`'s operations (not in it) inserted in order, each at the earliest end
    found with the work in its way pushed later (or, `depth` > 0, taken out and inserted again);
    booking `j` by its promise. None if no such insertion is found."""
    job = context.job_of(j)
    ready = job.release
    for k, op in enumerate(job.operations):
        if op.pin is not None:
            ready = max(ready, op.pin.end)
            continue
        on_tech, on_bay = _index(sched)
        options: set[tuple[int, int, int, int]] = set()  # (end, start, technician, bay)
        for t, d in zip(op.technicians, op.durations, strict=True):
            starts = {ready, *(sched[q].end for q in on_tech.get(t, []) if sched[q].end > ready)}
            for start in sorted(starts)[:_STARTS]:
                at = _in_window(context.windows[t], start, d)
                if at is not None:
                    options.update((at + d, at, t, b) for b in op.bays)
        # The least work in the way first (the shortest cascade), then the earliest end.
        ranked = sorted(options, key=lambda o: (_overlap(sched, on_tech, on_bay, o), o[0]))
        ranked = ranked[: _OPTIONS[min(depth, 1)]]
        due = job.due if j >= 0 and k == len(job.operations) - 1 else None
        found: dict[Key, Placement] | None = None
        for eject in (False, True) if depth > 0 else (False,):
            for end, start, t, b in ranked:
                if time.thread_time() > context.deadline:
                    raise _Late
                if due is not None and end > due:
                    continue
                new = Placement(b, t, start, end)
                if eject:
                    found = _eject_in_way(context, sched, (j, k), new, depth)
                else:
                    trial = dict(sched)
                    trial[(j, k)] = new
                    tech_extra = {t: [*on_tech.get(t, []), (j, k)]}
                    bay_extra = {b: [*on_bay.get(b, []), (j, k)]}
                    if _push_others(context, trial, (j, k), tech_extra, bay_extra, on_tech, on_bay):
                        found = trial
                if found is not None:
                    break
            if found is not None:
                break
        if found is None:
            return None
        sched = found
        ready = sched[(j, k)].end
    return sched


def _eject_in_way(
    context: _Context, sched: dict[Key, Placement], key: Key, new: Placement, depth: int
) -> dict[Key, Placement] | None:
    """`sched` with `new` placed at `key` and the movable bookings it overlaps taken out and
    inserted again (`_insert`, one level less), earliest promise first."""
    in_way = sorted(
        {
            q[0]
            for q, p in sched.items()
            if (p.technician == new.technician or p.bay == new.bay)
            and p.start < new.end
            and new.start < p.end
        },
        key=lambda i: (context.job_of(i).due or context.problem.horizon, i),
    )
    if not in_way or any(i < 0 or i in context.fixed for i in in_way):
        return None
    trial = {q: p for q, p in sched.items() if q[0] not in in_way}
    trial[key] = new
    for i in in_way:
        again = _insert(context, trial, i, depth - 1)
        if again is None:
            return None
        trial = again
    return trial


def _overlap(
    sched: dict[Key, Placement],
    on_tech: dict[int, list[Key]],
    on_bay: dict[int, list[Key]],
    option: tuple[int, int, int, int],
) -> int:
    """Minutes of placed work an option (end, start, technician, bay) overlaps."""
    end, start, t, b = option
    return sum(
        max(0, min(end, sched[q].end) - max(start, sched[q].start))
        for q in [*on_tech.get(t, []), *on_bay.get(b, [])]
    )


def _index(sched: dict[Key, Placement]) -> tuple[dict[int, list[Key]], dict[int, list[Key]]]:
    on_tech: dict[int, list[Key]] = {}
    on_bay: dict[int, list[Key]] = {}
    for key, p in sched.items():
        on_tech.setdefault(p.technician, []).append(key)
        on_bay.setdefault(p.bay, []).append(key)
    return on_tech, on_bay


_STARTS = 8
"""Start points tried per technician for each operation inserted (its ready time and the ends of
the work on that technician after it)."""

_OPTIONS = (6, 30)
"""Placements tried per operation, earliest end first: of a booking taken out and inserted again,
of the new booking (the search's cost is their product)."""

_PUSHES = 40
"""Operations one insertion may push later (a long cascade is a full day: give up)."""


def _in_window(windows: list[tuple[int, int]], start: int, length: int) -> int | None:
    """The earliest start from `start` with `length` minutes inside one working block."""
    for lo, hi in windows:
        at = max(lo, start)
        if at + length <= hi:
            return at
    return None


def _push_others(
    context: _Context,
    sched: dict[Key, Placement],
    placed: Key,
    tech_extra: dict[int, list[Key]],
    bay_extra: dict[int, list[Key]],
    on_tech: dict[int, list[Key]],
    on_bay: dict[int, list[Key]],
) -> bool:
    """Push later, in `sched`, the operations overlapping `placed` on its technician or bay, and
    so on in turn (each booking's next operations after its previous one); False if one cannot
    move (pinned, no working block, past its promise) or the cascade is too long."""
    todo = [placed]
    pushes = 0
    touched: set[int] = set()
    while todo:
        key = todo.pop()
        p = sched[key]
        near = tech_extra.get(p.technician, on_tech.get(p.technician, [])) + bay_extra.get(
            p.bay, on_bay.get(p.bay, [])
        )
        later: list[tuple[Key, int]] = [
            (q, p.end) for q in near if q != key and sched[q].start < p.end and p.start < sched[q].end
        ]
        j, k = key
        if (j, k + 1) in sched and sched[(j, k + 1)].start < p.end:
            later.append(((j, k + 1), p.end))
        for q, start in later:
            r = sched[q]
            if r.start >= start:
                continue
            if q[0] in context.fixed:
                return False
            pushes += 1
            if pushes > _PUSHES:
                return False
            at = _in_window(context.windows[r.technician], start, r.end - r.start)
            if at is None:
                return False
            sched[q] = Placement(r.bay, r.technician, at, at + r.end - r.start)
            touched.add(q[0])
            todo.append(q)
    for j in touched:
        job = context.job_of(j)
        last = sched.get((j, len(job.operations) - 1))
        if job.due is not None and last is not None and last.end > job.due:
            return False
    return True
