"""Plan rows: each day's stored plan with the day's version it was made for (its basis)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from scheduler.storage.tables import ClockEventRow, PlanBaselineRow, PlanRow


def get(session: Session, workshop_id: str, date: dt.date) -> PlanRow | None:
    return session.get(PlanRow, (workshop_id, date))


def put(
    session: Session, workshop_id: str, date: dt.date, body: str, basis: str, as_of_event: int | None = None
) -> None:
    """Store the day's plan, replacing the one stored before (`as_of_event`: the newest clock event
    a live plan was re-planned from)."""
    row = get(session, workshop_id, date)
    if row is None:
        session.add(
            PlanRow(workshop_id=workshop_id, date=date, body=body, basis=basis, as_of_event=as_of_event)
        )
    else:
        row.body, row.basis, row.as_of_event = body, basis, as_of_event


def as_of_event(session: Session, workshop_id: str, date: dt.date) -> tuple[bool, int | None]:
    """Whether the day has a stored plan, and the newest clock event it was re-planned from."""
    found = session.execute(
        select(PlanRow.as_of_event).where(PlanRow.workshop_id == workshop_id, PlanRow.date == date)
    ).first()
    return (False, None) if found is None else (True, found[0])


def mark_live(session: Session, workshop_id: str, date: dt.date) -> None:
    """The day's stored plan becomes a live plan that predates its clock events (as of event 0),
    unless it already is one: the day's first event calls this in its own transaction, so a crash
    before its re-plan still leaves the stored plan known to lag.

    A plan already live, as this transaction read it (a clock event's read its plan row: `get`,
    no query again), is left as it is without an UPDATE that would match no row (~0.7 ms of each
    clock event, clock13-s45): the caller holds the workshop's lock (`Store.lock_workshop`), as
    every writer of a plan does, so no one changed it since."""
    row = get(session, workshop_id, date)
    if row is None or row.as_of_event is not None:
        return
    session.execute(
        update(PlanRow)
        .where(PlanRow.workshop_id == workshop_id, PlanRow.date == date, PlanRow.as_of_event.is_(None))
        .values(as_of_event=0)
    )


def dates(session: Session, workshop_id: str) -> set[dt.date]:
    """The days of the workshop with a stored plan."""
    return set(session.scalars(select(PlanRow.date).where(PlanRow.workshop_id == workshop_id)))


def lagging_live_plans(session: Session) -> list[tuple[str, dt.date]]:
    """(Workshop id, date) of every day with clock events whose live plan lags them: made from older
    clock events than its day's newest, or none stored (the day's first event re-plans a day nobody
    planned; a process gone before that re-plan left no plan at all: review-s46), as
    `LiveReplans.lag` counts a day lagging."""
    newest = (
        select(ClockEventRow.workshop_id, ClockEventRow.date, func.max(ClockEventRow.id).label("newest"))
        .group_by(ClockEventRow.workshop_id, ClockEventRow.date)
        .subquery()
    )
    rows = session.execute(
        select(newest.c.workshop_id, newest.c.date)
        .outerjoin(PlanRow, and_(PlanRow.workshop_id == newest.c.workshop_id, PlanRow.date == newest.c.date))
        .where(
            or_(
                PlanRow.workshop_id.is_(None),
                and_(PlanRow.as_of_event.is_not(None), PlanRow.as_of_event < newest.c.newest),
            )
        )
    ).all()
    return [(r[0], r[1]) for r in rows]


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
