"""CPU-heavy requests as jobs in lanes of low-priority processes.

Each lane (day plans, simulations) has its own worker processes and its own `capacity` of jobs
running or waiting; past that a request to that lane is refused at once (the API answers 429)
instead of queueing without bound, and a full lane never holds up another: a foreman's plan
does not wait behind simulations. Each worker slot of a lane is its own one-process pool, so a
running job can be cancelled by ending its process without touching the others; a queued job
waits in the lane's queue until a slot is free. A job is waited for (a plan request) or polled
by id (a background job). With a store, each job's status and result are written to the
database, so any worker process can answer for it and a finished result survives a restart; a
job whose process died shows failed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, InvalidStateError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pydantic import BaseModel

from scheduler.clock import SYSTEM_CLOCK, Clock
from scheduler.i18n import N_
from scheduler.storage import Store
from scheduler.storage import jobs as jobs_db
from scheduler.workers import stop_pool, worker_pool

#: A job whose server process is gone (read in the reader's language where shown: the job page).
STOPPED = N_("the server process running it stopped before it finished")

OWNER = f"{socket.gethostname()}:{os.getpid()}"
DEFAULT_LANE = "default"


class Busy(RuntimeError):
    """Every slot of the lane is taken: come back later."""


class JobCancelled(RuntimeError):
    """The job was cancelled before it finished (DELETE /v1/jobs/{id})."""


class ElsewhereError(RuntimeError):
    """The job belongs to another server process: only that one can cancel it."""


@dataclass(frozen=True)
class Lane:
    """Worker processes of one kind of job, and how many jobs may run or wait in it."""

    processes: int = 1
    capacity: int = 2


@dataclass
class _Slot:
    pool: ProcessPoolExecutor | None = None
    job: Job | None = None
    inner: Future[Any] | None = None
    """The running job's future in its pool or on the cluster (cancelled to end it there)."""


@dataclass
class _LaneState:
    lane: Lane
    queue: deque[Job] = field(default_factory=deque)
    slots: list[_Slot] = field(default_factory=list)

    def active(self) -> int:
        return len(self.queue) + sum(1 for s in self.slots if s.job is not None)


@dataclass
class Job:
    id: str
    kind: str
    workshop: str | None
    submitted: dt.datetime
    future: Future[Any] = field(repr=False)
    finished: dt.datetime | None = None
    lane: str = DEFAULT_LANE
    call: Callable[[], Any] | None = field(default=None, repr=False)
    slot: _Slot | None = field(default=None, repr=False)
    cancelled: bool = False
    """Asked to be cancelled (it shows "cancelled" once its future holds JobCancelled)."""
    ready: bool = False
    """Recorded in the store (if any): only then may it start."""
    started: float | None = None
    """time.monotonic() when its process took it (for the run time listeners see)."""
    then: Callable[[Any], Any] | None = field(default=None, repr=False)
    """Run here, in the server, on the process's answer before the job says done (e.g. store the
    plan): whoever sees "done" sees what it did; its return value is the job's result."""

    @property
    def status(self) -> str:
        if self.future.done():
            if not self.future.cancelled() and isinstance(self.future.exception(), JobCancelled):
                return "cancelled"
            return "failed" if self.future.cancelled() or self.future.exception() is not None else "done"
        return "running" if self.slot is not None else "queued"

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
    """Jobs in lanes: `lanes` maps a job kind to its lane; other kinds share the default lane of
    `processes` workers and `capacity` jobs."""

    def __init__(
        self,
        processes: int = 1,
        capacity: int = 2,
        keep: int = 200,
        store: Store | None = None,
        lanes: Mapping[str, Lane] | None = None,
        cluster: Callable[[], Executor] | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """`cluster`: opens an executor on a Dask cluster (scheduler/cluster.py); then every lane's
        jobs run there instead of in local processes (a slot is then a job the cluster may run).
        `clock`: the service's, for the times a job was submitted and finished (a server replaying
        another day stamps its jobs on that day, as everything else it records)."""
        self.processes = processes
        self.clock = clock
        self._connect = cluster
        self._cluster: Executor | None = None
        self.capacity = capacity
        self.keep = keep
        self.store = store
        self._lanes = {DEFAULT_LANE: _LaneState(Lane(processes, capacity))}
        for name, lane in (lanes or {}).items():
            self._lanes[name] = _LaneState(lane)
        for state in self._lanes.values():
            state.slots = [_Slot() for _ in range(state.lane.processes)]
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.RLock()  # a future done at once calls back under it
        self._closed = False
        self.listeners: list[Callable[[Job], None]] = []
        """Called with each job as it finishes (metrics); a listener must not raise."""

    def queued(self) -> int:
        """Jobs waiting for a free process, over all lanes."""
        with self._lock:
            return sum(len(state.queue) for state in self._lanes.values())

    def lane_of(self, kind: str) -> str:
        return kind if kind in self._lanes else DEFAULT_LANE

    def submit(
        self,
        kind: str,
        workshop: str | None,
        fn: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], Any] | None = None,
    ) -> Job:
        lane = self.lane_of(kind)
        with self._lock:
            state = self._lanes[lane]
            active = state.active()
            if active >= state.lane.capacity:
                what = "jobs" if lane == DEFAULT_LANE else f"{lane} jobs"
                raise Busy(
                    f"{active} {what} are running or waiting (at most {state.lane.capacity}); retry later"
                )
            if self._closed:
                raise RuntimeError("the job runner is closed")
            future: Future[Any] = Future()
            job = Job(uuid.uuid4().hex[:16], kind, workshop, self.clock.now(), future, lane=lane,
                      call=partial(fn, *args), ready=self.store is None, then=then)  # fmt: skip
            self._jobs[job.id] = job
            done = [k for k, j in self._jobs.items() if j.future.done()]
            for k in done[: max(0, len(self._jobs) - self.keep)]:
                del self._jobs[k]
            state.queue.append(job)
        job.future.add_done_callback(lambda _: self._finished(job))
        if self.store is not None:
            try:
                with self.store.transaction() as session:
                    jobs_db.add_job(session, job.id, kind, workshop, OWNER, job.submitted)
            except BaseException:
                with self._lock:
                    state.queue.remove(job)
                    self._jobs.pop(job.id, None)
                raise
        with self._lock:
            job.ready = True
            self._dispatch(state)
        return job

    def _dispatch(self, state: _LaneState) -> None:
        """Start ready jobs of the lane on its free slots, oldest first (called with the lock held)."""
        for slot in state.slots:
            if slot.job is not None:
                continue
            job = next((j for j in state.queue if j.ready), None)
            if job is None:
                return
            state.queue.remove(job)
            if not job.future.set_running_or_notify_cancel():
                continue
            assert job.call is not None
            try:
                inner = self._executor(slot).submit(job.call)
            except Exception as exc:  # the interpreter is shutting down, or the cluster is gone
                job.future.set_exception(exc)
                continue
            job.started = time.monotonic()
            job.call = None  # the arguments (a day's bookings, a scenario) are the pool's now
            slot.job, job.slot, slot.inner = job, slot, inner
            inner.add_done_callback(partial(self._ran, state, slot, job))

    def _executor(self, slot: _Slot) -> Executor:
        """Where the slot's next job runs: the cluster (one connection for all), else the slot's
        own one-process pool (called with the lock held)."""
        if self._connect is not None:
            if self._cluster is None:
                self._cluster = self._connect()
            return self._cluster
        if slot.pool is None:
            slot.pool = worker_pool(1)
        return slot.pool

    def _ran(self, state: _LaneState, slot: _Slot, job: Job, inner: Future[Any]) -> None:
        """A job's process answered (or died): pass the answer on and start the next job."""
        broken = not inner.cancelled() and isinstance(inner.exception(), BrokenProcessPool)
        with self._lock:
            pool = None
            if slot.job is job:
                slot.job, slot.inner = None, None
                if broken:  # a worker that died (killed, out of memory): the next job gets a new one
                    pool, slot.pool = slot.pool, None
            if not self._closed:
                self._dispatch(state)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)  # from its own thread: not joined here
        if job.cancelled:
            return  # its process was ended on purpose: the job says cancelled
        with contextlib.suppress(InvalidStateError):  # cancelled meanwhile: that answer stands
            if inner.cancelled():
                job.future.set_exception(RuntimeError("the server stopped before the job finished"))
            elif inner.exception() is not None:
                job.future.set_exception(inner.exception())
            elif job.then is None:
                job.future.set_result(inner.result())
            else:
                try:
                    result = job.then(inner.result())
                except Exception as exc:
                    job.future.set_exception(exc)
                else:
                    job.future.set_result(result)

    def _finished(self, job: Job) -> None:
        job.finished = self.clock.now()
        if self.store is not None:
            result = job.future.result() if job.status == "done" else None
            with self.store.transaction() as session:
                jobs_db.finish_job(session, job.id, job.status, job.finished, job.error, _json(result))
        for listener in self.listeners:
            with contextlib.suppress(Exception):
                listener(job)

    def run(self, kind: str, workshop: str | None, fn: Callable[..., Any], *args: Any) -> Any:
        """Submit and wait for the result (exceptions of the job are raised here)."""
        return self.submit(kind, workshop, fn, *args).future.result()

    def cancel(self, job_id: str) -> JobRecord | None:
        """Cancel a job: a queued one leaves its queue, a running one's process is ended (its
        slot gets a fresh one). The job then shows "cancelled"; a finished job stays as it was.
        None for an unknown job; ElsewhereError for one that another live process runs."""
        with self._lock:
            job = self._jobs.get(job_id)
            pool = None
            if job is not None and not job.future.done():
                job.cancelled = True
                state = self._lanes[job.lane]
                if job in state.queue:
                    state.queue.remove(job)
                slot = job.slot
                if slot is not None and slot.job is job:
                    if slot.inner is not None and self._connect is not None:
                        slot.inner.cancel()  # on the cluster: the task is released there
                    pool, slot.pool, slot.job, slot.inner = slot.pool, None, None, None
                    self._dispatch(state)
        if job is None:
            record = self.get(job_id)
            if record is not None and record.status in ("queued", "running"):
                raise ElsewhereError(
                    f"job {job_id!r} runs in another server process; it cannot be cancelled here"
                )
            return record
        if job.cancelled:
            with contextlib.suppress(InvalidStateError):  # it finished just before
                job.future.set_exception(JobCancelled("cancelled by request"))
        if pool is not None:
            stop_pool(pool)
        return self.record(job)

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
            row = jobs_db.get_job(session, job_id)
            if row is None:
                return None
            status, error = row.status, row.error
            if status in ("queued", "running") and not _alive(row.owner):
                status, error = "failed", STOPPED
            submitted = _aware(row.submitted) or row.submitted
            return JobRecord(
                row.id, row.kind, row.workshop_id, status, submitted, _aware(row.finished), error, row.result
            )

    def close(self) -> None:
        """Stop every worker process and wait for them (no semaphore or queue is left behind);
        jobs still queued or running fail."""
        with self._lock:
            self._closed = True
            pools = []
            waiting: list[Job] = []
            for state in self._lanes.values():
                waiting += state.queue
                state.queue.clear()
                for slot in state.slots:
                    if slot.pool is not None:
                        pools.append(slot.pool)
                    slot.pool = None
            cluster, self._cluster = self._cluster, None
        for pool in pools:
            stop_pool(pool)
        if cluster is not None:
            cluster.shutdown(wait=False, cancel_futures=True)
        for job in waiting:
            if not job.future.done():
                job.future.set_exception(RuntimeError("the server stopped before the job ran"))
        with self._lock:
            # An app started again (its lifespan run anew, as test clients do) starts fresh pools.
            self._closed = False
