"""The clock's bay check (`clocking.replay_in_bays`) at one moment, on a workshop of two bays: a lift
G1 (general: maintenance) and a body bay P1 (body work). clockbay13-s38: a start clocked INTO a bay
that running work clocked with no bay needs (its only bay) was accepted; and a day that already has
a clash (recorded before the check) still takes events that add none."""

from __future__ import annotations

import pytest

from scheduler.clocking import Effective, replay_in_bays
from scheduler.contract import Booking, Workshop
from tests.builders import DAY, at, tiny_workshop


def _workshop() -> Workshop:
    ws = tiny_workshop(closing="17:00", shift_end="17:00").model_dump(mode="json")
    (tech,) = ws["technicians"]
    body = {"code": "BODY", "name": "Body", "operations": [
        {"name": "panel", "minutes": 60, "skill": "maintenance", "bay_kinds": ["body"]}]}  # fmt: skip
    either = {"code": "EITHER", "name": "Either", "operations": [
        {"name": "check", "minutes": 60, "skill": "maintenance",
         "bay_kinds": ["general", "body"]}]}  # fmt: skip
    return Workshop.model_validate(
        {
            **ws,
            "bays": [{"id": "G1", "kind": "general"}, {"id": "P1", "kind": "body"}],
            "technicians": [{**tech, "id": name} for name in ("t", "u", "v", "w")],
            "services": [*ws["services"], body, either],
        }
    )


WS = _workshop()
BOOKINGS = {
    name: Booking(id=name, service=service, drop_off=at("08:00"))
    for name, service in (("A", "MAINT"), ("B", "MAINT"), ("C", "BODY"), ("D", "MAINT"))
}


def _start(n: int, booking: str, tech: str, hhmm: str, bay: str | None = None) -> Effective:
    return Effective(n, booking, 0, tech, "start", at(hhmm), bay)


def _clash(events: list[Effective], changed: str) -> str | None:
    _, clash = replay_in_bays(sorted(events, key=lambda e: (e.at, e.id)), WS, BOOKINGS, DAY, (changed, 0))
    return clash


def test_a_start_clocked_into_the_only_bay_of_running_work_with_no_bay_is_refused() -> None:
    """A runs from 08:00 with no bay named: maintenance has only G1. B clocked into G1 at 08:05
    cannot be (either order of posting): no bays explain 08:05."""
    a = _start(1, "A", "t", "08:00")
    b = _start(2, "B", "u", "08:05", bay="G1")
    assert _clash([a, b], "B") == (
        "bay G1 is taken at 08:05: booking A operation 1 (work) is in it, in progress, clocked with no bay"
        " (its bays, G1, have no other one free); finish or pause that work first, or name another bay"
    )
    assert _clash([a, b], "A") is not None  # posted the other way round: A's own check (as before)
    # B clocked into the body bay is where it says (a kind maintenance does not list: the car is there).
    assert _clash([a, _start(2, "B", "u", "08:05", bay="P1")], "B") is None
    assert _clash([_start(1, "A", "t", "08:00", bay="P1"), b], "B") is None  # A is in P1: G1 is free


@pytest.mark.parametrize("bay", [None, "P1"])
def test_a_day_with_a_clash_of_its_own_still_takes_work_that_adds_none(bay: str | None) -> None:
    """A day recorded with A (no bay) and B (clocked into G1) both in the lift from 08:05, as the
    clock took them before this check: C's body work in the free body bay, with or without naming
    it, is not refused for A and B's clash; D's maintenance, which has no bay either way, is."""
    day = [_start(1, "A", "t", "08:00"), _start(2, "B", "u", "08:05", bay="G1")]
    assert _clash([*day, _start(3, "C", "v", "08:10", bay=bay)], "C") is None
    assert _clash([*day, _start(3, "D", "v", "08:10")], "D") == (
        "no bay free for booking D operation 1 (work) at 08:10: its bays (G1) hold work in progress"
        " (booking A operation 1 (work); booking B operation 1 (work))"
    )


def test_the_moment_counts_only_while_the_work_is_in_progress() -> None:
    """A paused at 08:05 has left the lift: B may be clocked into it then (a handover)."""
    day = [
        _start(1, "A", "t", "08:00"),
        Effective(2, "A", 0, "t", "pause", at("08:05")),
        _start(3, "B", "u", "08:05", bay="G1"),
    ]
    assert _clash(day, "B") is None
    resumed = Effective(4, "A", 0, "t", "resume", at("08:30"))
    assert _clash([*day, resumed], "A") is not None  # back in with no bay: G1 has B


def test_running_work_with_no_bay_stays_in_the_bay_it_started_in() -> None:
    """onepin13-s38, the clockbay probe's last no-bay re-plan (day 2027-05-05): with two lifts, D is
    clocked into G2 at 08:00; A starts at 08:10 with no bay, so A is in G1 (G2 has D); D finishes at
    08:20. B clocked into G1 at 08:30 cannot be: A is still in G1 (a stretch of work is in one bay
    from its start to its pause or finish, as the live plan pins it), though G2 is free by then.
    Before: each moment was matched on its own (A "in G2" at 08:30), the start was taken, and the
    live plan had no bay for A or B."""
    lifts = WS.model_copy(update={"bays": [*WS.bays, WS.bays[0].model_copy(update={"id": "G2"})]})
    c = Effective(1, "D", 0, "t", "start", at("08:00"), "G2")
    a = _start(2, "A", "u", "08:10")
    d_done = Effective(3, "D", 0, "t", "finish", at("08:20"))
    day = [c, a, d_done]

    def clash(events: list[Effective]) -> str | None:
        _, why = replay_in_bays(sorted(events, key=lambda e: (e.at, e.id)), lifts, BOOKINGS, DAY, ("B", 0))
        return why

    assert clash([*day, _start(4, "B", "t", "08:30", bay="G1")]) == (
        "bay G1 is taken at 08:30: booking A operation 1 (work) is in it, in progress, clocked with no bay"
        " (its bays, G1, have no other one free); finish or pause that work first, or name another bay"
    )
    assert clash([*day, _start(4, "B", "t", "08:30", bay="G2")]) is None  # the lift D left
    assert clash([*day, _start(4, "B", "t", "08:30")]) is None  # no bay named: B in G2
    # A started when D had left (a handover at 08:20) may be in G2: then G1 is free for B.
    later = [c, d_done, _start(2, "A", "u", "08:20")]
    assert clash([*later, _start(4, "B", "t", "08:30", bay="G1")]) is None
    # A paused and resumed after D left has left its lift: its new stretch may be in G2.
    moved = [
        *day,
        Effective(5, "A", 0, "u", "pause", at("08:25")),
        Effective(6, "A", 0, "u", "resume", at("08:26")),
    ]
    assert clash([*moved, _start(4, "B", "t", "08:30", bay="G1")]) is None


def test_running_work_with_no_bay_stays_in_the_bay_other_work_with_no_bay_left_it() -> None:
    """onepin13-s38, the same with a guess: X (maintenance, no bay named) can only be in the lift
    G1, so A (a check that may use G1 or the body bay P1), started at 08:10 with no bay while X
    runs, is in P1. X done at 08:20, B clocked into P1 at 08:30 cannot be: A is still in P1. B
    clocked into G1 (the lift X left) is taken."""
    bookings = {**BOOKINGS, "X": Booking(id="X", service="MAINT", drop_off=at("08:00")),
                "A": Booking(id="A", service="EITHER", drop_off=at("08:00"))}  # fmt: skip
    day = [
        _start(1, "X", "t", "08:00"),
        _start(2, "A", "u", "08:10"),
        Effective(3, "X", 0, "t", "finish", at("08:20")),
    ]

    def clash(bay: str) -> str | None:
        events = [*day, _start(4, "C", "v", "08:30", bay=bay)]
        return replay_in_bays(events, WS, bookings, DAY, ("C", 0))[1]

    assert clash("P1") == (
        "bay P1 is taken at 08:30: booking A operation 1 (check) is in it, in progress, clocked with no bay"
        " (its bays, P1, have no other one free); finish or pause that work first, or name another bay"
    )
    assert clash("G1") is None


def test_a_day_with_a_clash_of_its_own_still_holds_the_bay_after_the_clocked_car_leaves() -> None:
    """A (no bay: G1 only) and B clocked into G1 at 08:05, as the clock took them before
    clockbay13-s38; B leaves at 08:20. A is still in G1, so D's maintenance at 08:30 has no bay
    (the bar that B's bay puts on A's stretch leaves A no bay at all: it is not applied)."""
    day = [_start(1, "A", "t", "08:00"), _start(2, "B", "u", "08:05", bay="G1"),
           Effective(3, "B", 0, "u", "finish", at("08:20"))]  # fmt: skip
    assert _clash([*day, _start(4, "D", "v", "08:30")], "D") == (
        "no bay free for booking D operation 1 (work) at 08:30: its bays (G1) hold work in progress"
        " (booking A operation 1 (work))"
    )
