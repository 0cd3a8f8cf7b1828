"""The live re-plan (scheduler.live_replan) plans from the day's plan request as the normal plan path
builds it (PlanningService.plan_inputs): the vehicles held for later work and the loan cars out
from earlier days are in its `held`, so the validator gate counts their cars and leaves out a
booking whose car is not there (loanrev-s27)."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest

from scheduler.clock import FixedClock
from scheduler.contract import Booking, PinnedOperation, Plan, Workshop
from scheduler.errors import Conflict
from scheduler.live_replan import (
    LIVE_REPLAN_TRIES,
    _clocked_bay_unknown,
    _clocked_work_apart,
    _clocked_work_in_turn,
    replan_live,
)
from scheduler.plan_tasks import PlanBasis
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor, replan_moment
from scheduler.storage import clock_events as events_db
from scheduler.storage import plans as plans_db
from scheduler.validator import RULE_LOAN_CARS, validate_plan
from tests.builders import (
    DAY,
    WORKSHOP_ID,
    at,
    four_bay_workshop,
    multi_day_workshop,
    tiny_workshop,
)

WED = DAY + dt.timedelta(days=1)


def _live_plan_after(
    service: PlanningService, workshop_id: str, date: dt.date, event: dict[str, object]
) -> Plan:
    """The day's live plan once `event` is clocked (re-planned inside the request)."""
    moment = event["at"]
    assert isinstance(moment, dt.datetime)
    floor = ShopFloor(service, background=False)
    try:
        floor.clock(workshop_id, event, "key-1", None, moment)  # as of the event: the rest of the day
    finally:
        floor.close()
    return service.stored_plan(workshop_id, date)


def _clock_all(service: PlanningService, events: list[tuple[str, str, str, dt.datetime]]) -> Plan:
    """The tiny workshop's live plan of `DAY` once each (booking, technician, action, at) is clocked
    in turn, each re-planned inside its request as of its own moment."""
    floor = ShopFloor(service, background=False)
    try:
        for n, (booking, technician, action, moment) in enumerate(events):
            event = {"booking": booking, "operation": 0, "technician": technician, "action": action,
                     "at": moment}  # fmt: skip
            floor.clock("tiny", event, f"key-{n}", None, moment)
    finally:
        floor.close()
    return service.stored_plan("tiny", DAY)


def _loan_car_breaks(service: PlanningService, workshop_id: str, date: dt.date, plan: Plan) -> list[str]:
    request, _, _ = service.plan_inputs(workshop_id, date, 1.0)
    assert request.held, "the day holds a car out with no work of it"
    return [v.message for v in validate_plan(request, plan) if v.rule == RULE_LOAN_CARS]


def test_a_live_replan_counts_the_car_of_a_vehicle_held_for_later_work(service: PlanningService) -> None:
    """Two loan cars: a repair held on Tuesday (its work from Wednesday) has one, the oil change at
    13:00 the other; cut to one car by force, the oil change is at risk. A clock event on Tuesday
    re-plans the day live: the oil change stays out of the plan ("no loan car free"), as the
    normal plan leaves it out. A live request without the held vehicle placed it: two cars out."""
    ws = multi_day_workshop(max_days=4, loan_cars=2)
    service.put_workshop(ws)
    service.book(WORKSHOP_ID, Booking(id="first", service="REPAIR", drop_off=at("08:00")), None)
    service.book(WORKSHOP_ID, Booking(id="held", service="REPAIR", drop_off=at("08:00"), loan_car=True), None)
    service.book(WORKSHOP_ID, Booking(id="oil", service="LUBE", drop_off=at("13:00"), loan_car=True), None)
    service.put_workshop(ws.model_copy(update={"loan_cars": 1}), force=True)
    assert {b.id: b.at_risk for b in service.bookings(WORKSHOP_ID, DAY)}["oil"] is True
    event = {"booking": "first", "operation": 0, "technician": "zhao", "action": "start", "at": at("08:05")}
    live = _live_plan_after(service, WORKSHOP_ID, DAY, event)
    assert live.planner == "greedy" and "first" in {a.booking for a in live.assignments}
    assert "oil" not in {a.booking for a in live.assignments}
    assert "no loan car free" in {u.booking: u.reason for u in live.unassigned}["oil"]
    assert _loan_car_breaks(service, WORKSHOP_ID, DAY, live) == []


def test_a_live_replan_counts_a_car_out_from_an_earlier_day(service: PlanningService) -> None:
    """Two loan cars, opening 10:00: LONG dropped off Tuesday 13:00 with one is promised Wednesday
    10:00; the opening moves to 08:00 and Wednesday 08:00 books the other; cut to one car by force,
    that booking is at risk. A clock event on Wednesday (another booking started at 09:00) re-plans
    the day live: the booking at risk stays out of it (Tuesday's car is out until 10:00)."""
    tiny = tiny_workshop(
        closing="17:00", shift_end="17:00", services={"MAINT": ("Maint", 60), "LONG": ("Long", 300)}
    )
    techs = [t.model_copy(update={"max_overtime_minutes": 60}) for t in tiny.technicians]
    two = tiny.model_copy(update={"technicians": techs, "loan_cars": 2})
    late = Workshop.model_validate(
        {**two.model_dump(mode="json"), "opening": {"start": "10:00", "end": "17:00"}}
    )
    service.put_workshop(late)
    long, _ = service.book(
        "tiny", Booking(id="long", service="LONG", drop_off=at("13:00"), loan_car=True), None
    )
    assert long.promised == at("10:00", WED)
    service.put_workshop(two)
    service.book("tiny", Booking(id="early", service="MAINT", drop_off=at("08:00", WED), loan_car=True), None)
    service.book("tiny", Booking(id="nine", service="MAINT", drop_off=at("09:00", WED)), None)
    service.put_workshop(two.model_copy(update={"loan_cars": 1}), force=True)
    assert {b.id: b.at_risk for b in service.bookings("tiny", WED)} == {"early": True, "nine": False}
    event = {"booking": "nine", "operation": 0, "technician": "t", "action": "start", "at": at("09:00", WED)}
    live = _live_plan_after(service, "tiny", WED, event)
    assert "nine" in {a.booking for a in live.assignments}
    assert "early" not in {a.booking for a in live.assignments}
    assert "no loan car free" in {u.booking: u.reason for u in live.unassigned}["early"]
    assert _loan_car_breaks(service, "tiny", WED, live) == []


def test_an_event_without_asked_now_replans_as_of_when_it_was_received(service: PlanningService) -> None:
    """An event recorded with no `asked_now` (no `now` given; every event recorded before migration
    0011) re-plans its day as of its `recorded_at`, not the server's clock when the re-plan runs: the
    re-plan run again hours later (a restart's catch-up) stores the same plan, the second booking
    still at 09:00 after the first's clocked hour (it moved past 13:00 when run at 13:00)."""
    ws = tiny_workshop(closing="17:00", shift_end="17:00")
    service.put_workshop(ws)
    for name in ("a", "b"):
        service.book("tiny", Booking(id=name, service="MAINT", drop_off=at("08:00")), None)
    clock = service.clock
    assert isinstance(clock, FixedClock)
    clock.set(at("08:00"))
    floor = ShopFloor(service, background=False)
    try:
        event = {"booking": "a", "operation": 0, "technician": "t", "action": "start", "at": at("08:00")}
        floor.clock("tiny", event, "key-1", None, None)  # no `now`: no asked_now stored
        with service.store.sessions() as session:
            (row,) = events_db.day_events(session, "tiny", DAY)
            assert row.asked_now is None and row.recorded_at == at("08:00")
            assert replan_moment(row) == at("08:00")
        first = service.stored_plan("tiny", DAY)
        clock.set(at("13:00"))
        floor._live_replan("tiny", DAY)  # the same event's re-plan, run later
        again = service.stored_plan("tiny", DAY)
    finally:
        floor.close()
    starts = {a.booking: a.start for a in again.assignments}
    assert starts == {a.booking: a.start for a in first.assignments}
    assert starts["b"] == at("09:00")


def test_work_clocked_done_in_the_minute_it_started_is_replanned_not_refused(
    service: PlanningService,
) -> None:
    """A start and a finish at the same moment (a tap on each, a job of seconds): the work holds its
    first minute, 08:00-08:01, so its finish was "reported at 08:01:20, after now (08:00:20)" and the
    live re-plan failed, the stored plan still the one from the start (the work until 09:01, the hour
    it was expected to take). Now the day is re-planned as of that minute's end."""
    service.put_workshop(tiny_workshop(closing="17:00", shift_end="17:00"))
    for name in ("a", "b"):
        service.book("tiny", Booking(id=name, service="MAINT", drop_off=at("08:00")), None)
    moment = at("08:00") + dt.timedelta(seconds=20)
    live = _clock_all(service, [("a", "t", "start", moment), ("a", "t", "finish", moment)])
    placed = {a.booking: (a.start, a.end) for a in live.assignments}
    assert placed["a"] == (at("08:00"), at("08:01"))  # done, not the hour expected from its start
    assert placed["b"][0] >= at("08:01")
    with service.store.sessions() as session:
        assert plans_db.as_of_event(session, "tiny", DAY) == (True, 2)  # made from the finish


def test_a_job_started_in_the_minute_the_technicians_last_one_was_done_follows_it(
    service: PlanningService,
) -> None:
    """A job done in ten seconds (08:00:00-08:00:10) holds 08:00-08:01; the technician's next job,
    started at 08:00:20, was pinned from 08:00: "overlaps pinned work", and every live re-plan of the
    day failed. Now it follows the done job, from 08:01, and the plan is made from its start."""
    service.put_workshop(tiny_workshop(closing="17:00", shift_end="17:00"))
    for name in ("a", "b"):
        service.book("tiny", Booking(id=name, service="MAINT", drop_off=at("08:00")), None)
    tick = dt.timedelta(seconds=1)
    live = _clock_all(
        service,
        [("a", "t", "start", at("08:00")), ("a", "t", "finish", at("08:00") + 10 * tick),
         ("b", "t", "start", at("08:00") + 20 * tick)],
    )  # fmt: skip
    placed = {a.booking: (a.start, a.end) for a in live.assignments}
    assert placed["a"] == (at("08:00"), at("08:01"))
    assert placed["b"][0] == at("08:01")
    with service.store.sessions() as session:
        assert plans_db.as_of_event(session, "tiny", DAY) == (True, 3)


def test_work_running_past_midnight_is_planned_to_the_days_last_minute(service: PlanningService) -> None:
    """A job clocked on at 23:30 and expected to take an hour would end at 00:30 the next day; a
    re-plan holds the day only ("overruns[0].expected_end: ... is after the plan date"), so every
    live re-plan of the day failed. Now the plan holds it until the day's last minute."""
    service.put_workshop(tiny_workshop(closing="17:00", shift_end="17:00"))
    service.book("tiny", Booking(id="a", service="MAINT", drop_off=at("08:00")), None)
    live = _clock_all(service, [("a", "t", "start", at("23:30"))])
    assert [(a.booking, a.start, a.end) for a in live.assignments] == [("a", at("23:30"), at("23:59"))]
    with service.store.sessions() as session:
        assert plans_db.as_of_event(session, "tiny", DAY) == (True, 1)


def test_a_car_driven_into_the_bay_in_the_minute_the_last_one_was_done_there_follows_it(
    service: PlanningService,
) -> None:
    """One bay, two technicians: t's job on a is done in ten seconds (08:00:00-08:00:10, holding
    08:00-08:01), and u starts b in the same bay at 08:00:20. b was pinned from 08:00 ("overlaps
    pinned work of a on bay G1") and every live re-plan of the day failed. The bay was shared for
    seconds: b follows a in the bay from 08:01, as a technician's next job does."""
    ws = tiny_workshop(closing="17:00", shift_end="17:00")
    second = ws.technicians[0].model_copy(update={"id": "u", "name": "U"})
    service.put_workshop(ws.model_copy(update={"technicians": [*ws.technicians, second]}))
    for name in ("a", "b"):
        service.book("tiny", Booking(id=name, service="MAINT", drop_off=at("08:00")), None)
    tick = dt.timedelta(seconds=1)
    _clock_all(
        service,
        [("a", "t", "start", at("08:00")), ("a", "t", "finish", at("08:00") + 10 * tick),
         ("b", "u", "start", at("08:00") + 20 * tick)],
    )  # fmt: skip
    live = service.stored_plan("tiny", DAY)
    placed = {a.booking: (a.bay, a.technician, a.start) for a in live.assignments}
    assert placed == {"a": ("G1", "t", at("08:00")), "b": ("G1", "u", at("08:01"))}
    with service.store.sessions() as session:
        assert plans_db.as_of_event(session, "tiny", DAY) == (True, 3)


@pytest.mark.parametrize("finished", [False, True])
def test_work_clocked_in_the_days_last_minute_is_replanned(service: PlanningService, finished: bool) -> None:
    """A job started at 23:59:10 (and done at 23:59:40) holds the day's last minute, 23:59-24:00;
    its end was "after the plan date" (or the re-plan's now was, once done) and every live re-plan
    of the day failed. The plan holds it in that minute."""
    service.put_workshop(tiny_workshop(closing="17:00", shift_end="17:00"))
    service.book("tiny", Booking(id="a", service="MAINT", drop_off=at("08:00")), None)
    service.book("tiny", Booking(id="b", service="MAINT", drop_off=at("08:00")), None)
    actions = [("start", 10), ("finish", 40)] if finished else [("start", 10)]
    live = _clock_all(
        service,
        [("a", "t", action, at("23:59") + dt.timedelta(seconds=seconds)) for action, seconds in actions],
    )
    placed = {a.booking: (a.start, a.end) for a in live.assignments}
    assert placed["a"] == (at("23:59"), at("23:59") + dt.timedelta(minutes=1))
    with service.store.sessions() as session:
        assert plans_db.as_of_event(session, "tiny", DAY) == (True, len(actions))


def test_a_technician_who_paused_a_job_and_started_another_is_replanned(service: PlanningService) -> None:
    """t pauses a at 08:10 (waiting for a part, say) and starts b at 08:20, as the clock allows. The
    paused job was pinned to t from 08:00 to now plus its remaining 50 minutes, through b: "overlaps
    pinned work of a on technician t", and every live re-plan of the day failed until a was
    resumed. t is on b, not on a: a is held as clocked, to its pause, and planned again on resume."""
    ws = tiny_workshop(closing="17:00", shift_end="17:00")
    second = ws.bays[0].model_copy(update={"id": "G2"})
    service.put_workshop(ws.model_copy(update={"bays": [*ws.bays, second]}))
    for name in ("a", "b"):
        service.book("tiny", Booking(id=name, service="MAINT", drop_off=at("08:00")), None)
    events = (("a", "start", "08:00"), ("a", "pause", "08:10"), ("b", "start", "08:20"))
    live = _clock_all(service, [(booking, "t", action, at(moment)) for booking, action, moment in events])
    placed = {a.booking: (a.technician, a.start, a.end) for a in live.assignments}
    assert placed["a"] == ("t", at("08:00"), at("08:10"))
    assert placed["b"][:2] == ("t", at("08:20"))
    with service.store.sessions() as session:
        assert plans_db.as_of_event(session, "tiny", DAY) == (True, 3)


def test_done_work_goes_first_in_its_minute_when_the_next_job_is_expected_to_take_a_minute() -> None:
    """z done at 08:41:00 (holding 08:41-08:42), and the technician's next job a started at 08:41:00
    and expected to take a minute (learned from quick jobs before): both 08:41-08:42. Sorted by
    booking, a came first, z did not push it, and every live re-plan of the day failed ("overlaps
    pinned work"). Done work goes first in its minute."""
    pin = PinnedOperation(operation=0, bay="G1", technician="t", start=at("08:41"), end=at("08:42"))
    bookings = [Booking(id=b, service="MAINT", drop_off=at("08:00"), pinned=[pin]) for b in ("a", "z")]
    moved = {b.id: (b.pinned[0].start, b.pinned[0].end) for b in _clocked_work_in_turn(bookings, {("z", 0)})}
    assert moved == {"z": (at("08:41"), at("08:42")), "a": (at("08:42"), at("08:43"))}


def test_a_job_resumed_after_other_work_is_pinned_from_its_resume(service: PlanningService) -> None:
    """t pauses a at 08:10, does b 08:20-08:40 and resumes a at 08:50. A pin is one stretch: a,
    pinned from its first start, ran through b ("overlaps pinned work of a on technician t") and
    every live re-plan failed. a is pinned from its resume; what it worked before is counted."""
    ws = tiny_workshop(closing="17:00", shift_end="17:00")
    second = ws.bays[0].model_copy(update={"id": "G2"})
    service.put_workshop(ws.model_copy(update={"bays": [*ws.bays, second]}))
    for name in ("a", "b"):
        service.book("tiny", Booking(id=name, service="MAINT", drop_off=at("08:00")), None)
    events = (("a", "start", "08:00"), ("a", "pause", "08:10"), ("b", "start", "08:20"),
              ("b", "finish", "08:40"), ("a", "resume", "08:50"))  # fmt: skip
    live = _clock_all(service, [(booking, "t", action, at(moment)) for booking, action, moment in events])
    placed = {a.booking: (a.start, a.end) for a in live.assignments}
    assert placed == {"a": (at("08:50"), at("09:40")), "b": (at("08:20"), at("08:40"))}  # 10 + 50 min
    with service.store.sessions() as session:
        assert plans_db.as_of_event(session, "tiny", DAY) == (True, 5)


def test_a_paused_car_makes_way_for_the_next_car_clocked_into_its_bay(service: PlanningService) -> None:
    """One bay: t pauses a at 08:10 (waiting for a part) and u starts b at 08:20 in that bay. The
    paused car was projected from now in the bay, through b ("overlaps pinned work of a on bay
    G1"), and every live re-plan failed: b is in the bay, so a was moved out. a is held as clocked,
    to its pause, and planned again on resume."""
    ws = tiny_workshop(closing="17:00", shift_end="17:00")
    second = ws.technicians[0].model_copy(update={"id": "u", "name": "U"})
    service.put_workshop(ws.model_copy(update={"technicians": [*ws.technicians, second]}))
    for name in ("a", "b"):
        service.book("tiny", Booking(id=name, service="MAINT", drop_off=at("08:00")), None)
    events = (("a", "t", "start", "08:00"), ("a", "t", "pause", "08:10"), ("b", "u", "start", "08:20"))
    live = _clock_all(
        service, [(booking, tech, action, at(moment)) for booking, tech, action, moment in events]
    )
    placed = {a.booking: (a.bay, a.start, a.end) for a in live.assignments}
    assert placed["a"] == ("G1", at("08:00"), at("08:10"))
    assert placed["b"][:2] == ("G1", at("08:20"))
    with service.store.sessions() as session:
        assert plans_db.as_of_event(session, "tiny", DAY) == (True, 3)


def _pinned(booking: str, service: str, bay: str, technician: str, start: str, end: str) -> Booking:
    pin = PinnedOperation(operation=0, bay=bay, technician=technician, start=at(start), end=at(end))
    return Booking(id=booking, service=service, drop_off=at("08:00"), pinned=[pin])


def test_an_express_car_in_the_general_lift_makes_way_for_a_car_only_that_lift_takes() -> None:
    """The narrow probe's last failures (clockseq-s28: 5 of 200 days): the plan had the oil change a
    in the general lift G1, the express lane E1 free; then the minor repair b, which only G1 takes,
    was clocked on while a ran. The clock's check had let it (a matching: a in E1, b in G1), but a
    kept G1, b found no other bay, and every live re-plan of the day failed ("overlaps pinned work
    … on bay G1"). a, which may be in E1, moves there; b takes G1."""
    ws = four_bay_workshop()
    a = _pinned("a", "LUBE", "G1", "jun", "08:00", "08:40")
    b = _pinned("b", "MINOR", "G1", "sen", "08:10", "09:00")
    apart = {x.id: x.pinned[0].bay for x in _clocked_work_apart(ws, [a, b])}
    assert apart == {"a": "E1", "b": "G1"}
    # With the lane taken too, the one-car move finds no bay: b, clocked later, keeps its times with
    # no bay (over the whole day, c moved to G1 frees the lane: `_clocked_work_matched`, tested in
    # test_live_replan_matching.py).
    c = _pinned("c", "LUBE", "E1", "sen", "07:50", "08:05")
    c = c.model_copy(update={"drop_off": at("07:50")})
    held = _clocked_work_apart(ws, [c, a, b])
    assert {x.id: x.pinned[0].bay for x in held} == {"c": "E1", "a": "G1", "b": "G1"}
    unknown, conflicts = _clocked_bay_unknown(held)
    assert {x.id: x.pinned[0].bay for x in unknown} == {"c": "E1", "a": "G1", "b": None}
    assert [(x.booking, x.operation, x.bay, x.with_booking) for x in conflicts] == [("b", 0, "G1", "a")]
    assert [(x.pinned[0].start, x.pinned[0].end) for x in unknown] == [(p.start, p.end) for x in held
                                                                        for p in x.pinned]  # fmt: skip


def _clock_in_bays(service: PlanningService, events: list[tuple[str, str, str, str, str | None]]) -> Plan:
    """The tiny workshop's live plan of `DAY` once each (booking, technician, action, HH:MM, bay) is
    clocked in turn (a bay sent only where given), each re-planned inside its request."""
    floor = ShopFloor(service, background=False)
    try:
        for n, (booking, technician, action, hhmm, bay) in enumerate(events):
            event: dict[str, object] = {"booking": booking, "operation": 0, "technician": technician,
                                        "action": action, "at": at(hhmm)}  # fmt: skip
            if bay is not None:
                event["bay"] = bay
            floor.clock("tiny", event, f"key-{n}", None, at(hhmm))
    finally:
        floor.close()
    return service.stored_plan("tiny", DAY)


def test_a_clocked_bay_other_than_the_plans_guess_is_where_the_pin_lands(service: PlanningService) -> None:
    """clockbay13-s30: the plan has a in the general lift G1; t clocks it on in the paint booth P1
    (a kind maintenance does not list: the car is there). The live plan pins it in P1, not G1, and
    the validator accepts the plan with the work pinned as clocked (a pin's bay is reported work);
    b, planned after it, stays in G1."""
    ws = tiny_workshop(closing="17:00", shift_end="17:00")
    booth = ws.bays[0].model_copy(update={"id": "P1", "kind": "paint"})
    service.put_workshop(ws.model_copy(update={"bays": [*ws.bays, booth]}))
    for name in ("a", "b"):
        service.book("tiny", Booking(id=name, service="MAINT", drop_off=at("08:00")), None)
    planned = service.plan_day("tiny", DAY, 1.0)
    assert {x.booking: x.bay for x in planned.assignments}["a"] == "G1"
    live = _clock_in_bays(service, [("a", "t", "start", "08:00", "P1")])
    placed = {x.booking: (x.bay, x.start) for x in live.assignments}
    assert placed["a"] == ("P1", at("08:00")) and live.clocked_bay_conflicts == []
    assert placed["b"][0] == "G1"
    request, _, _ = service.plan_inputs("tiny", DAY, 1.0)
    a_end = next(x.end for x in live.assignments if x.booking == "a")
    pin = PinnedOperation(operation=0, bay="P1", technician="t", start=at("08:00"), end=a_end)
    pinned = [b.model_copy(update={"pinned": [pin]}) if b.id == "a" else b for b in request.bookings]
    options = request.options.model_copy(update={"keep_promises": False})
    checked = request.model_copy(update={"bookings": pinned, "options": options})
    assert validate_plan(checked, live) == []
    # Planned (not pinned) in the booth, the same placement breaks the bay kind rule.
    assert "bay_kind" in {
        v.rule for v in validate_plan(request.model_copy(update={"options": options}), live)
    }


def test_work_resumed_in_another_bay_is_pinned_there_from_its_resume(service: PlanningService) -> None:
    """a is started in G1, paused, and resumed in G2 (the car moved lifts): a pin is one stretch in
    one bay, so a is pinned in G2 from its resume (what it worked before counted)."""
    ws = tiny_workshop(closing="17:00", shift_end="17:00")
    second = ws.bays[0].model_copy(update={"id": "G2"})
    service.put_workshop(ws.model_copy(update={"bays": [*ws.bays, second]}))
    service.book("tiny", Booking(id="a", service="MAINT", drop_off=at("08:00")), None)
    events = [("a", "t", "start", "08:00", "G1"), ("a", "t", "pause", "08:10", None),
              ("a", "t", "resume", "08:20", "G2")]  # fmt: skip
    live = _clock_in_bays(service, events)
    assert [(x.bay, x.start, x.end) for x in live.assignments] == [("G2", at("08:20"), at("09:10"))]


def test_guessed_clocked_work_gives_way_to_work_clocked_into_its_bay() -> None:
    """a (the oil change) was clocked on with no bay, the plan's G1 its guess; b, which only G1
    takes, was clocked into G1 after it: b's bay is a fact, so a moves to the free lane E1 though
    it started first. With the lane taken too, a (not b, the later one) is the work with no bay."""
    ws = four_bay_workshop()
    a = _pinned("a", "LUBE", "G1", "jun", "08:00", "08:40")
    b = _pinned("b", "MINOR", "G1", "sen", "08:10", "09:00")
    apart = {x.id: x.pinned[0].bay for x in _clocked_work_apart(ws, [a, b], fixed={("b", 0)})}
    assert apart == {"a": "E1", "b": "G1"}
    # c in the lane until 08:20 (b's lift taken from 08:10: c cannot move there to make room)
    c = _pinned("c", "LUBE", "E1", "sen", "07:50", "08:20").model_copy(update={"drop_off": at("07:50")})
    held = _clocked_work_apart(ws, [c, a, b], fixed={("b", 0)})
    assert {x.id: x.pinned[0].bay for x in held} == {"c": "E1", "a": "G1", "b": "G1"}
    unknown, conflicts = _clocked_bay_unknown(held, fixed={("b", 0)})
    assert {x.id: x.pinned[0].bay for x in unknown} == {"c": "E1", "a": None, "b": "G1"}
    assert [(x.booking, x.bay, x.with_booking) for x in conflicts] == [("a", "G1", "b")]


def _booking_changes_race_the_replan(
    service: PlanningService, monkeypatch: pytest.MonkeyPatch, times: int
) -> list[str]:
    """The next `times` live plans stored (a plan made from clock events) each find that the day's
    booking "a" was changed (its phone: a detail, its place kept) after the re-plan read its day:
    the day's revision, part of its version, moved under it (review-s43 #22: the same in
    `clocked_history`). A booking on another day no longer races it (issue 16: the day's version
    moves only with changes that touch the day). The changes made, named."""
    original = service.store_plan
    booked: list[str] = []

    def racing(
        workshop_id: str, date: dt.date, plan: Plan, basis: PlanBasis, as_of_event: int | None = None
    ) -> Plan:
        if as_of_event is not None and len(booked) < times:
            booked.append(f"change-{len(booked)}")
            service.change("tiny", "a", {"phone": f"+49 30 {len(booked)}"})
        return original(workshop_id, date, plan, basis, as_of_event)

    monkeypatch.setattr(service, "store_plan", racing)
    return booked


def _newest_and_planned_from(service: PlanningService) -> tuple[int | None, int | None]:
    with service.store.sessions() as session:
        return events_db.newest_id(session, "tiny", DAY, DAY), plans_db.as_of_event(session, "tiny", DAY)[1]


def test_a_booking_change_of_the_day_during_a_live_replan_leaves_the_live_plan_following_the_events(
    service: PlanningService, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A booking of the day changed while the live re-plan ran is no failure of the day: the
    re-plan is planned again from the day as it is now and stores the plan of the newest event
    (the clocked start at 08:20 pinned), with no error logged. Before, the stored plan stayed
    behind its events ("live re-plan … failed, the stored plan stays: the day's bookings changed
    while it was planned") until the day's next event."""
    service.put_workshop(tiny_workshop())
    service.book("tiny", Booking(id="a", service="MAINT", drop_off=at("08:00")), None)
    booked = _booking_changes_race_the_replan(service, monkeypatch, 1)
    floor = ShopFloor(service, background=False)
    try:
        event = {"booking": "a", "operation": 0, "technician": "t", "action": "start", "at": at("08:20")}
        with caplog.at_level(logging.INFO, logger="bayplan"):
            floor.clock("tiny", event, "key-1", None, at("08:20"))
    finally:
        floor.close()
    assert booked == ["change-0"], "the booking change raced the re-plan"
    newest, planned_from = _newest_and_planned_from(service)
    assert planned_from == newest
    (a,) = [x for x in service.stored_plan("tiny", DAY).assignments if x.booking == "a"]
    assert a.start == at("08:20")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def test_a_background_live_replan_raced_on_every_try_is_run_again_and_catches_up(
    service: PlanningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the background, a re-plan raced by booking changes on each of its tries asks for its day
    once more: the stored plan ends made from the newest event (and the status says it no longer
    lags), not left behind with the re-plan marked failed for that event."""
    service.put_workshop(tiny_workshop())
    service.book("tiny", Booking(id="a", service="MAINT", drop_off=at("08:00")), None)
    booked = _booking_changes_race_the_replan(service, monkeypatch, LIVE_REPLAN_TRIES)
    floor = ShopFloor(service, background=True)
    try:
        event = {"booking": "a", "operation": 0, "technician": "t", "action": "start", "at": at("08:20")}
        floor.clock("tiny", event, "key-1", None, at("08:20"))
        deadline = time.monotonic() + 30
        while not floor.replans.replanner.idle():
            assert time.monotonic() < deadline, "the background re-plan never ended"
            time.sleep(0.005)
        newest, planned_from = _newest_and_planned_from(service)
        assert planned_from == newest
        assert len(booked) == LIVE_REPLAN_TRIES, "every try of the first run was raced"
        assert floor.status("tiny", DAY).replanning is False
    finally:
        floor.close()


@pytest.mark.parametrize("races", [LIVE_REPLAN_TRIES - 1, LIVE_REPLAN_TRIES])
def test_re_plan_now_raced_by_a_booking_change_of_the_day_plans_again(
    service: PlanningService, monkeypatch: pytest.MonkeyPatch, races: int
) -> None:
    """The "Re-plan now" on a day with clock events (`POST /plans`, `replan_live`) raced by a change of
    the day's own booking reads the day again and stores its plan, as the live re-plan after an
    event does; before, it answered 409 "the day's bookings changed while it was planned". Raced on
    every one of its tries, it still answers 409, and the stored plan stays."""
    service.put_workshop(tiny_workshop())
    service.book("tiny", Booking(id="a", service="MAINT", drop_off=at("08:00")), None)
    floor = ShopFloor(service, background=False)
    try:
        event = {"booking": "a", "operation": 0, "technician": "t", "action": "start", "at": at("08:20")}
        floor.clock("tiny", event, "key-1", None, at("08:20"))
    finally:
        floor.close()
    before = service.stored_plan("tiny", DAY)
    booked = _booking_changes_race_the_replan(service, monkeypatch, races)
    if races < LIVE_REPLAN_TRIES:
        plan = replan_live(service, "tiny", DAY, at("08:40"))
        assert len(booked) == races, "each try but the last was raced"
        (a,) = [x for x in plan.assignments if x.booking == "a"]
        assert a.start == at("08:20")
        assert service.stored_plan("tiny", DAY) == plan
    else:
        with pytest.raises(Conflict, match="changed while it was planned"):
            replan_live(service, "tiny", DAY, at("08:40"))
        assert service.stored_plan("tiny", DAY).assignments == before.assignments
