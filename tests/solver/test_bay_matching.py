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


def test_a_piece_may_follow_one_that_left_in_its_first_minute_a_minute_late() -> None:
    """Bays 0 and 1. g runs from 0 (guessed in 0); c holds minute 62 (guessed in 1); e, only bay 0,
    comes in minute 62. No bays at fixed minutes (in 62 three pieces, two bays). Where c left before
    e came (e's `after`), e follows c into bay 0 a minute late: g to 1, c to 0, e at 63, two guesses
    changed. Not where another piece holds e's first minute there, nor without the handover."""
    g, c = HeldWork(0, 90, (0, 1), guess=0), HeldWork(62, 63, (0, 1), guess=1)
    e = HeldWork(62, 92, (0,), guess=0, after=(1,))
    matched = match_bays([g, c, e])
    assert (matched.bays, matched.late, matched.changed) == ([1, 0, 0], (2,), 2)
    assert match_bays([g, c, HeldWork(62, 92, (0,), guess=0)]).bays is None
    # In e's first minute in bay 0 only pieces that left before it came: c may be in bay 1 then
    # (g left it at 62), but another piece in bay 0 to 63, not left before e came, leaves e none.
    in_the_way = HeldWork(61, 63, (0,))
    assert match_bays([HeldWork(0, 62, (1,)), c, e, in_the_way]).bays is None
    assert match_bays([HeldWork(0, 62, (1,)), c, e]).bays == [1, 1, 0]  # (e on time: c went to 1)
    assert match_bays([HeldWork(0, 90, (1,)), HeldWork(62, 63, (0,)), e]).late == (2,)
    # A piece that can stay where it is is not made late.
    assert match_bays([HeldWork(0, 60, (0,), 0), HeldWork(62, 63, (0, 1), 1), e]).late == ()


def test_small_days_with_handovers_match_as_a_search_of_every_option_does() -> None:
    """300 seeded small days with handovers (pieces of one minute, and pieces that may follow one
    of them): the matching finds bays exactly where some choice of bay (and of a minute late, where
    a piece may follow one that left) exists, with the fewest late, then the fewest guesses changed."""
    rng = random.Random(41)
    for _ in range(300):
        work: list[HeldWork] = []
        for _ in range(rng.randint(2, 6)):
            start = rng.randrange(0, 12)
            bays = tuple(sorted(rng.sample(range(3), rng.randint(1, 2))))
            end = start + rng.choice([1, 1, 2, 5, 9])
            work.append(HeldWork(start, end, bays, rng.choice([*bays, None])))
        work = [
            HeldWork(w.start, w.end, w.bays, w.guess, tuple(
                j for j, o in enumerate(work) if j != n and o.start <= w.start and o.end == w.start + 1
                and rng.random() < 0.7
            ))
            for n, w in enumerate(work)
        ]  # fmt: skip
        options = []
        for w in work:
            mine = [(b, w.start, w.end, False) for b in w.bays]
            mine += [(b, w.start + 1, w.late_end, True) for b in w.bays
                     if any(b in work[j].bays for j in w.after)]  # fmt: skip
            options.append(mine)
        best: tuple[int, int] | None = None
        for choice in itertools.product(*options):
            taken = [(s, e, b) for b, s, e, _ in choice]
            ok = not clashes(taken)
            for n, (b, s, _, late) in enumerate(choice):
                if ok and late:  # its first minute in that bay: only pieces of its `after`, leaving then
                    ok = all(o == n or o_b != b or not (o_s <= s - 1 < o_e)
                             or (o in work[n].after and o_e == s)
                             for o, (o_b, o_s, o_e, _) in enumerate(choice))  # fmt: skip
            if ok:
                changed = sum(c[0] != w.guess for c, w in zip(choice, work, strict=True))
                cost = (sum(c[3] for c in choice), changed)
                best = cost if best is None else min(best, cost)
        matched = match_bays(work)
        assert (matched.bays is None) == (best is None), work
        if matched.bays is not None:
            assert (len(matched.late), matched.changed) == best, work
