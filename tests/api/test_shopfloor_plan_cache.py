"""`ShopFloor._keep_plan` (clock13-s45: a stored plan parsed in the thread that stored it, for the
next clock event) where two re-plans' listeners run out of order (review-s46)."""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from scheduler.contract import Plan
from scheduler.shopfloor import ShopFloor
from scheduler.storage import plans as plans_db
from tests.builders import DATE, DAY, two_waiters_day
from tests.builders import TINY_PATH as W

pytestmark = pytest.mark.sqlite_only


def test_a_plan_kept_from_an_older_store_is_not_read_for_the_newer_stored_one(client: TestClient) -> None:
    """Two plans stored one after the other (a live re-plan and a manual one): their listeners run
    in their own threads, so the older may keep its plan last. The next clock event reads the
    plan stored, not the one kept last: what is kept is used only for the very text stored."""
    two_waiters_day(client)
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    shopfloor: ShopFloor = client.app.state.shopfloor  # type: ignore[attr-defined]
    with shopfloor.service.store.sessions() as session:
        row = plans_db.get(session, "tiny", DAY)
        assert row is not None
        stored = row.body
    older = Plan.model_validate_json(stored)
    older = older.model_copy(update={"assignments": older.assignments[:1]})
    assert older.model_dump_json() != stored
    shopfloor._keep_plan("tiny", DAY, older.model_dump_json())  # the older store's listener, last
    with shopfloor.service.store.sessions() as session:
        assert shopfloor._plan(session, "tiny", DAY) == Plan.model_validate_json(stored)
