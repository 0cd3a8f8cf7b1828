"""Ranking and selection with common random numbers: a screen, then the KN procedure.

`select` is what `bayplan staff` runs; smaller is better everywhere.

1. **Screen** (subset selection, the first stage of Nelson, Swann, Goldsman & Song's NSGS,
   Operations Research 49(6), 2001, with the variances of paired differences since the systems
   share common random numbers): `n0` replications of every system, then system i goes out if

       mean_i > mean_l + t * S_il / sqrt(n0)   for some l,
       t = the 1 - alpha_1 / (k - 1) quantile of Student's t with n0 - 1 degrees of freedom,

   S_il the sample standard deviation of X_i - X_l. Whatever the means, each of the best's k - 1
   comparisons puts it out with probability <= alpha_1 / (k - 1) (a paired t statistic; CRN does
   not break it), so it survives with probability >= 1 - alpha_1 (Bonferroni). NSGS subtracts
   delta from the allowance, which screens more out but holds only when the best is delta better
   than the rest; this screen holds in every configuration. A system clearly worse than another
   goes out here after `n0` replications; KN alone keeps everything while its allowance
   h^2 S^2 / (2 n0 delta) is wider than the gaps, which with 50 candidates and a noisy objective
   is much of the run.
2. **KN** (Kim & Nelson, ACM TOMACS 2001) on the survivors, on *fresh* replications (indices from
   `n0` on, still common to every system), with alpha_2:

       eta = ((2 alpha_2 / (k' - 1)) ** (-2 / (n0 - 1)) - 1) / 2,  h2 = 2 eta (n0 - 1)
       S2_il = sample variance of X_i - X_l over KN's first n0 replications
       W_il(r) = max(0, delta / (2 r) * (h2 S2_il / delta**2 - r))
       eliminate i at stage r if  mean_i(r) > mean_l(r) + W_il(r)  for some surviving l

   KN's data are independent of the screen's, so the screen's survivors are a fixed set for KN
   and the two error probabilities add: if the best is at least `delta` better than every other,
   it is chosen with probability >= 1 - alpha_1 - alpha_2 = 1 - alpha (alpha_1 = alpha_2 = alpha/2).
   That is the theorem ("best with probability >= 1 - alpha within delta"). When several systems
   are within delta of the best, a choice within delta of it is what one hopes for; it is not a
   theorem for KN, but the toy tests (tests/simulation/test_selection.py) measure it >= 0.95.

KN ends, for every pair, by stage h2 S2_il / delta^2 at the latest (W is 0 from there), so after its
first stage the most replications it can need is known: `needed`. With a budget of
`max_replications` per system it may stop before one survivor is left; it then says so (not
certified) and gives `delta_for_budget`, the smallest delta the budget would surely have certified
(advice for the next run: choosing delta from these data would void the guarantee of this one).

Replications are taken in batches (`batch`: at least that many per call of `observe`, so a pool
of workers stays busy), but the elimination test runs at every stage r inside a batch, so the
decisions are exactly KN's; replications simulated past a system's elimination are not used.

sim-tools' KN was not used: it is built around its own model wrapper and does not take a batch of
replications at a time (needed to run them on a pool).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

#: observe(systems, first, last) -> per system, its observations of replications first..last-1.
Observe = Callable[[list[int], int, int], dict[int, list[float]]]


@dataclass
class Selection:
    best: int
    certified: bool  # the procedure ran to one survivor (the guarantee holds)
    replications: dict[int, int]  # per system, replications taken
    means: dict[int, float]
    survivors: list[int]  # systems still in contention when it stopped
    eliminated_at: dict[int, int] = field(default_factory=dict)  # system -> KN stage r it went out
    delta: float = 0.0
    alpha: float = 0.05
    n0: int = 0
    screened_out: list[int] = field(default_factory=list)  # systems the screen put out (select only)
    screen_survivors: int = 0  # systems entering KN (select only; 0: no screen)
    needed: int = 0  # most replications KN could have needed per system (screen's n0 included)
    delta_for_budget: float = 0.0  # smallest delta the budget would surely have certified

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


def screen_t(k: int, n0: int, alpha: float) -> float:
    """The screen's t: Bonferroni over the k - 1 comparisons of a system, n0 - 1 degrees of freedom."""
    return float(stats.t.ppf(1 - alpha / (k - 1), n0 - 1))


def _check(delta: float, n0: int, max_replications: int) -> None:
    if delta <= 0:
        raise ValueError("delta must be positive")
    if n0 < 2:
        raise ValueError("n0 must be at least 2")
    if max_replications < n0:
        raise ValueError("max_replications must be at least n0")


def kn(
    observe: Observe,
    k: int,
    delta: float,
    *,
    alpha: float = 0.05,
    n0: int = 10,
    max_replications: int = 200,
    step: int = 1,
    first: int = 0,
    systems: list[int] | None = None,
    batch: int = 1,
) -> Selection:
    """Select the system with the smallest mean among `k` (or among `systems`, ids into 0..k-1) by
    KN alone on replications `first`, `first` + 1, ... (see the module docstring).

    `step`: at least this many replications of every survivor per call of `observe`, and at least
    `batch` replications in all; the test runs at every stage inside the batch, so the choice does not
    depend on either."""
    if k < 1:
        raise ValueError("no systems")
    _check(delta, n0, max_replications)
    ids = list(range(k)) if systems is None else list(systems)
    data: dict[int, list[float]] = {i: [] for i in ids}
    got = observe(ids, first, first + n0)
    for i in ids:
        data[i] = list(got[i])
    if len(ids) == 1:
        only = ids[0]
        return Selection(
            only, True, {only: n0}, {only: float(np.mean(data[only]))}, [only], {}, delta, alpha, n0
        )
    h2 = kn_constants(len(ids), n0, alpha)
    x = np.array([data[i][:n0] for i in ids], dtype=float)
    s2_all = (x[:, None, :] - x[None, :, :]).var(axis=2, ddof=1)
    worst = float(s2_all.max())
    needed = max(n0, math.ceil(h2 * worst / delta**2))
    for_budget = math.sqrt(h2 * worst / max_replications)
    alive = np.arange(len(ids))  # positions into ids
    eliminated: dict[int, int] = {}
    sums = x.sum(axis=1)
    r = n0
    while True:
        # The test at stage r (r observations of every survivor), all pairs at once.
        means = sums[alive] / r
        w = np.maximum(0.0, delta / (2 * r) * (h2 * s2_all[np.ix_(alive, alive)] / delta**2 - r))
        beaten = means[:, None] > means[None, :] + w
        np.fill_diagonal(beaten, False)
        out = beaten.any(axis=1)
        for p in alive[out]:
            eliminated[ids[p]] = r
        alive = alive[~out]
        if len(alive) <= 1 or r >= max_replications:
            break
        if len(data[ids[alive[0]]]) <= r:  # no observations beyond stage r yet: take a batch
            more = min(max(step, math.ceil(batch / len(alive)), 1), max_replications - r)
            asked = [ids[p] for p in alive]
            new = observe(asked, first + r, first + r + more)
            for i in asked:
                data[i] += list(new[i])
        r += 1
        for p in alive:
            sums[p] += data[ids[p]][r - 1]
    survivors = [ids[p] for p in alive]
    final = {i: float(np.mean(data[i])) for i in ids}  # for the table: every replication it got
    best = min(survivors, key=lambda i: final[i]) if survivors else min(final, key=lambda i: final[i])
    return Selection(
        best=best,
        certified=len(survivors) == 1,
        replications={i: len(data[i]) for i in ids},
        means=final,
        survivors=survivors,
        eliminated_at=eliminated,
        delta=delta,
        alpha=alpha,
        n0=n0,
        needed=needed,
        delta_for_budget=for_budget,
    )


def select(
    observe: Observe,
    k: int,
    delta: float,
    *,
    alpha: float = 0.05,
    n0: int = 10,
    max_replications: int = 100,
    batch: int = 1,
) -> Selection:
    """The screen (alpha/2) on replications 0..n0-1, then KN (alpha/2) on the survivors from
    replication n0 on; `max_replications` per system counts both. `batch`: at least this many
    replications per call of `observe` (KN's batches, split over its survivors)."""
    if k < 1:
        raise ValueError("no systems")
    _check(delta, n0, max_replications)
    if max_replications < 2 * n0:
        raise ValueError("max_replications must be at least 2 n0 (the screen's n0 and KN's)")
    got = observe(list(range(k)), 0, n0)
    x = np.array([list(got[i]) for i in range(k)], dtype=float)
    screen_means = x.mean(axis=1)
    if k == 1:
        return Selection(0, True, {0: n0}, {0: float(screen_means[0])}, [0], {}, delta, alpha, n0, [], 1, n0)
    t = screen_t(k, n0, alpha / 2)
    d = x[:, None, :] - x[None, :, :]
    s = d.std(axis=2, ddof=1)
    allowance = t * s / math.sqrt(n0)
    beaten = screen_means[:, None] > screen_means[None, :] + allowance
    np.fill_diagonal(beaten, False)
    kept = [i for i in range(k) if not beaten[i].any()]
    out = [i for i in range(k) if beaten[i].any()]
    if len(kept) == 1:
        means = {i: float(screen_means[i]) for i in range(k)}
        return Selection(
            kept[0], True, dict.fromkeys(range(k), n0), means, kept, {}, delta, alpha, n0, out, 1, n0
        )
    second = kn(
        observe,
        k,
        delta,
        alpha=alpha / 2,
        n0=n0,
        max_replications=max_replications - n0,
        batch=batch,
        first=n0,
        systems=kept,
    )
    means = {i: float(screen_means[i]) for i in out}
    replications = dict.fromkeys(out, n0)
    for i in kept:
        # For the table: the screen's replications and KN's (KN decided on its own alone).
        used = second.replications[i]
        means[i] = (n0 * float(screen_means[i]) + used * second.means[i]) / (n0 + used)
        replications[i] = n0 + used
    return Selection(
        best=second.best,
        certified=second.certified,
        replications=replications,
        means=means,
        survivors=second.survivors,
        eliminated_at=second.eliminated_at,
        delta=delta,
        alpha=alpha,
        n0=n0,
        screened_out=out,
        screen_survivors=len(kept),
        needed=n0 + second.needed,
        delta_for_budget=second.delta_for_budget,
    )
