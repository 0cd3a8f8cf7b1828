"""A cancelled booking's idempotency key kept as a tombstone (migration 0012), on SQLite and
PostgreSQL: the migration keeps every booking both ways, and the cancel writes its tombstone in the
transaction that deletes the booking."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from scheduler.contract import Booking
from scheduler.errors import CancelledReplay, InputError
from scheduler.storage import MIGRATIONS
from scheduler.storage import bookings as bookings_db
from tests.builders import NOW
from tests.scheduler.test_service import _service


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migration_0012_keeps_every_booking_and_a_cancel_after_it_keeps_the_key(db_url: str) -> None:
    service, workshop = _service(db_url)
    drop = dt.datetime(2026, 11, 24, 8, tzinfo=workshop.tz)
    made, _ = service.book(workshop.id, Booking(id="b1", service="MAINT", drop_off=drop), "z1", "k1")
    service.store.engine.dispose()  # no session holds the table the downgrade drops
    command.downgrade(_config(db_url), "0011")
    assert "cancelled_bookings" not in _tables(db_url)
    assert [b.id for b in service.bookings(workshop.id, drop.date())] == ["b1"]  # kept
    command.upgrade(_config(db_url), "head")
    assert "cancelled_bookings" in _tables(db_url)
    assert service.book(workshop.id, made.model_copy(update={"id": "b2"}), "z1", "k1") == (made, False)
    service.cancel(workshop.id, "b1")
    with service.store.sessions() as session:
        assert bookings_db.get(session, workshop.id, "b1") is None
        gone = bookings_db.cancelled_by_idempotency_key(session, workshop.id, "k1", "z1")
        assert gone is not None and gone.booking_id == "b1" and gone.request_hash is not None
        assert gone.cancelled_at.replace(tzinfo=gone.cancelled_at.tzinfo or dt.UTC) == NOW
        assert bookings_db.cancelled_by_idempotency_key(session, workshop.id, "other-key", "z1") is None
    with pytest.raises(CancelledReplay) as replay:
        service.book(workshop.id, made.model_copy(update={"id": "b3"}), "z1", "k1")
    assert replay.value.booking_id == "b1" and replay.value.cancelled_at == NOW
    with pytest.raises(InputError):  # another request under the key: the reused key's 422
        service.book(workshop.id, made.model_copy(update={"id": "b3", "waiter": True}), "z1", "k1")
    assert service.bookings(workshop.id, drop.date()) == []
    # The key is the API key's own: another API key's z1 books.
    assert service.book(workshop.id, made.model_copy(update={"id": "b4"}), "z1", "k2")[1] is True


def test_a_booking_without_a_key_leaves_no_tombstone(db_url: str) -> None:
    service, workshop = _service(db_url)
    drop = dt.datetime(2026, 11, 24, 8, tzinfo=workshop.tz)
    service.book(workshop.id, Booking(id="b1", service="MAINT", drop_off=drop), None)
    service.cancel(workshop.id, "b1")
    with service.store.sessions() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM cancelled_bookings")) == 0


def test_loan_car_out_before_reads_the_days_own_loan_car_drop_offs(db_url: str) -> None:
    """loanrev-s27: whether a booking of the day with a loan car was dropped off before a moment
    (the later-day check of a loan car out past its drop-off day reads a day only then)."""
    service, workshop = _service(db_url)
    workshop = workshop.model_copy(update={"loan_cars": 2})
    service.put_workshop(workshop)
    day = NOW.date() + dt.timedelta(days=1)
    nine = dt.datetime.combine(day, dt.time(9), tzinfo=workshop.tz)
    service.book(workshop.id, Booking(id="car", service="MAINT", drop_off=nine, loan_car=True), None)
    service.book(
        workshop.id, Booking(id="none", service="MAINT", drop_off=nine - dt.timedelta(hours=1)), None
    )
    try:
        with service.store.sessions() as session:

            def out(date: dt.date, moment: dt.datetime) -> bool:
                return bookings_db.loan_car_out_before(session, workshop.id, date, moment)

            assert out(day, nine + dt.timedelta(minutes=1)) is True
            assert out(day, nine) is False  # dropped off then, not before; the one before has no car
            assert out(day + dt.timedelta(days=1), nine + dt.timedelta(days=1)) is False  # none that day
    finally:
        service.close()
