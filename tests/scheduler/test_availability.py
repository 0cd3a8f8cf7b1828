"""The minute grid of `Availability.earliest` (big workshops) finds the same placement as the
pair-by-pair search, on random days with breaks, overtime, touching blocks and busy resources."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scheduler.availability as availability_module
from scheduler.availability import Availability
from solver.problem import BayData, DayProblem, OperationData, Placement, TechnicianData

HORIZON = 200


@st.composite
def technicians(draw: st.DrawFn) -> TechnicianData:
    start = draw(st.integers(0, 60))
    end = draw(st.integers(start + 10, 170))
    breaks = draw(st.lists(st.tuples(st.integers(start, end), st.integers(0, 20)), max_size=2))
    return TechnicianData(
        grade=draw(st.integers(1, 3)),
        shift_start=start,
        shift_end=end,
        max_overtime=draw(st.integers(0, 40)),  # may run past the bays' horizon
        breaks=tuple((s, s + length) for s, length in breaks),  # a 0-minute break: touching blocks
    )


@st.composite
def days(draw: st.DrawFn) -> tuple[DayProblem, list[Placement], list[int], list[tuple[OperationData, int]]]:
    techs = draw(st.lists(technicians(), min_size=1, max_size=5))
    bay_count = draw(st.integers(1, 4))
    problem = DayProblem(
        horizon=HORIZON,
        bays=tuple(BayData("general") for _ in range(bay_count)),
        technicians=tuple(techs),
        jobs=(),
    )
    busy = [
        Placement(draw(st.integers(0, bay_count - 1)), draw(st.integers(0, len(techs) - 1)), s, s + length)
        for s, length in draw(st.lists(st.tuples(st.integers(-5, 210), st.integers(1, 50)), max_size=12))
    ]
    freed = draw(st.lists(st.integers(0, max(0, len(busy) - 1)), max_size=3, unique=True)) if busy else []
    ops = []
    for _ in range(draw(st.integers(1, 4))):
        chosen_techs = draw(st.lists(st.integers(0, len(techs) - 1), min_size=1, unique=True))
        chosen_bays = draw(st.lists(st.integers(0, bay_count - 1), min_size=1, unique=True))
        op = OperationData(
            bays=tuple(chosen_bays),
            bay_costs=tuple(draw(st.integers(0, 2)) for _ in chosen_bays),
            technicians=tuple(chosen_techs),
            durations=tuple(draw(st.integers(1, 60)) for _ in chosen_techs),
        )
        ops.append((op, draw(st.integers(-10, 220))))
    return problem, busy, freed, ops


@settings(max_examples=300, deadline=None)
@given(days())
def test_the_grid_places_as_the_pair_search_does(
    day: tuple[DayProblem, list[Placement], list[int], list[tuple[OperationData, int]]],
) -> None:
    problem, busy, freed, ops = day
    pairs, grid = Availability(problem), Availability(problem)
    pairs_limit = availability_module.GRID_PAIRS
    for a in (pairs, grid):
        for p in busy:
            a.reserve(p)
    # The grid is built on the first search, then follows every reserve and free.
    availability_module.GRID_PAIRS = 0
    try:
        grid.earliest(ops[0][0], ops[0][1])
    finally:
        availability_module.GRID_PAIRS = pairs_limit
    assert grid._grid is not None
    for i in freed:
        pairs.free(busy[i])
        grid.free(busy[i])
    for op, ready in ops:
        availability_module.GRID_PAIRS = 10**9
        try:
            expected = pairs.earliest(op, ready)
        finally:
            availability_module.GRID_PAIRS = 0
        try:
            got = grid.earliest(op, ready)
        finally:
            availability_module.GRID_PAIRS = pairs_limit
        assert got == expected
        if expected is not None:
            pairs.reserve(expected)
            grid.reserve(expected)


def test_small_workshops_keep_the_pair_search() -> None:
    problem = DayProblem(
        horizon=HORIZON,
        bays=(BayData("general"),),
        technicians=(TechnicianData(grade=2, shift_start=0, shift_end=100),),
        jobs=(),
    )
    availability = Availability(problem)
    op = OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(30,))
    assert availability.earliest(op, 10) == Placement(0, 0, 10, 40)
    assert availability._grid is None


@pytest.mark.parametrize("ready", [0, 95])
def test_the_grid_keeps_to_the_working_block(ready: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two blocks that touch (a 0-minute break) are two gaps: work does not run across."""
    monkeypatch.setattr(availability_module, "GRID_PAIRS", 0)
    tech = TechnicianData(grade=2, shift_start=0, shift_end=150, breaks=((100, 100),))
    problem = DayProblem(horizon=HORIZON, bays=(BayData("general"),), technicians=(tech,), jobs=())
    op = OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(30,))
    got = Availability(problem).earliest(op, ready)
    assert got == (Placement(0, 0, 0, 30) if ready == 0 else Placement(0, 0, 100, 130))


@pytest.mark.parametrize("pairs", [0, 10**9])
def test_no_overtime_comes_before_the_preferred_bay(pairs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both searches break a tie on the end the same way: no overtime first, then the bay's cost."""
    monkeypatch.setattr(availability_module, "GRID_PAIRS", pairs)
    problem = DayProblem(
        horizon=HORIZON,
        bays=(BayData("general"), BayData("general")),
        technicians=(
            TechnicianData(grade=2, shift_start=0, shift_end=100),
            TechnicianData(grade=2, shift_start=0, shift_end=20, max_overtime=60),
        ),
        jobs=(),
    )
    availability = Availability(problem)
    availability.reserve(Placement(0, 1, 0, 10))  # the cheaper bay and the faster technician
    op = OperationData(bays=(0, 1), bay_costs=(0, 1), technicians=(0, 1), durations=(30, 20))
    # Both end at 30: technician 1 in the cheaper bay would work 10 minutes of overtime.
    assert availability.earliest(op, 0) == Placement(1, 0, 0, 30)


def _step(free_time: Availability, busy: list[Placement], held: list[int], step: int) -> None:
    """One step of a random walk: reserve a placement of `busy` not held, or free one held (the
    latest or an earlier one); `held` lists the indices reserved (two placements may be equal)."""
    if len(held) < len(busy) and (not held or step % 3):
        i = next(j for j in [*range(step % len(busy), len(busy)), *range(len(busy))] if j not in held)
        free_time.reserve(busy[i])
        held.append(i)
    elif held:
        free_time.free(busy[held.pop(-1 if step % 2 else 0)])


@settings(max_examples=40, deadline=None)
@given(days(), st.lists(st.integers(0, 30), max_size=40))
def test_the_grid_follows_reserves_and_frees_marked_late_as_one_built_afresh(
    day: tuple[DayProblem, list[Placement], list[int], list[tuple[OperationData, int]]],
    steps: list[int],
) -> None:
    """Reserves and frees are marked on the grid when it is next searched or copied, a free undoing
    a pending reserve cancelling it: the grid then must be the one built from the busy lists."""
    problem, busy, _, _ = day
    free_time = Availability(problem)
    free_time._grid = availability_module._Grid(free_time)
    held: list[int] = []  # indices into `busy` (two placements there may be equal)
    for step in steps:
        _step(free_time, busy, held, step)
    copied = free_time.copy()
    fresh = Availability(problem)
    for i in held:
        fresh.reserve(busy[i])
    built = availability_module._Grid(fresh)
    for grid in (free_time._grid, copied._grid):
        assert grid is not None
        for name in ("tech_busy", "bay_busy", "tech_run", "bay_run"):
            assert (getattr(grid, name) == getattr(built, name)).all(), name
    assert free_time._pending == [] and copied._pending == []


def _reference_gaps(
    windows: list[tuple[int, int]], busy: list[tuple[int, int]], ready: int
) -> list[tuple[int, int]]:
    """The free gaps as first written (a walk over the busy intervals per call): what the cached
    whole-day gaps, cut from `ready`, must give."""
    gaps: list[tuple[int, int]] = []
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


def _reference_first_free(busy: list[tuple[int, int]], horizon: int, ready: int) -> int | None:
    """A bay's first free minute from `ready` on, as first written."""
    cursor = max(0, ready)
    for start, end in busy:
        if end <= cursor:
            continue
        if start > cursor:
            break
        cursor = max(cursor, end)
    return cursor if cursor < horizon else None


def _assert_gaps_as_built(free_time: Availability, readies: list[int]) -> None:
    for ready in readies:
        for b in range(len(free_time.bay_busy)):
            assert free_time.bay_gaps(b, ready) == _reference_gaps(
                free_time.day, free_time.bay_busy[b], ready
            )
            assert free_time.bay_free_from(b, ready) == _reference_first_free(
                free_time.bay_busy[b], free_time.day[0][1], ready
            )
        for t in range(len(free_time.tech_busy)):
            windows, busy = free_time.tech_windows[t], free_time.tech_busy[t]
            assert free_time.tech_gaps(t, ready) == _reference_gaps(windows, busy, ready)


@settings(max_examples=150, deadline=None)
@given(
    days(), st.lists(st.integers(0, 30), max_size=30), st.lists(st.integers(-10, 230), min_size=1, max_size=4)
)
def test_cached_gaps_are_the_gaps_of_the_busy_lists(
    day: tuple[DayProblem, list[Placement], list[int], list[tuple[OperationData, int]]],
    steps: list[int],
    readies: list[int],
) -> None:
    """Each resource's gaps are cut from a cache of its whole day's, dropped when its busy list
    changes, filled by `settled` and handed to copies: after any reserves, frees, copies and
    settling (read in between, so stale gaps would show), they are the busy lists' own gaps, and
    a copy's changes leave the original's alone."""
    problem, busy, _, ops = day
    free_time = Availability(problem)
    originals: list[tuple[Availability, list[list[tuple[int, int]]], list[list[tuple[int, int]]]]] = []
    held: list[int] = []
    for step in steps:
        _step(free_time, busy, held, step)
        if step % 7 == 0:
            free_time.settled()
        if step % 5 == 0:
            originals.append(
                (free_time, [list(b) for b in free_time.bay_busy], [list(t) for t in free_time.tech_busy])
            )
            free_time = free_time.copy()
        _assert_gaps_as_built(free_time, readies)
        op, ready = ops[step % len(ops)]
        free_time.earliest(op, ready)  # the search reads (and fills) the caches too
    for original, bay_busy, tech_busy in originals:
        assert original.bay_busy == bay_busy and original.tech_busy == tech_busy
        _assert_gaps_as_built(original, readies)
