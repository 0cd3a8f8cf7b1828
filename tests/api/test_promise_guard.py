"""The promise guard in the live day: each booking's on_time_probability, the downstream
projection, and rejected clock events leaving the day exactly as it was."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from scheduler.contract import Workshop
from tests.builders import CLOCK_NOW, DATE, at, day_status, fixed_clock, settled, tiny_workshop
from tests.builders import clock_event as ev

W = "/v1/workshops/tiny"


pytestmark = pytest.mark.sqlite_only


def workshop() -> Workshop:
    """One bay, one technician t, 08:00-12:00: room for four 60-minute jobs in a row."""
    ws = tiny_workshop().model_dump(mode="json")
    ws["opening"] = {"start": "08:00", "end": "11:00"}
    ws["technicians"][0]["shift"] = {"start": "08:00", "end": "12:00"}
    ws["technicians"].append(dict(ws["technicians"][0], id="u", name="U"))
    return Workshop.model_validate(ws)


def day(client: TestClient, drop_offs: tuple[str, ...] = ("08:00", "09:00", "10:00")) -> list[str]:
    assert client.put(W, json=workshop().model_dump(mode="json")).status_code == 200
    ids = []
    for hhmm in drop_offs:
        r = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": at(hhmm).isoformat(),
                                               "waiter": True})  # fmt: skip
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 2}).status_code == 200
    return ids


def test_every_booking_carries_its_odds_and_the_same_status_twice_gives_the_same(client: TestClient) -> None:
    a, b, c = day(client)
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00")).status_code == 201
    settled(client, W)  # the event's background re-plan done: the day holds still from here
    first = day_status(client, "08:40")
    assert first == day_status(client, "08:40")
    odds = {s["booking"]: s["on_time_probability"] for s in first["bookings"]}
    assert set(odds) == {a, b, c} and all(0 <= p <= 1 for p in odds.values())


def test_a_long_overrun_flags_the_bookings_queued_behind_it_and_lowers_their_odds(client: TestClient) -> None:
    ids = day(client)
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(ids[0], "start", "08:00")).status_code == 201
    early = {s["booking"]: s for s in day_status(client, "08:30")["bookings"]}
    late = {s["booking"]: s for s in day_status(client, "10:45")["bookings"]}  # still on the first job
    first = late[ids[0]]
    assert first["at_risk"] and first["projected_lateness_minutes"] > 0
    # Every booking that waits for the same bay or technician is pushed behind the overrun.
    for bid in ids[1:]:
        ops = late[bid]["operations"]
        if ops[0]["state"] == "not_started" and ops[0]["bay"] == first["operations"][0]["bay"]:
            assert late[bid]["projected_end"] > first["projected_end"]
        assert late[bid]["on_time_probability"] <= early[bid]["on_time_probability"]


def test_every_rejected_event_leaves_the_day_unchanged(client: TestClient) -> None:
    a, b, c = day(client)
    for body in (ev(a, "start", "08:00"), ev(a, "finish", "08:55"), ev(b, "start", "09:00")):
        assert (
            client.post(
                f"{W}/clock", params=CLOCK_NOW, json=body, headers={"Idempotency-Key": str(body)}
            ).status_code
            == 201
        )
    settled(client, W)
    before = day_status(client, "09:30")
    trail = client.get(f"{W}/days/{DATE}/events").json()
    plan = client.get(f"{W}/plans/{DATE}").json()
    refused = [
        (ev(c, "finish", "09:20"), 409),  # finish before start
        (ev(c, "start", "09:20"), 409),  # before its drop-off
        (ev(c, "start", "10:05"), 409),  # t is on b
        (ev(a, "start", "09:10"), 409),  # already started
        (ev(b, "resume", "09:10"), 409),  # only paused work resumes
        (ev(a, "start", "09:10", tech="u") | {"at": "2026-11-25T08:00:00+08:00"}, 409),  # after the day
        (ev(b, "finish", "09:20", tech="u"), 409),  # clocked by t
        (ev("nope", "start", "09:10"), 422),
        (ev(c, "start", "10:05", op=3), 422),
        (ev(c, "start", "10:05", tech="nobody"), 422),
        (ev(c, "start", "10:05") | {"action": "dance"}, 422),
        ({"action": "correct", "corrects": 999_999, "at": at("09:00").isoformat()}, 422),
        ({"action": "correct", "corrects": trail[0]["id"], "corrected_action": "finish"}, 409),
    ]
    for body, code in refused:
        r = client.post(f"{W}/clock", params=CLOCK_NOW, json=body)
        assert r.status_code == code, (body, r.text)
    # The same idempotency key with another body: 422, nothing recorded.
    r = client.post(
        f"{W}/clock",
        params=CLOCK_NOW,
        json=ev(c, "start", "10:05", tech="u"),
        headers={"Idempotency-Key": str(ev(a, "start", "08:00"))},
    )
    assert r.status_code == 422
    assert day_status(client, "09:30") == before
    assert client.get(f"{W}/days/{DATE}/events").json() == trail
    assert client.get(f"{W}/plans/{DATE}").json() == plan


def test_a_resent_event_after_a_lost_answer_is_stored_once(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    a, _, _ = day(client)
    headers = {"Idempotency-Key": "e1"}
    assert (
        client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00"), headers=headers).status_code
        == 201
    )
    settled(client, W)
    before = day_status(client, "08:30")
    again = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))  # a restarted server
    assert (
        again.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00"), headers=headers).status_code
        == 200
    )
    assert len(again.get(f"{W}/days/{DATE}/events").json()) == 1
    assert day_status(again, "08:30") == before


def test_projected_ends_are_whole_minutes_never_before_now(client: TestClient) -> None:
    """The Monte Carlo's pessimistic end gave `projected_end: …T10:57:54.752526+08:00` (walk-s17
    A7). Every projected end in the status is a whole minute (rounded up), never before now, also
    when now has seconds."""
    ids = day(client)
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(ids[0], "start", "08:00")).status_code == 201
    settled(client, W)
    for now in (at("09:00"), at("10:45") + dt.timedelta(seconds=17, microseconds=5)):
        status = client.get(f"{W}/days/{DATE}/status", params={"now": now.isoformat()}).json()
        ends = [s["projected_end"] for s in status["bookings"]]
        ends += [o["projected_end"] for s in status["bookings"] for o in s["operations"]]
        ends = [dt.datetime.fromisoformat(e) for e in ends if e is not None]
        assert ends, status
        assert all(e.second == 0 and e.microsecond == 0 for e in ends), ends
        unfinished = [
            dt.datetime.fromisoformat(s["projected_end"])
            for s in status["bookings"]
            if s["state"] != "done" and s["projected_end"] is not None
        ]
        assert all(e >= now for e in unfinished), (now, unfinished)


def test_a_day_not_yet_planned_is_projected_from_its_witnesses_and_nobody_is_flagged(db_url: str) -> None:
    """audit13-s19: `at_risk` is true while `projected_end` is after `promised`. A day with accepted
    bookings and no plan stored yet (nobody planned it, no clock event re-planned it) had every
    booking at risk with no projected end and P 0 — as of the clock recorded, and each pushed to
    the CRM as `booking.at_risk` at 07:00, before any work. Every accepted booking has a witness
    that keeps its promise: the day is projected from those, as its first live re-plan starts
    from them."""
    clock = fixed_clock()
    with TestClient(create_app(db_url, auth=False, clock=clock)) as client:
        assert client.put(W, json=workshop().model_dump(mode="json")).status_code == 200
        ids = []
        for hhmm in ("08:00", "09:00"):
            r = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": at(hhmm).isoformat(),
                                                   "waiter": True})  # fmt: skip
            ids.append(r.json()["id"])
        assert client.get(f"{W}/plans/{DATE}").status_code == 404  # not planned
        sent: list[dict[str, object]] = []
        webhooks = client.app.state.shopfloor.webhooks  # type: ignore[attr-defined]

        def endpoint(request: httpx.Request) -> httpx.Response:
            sent.append(json.loads(request.content))
            return httpx.Response(204)

        webhooks.transport = httpx.MockTransport(endpoint)
        hook = {"url": "https://example.test/hook", "events": ["booking.at_risk"]}
        assert client.post(f"{W}/webhooks", json=hook).status_code == 201
        clock.set(at("07:00"))
        status = client.get(f"{W}/days/{DATE}/status").json()  # as of the clock: risks recorded
        for b in status["bookings"]:
            assert b["projected_end"] is not None and b["projected_end"] <= b["promised"], b
            assert not b["at_risk"] and b["on_time_probability"] > 0.5, b
            assert b["operations"][0]["planned_start"] is not None
        webhooks.wait_idle(10)
        assert sent == []
