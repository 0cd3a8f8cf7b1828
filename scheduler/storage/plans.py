"""Plan rows: each day's stored plan with the day's version it was made for (its basis)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.storage.tables import PlanBaselineRow, PlanRow


def get(session: Session, workshop_id: str, date: dt.date) -> PlanRow | None:
    return session.get(PlanRow, (workshop_id, date))


def put(session: Session, workshop_id: str, date: dt.date, body: str, basis: str) -> None:
    """Store the day's plan, replacing the one stored before."""
    row = get(session, workshop_id, date)
    if row is None:
        session.add(PlanRow(workshop_id=workshop_id, date=date, body=body, basis=basis))
    else:
        row.body, row.basis = body, basis


def dates(session: Session, workshop_id: str) -> set[dt.date]:
    """The days of the workshop with a stored plan."""
    return set(session.scalars(select(PlanRow.date).where(PlanRow.workshop_id == workshop_id)))


def keep_baseline(session: Session, workshop_id: str, date: dt.date, now: dt.datetime) -> None:
    """Keep the day's stored plan as its baseline, once (the first clock event of the day calls
    this before re-planning; a day without a stored plan keeps none)."""
    if session.get(PlanBaselineRow, (workshop_id, date)) is not None:
        return
    row = get(session, workshop_id, date)
    if row is not None:
        session.add(PlanBaselineRow(workshop_id=workshop_id, date=date, body=row.body, taken_at=now))


def baselines(session: Session, workshop_id: str, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """The baseline plans (JSON text) of the days `first`..`last`; days without one left out."""
    rows = session.scalars(
        select(PlanBaselineRow).where(
            PlanBaselineRow.workshop_id == workshop_id,
            PlanBaselineRow.date >= first,
            PlanBaselineRow.date <= last,
        )
    ).all()
    return {r.date: r.body for r in rows}
