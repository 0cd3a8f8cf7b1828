"""Learned labour times: the median's interval, shrinkage toward the grade, learned minutes and
applying the suggestions (pure: worked operations in, suggestions out)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from scheduler.contract import Workshop
from scheduler.labour import applied, learn, learned_minutes, median_interval
from scheduler.worked import Segment, WorkedOperation
from tests.builders import DAY, at, tiny_workshop, with_technician

STANDARD = 60


def workshop(techs: dict[str, int]) -> Workshop:
    """The tiny workshop's 60-minute MAINT with technicians id → grade (efficiency 1.0)."""
    shift = {"start": "08:00", "end": "17:00"}
    body = tiny_workshop().model_dump(mode="json")
    body["technicians"] = [
        {"id": t, "name": t.upper(), "grade": g, "skills": ["maintenance"], "shift": shift}
        for t, g in techs.items()
    ]
    return Workshop.model_validate(body)


def done(tech: str, minutes: float, i: int) -> WorkedOperation:
    start = at("08:00")
    end = start + dt.timedelta(minutes=minutes)
    return WorkedOperation(date=DAY, booking=f"B{tech}{i}", service="MAINT", operation=0, first_start=start,
                           started_by=tech, finished_at=end, technician=tech,
                           segments=(Segment(tech, start, end),))  # fmt: skip


def test_the_median_interval_contains_the_true_median_most_of_the_time() -> None:
    rng = np.random.default_rng(13)
    true_median = 60.0
    hits = 0
    trials = 400
    for _ in range(trials):
        x = rng.lognormal(math.log(true_median), 0.35, size=25)
        low, high, coverage = median_interval(list(x))
        assert coverage >= 0.95 and low <= float(np.median(x)) <= high
        hits += low <= true_median <= high
    assert hits / trials >= 0.92


def test_a_small_sample_gives_min_to_max_with_its_true_coverage() -> None:
    low, high, coverage = median_interval([50.0, 70.0, 60.0])
    assert (low, high) == (50.0, 70.0)
    assert math.isclose(coverage, 1 - 2 / 8)


def test_shrinkage_keeps_two_samples_near_the_grade_and_fifty_near_their_own() -> None:
    rng = np.random.default_rng(7)
    truth = {"a": 0.95, "b": 1.0, "c": 1.05, "d": 1.0, "many": 1.3}
    ws = workshop({t: 3 for t in [*truth, "few"]})
    worked = []
    for tech, eff in truth.items():
        n = 50 if tech == "many" else 20
        worked += [done(tech, STANDARD / eff * rng.lognormal(0, 0.3), i) for i in range(n)]
    worked += [done("few", STANDARD / 1.3, i) for i in range(2)]
    times = learn(ws, worked, DAY, DAY)
    speeds = {s.technician: s for s in times.technicians}
    few, many = speeds["few"], speeds["many"]
    assert few.n == 2 and many.n == 50
    assert few.grade_efficiency is not None and few.own_efficiency is not None
    assert few.suggested_efficiency is not None and many.suggested_efficiency is not None
    assert few.weight is not None and many.weight is not None and few.weight < 0.5 < 0.8 < many.weight
    grade = few.grade_efficiency
    # Two samples say little: pulled most of the way to the grade's mean.
    assert abs(few.suggested_efficiency - grade) < 0.5 * abs(few.own_efficiency - grade)
    # Fifty say a lot: he stays near his own figure.
    assert many.own_efficiency is not None
    assert abs(many.suggested_efficiency - many.own_efficiency) < 0.25 * abs(many.own_efficiency - grade)
    assert many.suggested_efficiency > few.suggested_efficiency


def test_operations_are_suggested_from_five_samples_with_the_interval() -> None:
    ws = workshop({"t": 3})
    few = learn(ws, [done("t", 80, i) for i in range(4)], DAY, DAY)
    assert few.operations[0].n == 4 and few.operations[0].suggested_minutes is None
    times = learn(ws, [done("t", m, i) for i, m in enumerate([70, 75, 80, 85, 90])], DAY, DAY)
    op = times.operations[0]
    assert (op.n, op.median_minutes, op.suggested_minutes, op.current_minutes) == (5, 80.0, 80, 60)
    assert op.low_minutes == 70.0 and op.high_minutes == 90.0 and op.confidence is not None


def test_unfinished_work_and_unknown_technicians_teach_nothing() -> None:
    ws = workshop({"t": 3})
    open_ = done("t", 30, 0)
    unfinished = WorkedOperation(**{**open_.__dict__, "finished_at": None})
    times = learn(ws, [unfinished, done("ghost", 30, 1)], DAY, DAY)
    assert times.samples == 0 and times.operations[0].n == 0 and times.technicians[0].n == 0


def test_learned_minutes_and_applying_them() -> None:
    ws = workshop({"t": 3, "u": 3})
    times = learn(ws, [done("t", 90, i) for i in range(6)], DAY, DAY)
    minutes = learned_minutes(times, ws)
    # t's own operations took 90: standard 90 at his (relative) speed 1.0.
    assert math.isclose(minutes[("t", "MAINT", 0)], 90 / times.technicians[0].suggested_efficiency)  # type: ignore[operator]
    assert ("u", "MAINT", 0) in minutes  # the operation's learned standard at u's current efficiency
    new = applied(ws, times)
    assert new.services[0].operations[0].minutes == 90
    assert new.technicians[0].efficiency == times.technicians[0].suggested_efficiency
    assert new.technicians[1].efficiency == 1.0  # no samples: unchanged


def test_one_sample_is_pulled_toward_the_current_efficiency_not_toward_itself() -> None:
    """t's only finished operation took 51 of 60 minutes (1.18). His grade's mean was that very
    sample, so nothing was shrunk and 1.18 was suggested from n = 1 (walk-s17 A3). With fewer
    samples in the grade than an operation needs (5), he is pulled toward his current efficiency
    (1.0 here, 1.25 where configured so)."""
    times = learn(workshop({"t": 3}), [done("t", 51, 0)], DAY, DAY)
    t = times.technicians[0]
    assert t.n == 1 and t.own_efficiency == round(60 / 51, 3)
    assert t.grade_efficiency == 1.0
    assert t.suggested_efficiency is not None and t.suggested_efficiency <= 1.02
    fast = with_technician(workshop({"t": 3}), "t", efficiency=1.25)
    quick = learn(fast, [done("t", 60 / 1.25 / 1.18, 0)], DAY, DAY).technicians[0]
    assert quick.grade_efficiency == 1.25 and quick.suggested_efficiency is not None
    assert abs(quick.suggested_efficiency - 1.25) <= 0.02
