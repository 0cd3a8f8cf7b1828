"""Clock event rows (append-only) and the promise-risk rows (when a booking went at risk: its open
spell, and the spells that ended)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import DateTime, delete, func, null, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from scheduler.storage.tables import ClockEventRow, PromiseRiskRow, PromiseRiskSpellRow


class PlainEvent(NamedTuple):
    id: int
    date: dt.date
    booking_id: str
    operation: int
    technician: str
    action: str
    corrected_action: str | None
    at: dt.datetime
    corrects: int | None
    recorded_at: dt.datetime
    key_id: str | None
    bay: str | None = None
    """The bay clocked (None: not named)."""


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def _make_aware(row: ClockEventRow) -> None:
    """The row's instants with their zone, as loaded (not a change: a write transaction that reads
    the day's events does not write every one of them back)."""
    set_committed_value(row, "at", _aware(row.at))
    set_committed_value(row, "recorded_at", _aware(row.recorded_at))
    if row.asked_now is not None:
        set_committed_value(row, "asked_now", _aware(row.asked_now))


def clocked_since(session: Session, workshop_id: str, first: dt.date) -> list[tuple[str, str, dt.date]]:
    """(booking id, technician, date) of each pair the workshop's clock events name on `first` and
    after, once each."""
    rows = session.execute(
        select(ClockEventRow.booking_id, ClockEventRow.technician, ClockEventRow.date)
        .where(ClockEventRow.workshop_id == workshop_id, ClockEventRow.date >= first)
        .distinct()
        .order_by(ClockEventRow.date, ClockEventRow.booking_id, ClockEventRow.technician)
    ).all()
    return [(booking, technician, date) for booking, technician, date in rows]


def day_events(session: Session, workshop_id: str, date: dt.date) -> list[ClockEventRow]:
    """The day's events in the order they were recorded."""
    rows = session.scalars(
        select(ClockEventRow)
        .where(ClockEventRow.workshop_id == workshop_id, ClockEventRow.date == date)
        .order_by(ClockEventRow.id)
    ).all()
    for r in rows:
        _make_aware(r)
    return list(rows)


def day_ids(session: Session, workshop_id: str, date: dt.date) -> list[int]:
    """The ids of the day's events in the order they were recorded, rows not loaded: what a reader
    keeping the day's events checks its copy against (events are append-only and ids only grow, so
    an id read before is the same event; `plain_from` reads the others)."""
    return list(
        session.scalars(
            select(ClockEventRow.id)
            .where(ClockEventRow.workshop_id == workshop_id, ClockEventRow.date == date)
            .order_by(ClockEventRow.id)
        )
    )


def plain_from(session: Session, workshop_id: str, date: dt.date, first_id: int) -> list[PlainEvent]:
    """The day's events from id `first_id` on, as plain tuples (no ORM rows), in the order recorded."""
    rows = session.execute(
        select(*(getattr(ClockEventRow, c) for c in PlainEvent._fields))
        .where(
            ClockEventRow.workshop_id == workshop_id,
            ClockEventRow.date == date,
            ClockEventRow.id >= first_id,
        )
        .order_by(ClockEventRow.id)
    ).all()
    return [PlainEvent(*r)._replace(at=_aware(r.at), recorded_at=_aware(r.recorded_at)) for r in rows]


def clocked_days(session: Session, workshop_id: str, booking_id: str) -> dict[dt.date, int]:
    """The days a booking's work was clocked on, each with the highest operation clocked that day
    (in the day's numbering: a multi-day repair's share of the day counts its operations from 0)."""
    rows = session.execute(
        select(ClockEventRow.date, func.max(ClockEventRow.operation))
        .where(ClockEventRow.workshop_id == workshop_id, ClockEventRow.booking_id == booking_id)
        .group_by(ClockEventRow.date)
    ).all()
    return {date: operation for date, operation in rows}


def first_clocked(session: Session, workshop_id: str, booking_id: str) -> dt.datetime | None:
    """The earliest moment any clock event of the booking names (its corrections' too: never later
    than the first work clocked on it); None: none clocked."""
    first = session.execute(
        select(func.min(ClockEventRow.at)).where(
            ClockEventRow.workshop_id == workshop_id, ClockEventRow.booking_id == booking_id
        )
    ).scalar_one_or_none()
    return None if first is None else _aware(first)


def first_clocked_operations(
    session: Session, workshop_id: str, booking_id: str
) -> list[tuple[dt.date, int, dt.datetime]]:
    """(date, operation in the day's numbering, earliest moment) of each operation of the booking
    its clock events name (corrections too: never later than the first work clocked on it), by
    date and operation."""
    rows = session.execute(
        select(ClockEventRow.date, ClockEventRow.operation, func.min(ClockEventRow.at))
        .where(ClockEventRow.workshop_id == workshop_id, ClockEventRow.booking_id == booking_id)
        .group_by(ClockEventRow.date, ClockEventRow.operation)
        .order_by(ClockEventRow.date, ClockEventRow.operation)
    ).all()
    return [(date, operation, _aware(at)) for date, operation, at in rows]


def get(session: Session, workshop_id: str, event_id: int) -> ClockEventRow | None:
    """The workshop's event `event_id` (None: no such event, or another workshop's)."""
    row = session.get(ClockEventRow, event_id)
    return row if row is not None and row.workshop_id == workshop_id else None


def has_events(session: Session, workshop_id: str, date: dt.date) -> bool:
    return (
        session.scalars(
            select(ClockEventRow.id).where(
                ClockEventRow.workshop_id == workshop_id, ClockEventRow.date == date
            )
        ).first()
        is not None
    )


def by_idempotency_key(
    session: Session, workshop_id: str, key_id: str | None, idempotency_key: str
) -> ClockEventRow | None:
    row = session.scalars(
        select(ClockEventRow).where(
            ClockEventRow.workshop_id == workshop_id,
            ClockEventRow.key_id.is_(None) if key_id is None else ClockEventRow.key_id == key_id,
            ClockEventRow.idempotency_key == idempotency_key,
        )
    ).first()
    if row is not None:
        _make_aware(row)
    return row


def new_event(
    workshop_id: str,
    *,
    date: dt.date,
    booking_id: str,
    operation: int,
    technician: str,
    action: str,
    corrected_action: str | None,
    at: dt.datetime,
    corrects: int | None,
    recorded_at: dt.datetime,
    key_id: str | None,
    idempotency_key: str | None,
    request_hash: str | None,
    asked_now: dt.datetime | None,
    bay: str | None = None,
) -> ClockEventRow:
    """An event's row, not stored yet (no id: `add` stores it and the database gives it one)."""
    return ClockEventRow(
        workshop_id=workshop_id, date=date, booking_id=booking_id, operation=operation, technician=technician,
        action=action, corrected_action=corrected_action, at=at, corrects=corrects, recorded_at=recorded_at,
        key_id=key_id, idempotency_key=idempotency_key, request_hash=request_hash, asked_now=asked_now,
        bay=bay,
    )  # fmt: skip


def plain(row: ClockEventRow, event_id: int | None = None) -> PlainEvent:
    """The row as a plain event (`event_id`: under that id instead, e.g. an event being checked
    before it is stored, placed after every stored one)."""
    return PlainEvent(
        row.id if event_id is None else event_id, row.date, row.booking_id, row.operation, row.technician,
        row.action, row.corrected_action, row.at, row.corrects, row.recorded_at, row.key_id, row.bay,
    )  # fmt: skip


def add(session: Session, row: ClockEventRow) -> ClockEventRow:
    """Store an event; times in UTC (SQLite keeps no offset)."""
    row.at, row.recorded_at = row.at.astimezone(dt.UTC), row.recorded_at.astimezone(dt.UTC)
    if row.asked_now is not None:
        row.asked_now = row.asked_now.astimezone(dt.UTC)
    session.add(row)
    session.flush()  # gives the row its id
    return row


def risks(session: Session, workshop_id: str, booking_ids: list[str]) -> dict[str, dt.datetime]:
    """When each of `booking_ids` went at risk (those not at risk are left out)."""
    rows = session.scalars(
        select(PromiseRiskRow).where(
            PromiseRiskRow.workshop_id == workshop_id, PromiseRiskRow.booking_id.in_(booking_ids)
        )
    ).all()
    return {r.booking_id: _aware(r.since) for r in rows}


Spell = tuple[dt.datetime, dt.datetime | None]
"""A spell at risk: (from, to); to None while it lasts."""


def spells(session: Session, workshop_id: str, booking_ids: list[str]) -> dict[str, list[Spell]]:
    """Every spell at risk of each of `booking_ids` (those never at risk are left out), oldest first:
    the ended ones, then the open one (to None) if it is at risk still. One query (a status reads it
    at each poll)."""
    ended = select(
        PromiseRiskSpellRow.booking_id, PromiseRiskSpellRow.since, PromiseRiskSpellRow.until
    ).where(PromiseRiskSpellRow.workshop_id == workshop_id, PromiseRiskSpellRow.booking_id.in_(booking_ids))
    open_ = select(
        PromiseRiskRow.booking_id, PromiseRiskRow.since, null().cast(DateTime(timezone=True)).label("until")
    ).where(PromiseRiskRow.workshop_id == workshop_id, PromiseRiskRow.booking_id.in_(booking_ids))
    found: dict[str, list[Spell]] = {}
    for booking_id, since, until in session.execute(union_all(ended, open_)).all():
        found.setdefault(booking_id, []).append((_aware(since), None if until is None else _aware(until)))
    for listed in found.values():
        listed.sort(key=lambda spell: (spell[1] is None, spell[0]))  # the open one last
    return found


class RiskUpdate(NamedTuple):
    since: dict[str, dt.datetime]
    """When each booking at risk went at risk (its open spell)."""
    new: frozenset[str]
    """The bookings this update found newly at risk (another update at the same time sees none of them)."""


def set_risks(session: Session, workshop_id: str, at_risk: dict[str, bool], now: dt.datetime) -> RiskUpdate:
    """Record the moment each booking went at risk (its open spell); once it is back on time, the
    spell ends at `now` and is kept (`spells`).

    A re-plan's status and a poll's may write at once: the insert skips a row the other has just
    written (the first moment stays) and the delete counts no rows, so neither fails the other (the
    spell ended by the one whose delete returned it)."""
    back_on_time = [booking_id for booking_id, risky in at_risk.items() if not risky]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    if back_on_time:
        ended = session.execute(
            delete(PromiseRiskRow)
            .where(PromiseRiskRow.workshop_id == workshop_id, PromiseRiskRow.booking_id.in_(back_on_time))
            .returning(PromiseRiskRow.booking_id, PromiseRiskRow.since)
        ).all()
        if ended:
            session.execute(
                insert(PromiseRiskSpellRow)
                .values(
                    [
                        {
                            "workshop_id": workshop_id,
                            "booking_id": booking_id,
                            "since": _aware(since),
                            "until": max(now.astimezone(dt.UTC), _aware(since)),
                        }
                        for booking_id, since in ended
                    ]
                )
                .on_conflict_do_nothing()
            )
    risky = [booking_id for booking_id, r in at_risk.items() if r]
    new: frozenset[str] = frozenset()
    if risky:
        since = now.astimezone(dt.UTC)
        inserted = session.scalars(
            insert(PromiseRiskRow)
            .values([{"workshop_id": workshop_id, "booking_id": b, "since": since} for b in risky])
            .on_conflict_do_nothing()
            .returning(PromiseRiskRow.booking_id)
        )
        new = frozenset(inserted)
    return RiskUpdate(risks(session, workshop_id, risky), new)


def between(
    session: Session, workshop_id: str, first: dt.date | None, last: dt.date | None
) -> list[ClockEventRow]:
    """The workshop's events dated `first`..`last` (both included; None: open), by date and then in
    the order they were recorded. Read only."""
    statement = select(ClockEventRow).where(ClockEventRow.workshop_id == workshop_id)
    if first is not None:
        statement = statement.where(ClockEventRow.date >= first)
    if last is not None:
        statement = statement.where(ClockEventRow.date <= last)
    rows = session.scalars(statement.order_by(ClockEventRow.date, ClockEventRow.id)).all()
    for r in rows:
        _make_aware(r)
    return list(rows)


def plain_between(session: Session, workshop_id: str, first: dt.date, last: dt.date) -> list[PlainEvent]:
    """The workshop's events dated `first`..`last` as plain tuples (no ORM objects: many
    thousand are read at once to learn from), by date and then id; times aware (UTC)."""
    rows = session.execute(
        select(*(getattr(ClockEventRow, c) for c in PlainEvent._fields))
        .where(
            ClockEventRow.workshop_id == workshop_id, ClockEventRow.date >= first, ClockEventRow.date <= last
        )
        .order_by(ClockEventRow.date, ClockEventRow.id)
    ).all()
    return [PlainEvent(*r)._replace(at=_aware(r.at), recorded_at=_aware(r.recorded_at)) for r in rows]


def newest_id(session: Session, workshop_id: str, first: dt.date, last: dt.date) -> int | None:
    """The newest id of the workshop's events dated `first`..`last` (None: none): it changes
    whenever one is added there, since events are append-only and ids only grow. Read from the
    newest id down, so it stops at once when recent events are in the range (or just after today's)."""
    return session.scalars(
        select(ClockEventRow.id)
        .where(
            ClockEventRow.workshop_id == workshop_id, ClockEventRow.date >= first, ClockEventRow.date <= last
        )
        .order_by(ClockEventRow.id.desc())
        .limit(1)
    ).first()


def day_revisions(
    session: Session, workshop_id: str, first: dt.date, last: dt.date
) -> dict[dt.date, tuple[int, int]]:
    """Each day of `first`..`last` with events: (how many, the newest id); a day's changes
    whenever an event (or a correction) is added to it."""
    rows = session.execute(
        select(ClockEventRow.date, func.count(ClockEventRow.id), func.max(ClockEventRow.id))
        .where(
            ClockEventRow.workshop_id == workshop_id, ClockEventRow.date >= first, ClockEventRow.date <= last
        )
        .group_by(ClockEventRow.date)
    ).all()
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def plain_on(session: Session, workshop_id: str, dates: list[dt.date]) -> list[PlainEvent]:
    """The workshop's events of `dates` as plain tuples, by date and then id."""
    rows = session.execute(
        select(*(getattr(ClockEventRow, c) for c in PlainEvent._fields))
        .where(ClockEventRow.workshop_id == workshop_id, ClockEventRow.date.in_(dates))
        .order_by(ClockEventRow.date, ClockEventRow.id)
    ).all()
    return [PlainEvent(*r)._replace(at=_aware(r.at), recorded_at=_aware(r.recorded_at)) for r in rows]


def recent_days(session: Session, count: int) -> list[tuple[str, dt.date]]:
    """(Workshop id, date) of the `count` days with the newest clock events, newest first."""
    rows = session.execute(
        select(ClockEventRow.workshop_id, ClockEventRow.date, func.max(ClockEventRow.id).label("newest"))
        .group_by(ClockEventRow.workshop_id, ClockEventRow.date)
        .order_by(func.max(ClockEventRow.id).desc())
        .limit(count)
    ).all()
    return [(r[0], r[1]) for r in rows]
