"""Free time of bays and technicians during a day, and the earliest slot an operation fits in."""

from __future__ import annotations

from bisect import bisect_right, insort
from itertools import islice
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from solver.problem import DayProblem, Interval, OperationData, Placement

Gap = tuple[int, int]


def subtract(windows: list[Interval], busy: list[Interval], ready: int) -> list[Gap]:
    """Free gaps of `windows` minus sorted `busy`, from `ready` on."""
    # Locals and conditional expressions instead of max() and repeated indexing: a plan and a slot
    # search work out each resource's gaps 10^4-10^5 times.
    gaps: list[Gap] = []
    append = gaps.append
    count = len(busy)
    k = 0
    for w_start, w_end in windows:
        cursor = w_start if w_start >= ready else ready
        while k < count and busy[k][1] <= cursor:
            k += 1
        i = k
        while cursor < w_end and i < count:
            b_start, b_end = busy[i]
            if b_start >= w_end:
                break
            if b_start > cursor:
                append((cursor, b_start))
            if b_end > cursor:
                cursor = b_end
            i += 1
        if cursor < w_end:
            append((cursor, w_end))
    return gaps


_EARLIEST = -(1 << 62)
"""A `ready` before every minute: `subtract` from it gives a resource's gaps of the whole day."""

_END = itemgetter(1)


def gaps_from(gaps: list[Gap], ready: int) -> list[Gap]:
    """The whole day's `gaps` of a resource (`subtract` from `_EARLIEST`) from `ready` on: exactly
    `subtract` from `ready` (gaps ending by `ready` dropped, the one running across it cut there),
    a bisection and a slice instead of a walk over the busy intervals."""
    # Gap ends increase: `i` is the first gap ending after `ready`.
    return _cut(gaps, bisect_right(gaps, ready, key=_END), ready)


def _cut(gaps: list[Gap], i: int, ready: int) -> list[Gap]:
    """`gaps` from the `i`th on, the first cut at `ready` (`gaps_from` with `i` known)."""
    rest = gaps[i:]
    if rest and rest[0][0] < ready:
        rest[0] = (ready, rest[0][1])
    return rest


def first_common_fit(a: list[Gap], b: list[Gap], length: int) -> int | None:
    """Earliest start of `length` free minutes in both gap lists."""
    # Locals and conditional expressions instead of max/min calls: this runs ~10^5 times a plan.
    i = j = 0
    len_a, len_b = len(a), len(b)
    while i < len_a and j < len_b:
        a_start, a_end = a[i]
        b_start, b_end = b[j]
        start = a_start if a_start >= b_start else b_start
        end = a_end if a_end <= b_end else b_end
        if end - start >= length:
            return start
        if a_end < b_end:
            i += 1
        else:
            j += 1
    return None


def first_fit(gaps: list[Gap], length: int) -> int | None:
    for start, end in gaps:
        if end - start >= length:
            return start
    return None


class Availability:
    """Busy intervals per bay and per technician; technicians work only inside their windows."""

    def __init__(self, problem: DayProblem) -> None:
        self.problem = problem
        self.bay_busy: list[list[Interval]] = [[] for _ in problem.bays]
        self.tech_busy: list[list[Interval]] = [[] for _ in problem.technicians]
        self.tech_windows = [t.windows() for t in problem.technicians]
        self.day = [(0, problem.horizon)]
        self._grid: _Grid | None = None
        """Minute grid of the same busy intervals, built on the first big search (see `earliest`)."""
        self._pending: list[tuple[Placement, int]] = []
        """Reservations (+1) and releases (-1) not yet marked on `_grid`: marked when the grid is
        next searched or copied (`_synced_grid`). A quick fit reserves its placement and frees it
        again; the pair cancels here instead of recomputing four rows of the grid for nothing."""
        self._bay_days: list[list[Gap] | None] = [None] * len(problem.bays)
        self._tech_days: list[list[Gap] | None] = [None] * len(problem.technicians)
        """Each resource's gaps of the whole day (`_bay_day`, `_tech_day`), worked out on first
        use and dropped when its busy list changes: a dispatch searches every qualified
        technician's gaps per operation, and only the two resources it reserves change between
        searches. Never changed in place (shared with copies and handed to callers as slices)."""

    def copy(self) -> Availability:
        """An independent copy (its own busy lists and grid): a trial that must not touch this one."""
        if self._grid is not None or len(self.problem.technicians) * len(self.problem.bays) >= GRID_PAIRS:
            self._synced_grid()  # built once here, not once per trial copy
        fresh = Availability.__new__(Availability)
        fresh.problem = self.problem
        fresh.bay_busy = [list(b) for b in self.bay_busy]
        fresh.tech_busy = [list(t) for t in self.tech_busy]
        fresh.tech_windows = self.tech_windows
        fresh.day = self.day
        fresh._bay_days = list(self._bay_days)
        fresh._tech_days = list(self._tech_days)
        fresh._grid = self._grid.copy() if self._grid is not None else None
        fresh._pending = []
        return fresh

    def settled(self) -> Availability:
        """This free time with every pending change marked on its grid, returned. A free time shared
        between threads (a day version's, handed out as copies) must be settled before it is shared:
        `copy` marks pending changes on the object it copies, and two threads copying it at once
        would mark them twice (a busy minute counted free: an unsound offer).

        Every resource's whole-day gaps are worked out here too: its copies inherit them (each
        search of a copy reads most of them), and a shared free time is then only read."""
        if self._grid is not None:
            self._synced_grid()
        for b in range(len(self._bay_days)):
            self._bay_day(b)
        for t in range(len(self._tech_days)):
            self._tech_day(t)
        return self

    def reserve(self, p: Placement) -> None:
        insort(self.bay_busy[p.bay], (p.start, p.end))
        insort(self.tech_busy[p.technician], (p.start, p.end))
        self._bay_days[p.bay] = None
        self._tech_days[p.technician] = None
        if self._grid is not None:
            self._mark_later(p, 1)

    def free(self, p: Placement) -> None:
        self.bay_busy[p.bay].remove((p.start, p.end))
        self.tech_busy[p.technician].remove((p.start, p.end))
        self._bay_days[p.bay] = None
        self._tech_days[p.technician] = None
        if self._grid is not None:
            self._mark_later(p, -1)

    def _mark_later(self, p: Placement, delta: int) -> None:
        """Note a change for the grid; one undoing a pending one cancels it (the grid's busy counts
        add up the same in any order)."""
        pending = self._pending
        for i in range(len(pending) - 1, -1, -1):
            if pending[i][1] == -delta and pending[i][0] == p:
                del pending[i]
                return
        pending.append((p, delta))
        if len(pending) > _PENDING_MARKS:
            self._synced_grid()

    def _synced_grid(self) -> _Grid:
        """The minute grid with every pending change marked (built from the busy lists if none)."""
        if self._grid is None:
            self._grid = _Grid(self)
        else:
            for p, delta in self._pending:
                self._grid.mark(p, delta)
        self._pending.clear()
        return self._grid

    def _bay_day(self, bay: int) -> list[Gap]:
        """The bay's gaps of the whole day (cached until its busy list changes)."""
        gaps = self._bay_days[bay]
        if gaps is None:
            gaps = self._bay_days[bay] = subtract(self.day, self.bay_busy[bay], _EARLIEST)
        return gaps

    def _tech_day(self, tech: int) -> list[Gap]:
        """The technician's gaps of the whole day (cached until the busy list changes)."""
        gaps = self._tech_days[tech]
        if gaps is None:
            gaps = self._tech_days[tech] = subtract(self.tech_windows[tech], self.tech_busy[tech], _EARLIEST)
        return gaps

    def bay_gaps(self, bay: int, ready: int) -> list[Gap]:
        """`subtract(self.day, bay_busy[bay], ready)`, from the cached whole day."""
        return gaps_from(self._bay_day(bay), ready)

    def bay_free_from(self, bay: int, ready: int) -> int | None:
        """The bay's first free minute from `ready` on (None: busy to the day's end); the start of
        `bay_gaps(bay, ready)[0]`."""
        gaps = self._bay_day(bay)
        i = bisect_right(gaps, ready, key=_END)
        if i == len(gaps):
            return None
        start = gaps[i][0]
        return start if start > ready else ready

    def tech_gaps(self, tech: int, ready: int) -> list[Gap]:
        """`subtract(tech_windows[tech], tech_busy[tech], ready)`, from the cached whole day."""
        return gaps_from(self._tech_day(tech), ready)

    def earliest(self, op: OperationData, ready: int, due: int | None = None) -> Placement | None:
        """The qualified bay + technician pair that finishes `op` earliest (the foreman's rule).

        `due`: where that pair finishes by it without overtime, the pair of the lowest grade that
        also does (earliest among them) instead: a junior who keeps the promise leaves the senior
        free for work only seniors can do (the warm start's `keep_seniors` dispatches; not on the
        minute grid of big workshops).

        Ties go to no overtime, then the preferred bay, then the lowest grade (keep seniors free).
        Pairs are pruned by each resource's own earliest time, so big workshops stay fast. Where
        the pairs are many (a 150-technician, 120-bay day) the minute grid answers instead, with
        the same placement: pruning does not help when nothing fits, and then every pair's gaps
        were merged in Python (a 1,000-booking day spent ~3 s per dispatch, mostly there).

        Never before the operation's own release (`OperationData.release`: its parts are in).
        """
        if op.release > ready:
            ready = op.release
        pairs = len(op.technicians) * len(op.bays)
        if due is not None and pairs >= DUE_PAIRS:
            due = None  # a big workshop: the grid's answer, as the foreman's rule gives it
        if due is None and pairs >= GRID_PAIRS and min(op.durations, default=0) > 0:
            return self._synced_grid().earliest(op, ready)
        first = self._earliest(op, ready, None)
        if (
            due is None
            or first is None
            or first.end > min(due, self.problem.technicians[first.technician].shift_end)
        ):
            return first
        grade = self.problem.technicians[first.technician].grade
        for junior_grade in sorted({self.problem.technicians[t].grade for t in op.technicians}):
            if junior_grade >= grade:
                break
            allowed = {t for t in op.technicians if self.problem.technicians[t].grade == junior_grade}
            junior = self._earliest(op, ready, allowed)
            if junior is not None and junior.end <= min(
                due, self.problem.technicians[junior.technician].shift_end
            ):
                return junior
        return first

    def _earliest(self, op: OperationData, ready: int, allowed: set[int] | None) -> Placement | None:
        """`earliest` among the `allowed` technicians (None: all)."""
        # Each bay's first free minute orders the bays; its gaps are cut from `ready` only for the
        # bays the search reaches (most are pruned on a busy day). The whole day's gaps of every
        # resource are cached (`_bay_day`, `_tech_day`): one bisection each here.
        bay_options: list[tuple[int, int, int]] = []
        bay_days, bay_day = self._bay_days, self._bay_day
        for b, cost in zip(op.bays, op.bay_costs, strict=True):
            gaps = bay_days[b]
            if gaps is None:
                gaps = bay_day(b)
            i = bisect_right(gaps, ready, key=_END)  # `bay_free_from`, inline
            if i < len(gaps):
                first = gaps[i][0]
                bay_options.append((first if first > ready else ready, cost, b))
        bay_options.sort()
        bay_gaps: dict[int, list[Gap]] = {}
        # Each technician's first fit from `ready` (`first_fit` of `tech_gaps`, inline), read off
        # the cached whole day from its first gap ending after `ready`; the gaps are cut from
        # `ready` only for the technicians the search reaches.
        tech_options: list[tuple[int, int, int, int, list[Gap]]] = []
        tech_days, tech_day = self._tech_days, self._tech_day
        for t, d in zip(op.technicians, op.durations, strict=True):
            if allowed is not None and t not in allowed:
                continue
            day = tech_days[t]
            if day is None:
                day = tech_day(t)
            i = bisect_right(day, ready, key=_END)
            for gap_start, gap_end in islice(day, i, None):
                if gap_start < ready:  # the first gap, cut at `ready`
                    gap_start = ready
                if gap_end - gap_start >= d:
                    tech_options.append((gap_start + d, t, d, i, day))
                    break
        tech_options.sort()

        technicians = self.problem.technicians
        best: tuple[int, int, int, int, int, int] | None = None
        best_end = _NO_END  # best[0] once there is a best
        best_placement: Placement | None = None
        for lower_end, t, d, i, day in tech_options:
            if lower_end > best_end:
                break
            t_gaps = _cut(day, i, ready)
            tech = technicians[t]
            for bay_start, cost, b in bay_options:
                if lower_end > best_end or bay_start + d > best_end:  # max(...) > best[0]
                    break
                b_gaps = bay_gaps.get(b)
                if b_gaps is None:
                    b_gaps = bay_gaps[b] = gaps_from(bay_day(b), ready)
                start = first_common_fit(t_gaps, b_gaps, d)
                if start is None:
                    continue
                end = start + d
                worked_to = start if start > tech.shift_end else tech.shift_end
                overtime = end - worked_to if end > worked_to else 0
                key = (end, overtime, cost, tech.grade, t, b)
                if best is None or key < best:
                    best = key
                    best_end = end
                    best_placement = Placement(b, t, start, end)
        return best_placement


_NO_END = 1 << 62
"""Later than any end: `Availability._earliest`'s bound before it has a placement."""


_PENDING_MARKS = 64
"""Grid changes kept pending (`Availability._pending`) before they are marked anyway."""

GRID_PAIRS = 400
"""Technician x bay pairs from which `Availability.earliest` searches the minute grid (below it,
the pair-by-pair search is faster: dealer-2011 has ~100 pairs per operation)."""


DUE_PAIRS = 2_000
"""Technician x bay pairs from which `Availability.earliest` ignores `due` (the pair-by-pair
search it needs is too slow there; dealer-2011 has up to 32 x 34)."""


CHUNK_MINUTES = 90
"""The first window of minutes `_Grid.earliest` searches (then four times as long, and so on)."""
_NONE = np.iinfo(np.int64).max

_OpArrays = tuple[
    OperationData, npt.NDArray[np.intp], npt.NDArray[np.int32], npt.NDArray[np.intp], npt.NDArray[np.int64]
]
"""An operation with its technicians, durations, bays and bay costs as arrays."""

_OP_ARRAYS: dict[int, _OpArrays] = {}
"""`_Grid._arrays` by the operation's id (the operation kept with them, so the id stays its own)."""

_OP_ARRAYS_KEPT = 4_096
"""Operations whose arrays are kept (a 1,000-booking day has ~2,000); past it they start afresh."""


class _Grid:
    """Per bay and per technician, the free minutes that follow each minute (0 where busy or
    outside a working block): `earliest` with numpy over all pairs at once.

    Mirrors the busy lists of its `Availability` (updated by `reserve` and `free`); a start `s`
    fits `d` minutes on a resource exactly when its run at `s` is at least `d`, as a gap of
    `subtract` holding [s, s + d) would.
    """

    def __init__(self, availability: Availability) -> None:
        problem = availability.problem
        self.problem = problem
        width = max([problem.horizon, *(e for w in availability.tech_windows for _, e in w)])
        self.width = width
        self.minutes = np.arange(width, dtype=np.int32)
        # A run stops at its working block's end even where the next block starts right after
        # (two blocks are two gaps for `subtract` too).
        self.tech_cap = np.zeros((len(problem.technicians), width), dtype=np.int32)
        for t, windows in enumerate(availability.tech_windows):
            for start, end in windows:
                self.tech_cap[t, max(0, start) : max(0, end)] = end
        self.bay_cap = np.zeros((len(problem.bays), width), dtype=np.int32)
        self.bay_cap[:, : max(0, problem.horizon)] = problem.horizon
        self.shift_end = np.array([t.shift_end for t in problem.technicians], dtype=np.int64)
        self.grade = np.array([t.grade for t in problem.technicians], dtype=np.int64)
        self.tech_busy = np.zeros((len(problem.technicians), width), dtype=np.int16)
        self.bay_busy = np.zeros((len(problem.bays), width), dtype=np.int16)
        for t, busy in enumerate(availability.tech_busy):
            for start, end in busy:
                self.tech_busy[t, max(0, start) : max(0, end)] += 1
        for b, busy in enumerate(availability.bay_busy):
            for start, end in busy:
                self.bay_busy[b, max(0, start) : max(0, end)] += 1
        self.tech_run = self._runs(self.tech_busy, self.tech_cap)
        self.bay_run = self._runs(self.bay_busy, self.bay_cap)

    def _runs(self, busy: npt.NDArray[np.int16], cap: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
        """`_rerun` of every row at once (a dispatch builds a grid per plan: one pass, not one
        per bay and technician)."""
        stop = np.where(busy > 0, self.minutes, self.width)
        next_busy = np.minimum.accumulate(stop[:, ::-1], axis=1)[:, ::-1]
        run = np.maximum(np.minimum(next_busy, cap) - self.minutes, 0)
        return run.astype(np.int32, copy=False)

    def _rerun(
        self,
        run: npt.NDArray[np.int32],
        busy: npt.NDArray[np.int16],
        cap: npt.NDArray[np.int32],
        row: int,
    ) -> None:
        """Free minutes from each minute on: up to the next busy minute or the block's end."""
        stop = np.where(busy[row] > 0, self.minutes, self.width)
        next_busy = np.minimum.accumulate(stop[::-1])[::-1]
        np.maximum(np.minimum(next_busy, cap[row]) - self.minutes, 0, out=run[row])

    def _ends(
        self,
        techs: npt.NDArray[np.intp],
        durations: npt.NDArray[np.int32],
        bays: npt.NDArray[np.intp],
        ready: int,
        stop: int,
    ) -> npt.NDArray[np.int64]:
        """Per technician, the earliest end of a start in [ready, stop) with a bay free too."""
        longest_bay = self.bay_run[bays, ready:stop].max(axis=0)
        need = durations[:, None]
        fits = (self.tech_run[techs, ready:stop] >= need) & (longest_bay[None, :] >= need)
        first = fits.argmax(axis=1)
        return np.where(fits[np.arange(len(techs)), first], first + ready + durations, _NONE)

    def copy(self) -> _Grid:
        fresh = _Grid.__new__(_Grid)
        fresh.__dict__.update(self.__dict__)  # the caps, minutes and operation arrays are shared
        for name in ("tech_busy", "bay_busy", "tech_run", "bay_run"):
            setattr(fresh, name, getattr(self, name).copy())
        return fresh

    def mark(self, p: Placement, delta: int) -> None:
        lo, hi = max(0, p.start), max(0, min(p.end, self.width))
        if lo >= hi:
            return  # no minute of the grid: nothing changes
        self.tech_busy[p.technician, lo:hi] += delta
        self.bay_busy[p.bay, lo:hi] += delta
        self._mark_run(self.tech_run, self.tech_busy, self.tech_cap, p.technician, lo, hi)
        self._mark_run(self.bay_run, self.bay_busy, self.bay_cap, p.bay, lo, hi)

    def _mark_run(
        self,
        run: npt.NDArray[np.int32],
        busy: npt.NDArray[np.int16],
        cap: npt.NDArray[np.int32],
        row: int,
        lo: int,
        hi: int,
    ) -> None:
        """The row's runs after its busy counts changed on [lo, hi): where all those minutes are now
        busy (a reservation), what `_rerun` gives in two steps: no run there, and a run before
        `lo` ends by `lo` at the latest (the minutes from `hi` on keep theirs). Else (a release)
        the row worked out again."""
        if (busy[row, lo:hi] > 0).all():
            run[row, lo:hi] = 0
            np.minimum(run[row, :lo], lo - self.minutes[:lo], out=run[row, :lo])
        else:
            self._rerun(run, busy, cap, row)

    def _arrays(self, op: OperationData) -> _OpArrays:
        # Keyed by identity: the same job data is searched again and again, within one dispatch and
        # by every dispatch of the warm start (each builds its own grid: the cache is the module's).
        cached = _OP_ARRAYS.get(id(op))
        if cached is None or cached[0] is not op:
            cached = (
                op,
                np.array(op.technicians, dtype=np.intp),
                np.array(op.durations, dtype=np.int32),
                np.array(op.bays, dtype=np.intp),
                np.array(op.bay_costs, dtype=np.int64),
            )
            if len(_OP_ARRAYS) >= _OP_ARRAYS_KEPT:
                _OP_ARRAYS.clear()
            _OP_ARRAYS[id(op)] = cached  # holds `op`: its id is not reused while cached
        return cached

    def earliest(self, op: OperationData, ready: int) -> Placement | None:
        """`Availability.earliest` over the grid: the earliest end first, then the same ties."""
        ready = max(0, ready)
        if ready >= self.width:
            return None
        _, techs, durations, bays, costs = self._arrays(op)
        shortest = int(durations.min())
        # Minutes from `ready` on, searched in growing windows: most work fits soon after ready.
        stop = min(self.width, ready + CHUNK_MINUTES)
        while True:
            ends = self._ends(techs, durations, bays, ready, stop)
            end = int(ends.min())
            if end < _NONE:
                if end - shortest < stop:
                    break  # a start from `stop` on ends later than `end` with every technician
                stop = end - shortest + 1  # a faster technician may start later and still tie
            elif stop >= self.width:
                return None
            else:
                stop = min(self.width, ready + 4 * (stop - ready))
        # Ties on the end: no overtime, then the cheapest bay free at the start, the lowest grade,
        # the technician, the bay. Technicians with the same duration share a start and its bays.
        tied = np.flatnonzero(ends == end)
        tied_techs = techs[tied]
        starts = end - durations[tied]
        overtime = np.maximum(0, end - np.maximum(starts, self.shift_end[tied_techs]))
        keys: list[tuple[int, int, int, int, int, int]] = []
        bay_choice: dict[int, tuple[int, int]] = {}
        for t, start, extra in zip(tied_techs.tolist(), starts.tolist(), overtime.tolist(), strict=True):
            choice = bay_choice.get(start)
            if choice is None:
                free = self.bay_run[bays, start] >= end - start
                choice = bay_choice[start] = min(zip(costs[free].tolist(), bays[free].tolist(), strict=True))
            keys.append((extra, choice[0], int(self.grade[t]), t, choice[1], start))
        best = min(keys)
        return Placement(best[4], best[3], best[5], end)
