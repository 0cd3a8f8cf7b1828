"""Ejection chains whose last level shifts the bookings in its way later (scheduler.ejection, push)."""

from __future__ import annotations

import datetime as dt
import itertools
from functools import partial
from itertools import pairwise

import pytest

from scheduler import slots
from scheduler.contract import Assignment, Booking
from scheduler.ejection import eject_and_fit
from scheduler.slots import CapacityRules, DayBook
from scheduler.validator import validate_plan
from solver.problem import BayData, DayProblem, JobData, OperationData, Placement, TechnicianData
from tests.builders import counted_search_clock, tiny_workshop, witness_plan

DAY = dt.date(2026, 11, 24)
STARTS = (510, 545, 580, 615, 650, 685)
"""Six half-hour bookings from 08:30 with five minutes between them, each dropped off at its start."""


def _op(minutes: int) -> OperationData:
    return OperationData(bays=(0,), bay_costs=(0,), technicians=(0,), durations=(minutes,))


def _chained_morning(slack: int, second_slack: int | None = None) -> tuple[DayProblem, list[list[Placement]]]:
    """One technician and one bay 08:00-12:00, the six bookings of `STARTS`, each promised `slack`
    minutes after its end (the second one `second_slack`, when given): none can start earlier, each
    can start up to its slack later."""
    slacks = [slack] * len(STARTS)
    if second_slack is not None:
        slacks[1] = second_slack
    jobs = tuple(
        JobData(release=s, due=s + 30 + late, waiter=False, priority=1, operations=(_op(30),))
        for s, late in zip(STARTS, slacks, strict=True)
    )
    problem = DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"),),
        technicians=(TechnicianData(grade=1, shift_start=480, shift_end=720),),
        jobs=jobs,
        keep_promises=True,
    )
    return problem, [[Placement(0, 0, s, s + 30)] for s in STARTS]


FIFTY = JobData(release=480, due=None, waiter=False, priority=1, operations=(_op(50),))
"""A 50-minute booking dropped off at 08:00: the 30 free minutes before 08:30 and the 5-minute gaps
hold it only if four bookings each start a little later (20, 15, 10 and 5 minutes)."""


def _whole_day(
    problem: DayProblem, own: list[list[Placement]], fit: tuple[list[Placement], dict[int, list[Placement]]]
) -> list[Placement]:
    placed, moved = fit
    day = [p for j, placements in enumerate(own) for p in moved.get(j, placements)]
    for j, job in enumerate(problem.jobs):
        for p in moved.get(j, own[j]):
            assert job.release <= p.start and (job.due is None or p.end <= job.due)
    return sorted([*day, *placed], key=lambda p: p.start)


def test_only_shifting_four_bookings_later_makes_room_and_every_promise_is_kept() -> None:
    """No chain of ejections finds the 50 minutes, however long it searches (a booking moves at most
    once, three levels deep, and the fourth must move too); the last level shifting the bookings in
    its way finds them at 08:00: four bookings start 20, 15, 10 and 5 minutes later, none earlier
    than its drop-off or later than its promise, nothing overlaps, everything in the shift."""
    problem, own = _chained_morning(slack=20)
    assert eject_and_fit(problem, own, FIFTY, deadline=1e9) is None
    fit = eject_and_fit(problem, own, FIFTY, deadline=1e9, push=True)
    assert fit is not None
    assert fit[0] == [Placement(0, 0, 480, 530)]
    assert {j: [p.start for p in v] for j, v in fit[1].items()} == {0: [530], 1: [560], 2: [590], 3: [620]}
    day = _whole_day(problem, own, fit)
    assert all(a.end <= b.start for a, b in pairwise(day))
    assert day[0].start >= 480 and day[-1].end <= 720


def test_a_shift_that_would_break_a_promise_is_not_made() -> None:
    """With 10 minutes of slack the second booking, shifted 15 minutes, would end 5 minutes after
    its promised pickup: no room is offered (soundness before completeness)."""
    problem, own = _chained_morning(slack=20, second_slack=10)
    assert eject_and_fit(problem, own, FIFTY, deadline=1e9, push=True) is None


def _chained_workshop_day() -> tuple[DayBook, Booking]:
    """The same morning as bookings of a workshop: the slot answer's search sees it as a small day."""
    workshop = tiny_workshop("11:30", "12:00", {"HALF": ("Half", 30), "FIFTY": ("Fifty", 50)})
    at = partial(dt.datetime, 2026, 11, 24, tzinfo=workshop.tz)
    accepted = []
    for n, minute in enumerate(STARTS):
        start = at(minute // 60, minute % 60)
        booking = Booking(
            id=f"B{n}", service="HALF", drop_off=start, promised=start + dt.timedelta(minutes=50)
        )
        end = start + dt.timedelta(minutes=30)
        witness = [
            Assignment(booking=booking.id, operation=0, bay="G1", technician="t", start=start, end=end)
        ]
        accepted.append((booking, witness))
    day = DayBook(workshop, DAY, accepted, CapacityRules(walk_in_holdback=0.0, waiters_per_slot=100))
    return day, Booking(id="new", service="FIFTY", drop_off=at(8))


def test_the_immediate_answer_offers_the_time_only_shifting_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the repacked days (which would gather the gaps here too): the small day's search
    (`DayBook._chain_portfolio`) offers 08:00 within the immediate answer, with a whole-day plan
    the independent validator accepts, every promise kept; the search as on a big day (ejection
    chains only) does not."""
    counted_search_clock(monkeypatch, step=2**-20)  # reads: no stall cuts the 5 s search
    monkeypatch.setattr(slots, "PACK_SECONDS", 0.0)
    day, new = _chained_workshop_day()
    offers = day.offers("FIFTY", False, ejection_seconds=5.0)
    found = next(o for o in offers if o.drop_off == new.drop_off)
    assert found.rewitness is not None
    for o in offers:
        probe = new.model_copy(update={"drop_off": o.drop_off})
        request, plan = witness_plan(day, probe, o)
        assert validate_plan(request, plan) == [] and plan.kpis.late == 0 and plan.kpis.placed == 7
    monkeypatch.setattr(slots, "PORTFOLIO_BOOKINGS", 0)
    day, new = _chained_workshop_day()
    assert new.drop_off not in {o.drop_off for o in day.offers("FIFTY", False, ejection_seconds=5.0)}


def test_a_shifted_booking_keeps_its_operations_in_order() -> None:
    """Two operations of one booking, on other technicians and bays, both in the way of a shifted
    booking: the second is moved after the first, never again from the shifted booking's end (a
    vehicle in two bays at once)."""

    def op(technicians: tuple[int, ...], bays: tuple[int, ...], minutes: int) -> OperationData:
        return OperationData(
            bays=bays,
            bay_costs=(0,) * len(bays),
            technicians=technicians,
            durations=(minutes,) * len(technicians),
        )

    two_step = JobData(
        release=95, due=200, waiter=False, priority=1, operations=(op((0,), (1,), 10), op((1,), (0,), 15))
    )
    in_the_way = JobData(release=100, due=130, waiter=False, priority=1, operations=(op((0, 2), (0, 2), 30),))
    new = JobData(release=100, due=130, waiter=False, priority=1, operations=(op((2,), (2,), 30),))
    technician = TechnicianData(grade=1, shift_start=0, shift_end=300)
    problem = DayProblem(
        horizon=1440,
        bays=(BayData(kind="general"),) * 3,
        technicians=(technician,) * 3,
        jobs=(two_step, in_the_way),
        keep_promises=True,
    )
    own = [[Placement(1, 0, 95, 105), Placement(0, 1, 105, 120)], [Placement(2, 2, 100, 130)]]
    fit = eject_and_fit(problem, own, new, deadline=float("inf"), deepest=1, push=True)
    assert fit is not None
    placed, moved = fit
    day = [*placed] + [p for j, placements in enumerate(own) for p in moved.get(j, placements)]
    for j in range(len(own)):
        for a, b in pairwise(moved.get(j, own[j])):
            assert a.end <= b.start, (j, a, b)
    for a, b in itertools.combinations(day, 2):
        if a.technician == b.technician or a.bay == b.bay:
            assert a.end <= b.start or b.end <= a.start, (a, b)
