"""The live plan re-planned in the background: a clock event answers without waiting for its
re-plan, events during a re-plan coalesce into one more, the status says which event the live plan
reflects, the result is the synchronous path's, and pushes still follow each re-plan.

The re-plans are held at a gate the test opens (polled with time.sleep, never a timed wait)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from scheduler.clocking import DayStatus
from scheduler.coalesce import Coalescer
from scheduler.contract import Plan
from scheduler.shopfloor import ShopFloor
from scheduler.storage import plans as plans_db
from scheduler.validator import assert_valid
from tests.builders import (
    CLOCK_NOW,
    DATE,
    DAY,
    at,
    clocked_request,
    day_status,
    fixed_clock,
    open_stream,
    settled,
    stream_messages,
    two_waiters_day,
)
from tests.builders import TINY_PATH as W
from tests.builders import clock_event as ev

GATE_SECONDS = 120.0


pytestmark = pytest.mark.sqlite_only


class Gate:
    """Holds every background re-plan of a shop floor until `open()`; counts them."""

    def __init__(self, shopfloor: ShopFloor) -> None:
        self.opened = False
        self.entered = 0
        self.done = 0
        self.timed_out = False
        original: Callable[[str, Any], DayStatus | None] = shopfloor._live_replan

        def held(workshop_id: str, date: Any) -> DayStatus | None:
            self.entered += 1
            deadline = time.monotonic() + GATE_SECONDS
            while not self.opened:
                if time.monotonic() > deadline:  # a request waiting for its re-plan would end here
                    self.timed_out = True
                    break
                time.sleep(0.005)
            try:
                return original(workshop_id, date)
            finally:
                self.done += 1

        shopfloor._live_replan = held  # type: ignore[method-assign]

    def open(self) -> None:
        self.opened = True

    def wait_entered(self, count: int) -> None:
        deadline = time.monotonic() + GATE_SECONDS
        while self.entered < count:
            assert time.monotonic() < deadline, "the background re-plan never began"
            time.sleep(0.005)


def _wait_idle(shopfloor: ShopFloor) -> None:
    """Until the re-planner has ended its runs: the plan is stored (and the status settled) before
    a run ends (its status, pushes), so counts of runs are read only after this."""
    deadline = time.monotonic() + GATE_SECONDS
    while not shopfloor.replans.replanner.idle():
        assert time.monotonic() < deadline, "the background re-plan never ended"
        time.sleep(0.005)


def test_an_event_answers_before_its_replan_and_the_status_says_the_plan_lags(client: TestClient) -> None:
    a, _ = two_waiters_day(client)
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    gate = Gate(client.app.state.shopfloor)  # type: ignore[attr-defined]
    try:
        r = client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00"))
        assert r.status_code == 201, r.text  # answered while its re-plan is held at the gate
        event = r.json()["event"]["id"]
        assert r.json()["booking"]["state"] == "in_progress"
        s = day_status(client, "08:30")
        assert s["replanning"] and s["latest_event"] == event and s["plan_as_of_event"] == 0
        # Work in progress is projected from the clock at once, re-plan or not.
        op = s["bookings"][0]["operations"][0]
        assert op["state"] == "in_progress" and op["actual_start"] == at("08:00").isoformat()
        assert s["bookings"][0]["projected_end"] == at("09:00").isoformat()
        assert gate.done == 0
    finally:
        gate.open()
    s = settled(client, W)
    _wait_idle(client.app.state.shopfloor)  # type: ignore[attr-defined]
    assert not gate.timed_out and gate.done == 1
    assert not s["replanning"] and s["plan_as_of_event"] == s["latest_event"] == event
    plan = client.get(f"{W}/plans/{DATE}").json()
    mine = {x["booking"]: x for x in plan["assignments"]}
    assert mine[a]["start"] == at("08:00").isoformat()  # the clocked start pinned in the live plan
    assert_valid(clocked_request(client, plan, {a: ("08:00", "09:00")}), Plan.model_validate(plan))


def test_a_clock_event_asks_for_its_replan_itself_once_answered(client: TestClient) -> None:
    """clock13-s45: the route asks for the event's re-plan once its 201 is out (a background task of
    the response, not in the answer's way); the live plan then follows the event with nobody reading
    the status (a read would ask for a lagging plan's re-plan itself). The live plan's own record of
    the event it was made from is read straight from the store."""
    a, _ = two_waiters_day(client)
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    shopfloor: ShopFloor = client.app.state.shopfloor  # type: ignore[attr-defined]
    r = client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00"))
    assert r.status_code == 201, r.text
    event = r.json()["event"]["id"]
    deadline = time.monotonic() + 60
    while True:
        with shopfloor.service.store.sessions() as session:
            as_of = plans_db.as_of_event(session, "tiny", DAY)[1]
        if as_of == event:
            break
        assert time.monotonic() < deadline, f"the live plan never followed event {event} (as of {as_of})"
        time.sleep(0.01)


def test_an_events_answer_is_its_bookings_entry_of_the_whole_days_status(client: TestClient) -> None:
    """The answer computes the event's booking alone; it equals that booking's entry in the day's
    status computed at the same state (the same events, the same stored plan: the re-plan held)."""
    a, b = two_waiters_day(client)
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    gate = Gate(client.app.state.shopfloor)  # type: ignore[attr-defined]
    seen = set()
    try:
        for body in (ev(a, "start", "08:00"), ev(a, "pause", "08:30"), ev(a, "resume", "08:35"),
                     ev(a, "finish", "09:50"), ev(b, "start", "09:55", tech="u")):  # fmt: skip
            # Received at its moment (the answer is as of the request's `now`, as a replay posts).
            r = client.post(f"{W}/clock", params={"now": body["at"]}, json=body)
            assert r.status_code == 201, r.text
            answer = r.json()["booking"]
            whole = day_status(client, body["at"][11:16])
            assert whole["replanning"] and gate.done == 0  # the same stored plan
            assert answer == next(x for x in whole["bookings"] if x["booking"] == body["booking"])
            seen.add((answer["state"], answer["at_risk"]))
    finally:
        gate.open()
    assert {state for state, _ in seen} == {"in_progress", "paused", "done"}
    assert {risk for _, risk in seen} == {False, True}  # at_risk_since compared too
    settled(client, W)


def _entry(status: dict[str, Any], booking: str) -> dict[str, Any]:
    found: dict[str, Any] = next(x for x in status["bookings"] if x["booking"] == booking)
    return found


@pytest.mark.parametrize("server", ["before the day", "after the day"])
def test_an_events_answer_is_the_status_as_of_the_requests_now(tmp_path: Path, server: str) -> None:
    """audit13-s19 R2: `POST …/clock?now=` answers the booking as of that `now` (its entry of
    `GET …/status?now=`), the 201 and the 200 of a retry alike. It was as of the server's clock, or
    the latest event when the clock is behind: a foreman replaying yesterday (the server's clock a
    day on) read every start as clocked up to the day's end, a replay ahead of the clock read no
    minute clocked, and events entered out of order showed work finished after `now`."""
    clock = fixed_clock()
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'day.db'}", auth=False, clock=clock))
    a, b = two_waiters_day(client)
    if server == "after the day":
        clock.set(at("12:00", DAY + dt.timedelta(days=1)))
    gate = Gate(client.app.state.shopfloor)  # type: ignore[attr-defined]
    try:
        key = {"Idempotency-Key": "k1"}
        r = client.post(f"{W}/clock", params={"now": at("08:30").isoformat()}, json=ev(a, "start", "08:00"),
                        headers=key)  # fmt: skip
        assert r.status_code == 201, r.text
        answer = r.json()["booking"]
        assert answer["state"] == "in_progress" and answer["operations"][0]["clocked_minutes"] == 30
        assert answer == _entry(day_status(client, "08:30"), a)
        # The same key and body, received later: the 200 answers as of its own `now`.
        r = client.post(f"{W}/clock", params={"now": at("08:45").isoformat()}, json=ev(a, "start", "08:00"),
                        headers=key)  # fmt: skip
        assert r.status_code == 200, r.text
        assert r.json()["booking"]["operations"][0]["clocked_minutes"] == 45
        assert r.json()["booking"] == _entry(day_status(client, "08:45"), a)
        # Entered out of order: the finish (08:50) and B's start (09:05) are recorded, then the start
        # is corrected as of 08:30: the answer knows neither of the later events yet.
        started = r.json()["event"]["id"]
        for body in (ev(a, "finish", "08:50"), ev(b, "start", "09:05", tech="u")):
            assert client.post(f"{W}/clock", params={"now": body["at"]}, json=body).status_code == 201
        correction = {"action": "correct", "corrects": started, "at": at("08:10").isoformat()}
        r = client.post(f"{W}/clock", params={"now": at("08:30").isoformat()}, json=correction)
        assert r.status_code == 201, r.text
        answer = r.json()["booking"]
        assert answer["state"] == "in_progress" and answer["operations"][0]["clocked_minutes"] == 20
        assert answer == _entry(day_status(client, "08:30"), a)
    finally:
        gate.open()
    settled(client, W)
    _wait_idle(client.app.state.shopfloor)  # type: ignore[attr-defined]


@pytest.mark.parametrize("server", ["14:00 that day", "the next day"])
def test_a_replayed_events_replan_plans_the_rest_of_the_day_from_the_requests_now(
    tmp_path: Path, server: str
) -> None:
    """A day replayed (`POST …/clock?now=` well before the server's clock): the background re-plan
    the event triggers plans the rest of the day as of the request's `now` (max(now, at)), as its
    answer is. It planned from the server's clock: A's start projected on to 14:00 (a job never
    ends before `now`) and B moved behind it, or, the clock a day on, B carried off the day."""
    clock = fixed_clock()
    client = TestClient(create_app(f"sqlite:///{tmp_path / 'day.db'}", auth=False, clock=clock))
    a, b = two_waiters_day(client)
    clock.set(at("14:00") if server == "14:00 that day" else at("12:00", DAY + dt.timedelta(days=1)))
    r = client.post(f"{W}/clock", params={"now": at("08:00").isoformat()}, json=ev(a, "start", "08:00"))
    assert r.status_code == 201, r.text
    s = settled(client, W)
    _wait_idle(client.app.state.shopfloor)  # type: ignore[attr-defined]
    assert s["plan_as_of_event"] == r.json()["event"]["id"]
    plan = client.get(f"{W}/plans/{DATE}").json()
    mine = {x["booking"]: x for x in plan["assignments"]}
    assert (mine[a]["start"], mine[a]["end"]) == (at("08:00").isoformat(), at("09:00").isoformat())
    assert b in mine, plan["unassigned"]
    assert at("08:00") <= dt.datetime.fromisoformat(mine[b]["start"]) < at("14:00"), mine[b]
    assert_valid(clocked_request(client, plan, {a: ("08:00", "09:00")}), Plan.model_validate(plan))
    # A later event without `now` is as of the server's clock again (newest state wins).
    if server == "14:00 that day":
        later = client.post(f"{W}/clock", json=ev(a, "finish", "09:00"))
        assert later.status_code == 201, later.text
        settled(client, W)
        _wait_idle(client.app.state.shopfloor)  # type: ignore[attr-defined]
        starts = {x["booking"]: x["start"] for x in client.get(f"{W}/plans/{DATE}").json()["assignments"]}
        # B not started by the clock's 14:00: planned from then on, if at all.
        assert starts.get(b, at("14:00").isoformat()) >= at("14:00").isoformat(), starts


def test_events_during_a_replan_coalesce_into_one_more(client: TestClient) -> None:
    a, b = two_waiters_day(client)
    gate = Gate(client.app.state.shopfloor)  # type: ignore[attr-defined]
    try:
        assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00")).status_code == 201
        gate.wait_entered(1)  # the first re-plan runs (held) ...
        ids = []
        for body in (ev(a, "pause", "08:20"), ev(a, "resume", "08:25"), ev(a, "finish", "09:40"),
                     ev(b, "start", "09:41", tech="u")):  # fmt: skip
            r = client.post(f"{W}/clock", params=CLOCK_NOW, json=body)
            assert r.status_code == 201, r.text
            ids.append(r.json()["event"]["id"])
        assert gate.entered == 1  # ... and the four events since only marked the day dirty
    finally:
        gate.open()
    s = settled(client, W)
    assert not gate.timed_out
    assert gate.done <= 2  # N events during one re-plan: at most one more
    assert s["plan_as_of_event"] == s["latest_event"] == ids[-1]  # the newest state won
    plan = client.get(f"{W}/plans/{DATE}").json()
    mine = {x["booking"]: x for x in plan["assignments"]}
    assert (mine[a]["start"], mine[a]["end"]) == (at("08:00").isoformat(), at("09:40").isoformat())
    assert mine[b]["start"] == at("09:41").isoformat() and mine[b]["technician"] == "u"
    pins = {a: ("08:00", "09:40"), b: ("09:41", mine[b]["end"][11:16])}
    assert_valid(clocked_request(client, plan, pins), Plan.model_validate(plan))


def _by_booking(body: Any) -> Any:
    """`body` with its lists of bookings' items in booking order (lists ordered by id otherwise)."""
    if isinstance(body, dict):
        return {k: _by_booking(v) for k, v in body.items()}
    if isinstance(body, list):
        items = [_by_booking(v) for v in body]
        if all(isinstance(v, dict) and "booking" in v for v in items):
            items.sort(key=lambda v: json.dumps(v, sort_keys=True))
        return items
    return body


def test_the_background_path_ends_where_the_synchronous_one_does(tmp_path: Path) -> None:
    def events(a: str, b: str) -> list[dict[str, Any]]:
        return [
            ev(a, "start", "08:00"), ev(a, "pause", "08:30"), ev(a, "resume", "08:40", tech="u"),
            ev(a, "finish", "09:40", tech="u"), ev(b, "start", "09:45"), ev(b, "finish", "10:30"),
        ]  # fmt: skip

    seen: dict[bool, list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]] = {}
    for background in (False, True):
        client = TestClient(create_app(f"sqlite:///{tmp_path / f'{background}.db'}", auth=False,
                                       clock=fixed_clock()))  # fmt: skip
        client.app.state.shopfloor.background = background  # type: ignore[attr-defined]
        a, b = two_waiters_day(client)
        seen[background] = []
        for body in events(a, b):
            r = client.post(f"{W}/clock", params=CLOCK_NOW, json=body)
            assert r.status_code == 201, r.text
            if background:
                settled(client, W)
                _wait_idle(client.app.state.shopfloor)  # type: ignore[attr-defined]  # risks recorded
            else:  # the synchronous path answers with the plan already made from the event
                assert not day_status(client, "08:00")["replanning"]
            plan = client.get(f"{W}/plans/{DATE}").json()
            plan.pop("solve_seconds")

            def same_ids(body: Any, a: str = a, b: str = b) -> Any:  # booking ids are random
                return _by_booking(json.loads(json.dumps(body).replace(a, "A").replace(b, "B")))

            seen[background].append(
                (same_ids(r.json()["booking"]), same_ids(day_status(client, "10:45")), same_ids(plan))
            )
    sync, background_ = seen[False], seen[True]
    for (_, s_sync, p_sync), (_, s_bg, p_bg) in zip(sync, background_, strict=True):
        assert s_bg == s_sync  # the same live day, event after event
        assert p_bg == p_sync  # and the same stored plan
    # The final answers agree too: the last event's re-plan changes nothing about its own booking.
    assert sync[-1][0]["state"] == background_[-1][0]["state"] == "done"


def test_a_rejected_event_asks_for_no_replan_and_changes_nothing(client: TestClient) -> None:
    a, b = two_waiters_day(client)
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00")).status_code == 201
    before = settled(client, W)
    shopfloor = client.app.state.shopfloor  # type: ignore[attr-defined]
    _wait_idle(shopfloor)
    runs = dict(shopfloor.replans.replanner.runs)
    assert (
        client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(b, "start", "09:00")).status_code == 409
    )  # t is on A
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "finish", "07:00")).status_code == 409
    assert shopfloor.replans.replanner.idle() and shopfloor.replans.replanner.runs == runs
    assert settled(client, W) == before


def test_a_plan_lagging_its_events_after_a_restart_is_replanned(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    a, _ = two_waiters_day(client)
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    gate = Gate(client.app.state.shopfloor)  # type: ignore[attr-defined]
    r = client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00"))
    assert r.status_code == 201
    # "Killed" before its re-plan: the event is stored, the stored plan is known to lag it.
    client.app.state.shopfloor.close()  # type: ignore[attr-defined]
    again = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))  # a restarted server
    with again:  # starting up catches up with the lagging plan
        s = settled(again, W)
        assert s["plan_as_of_event"] == s["latest_event"] == r.json()["event"]["id"]
    gate.open()
    while not client.app.state.shopfloor.replans.replanner.idle():  # type: ignore[attr-defined]
        time.sleep(0.01)


def test_webhooks_and_the_stream_follow_the_background_replan(client: TestClient) -> None:
    a, b = two_waiters_day(client)
    shopfloor = client.app.state.shopfloor  # type: ignore[attr-defined]
    received: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(json.loads(request.content))
        return httpx.Response(204)

    shopfloor.webhooks.transport = httpx.MockTransport(handler)
    hook = {"url": "https://example.test/h", "events": ["plan.changed", "booking.at_risk"]}
    assert client.post(f"{W}/webhooks", json=hook).status_code == 201
    url = f"{W}/days/{DATE}/stream?max_events=4"
    reader, out = open_stream(client, url)
    gate = Gate(shopfloor)
    try:
        assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00")).status_code == 201
        assert (
            client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "finish", "09:40")).status_code == 201
        )  # B pushed late
        gate.wait_entered(1)
    finally:
        gate.open()
    settled(client, W)
    reader.join(60)
    assert not reader.is_alive() and out
    first, started, finished, replanned = stream_messages(out[0])
    assert first["latest_event"] is None
    # Each answer pushed at once (the plan lagging), then the one re-plan made from both events.
    assert started["replanning"] and started["plan_as_of_event"] is None  # no plan yet
    assert finished["replanning"] and finished["latest_event"] == started["latest_event"] + 1
    assert not replanned["replanning"]
    assert replanned["plan_as_of_event"] == replanned["latest_event"] == finished["latest_event"]
    shopfloor.webhooks.wait_idle(10)
    kinds = [m["event"] for m in received]
    assert "plan.changed" in kinds
    risky = [m["data"]["booking"] for m in received if m["event"] == "booking.at_risk"]
    assert b in risky  # B behind the late finish: flagged by the background re-plan


def test_the_coalescer_runs_once_more_at_most() -> None:
    started = threading.Event()
    release = [False]
    calls: list[str] = []

    def work(key: str) -> None:
        calls.append(key)
        started.set()
        while not release[0]:
            time.sleep(0.002)

    c: Coalescer[str] = Coalescer(work, threads=1)
    c.request("d")
    while not started.is_set():
        time.sleep(0.002)
    for _ in range(50):
        c.request("d")
    assert c.pending("d") and c.dirty("d") and calls == ["d"]
    release[0] = True
    while not c.idle():
        time.sleep(0.002)
    assert calls == ["d", "d"] and c.runs == {"d": 2}
    c.close()
    c.request("d")  # closed: ignored
    assert c.idle()


def test_the_coalescer_remembers_run_counts_for_recent_keys_only() -> None:
    """A long-running server re-plans a new day per workshop every day: its counts stay bounded."""
    from scheduler.coalesce import RECENT_KEYS, Coalescer

    c: Coalescer[int] = Coalescer(lambda _: None, threads=1)
    for n in range(RECENT_KEYS + 40):
        c.request(n)
        while not c.idle():
            time.sleep(0.001)
    assert len(c.runs) == RECENT_KEYS and list(c.runs)[-1] == RECENT_KEYS + 39 and 0 not in c.runs
    c.close()
