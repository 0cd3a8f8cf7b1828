"""The search budget of a slot query under contention: the queries answering at once share it.

An immediate slot answer may spend `EJECTION_SECONDS` (25 ms of its own thread's CPU) moving
bookings out of the way (scheduler.ejection). One server process answers its requests in threads
that share one interpreter lock on a 2-core machine: when four booking desks query at once, each
search's 25 ms are spread over about four times as much wall-clock time, and a query waits behind
the others' searches as well as doing its own. So the budget is shared: with `k` slot queries and
bookings in this process at once (this one counted), each query's search gets `full / k`
(`share`), and a query that already waited `WAIT_SECONDS` of wall-clock time before its search
(behind other requests) answers with the quick fit and what the carried-over offers hold. Alone
(`k` = 1) a query gets the full budget, whatever it waited: the sequential answers stay as they
were. The times a shorter search misses are left to the background refinement, as before.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from scheduler.phases import phase

WAIT_SECONDS = 0.050
"""Wall-clock time a query may have waited (behind other requests) before its search and still
search, when it is not alone: beyond it, it answers with what it has."""

CROWDED_SECONDS = 0.100
"""How long after requests overlapped a query that finds itself alone still shares its budget as
with that many: in a storm the other desks are between requests (answer, next request) for a few
ms, and one that comes back meanwhile would wait behind a whole-budget search."""

NO_SEARCH_SECONDS = 1e-9
"""The budget of a query that answers with what it has: positive (a zero budget would mean the
one-booking repair instead, `DayBook.offers`), and spent before the search starts."""


FAIR_SHARE_FLOOR = 0.003
"""The least CPU (seconds) `fair_share` gives a time while the budget lasts: about one move of the
bookings in a crowded day's way (scheduler.ejection), so a try is not cut before it starts."""


def fair_share(seconds: float, floor: float = FAIR_SHARE_FLOOR) -> Callable[[int], float]:
    """One budget of `seconds` (this thread's CPU from now) split among times tried one after
    another, the earliest first: `budget(remaining)` is what the next try may spend with
    `remaining` tries left, counting it — an even share of what is left (what an earlier try did
    not use goes to the later ones), at least `floor` while anything is left, and 0 once it is
    spent. So the first times cannot use up the whole budget before the later ones get a try."""
    deadline = time.thread_time() + seconds

    def budget(remaining: int) -> float:
        left = deadline - time.thread_time()
        if left <= 0:
            return 0.0
        return min(left, max(floor, left / max(remaining, 1)))

    return budget


def share(full: float, busy: int, waited: float) -> float:
    """A query's search budget: `full` alone; with `busy` requests at once (this one counted)
    `full / busy`, but no more than what ends the search by about `WAIT_SECONDS` after the query
    began (`busy` threads on one interpreter lock: a search of c CPU seconds takes about busy * c
    of wall time), so a query that already waited long does not wait again behind itself; next
    to nothing when it is not alone and waited `WAIT_SECONDS` or longer already."""
    if busy <= 1:
        return full
    left = WAIT_SECONDS - waited
    if left <= 0:
        return NO_SEARCH_SECONDS
    return min(full, left) / busy


class FairLock:
    """A lock handed over in arrival order (first come, first served): under one interpreter lock,
    searches that take turns finish one after the other instead of all of them late."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        with self._lock:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the holder before us, which hands the lock over held

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()  # still held: now by the next in line
            else:
                self._held = False

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


class Contention:
    """The slot queries and bookings under way in this process (`busy`), and each one's start (a
    thread's own: a request runs in one thread), so a query's search budget can be shared."""

    def __init__(self, timer: Callable[[], float] = time.perf_counter) -> None:
        self.timer = timer
        self._lock = threading.Lock()
        self._busy = 0
        self._crowded = (0, float("-inf"))  # requests at once when last more than one, and when
        self._local = threading.local()
        self._search = FairLock()

    @property
    def busy(self) -> int:
        return self._busy

    @contextmanager
    def entered(self, query: bool) -> Iterator[None]:
        """One request under way in this thread: a slot query (`query`, its search budget is
        shared) or a booking (counted, its own budget kept: it decides a customer's booking).
        Nested entries (a refused booking's alternatives) count once, as the first."""
        if getattr(self._local, "inside", False):
            yield
            return
        self._local.inside = True
        self._local.since = self.timer() if query else None
        with self._lock:
            self._busy += 1
            self._note_crowd(self._busy)
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
            self._local.inside = False
            self._local.since = None

    def share(self, full: float) -> float:
        """This thread's search budget now (`share`); the full one outside a slot query."""
        since: float | None = getattr(self._local, "since", None)
        if since is None:
            return full
        now = self.timer()
        with self._lock:
            busy = self._busy
            crowd, at = self._crowded
        if now - at < CROWDED_SECONDS:  # alone for a moment in a storm: still one of `crowd`
            busy = max(busy, crowd)
        return share(full, busy, now - since)

    def _note_crowd(self, busy: int) -> None:
        """Remember `busy` requests at once now, when more than one."""
        if busy > 1:
            self._crowded = (busy, self.timer())

    @contextmanager
    def searching(self, full: float) -> Iterator[float]:
        """One search at a time, in arrival order; yields this thread's budget (`share`) as its
        turn comes (the wait counts: a query that waited long answers with what it has)."""
        with phase("turn wait"):
            self._search.acquire()
        try:
            yield self.share(full)
        finally:
            self._search.release()
