"""Background refinement of slot offers: CP-SAT extends cached answers in a low-priority process.

A slot query answers at once with the quick fit; the exact search (a few CP-SAT solves, about a
second) runs in one separate process at a lower CPU priority, so it never holds the GIL or the
request threads. Only the newest request per offer key is kept: a day that changed while its
refinement waited is refined once, at its latest version. At most `most_wanted` requests wait
(the newest are refined first; the oldest are dropped), so a storm of queries cannot pile up days.
A request for the key and day version already being refined is not queued again (a booking asks
ahead for the keys asked on its day, `RefineAhead.after_change`, and the next query on that
version asks for the same one). Requests made `idle` (kinds of booking asked on other days,
`scheduler.asked`) wait in a queue of their own, refined only when no other request waits.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

from scheduler.slots import NO_WANTS, DayBook, Offer, Wants
from scheduler.workers import stop_pool, worker_pool

logger = logging.getLogger("bayplan")

Key = tuple[object, ...]


@dataclass(frozen=True)
class _Job:
    key: Key
    version: tuple[object, ...]
    day: DayBook
    service: str
    waiter: bool
    fleet: str | None
    wants: Wants = NO_WANTS


def _ready() -> bool:
    """Nothing: sent to a new worker so that it imports the refinement's modules (unpickling a
    function of this module imports it, and with it the slot search and CP-SAT) before any work."""
    return True


Refined = tuple[list[Offer], dt.datetime | None]
"""The offers and the earliest time proven not to fit (`DayBook.offers_and_bound`)."""


def _refine(job: _Job, exact_seconds: float) -> Refined:
    return job.day.offers_and_bound(
        job.service, job.waiter, job.fleet, exact_seconds=exact_seconds, workers=1, wants=job.wants
    )


class OfferRefiner:
    """One refinement at a time; `deliver(key, version, offers, day, bound)` receives each result."""

    def __init__(
        self,
        exact_seconds: float,
        deliver: Callable[[Key, tuple[object, ...], list[Offer], DayBook, dt.datetime | None], object],
        most_wanted: int = 64,
    ):
        self.exact_seconds = exact_seconds
        self.most_wanted = most_wanted
        self.deliver = deliver
        self._lock = threading.RLock()  # a future done at once calls back under it
        self._wanted: dict[Key, _Job] = {}
        self._idle_wanted: dict[Key, _Job] = {}  # refined only while `_wanted` is empty
        self._running: Future[Refined] | None = None
        self._running_job: tuple[Key, tuple[object, ...]] | None = None
        self._running_day: DayBook | None = None  # the running job's day
        self._batched = 0  # `batch`es open: requests wait for its end to start
        self._pool: ProcessPoolExecutor | None = None
        self._idle = threading.Event()
        self._idle.set()

    def start(self) -> None:
        """Start the worker process now and have it import what a refinement needs, instead of on
        the first slot query: spawning it costs that query tens of milliseconds, and its imports
        (seconds of CPU) would compete with the first booking storm after a server start."""
        with self._lock:
            if self._pool is None:
                self._pool = worker_pool(1)
                self._pool.submit(_ready)

    def request(
        self,
        key: Key,
        version: tuple[object, ...],
        day: DayBook,
        service: str,
        waiter: bool,
        fleet: str | None,
        wants: Wants = NO_WANTS,
        idle: bool = False,
    ) -> None:
        """Refine `key` on `day` (its `version`); `idle`: only when nothing else waits, and not
        where the key waits in the other queue already (a query's own request replaces it)."""
        with self._lock:
            if self._running_job == (key, version):
                return  # being refined at this very version: its result is delivered soon
            if idle and key in self._wanted:
                return
            self._idle_wanted.pop(key, None)
            queue = self._idle_wanted if idle else self._wanted
            queue.pop(key, None)  # re-inserted as the newest
            queue[key] = _Job(key, version, day, service, waiter, fleet, wants)
            while len(queue) > self.most_wanted:
                del queue[next(iter(queue))]
            self._idle.clear()
            if not self._batched:
                self._pump()

    def waiting(self, key: Key, version: tuple[object, ...]) -> bool:
        """Is a refinement of `key` queued (not only idle: a query's request would put it first), or
        running at `version`? Dict and tuple look-ups, no lock: a slot query's cache hit asks it
        (`RefineAhead.hit`), and a stale answer costs only a check in the background."""
        return key in self._wanted or self._running_job == (key, version)

    def running_day(self, key: Key) -> DayBook | None:
        """The day a refinement of `key` under way was asked for (None: none of `key` runs)."""
        with self._lock:
            running = self._running_job
            return self._running_day if running is not None and running[0] == key else None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Requests made inside are queued together and the newest of them starts first: without
        it, an idle refiner starts the first request at once (the least wanted of a batch asked
        least wanted first, `RefineAhead.after_change`). Holds the lock: another thread's
        request or a finished refinement waits for its end."""
        with self._lock:
            self._batched += 1
            try:
                yield
            finally:
                self._batched -= 1
                if not self._batched:
                    self._pump()

    def _pump(self) -> None:
        """Start the newest wanted job if none runs (called with the lock held)."""
        if self._running is not None:
            return
        queue = self._wanted or self._idle_wanted
        if not queue:
            self._idle.set()
            return
        key = next(reversed(queue))
        job = queue.pop(key)
        future = self._submit(job)
        if future is None:  # the interpreter is shutting down: nothing more to refine
            self._wanted.clear()
            self._idle_wanted.clear()
            self._idle.set()
            return
        self._running, self._running_job, self._running_day = future, (job.key, job.version), job.day
        future.add_done_callback(lambda done: self._finished(job, done))

    def _submit(self, job: _Job) -> Future[Refined] | None:
        """`job` sent to the worker process (None: the interpreter is shutting down). A pool whose
        worker died (killed: out of memory, a crash in the solver) takes nothing more: a new one
        takes this job (review-s45: else no answer was refined again until the server restarted)."""
        for _ in range(2):
            if self._pool is None:
                self._pool = worker_pool(1)
            try:
                return self._pool.submit(_refine, job, self.exact_seconds)
            except BrokenProcessPool:
                logger.warning("the slot refinement's worker process died: starting a new one")
                broken, self._pool = self._pool, None
                broken.shutdown(wait=False, cancel_futures=True)
            except RuntimeError:
                return None
        return None

    def _finished(self, job: _Job, done: Future[Refined]) -> None:
        if not done.cancelled() and done.exception() is None:
            offers, bound = done.result()
            self.deliver(job.key, job.version, offers, job.day, bound)
        with self._lock:
            self._running, self._running_job, self._running_day = None, None, None
            self._pump()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is wanted or running (tests, benchmarks)."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        with self._lock:
            self._wanted.clear()
            self._idle_wanted.clear()
            pool, self._pool = self._pool, None
        if pool is not None:
            stop_pool(pool)  # ends a refinement under way; nothing is left for the interpreter's exit
