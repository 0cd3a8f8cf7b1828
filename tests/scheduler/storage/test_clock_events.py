"""Promise risks written by two status updates at once (a clocked re-plan's and a poll's): on
PostgreSQL their transactions interleave, and neither may fail nor warn for the other's row."""

from __future__ import annotations

import datetime as dt
import threading
import time
import warnings

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.exc import SAWarning

from scheduler.clocking import event_from_record
from scheduler.storage import MIGRATIONS, Store
from scheduler.storage import clock_events as events_db
from scheduler.storage.tables import ClockEventRow
from tests.scheduler.test_service import _service

_NOW = dt.datetime(2030, 5, 6, 9, 0, tzinfo=dt.UTC)


def _wait_until_blocked(store: Store) -> None:
    """Until another connection of the test waits on a row lock (the interleaving under test)."""
    deadline = time.monotonic() + 10
    with store.engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            ).scalar_one()
            if waiting:
                return
            connection.rollback()  # pg_stat_activity is read once per transaction
            time.sleep(0.02)
    raise AssertionError("the second transaction never waited for the first")


def _interleaved(store: Store, first: dict[str, bool], second: dict[str, bool]) -> list[BaseException]:
    """`first` written and flushed, `second` written from another thread while the first is open
    (it waits on the first's row), then the first committed; the second's errors and warnings."""
    problems: list[BaseException] = []

    def write_second() -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", SAWarning)
                with store.transaction() as session:
                    events_db.set_risks(session, "w", second, _NOW + dt.timedelta(minutes=1))
        except BaseException as error:
            problems.append(error)

    with store.transaction() as session:
        events_db.set_risks(session, "w", first, _NOW)
        session.flush()
        other = threading.Thread(target=write_second)
        other.start()
        _wait_until_blocked(store)
    other.join(10)
    return problems


@pytest.fixture
def postgres_store(db_url: str) -> Store:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite takes one writer at a time: the interleaving cannot happen")
    service, _ = _service(db_url)
    return service.store


def test_two_status_updates_marking_the_same_booking_at_risk_at_once_keep_the_first_moment(
    postgres_store: Store,
) -> None:
    assert _interleaved(postgres_store, {"b1": True}, {"b1": True}) == []
    with postgres_store.sessions() as session:
        assert events_db.risks(session, "w", ["b1"]) == {"b1": _NOW}


def test_two_status_updates_clearing_the_same_risk_at_once_neither_warns(postgres_store: Store) -> None:
    with postgres_store.transaction() as session:
        events_db.set_risks(session, "w", {"b1": True}, _NOW)
    assert _interleaved(postgres_store, {"b1": False}, {"b1": False}) == []
    with postgres_store.sessions() as session:
        assert events_db.risks(session, "w", ["b1"]) == {}


def test_a_spell_at_risk_that_ends_is_kept_beside_the_next(db_url: str) -> None:
    """Issue 13: `at_risk_since` "records when that first became true". A booking at risk at 09:00,
    on time at 10:00 and at risk again at 14:00 keeps both spells (SQLite and PostgreSQL, migration
    0011); the open one is the one `risks` reads. Before, the 09:00 spell was deleted at 10:00."""
    service, _ = _service(db_url)
    store = service.store
    nine, ten, two = (_NOW + dt.timedelta(hours=h) for h in (0, 1, 5))
    for moment, risky in ((nine, True), (ten, False), (two, True), (two, True)):  # the last: no change
        with store.transaction() as session:
            events_db.set_risks(session, "w", {"b1": risky, "b2": False}, moment)
    with store.sessions() as session:
        assert events_db.spells(session, "w", ["b1", "b2"]) == {"b1": [(nine, ten), (two, None)]}
        assert events_db.risks(session, "w", ["b1"]) == {"b1": two}
    with store.transaction() as session:  # over again at 15:00: two spells ended, none open
        events_db.set_risks(session, "w", {"b1": False}, two + dt.timedelta(hours=1))
    with store.sessions() as session:
        assert events_db.spells(session, "w", ["b1"]) == {
            "b1": [(nine, ten), (two, two + dt.timedelta(hours=1))]
        }


def test_an_event_row_is_made_by_storage_and_stored_in_utc_with_the_databases_id(db_url: str) -> None:
    """Storage owns the clock-event rows: `new_event` makes one (no id yet), `plain` reads it as a
    plain event (under another id for an event being checked), `add` stores it in UTC."""
    service, _ = _service(db_url)
    at = dt.datetime(2030, 5, 6, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # 09:00 UTC
    recorded = at + dt.timedelta(minutes=1)
    row = events_db.new_event(
        "w", date=at.date(), booking_id="b1", operation=0, technician="t", action="start",
        corrected_action=None, at=at, corrects=None, recorded_at=recorded, key_id=None,
        idempotency_key="k1", request_hash="h1", asked_now=at,
    )  # fmt: skip
    assert row.id is None and row.workshop_id == "w" and row.request_hash == "h1"
    checked = events_db.plain(row, 2**62)
    assert checked == (2**62, at.date(), "b1", 0, "t", "start", None, at, None, recorded, None, None)
    with service.store.transaction() as session:
        event_id = events_db.add(session, row).id
    assert event_id is not None
    with service.store.sessions() as session:
        [back] = events_db.day_events(session, "w", at.date())
        assert events_db.plain(back) == checked._replace(id=event_id)
        assert back.at.utcoffset() == dt.timedelta(0) and back.asked_now == at
        found = events_db.by_idempotency_key(session, "w", None, "k1")
        assert found is not None and found.id == event_id and found.request_hash == "h1"


def _columns(url: str, table: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return {c["name"] for c in sa.inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def _event(at: dt.datetime, key: str, bay: str | None = None) -> ClockEventRow:
    return events_db.new_event(
        "w", date=at.date(), booking_id="b1", operation=0, technician="t", action="start",
        corrected_action=None, at=at, corrects=None, recorded_at=at, key_id=None,
        idempotency_key=key, request_hash="h", asked_now=None, bay=bay,
    )  # fmt: skip


def test_migration_0013_adds_the_clocked_bay_and_old_rows_read_as_no_bay(db_url: str) -> None:
    """clockbay13-s30: the clocked bay is a nullable column (0013). An event stored before it (at
    0012) reads as naming no bay after the upgrade; one stored after keeps its bay, as a row, a
    plain event and the API's event. Down and up again on both databases."""
    service, _ = _service(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db_url)
    service.store.engine.dispose()  # no session holds the table the downgrade alters
    command.downgrade(config, "0012")
    assert "bay" not in _columns(db_url, "clock_events")
    nine = dt.datetime(2030, 5, 6, 9, 0, tzinfo=dt.UTC)
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:  # an event as 0012 stored it: no bay column
            connection.execute(
                text(
                    "INSERT INTO clock_events (workshop_id, date, booking_id, operation, technician,"
                    " action, at, recorded_at, idempotency_key)"
                    " VALUES ('w', :date, 'b1', 0, 't', 'start', :at, :at, 'old')"
                ),
                {"date": nine.date(), "at": nine},
            )
    finally:
        engine.dispose()
    command.upgrade(config, "head")
    assert "bay" in _columns(db_url, "clock_events")
    with service.store.transaction() as session:
        events_db.add(session, _event(nine + dt.timedelta(minutes=5), "new", bay="G2"))
    with service.store.sessions() as session:
        old, new = events_db.day_events(session, "w", nine.date())
        assert (old.idempotency_key, old.bay, new.bay) == ("old", None, "G2")
        assert [event_from_record(r).bay for r in (old, new)] == [None, "G2"]
        plain = events_db.plain_between(session, "w", nine.date(), nine.date())
        assert [e.bay for e in plain] == [None, "G2"]
