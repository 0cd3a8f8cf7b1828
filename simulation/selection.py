"""Ranking and selection: the KN procedure (Kim & Nelson, ACM TOMACS 2001) with common random numbers.

KN is a fully sequential indifference-zone procedure: after `n0` replications of every system it
estimates the variance of every pairwise difference (which CRN makes small), then adds
replications to the systems still in contention and eliminates a system as soon as its mean is
worse than another's by more than a shrinking allowance. Its guarantee: if the best system's
mean is at least `delta` better than every other's, it is chosen with probability >= 1 - alpha;
in general the choice is within `delta` of the best with that probability (for normal
observations; means of simulated days are close to normal). Here smaller is better.

    eta = ((2 alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1) / 2,  h2 = 2 eta (n0 - 1)
    S2_il = sample variance of X_i - X_l over the first n0 replications
    W_il(r) = max(0, delta / (2 r) * (h2 S2_il / delta**2 - r))
    eliminate i at stage r if  mean_i(r) > mean_l(r) + W_il(r)  for some surviving l

The procedure stops when one system survives; with a replication budget it may stop earlier and
then says so (not certified). sim-tools' KN was not used: it is built around its own model
wrapper and does not take a batch of replications at a time (needed to run them on a pool).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: observe(systems, first, last) -> per system, its observations of replications first..last-1.
Observe = Callable[[list[int], int, int], dict[int, list[float]]]


@dataclass
class Selection:
    best: int
    certified: bool  # the procedure ran to one survivor (the guarantee holds)
    replications: dict[int, int]  # per system, replications taken
    means: dict[int, float]
    survivors: list[int]  # systems still in contention when it stopped
    eliminated_at: dict[int, int] = field(default_factory=dict)  # system -> stage r it went out
    delta: float = 0.0
    alpha: float = 0.05
    n0: int = 0

    def runners_up(self) -> list[int]:
        """Systems it could not separate from the best: survivors, and any whose mean is within delta."""
        best = self.means[self.best]
        close = [s for s, m in self.means.items() if s != self.best and m - best <= self.delta]
        out = [s for s in self.survivors if s != self.best]
        return sorted(set(out) | set(close), key=lambda s: self.means[s])


def kn_constants(k: int, n0: int, alpha: float) -> float:
    """h^2 of KN for k systems and n0 first-stage replications."""
    eta = 0.5 * ((2 * alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1)
    return float(2 * eta * (n0 - 1))


def kn(
    observe: Observe,
    k: int,
    delta: float,
    *,
    alpha: float = 0.05,
    n0: int = 10,
    max_replications: int = 200,
    step: int = 1,
) -> Selection:
    """Select the system with the smallest mean among `k` (see the module docstring)."""
    if k < 1:
        raise ValueError("no systems")
    if delta <= 0:
        raise ValueError("delta must be positive")
    if n0 < 2:
        raise ValueError("n0 must be at least 2")
    data: dict[int, list[float]] = {i: [] for i in range(k)}
    first = observe(list(range(k)), 0, n0)
    for i in range(k):
        data[i] = list(first[i])
    if k == 1:
        return Selection(0, True, {0: n0}, {0: float(np.mean(data[0]))}, [0], {}, delta, alpha, n0)
    h2 = kn_constants(k, n0, alpha)
    x = np.array([data[i][:n0] for i in range(k)])
    diffs = x[:, None, :] - x[None, :, :]
    s2 = diffs.var(axis=2, ddof=1)  # S2_il
    alive = list(range(k))
    eliminated: dict[int, int] = {}
    r = n0
    while True:
        means = {i: float(np.mean(data[i][:r])) for i in alive}
        out = set()
        for i in alive:
            for j in alive:
                if i == j:
                    continue
                w = max(0.0, delta / (2 * r) * (h2 * s2[i, j] / delta**2 - r))
                if means[i] > means[j] + w:
                    out.add(i)
                    break
        for i in out:
            eliminated[i] = r
        alive = [i for i in alive if i not in out]
        if len(alive) <= 1 or r >= max_replications:
            break
        more = min(step, max_replications - r)
        new = observe(alive, r, r + more)
        for i in alive:
            data[i] += list(new[i])
        r += more
    final = {i: float(np.mean(data[i])) for i in range(k)}
    best = min(alive, key=lambda i: final[i]) if alive else min(final, key=lambda i: final[i])
    return Selection(
        best=best,
        certified=len(alive) == 1,
        replications={i: len(data[i]) for i in range(k)},
        means=final,
        survivors=alive,
        eliminated_at=eliminated,
        delta=delta,
        alpha=alpha,
        n0=n0,
    )
