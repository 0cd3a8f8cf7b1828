"""review-s46: a PostgreSQL database restored from an older dump (`pg_restore --clean`, as `bayplan
backup` prints) while a server keeps running. The dump's sequence hands out again the ids of the
events recorded after it; `ShopFloor._events` (clock13-s45) keeps events by id, so the running
server read its old events under those ids instead of the new ones until it restarted (review-s46
reads a day anew once it has fewer events than were kept: tests/scheduler/test_shopfloor_events.py).
Simulated: the events after the dump deleted and the sequence set back, as the restore leaves them.

    BAYPLAN_TEST_PG_URL=postgresql+psycopg://bayplan@127.0.0.1:55432/postgres \
      PYTHONPATH=. .venv/bin/python -m bench.review_s46_restore

Prints the day's events as the running server reads them and as stored, and whether they differ
(before/after the fix: bench/RESULTS-review-s46-restore.txt). Uses a scratch database made and
dropped here."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from scheduler.clock import FixedClock
from scheduler.clock_intake import stored_events
from scheduler.contract import Booking, Workshop
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor
from scheduler.storage import Store
from scheduler.storage import clock_events as events_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=TZ)
DAY = dt.date(2026, 11, 24)
RECEIVED = dt.datetime(2027, 1, 1, tzinfo=TZ)  # a foreman replaying the day after it


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hhmm), tzinfo=TZ)


def workshop() -> Workshop:
    """One bay, one technician, 08:00-10:00; maintenance takes 60 minutes."""
    return Workshop.model_validate(
        {
            "id": "tiny", "name": "Tiny", "timezone": "Asia/Shanghai",
            "opening": {"start": "08:00", "end": "10:00"},
            "bays": [{"id": "G1", "kind": "general"}],
            "technicians": [{"id": "t", "name": "T", "grade": 3, "skills": ["maintenance"],
                             "shift": {"start": "08:00", "end": "10:00"}}],
            "services": [{"code": "MAINT", "name": "Maintenance", "operations": [
                {"name": "work", "minutes": 60, "skill": "maintenance", "bay_kinds": ["general"]}]}],
        }
    )  # fmt: skip


def main() -> None:
    admin_url = os.environ["BAYPLAN_TEST_PG_URL"]
    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        service = PlanningService(Store(url), clock=FixedClock(NOW), refine_in_background=False)
        service.put_workshop(workshop())
        service.book("tiny", Booking(id="b1", service="MAINT", drop_off=at("08:00")), None)
        floor = ShopFloor(service, background=False)
        received = RECEIVED
        body = {"booking": "b1", "operation": 0, "technician": "t"}
        floor.clock("tiny", {**body, "action": "start", "at": at("08:00")}, None, None, received)
        with service.store.sessions() as s:
            dump_newest = events_db.newest_id(s, "tiny", DAY, DAY)  # the dump is taken here
        floor.clock("tiny", {**body, "action": "pause", "at": at("08:30")}, None, None, received)
        with service.store.sessions() as s:
            floor._events(s, "tiny", DAY)  # the running server has read the day (a status read)
        # The restore: the events after the dump gone, the sequence as the dump had it.
        with service.store.transaction() as s:
            s.execute(sa.text("DELETE FROM clock_events WHERE id > :n"), {"n": dump_newest})
            s.execute(
                sa.text("SELECT setval(pg_get_serial_sequence('clock_events', 'id'), :n)"), {"n": dump_newest}
            )
        # Work goes on after the restore: the technician finishes instead (a new event, the pause's id).
        floor.clock("tiny", {**body, "action": "finish", "at": at("08:45")}, None, None, received)
        with service.store.sessions() as s:
            kept = [(e.id, e.action, e.at.isoformat()) for e in floor._events(s, "tiny", DAY)[1]]
            stored = [(e.id, e.action, e.at.isoformat()) for e in stored_events(s, "tiny", DAY)[1]]
        print("running server reads:", kept)
        print("stored:              ", stored)
        print("differ:", kept != stored)
        floor.close()
        service.close()
        service.store.engine.dispose()
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
