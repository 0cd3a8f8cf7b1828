"""CPU-heavy requests as jobs in a small pool of low-priority processes.

Day plans and simulations run off the request threads, at most `capacity` at once (running or
waiting); past that a request is refused at once (the API answers 429) instead of queueing
without bound. A job is waited for (a plan request) or polled by id (a background job); the
last `keep` finished jobs are kept in memory for their status and result.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from scheduler.workers import worker_pool


class Busy(RuntimeError):
    """Every slot of the pool is taken: come back later."""


@dataclass
class Job:
    id: str
    kind: str
    workshop: str | None
    submitted: dt.datetime
    future: Future[Any] = field(repr=False)
    finished: dt.datetime | None = None

    @property
    def status(self) -> str:
        if self.future.running():
            return "running"
        if not self.future.done():
            return "queued"
        return "failed" if self.future.cancelled() or self.future.exception() is not None else "done"

    @property
    def error(self) -> str | None:
        if self.future.done() and not self.future.cancelled() and self.future.exception() is not None:
            return str(self.future.exception())
        return None


class JobRunner:
    def __init__(self, processes: int = 1, capacity: int = 2, keep: int = 200) -> None:
        self.processes = processes
        self.capacity = capacity
        self.keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, kind: str, workshop: str | None, fn: Callable[..., Any], *args: Any) -> Job:
        with self._lock:
            active = sum(1 for j in self._jobs.values() if not j.future.done())
            if active >= self.capacity:
                raise Busy(f"{active} jobs are running or waiting (at most {self.capacity}); retry later")
            if self._pool is None:
                self._pool = worker_pool(self.processes)
            job = Job(
                uuid.uuid4().hex[:16], kind, workshop, dt.datetime.now(dt.UTC), self._pool.submit(fn, *args)
            )
            self._jobs[job.id] = job
            done = [k for k, j in self._jobs.items() if j.future.done()]
            for k in done[: max(0, len(self._jobs) - self.keep)]:
                del self._jobs[k]
        job.future.add_done_callback(lambda _: setattr(job, "finished", dt.datetime.now(dt.UTC)))
        job.future.add_done_callback(self._forget_broken)
        return job

    def run(self, kind: str, workshop: str | None, fn: Callable[..., Any], *args: Any) -> Any:
        """Submit and wait for the result (exceptions of the job are raised here)."""
        return self.submit(kind, workshop, fn, *args).future.result()

    def _forget_broken(self, future: Future[Any]) -> None:
        """A worker that died (killed, out of memory) breaks the pool: the next job gets a new one."""
        if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
            with self._lock:
                pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
