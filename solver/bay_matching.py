"""Work whose times are fixed, each given one bay over the whole day: no two pieces of work that
overlap in time share a bay, each is in a bay it may use, and as few as possible leave the bay
they were guessed in (issue 13: the clocked work of a live day, whose bays the shop floor may not
have named; `scheduler.live_replan._clocked_work_matched`).

A small CP-SAT model: a choice of bay per piece of work, at most one piece of work in a bay at
each moment a piece of work there starts (the cliques of an interval graph), the count of changed
guesses minimised. Solved apart for each group of work that could share a bay (overlapping in time
through bays they may both use), only where the group's guesses do not already fit. One worker, a
deterministic limit: the same work gives the same bays. A piece may also follow one that left its
bay within the piece's first minute, before it came (a handover the shop floor's clock saw), into
that bay a minute late (`HeldWork.after`): the fewest such first. Plain data in, bays out; no I/O,
no clock.
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
    after: tuple[int, ...] = ()
    """The pieces (indices into the work) that left their bay within this one's first minute, before
    it came (a handover in that minute): it may follow one of them into its bay a minute late,
    holding that bay from `start` + 1 to `late_end` (`match_bays` says which pieces do)."""

    @property
    def late_end(self) -> int:
        """Its end where it starts a minute late: a minute at least."""
        return max(self.end, self.start + 2)

    @property
    def reach(self) -> int:
        """The latest it may hold a bay to (late, where it may follow another piece)."""
        return self.late_end if self.after else self.end


@dataclass(frozen=True)
class BayMatching:
    """The bay of each piece of work, in the order given (None where no assignment exists, or
    none was found within the limit: `status` says which), how many left their guessed bay, and
    CP-SAT's deterministic time."""

    bays: list[int] | None
    status: str
    changed: int = 0
    deterministic_time: float = 0.0
    late: tuple[int, ...] = ()
    """The pieces that start a minute late, following a piece of their `after` into its bay."""


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
    late: list[int] = []
    for group in groups(work):
        guessed = [(work[n].start, work[n].end, work[n].guess) for n in group]
        fits = [(s, e, b) for s, e, b in guessed if b is not None]
        if (
            len(fits) == len(group)
            and all(work[n].guess in work[n].bays for n in group)
            and not clashes(fits)
        ):
            continue  # its guesses fit: none changes
        # (A handover only between pieces of one group: `after` indices are the whole work's.)
        place = {n: k for k, n in enumerate(group)}
        pieces = [
            HeldWork(w.start, w.end, w.bays, w.guess, tuple(place[j] for j in w.after if j in place))
            for w in (work[n] for n in group)
        ]
        solved = _solve(pieces, deterministic_time)
        spent += solved.deterministic_time
        if solved.bays is None:
            return BayMatching(None, solved.status, deterministic_time=spent)
        if solved.status != "OPTIMAL":
            status = solved.status
        changed += solved.changed
        late.extend(group[k] for k in solved.late)
        for n, b in zip(group, solved.bays, strict=True):
            bays[n] = b
    assert all(b is not None for b in bays)
    return BayMatching([b for b in bays if b is not None], status, changed, spent, tuple(sorted(late)))


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
        first, reach = here[0], work[here[0]].reach  # the run of overlapping pieces so far
        for n in here[1:]:
            if work[n].start < reach:
                parent[root(n)] = root(first)
                reach = max(reach, work[n].reach)
            else:
                first, reach = n, work[n].reach
    groups: dict[int, list[int]] = {}
    for n in range(len(work)):
        groups.setdefault(root(n), []).append(n)
    return list(groups.values())


def _solve(work: Sequence[HeldWork], deterministic_time: float) -> BayMatching:
    """One group of work matched by CP-SAT. Each piece takes one option: a bay it may use from its
    start, or, where a piece of its `after` may use that bay too, the bay a minute late (the fewest
    of those first, then the fewest changed guesses)."""
    m = cp_model.CpModel()
    # (piece, bay, start, end, late, choice)
    options: list[tuple[int, int, int, int, bool, cp_model.IntVar]] = []
    for n, w in enumerate(work):
        mine = []
        for b in sorted(set(w.bays)):
            mine.append((n, b, w.start, w.end, False, m.new_bool_var(f"w{n}b{b}")))
            if any(b in work[j].bays and work[j].start <= w.start < work[j].end == w.start + 1
                   for j in w.after):  # fmt: skip
                mine.append((n, b, w.start + 1, w.late_end, True, m.new_bool_var(f"w{n}b{b}late")))
        m.add_exactly_one(x for *_, x in mine)
        options.extend(mine)
    # Work in one bay: the options there at the start of each option there hold it at once (an
    # interval graph's cliques), so at most one of them may be taken.
    cliques: set[tuple[int, ...]] = set()
    users: dict[int, list[int]] = {}
    for k, (_, b, *_rest) in enumerate(options):
        users.setdefault(b, []).append(k)
    for b, here in users.items():
        for k in here:
            moment = options[k][2]
            held = tuple(j for j in here if options[j][2] <= moment < options[j][3])
            if len(held) > 1 and (b, *held) not in cliques:
                cliques.add((b, *held))
                m.add_at_most_one(options[j][5] for j in held)
        # A piece a minute late in a bay shares its first minute there only with pieces of its
        # `after` that leave within it (a handover the clock saw): with no other.
        for k in here:
            n, _, start, _, is_late, x = options[k]
            if not is_late:
                continue
            first = start - 1
            for j in here:
                o, _, o_start, o_end, _, y = options[j]
                if o == n or not (o_start <= first < o_end):
                    continue
                if o in work[n].after and o_end == start:
                    continue
                m.add_bool_or([x.Not(), y.Not()])
    late_ones = [x for *_, is_late, x in options if is_late]
    stays = [x for n, b, *_r, x in options if work[n].guess == b]
    m.maximize(sum(stays) - (len(work) + 1) * sum(late_ones))
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
    taken = [o for o in options if solver.boolean_value(o[5])]
    bays = [b for _, b, *_ in sorted(taken, key=lambda o: o[0])]
    changed = sum(1 for n, b in enumerate(bays) if work[n].guess != b)
    late = tuple(sorted(o[0] for o in taken if o[4]))
    return BayMatching(bays, name, changed, solver.deterministic_time, late)
