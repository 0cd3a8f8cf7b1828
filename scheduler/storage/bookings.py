"""Booking rows: each accepted booking (JSON text) with its witness placements and idempotency key."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction, object_session

from scheduler.contract import STORED_CONTEXT, Assignment, Booking
from scheduler.storage.tables import (
    BookingRow,
    CancelledBookingRow,
    CarriedDayRow,
    DayRevisionRow,
    WorkshopVersionRow,
)

Accepted = tuple[Booking, list[Assignment]]
"""A booking with its witness placements (empty for a booking at risk)."""


def _witness_json(assignments: Sequence[Assignment]) -> list[dict[str, object]]:
    return [json.loads(a.model_dump_json()) for a in assignments]


def booking_of(row: BookingRow) -> Booking:
    return Booking.model_validate_json(row.body, context=STORED_CONTEXT)


def accepted_of(row: BookingRow) -> Accepted:
    return booking_of(row), [Assignment.model_validate(a) for a in row.witness]


def get(session: Session, workshop_id: str, booking_id: str) -> BookingRow | None:
    """The workshop's booking (None if unknown, or another workshop's)."""
    row = session.get(BookingRow, booking_id)
    return None if row is None or row.workshop_id != workshop_id else row


def by_idempotency_key(
    session: Session, workshop_id: str, key_id: str | None, idempotency_key: str
) -> BookingRow | None:
    """The booking made with `idempotency_key` by API key `key_id` (None: keys off)."""
    return session.scalars(
        select(BookingRow).where(
            BookingRow.workshop_id == workshop_id,
            BookingRow.key_id.is_(None) if key_id is None else BookingRow.key_id == key_id,
            BookingRow.idempotency_key == idempotency_key,
        )
    ).first()


def cancelled_by_idempotency_key(
    session: Session, workshop_id: str, key_id: str | None, idempotency_key: str
) -> CancelledBookingRow | None:
    """The tombstone of the cancelled booking made with `idempotency_key` by API key `key_id`."""
    return session.scalars(
        select(CancelledBookingRow).where(
            CancelledBookingRow.workshop_id == workshop_id,
            CancelledBookingRow.key_id.is_(None) if key_id is None else CancelledBookingRow.key_id == key_id,
            CancelledBookingRow.idempotency_key == idempotency_key,
        )
    ).first()


def day_bookings(session: Session, workshop_id: str, date: dt.date) -> list[Booking]:
    """The day's bookings in the order they were made."""
    rows = session.scalars(
        select(BookingRow)
        .where(BookingRow.workshop_id == workshop_id, BookingRow.date == date)
        .order_by(BookingRow.created_at)
    ).all()
    return [booking_of(r) for r in rows]


def day_accepted(session: Session, workshop_id: str, date: dt.date) -> list[Accepted]:
    """The day's bookings with their witness, in the order they were made."""
    rows = session.scalars(
        select(BookingRow)
        .where(BookingRow.workshop_id == workshop_id, BookingRow.date == date)
        .order_by(BookingRow.created_at)
    ).all()
    return [accepted_of(r) for r in rows]


def loan_car_out_before(session: Session, workshop_id: str, date: dt.date, moment: dt.datetime) -> bool:
    """Does a booking of `date` (dropped off that day) with a loan car have its drop-off before
    `moment`? One query of the day's rows, their JSON read for two fields (no model)."""
    for body in session.scalars(
        select(BookingRow.body).where(BookingRow.workshop_id == workshop_id, BookingRow.date == date)
    ):
        fields = json.loads(body)
        if fields.get("loan_car") and dt.datetime.fromisoformat(fields["drop_off"]) < moment:
            return True
    return False


def carried_into(session: Session, workshop_id: str, date: dt.date) -> list[Accepted]:
    """The multi-day bookings of earlier days whose work carries over to `date`, with their
    witness (the work of every day)."""
    rows = session.scalars(
        select(BookingRow)
        .join(CarriedDayRow, CarriedDayRow.booking_id == BookingRow.id)
        .where(CarriedDayRow.workshop_id == workshop_id, CarriedDayRow.date == date)
    ).all()
    return [accepted_of(r) for r in rows]


PICKUP_LOOKBACK_DAYS = 14
"""How far before a day `promised_on` looks for the last work day of a car promised on it: the
desk's closed days between a car's last work day and its pickup (a holiday week) stay below it."""


def promised_on(session: Session, workshop_id: str, date: dt.date, zone: ZoneInfo) -> list[Booking]:
    """The bookings dropped off before `date` whose promised pickup falls on it (in `zone`), and
    that have no work carried over to it: work ready after the desk closed on an earlier day, the
    morning after a multi-day repair's last day. Each has a work day (its drop-off or a carried
    day) within `PICKUP_LOOKBACK_DAYS` before `date`; by promised pickup, then drop-off."""
    earlier = _from_earlier(session, workshop_id, date)
    found = [booking_of(r) for r, p in earlier if p.astimezone(zone).date() == date]
    found.sort(key=lambda b: (b.promised, b.drop_off, b.id))
    return found


def loan_cars_around(session: Session, workshop_id: str, date: dt.date, zone: ZoneInfo) -> list[Booking]:
    """The loan-car bookings dropped off before `date`, with no work carried over to it, whose car
    may be out on it: promised on it or later (in `zone`), or at risk, whose work may overrun its
    promise into it (`PlanningService._cars_out` tells); same look-back as `promised_on`; by
    drop-off."""
    start = dt.datetime.combine(date, dt.time(0), tzinfo=zone)
    found = [
        booking
        for row, promised in _from_earlier(session, workshop_id, date)
        # the stored JSON looked at first: most bookings are not at risk
        if (promised > start or '"at_risk":true' in row.body) and (booking := booking_of(row)).loan_car
    ]
    found.sort(key=lambda b: (b.drop_off, b.id))
    return found


def _from_earlier(session: Session, workshop_id: str, date: dt.date) -> list[tuple[BookingRow, dt.datetime]]:
    """The bookings with a work day within PICKUP_LOOKBACK_DAYS before `date`, dropped off before
    it, with no work carried over to it, that have a promised pickup: each row with its promise."""
    first = date - dt.timedelta(days=PICKUP_LOOKBACK_DAYS)
    carried_here = select(CarriedDayRow.booking_id).where(
        CarriedDayRow.workshop_id == workshop_id, CarriedDayRow.date == date
    )
    carried_recently = select(CarriedDayRow.booking_id).where(
        CarriedDayRow.workshop_id == workshop_id, CarriedDayRow.date >= first, CarriedDayRow.date < date
    )
    rows = session.scalars(
        select(BookingRow).where(
            BookingRow.workshop_id == workshop_id,
            BookingRow.date < date,
            (BookingRow.date >= first) | BookingRow.id.in_(carried_recently),
            BookingRow.id.not_in(carried_here),
        )
    ).all()
    promises = ((row, json.loads(row.body).get("promised")) for row in rows)  # cheaper than the model
    return [(row, dt.datetime.fromisoformat(p)) for row, p in promises if p]


def carries_into(session: Session, booking_id: str, date: dt.date) -> bool:
    """Does the multi-day booking's work carry over to `date` (a later day than its drop-off)?"""
    return session.get(CarriedDayRow, (booking_id, date)) is not None


def carried_from(session: Session, workshop_id: str, first: dt.date) -> list[tuple[dt.date, BookingRow]]:
    """The later days, `first` and after, that multi-day bookings carry over to, with their rows."""
    rows = session.execute(
        select(CarriedDayRow.date, BookingRow)
        .join(BookingRow, CarriedDayRow.booking_id == BookingRow.id)
        .where(CarriedDayRow.workshop_id == workshop_id, CarriedDayRow.date >= first)
        .order_by(CarriedDayRow.date, BookingRow.created_at)
    ).all()
    return [(date, row) for date, row in rows]


def from_date(session: Session, workshop_id: str, first: dt.date) -> Sequence[BookingRow]:
    """The workshop's bookings on `first` and later, by date and then in the order they were made."""
    return session.scalars(
        select(BookingRow)
        .where(BookingRow.workshop_id == workshop_id, BookingRow.date >= first)
        .order_by(BookingRow.date, BookingRow.created_at)
    ).all()


def count_by_date(session: Session, workshop_id: str) -> dict[dt.date, int]:
    """How many bookings each day of the workshop has (days with none are left out)."""
    return dict(
        session.execute(
            select(BookingRow.date, func.count(BookingRow.id))
            .where(BookingRow.workshop_id == workshop_id)
            .group_by(BookingRow.date)
        ).all()
    )


_MINE = (BookingRow.workshop_id == bindparam("workshop_id"), BookingRow.date == bindparam("date"))
_CARRIED_HERE = (
    CarriedDayRow.workshop_id == bindparam("workshop_id"),
    CarriedDayRow.date == bindparam("date"),
)
_DAY_VERSION = select(
    select(func.count(BookingRow.id)).where(*_MINE).scalar_subquery(),
    select(func.max(BookingRow.created_at)).where(*_MINE).scalar_subquery(),
    select(func.max(WorkshopVersionRow.version))
    .where(WorkshopVersionRow.workshop_id == bindparam("workshop_id"))
    .scalar_subquery(),
    select(DayRevisionRow.revision)
    .where(DayRevisionRow.workshop_id == bindparam("workshop_id"), DayRevisionRow.date == bindparam("date"))
    .scalar_subquery(),
    select(func.count(CarriedDayRow.booking_id)).where(*_CARRIED_HERE).scalar_subquery(),
    select(func.max(CarriedDayRow.created_at)).where(*_CARRIED_HERE).scalar_subquery(),
)
"""`day_version`'s one statement, built once: a statement made per call cost its construction and
cache key (about 0.5 ms of CPU, a quarter of a cached slot query's)."""


def day_version(session: Session, workshop_id: str, date: dt.date) -> tuple[object, ...]:
    """Changes whenever the day's bookings or the workshop's text change: the workshop's newest
    text version (every PUT and labour-times apply keeps one) and the day's revision, which every
    change of a booking the day depends on bumps in its transaction (`days_touched`); a booking
    on another day that does not touch it leaves it as it was (issue 16)."""
    # One statement (every slot query and booking asks): the day's bookings, the workshop's
    # text version, the day's revision and the multi-day work carried over to the day.
    count, latest, text, revision, carried, carried_latest = session.execute(
        _DAY_VERSION, {"workshop_id": workshop_id, "date": date}
    ).one()
    if carried:  # multi-day work carried over to the day (none: the version stays as it was)
        return (count, latest, text, revision, carried, carried_latest)
    return (count, latest, text, revision)


_EARLIEST_DAY_END = dt.timedelta(hours=10)
"""A local day ends no earlier than 10:00 UTC (UTC+14): a promise after it may fall on a later
local day, whatever the workshop's zone (storage does not know it)."""


def days_touched(
    session: Session, row: BookingRow, body: str | None = None, stored: set[dt.date] | None = None
) -> set[dt.date]:
    """The days whose offers a change of the booking in `row` may change: its day, the days its
    work carries over to (stored, or pending in this session), and, for a booking whose car may
    be out or picked up on a later day (a loan car, at risk, or promised after its day may end),
    every day up to `PICKUP_LOOKBACK_DAYS` after its last work day (`promised_on`,
    `loan_cars_around`, `PlanningService._cars_out` look that far back). `body`: the row's text
    to read instead of its current one (the text a change replaced); `stored`: its stored
    carried days, if already read (`_carried_days`)."""
    if stored is None:
        stored = _carried_days(session, [row.id]).get(row.id, set())
    pending = {c.date for c in session.new if isinstance(c, CarriedDayRow) and c.booking_id == row.id}
    days = {row.date} | stored | pending
    fields = json.loads(body or row.body)
    promised = fields.get("promised")
    later = (
        bool(fields.get("loan_car"))
        or bool(fields.get("at_risk"))
        or (
            promised is not None
            and dt.datetime.fromisoformat(promised)
            > dt.datetime.combine(row.date, dt.time(0), tzinfo=dt.UTC) + _EARLIEST_DAY_END
        )
    )
    if later:
        last = max(days)
        span = (last - row.date).days + PICKUP_LOOKBACK_DAYS
        days |= {row.date + dt.timedelta(days=n) for n in range(1, span + 1)}
    return days


def bump_days(session: Session, workshop_id: str, dates: set[dt.date]) -> None:
    """Bump the revision of each of the workshop's `dates` (an upsert each, on the session's
    connection: no flush, so it may run while one is under way)."""
    if not dates:
        return
    connection = session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    rows = [{"workshop_id": workshop_id, "date": d, "revision": 1} for d in sorted(dates)]
    insert = dialect.insert(DayRevisionRow)
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=[DayRevisionRow.workshop_id, DayRevisionRow.date],
            set_={"revision": DayRevisionRow.revision + 1},
        ),
        rows,
    )


def _carried_days(session: Session, booking_ids: list[str]) -> dict[str, set[dt.date]]:
    """The stored days each of the bookings' work carries over to (one query, no flush)."""
    found: dict[str, set[dt.date]] = {}
    if not booking_ids:
        return found
    with session.no_autoflush:
        rows = session.execute(
            select(CarriedDayRow.booking_id, CarriedDayRow.date).where(
                CarriedDayRow.booking_id.in_(booking_ids)
            )
        ).all()
    for booking_id, date in rows:
        found.setdefault(booking_id, set()).add(date)
    return found


@event.listens_for(Session, "before_flush")
def _bump_touched_days(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Every booking row added, changed or deleted, and every day multi-day work is newly listed
    on, bumps the revisions of the days it touches, in the flush's transaction."""
    touched: dict[str, set[dt.date]] = {}
    rows: dict[int, BookingRow] = {}  # by object: a row deleted and its id's new one are two
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, BookingRow):
            rows[id(obj)] = obj
        elif isinstance(obj, CarriedDayRow):
            touched.setdefault(obj.workshop_id, set()).add(obj.date)
            with session.no_autoflush:  # its booking's span reaches past its last work day
                booking = session.get(BookingRow, obj.booking_id)
            if booking is not None:
                rows[id(booking)] = booking
    # One query for the carried days of them all: a booking moves many of the day's bookings.
    carried = _carried_days(session, sorted({row.id for row in rows.values()}))
    for row in rows.values():
        days = touched.setdefault(row.workshop_id, set())
        stored = carried.get(row.id, set())
        days.update(days_touched(session, row, stored=stored))
        for replaced in inspect(row).attrs.body.history.deleted:  # the text it had: its days too
            days.update(days_touched(session, row, replaced, stored))
    for workshop_id, dates in touched.items():
        bump_days(session, workshop_id, dates)


def add(
    session: Session,
    workshop_id: str,
    date: dt.date,
    booking: Booking,
    witness: Sequence[Assignment],
    idempotency: tuple[str | None, str | None, str | None],
    created_at: dt.datetime,
    tz: str | None = None,
    days: Sequence[dt.date] = (),
) -> None:
    """Store an accepted booking. `idempotency`: (key, API key id, request hash). Its work on
    days after `date` (multi-day work, in the workshop's time zone `tz`) is listed on those days too,
    and so is every other day of `days` after `date` (the days multi-day work touches: a day the
    vehicle is held before its work starts, scheduler.multiday)."""
    idempotency_key, key_id, request_hash = idempotency
    session.add(
        BookingRow(
            id=booking.id,
            workshop_id=workshop_id,
            date=date,
            body=booking.model_dump_json(),
            witness=_witness_json(witness),
            idempotency_key=idempotency_key,
            key_id=key_id,
            request_hash=request_hash,
            created_at=created_at,
        )
    )
    worked = {a.start.astimezone(ZoneInfo(tz)).date() for a in witness} if tz else set()
    later = sorted((worked | {d for d in days if d > date}) - {date}) if worked else []
    if later:
        session.flush()  # the booking row first: the carried days refer to it
    for day in later:
        row = CarriedDayRow(booking_id=booking.id, date=day, workshop_id=workshop_id, created_at=created_at)
        session.add(row)


def idempotency_of(row: BookingRow) -> tuple[str | None, str | None, str | None]:
    return row.idempotency_key, row.key_id, row.request_hash


def remove(session: Session, row: BookingRow) -> None:
    bump_days(session, row.workshop_id, days_touched(session, row))  # before its carried days go
    session.execute(delete(CarriedDayRow).where(CarriedDayRow.booking_id == row.id))
    session.delete(row)


def cancel(session: Session, row: BookingRow, at: dt.datetime) -> None:
    """Remove a cancelled booking; its idempotency key, if it had one, stays used (a tombstone), in
    the same transaction."""
    if row.idempotency_key is not None:
        session.add(
            CancelledBookingRow(
                workshop_id=row.workshop_id,
                booking_id=row.id,
                idempotency_key=row.idempotency_key,
                key_id=row.key_id,
                request_hash=row.request_hash,
                cancelled_at=at,
            )
        )
    remove(session, row)


def rewitness_day(
    session: Session, workshop_id: str, date: dt.date, witness: Mapping[str, Sequence[Assignment]]
) -> None:
    """Give the day's bookings named in `witness` that new witness (the others keep theirs)."""
    rows = session.scalars(
        select(BookingRow).where(BookingRow.workshop_id == workshop_id, BookingRow.date == date)
    ).all()
    for other in rows:
        moved = witness.get(other.id)
        if moved is not None:  # bookings at risk have no witness to move
            other.witness = _witness_json(moved)


def set_details(row: BookingRow, booking: Booking) -> None:
    """The booking's body replaced (details that take no room): its day, witness and key stay."""
    row.body = booking.model_dump_json()


def mark_at_risk(row: BookingRow, reason: str) -> None:
    """The booking stays, at risk: its witness dropped, the reason on the booking."""
    booking = booking_of(row)
    row.body = booking.model_copy(update={"at_risk": True, "at_risk_reason": reason}).model_dump_json()
    row.witness = []
    session = object_session(row)
    if session is not None:  # without a witness it holds no room on the days it carried over to
        bump_days(session, row.workshop_id, days_touched(session, row))
        session.execute(delete(CarriedDayRow).where(CarriedDayRow.booking_id == row.id))


def between(session: Session, workshop_id: str, first: dt.date | None, last: dt.date | None) -> list[Booking]:
    """The workshop's bookings dated `first`..`last` (both included; None: open), by date and then
    in the order they were made. Read only."""
    statement = select(BookingRow).where(BookingRow.workshop_id == workshop_id)
    if first is not None:
        statement = statement.where(BookingRow.date >= first)
    if last is not None:
        statement = statement.where(BookingRow.date <= last)
    rows = session.scalars(statement.order_by(BookingRow.date, BookingRow.created_at)).all()
    return [booking_of(r) for r in rows]


def services_on(session: Session, workshop_id: str, dates: list[dt.date]) -> dict[str, str]:
    """Booking id → service code of the workshop's bookings on `dates` (read only; the JSON text is
    not validated: what learning from many days needs, fast)."""
    rows = session.execute(
        select(BookingRow.id, BookingRow.body).where(
            BookingRow.workshop_id == workshop_id, BookingRow.date.in_(dates)
        )
    ).all()
    return {r[0]: str(json.loads(r[1])["service"]) for r in rows}
