"""Runners: a list of jobs in, their outcomes out (in any order), in this process, on a local process
pool or on a Dask distributed cluster (optional extra `bayplan[cluster]`).

Each job is seeded by itself, so the runner and the order it finishes the jobs in do not matter.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from scheduler.cluster import check_address
from scheduler.errors import InputError
from scheduler.i18n import N_
from scheduler.unreachable import NO_DASK, unreachable_cluster
from simulation.replication import Job, Outcome, run_job


def run_jobs(
    jobs: list[Job], tick: Callable[[], None], workers: int = 2, cluster: str | None = None
) -> tuple[list[Outcome], str]:
    """The outcomes and the backend that ran them: the Dask cluster at `cluster`, else run_local."""
    if cluster is not None:
        return run_on_cluster(jobs, tick, cluster), backend_name(workers, cluster)
    return run_local(jobs, tick, workers), backend_name(workers, None)


def backend_name(workers: int, cluster: str | None) -> str:
    """What ran a simulation's jobs, as its result and report name it (a marked template, read in
    the report's language: the zh run line "进程池 ×2", "Dask 集群 tcp://…")."""
    if cluster is not None:
        return N_("Dask cluster %(address)s") % {"address": cluster}
    return N_("in-process") if workers <= 1 else N_("process pool x%(workers)s") % {"workers": workers}


def run_local(jobs: list[Job], tick: Callable[[], None], workers: int = 2) -> list[Outcome]:
    """In this process (workers <= 1) or on a local process pool."""
    if workers <= 1:
        out = []
        for job in jobs:
            out.append(run_job(job))
            tick()
        return out
    results = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_job, job) for job in jobs]
        for future in as_completed(futures):
            results.append(future.result())
            tick()
    return results


def run_on_cluster(jobs: list[Job], tick: Callable[[], None], address: str) -> list[Outcome]:
    """Map the jobs over the cluster's workers; each job is seeded by itself, so the order is free."""
    try:
        from distributed import Client
        from distributed import as_completed as finished
    except ImportError:
        raise InputError("cluster", NO_DASK) from None
    check_address(address)
    try:
        client = Client(address, timeout=10)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:  # ValueError: an address Dask cannot parse
        raise InputError("cluster", unreachable_cluster(address, exc)) from None
    results: list[Outcome] = []
    with client:
        futures = client.map(run_job, jobs, pure=False)
        for future in finished(futures):  # type: ignore[no-untyped-call]
            results.append(future.result())
            tick()
    return results


class BatchRunner:
    """One process pool (or one Dask client) for many batches of jobs, as ranking and selection runs
    them: the workers start once and keep what they cached (scenarios, history files) between
    batches, instead of a new pool - and a new load of the history - per batch."""

    def __init__(self, workers: int = 2, cluster: str | None = None) -> None:
        self.workers = workers
        self.cluster = cluster
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None

    def __enter__(self) -> BatchRunner:
        if self.cluster is not None:
            try:
                from distributed import Client
            except ImportError:
                raise InputError("cluster", NO_DASK) from None
            check_address(self.cluster)
            try:
                self._client = Client(self.cluster, timeout=10)  # type: ignore[no-untyped-call]
            except (OSError, TimeoutError, ValueError) as exc:  # ValueError: an address Dask cannot parse
                raise InputError("cluster", unreachable_cluster(self.cluster, exc)) from None
        elif self.workers > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        if self._client is not None:
            self._client.close()

    def run(self, jobs: list[Job]) -> list[Outcome]:
        if self._client is not None:
            from distributed import as_completed as finished

            futures = self._client.map(run_job, jobs, pure=False)
            return [future.result() for future in finished(futures)]  # type: ignore[no-untyped-call]
        if self._pool is not None:
            return list(self._pool.map(run_job, jobs))
        return [run_job(job) for job in jobs]
