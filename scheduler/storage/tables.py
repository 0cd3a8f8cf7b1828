"""The tables: workshops, accepted bookings with their witness placements, day plans, API keys,
web sign-ins and jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Dialect, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class Moment(TypeDecorator[dt.datetime]):
    """A moment, written in UTC: SQLite keeps no offset and every reader takes a stored moment as
    UTC, so one written on another offset (the workshop's clock: `bayplan serve --now …+08:00`)
    read back hours off. PostgreSQL's timestamptz stores the same instant either way."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC)
        return value


class Base(DeclarativeBase):
    pass


class WorkshopRow(Base):
    __tablename__ = "workshops"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(Moment)


class BookingRow(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("workshop_id", "key_id", "idempotency_key", name="uq_booking_idempotency_per_key"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    body: Mapped[str] = mapped_column(Text)
    witness: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """The API key that booked (None with keys off): idempotency keys are that key's own."""
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """SHA-256 of the booking request, so a reused idempotency key with another body is refused."""
    created_at: Mapped[dt.datetime] = mapped_column(Moment)


class CancelledBookingRow(Base):
    """A cancelled booking's idempotency key (a tombstone: its booking row is deleted), kept so
    that a retry of the request that made it is not booked again (review-s25). Only bookings made
    with a key leave one; no customer data is kept."""

    __tablename__ = "cancelled_bookings"
    __table_args__ = (
        UniqueConstraint("workshop_id", "key_id", "idempotency_key", name="uq_cancelled_idempotency_per_key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), index=True)
    booking_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cancelled_at: Mapped[dt.datetime] = mapped_column(Moment)


class CarriedDayRow(Base):
    """A later day that a multi-day booking's work carries over to: the booking's row is dated
    its drop-off day, and its witness holds the work of every day; this row lists it on the day."""

    __tablename__ = "carried_days"
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True, index=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(Moment)


class DayRevisionRow(Base):
    """A day's revision: bumped in the same transaction as every change of a booking the day's
    offers depend on (its own, multi-day work carried to it, a car promised or lent out on it from an
    earlier day: `bookings.days_touched`), so that a booking on another day leaves it as it was."""

    __tablename__ = "day_revisions"
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    workshops: Mapped[list[str]] = mapped_column(JSON)
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(Moment)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(Moment, nullable=True)
    technician_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """A technician key's technician: it clocks only as them."""


class SessionRow(Base):
    """A web sign-in: only a SHA-256 of the random session id in the cookie is stored."""

    __tablename__ = "sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(Moment)
    expires_at: Mapped[dt.datetime] = mapped_column(Moment)


class JobRow(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    workshop_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    owner: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    submitted: Mapped[dt.datetime] = mapped_column(Moment)
    finished: Mapped[dt.datetime | None] = mapped_column(Moment, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)


class PlanRow(Base):
    __tablename__ = "plans"
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The day's version the plan was made for (bookings and workshop): the plan is stale once it differs."""
    as_of_event: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The newest clock event of the day the live plan was re-planned from (0: the plan predates the
    day's events; None: a plan not kept live, or stored before plans recorded it)."""


class ClockEventRow(Base):
    """A shop-floor clock event (append-only: a correction is a new row naming the one it corrects)."""

    __tablename__ = "clock_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    booking_id: Mapped[str] = mapped_column(String(64))
    operation: Mapped[int] = mapped_column(Integer)
    technician: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    corrected_action: Mapped[str | None] = mapped_column(String(16), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(Moment)
    corrects: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(Moment)
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    asked_now: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """The moment its request was answered as of (`?now=`, as `clock_intake.answer_moment` takes
    it); None: not given (the shop floor's own moment, `live_now`). The live re-plan after it plans
    the rest of the day from it."""
    bay: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The bay the shop floor clocked the work in (a start or resume, or a correction of one, that
    named it: migration 0013); None: not named (every event before 0013), the live plan guesses it."""


class PromiseRiskRow(Base):
    """When a booking's projected end first went past its promise (cleared once it is back on time)."""

    __tablename__ = "promise_risks"
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), primary_key=True)
    booking_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[dt.datetime] = mapped_column(Moment)


class PromiseRiskSpellRow(Base):
    """A spell a booking was at risk that has ended (it went back on time): the open one is its
    PromiseRiskRow. `at_risk_since` is the start of the first spell."""

    __tablename__ = "promise_risk_spells"
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), primary_key=True)
    booking_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    since: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    until: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WorkshopVersionRow(Base):
    """Every text a workshop had: version 1 the first, the newest the current one (kept when
    replaced, so an older set-up stays readable)."""

    __tablename__ = "workshop_versions"
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(Moment)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)


class PlanBaselineRow(Base):
    """The day's stored plan as it stood when the day's first clock event came in (the live plan
    moves started work to its clocked times; plan adherence is measured against this one)."""

    __tablename__ = "plan_baselines"
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    taken_at: Mapped[dt.datetime] = mapped_column(Moment)
