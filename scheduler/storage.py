"""Persistence of workshops, accepted bookings with their witness placements, and day plans.

SQLAlchemy 2 on SQLite (WAL, the embedded default) or PostgreSQL; the schema is created and
upgraded by Alembic migrations in scheduler/migrations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
_READ = "bayplan_read_only"


class Base(DeclarativeBase):
    pass


class WorkshopRow(Base):
    __tablename__ = "workshops"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


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
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    workshops: Mapped[list[str]] = mapped_column(JSON)
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SessionRow(Base):
    """A web sign-in: only a SHA-256 of the random session id in the cookie is stored."""

    __tablename__ = "sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class JobRow(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    workshop_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    owner: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    submitted: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)


class PlanRow(Base):
    __tablename__ = "plans"
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The day's version the plan was made for (bookings and workshop): the plan is stale once it differs."""


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged booking survives a crash
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
        # Let SQLAlchemy's BEGIN below decide when the transaction starts.
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writes: IMMEDIATE takes the write lock at once, so check-then-insert is serialised across
        # processes. Reads: a deferred BEGIN (a WAL snapshot) never waits for the write lock.
        reading = connection.get_execution_options().get(_READ, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def migrate(url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            _sqlite_pragmas(self.engine)
        migrate(url)
        self.sessions = sessionmaker(self.engine.execution_options(**{_READ: True}), expire_on_commit=False)
        """Read sessions: they never write (on SQLite they do not take the write lock)."""
        self._writes = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction; on PostgreSQL the caller locks the workshop row."""
        with self._writes.begin() as session:
            yield session

    def lock_workshop(self, session: Session, workshop_id: str) -> WorkshopRow | None:
        statement = select(WorkshopRow).where(WorkshopRow.id == workshop_id)
        if self.engine.dialect.name != "sqlite":
            statement = statement.with_for_update()
        return session.scalars(statement).first()
