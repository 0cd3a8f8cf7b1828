"""Workshop rows: the workshop's JSON text and its revision (`updated_at`).

Every booking change bumps the revision under the workshop's lock (`touch`), so a day's version
(`bookings.day_version`) changes whenever its bookings or the workshop change.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.contract import Workshop
from scheduler.storage.tables import WorkshopRow


def add(session: Session, workshop_id: str, body: str, now: dt.datetime) -> None:
    session.add(WorkshopRow(id=workshop_id, body=body, updated_at=now))


def body(session: Session, workshop_id: str) -> str | None:
    """The workshop's stored JSON text (None for an unknown workshop)."""
    row = session.get(WorkshopRow, workshop_id)
    return None if row is None else row.body


def all_workshops(session: Session) -> list[Workshop]:
    rows = session.scalars(select(WorkshopRow).order_by(WorkshopRow.id)).all()
    return [Workshop.model_validate_json(r.body) for r in rows]


def touch(row: WorkshopRow, now: dt.datetime) -> None:
    """Bump the workshop's revision (strictly, even within one clock tick or under a fixed clock)."""
    previous = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=dt.UTC)
    row.updated_at = max(now, previous + dt.timedelta(microseconds=1))


def replace(row: WorkshopRow, body: str, now: dt.datetime) -> None:
    """A new text of the workshop: strictly a new revision."""
    row.body = body
    touch(row, now)
