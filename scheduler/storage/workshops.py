"""Workshop rows: the workshop's JSON text and its revision (`updated_at`), and every text it had
(`workshop_versions`: version 1 the first, the newest the current one).

Every booking change bumps the revision under the workshop's lock (`touch`): the parsed workshop
is re-read when it moves. A day's version (`bookings.day_version`) holds the workshop's newest
text version instead, and the day's own revision (`day_revisions`), so a booking on another day
leaves it as it was.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, object_session

from scheduler.contract import Workshop, stored_workshop
from scheduler.storage.tables import WorkshopRow, WorkshopVersionRow


def add(session: Session, workshop_id: str, body: str, now: dt.datetime, note: str | None = None) -> None:
    session.add(WorkshopRow(id=workshop_id, body=body, updated_at=now))
    session.flush()  # the version row refers to it
    _keep_version(session, workshop_id, body, now, note)


def _keep_version(session: Session, workshop_id: str, body: str, now: dt.datetime, note: str | None) -> int:
    latest = session.scalar(
        select(func.max(WorkshopVersionRow.version)).where(WorkshopVersionRow.workshop_id == workshop_id)
    )
    version = (latest or 0) + 1
    session.add(
        WorkshopVersionRow(workshop_id=workshop_id, version=version, body=body, created_at=now, note=note)
    )
    return version


def versions(session: Session, workshop_id: str) -> list[WorkshopVersionRow]:
    """The workshop's versions, oldest first."""
    return list(
        session.scalars(
            select(WorkshopVersionRow)
            .where(WorkshopVersionRow.workshop_id == workshop_id)
            .order_by(WorkshopVersionRow.version)
        ).all()
    )


def version(session: Session, workshop_id: str, number: int) -> WorkshopVersionRow | None:
    return session.get(WorkshopVersionRow, (workshop_id, number))


def body(session: Session, workshop_id: str) -> str | None:
    """The workshop's stored JSON text (None for an unknown workshop)."""
    row = session.get(WorkshopRow, workshop_id)
    return None if row is None else row.body


_REVISION = select(WorkshopRow.updated_at).where(WorkshopRow.id == bindparam("workshop_id"))


def revision(session: Session, workshop_id: str) -> dt.datetime | None:
    """The workshop's revision (`updated_at`: strictly bumped by every change of its text or its
    bookings), None for an unknown workshop. One small prepared statement: every request asks."""
    return session.execute(_REVISION, {"workshop_id": workshop_id}).scalar()


def all_workshops(session: Session) -> list[Workshop]:
    rows = session.scalars(select(WorkshopRow).order_by(WorkshopRow.id)).all()
    return [stored_workshop(r.body) for r in rows]


def touch(row: WorkshopRow, now: dt.datetime) -> None:
    """Bump the workshop's revision (strictly, even within one clock tick or under a fixed clock)."""
    previous = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=dt.UTC)
    row.updated_at = max(now, previous + dt.timedelta(microseconds=1))


def replace(row: WorkshopRow, body: str, now: dt.datetime, note: str | None = None) -> None:
    """A new text of the workshop: strictly a new revision, and a new version (the old kept)."""
    row.body = body
    touch(row, now)
    session = object_session(row)
    assert session is not None
    _keep_version(session, row.id, body, now, note)
