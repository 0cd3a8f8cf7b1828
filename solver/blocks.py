"""Working blocks: each technician's and bay's free time, and each booking's earliest end alone.

Shared by the bounds (`bounds.py`, `bounds_time.py`): an operation runs whole inside one block.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

from solver.problem import DayProblem


def minus(windows: list[tuple[int, int]], busy: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for s, e in windows:
        pieces = [(s, e)]
        for bs, be in busy:
            pieces = [q for ps, pe in pieces for q in ((ps, min(pe, bs)), (max(ps, be), pe)) if q[1] > q[0]]
        out.extend(pieces)
    return out


def free_windows(problem: DayProblem) -> tuple[list[list[tuple[int, int]]], list[list[tuple[int, int]]]]:
    """Each technician's and each bay's working time left free by started (pinned) work."""
    pinned_t: list[list[tuple[int, int]]] = [[] for _ in problem.technicians]
    pinned_b: list[list[tuple[int, int]]] = [[] for _ in problem.bays]
    for job in problem.jobs:
        for op in job.operations:
            if op.pin is not None:
                pinned_t[op.pin.technician].append((op.pin.start, op.pin.end))
                pinned_b[op.pin.bay].append((op.pin.start, op.pin.end))
    day_end = max((t.day_end for t in problem.technicians), default=problem.horizon)
    tech_free = [minus(t.windows(), pinned_t[i]) for i, t in enumerate(problem.technicians)]
    bay_free = [minus([(0, day_end)], pinned_b[b]) for b in range(len(problem.bays))]
    return tech_free, bay_free


_Memo = TypeVar("_Memo")
_last: dict[str, tuple[DayProblem, object]] = {}


def memo(name: str, problem: DayProblem, make: Callable[[], _Memo]) -> _Memo:
    """`make()` once per problem for the last problem seen: the bounds of one plan ask for the
    same pools and alone-ends many times (seven times on a 1,000-booking day: seconds each).
    Keyed by identity (hashing a day's data costs as much as the work)."""
    hit = _last.get(name)
    if hit is not None and hit[0] is problem:
        return hit[1]  # type: ignore[return-value]
    value = make()
    _last[name] = (problem, value)
    return value


def earliest_ends(problem: DayProblem) -> list[float]:
    """Each booking's earliest possible end alone in the workshop (inf if it cannot fit)."""
    return list(memo("earliest_ends", problem, lambda: _earliest_ends(problem)))


def _earliest_ends(problem: DayProblem) -> list[float]:
    windows = [t.windows() for t in problem.technicians]
    ends: list[float] = []
    for job in problem.jobs:
        ready: float = job.release
        for op in job.operations:
            if op.pin is not None:
                # Its end is a fact, even before the booking's release (a re-plan's `not_before`
                # raises every booking's, work done before it too): never later than it ended.
                ready = op.pin.end if math.isfinite(ready) else math.inf
                continue
            best = math.inf
            ready = max(ready, job.release, op.release)
            for t, d in zip(op.technicians, op.durations, strict=True):
                for s, e in windows[t]:
                    start = max(s, ready)
                    if start + d <= e:
                        best = min(best, start + d)
                        break
            ready = best if op.bays else math.inf
        ends.append(ready)
    return ends


def fit(windows: list[tuple[int, int]], start: float, size: int) -> float:
    """Earliest end of `size` minutes of work starting at or after `start` inside one block."""
    for s, e in windows:
        begin = max(s, start)
        if begin + size <= e:
            return begin + size
    return math.inf
