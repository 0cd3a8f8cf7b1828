"""Job rows: what a job is, who runs it, and how it ended (so another process can answer for it)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from scheduler.storage.tables import JobRow


def add_job(
    session: Session, job_id: str, kind: str, workshop_id: str | None, owner: str, submitted: dt.datetime
) -> None:
    """A job just queued."""
    status = "queued"
    session.add(
        JobRow(id=job_id, kind=kind, workshop_id=workshop_id, owner=owner, status=status, submitted=submitted)
    )


def finish_job(
    session: Session,
    job_id: str,
    status: str,
    finished: dt.datetime | None,
    error: str | None,
    result: str | None,
) -> None:
    row = session.get(JobRow, job_id)
    if row is not None:
        row.status, row.finished, row.error, row.result = status, finished, error, result


def get_job(session: Session, job_id: str) -> JobRow | None:
    return session.get(JobRow, job_id)
