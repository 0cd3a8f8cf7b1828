"""Webhook rows, made and read by storage (scheduler/storage/webhooks.py)."""

from __future__ import annotations

import datetime as dt

from scheduler.storage import webhooks as webhooks_db
from tests.scheduler.test_service import _service

_CREATED = dt.datetime(2030, 5, 6, 9, 0, tzinfo=dt.UTC)


def test_a_webhook_row_is_made_and_stored_by_storage(db_url: str) -> None:
    service, _ = _service(db_url)
    with service.store.transaction() as session:
        row = webhooks_db.add(session, "WH-1", "w", "https://example.test/a", ["clock"], "s1", _CREATED)
        assert (row.id, row.workshop_id, row.secret) == ("WH-1", "w", "s1")
    with service.store.transaction() as session:
        webhooks_db.add(session, "WH-2", "w", "https://example.test/b", ["clock", "risk"], "s2", _CREATED)
    with service.store.sessions() as session:
        stored = webhooks_db.of_workshop(session, "w")
        assert [(r.id, r.url, r.events, r.secret) for r in stored] == [
            ("WH-1", "https://example.test/a", ["clock"], "s1"),
            ("WH-2", "https://example.test/b", ["clock", "risk"], "s2"),
        ]
        found = webhooks_db.get(session, "w", "WH-2")
        assert found is not None and found.url == "https://example.test/b"
        assert webhooks_db.get(session, "other", "WH-2") is None
