"""The day repacked late and early (scheduler.repack): every step keeps a whole-day witness."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest

from scheduler.availability import Availability
from scheduler.compiler import compile_request
from scheduler.contract import Assignment, Booking, PlanRequest
from scheduler.dispatch import place_job
from scheduler.planning import to_plan
from scheduler.repack import left_pack, right_pack
from scheduler.scenarios import load_scenario
from scheduler.slots import CapacityRules, DayBook
from scheduler.validator import validate_plan
from solver.problem import DaySolution, Placement

DAY = dt.date(2026, 11, 24)
OPEN = CapacityRules(walk_in_holdback=0.0, express_holdback=0.0, waiters_per_slot=100)


def _full_day(seed: int, attempts: int = 60) -> DayBook:
    """A small-dealer day filled through the quick fit as bench.slots fills it (moved bookings stored)."""
    workshop = load_scenario("small-dealer").workshop
    rng = random.Random(seed)
    services = ["LUBE", "FIRST", "INSPECT", "MAINT", "ALIGN", "MINOR", "WARRANTY"]
    accepted: list[tuple[Booking, list[Assignment]]] = []
    for i in range(attempts):
        day = DayBook(workshop, DAY, accepted, OPEN)
        service, waiter = rng.choice(services), rng.random() < 0.6
        booking = Booking(
            id=f"b{i}", service=service, drop_off=rng.choice(day.candidate_times()), waiter=waiter
        )
        offer = day.try_insert(booking)
        if offer is None:
            continue
        witness = dict(offer.rewitness or {b.id: tuple(a) for b, a in accepted})
        accepted = [(b, list(witness[b.id])) for b, _ in accepted]
        accepted.append((booking.model_copy(update={"promised": offer.promised}), list(offer.assignments)))
    return DayBook(workshop, DAY, accepted, OPEN)


def _violations(day: DayBook, own: list[list[Placement]]) -> tuple[list[object], int]:
    """The independent validator's verdict on the accepted bookings placed at `own`, and how many are late."""
    request = PlanRequest(workshop=day.workshop, date=day.date, bookings=[b for b, _ in day.accepted])
    compiled = compile_request(request)
    placements = {(j, k): p for j, placed in enumerate(own) for k, p in enumerate(placed)}
    plan = to_plan(compiled, DaySolution(placements=placements, unplaced=set()), "witness")
    assert plan.kpis.placed == len(day.accepted)
    return list(validate_plan(request, plan)), plan.kpis.late


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_every_pack_of_a_full_day_is_a_whole_day_witness_keeping_every_promise(seed: int) -> None:
    """Late, early, late then early, and again: each passes the validator with nobody late; pushed
    late, no booking starts earlier than it did; pulled early, none ends later."""
    day = _full_day(seed)
    problem, own = day.accepted_problem, day.placements_of
    assert len(own) >= 25  # a full day
    forever = time.thread_time() + 60.0
    late = right_pack(problem, own, forever)
    early = left_pack(problem, own, forever)
    late_early = left_pack(problem, late, forever)
    again = left_pack(problem, right_pack(problem, late_early, forever), forever)
    for packed in (late, early, late_early, again):
        assert _violations(day, packed) == ([], 0)
    assert all(new[0].start >= old[0].start for new, old in zip(late, own, strict=True))
    assert all(new[-1].end <= old[-1].end for new, old in zip(early, own, strict=True))
    assert late != own and late_early != own  # something moved


def test_a_pack_stopped_at_its_deadline_is_the_day_as_it_was() -> None:
    day = _full_day(1)
    problem, own = day.accepted_problem, day.placements_of
    past = time.thread_time() - 1.0
    assert right_pack(problem, own, past) == own
    assert left_pack(problem, own, past) == own


def test_packing_late_then_early_gathers_the_gaps_the_new_booking_needs() -> None:
    """On the fullest days the quick fit of a new booking succeeds in the day pushed late then early
    at times where the witness has no gap for it (what a chain of several levels finds otherwise)."""
    gained = 0
    for seed in (1, 2, 4):
        day = _full_day(seed)
        problem, own = day.accepted_problem, day.placements_of
        packed = left_pack(
            problem, right_pack(problem, own, time.thread_time() + 60.0), time.thread_time() + 60.0
        )
        for service in ("LUBE", "FIRST", "ALIGN"):
            for drop_off in day.candidate_times():
                job, _ = day._job(Booking(id="new", service=service, drop_off=drop_off))
                fits = []
                for placed in (own, packed):
                    availability = Availability(problem)
                    for p in (p for ps in placed for p in ps):
                        availability.reserve(p)
                    fits.append(place_job(availability, job, len(own)) is not None)
                gained += fits[1] and not fits[0]
    assert gained > 0
