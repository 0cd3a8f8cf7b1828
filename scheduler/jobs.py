"""CPU-heavy requests as jobs in a small pool of low-priority processes.

Day plans and simulations run off the request threads, at most `capacity` at once (running or
waiting); past that a request is refused at once (the API answers 429) instead of queueing
without bound. A job is waited for (a plan request) or polled by id (a background job). With a
store, each job's status and result are written to the database, so any worker process can
answer for it and a finished result survives a restart; a job whose process died shows failed.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from scheduler.storage import JobRow, Store
from scheduler.workers import worker_pool

OWNER = f"{socket.gethostname()}:{os.getpid()}"


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


@dataclass(frozen=True)
class JobRecord:
    """What anyone may know of a job: its state, and its result as JSON once done."""

    id: str
    kind: str
    workshop: str | None
    status: str
    submitted: dt.datetime
    finished: dt.datetime | None
    error: str | None
    result: str | None


def _json(result: object) -> str | None:
    return result.model_dump_json() if isinstance(result, BaseModel) else None


def _alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's process: take the database's word for it
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError):
        return False
    return True


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class JobRunner:
    def __init__(
        self, processes: int = 1, capacity: int = 2, keep: int = 200, store: Store | None = None
    ) -> None:
        self.processes = processes
        self.capacity = capacity
        self.keep = keep
        self.store = store
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
            future = self._pool.submit(fn, *args)
            job = Job(uuid.uuid4().hex[:16], kind, workshop, dt.datetime.now(dt.UTC), future)
            self._jobs[job.id] = job
            done = [k for k, j in self._jobs.items() if j.future.done()]
            for k in done[: max(0, len(self._jobs) - self.keep)]:
                del self._jobs[k]
        if self.store is not None:
            with self.store.transaction() as session:
                session.add(JobRow(id=job.id, kind=kind, workshop_id=workshop, owner=OWNER, status="queued",
                                   submitted=job.submitted))  # fmt: skip
        job.future.add_done_callback(lambda _: self._finished(job))
        return job

    def _finished(self, job: Job) -> None:
        job.finished = dt.datetime.now(dt.UTC)
        if self.store is not None:
            result = job.future.result() if job.status == "done" else None
            with self.store.transaction() as session:
                row = session.get(JobRow, job.id)
                if row is not None:
                    row.status, row.finished, row.error, row.result = (
                        job.status,
                        job.finished,
                        job.error,
                        _json(result),
                    )
        if not job.future.cancelled() and isinstance(job.future.exception(), BrokenProcessPool):
            # A worker that died (killed, out of memory) breaks the pool: the next job gets a new one.
            with self._lock:
                pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def run(self, kind: str, workshop: str | None, fn: Callable[..., Any], *args: Any) -> Any:
        """Submit and wait for the result (exceptions of the job are raised here)."""
        return self.submit(kind, workshop, fn, *args).future.result()

    @staticmethod
    def record(job: Job) -> JobRecord:
        result = _json(job.future.result()) if job.status == "done" else None
        return JobRecord(
            job.id, job.kind, job.workshop, job.status, job.submitted, job.finished, job.error, result
        )

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            return self.record(job)
        if self.store is None:
            return None
        with self.store.sessions() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                return None
            status, error = row.status, row.error
            if status in ("queued", "running") and not _alive(row.owner):
                status, error = "failed", "the server process running it stopped before it finished"
            submitted = _aware(row.submitted) or row.submitted
            return JobRecord(
                row.id, row.kind, row.workshop_id, status, submitted, _aware(row.finished), error, row.result
            )

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
