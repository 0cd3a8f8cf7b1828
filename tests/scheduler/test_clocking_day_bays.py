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

from scheduler.clocking import OPEN, Effective, _bays_fit, _moves_free, _two_moves, replay_in_bays
from scheduler.contract import Booking, Workshop
from scheduler.errors import Conflict
from scheduler.i18n import Translator
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


def _clash(
    events: list[tuple[str, str, str, str, str | None]],
    changed: str | None = None,
    workshop: Workshop = WS,
    bookings: dict[str, Booking] = BOOKINGS,
) -> str | None:
    """The clock's check of `changed`'s work (default: the last of `events`' booking; operation 0
    each), the day replayed with `events`."""
    effective = sorted(
        (Effective(n, b, 0, tech, action, _moment(hhmmss), bay)  # type: ignore[arg-type]
         for n, (b, tech, action, hhmmss, bay) in enumerate(events)),
        key=lambda e: (e.at, e.id),
    )  # fmt: skip
    return replay_in_bays(effective, workshop, bookings, DAY, (changed or events[-1][0], 0))[1]


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


FRAMED = three_bay_workshop(frame=True)
FRAMED_BOOKINGS = {
    name: Booking(id=name, service=code, drop_off=at("08:00"))
    for name, code in {**SERVICES, "f": "FRAME", "p": "FRAME", "q": "FRAME"}.items()
}


def _framed(events: list[tuple[str, str, str, str, str | None]]) -> str | None:
    """`_clash` on the three-bay workshop with its frame check (FRAME: A1 or C1)."""
    return _clash(events, workshop=FRAMED, bookings=FRAMED_BOOKINGS)


def _accepted_then(events: list[tuple[str, str, str, str, str | None]]) -> str | None:
    """Each of `events` but the last is taken by the clock after those before it; the last one's
    answer."""
    for n in range(1, len(events)):
        assert _framed(events[:n]) is None, events[n - 1]
    return _framed(events)


def test_the_refusal_names_only_the_car_whose_move_would_free_a_bay() -> None:
    """clockbay13-s41: as above, but b is done at 10:05 and f (a frame check: A1 or C1, no bay
    named) starts at 10:06: d is still in A1 since 10:02, f in C1 (a is in B1 or C1 till 10:10,
    and both a and b were there when d came). e's start at 10:11 is refused; f too is work in
    progress with no bay that may use A1, and was listed, but moving f (to C1, where it is, or to A1)
    frees nothing: only d, moved to B1, does. The refusal names d alone, in the words it had for d
    alone; once d's move is clocked, e is taken."""
    day = [("a", "t", "start", "10:00:00", None), ("b", "u", "start", "10:01:00", None),
           ("d", "v", "start", "10:02:00", None), ("b", "u", "finish", "10:05:00", None),
           ("f", "u", "start", "10:06:00", None), ("a", "t", "finish", "10:10:00", None)]  # fmt: skip
    e = ("e", "w", "start", "10:11:00", None)
    assert _accepted_then([*day, e]) == REFUSED
    moved = [("d", "v", "pause", "10:11:00", None), ("d", "v", "resume", "10:11:00", "B1")]
    assert _accepted_then([*day, *moved, e]) is None
    # f's move clocked (to C1: A1 is d's) is taken, and e is still refused.
    f_moved = [("f", "u", "pause", "10:11:00", None), ("f", "u", "resume", "10:11:00", "C1")]
    assert _accepted_then([*day, *f_moved, e]) is not None
    assert _framed([*day, f_moved[0], ("f", "u", "resume", "10:11:00", "A1")]) is not None


def test_where_either_car_may_be_the_one_in_the_bay_the_refusal_names_both() -> None:
    """d (alignment: A1 or B1), b (maintenance: B1 or C1) and f (frame check: A1 or C1) fill the
    three bays from 10:02, no bay named: b in B1 leaves d in A1, b in C1 leaves f in A1; b is done
    at 10:03. e (wheels: A1 only) at 10:04: whichever of d and f is in A1 stays there, so e is
    refused, and a move of either (d to B1, f to C1) would free A1: the refusal names both."""
    day = [("d", "t", "start", "10:00:00", None), ("b", "u", "start", "10:01:00", None),
           ("f", "v", "start", "10:02:00", None), ("b", "u", "finish", "10:03:00", None)]  # fmt: skip
    refused = _accepted_then([*day, ("e", "w", "start", "10:04:00", None)])
    assert refused == (
        "no bay free for booking e operation 1 (work) at 10:04: its bays (A1) are needed by work in"
        " progress clocked with no bay, which stays in one bay from its start or resume, and the day's"
        " other work left it no other since; any one of booking d operation 1 (work); booking f"
        " operation 1 (work) moved to another of its bays would free one: if one of those cars was"
        " moved, pause its work and resume it naming its bay, or name another bay"
    )
    assert Translator("zh_CN").phrase(refused) == (
        "10:04 没有空闲工位给预约 e 的工序 1（work）：它可用的工位（A1）要留给未注明工位的进行中工作——这项"
        "工作从开工或恢复起一直在同一个工位，而当天其他工作此后没有给它留出别的工位；把其中任何一辆车（预约"
        " d 的工序 1（work）；预约 f 的工序 1（work））挪到它可用的另一个工位，都能空出一个工位：如果其中一"
        "辆车已被挪动，请暂停其工作并在恢复时注明工位，或注明另一个工位"
    )
    for move in (("d", "t", "B1"), ("f", "v", "C1")):  # either move, clocked, is taken and lets e in
        car, tech, bay = move
        moved = [(car, tech, "pause", "10:04:00", None), (car, tech, "resume", "10:04:00", bay)]
        assert _accepted_then([*day, *moved, ("e", "w", "start", "10:04:00", None)]) is None, move


def test_where_no_car_moved_alone_frees_a_bay_the_refusal_names_two_moves_that_do() -> None:
    """p and q (frame checks: A1 or C1) fill A1 and C1 from 10:00, so b (maintenance: B1 or C1),
    started at 10:01, is in B1; both are done at 10:05. d (alignment: A1 or B1) at 10:06 is then
    in A1 (b holds B1). e (wheels: A1 only) at 10:11 is refused: d moved to B1 meets b there, and b
    (which may not use A1, so is not listed) would have to move to C1 first. The refusal lists d, as
    before, says that no one car moved frees a bay, and names the two moves that do, in the order
    the clock takes them (issue 13: before, it said only that cars could be moved)."""
    day = [("p", "t", "start", "10:00:00", None), ("q", "u", "start", "10:00:00", None),
           ("b", "v", "start", "10:01:00", None), ("p", "t", "finish", "10:05:00", None),
           ("q", "u", "finish", "10:05:00", None), ("d", "t", "start", "10:06:00", None)]  # fmt: skip
    e = ("e", "u", "start", "10:11:00", None)
    refused = _accepted_then([*day, e])
    assert refused == (
        "no bay free for booking e operation 1 (work) at 10:11: its bays (A1) are needed by work in"
        " progress clocked with no bay (booking d operation 1 (work)), which stays in one bay from its"
        " start or resume, and the day's other work left it no other since; no car moved alone would"
        " free one, but two moves would: booking b operation 1 (work) to C1, then booking d operation 1"
        " (work) to B1 (pause each one's work and resume it naming that bay), or name another bay"
    )
    assert Translator("zh_CN").phrase(refused) == (
        "10:11 没有空闲工位给预约 e 的工序 1（work）：它可用的工位（A1）要留给未注明工位的进行中工作（预约 "
        "d 的工序 1（work））——这项工作从开工或恢复起一直在同一个工位，而当天其他工作此后没有给它留出别的工"
        "位；单独挪动任何一辆车都空不出工位，但挪动两辆可以：先把预约 b 的工序 1（work）挪到 C1，再把预约 d "
        "的工序 1（work）挪到 B1（各自暂停工作并在恢复时注明该工位），或注明另一个工位"
    )
    # d's move alone is refused (B1 is b's) or leaves e none; b's to C1, then d's to B1, let e in.
    d_to_b1 = [("d", "t", "pause", "10:11:00", None), ("d", "t", "resume", "10:11:00", "B1")]
    assert _framed([*day, *d_to_b1]) is not None
    b_to_c1 = [("b", "v", "pause", "10:11:00", None), ("b", "v", "resume", "10:11:00", "C1")]
    assert _accepted_then([*day, *b_to_c1, *d_to_b1, e]) is None


def test_two_moves_are_named_only_where_two_free_the_bay_and_in_an_order_the_clock_takes() -> None:
    """The refused work e may use bay 0 only, from 100 s; d is in progress since 10 s (bay 0 or 1),
    b since 5 s (1 or 2), c since 5 s in bay 2. With c still there, no one car and no two moved
    free bay 0 (d to 1 needs b out, b to 2 meets c): no moves named, the refusal says that no car
    moved alone frees one. With c done at 50 s (b had to start in bay 1), b to 2 and then d to 1 do
    (d first would meet b in bay 1: the clock refuses it)."""
    e, d, b, c = ("e", 0), ("d", 0), ("b", 0), ("c", 0)
    day = [(e, 100, OPEN, (0,)), (d, 10, OPEN, (0, 1)), (b, 5, OPEN, (1, 2))]
    fixed = [*day, (c, 5, OPEN, (2,))]
    assert _moves_free(fixed, (d,), 100) is None and _two_moves(fixed, e, [d], 100) is None
    free = [*day, (c, 5, 50, (2,))]
    assert _moves_free(free, (d,), 100) is None
    assert _two_moves(free, e, [d], 100) == ((b, 2), (d, 1))
