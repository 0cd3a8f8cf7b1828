"""Background refinement of slot offers: CP-SAT extends cached answers in a low-priority process.

A slot query answers at once with the quick fit; the exact search (a few CP-SAT solves, about a
second) runs in one separate process at a lower CPU priority, so it never holds the GIL or the
request threads. Only the newest request per offer key is kept: a day that changed while its
refinement waited is refined once, at its latest version.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from scheduler.slots import DayBook, Offer

Key = tuple[object, ...]
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class _Job:
    key: Key
    version: tuple[object, ...]
    day: DayBook
    service: str
    waiter: bool
    fleet: str | None


def _start_worker() -> None:
    """In the refinement process: a lower CPU priority, and gone when the server is (even after
    SIGKILL, which runs no clean-up: the kernel's parent-death signal, else a watchdog)."""
    os.nice(10)
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _refine(job: _Job, exact_seconds: float) -> list[Offer]:
    return job.day.offers(job.service, job.waiter, job.fleet, exact_seconds=exact_seconds, workers=1)


class OfferRefiner:
    """One refinement at a time; `deliver(key, version, offers, day)` receives each result."""

    def __init__(
        self, exact_seconds: float, deliver: Callable[[Key, tuple[object, ...], list[Offer], DayBook], None]
    ):
        self.exact_seconds = exact_seconds
        self.deliver = deliver
        self._lock = threading.Lock()
        self._wanted: dict[Key, _Job] = {}
        self._running: Future[list[Offer]] | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._idle = threading.Event()
        self._idle.set()

    def request(
        self,
        key: Key,
        version: tuple[object, ...],
        day: DayBook,
        service: str,
        waiter: bool,
        fleet: str | None,
    ) -> None:
        with self._lock:
            self._wanted[key] = _Job(key, version, day, service, waiter, fleet)
            self._idle.clear()
            self._pump()

    def _pump(self) -> None:
        """Start the newest wanted job if none runs (called with the lock held)."""
        if self._running is not None:
            return
        if not self._wanted:
            self._idle.set()
            return
        key = next(reversed(self._wanted))
        job = self._wanted.pop(key)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker
            )
        try:
            future = self._pool.submit(_refine, job, self.exact_seconds)
        except RuntimeError:  # the interpreter is shutting down: nothing more to refine
            self._wanted.clear()
            self._idle.set()
            return
        self._running = future
        future.add_done_callback(lambda done: self._finished(job, done))

    def _finished(self, job: _Job, done: Future[list[Offer]]) -> None:
        if not done.cancelled() and done.exception() is None:
            self.deliver(job.key, job.version, done.result(), job.day)
        with self._lock:
            self._running = None
            self._pump()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is wanted or running (tests, benchmarks)."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        with self._lock:
            self._wanted.clear()
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
