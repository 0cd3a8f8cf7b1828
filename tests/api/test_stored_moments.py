"""Moments the service stores read back as the same instant whatever the clock's offset: SQLite
keeps no offset and every reader takes a stored moment as UTC, so one written on the workshop's
clock (+08:00 under `bayplan serve --now …+08:00` and the tests' clock) read back 8 hours late."""

from __future__ import annotations

import datetime as dt
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from tests.builders import NOW, put_workshop, tiny_workshop
from tests.builders import TINY_PATH as W


def test_a_workshop_version_and_a_webhook_read_back_when_they_were_made(client: TestClient) -> None:
    assert NOW.utcoffset() == dt.timedelta(hours=8)  # the tests' clock is on the workshop's offset
    put_workshop(client, tiny_workshop())
    made = client.get(f"{W}/versions").json()[0]["created_at"]
    assert dt.datetime.fromisoformat(made) == NOW, made
    r = client.post(f"{W}/webhooks", json={"url": "https://example.test/hook", "events": ["booking.done"]})
    assert r.status_code == 201, r.text
    listed = client.get(f"{W}/webhooks").json()[0]["created_at"]
    assert dt.datetime.fromisoformat(listed) == NOW, listed
    assert dt.datetime.fromisoformat(r.json()["created_at"]) == NOW, r.text
