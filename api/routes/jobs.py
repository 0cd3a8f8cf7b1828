"""Background jobs (plans, simulations): status and result, and cancelling."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api.auth import JobsKey, ensure_workshop
from api.deps import RunnerDep
from api.errors import BodyRoute
from api.schemas import JobView, job_view
from scheduler.errors import NotFound
from scheduler.i18n import N_
from scheduler.jobs import JobRecord, JobRunner
from scheduler.keys import KeyInfo

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], route_class=BodyRoute)


def _visible(runner: JobRunner, job_id: str, key: KeyInfo | None) -> JobRecord:
    job = runner.get(job_id)
    if job is None:
        raise NotFound(N_("job %(job_id)r") % {"job_id": job_id})
    if job.workshop is not None:
        ensure_workshop(key, job.workshop)
    return job


@router.get("/{job_id}", summary="A job", description="A background job's status, and its result when done.")
def get_job(job_id: str, runner: RunnerDep, key: JobsKey) -> JobView:
    return job_view(_visible(runner, job_id, key))


@router.delete(
    "/{job_id}",
    summary="Cancel a job",
    description="A queued or running job is cancelled; a finished one stays.",
)
def cancel_job(job_id: str, runner: RunnerDep, key: JobsKey) -> JobView:
    """Cancel a queued or running job (a running one's worker process is ended); it then shows
    "cancelled". A finished job stays as it is."""
    job = _visible(runner, job_id, key)
    refused = None if key is None else key.cancel_refusal(job.kind)
    if refused is not None:
        raise HTTPException(403, refused)
    cancelled = runner.cancel(job_id)
    if cancelled is None:
        raise NotFound(N_("job %(job_id)r") % {"job_id": job_id})
    return job_view(cancelled)
