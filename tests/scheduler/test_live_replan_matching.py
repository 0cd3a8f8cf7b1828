"""The clocked work of a live day given bays over the whole day (issue 13, makeway13-s38): where the
one-car make-way move of `_clocked_work_apart` leaves two cars in one bay, a matching of all the
day's clocked work to bays (`_clocked_work_matched`, over `solver.bay_matching`) finds bays that
need two cars moved; only where none exist is the later work pinned with no bay and reported."""

from __future__ import annotations

import pytest

from scheduler.clocking import bays_for
from scheduler.contract import Booking, PinnedOperation, Plan
from scheduler.live_replan import (
    _clocked_bay_unknown,
    _clocked_work_apart,
    _clocked_work_matched,
    replan_live,
)
from scheduler.plan_tasks import PlanBasis
from scheduler.service import PlanningService
from scheduler.storage import clock_events as events_db
from tests.builders import DAY, at, four_bay_workshop, three_bay_workshop, valid_with_pins
from tests.builders import THREE_BAYS as W

# (booking, service, the stored plan's bay, technician, planned start, planned end, clocked start)
DAY_OF_THREE = [
    ("s", "ALIGN", "B1", "t", "08:00", "09:30", "08:00"),
    ("r", "MAINT", "C1", "u", "08:00", "09:00", "08:10"),
    ("q", "BODY", "C1", "v", "09:00", "09:30", "08:30"),
]
"""The plan has s in the general lift B1, r in the body bay C1 and q after it there; then q, which
only C1 takes, was clocked on at 08:30 while r ran (no bay named: the plan's C1 guessed). r could
go to B1, but s is there from 08:00; s could go to A1. The one-car move finds nothing (r's other
bay is not free), so q was pinned with no bay; the day's bays are s A1, r B1, q C1: two cars moved."""
WHEEL_IN_A1 = ("p", "WHEEL", "A1", "w", "08:00", "09:00", "08:00")
"""A car only the alignment bay takes, clocked in it from 08:00 to 08:20 (done): s cannot go there,
so no bays fit the day (q could be in A1 from 08:30, but BODY work is not done there)."""
WHEEL_DONE = {"p": "08:20"}


def _clocked_day(
    service: PlanningService,
    day: list[tuple[str, str, str, str, str, str, str]],
    named: dict[str, str] | None = None,
    finished: dict[str, str] | None = None,
) -> Plan:
    """The three-bay day with `day`'s bookings, its stored plan as given (each in its bay, with its
    technician, at its planned times), then each booking's start clocked (the events recorded as
    reported late, after that plan: with no bay, or the bay in `named`) and its finish where
    `finished` has one, and the day re-planned live at 08:40."""
    service.put_workshop(three_bay_workshop())
    for booking, code, *_ in day:
        service.book(W, Booking(id=booking, service=code, drop_off=at("08:00")), None)
    request, _, version = service.plan_inputs(W, DAY, 1.0)
    planned = service.plan_day(W, DAY, 1.0)
    rows = {booking: (bay, tech, at(start), at(end)) for booking, _, bay, tech, start, end, _ in day}
    made = [
        x.model_copy(update=dict(zip(("bay", "technician", "start", "end"), rows[x.booking], strict=True)))
        for x in planned.assignments
    ]
    stored = service.store_plan(
        W, DAY, planned.model_copy(update={"assignments": made}), PlanBasis(version, request)
    )
    assert {x.booking: x.bay for x in stored.assignments} == {b: row[0] for b, row in rows.items()}
    events = [(booking, tech, "start", clocked) for booking, _, _, tech, _, _, clocked in day]
    events += [(booking, tech, "finish", (finished or {})[booking]) for booking, _, _, tech, *_ in day
               if booking in (finished or {})]  # fmt: skip
    with service.store.transaction() as session:
        for n, (booking, tech, action, hhmm) in enumerate(events):
            events_db.add(session, events_db.new_event(
                W, date=DAY, booking_id=booking, operation=0, technician=tech, action=action,
                corrected_action=None, at=at(hhmm), corrects=None, recorded_at=at("08:35"), key_id=None,
                idempotency_key=f"k{n}", request_hash=f"h{n}", asked_now=at(hhmm),
                bay=(named or {}).get(booking) if action == "start" else None,
            ))  # fmt: skip
    return replan_live(service, W, DAY, at("08:40"))


def test_a_clash_two_cars_deep_gets_every_clocked_job_a_bay(service: PlanningService) -> None:
    """q, which only the body bay takes, clocked on while r ran there: r moves to the general lift
    and s, there since 08:00, to the alignment bay (each a bay its service may use); every clocked
    job keeps its times and has a bay, nothing is reported, and the plan passes the validator. Before
    (the one-car move only), q was pinned with no bay and reported "clocked while r held C1"."""
    live = _clocked_day(service, DAY_OF_THREE)
    placed = {x.booking: (x.bay, x.technician, x.start) for x in live.assignments}
    assert placed == {
        "s": ("A1", "t", at("08:00")),
        "r": ("B1", "u", at("08:10")),
        "q": ("C1", "v", at("08:30")),
    }
    assert live.clocked_bay_conflicts == []
    ws = three_bay_workshop()
    for x in live.assignments:
        booking = Booking(
            id=x.booking, service={b: c for b, c, *_ in DAY_OF_THREE}[x.booking], drop_off=at("08:00")
        )
        assert x.bay in bays_for(ws, booking, 0)
    valid_with_pins(service, live, {"s", "r", "q"})


@pytest.mark.parametrize(
    ("day", "named", "finished"),
    [
        pytest.param([*DAY_OF_THREE, WHEEL_IN_A1], {}, WHEEL_DONE, id="a wheel job held the alignment bay"),
        pytest.param(DAY_OF_THREE, {"s": "B1"}, {}, id="s was clocked into the general lift"),
    ],
)
def test_where_no_bays_fit_the_day_the_later_work_has_none_and_is_reported(
    service: PlanningService,
    day: list[tuple[str, str, str, str, str, str, str]],
    named: dict[str, str],
    finished: dict[str, str],
) -> None:
    """No bays fit the day: a car only the alignment bay takes was in it until 08:20 (s, there
    from 08:00, cannot move there), or s's clock event named the general lift (work clocked into a
    bay never moves, though moving it would fit the day). q, clocked later than r in the body bay,
    keeps its times with no bay and is reported, as before; the others stay where they were, and
    the plan passes the validator."""
    live = _clocked_day(service, day, named, finished)
    placed = {x.booking: x.bay for x in live.assignments}
    assert placed == {"s": "B1", "r": "C1", "q": None} | ({"p": "A1"} if len(day) == 4 else {})
    assert [(c.booking, c.bay, c.with_booking) for c in live.clocked_bay_conflicts] == [("q", "C1", "r")]
    valid_with_pins(service, live, {row[0] for row in day})


def _pinned(booking: str, service: str, bay: str, technician: str, start: str, end: str) -> Booking:
    pin = PinnedOperation(operation=0, bay=bay, technician=technician, start=at(start), end=at(end))
    return Booking(id=booking, service=service, drop_off=at("07:50"), pinned=[pin])


def test_the_narrow_probes_no_bay_day_is_matched_with_the_car_done_hours_before_moved() -> None:
    """onelift13-s29's one no-bay pin: c's oil change in the express lane E1 until 08:05 (done), a's
    in the general lift G1 from 08:00, and b, which only G1 takes, clocked on there at 08:10. a
    cannot go to E1 for all its time (c held it until 08:05), so the one-car move failed and b had
    no bay. Over the whole day: c in G1, a in E1, b in G1. With c clocked into E1 (a fact), no bays
    fit: c stays, and b has none, as before."""
    ws = four_bay_workshop()
    c = _pinned("c", "LUBE", "E1", "sen", "07:50", "08:05")
    a = _pinned("a", "LUBE", "G1", "jun", "08:00", "08:40")
    b = _pinned("b", "MINOR", "G1", "sen", "08:10", "09:00")
    guessed = [c, a, b]
    held = _clocked_work_apart(ws, guessed)
    assert {x.id: x.pinned[0].bay for x in held} == {"c": "E1", "a": "G1", "b": "G1"}  # the one-car move
    matched = _clocked_work_matched(ws, held, guessed)
    assert {x.id: x.pinned[0].bay for x in matched} == {"c": "G1", "a": "E1", "b": "G1"}
    assert [(p.start, p.end) for x in matched for p in x.pinned] == [
        (p.start, p.end) for x in held for p in x.pinned
    ]
    assert _clocked_bay_unknown(matched)[1] == []
    fixed = {("c", 0)}
    kept = _clocked_work_matched(ws, _clocked_work_apart(ws, guessed, fixed), guessed, fixed)
    unknown, conflicts = _clocked_bay_unknown(kept, fixed)
    assert {x.id: x.pinned[0].bay for x in unknown} == {"c": "E1", "a": "G1", "b": None}
    assert [(x.booking, x.bay, x.with_booking) for x in conflicts] == [("b", "G1", "a")]


def test_without_a_clash_nothing_is_matched_and_the_bays_stay_as_guessed() -> None:
    """The fast path: clocked work that shares no bay keeps its bays, even where a matching would
    count a guessed bay the greedy moves changed (the same bookings come back)."""
    ws = four_bay_workshop()
    a = _pinned("a", "LUBE", "G1", "jun", "08:00", "08:40")
    b = _pinned("b", "MINOR", "G1", "sen", "08:10", "09:00")
    apart = _clocked_work_apart(ws, [a, b])
    assert {x.id: x.pinned[0].bay for x in apart} == {"a": "E1", "b": "G1"}
    assert _clocked_work_matched(ws, apart, [a, b]) is apart
