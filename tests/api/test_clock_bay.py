"""A clock event may name its bay (issue 13, clockbay13-s30): a start or resume says which lift the
car is on. Refused with the field and the reason when the bay is unknown, named on a pause or a
finish, or one the vehicle may not use; 409 when other clocked work in progress is in it. The live
plan and the day's status take the clocked bay as a fact."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from scheduler.contract import PinnedOperation, Plan, PlanOptions, PlanRequest, Workshop
from scheduler.validator import assert_valid
from tests.builders import (
    CLOCK_NOW,
    DATE,
    DAY,
    THREE_BAYS,
    at,
    lifts_workshop,
    settled,
    three_bay_workshop,
    two_waiters_day,
)
from tests.builders import TINY_PATH as W
from tests.builders import clock_event as ev

pytestmark = pytest.mark.sqlite_only


def _day(client: TestClient, plan: bool = True) -> tuple[str, str]:
    """The lifts workshop with two cars dropped off at 08:00 (planned if `plan`): A, B."""
    assert client.put(W, json=lifts_workshop().model_dump(mode="json")).status_code == 200
    drop_off = {"service": "MAINT", "drop_off": at("08:00").isoformat()}
    a, b = (client.post(f"{W}/bookings", json=drop_off).json()["id"] for _ in range(2))
    if plan:
        assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    return a, b


def _clock(client: TestClient, body: dict[str, Any], **headers: str) -> Any:
    return client.post(f"{W}/clock", params=CLOCK_NOW, json=body, headers=headers)


def _trail(client: TestClient) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = client.get(f"{W}/days/{DATE}/events").json()
    return events


def _field_error(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"][-1] == "bay", error
    return dict(error)


def _valid_with_clocked_work(client: TestClient, plan: dict[str, Any]) -> None:
    """The independent validator accepts the lifts day's live `plan` with every booking's work
    pinned where the plan placed it (the clocked work as the plan pins it)."""
    mine = {x["booking"]: x for x in plan["assignments"]}
    service = client.app.state.services.service  # type: ignore[attr-defined]
    bookings = []
    for x in service.bookings("tiny", DAY):
        m = mine[x.id]
        pin = PinnedOperation(operation=0, bay=m["bay"], technician=m["technician"],
                              start=dt.datetime.fromisoformat(m["start"]),
                              end=dt.datetime.fromisoformat(m["end"]))  # fmt: skip
        bookings.append(x.model_copy(update={"pinned": [pin]}))
    request = PlanRequest(workshop=Workshop.model_validate(lifts_workshop().model_dump()), date=DAY,
                          bookings=bookings, options=PlanOptions(keep_promises=False))  # fmt: skip
    assert_valid(request, Plan.model_validate(plan))


def test_a_start_in_a_bay_is_201_and_the_event_and_the_status_name_it(client: TestClient) -> None:
    a, _ = _day(client)
    r = _clock(client, ev(a, "start", "08:00", bay="G2"))
    assert r.status_code == 201, r.text
    assert r.json()["event"]["bay"] == "G2"
    assert r.json()["booking"]["operations"][0]["bay"] == "G2"  # the status, ahead of the re-plan
    assert [e["bay"] for e in _trail(client)] == ["G2"]
    status = settled(client, W)
    mine = {x["booking"]: x for x in status["bookings"]}
    assert mine[a]["operations"][0]["bay"] == "G2"
    # A finish names none; the event without one reads as none.
    done = _clock(client, ev(a, "finish", "08:50"))
    assert done.status_code == 201 and done.json()["event"]["bay"] is None


def test_an_unknown_bay_is_422_naming_bay_and_nothing_is_stored(client: TestClient) -> None:
    a, _ = _day(client, plan=False)
    error = _field_error(_clock(client, ev(a, "start", "08:00", bay="X9")))
    assert error["msg"] == "unknown bay 'X9'"
    zh = _field_error(_clock(client, ev(a, "start", "08:00", bay="X9"), **{"Accept-Language": "zh-CN"}))
    assert zh["msg"] == "未知的工位 'X9'"
    assert _trail(client) == []


def test_a_bay_on_a_pause_or_a_finish_is_422_naming_bay_with_the_reason(client: TestClient) -> None:
    a, _ = _day(client, plan=False)
    assert _clock(client, ev(a, "start", "08:00", bay="G1")).status_code == 201
    for action in ("pause", "finish"):
        error = _field_error(_clock(client, ev(a, action, "08:30", bay="G1")))
        assert error["msg"] == (
            f"only a start or a resume names the bay the work is in: a {action} takes the car out of it,"
            " send it without a bay"
        )
    assert [e["action"] for e in _trail(client)] == ["start"]
    # A correction to a finish names none either; a correction of the start may move it.
    first = _trail(client)[0]["id"]
    wrong = {"action": "correct", "corrects": first, "corrected_action": "finish", "bay": "G1"}
    assert _field_error(_clock(client, wrong))["msg"].startswith("only a start or a resume")
    moved = _clock(client, {"action": "correct", "corrects": first, "bay": "G2"})
    assert moved.status_code == 201, moved.text
    assert moved.json()["event"]["bay"] == "G2" and moved.json()["event"]["corrected_action"] == "start"
    status = client.get(f"{W}/days/{DATE}/status", params={"now": at("08:30").isoformat()}).json()
    assert {x["booking"]: x["operations"][0]["bay"] for x in status["bookings"]}[a] == "G2"
    # A correction of the time alone keeps the bay the event named.
    later = _clock(client, {"action": "correct", "corrects": first, "at": at("08:05").isoformat()})
    assert later.status_code == 201 and later.json()["event"]["bay"] == "G2"


def test_a_bay_the_vehicle_may_not_use_is_422_and_another_kind_is_taken(client: TestClient) -> None:
    """A fleet partner's bay, an express lane for a service that is not express: the plan's hard
    rules bind clocked work too (no live plan could keep it): 422 naming bay. A bay of a kind the
    operation does not list (the body bay for maintenance) is taken: the car is where it is."""
    a, _ = _day(client, plan=False)
    fleet = _field_error(_clock(client, ev(a, "start", "08:00", bay="F1")))
    assert fleet["msg"] == "bay F1 is TAXI's, the vehicle is not"
    express = _field_error(_clock(client, ev(a, "start", "08:00", bay="E1")))
    assert express["msg"] == "bay E1 is an express lane, MAINT is no express service"
    assert _trail(client) == []
    assert _clock(client, ev(a, "start", "08:00", bay="B1")).status_code == 201


def test_a_bay_held_by_another_bookings_clocked_work_is_409_naming_it(client: TestClient) -> None:
    a, b = _day(client)
    assert _clock(client, ev(a, "start", "08:00", bay="G1")).status_code == 201
    r = _clock(client, ev(b, "start", "08:10", tech="u", bay="G1"))
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == (
        f"bay G1 is taken at 08:10: booking {a} operation 1 (work) is in it, clocked in progress there;"
        " finish or pause that work first, or name another bay"
    )
    zh = _clock(client, ev(b, "start", "08:10", tech="u", bay="G1"), **{"Accept-Language": "zh-CN"})
    assert zh.status_code == 409 and f"工位 G1 在 08:10 已被占用：预约 {a}" in zh.json()["detail"], zh.text
    assert len(_trail(client)) == 1  # nothing stored
    # Paused work has left its bay; a finish and a start in the same minute hand the bay over.
    assert _clock(client, ev(a, "pause", "08:20")).status_code == 201
    assert _clock(client, ev(b, "start", "08:20", tech="u", bay="G1")).status_code == 201
    assert _clock(client, ev(b, "finish", "08:40", tech="u")).status_code == 201
    assert _clock(client, ev(a, "resume", "08:40", bay="G1")).status_code == 201
    status = settled(client, W)  # the live plan followed every event
    assert status["plan_as_of_event"] == status["latest_event"] and status["clocked_bay_conflicts"] == []
    mine = {x["booking"]: x for x in client.get(f"{W}/plans/{DATE}").json()["assignments"]}
    assert (mine[b]["bay"], mine[b]["start"], mine[b]["end"]) == (
        "G1",
        at("08:20").isoformat(),
        at("08:40").isoformat(),
    )
    assert (mine[a]["bay"], mine[a]["start"]) == ("G1", at("08:40").isoformat())  # from its resume


def test_a_bay_that_running_work_clocked_with_no_bay_needs_is_409_naming_it(client: TestClient) -> None:
    """clockbay13-s38, the clockbay probe's 27 no-bay re-plans: the tiny workshop has one lift. t
    resumes A at 09:20 without naming a bay, so A can only be in G1; u then starts B clocked INTO
    G1 at 09:21. No bays explain 09:21 (the same two events posted the other way round were already
    refused: "no bay free for ..."), so the start is refused, naming the bay and A, and nothing is
    stored. Before: 201, and the live plan had A in no bay (`clocked_bay_conflicts`)."""
    a, b = two_waiters_day(client)
    for action, hhmm in (("start", "09:00"), ("pause", "09:10"), ("resume", "09:20")):
        assert _clock(client, ev(a, action, hhmm)).status_code == 201
    r = _clock(client, ev(b, "start", "09:21", tech="u", bay="G1"))
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == (
        f"bay G1 is taken at 09:21: booking {a} operation 1 (work) is in it, in progress, clocked with no"
        " bay (its bays, G1, have no other one free); finish or pause that work first, or name another bay"
    )
    zh = _clock(client, ev(b, "start", "09:21", tech="u", bay="G1"), **{"Accept-Language": "zh-CN"})
    assert zh.status_code == 409 and f"工位 G1 在 09:21 已被占用：预约 {a}" in zh.json()["detail"], zh.text
    assert [e["action"] for e in _trail(client)] == ["start", "pause", "resume"]  # nothing stored
    # A paused has left the lift: B may be clocked into it, and the live plan has a bay for each.
    assert _clock(client, ev(a, "pause", "09:30")).status_code == 201
    assert _clock(client, ev(b, "start", "09:30", tech="u", bay="G1")).status_code == 201
    status = settled(client, W)
    assert status["plan_as_of_event"] == status["latest_event"] and status["clocked_bay_conflicts"] == []


def test_a_retry_with_its_bay_is_200_and_another_bay_under_the_key_is_422(client: TestClient) -> None:
    a, _ = _day(client, plan=False)
    key = {"Idempotency-Key": "k1"}
    first = _clock(client, ev(a, "start", "08:00", bay="G2"), **key)
    assert first.status_code == 201, first.text
    again = _clock(client, ev(a, "start", "08:00", bay="G2"), **key)
    assert again.status_code == 200 and again.json()["event"] == first.json()["event"]
    for other in (ev(a, "start", "08:00", bay="G1"), ev(a, "start", "08:00")):
        r = _clock(client, other, **key)
        assert r.status_code == 422 and "Idempotency-Key" in r.text, r.text
    assert len(_trail(client)) == 1
    # A body without a bay (or `"bay": null`) hashes as before: its retry is a replay.
    plain = {"Idempotency-Key": "k2"}
    assert _clock(client, ev(a, "pause", "08:10"), **plain).status_code == 201
    assert _clock(client, {**ev(a, "pause", "08:10"), "bay": None}, **plain).status_code == 200


def test_the_live_plan_pins_clocked_work_on_its_clocked_bay_and_guessed_work_gives_way(
    client: TestClient,
) -> None:
    """The plan has A and B on the two general lifts. t clocks A on in the body bay B1 (not the
    plan's guess, nor a kind maintenance lists), and u clocks B on without a bay (the plan's lift
    is its guess). A done, t clocks C on in the lift B is guessed in, while B runs: the car is
    there, so B's guess gives way to the other lift. The live plan pins each clocked bay as clocked,
    reports no conflict, and the validator accepts it with the work pinned as clocked (a pin's bay
    is reported work: its kind is a fact)."""
    a, b = _day(client)
    c = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": at("08:00").isoformat()}).json()[
        "id"
    ]
    planned = {x["booking"]: x["bay"] for x in client.get(f"{W}/plans/{DATE}").json()["assignments"]}
    assert planned[a] in ("G1", "G2")
    assert _clock(client, ev(a, "start", "08:00", bay="B1")).status_code == 201
    assert _clock(client, ev(b, "start", "08:00", tech="u")).status_code == 201
    settled(client, W)
    guessed = {x["booking"]: x["bay"] for x in client.get(f"{W}/plans/{DATE}").json()["assignments"]}
    assert guessed[a] == "B1" and guessed[b] in ("G1", "G2")
    other = "G2" if guessed[b] == "G1" else "G1"
    assert _clock(client, ev(a, "finish", "08:30")).status_code == 201
    assert _clock(client, ev(c, "start", "08:30", bay=guessed[b])).status_code == 201
    status = settled(client, W)
    assert status["plan_as_of_event"] == status["latest_event"] and status["clocked_bay_conflicts"] == []
    plan = client.get(f"{W}/plans/{DATE}").json()
    mine = {x["booking"]: x for x in plan["assignments"]}
    assert (mine[a]["bay"], mine[a]["start"], mine[a]["end"]) == (
        "B1",
        at("08:00").isoformat(),
        at("08:30").isoformat(),
    )
    assert (mine[c]["bay"], mine[c]["start"]) == (guessed[b], at("08:30").isoformat())
    assert (mine[b]["bay"], mine[b]["start"]) == (other, at("08:00").isoformat())
    ops = {x["booking"]: x["operations"][0] for x in status["bookings"]}
    assert (ops[a]["bay"], ops[b]["bay"], ops[c]["bay"]) == ("B1", other, guessed[b])
    _valid_with_clocked_work(client, plan)


def test_a_bay_running_work_with_no_bay_started_in_is_409_after_the_other_lift_is_freed(
    client: TestClient,
) -> None:
    """onepin13-s38 (the clockbay probe's last no-bay re-plan, day 2027-05-05): t clocks C into G2 at
    08:00; u starts A at 08:10 naming no bay, so A is in G1 (G2 has C); C is done at 08:20. t then
    starts B clocked into G1 at 08:30: A is still in G1 (it has not been paused, so it has not
    moved), so the start is 409 naming A, though G2 is free. Before: 201, and the live plan had A
    (pinned from 08:10) in no bay. B clocked into G2 instead is 201, and the live plan pins each car
    in a bay of its own and passes the validator."""
    a, b = _day(client)
    c = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": at("08:00").isoformat()}).json()[
        "id"
    ]
    assert _clock(client, ev(c, "start", "08:00", bay="G2")).status_code == 201
    assert _clock(client, ev(a, "start", "08:10", tech="u")).status_code == 201
    assert _clock(client, ev(c, "finish", "08:20")).status_code == 201
    r = _clock(client, ev(b, "start", "08:30", bay="G1"))
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == (
        f"bay G1 is taken at 08:30: booking {a} operation 1 (work) is in it, in progress, clocked with no"
        " bay (its bays, G1, have no other one free); finish or pause that work first, or name another bay"
    )
    assert [e["action"] for e in _trail(client)] == ["start", "start", "finish"]  # nothing stored
    assert _clock(client, ev(b, "start", "08:30", bay="G2")).status_code == 201
    status = settled(client, W)
    assert status["plan_as_of_event"] == status["latest_event"] and status["clocked_bay_conflicts"] == []
    plan = client.get(f"{W}/plans/{DATE}").json()
    mine = {x["booking"]: x for x in plan["assignments"]}
    assert (mine[a]["bay"], mine[a]["start"]) == ("G1", at("08:10").isoformat())
    assert (mine[b]["bay"], mine[b]["start"]) == ("G2", at("08:30").isoformat())
    assert (mine[c]["bay"], mine[c]["start"], mine[c]["end"]) == (
        "G2",
        at("08:00").isoformat(),
        at("08:20").isoformat(),
    )
    _valid_with_clocked_work(client, plan)


def test_a_bay_the_matching_of_several_cars_forced_is_409_in_both_languages(client: TestClient) -> None:
    """clockleft13-s40: on the three-bay workshop a and b (maintenance: the general lift B1 or the
    body bay C1) run from 08:00 and 08:01, d (alignment: the alignment bay A1 or B1) from 08:02, none
    naming a bay: d is in A1 (a and b fill the others). b is done at 08:05 and f (a frame check: A1
    or C1) started at 08:06, in C1 (d holds A1). a is done at 08:10; e's wheel job (A1 only) at
    08:11 fits that moment alone (d in B1), but d stays in A1 from its start. 409 with the reason
    in English and in Chinese, nothing stored; the reason names d alone (clockbay13-s41: f, work
    in progress with no bay that may use A1 too, was named beside it, but moving f frees nothing).
    Once d's move to B1 is clocked (a pause, a resume naming B1), e is taken and the live plan has
    every car in a bay."""
    path = f"/v1/workshops/{THREE_BAYS}"
    assert client.put(path, json=three_bay_workshop(frame=True).model_dump(mode="json")).status_code == 200
    ids = {}
    for name, code in (("a", "MAINT"), ("b", "MAINT"), ("d", "ALIGN"), ("e", "WHEEL"), ("f", "FRAME")):
        r = client.post(f"{path}/bookings", json={"service": code, "drop_off": at("08:00").isoformat()})
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
    a, b, d, e, f = ids.values()

    def clock(body: dict[str, Any], **headers: str) -> Any:
        return client.post(f"{path}/clock", params=CLOCK_NOW, json=body, headers=headers)

    four_cars = [ev(a, "start", "08:00"), ev(b, "start", "08:01", tech="u"),
                 ev(d, "start", "08:02", tech="v"), ev(b, "finish", "08:05", tech="u"),
                 ev(f, "start", "08:06", tech="u"), ev(a, "finish", "08:10")]  # fmt: skip
    for body in four_cars:
        assert clock(body).status_code == 201, body
    r = clock(ev(e, "start", "08:11", tech="w"))
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == (
        f"no bay free for booking {e} operation 1 (work) at 08:11: its bays (A1) are needed by work in"
        f" progress clocked with no bay (booking {d} operation 1 (work)), which stays in one bay from"
        " its start or resume, and the day's other work left it no other since; if that car was moved,"
        " pause its work and resume it naming its bay, or name another bay"
    )
    zh = clock(ev(e, "start", "08:11", tech="w", bay="A1"), **{"Accept-Language": "zh-CN"})
    assert zh.status_code == 409, zh.text
    assert zh.json()["detail"] == (
        f"08:11 没有空闲工位给预约 {e} 的工序 1（work）：它可用的工位（A1）要留给未注明工位的进行中工作"
        f"（预约 {d} 的工序 1（work））——这项工作从开工或恢复起一直在同一个工位，而当天其他工作此后没有"
        "给它留出别的工位；如果那辆车已被挪动，请暂停其工作并在恢复时注明工位，或注明另一个工位"
    )
    assert len(client.get(f"{path}/days/{DATE}/events").json()) == 6  # nothing stored
    assert clock(ev(d, "pause", "08:10", tech="v")).status_code == 201
    assert clock(ev(d, "resume", "08:10", tech="v", bay="B1")).status_code == 201
    assert clock(ev(e, "start", "08:11", tech="w")).status_code == 201
    status = settled(client, path)
    assert status["plan_as_of_event"] == status["latest_event"] and status["clocked_bay_conflicts"] == []
    mine = {x["booking"]: x["bay"] for x in client.get(f"{path}/plans/{DATE}").json()["assignments"]}
    assert (mine[d], mine[e], mine[f]) == ("B1", "A1", "C1") and (mine[a], mine[b]) == ("B1", "C1")
