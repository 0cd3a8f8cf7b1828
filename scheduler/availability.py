"""Free time of bays and technicians during a day, and the earliest slot an operation fits in."""

from __future__ import annotations

from bisect import insort

from solver.problem import DayProblem, Interval, OperationData, Placement

Gap = tuple[int, int]


def subtract(windows: list[Interval], busy: list[Interval], ready: int) -> list[Gap]:
    """Free gaps of `windows` minus sorted `busy`, from `ready` on."""
    gaps: list[Gap] = []
    k = 0
    for w_start, w_end in windows:
        cursor = max(w_start, ready)
        while k < len(busy) and busy[k][1] <= cursor:
            k += 1
        i = k
        while cursor < w_end and i < len(busy) and busy[i][0] < w_end:
            if busy[i][0] > cursor:
                gaps.append((cursor, busy[i][0]))
            cursor = max(cursor, busy[i][1])
            i += 1
        if cursor < w_end:
            gaps.append((cursor, w_end))
    return gaps


def first_common_fit(a: list[Gap], b: list[Gap], length: int) -> int | None:
    """Earliest start of `length` free minutes in both gap lists."""
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        if min(a[i][1], b[j][1]) - start >= length:
            return start
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return None


def first_fit(gaps: list[Gap], length: int) -> int | None:
    return next((s for s, e in gaps if e - s >= length), None)


class Availability:
    """Busy intervals per bay and per technician; technicians work only inside their windows."""

    def __init__(self, problem: DayProblem) -> None:
        self.problem = problem
        self.bay_busy: list[list[Interval]] = [[] for _ in problem.bays]
        self.tech_busy: list[list[Interval]] = [[] for _ in problem.technicians]
        self.tech_windows = [t.windows() for t in problem.technicians]
        self.day = [(0, problem.horizon)]

    def reserve(self, p: Placement) -> None:
        insort(self.bay_busy[p.bay], (p.start, p.end))
        insort(self.tech_busy[p.technician], (p.start, p.end))

    def free(self, p: Placement) -> None:
        self.bay_busy[p.bay].remove((p.start, p.end))
        self.tech_busy[p.technician].remove((p.start, p.end))

    def bay_gaps(self, bay: int, ready: int) -> list[Gap]:
        return subtract(self.day, self.bay_busy[bay], ready)

    def bay_free_from(self, bay: int, ready: int) -> int | None:
        """The bay's first free minute from `ready` on (None: busy to the day's end); the start of
        `bay_gaps(bay, ready)[0]`."""
        cursor = max(0, ready)
        for start, end in self.bay_busy[bay]:
            if end <= cursor:
                continue
            if start > cursor:
                break
            cursor = max(cursor, end)
        return cursor if cursor < self.day[0][1] else None

    def tech_gaps(self, tech: int, ready: int) -> list[Gap]:
        return subtract(self.tech_windows[tech], self.tech_busy[tech], ready)

    def earliest(self, op: OperationData, ready: int) -> Placement | None:
        """The qualified bay + technician pair that finishes `op` earliest (the foreman's rule).

        Ties go to no overtime, then the preferred bay, then the lowest grade (keep seniors free).
        Pairs are pruned by each resource's own earliest time, so big workshops stay fast.
        """
        # Each bay's first free minute orders the bays; its gaps are worked out only for the bays
        # the search reaches (most are pruned on a busy day).
        bay_options = []
        for b, cost in zip(op.bays, op.bay_costs, strict=True):
            first = self.bay_free_from(b, ready)
            if first is not None:
                bay_options.append((first, cost, b))
        bay_options.sort()
        bay_gaps: dict[int, list[Gap]] = {}
        tech_options = []
        for t, d in zip(op.technicians, op.durations, strict=True):
            gaps = self.tech_gaps(t, ready)
            alone = first_fit(gaps, d)
            if alone is not None:
                tech_options.append((alone + d, t, d, gaps))
        tech_options.sort()

        best: tuple[int, int, int, int, int, int] | None = None
        best_placement: Placement | None = None
        for lower_end, t, d, t_gaps in tech_options:
            if best is not None and lower_end > best[0]:
                break
            tech = self.problem.technicians[t]
            for bay_start, cost, b in bay_options:
                if best is not None and max(lower_end, bay_start + d) > best[0]:
                    break
                b_gaps = bay_gaps.get(b)
                if b_gaps is None:
                    b_gaps = bay_gaps[b] = self.bay_gaps(b, ready)
                start = first_common_fit(t_gaps, b_gaps, d)
                if start is None:
                    continue
                end = start + d
                overtime = max(0, end - max(start, tech.shift_end))
                key = (end, overtime, cost, tech.grade, t, b)
                if best is None or key < best:
                    best = key
                    best_placement = Placement(b, t, start, end)
        return best_placement
