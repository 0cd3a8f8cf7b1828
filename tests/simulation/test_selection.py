"""Ranking and selection (`simulation.selection.select`: screen + KN) on toy cases with a known best.

Normal systems, pure numpy: replication r of every system shares a common component (common random
numbers) and is drawn from its own stream (seed, r), so the observations do not depend on the order
or the batches they are asked for in."""

from __future__ import annotations

import numpy as np

from simulation.selection import Selection, kn, select


def _observe(seed: int, means: list[float], sd: float, rho: float):  # type: ignore[no-untyped-def]
    mu = np.asarray(means, dtype=float)
    calls: list[int] = []

    def observe(systems: list[int], first: int, last: int) -> dict[int, list[float]]:
        calls.append(len(systems) * (last - first))
        rows = []
        for r in range(first, last):
            rng = np.random.default_rng([seed, r])
            rows.append(
                mu
                + sd
                * (np.sqrt(rho) * rng.standard_normal() + np.sqrt(1 - rho) * rng.standard_normal(len(mu)))
            )
        x = np.array(rows)
        return {i: list(x[:, i]) for i in systems}

    observe.calls = calls  # type: ignore[attr-defined]
    return observe


def _pcs_lower_ok(hits: list[bool], p: float = 0.95) -> tuple[float, bool]:
    """The estimated probability, and whether the data are consistent with it being >= p (its one-sided
    95 % upper confidence bound reaches p): fails when the procedure is truly worse than p."""
    n, est = len(hits), float(np.mean(hits))
    se = max(np.sqrt(est * (1 - est) / n), 1 / n)
    return est, est + 1.645 * se >= p


def test_select_finds_the_known_best_of_50_with_probability_095() -> None:
    """Slippage configuration (the hardest): the best 0, 49 others delta worse."""
    delta = 1.0
    means = [delta] * 50
    means[17] = 0.0
    picks = [
        select(_observe(s, means, 1.0, 0.5), 50, delta, n0=10, max_replications=10_000) for s in range(300)
    ]
    est, ok = _pcs_lower_ok([p.best == 17 for p in picks])
    assert ok, est
    assert est >= 0.93, est
    assert all(p.certified for p in picks)


def test_select_choice_is_within_delta_when_systems_are_close() -> None:
    """A few near the best, many clearly worse (as staffing candidates are): a choice within delta
    of the best with probability >= 0.95, and the runners-up shown are the near ones."""
    delta = 1.0
    means = [0.0, 0.4, 0.8, 1.0, 1.3] + [4.0 + 0.1 * i for i in range(45)]
    picks = [
        select(_observe(s, means, 2.0, 0.6), 50, delta, n0=10, max_replications=10_000) for s in range(200)
    ]
    est, ok = _pcs_lower_ok([means[p.best] <= delta for p in picks])
    assert ok and est >= 0.95, est
    assert all(means[i] < 4.0 for p in picks for i in p.runners_up())


def test_the_screen_saves_replications_when_noise_is_large_against_delta() -> None:
    """Noise 3.6 delta (paired): KN alone keeps everything for long (its first allowance is
    h2 S2 / (2 n0 delta), about 17 delta); the screen puts the clearly worse out after n0."""
    delta = 1.0
    means = [0.0, 0.4, 0.8, 1.0, 1.3] + [8.0 + 0.1 * i for i in range(45)]
    both = [
        select(_observe(s, means, 4.0, 0.6), 50, delta, n0=10, max_replications=10_000) for s in range(30)
    ]
    alone = [kn(_observe(s, means, 4.0, 0.6), 50, delta, n0=10, max_replications=10_000) for s in range(30)]
    assert np.mean([len(p.screened_out) for p in both]) >= 40
    assert all(means[p.best] <= delta for p in both)
    total = np.mean([sum(p.replications.values()) for p in both])
    assert total < 0.85 * np.mean([sum(p.replications.values()) for p in alone])


def test_crn_buys_replications() -> None:
    delta = 1.0
    means = [0.0] + [1.0] * 9
    used = {
        rho: np.mean(
            [sum(select(_observe(s, means, 2.0, rho), 10, delta).replications.values()) for s in range(60)]
        )
        for rho in (0.0, 0.8)
    }
    assert used[0.8] < 0.5 * used[0.0]


def test_batches_do_not_change_the_decisions() -> None:
    """KN's test runs at every stage inside a batch: the same choice, eliminations and stage counts."""
    means = [0.0, 0.3, 0.5, 0.9, 2.0, 3.0]
    for seed in range(5):
        one = select(_observe(seed, means, 2.0, 0.5), 6, 0.5, n0=8, max_replications=5000, batch=1)
        obs = _observe(seed, means, 2.0, 0.5)
        big = select(obs, 6, 0.5, n0=8, max_replications=5000, batch=40)
        assert (one.best, one.certified, one.eliminated_at, one.screened_out) == (
            big.best,
            big.certified,
            big.eliminated_at,
            big.screened_out,
        )
        assert min(obs.calls[2:], default=40) >= 40


def test_budget_too_small_says_so_and_names_the_delta_it_would_certify() -> None:
    means = [0.0, 0.05, 0.1, 0.15] + [3.0] * 6
    tight: Selection = select(_observe(3, means, 2.0, 0.5), 10, 0.1, n0=10, max_replications=40)
    assert not tight.certified
    assert len(tight.survivors) >= 2 and tight.best in tight.survivors
    assert tight.needed > 40 and tight.delta_for_budget > 0.1
    assert set(tight.runners_up()) >= set(tight.survivors) - {tight.best}
    # With the delta it names, the same replications certify within the same budget: the screen does
    # not depend on delta, and KN ends by stage h2 S2 / delta^2 for every pair.
    wider = select(
        _observe(3, means, 2.0, 0.5), 10, tight.delta_for_budget * 1.001, n0=10, max_replications=40
    )
    assert wider.certified
    assert max(wider.replications.values()) <= 40
