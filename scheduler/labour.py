"""Learned labour times: what the clock says each operation takes and how fast each technician
works, as suggestions beside the workshop's current values. Pure: worked operations and the
workshop in, suggestions out.

- Per service operation: the median of its finished operations' clocked minutes, each scaled by
  the clocking technician's current efficiency (so it stays "standard minutes at efficiency 1.0"),
  with a distribution-free confidence interval from order statistics (95 %, or as near as n
  allows; the level is given). Suggested once n >= MIN_OPERATION_SAMPLES.
- Per technician: efficiency by partial pooling on y = log(reference standard / clocked) of his
  finished operations (the reference: the suggested standard where there is one, else the
  current). His mean is shrunk toward his grade's mean with weight n / (n + k), k = within
  variance / between variance (method of moments, pooled over the workshop): a technician with few
  samples stays near his grade, one with many near his own figure. The grade's mean is the mean
  of its technicians' means (the workshop's when the grade has fewer than two technicians with
  data); while the grade has fewer than MIN_OPERATION_SAMPLES samples, his current efficiency
  stands in for it (a lone sample is no grade's mean).
- What the live day projects with (`live_minutes`, not the suggestions): both learned factors
  shrunk toward the workshop's own values by empirical Bayes (`toward_prior`), so a median of a
  few samples does not go straight into the projection (guardshrink13-s31).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

import numpy as np
from pydantic import BaseModel

from scheduler.contract import STORED_CONTEXT, Workshop
from scheduler.durations import factor_median
from scheduler.promise_odds import MODEL
from scheduler.worked import WorkedOperation

MIN_OPERATION_SAMPLES = 5
CONFIDENCE = 0.95
DEFAULT_WITHIN_VARIANCE = 0.04
"""(log scale, sd 0.2) when no technician has two samples."""
MIN_BETWEEN_VARIANCE = 0.0025
"""(sd 0.05) a floor, so k stays finite when technicians look alike."""
K_BOUNDS = (0.5, 200.0)
EFFICIENCY_BOUNDS = (0.2, 3.0)
_Key = TypeVar("_Key", bound=Hashable)


class OperationTime(BaseModel):
    service: str
    operation: int
    name: str
    current_minutes: int
    n: int
    median_minutes: float | None
    low_minutes: float | None
    high_minutes: float | None
    confidence: float | None
    """The interval's coverage: 95 %, or the most n samples allow."""
    suggested_minutes: int | None
    """The median rounded, once there are MIN_OPERATION_SAMPLES samples."""


class TechnicianSpeed(BaseModel):
    technician: str
    grade: int
    current_efficiency: float
    n: int
    own_efficiency: float | None
    """exp(mean y) of his samples alone."""
    grade_efficiency: float | None
    """exp(the grade's mean): what few samples are pulled toward (his current efficiency while
    his grade has fewer than MIN_OPERATION_SAMPLES samples)."""
    weight: float | None
    """n / (n + k): how much his own figure counts."""
    suggested_efficiency: float | None


class LabourTimes(BaseModel):
    workshop: str
    first: dt.date
    last: dt.date
    samples: int
    k: float | None
    within_sd: float | None
    between_sd: float | None
    operations: list[OperationTime]
    technicians: list[TechnicianSpeed]


def median_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(low, high, coverage) of the order-statistic interval for the median: the widest ranks
    l..n+1-l whose binomial(n, 1/2) coverage is at least `confidence` (min..max if n is too small,
    with its true coverage)."""
    x = sorted(values)
    n = len(x)
    if n == 0:
        raise ValueError("no values")

    ranks = np.arange(1, (n + 1) // 2 + 1)
    from scipy.stats import binom  # ~1 s to import: when first needed, not at start-up

    coverage = 1.0 - 2.0 * binom.cdf(ranks - 1, n, 0.5)  # of [x_(rank), x_(n+1-rank)]
    good = ranks[coverage >= confidence]
    best = int(good.max()) if len(good) else 1
    return float(x[best - 1]), float(x[n - best]), float(coverage[best - 1])


def _finished(workshop: Workshop, worked: Iterable[WorkedOperation]) -> list[WorkedOperation]:
    techs = {t.id for t in workshop.technicians}
    sizes = {s.code: len(s.operations) for s in workshop.services}
    return [
        w
        for w in worked
        if w.finished_at is not None and w.technician in techs and w.operation < sizes.get(w.service, 0)
        and w.clocked_minutes > 0
    ]  # fmt: skip


def _operation_samples(
    workshop: Workshop, finished: list[WorkedOperation]
) -> dict[tuple[str, int], list[float]]:
    """(service, operation) → its finished operations' clocked minutes at efficiency 1.0 (each
    scaled by the clocking technician's current efficiency)."""
    techs = {t.id: t for t in workshop.technicians}
    out: dict[tuple[str, int], list[float]] = defaultdict(list)
    for w in finished:
        out[(w.service, w.operation)].append(w.clocked_minutes * techs[w.technician].efficiency)
    return out


def learn(
    workshop: Workshop, worked: Iterable[WorkedOperation], first: dt.date, last: dt.date
) -> LabourTimes:
    finished = _finished(workshop, worked)
    by_op = _operation_samples(workshop, finished)
    operations: list[OperationTime] = []
    reference: dict[tuple[str, int], float] = {}  # the standard efficiencies are measured against
    for s in workshop.services:
        for k, o in enumerate(s.operations):
            samples = by_op.get((s.code, k), [])
            reference[(s.code, k)] = float(o.minutes)
            if not samples:
                operations.append(OperationTime(service=s.code, operation=k, name=o.name,
                    current_minutes=o.minutes, n=0, median_minutes=None, low_minutes=None,
                    high_minutes=None, confidence=None, suggested_minutes=None))  # fmt: skip
                continue
            median = float(np.median(samples))
            low, high, coverage = median_interval(samples)
            suggested: int | None = (
                min(720, max(1, round(median))) if len(samples) >= MIN_OPERATION_SAMPLES else None
            )
            if suggested is not None:
                reference[(s.code, k)] = median
            operations.append(OperationTime(service=s.code, operation=k, name=o.name,
                current_minutes=o.minutes, n=len(samples), median_minutes=round(median, 1),
                low_minutes=round(low, 1), high_minutes=round(high, 1), confidence=round(coverage, 3),
                suggested_minutes=suggested))  # fmt: skip
    speeds, shrink, within, between = _technician_speeds(workshop, finished, reference)
    return LabourTimes(
        workshop=workshop.id,
        first=first,
        last=last,
        samples=len(finished),
        k=None if shrink is None else round(shrink, 3),
        within_sd=None if within is None else round(math.sqrt(within), 4),
        between_sd=None if between is None else round(math.sqrt(between), 4),
        operations=operations,
        technicians=speeds,
    )


def _technician_speeds(
    workshop: Workshop, finished: list[WorkedOperation], reference: Mapping[tuple[str, int], float]
) -> tuple[list[TechnicianSpeed], float | None, float | None, float | None]:
    """Each technician's efficiency against `reference` (standard minutes per operation), shrunk
    toward his grade's mean; with the pooling's (k, within, between)."""
    techs = {t.id: t for t in workshop.technicians}
    ys: dict[str, list[float]] = defaultdict(list)
    for w in finished:
        ys[w.technician].append(math.log(reference[(w.service, w.operation)] / w.clocked_minutes))
    shrink, within, between = _pooling(ys)
    means = {t: float(np.mean(v)) for t, v in ys.items()}
    overall = float(np.mean(list(means.values()))) if means else None
    by_grade: dict[int, list[float]] = defaultdict(list)
    grade_samples: dict[int, int] = defaultdict(int)
    for tech_id, m in means.items():
        by_grade[techs[tech_id].grade].append(m)
        grade_samples[techs[tech_id].grade] += len(ys[tech_id])
    speeds: list[TechnicianSpeed] = []
    for t in workshop.technicians:
        values = ys.get(t.id, [])
        if not values or overall is None or shrink is None:
            speeds.append(TechnicianSpeed(technician=t.id, grade=t.grade, current_efficiency=t.efficiency,
                n=0, own_efficiency=None, grade_efficiency=None, weight=None,
                suggested_efficiency=None))  # fmt: skip
            continue
        peers = by_grade[t.grade]
        # What few samples are pulled toward: his current efficiency while his grade has fewer
        # samples than an operation needs for a suggestion (walk-s17 A3: one sample was its own
        # grade's mean, and n = 1 suggested 1.18).
        if grade_samples[t.grade] < MIN_OPERATION_SAMPLES:
            grade_mean = math.log(t.efficiency)
        else:
            grade_mean = float(np.mean(peers)) if len(peers) >= 2 else overall
        weight = len(values) / (len(values) + shrink)
        theta = grade_mean + weight * (means[t.id] - grade_mean)
        efficiency = min(max(math.exp(theta), EFFICIENCY_BOUNDS[0]), EFFICIENCY_BOUNDS[1])
        speeds.append(TechnicianSpeed(technician=t.id, grade=t.grade, current_efficiency=t.efficiency,
            n=len(values), own_efficiency=round(math.exp(means[t.id]), 3),
            grade_efficiency=round(math.exp(grade_mean), 3), weight=round(weight, 3),
            suggested_efficiency=round(efficiency, 2)))  # fmt: skip
    return speeds, shrink, within, between


def _pooling(ys: Mapping[str, list[float]]) -> tuple[float | None, float | None, float | None]:
    """(k, within variance, between variance) by the method of moments."""
    if not ys:
        return None, None, None
    squares = sum(float(np.sum((np.array(v) - np.mean(v)) ** 2)) for v in ys.values() if len(v) >= 2)
    dof = sum(len(v) - 1 for v in ys.values() if len(v) >= 2)
    within = squares / dof if dof > 0 else DEFAULT_WITHIN_VARIANCE
    within = max(within, 1e-6)
    means = [float(np.mean(v)) for v in ys.values()]
    if len(means) >= 2:
        noise = float(np.mean([within / len(v) for v in ys.values()]))
        between = max(float(np.var(means, ddof=1)) - noise, MIN_BETWEEN_VARIANCE)
    else:
        between = MIN_BETWEEN_VARIANCE
    k = min(max(within / between, K_BOUNDS[0]), K_BOUNDS[1])
    return k, within, between


def learned_minutes(times: LabourTimes, workshop: Workshop) -> dict[tuple[str, str, int], float]:
    """(technician, service, operation) → expected clocked minutes where something was learned:
    the suggested standard (else the current) / the suggested efficiency (else the current), for
    technicians with samples and for operations with a suggestion."""
    ops = {(o.service, o.operation): o for o in times.operations}
    speeds = {s.technician: s for s in times.technicians}
    out: dict[tuple[str, str, int], float] = {}
    for t in workshop.technicians:
        speed = speeds.get(t.id)
        efficiency = speed.suggested_efficiency if speed and speed.suggested_efficiency else None
        for s in workshop.services:
            for k, o in enumerate(s.operations):
                learned = ops.get((s.code, k))
                standard = learned.median_minutes if learned and learned.suggested_minutes else None
                if efficiency is None and standard is None:
                    continue
                out[(t.id, s.code, k)] = (standard or o.minutes) / (efficiency or t.efficiency)
    return out


def toward_prior(
    ys: Mapping[_Key, list[float]], centre: Callable[[list[float]], float] = lambda v: float(np.mean(v))
) -> dict[_Key, tuple[float, float]]:
    """Group → (shrunk centre, weight) of y = log(learned / the workshop's own value), `centre`
    (the mean, or the median where overruns should not count) shrunk toward 0 (the workshop's
    value) with weight n / (n + k): empirical Bayes, k = within / between variance by the method
    of moments, the between variance being the spread of the groups' true y around 0,
    E[mean² − within / n] (floored at MIN_BETWEEN_VARIANCE; k within K_BOUNDS). Centred on 0, not
    on the groups' own average as `_pooling` is: a workshop whose values are all off by the same
    factor has a large between variance, a small k, and learns the factor."""
    groups = {g: v for g, v in ys.items() if v}
    if not groups:
        return {}
    squares = sum(float(np.sum((np.array(v) - np.mean(v)) ** 2)) for v in groups.values())
    dof = sum(len(v) - 1 for v in groups.values())
    within = max(squares / dof if dof > 0 else DEFAULT_WITHIN_VARIANCE, 1e-6)
    between = float(np.mean([float(np.mean(v)) ** 2 - within / len(v) for v in groups.values()]))
    k = min(max(within / max(between, MIN_BETWEEN_VARIANCE), K_BOUNDS[0]), K_BOUNDS[1])
    return {g: (len(v) / (len(v) + k) * centre(v), len(v) / (len(v) + k)) for g, v in groups.items()}


def live_minutes(workshop: Workshop, worked: Iterable[WorkedOperation]) -> dict[tuple[str, str, int], float]:
    """(technician, service, operation) → the expected clocked minutes the live day projects with,
    for technicians with samples and operations with samples: standard × exp(s_op) / (efficiency ×
    exp(s_tech)), each learned factor shrunk toward the workshop's own value (`toward_prior`):
    s_op from log(clocked × current efficiency / standard) per operation, s_tech from
    log(that shrunk standard / clocked) − log(current efficiency) per technician. Unlike
    `learned_minutes` (the suggestions' figures: an operation's median of >= 5 samples counts in
    full, efficiencies pulled toward a grade mean learned from the same few days), what few samples
    say moves the projection little (guardshrink13-s31). An operation's median sample is divided by
    the duration model's median factor (`durations.factor_median` of the projection's MODEL): the
    projection takes these minutes for the factor's mean, and a median alone left them ~2.7 % short
    where a technician's few samples did not make it up (alarm13-s32)."""
    finished = _finished(workshop, worked)
    if not finished:
        return {}
    techs = {t.id: t for t in workshop.technicians}
    standard = {(s.code, k): float(o.minutes) for s in workshop.services for k, o in enumerate(s.operations)}
    by_op = _operation_samples(workshop, finished)
    # The projection draws round these minutes as the mean of a factor with the duration model's
    # median (below 1); an operation's median sample is that median times its expected minutes.
    median = math.log(factor_median(MODEL.cv, MODEL.overrun_share, MODEL.overrun_factor))
    ops = toward_prior(
        {op: [math.log(v / standard[op]) - median for v in samples] for op, samples in by_op.items()},
        lambda v: float(np.median(v)),  # as the suggested standard: robust to the odd overrun
    )
    standards = {
        op: minutes * math.exp(ops[op][0]) if op in ops else minutes for op, minutes in standard.items()
    }
    ys: dict[str, list[float]] = defaultdict(list)
    for w in finished:
        ys[w.technician].append(
            math.log(standards[(w.service, w.operation)] / w.clocked_minutes)
            - math.log(techs[w.technician].efficiency)
        )
    efficiency = {
        t: min(max(techs[t].efficiency * math.exp(shift), EFFICIENCY_BOUNDS[0]), EFFICIENCY_BOUNDS[1])
        for t, (shift, _) in toward_prior(ys).items()
    }
    out: dict[tuple[str, str, int], float] = {}
    for t in workshop.technicians:
        for op in standard:
            if t.id in efficiency or op in ops:
                out[(t.id, *op)] = standards[op] / efficiency.get(t.id, t.efficiency)
    return out


def applied(workshop: Workshop, times: LabourTimes) -> Workshop:
    """The workshop with the suggested standard minutes and efficiencies (the rest unchanged)."""
    body = workshop.model_dump(mode="json")
    minutes = {(o.service, o.operation): o.suggested_minutes for o in times.operations}
    for s in body["services"]:
        for k, o in enumerate(s["operations"]):
            new = minutes.get((s["code"], k))
            if new is not None:
                o["minutes"] = new
    efficiency = {t.technician: t.suggested_efficiency for t in times.technicians}
    for t in body["technicians"]:
        new_eff = efficiency.get(t["id"])
        if new_eff is not None:
            t["efficiency"] = new_eff
    return Workshop.model_validate(body, context=STORED_CONTEXT)  # the stored workshop's names
