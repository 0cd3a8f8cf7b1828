"""`ShopFloor._events` (clock13-s45: the day's ids read, then only the rows not read before) against
the day's rows read anew (`clock_intake.stored_events`), where PostgreSQL commits events out of id
order (review-s46)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from scheduler.clock_intake import stored_events
from scheduler.contract import Booking
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor
from scheduler.storage import Store
from scheduler.storage import clock_events as events_db
from scheduler.storage.tables import ClockEventRow
from tests.builders import CLOCK_RECEIVED, DAY, at, fixed_clock, tiny_workshop


def _postgresql(floor: ShopFloor) -> None:
    if floor.service.store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time: its events commit in id order")


@pytest.fixture
def floor(db_url: str) -> Iterator[ShopFloor]:
    service = PlanningService(Store(db_url), clock=fixed_clock(), refine_in_background=False)
    for workshop_id in ("tiny", "other"):
        service.put_workshop(tiny_workshop().model_copy(update={"id": workshop_id}))
        booking = Booking(id=f"{workshop_id}-b1", service="MAINT", drop_off=at("08:00"))
        service.book(workshop_id, booking, None)
    shopfloor = ShopFloor(service, background=False)
    yield shopfloor
    shopfloor.close()
    service.close()


def _row(workshop_id: str, action: str, hhmm: str) -> ClockEventRow:
    moment = at(hhmm)
    return events_db.new_event(
        workshop_id, date=DAY, booking_id=f"{workshop_id}-b1", operation=0, technician="t", action=action,
        corrected_action=None, at=moment, corrects=None, recorded_at=moment, key_id=None,
        idempotency_key=None, request_hash=None, asked_now=None,
    )  # fmt: skip


def _same_as_stored(floor: ShopFloor, workshop_id: str) -> list[int]:
    """The kept events equal the day's rows read anew; their ids."""
    with floor.service.store.sessions() as session:
        kept = floor._events(session, workshop_id, DAY)
        anew = stored_events(session, workshop_id, DAY)
    assert kept == anew
    return [p.id for p in kept[0]]


def test_an_event_committed_after_a_higher_id_is_read_once_it_is_committed(floor: ShopFloor) -> None:
    """An id handed out earlier may commit later than a higher one (two transactions: the sequence
    is not the commit order). Read between the two commits, the day is the higher one alone; read
    after, both, in id order: the lower id is missing from what was kept, so it is read then. The
    other workshop's day (same date) is kept apart."""
    _postgresql(floor)
    store = floor.service.store
    earlier = store.transaction()
    session = earlier.__enter__()
    try:
        first = events_db.add(session, _row("tiny", "start", "08:00")).id  # not committed yet
        with store.transaction() as other:
            second = events_db.add(other, _row("tiny", "pause", "08:30")).id
            events_db.add(other, _row("other", "start", "08:05"))
        assert first < second
        assert _same_as_stored(floor, "tiny") == [second]
    except BaseException:
        earlier.__exit__(None, None, None)
        raise
    earlier.__exit__(None, None, None)  # commits
    assert _same_as_stored(floor, "tiny") == [first, second]
    assert len(_same_as_stored(floor, "other")) == 1
    with store.transaction() as session:
        third = events_db.add(session, _row("tiny", "resume", "08:40")).id
    assert _same_as_stored(floor, "tiny") == [first, second, third]


def test_a_rolled_back_event_is_never_read(floor: ShopFloor) -> None:
    """An insert rolled back (its id never used again on PostgreSQL) is not in the day, before or
    after the next event."""
    _postgresql(floor)
    store = floor.service.store
    with store.transaction() as session:
        kept = events_db.add(session, _row("tiny", "start", "08:00")).id
    assert _same_as_stored(floor, "tiny") == [kept]
    with pytest.raises(RuntimeError), store.transaction() as session:
        events_db.add(session, _row("tiny", "pause", "08:10"))
        raise RuntimeError("rolled back")
    assert _same_as_stored(floor, "tiny") == [kept]
    with store.transaction() as session:
        later = events_db.add(session, _row("tiny", "pause", "08:20")).id
    assert _same_as_stored(floor, "tiny") == [kept, later]


def test_a_day_rewound_by_a_restore_is_read_anew(floor: ShopFloor) -> None:
    """A database restored from an older dump while the server runs (`pg_restore --clean`, as
    `bayplan backup` prints for PostgreSQL; an SQLite file copied back): the events after the dump
    are gone and their ids are handed out again (the dump's sequence; SQLite's rowid after the
    highest left). The server read the day before the restore; the next event it records takes the
    id of an event it kept, and the day reads that event, not the one it kept under its id. Before:
    the kept pause read instead of the finish stored (bench/RESULTS-review-s46-restore.txt)."""
    received = dt.datetime.fromisoformat(CLOCK_RECEIVED)
    body = {"booking": "tiny-b1", "operation": 0, "technician": "t"}
    floor.clock("tiny", {**body, "action": "start", "at": at("08:00")}, None, None, received)
    with floor.service.store.sessions() as session:
        dumped = events_db.newest_id(session, "tiny", DAY, DAY)  # the dump is taken here
    floor.clock("tiny", {**body, "action": "pause", "at": at("08:30")}, None, None, received)
    paused = _same_as_stored(floor, "tiny")
    with floor.service.store.transaction() as session:  # the restore
        session.execute(sa.text("DELETE FROM clock_events WHERE id > :n"), {"n": dumped})
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                sa.text("SELECT setval(pg_get_serial_sequence('clock_events', 'id'), :n)"), {"n": dumped}
            )
    floor.clock("tiny", {**body, "action": "finish", "at": at("08:45")}, None, None, received)
    finished = _same_as_stored(floor, "tiny")
    assert finished == paused  # the finish took the pause's id
    with floor.service.store.sessions() as session:
        assert [e.action for e in floor._events(session, "tiny", DAY)[1]] == ["start", "finish"]
