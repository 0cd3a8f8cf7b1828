"""The duration model shared by the simulator and the promise guard: the work an operation
really takes is its expected minutes times a lognormal factor of mean 1 and coefficient of
variation `cv` (the simulator's `duration_cv`, 0.3 by default)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

DURATION_CV = 0.3
"""The simulator's default coefficient of variation of work (`StaffingRules.duration_cv`)."""


def lognormal_sigma(cv: float) -> float:
    """The sd of the log factor for a coefficient of variation `cv`."""
    return math.sqrt(math.log(1 + cv * cv))


def work_factors(z: NDArray[np.float64], cv: float) -> NDArray[np.float64]:
    """Lognormal factors of mean 1 and coefficient of variation `cv` from standard normal draws `z`."""
    sigma2 = math.log(1 + cv * cv)
    return np.asarray(np.exp(math.sqrt(sigma2) * z - sigma2 / 2), dtype=np.float64)


def factor_median(cv: float, overrun_share: float = 0.0, overrun_factor: float = 1.0) -> float:
    """The median of the work factor: the lognormal of mean 1 and coefficient of variation `cv`,
    times `overrun_factor` with probability `overrun_share` (a duration model's large overruns).
    Below 1 (exp(-sigma^2/2) for the plain lognormal): half the work ends before its expected
    minutes. Solved by bisection on the mixture's distribution function (log scale)."""
    sigma = lognormal_sigma(cv)
    if sigma == 0:
        return 1.0 if overrun_share < 0.5 else overrun_factor
    mu = -sigma * sigma / 2
    shift = math.log(overrun_factor) if overrun_share > 0 else 0.0

    def cdf(x: float) -> float:
        normal = 0.5 * math.erfc(-(x - mu) / (sigma * math.sqrt(2)))
        over = 0.5 * math.erfc(-(x - mu - shift) / (sigma * math.sqrt(2)))
        return (1 - overrun_share) * normal + overrun_share * over

    low, high = mu - 10 * sigma, mu + shift + 10 * sigma
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if cdf(mid) < 0.5 else (low, mid)
    return math.exp((low + high) / 2)
