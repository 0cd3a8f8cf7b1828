"""Replications on a Dask distributed cluster (optional extra `bayplan[cluster]`)."""

from __future__ import annotations

from collections.abc import Callable

from scheduler.errors import InputError
from simulation.experiment import Job, Outcome, run_job


def run_on_cluster(jobs: list[Job], tick: Callable[[], None], address: str) -> list[Outcome]:
    """Map the jobs over the cluster's workers; each job is seeded by itself, so the order is free."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("--cluster", "Dask is not installed: pip install 'bayplan[cluster]'") from None
    try:
        client = Client(address, timeout=10)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise InputError("--cluster", f"cannot reach the Dask scheduler at {address}: {exc}") from None
    results: list[Outcome] = []
    with client:
        futures = client.map(run_job, jobs, pure=False)
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            results.append(future.result())
            tick()
    return results
