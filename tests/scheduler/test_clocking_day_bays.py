"""The clock's bay check over the whole day (issue 13, clockleft13-s40): bays that only the matching
of several cars forces. On the three-bay workshop (the body bay C1, the general lift B1, the
alignment bay A1), a and b (maintenance: B1 or C1) run from 10:00 and 10:01 with no bay named, and
d (alignment: A1 or B1) is started beside them at 10:02 with no bay: a and b fill B1 and C1, so d
is in A1, and stays there (a stretch of work is in one bay from its start or resume to its pause or
finish). a is done at 10:10; at 10:11 e (wheels: A1 only) is started. At 10:11 alone, b in C1, d
in B1 and e in A1 fit, and the clock took it (each bay was only forced by the matching, not certain
at any moment, so nothing barred A1 for d); the live plan then had d or e in no bay (reported as a
clash the clock had not seen). Now the clock refuses e with 409 saying why, and takes it once d's
move to B1 is clocked (paused and resumed naming B1), or with the day as it was before e (a day
recorded with a clash of its own takes work that adds none)."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.clocking import Effective, _bays_fit, replay_in_bays
from scheduler.contract import Booking
from scheduler.errors import Conflict
from scheduler.service import PlanningService
from scheduler.shopfloor import ShopFloor
from tests.builders import DAY, at, three_bay_workshop, valid_with_pins
from tests.builders import THREE_BAYS as W

WS = three_bay_workshop()
SERVICES = {"a": "MAINT", "b": "MAINT", "d": "ALIGN", "e": "WHEEL", "g": "MAINT"}
BOOKINGS = {name: Booking(id=name, service=code, drop_off=at("08:00")) for name, code in SERVICES.items()}
# (booking, technician, action, HH:MM:SS, the bay named)
THREE_CARS = [("a", "t", "start", "10:00:00", None), ("b", "u", "start", "10:01:00", None),
              ("d", "v", "start", "10:02:00", None), ("a", "t", "finish", "10:10:00", None)]  # fmt: skip
REFUSED = (
    "no bay free for booking e operation 1 (work) at 10:11: its bays (A1) are needed by work in"
    " progress clocked with no bay (booking d operation 1 (work)), which stays in one bay from its"
    " start or resume, and the day's other work left it no other since; if that car was moved,"
    " pause its work and resume it naming its bay, or name another bay"
)


def _moment(hhmmss: str) -> dt.datetime:
    hh, mm, ss = hhmmss.split(":")
    return at(f"{hh}:{mm}") + dt.timedelta(seconds=int(ss))


def _clash(events: list[tuple[str, str, str, str, str | None]], changed: str | None = None) -> str | None:
    """The clock's check of `changed`'s work (default: the last of `events`' booking; operation 0
    each), the day replayed with `events`."""
    effective = sorted(
        (Effective(n, b, 0, tech, action, _moment(hhmmss), bay)  # type: ignore[arg-type]
         for n, (b, tech, action, hhmmss, bay) in enumerate(events)),
        key=lambda e: (e.at, e.id),
    )  # fmt: skip
    return replay_in_bays(effective, WS, BOOKINGS, DAY, (changed or events[-1][0], 0))[1]


@pytest.mark.parametrize("bay", [None, "A1"])
def test_a_start_into_a_bay_the_matching_forced_on_work_with_no_bay_is_refused(bay: str | None) -> None:
    """e (wheels: A1 only), named into A1 or not, at 10:11: d has been in A1 since 10:02."""
    assert _clash([*THREE_CARS, ("e", "t", "start", "10:11:00", bay)]) == REFUSED


def test_the_start_is_taken_once_the_car_is_clocked_out_of_the_bay() -> None:
    """d's move to B1 (free since a's finish) clocked as a pause and a resume naming B1: e is taken.
    A start the day has room for is taken too: g (maintenance: B1 or C1) once b is done, in B1 or
    C1 beside d in A1. Before a's finish, all three bays full, the moment's own check refuses e."""
    moved = [("d", "v", "pause", "10:10:30", None), ("d", "v", "resume", "10:10:40", "B1")]
    assert _clash([*THREE_CARS, *moved, ("e", "t", "start", "10:11:00", None)]) is None
    b_done = ("b", "u", "finish", "10:10:50", None)
    assert _clash([*THREE_CARS, b_done, ("g", "w", "start", "10:11:00", None)]) is None
    assert _clash([*THREE_CARS[:3], ("e", "w", "start", "10:05:00", None)]) is not None


def test_a_day_with_a_clash_of_its_own_still_takes_work_that_adds_none() -> None:
    """e taken before this check (recorded so): the day has no bays for d and e already; g
    (maintenance: B1 or C1), started once b is done, adds nothing to that clash and is taken: at
    the day's newest moment (two bays, one other car in progress that may use them), and with e's
    pause at 10:14 recorded before it (the whole day matched: it fits beside d and e no worse)."""
    day = [*THREE_CARS, ("e", "t", "start", "10:11:00", None), ("b", "u", "finish", "10:12:00", None)]
    g = ("g", "w", "start", "10:13:00", None)
    assert _clash([*day, g]) is None
    assert _clash([*day, g, ("e", "t", "pause", "10:14:00", None)], changed="g") is None


def test_the_shop_floor_refuses_the_start_and_the_live_plan_gives_every_car_a_bay(
    service: PlanningService,
) -> None:
    """Through the shop floor's intake (its checks, then the re-plan inside the request): the
    three cars and a's finish are taken, e's start is a Conflict with the reason, and nothing is
    recorded for it; d's move clocked, e is taken, and the live plan has every clocked car in a bay
    (d in B1 from its resume, e in A1), no conflict, and the validator accepts it."""
    service.put_workshop(WS)
    for booking in BOOKINGS.values():
        service.book(W, booking, None)
    floor = ShopFloor(service, background=False)

    def clock(n: int, booking: str, tech: str, action: str, hhmmss: str, bay: str | None) -> None:
        fields = {"booking": booking, "operation": 0, "technician": tech, "action": action,
                  "at": _moment(hhmmss), "bay": bay}  # fmt: skip
        floor.clock(W, fields, f"key-{n}", None, _moment(hhmmss))

    try:
        for n, event in enumerate(THREE_CARS):
            clock(n, *event)
        with pytest.raises(Conflict) as refused:
            clock(10, "e", "t", "start", "10:11:00", None)
        assert str(refused.value) == REFUSED
        assert floor.replans.lag(W, DAY)[2] == 4  # (e's start not recorded)
        clock(11, "d", "v", "pause", "10:10:30", None)
        clock(12, "d", "v", "resume", "10:10:40", "B1")
        clock(13, "e", "t", "start", "10:11:00", None)
        _, as_of, newest = floor.replans.lag(W, DAY)
    finally:
        floor.close()
    assert as_of == newest
    live = service.stored_plan(W, DAY)
    placed = {x.booking: (x.bay, x.start) for x in live.assignments}
    assert placed["d"] == ("B1", at("10:10"))
    assert placed["e"] == ("A1", at("10:11"))
    assert {placed["a"][0], placed["b"][0]} == {"B1", "C1"}
    assert live.clocked_bay_conflicts == []
    valid_with_pins(service, live, {"a", "b", "d", "e"})


def test_where_the_first_fit_finds_no_bays_the_exact_matching_decides() -> None:
    """The first fit in order of start puts the first stretch in bay 0, which the second can only
    use: the matching finds bays (the first in bay 1); three stretches at once in two bays: none."""
    assert _bays_fit([(0, 5, (0, 1)), (0, 10, (0,))])
    assert not _bays_fit([(0, 5, (0, 1)), (0, 10, (0,)), (2, 3, (1,))])
