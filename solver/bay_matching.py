"""Work whose times are fixed, each given one bay over the whole day: no two pieces of work that
overlap in time share a bay, each is in a bay it may use, and as few as possible leave the bay
they were guessed in (issue 13: the clocked work of a live day, whose bays the shop floor may not
have named; `scheduler.live_replan._clocked_work_matched`).

A small CP-SAT model: a choice of bay per piece of work, at most one piece of work in a bay at
each moment a piece of work there starts (the cliques of an interval graph), the count of changed
guesses minimised. Solved apart for each group of work that could share a bay (overlapping in time
through bays they may both use), only where the group's guesses do not already fit. One worker, a
deterministic limit: the same work gives the same bays. Plain data in, bays out; no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

MATCH_DETERMINISTIC_TIME = 0.5
"""CP-SAT's deterministic time for one matching: a day's clocked work is a few dozen pieces,
solved in a small fraction of it (bench/RESULTS-makeway13-s38.md)."""
MATCH_SAFETY_SECONDS = 5.0
"""A wall-clock net only: the deterministic limit ends the search."""


@dataclass(frozen=True)
class HeldWork:
    """A piece of work that holds one bay from `start` to `end` (whole minutes, `end` exclusive):
    the bays it may be in (indices; work that must stay where it is lists that one bay) and the bay
    it was guessed in (None: none, every bay counts as a change)."""

    start: int
    end: int
    bays: tuple[int, ...]
    guess: int | None = None


@dataclass(frozen=True)
class BayMatching:
    """The bay of each piece of work, in the order given (None where no assignment exists, or
    none was found within the limit: `status` says which), how many left their guessed bay, and
    CP-SAT's deterministic time."""

    bays: list[int] | None
    status: str
    changed: int = 0
    deterministic_time: float = 0.0


def clashes(work: Sequence[tuple[int, int, int]]) -> bool:
    """Whether two of the (start, end, bay) overlap in time in one bay."""
    last_end: dict[int, int] = {}
    for start, end, bay in sorted(work):
        if start < last_end.get(bay, start):
            return True
        last_end[bay] = max(end, last_end.get(bay, end))
    return False


def match_bays(work: Sequence[HeldWork], deterministic_time: float = MATCH_DETERMINISTIC_TIME) -> BayMatching:
    """Each piece of `work` in one of its bays, none overlapping another in a bay, the fewest
    changed guesses (optimal, or the best found within `deterministic_time` for each group). Work
    is matched in groups that share no bay at any moment (pieces that overlap in time and may use
    one bay, and so on): a group whose guesses already fit keeps them, the others are solved."""
    if any(not w.bays for w in work):
        return BayMatching(None, "INFEASIBLE")
    bays = [w.guess for w in work]
    status, changed, spent = "OPTIMAL", 0, 0.0
    for group in groups(work):
        guessed = [(work[n].start, work[n].end, work[n].guess) for n in group]
        fits = [(s, e, b) for s, e, b in guessed if b is not None]
        if (
            len(fits) == len(group)
            and all(work[n].guess in work[n].bays for n in group)
            and not clashes(fits)
        ):
            continue  # its guesses fit: none changes
        solved = _solve([work[n] for n in group], deterministic_time)
        spent += solved.deterministic_time
        if solved.bays is None:
            return BayMatching(None, solved.status, deterministic_time=spent)
        if solved.status != "OPTIMAL":
            status = solved.status
        changed += solved.changed
        for n, b in zip(group, solved.bays, strict=True):
            bays[n] = b
    assert all(b is not None for b in bays)
    return BayMatching([b for b in bays if b is not None], status, changed, spent)


def groups(work: Sequence[HeldWork]) -> list[list[int]]:
    """The pieces of work in groups, each joined to any piece it overlaps in time and shares a bay
    it may use with (a union-find over each bay's pieces in order of start)."""
    parent = list(range(len(work)))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    users: dict[int, list[int]] = {}
    for n, w in enumerate(work):
        for b in set(w.bays):
            users.setdefault(b, []).append(n)
    for here in users.values():
        here.sort(key=lambda n: work[n].start)
        first, reach = here[0], work[here[0]].end  # the run of overlapping pieces so far
        for n in here[1:]:
            if work[n].start < reach:
                parent[root(n)] = root(first)
                reach = max(reach, work[n].end)
            else:
                first, reach = n, work[n].end
    groups: dict[int, list[int]] = {}
    for n in range(len(work)):
        groups.setdefault(root(n), []).append(n)
    return list(groups.values())


def _solve(work: Sequence[HeldWork], deterministic_time: float) -> BayMatching:
    """One group of work matched by CP-SAT."""
    m = cp_model.CpModel()
    chosen: list[dict[int, cp_model.IntVar]] = []
    for n, w in enumerate(work):
        choice = {b: m.new_bool_var(f"w{n}b{b}") for b in sorted(set(w.bays))}
        m.add_exactly_one(choice.values())
        chosen.append(choice)
    # Work in one bay: the pieces there at the start of each piece there hold it at once (an
    # interval graph's cliques), so at most one of them may be in it.
    cliques: set[tuple[int, ...]] = set()
    users: dict[int, list[int]] = {}
    for n, choice in enumerate(chosen):
        for b in choice:
            users.setdefault(b, []).append(n)
    for b, here in users.items():
        for n in here:
            moment = work[n].start
            held = tuple(j for j in here if work[j].start <= moment < work[j].end)
            if len(held) > 1 and (b, *held) not in cliques:
                cliques.add((b, *held))
                m.add_at_most_one(chosen[j][b] for j in held)
    stays = [chosen[n][w.guess] for n, w in enumerate(work) if w.guess is not None and w.guess in chosen[n]]
    cannot_stay = len(work) - len(stays)
    m.maximize(sum(stays))
    for x in stays:  # the guesses as hint: often all but a few already fit
        m.add_hint(x, 1)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = 1
    p.random_seed = 0
    p.max_deterministic_time = deterministic_time
    p.max_time_in_seconds = MATCH_SAFETY_SECONDS
    status = solver.solve(m)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return BayMatching(None, name, deterministic_time=solver.deterministic_time)
    bays = [next(b for b, x in choice.items() if solver.boolean_value(x)) for choice in chosen]
    changed = cannot_stay + sum(1 for x in stays if not solver.boolean_value(x))
    return BayMatching(bays, name, changed, solver.deterministic_time)
