"""The ejection chains' index of a witness (scheduler.ejection.ChainIndex): kept per day version,
never used for another witness, and the points it gives are the ones worked out from scratch."""

from __future__ import annotations

import datetime as dt
import random
from functools import partial

from scheduler.contract import Assignment, Booking
from scheduler.ejection import NEW, ChainIndex, _points, chain_index, eject_and_fit
from scheduler.slots import CapacityRules, DayBook
from solver.problem import BayData, DayProblem, JobData, OperationData, Placement, TechnicianData
from tests.builders import tiny_workshop

DAY = dt.date(2026, 11, 24)


def _op(minutes: int, technicians: tuple[int, ...] = (0, 1, 2)) -> OperationData:
    return OperationData(
        bays=(0, 1), bay_costs=(1, 0), technicians=technicians, durations=(minutes,) * len(technicians)
    )


def _busy_morning() -> tuple[DayProblem, list[list[Placement]]]:
    """Three technicians (one on a break 10:00-10:15) and two bays 08:00-12:00, nine bookings of
    30-60 minutes packed on them, each promised an hour after its end."""
    placed = [
        Placement(0, 0, 480, 540),
        Placement(1, 1, 480, 510),
        Placement(1, 2, 510, 560),
        Placement(0, 0, 540, 570),
        Placement(1, 1, 560, 600),
        Placement(0, 2, 570, 600),
        Placement(0, 0, 615, 660),
        Placement(1, 1, 620, 680),
        Placement(0, 2, 660, 700),
    ]
    jobs = tuple(
        JobData(release=p.start, due=p.end + 60, waiter=False, priority=1, operations=(_op(p.end - p.start),))
        for p in placed
    )
    technicians = (
        TechnicianData(grade=1, shift_start=480, shift_end=720),
        TechnicianData(grade=2, shift_start=480, shift_end=720),
        TechnicianData(grade=3, shift_start=480, shift_end=720, breaks=((600, 615),)),
    )
    problem = DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"),) * 2,
        technicians=technicians,
        jobs=jobs,
        keep_promises=True,
    )
    return problem, [[p] for p in placed]


NEW_JOB = JobData(release=480, due=640, waiter=False, priority=1, operations=(_op(45),))


def _reference_points(
    problem: DayProblem,
    op: OperationData,
    ready: int,
    latest: int,
    where: dict[int, list[Placement]],
    fixed: frozenset[int],
) -> list[tuple[int, int, int, int, frozenset[int]]]:
    """Every (technician, start) from each working block's start and each busy end on the
    technician, ending by `latest`, with its cheapest bay (fewest minutes taken out, then the
    cheaper bay), none taking out a booking in `fixed`: sorted by (cost, start, technician, bay)."""
    minutes = {j: sum(p.end - p.start for p in placed) for j, placed in where.items()}
    points = []
    for t, d in zip(op.technicians, op.durations, strict=True):
        on_t = [(p, j) for j, placed in where.items() for p in placed if p.technician == t]
        for w_start, w_end in problem.technicians[t].windows():
            first = max(w_start, ready)
            for s in sorted({first} | {p.end for p, _ in on_t if p.end >= first}):
                if s + d > min(w_end, latest):
                    break
                here = {j for p, j in on_t if p.start < s + d and s < p.end}
                if here & fixed:
                    continue
                best = None
                for _, b in sorted(zip(op.bay_costs, op.bays, strict=True)):
                    out = here | {
                        j
                        for j, placed in where.items()
                        for p in placed
                        if p.bay == b and p.start < s + d and s < p.end
                    }
                    if out & fixed:
                        continue
                    cost = sum(minutes[j] for j in out)
                    if best is None or cost < best[0]:
                        best = (cost, b, frozenset(out))
                if best is not None:
                    points.append((best[0], s, t, best[1], best[2]))
    return sorted(points, key=lambda p: p[:4])


def test_the_points_of_every_chain_state_are_the_ones_worked_out_from_scratch() -> None:
    """States a chain reaches from the witness (bookings taken out, the new booking and moved ones
    placed elsewhere): the point search over the witness's index, whose technicians and bays as in
    the witness are kept (`ChainIndex.tech_points`), gives exactly the points of a search that
    indexes nothing, for every operation asked, the same index asked again and again."""
    problem, own = _busy_morning()
    index = chain_index(problem, own)
    root = dict(index.root)
    rng = random.Random(5)
    checked = 0
    for _ in range(150):
        where = dict(root)
        for j in rng.sample(range(len(own)), rng.randint(0, 3)):
            del where[j]  # taken out
        if rng.random() < 0.7:
            start = rng.randrange(480, 660, 5)
            where[NEW] = [Placement(rng.randrange(2), rng.randrange(3), start, start + 45)]
        for j in rng.sample(sorted(j for j in where if j >= 0), rng.randint(0, 2)):
            start = rng.randrange(480, 680, 5)
            old = where[j][0]
            where[j] = [Placement(rng.randrange(2), rng.randrange(3), start, start + old.end - old.start)]
        fixed = frozenset(rng.sample(sorted(where), rng.randint(0, 2)))
        op = _op(rng.choice((20, 30, 45, 60)), tuple(sorted(rng.sample(range(3), rng.randint(1, 3)))))
        ready, latest = rng.randrange(480, 620, 5), rng.randrange(560, 740, 5)
        got = [
            (p.cost, p.start, p.technician, p.bay, p.ejected)
            for p in _points(problem, op, ready, latest, where, fixed, 0, index)
        ]
        assert got == _reference_points(problem, op, ready, latest, where, fixed)
        checked += bool(got)
    assert checked > 50  # most states have points: the comparison is not vacuous


def test_an_index_of_another_witness_is_not_used() -> None:
    """An index kept for one witness, handed to a chain on another (a booking moved since, or a
    booking's placements changed in place): `ChainIndex.of` refuses it and the chain indexes the
    witness it is given, finding what it finds with no index at all. Used as it was, the stale index
    would take out the moved booking where it no longer is."""
    problem, own = _busy_morning()
    index = chain_index(problem, own)
    assert index.of(problem, own, 0)
    moved = [list(placed) for placed in own]
    moved[3] = [Placement(1, 2, 600 - 30, 600)]  # the 09:00 booking on technician 2 at 09:30 instead
    moved[5] = [Placement(0, 2, 510, 540)]
    assert not index.of(problem, moved, 0)
    assert not index.of(problem, own, 1000)  # the same witness, points ranked by another tightness
    fresh = eject_and_fit(problem, moved, NEW_JOB, deadline=1e9, push=True)
    assert fresh is not None
    assert eject_and_fit(problem, moved, NEW_JOB, deadline=1e9, push=True, index=index) == fresh
    own[3][0] = moved[3][0]  # changed in place: the same lists, not the same witness
    own[5][0] = moved[5][0]
    assert not index.of(problem, own, 0)
    assert eject_and_fit(problem, own, NEW_JOB, deadline=1e9, push=True, index=index) == fresh


def test_a_day_version_keeps_its_chain_index_and_the_next_version_builds_its_own() -> None:
    """`DayBook._chain_index`: the same index for every chain on one day version (and tightness);
    the version a booking makes has another witness and gets an index of that witness, never the
    earlier version's."""
    workshop = tiny_workshop("11:30", "12:00", {"HALF": ("Half", 30)})
    at = partial(dt.datetime, 2026, 11, 24, tzinfo=workshop.tz)
    accepted = []
    for n, hour in enumerate((8, 9, 10)):
        booking = Booking(id=f"B{n}", service="HALF", drop_off=at(hour), promised=at(hour, 50))
        witness = [
            Assignment(
                booking=booking.id, operation=0, bay="G1", technician="t", start=at(hour), end=at(hour, 30)
            )
        ]
        accepted.append((booking, witness))
    day = DayBook(workshop, DAY, accepted, CapacityRules(walk_in_holdback=0.0, waiters_per_slot=100))
    problem = day.accepted_problem
    index = day._chain_index(problem, 0)
    assert isinstance(index, ChainIndex) and day._chain_index(problem, 0) is index
    assert day._chain_index(problem, 1000) is not index
    booking = Booking(id="new", service="HALF", drop_off=at(8, 30))
    offer = day.try_insert(booking)
    assert offer is not None
    after = day.with_booking(booking.model_copy(update={"promised": offer.promised}), offer)
    later = after._chain_index(after.accepted_problem, 0)
    assert later is not index and later.of(after.accepted_problem, after.placements_of, 0)
    assert not index.of(after.accepted_problem, after.placements_of, 0)
    assert len(later.root) == len(index.root) + 1
