"""Statistics: means with Student-t 95 % confidence intervals, and Erlang C for the M/M/c check."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def mean_ci(
    values: Sequence[float], level: float = 0.95, lower: float | None = None, upper: float | None = None
) -> tuple[float, float, float]:
    """(mean, low, high) of the replications' values; a single value has no interval.

    A quantity bounded by nature (a share in [0, 1], minutes or hours >= 0) gets an interval within
    its bounds: the Student-t interval is clipped to [`lower`, `upper`] (it would otherwise say
    utilisation 100.4 % or -0.1 h of overtime when the replications sit near a bound)."""
    mean, low, high = _t_interval(values, level)

    def clip(v: float) -> float:
        if lower is not None and v < lower:
            return lower
        return upper if upper is not None and v > upper else v  # NaN stays NaN

    return clip(mean), clip(low), clip(high)


def _t_interval(values: Sequence[float], level: float) -> tuple[float, float, float]:
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if x.size < 2:  # no spread to estimate: NaN ends ("-"), so no difference reads as clear
        return (mean, math.nan, math.nan)
    from scipy import stats  # ~1 s to import: when first needed, not at start-up

    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return (mean, mean - half, mean + half)


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> tuple[float, float]:
    """(probability an arrival waits, mean wait in queue) of an M/M/c queue."""
    a = arrival_rate / service_rate
    rho = a / servers
    if rho >= 1:
        raise ValueError("unstable queue: utilisation >= 1")
    term = 1.0
    total = 1.0  # sum_{k<c} a^k / k!
    for k in range(1, servers):
        term *= a / k
        total += term
    last = term * a / servers / (1 - rho)  # a^c / c! / (1 - rho)
    p_wait = last / (total + last)
    return p_wait, p_wait / (servers * service_rate - arrival_rate)
