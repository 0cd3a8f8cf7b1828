"""The duration model shared by the simulator and the promise guard: the work an operation
really takes is its expected minutes times a lognormal factor of mean 1 and coefficient of
variation `cv` (the simulator's `duration_cv`, 0.3 by default), and for the guard a large-overrun
share besides (`DurationModel`, `MODEL`). Also what it says of work already under way: how long
work that has run so many minutes still takes (`Conditioned`, `projected_remaining`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

DURATION_CV = 0.3
"""The simulator's default coefficient of variation of work (`StaffingRules.duration_cv`)."""


def lognormal_sigma(cv: float) -> float:
    """The sd of the log factor for a coefficient of variation `cv`."""
    return math.sqrt(math.log(1 + cv * cv))


def work_factors(z: NDArray[np.float64], cv: float) -> NDArray[np.float64]:
    """Lognormal factors of mean 1 and coefficient of variation `cv` from standard normal draws `z`."""
    sigma2 = math.log(1 + cv * cv)
    return np.asarray(np.exp(math.sqrt(sigma2) * z - sigma2 / 2), dtype=np.float64)


@dataclass(frozen=True)
class DurationModel:
    """The work an operation takes: its expected minutes times a lognormal factor of mean 1 and
    coefficient of variation `cv` (the simulator's duration model), and with probability
    `overrun_share` times `overrun_factor` besides (a large overrun: a seized bolt, a part missing;
    0 keeps the plain lognormal)."""

    cv: float = DURATION_CV
    overrun_share: float = 0.0
    overrun_factor: float = 1.0


MODEL = DurationModel(overrun_share=0.0418, overrun_factor=2.58)
"""The duration model the live day's odds draw from: the simulator's lognormal (cv 0.3) with a
large-overrun share and factor learned (bench/guard_trace.py, `learned_overruns`: a two-part
mixture fitted to the actual / expected minutes of the finished operations) on the training days
of the replayed days (bench/RESULTS-replay.md); evaluated on other days."""


def _survival(x: float, mu: float, sigma: float) -> float:
    """P(log total > x) for a normal log total of mean `mu`, sd `sigma` (erfc: exact in the tail)."""
    return 0.5 * math.erfc((x - mu) / (sigma * math.sqrt(2)))


@dataclass(frozen=True)
class Conditioned:
    """The model's total minutes of work of `expected` minutes that has already run `clocked`: the
    lognormal part's and the overrun part's log means, their share of totals beyond `clocked`
    (`alive_*`: survival at `clocked`), and the overrun part's posterior weight (the longer work has
    run past its expected minutes, the likelier it is an overrun)."""

    sigma: float
    mu: float
    mu_over: float
    alive_n: float
    alive_o: float
    weight: float
    """P(an overrun | the total exceeds `clocked`): 0 without an overrun share."""


def conditioned(expected: float, clocked: float, model: DurationModel) -> Conditioned:
    sigma = lognormal_sigma(model.cv)
    mu = math.log(expected) - sigma * sigma / 2
    share = model.overrun_share if model.overrun_factor > 1 else 0.0
    mu_over = mu + math.log(model.overrun_factor) if share else mu
    if clocked > 0 and sigma > 0:
        x = math.log(clocked)
        alive_n, alive_o = _survival(x, mu, sigma), _survival(x, mu_over, sigma)
    else:
        alive_n = alive_o = 1.0
    prior_n, prior_o = (1 - share) * alive_n, share * alive_o
    weight = prior_o / (prior_n + prior_o) if prior_n + prior_o > 0 else (1.0 if share else 0.0)
    return Conditioned(sigma, mu, mu_over, alive_n, alive_o, weight)


def _conditional_median(expected: float, clocked: float, model: DurationModel) -> float:
    """The median total of work of `expected` minutes given it has run `clocked`: the total t with
    P(total > t | total > clocked) = 1/2 under the mixture. Each part's own conditional median is
    closed-form (the log total at the normal's upper quantile half its survival at `clocked`); the
    mixture's lies between them, found by bisection on the log total (no sampling)."""
    c = conditioned(expected, clocked, model)
    if c.sigma == 0:
        return max(expected, clocked)

    def part(mu: float, alive: float) -> float:
        return mu + c.sigma * float(-ndtri(max(alive, 1e-300) / 2))

    lo, hi = part(c.mu, c.alive_n), part(c.mu_over, c.alive_o)
    if c.weight in (0.0, 1.0) or math.isclose(lo, hi):
        return math.exp(lo if c.weight == 0.0 else hi)
    lo, hi = min(lo, hi), max(lo, hi)
    w = c.weight
    for _ in range(50):  # the survival falls as the log total rises: halve the bracket
        mid = (lo + hi) / 2
        alive = (1 - w) * _survival(mid, c.mu, c.sigma) / max(c.alive_n, 1e-300) + w * _survival(
            mid, c.mu_over, c.sigma
        ) / max(c.alive_o, 1e-300)
        lo, hi = (mid, hi) if alive > 0.5 else (lo, mid)
    return math.exp((lo + hi) / 2)


GRID = 1000
"""Steps per expected minutes of the cached shares (`_rest_share`): interpolated between them."""


@lru_cache(maxsize=16384)
def _median_rest_share(step: int, model: DurationModel) -> float:
    """The median of the minutes still ahead, as a share of the expected minutes, of work that has
    run `step / GRID` times its expected minutes (the model scales with the expected minutes)."""
    ratio = step / GRID
    return max(_conditional_median(1.0, ratio, model) - ratio, 0.0)


def _rest_share(ratio: float, model: DurationModel) -> float:
    """`_median_rest_share` at any ratio: linear between the two grid points around it."""
    step = math.floor(ratio * GRID)
    low = _median_rest_share(step, model)
    return low + (ratio * GRID - step) * (_median_rest_share(step + 1, model) - low)


def projected_remaining(expected: float, clocked: float, model: DurationModel = MODEL) -> float:
    """The minutes still ahead of work of `expected` minutes that has run `clocked` (the live day's
    point projection of work in progress or paused): its expected minutes less the clocked ones, or,
    once the work has run so long that such work typically still takes longer (from about 0.63 of
    its expected minutes under `MODEL`), the median of what it still takes given it has lasted that
    long (the model's conditional median: half of such work ends earlier, half later, so that a
    projection past a promise says the promise is more likely broken than kept). Never negative,
    and work past its expected minutes is not projected to end now. Cheap (a closed form and a
    bisection per grid point, cached): statuses are polled."""
    if expected <= 0:
        return 0.0
    ratio = max(clocked, 0.0) / expected
    return max(expected - clocked, 0.0, expected * _rest_share(ratio, model))
