"""solver.bay_matching: work of fixed times, each in one bay it may use, none sharing a bay at once,
the fewest leaving their guessed bay."""

from __future__ import annotations

import itertools
import random

from solver.bay_matching import HeldWork, clashes, match_bays


def test_the_fewest_guesses_change_and_no_two_pieces_share_a_bay_at_once() -> None:
    """Bays 0, 1, 2. z (bay 2 only) clashes with y guessed in 2; y may go to 1, where x is; x may
    go to 0. Two changes are the fewest (x to 0, y to 1); w, guessed in 0 after x, stays."""
    work = [
        HeldWork(0, 90, (0, 1), guess=1),  # x
        HeldWork(10, 70, (1, 2), guess=2),  # y
        HeldWork(30, 60, (2,), guess=2),  # z
        HeldWork(90, 120, (0, 1), guess=0),  # w: from x's end, in the bay x goes to
    ]
    matched = match_bays(work)
    assert matched.bays == [0, 1, 2, 0] and matched.changed == 2 and matched.status == "OPTIMAL"
    assert not clashes([(w.start, w.end, b) for w, b in zip(work, matched.bays, strict=True)])
    assert match_bays(work) == matched  # one worker, a deterministic limit: the same bays every time


def test_no_assignment_is_said_so() -> None:
    """Three pieces at once that only two bays take, or a piece with no bay at all: none."""
    assert (
        match_bays([HeldWork(0, 30, (0, 1), 0), HeldWork(10, 40, (0, 1), 1), HeldWork(20, 50, (1, 0))]).bays
        is None
    )
    assert match_bays([HeldWork(0, 30, ())]).status == "INFEASIBLE"


def test_work_that_only_touches_shares_a_bay() -> None:
    """End exclusive: work ending at 30 and work starting at 30 share a bay; overlapping by a
    minute they do not."""
    assert not clashes([(0, 30, 0), (30, 60, 0)]) and clashes([(0, 31, 0), (30, 60, 0)])
    assert match_bays([HeldWork(0, 30, (0,), 0), HeldWork(30, 60, (0,), 0)]).bays == [0, 0]
    assert match_bays([HeldWork(0, 31, (0,), 0), HeldWork(30, 60, (0,), 0)]).bays is None


def test_small_days_match_as_a_search_of_every_assignment_does() -> None:
    """200 seeded small days (up to 6 pieces, 3 bays): the matching finds bays exactly where some
    assignment exists, and changes as few guesses as the best one (the groups solved apart lose
    nothing)."""
    rng = random.Random(13)
    for _ in range(200):
        work = []
        for _ in range(rng.randint(1, 6)):
            start = rng.randrange(0, 60, 5)
            bays = tuple(sorted(rng.sample(range(3), rng.randint(1, 3))))
            work.append(HeldWork(start, start + rng.randrange(5, 40, 5), bays, rng.choice([*bays, 2])))
        best: int | None = None
        for bays in itertools.product(*(w.bays for w in work)):
            if not clashes([(w.start, w.end, b) for w, b in zip(work, bays, strict=True)]):
                cost = sum(b != w.guess for w, b in zip(work, bays, strict=True))
                best = cost if best is None else min(best, cost)
        matched = match_bays(work)
        if best is None:
            assert matched.bays is None, work
            continue
        assert matched.bays is not None and matched.changed == best, work
        assert all(b in w.bays for w, b in zip(work, matched.bays, strict=True))
        assert not clashes([(w.start, w.end, b) for w, b in zip(work, matched.bays, strict=True)])
        assert matched.changed == sum(b != w.guess for w, b in zip(work, matched.bays, strict=True))
