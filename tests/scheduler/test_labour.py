"""Learned labour times: the median's interval, shrinkage toward the grade, learned minutes and
applying the suggestions (pure: worked operations in, suggestions out)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
from scipy.special import ndtri

from scheduler.contract import Workshop
from scheduler.durations import factor_median, work_factors
from scheduler.labour import applied, learn, learned_minutes, live_minutes, median_interval, toward_prior
from scheduler.promise_odds import MODEL
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


# The live projection's minutes (guardshrink13-s31): each learned factor shrunk toward the
# workshop's own value, k estimated from how far the workshop's values are off.
SERVICES = [f"S{i}" for i in range(16)]


def sixteen_services(techs: dict[str, float]) -> Workshop:
    """Sixteen one-operation 60-minute services (S0..S15); technicians id → current efficiency."""
    body = tiny_workshop(services={s: (s, STANDARD) for s in SERVICES}).model_dump(mode="json")
    shift = {"start": "08:00", "end": "17:00"}
    body["technicians"] = [
        {"id": t, "name": t.upper(), "grade": 3, "skills": ["maintenance"], "shift": shift, "efficiency": e}
        for t, e in techs.items()
    ]
    return Workshop.model_validate(body)


def done_on(tech: str, service: str, minutes: float, i: int) -> WorkedOperation:
    return dataclasses.replace(done(tech, minutes, i), booking=f"B{tech}{service}{i}", service=service)


def draws(
    rng: np.random.Generator, techs: list[str], true: dict[str, float], n: int
) -> list[WorkedOperation]:
    """n finished operations of each service in `true`, round the technicians, lognormal (log sd
    0.3) around `true[service]` minutes (its median)."""
    return [
        done_on(techs[i % len(techs)], s, m * rng.lognormal(0, 0.3), i)
        for s, m in true.items()
        for i in range(n)
    ]


def test_live_minutes_keep_a_few_high_samples_near_the_standard_where_standards_hold() -> None:
    """Fifteen operations keep to their 60 minutes over 20 samples each; S15's five samples all
    took 84 (1.4x, as a median of few can). The suggestion says 84 (item 7, unchanged) and main's
    live day projected that in full; the live minutes stay near 60, since the workshop's
    standards have held, and five samples move them little."""
    rng = np.random.default_rng(31)
    ws = sixteen_services({"a": 1.0, "b": 1.0, "c": 1.0})
    worked = draws(rng, ["a", "b", "c"], dict.fromkeys(SERVICES[:15], STANDARD), 20)
    worked += [done_on(["a", "b", "c"][i % 3], "S15", 84, i) for i in range(5)]
    times = learn(ws, worked, DAY, DAY)
    assert next(o for o in times.operations if o.service == "S15").suggested_minutes == 84
    assert learned_minutes(times, ws)[("b", "S15", 0)] > 80  # what main's live day projected
    live = live_minutes(ws, worked)
    # Less than half the way from 60 to 84 (log scale); main went all the way.
    assert 0 < math.log(live[("b", "S15", 0)] / STANDARD) < 0.5 * math.log(1.4)
    assert all(0.8 * STANDARD < live[("a", s, 0)] < 1.2 * STANDARD for s in SERVICES[:15])  # ~3 se


def test_live_minutes_reach_the_data_where_the_standards_are_off() -> None:
    """Each operation's truth is off its standard by 0.7x..1.5x, 60 samples each: the spread
    round the standards is large, k small, and the live minutes reach each operation's truth."""
    rng = np.random.default_rng(13)
    factors = dict(zip(SERVICES, np.linspace(0.7, 1.5, len(SERVICES)), strict=True))
    ws = sixteen_services({"a": 1.0, "b": 1.0, "c": 1.0})
    live = live_minutes(ws, draws(rng, ["a", "b", "c"], {s: STANDARD * f for s, f in factors.items()}, 60))
    ratios = [live[("a", s, 0)] / (STANDARD * f) for s, f in factors.items()]
    # Each within its sampling error (a median of 60 at log sd 0.3: ~5 %), none pulled to 60.
    assert all(abs(math.log(r)) < 0.15 for r in ratios)
    assert abs(float(np.mean(np.log(ratios)))) < 0.05


def test_live_minutes_learn_a_factor_the_whole_workshop_is_off_by() -> None:
    """Every operation takes 1.25x its standard (30 samples each, 16 technicians): shrinking
    toward the workshop's values must not hide that. The between variance is measured round the
    prior, not round the operations' own average (which would call them alike, k large, and
    leave it to each technician's 30 samples to learn the factor, half the way)."""
    rng = np.random.default_rng(5)
    techs = [f"t{i}" for i in range(16)]
    ws = sixteen_services(dict.fromkeys(techs, 1.0))
    live = live_minutes(ws, draws(rng, techs, dict.fromkeys(SERVICES, 1.25 * STANDARD), 30))
    logs = [math.log(live[(t, s, 0)] / (1.25 * STANDARD)) for t in techs for s in SERVICES]
    assert max(map(abs, logs)) < 0.3 and abs(float(np.mean(logs))) < 0.04


def test_live_minutes_shrink_a_technician_toward_his_current_efficiency_by_his_samples() -> None:
    """Eight technicians work at their current efficiencies (0.8..1.2); "few" (1.0 configured)
    took 1.5x on his two operations, "many" (1.0) 1.3x on his 80. Few stays nearer his current
    60 minutes than his own 90 (log scale), many nearer his own 78."""
    rng = np.random.default_rng(17)
    current = {**{f"t{i}": 0.8 + 0.05 * i for i in range(9) if i != 4}, "b": 1.2, "few": 1.0, "many": 1.0}
    ws = sixteen_services(current)
    worked = [
        done_on(t, SERVICES[i % 16], STANDARD / current[t] * rng.lognormal(0, 0.3), i)
        for t in current
        if t not in ("few", "many")
        for i in range(80)
    ]
    worked += [done_on("few", SERVICES[i], 1.5 * STANDARD, i) for i in range(2)]
    worked += [
        done_on("many", SERVICES[i % 16], 1.3 * STANDARD * rng.lognormal(0, 0.3), i) for i in range(80)
    ]
    live = live_minutes(ws, worked)
    few = math.log(live[("few", "S5", 0)] / STANDARD)
    assert 0 < few < 0.5 * math.log(1.5)
    many = math.log(live[("many", "S5", 0)] / STANDARD)
    assert 0.5 * math.log(1.3) < many < math.log(1.5)  # more than half the way
    assert abs(live[("b", "S5", 0)] / (STANDARD / 1.2) - 1) < 0.1
    assert ("nobody", "S5", 0) not in live and live_minutes(ws, []) == {}


def test_toward_prior_weights_grow_with_the_samples_and_the_spread_round_the_prior() -> None:
    rng = np.random.default_rng(3)
    near = {g: list(rng.normal(0, 0.3, 10)) for g in range(24)}
    far = {g: list(rng.normal(0.4 if g % 2 else -0.4, 0.3, 10)) for g in range(24)}
    for groups in (near, far):
        groups["two"] = list(rng.normal(0, 0.3, 2))
    w_near, w_far = toward_prior(near), toward_prior(far)
    assert w_near["two"][1] < w_near[0][1] and w_far["two"][1] < w_far[0][1]
    assert w_near[0][1] < 0.6 < 0.8 < w_far[0][1]  # right standards: ten samples say less
    assert math.isclose(w_far[1][0], w_far[1][1] * float(np.mean(far[1])))


def model_quantiles(n: int) -> list[float]:
    """n factors spread as the projection's own duration model (promise_odds.MODEL: a lognormal of
    mean 1, cv 0.3, and a share of large overruns times their factor): its quantiles, not draws,
    so the test has no sampling noise."""
    overruns = round(n * MODEL.overrun_share)
    normal = work_factors(ndtri((np.arange(n - overruns) + 0.5) / (n - overruns)), MODEL.cv)
    over = MODEL.overrun_factor * work_factors(ndtri((np.arange(overruns) + 0.5) / overruns), MODEL.cv)
    return sorted([*normal.tolist(), *over.tolist()])


def test_live_minutes_are_the_mean_minutes_the_projection_draws_around() -> None:
    """Four operations each take 1.25x their standard, 1,200 times each, their factors spread as
    the duration model the projection assumes (promise_odds.MODEL: mean 1 round the expected
    minutes, plus large overruns), by 240 technicians of 20 samples each. The projection takes the
    learned minutes for that mean (1.25 x 60), so the live minutes must be it: an operation's median
    sample is the model's median factor (0.973) times it, and a technician's 20 samples, shrunk
    toward his current efficiency, made up only part of the difference (on main: 2 % short)."""
    services = SERVICES[:4]
    techs = [f"t{i}" for i in range(240)]
    ws = sixteen_services(dict.fromkeys(techs, 1.0))
    factors = model_quantiles(1200)
    worked = [
        done_on(techs[(i + 7 * j) % len(techs)], s, 1.25 * STANDARD * f, i)
        for j, s in enumerate(services)
        for i, f in enumerate(factors)
    ]
    live = live_minutes(ws, worked)
    logs = [math.log(live[(t, s, 0)] / (1.25 * STANDARD)) for t in techs for s in services]
    # Quantiles, not draws: exact to ~0.001 (the mean factor taken for the median: +0.010; main: -0.020).
    assert abs(float(np.mean(logs))) < 0.006, float(np.mean(logs))
    assert max(map(abs, logs)) < 0.1  # each technician's 20 samples, shrunk: within their noise


def test_factor_median_is_the_duration_models_median() -> None:
    assert factor_median(0.3) == pytest.approx(math.exp(-math.log(1.09) / 2), rel=1e-9)
    assert factor_median(0.0) == 1.0
    m = factor_median(MODEL.cv, MODEL.overrun_share, MODEL.overrun_factor)
    quantiles = model_quantiles(100_000)
    assert m == pytest.approx(float(np.median(quantiles)), rel=1e-3)
    assert factor_median(0.3) < m < 1.0  # overruns move the median up, not to the mean
