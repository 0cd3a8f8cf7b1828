"""`POST …/plans` with `now` and what was reported (`finished`, `overruns`): work reported done
before the plan had it start re-plans (review-s18 R4 as the API reaches it); reports that
contradict each other are a 422 naming the report and both operations."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from tests.builders import DATE, WORKSHOP_ID, at, fixed_clock, put_workshop, small_workshop

PLANS = f"/v1/workshops/{WORKSHOP_ID}/plans"


def _minor_day(db_url: str) -> tuple[TestClient, str, dict[int, dict[str, Any]]]:
    """A MINOR dropped off at 08:30, planned: the client, its id and its two operations."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    put_workshop(client, small_workshop())
    booking = {"service": "MINOR", "drop_off": at("08:30").isoformat()}
    made = client.post(f"/v1/workshops/{WORKSHOP_ID}/bookings", json=booking)
    assert made.status_code == 201, made.text
    planned = client.post(PLANS, json={"date": DATE, "time_limit_seconds": 2})
    assert planned.status_code == 200, planned.text
    ops = {a["operation"]: a for a in planned.json()["assignments"]}
    assert set(ops) == {0, 1}
    return client, made.json()["id"], ops


def test_a_repair_reported_finished_before_its_planned_start_is_re_planned(db_url: str) -> None:
    """The repair reported finished a minute before the plan starts it: 422 "booking …: must be
    after start" before (the repair pinned from its planned start to its finish). Now the re-plan
    is stored: the repair counts as done then, the diagnosis as done by then."""
    client, m, ops = _minor_day(db_url)
    finish = dt.datetime.fromisoformat(ops[1]["start"]) - dt.timedelta(minutes=1)
    body = {"date": DATE, "time_limit_seconds": 2, "now": finish.isoformat(),
            "finished": [{"booking": m, "operation": 1, "at": finish.isoformat()}]}  # fmt: skip
    replanned = client.post(PLANS, json=body)
    assert replanned.status_code == 200, replanned.text
    after = {a["operation"]: a for a in replanned.json()["assignments"]}
    assert after[1]["start"] == after[1]["end"] == finish.isoformat()
    assert after[0]["start"] == ops[0]["start"] and after[0]["end"] == finish.isoformat()
    said = {c["operation"]: c["summary"] for c in replanned.json()["changes"]}
    assert said[1].endswith(f"counted done at {finish:%H:%M}, as reported"), said


def test_reports_that_contradict_each_other_are_a_422_naming_the_report_and_both_operations(
    db_url: str,
) -> None:
    """The diagnosis expected to run on to 12:00 while its repair, started as planned, is reported
    finished at 11:50: no plan keeps both. 422, the report named, both operations said (zh too)."""
    client, m, _ = _minor_day(db_url)
    body = {"date": DATE, "time_limit_seconds": 2, "now": at("12:05").isoformat(),
            "overruns": [{"booking": m, "operation": 0, "expected_end": at("12:00").isoformat()}],
            "finished": [{"booking": m, "operation": 1, "at": at("11:50").isoformat()}]}  # fmt: skip
    for language, said in (
        ("en", f"booking {m} operation 2 (repair) starts before its operation 1 (diagnosis) ends"),
        ("zh-CN", f"预约 {m} 的工序 2（repair）在该预约的工序 1（diagnosis）结束之前就开始了"),
    ):
        refused = client.post(PLANS, json=body, headers={"Accept-Language": language})
        assert refused.status_code == 422, refused.text
        error = {"loc": ["body", "overruns", 0], "msg": said, "type": "value_error"}
        assert refused.json()["detail"] == [error]
