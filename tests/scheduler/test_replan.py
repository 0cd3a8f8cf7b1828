"""Re-planning during the day: started work pinned, overruns and walk-ins fitted in, few changes."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest

from scheduler.contract import (
    Assignment,
    Booking,
    OperationEvent,
    Overrun,
    PinnedOperation,
    Plan,
    PlanOptions,
    PlanRequest,
    ReplanRequest,
)
from scheduler.errors import InputError
from scheduler.i18n import Translator
from scheduler.integrity import NoValidPlan, checked_plan
from scheduler.planning import make_plan
from scheduler.replan import diff, replan, replan_request
from scheduler.validator import assert_valid
from tests.builders import DAY, assignment, at, booking, two_technician_workshop
from tests.builders import four_bay_request as request
from tests.builders import plan as hand_plan
from tests.builders import request as small_request

MORNING = [
    Booking(id="b1", service="MINOR", drop_off=at("08:00"), promised=at("11:00"), waiter=True),
    Booking(id="b2", service="LUBE", drop_off=at("08:00"), promised=at("09:30"), waiter=True),
    Booking(id="b3", service="MINOR", drop_off=at("09:00"), promised=at("15:00")),
    Booking(id="b4", service="LUBE", drop_off=at("09:30"), promised=at("11:00")),
    Booking(id="b5", service="MINOR", drop_off=at("10:00"), promised=at("17:00")),
]


def _day() -> tuple[PlanRequest, Plan]:
    req = request(MORNING, limit=5)
    plan = make_plan(req, "cpsat")
    assert_valid(req, plan)
    return req, plan


def _effective_request(rr: ReplanRequest) -> PlanRequest:
    bookings, now = replan_request(rr)
    options = rr.request.options.model_copy(update={"not_before": now})
    return rr.request.model_copy(update={"bookings": bookings, "options": options})


def test_overrun_keeps_started_work_and_moves_the_rest() -> None:
    req, plan = _day()
    now = at("09:30")
    running = [a for a in plan.assignments if a.start < now < a.end]
    assert running, "the test day should have work in progress at 09:30"
    victim = running[0]
    later = victim.end + dt.timedelta(minutes=45)
    rr = ReplanRequest(
        request=req,
        plan=plan,
        now=now,
        overruns=[Overrun(booking=victim.booking, operation=victim.operation, expected_end=later)],
    )
    result = replan(rr, "cpsat")
    assert_valid(_effective_request(rr), result.plan)
    new = {(a.booking, a.operation): a for a in result.plan.assignments}
    extended = new[(victim.booking, victim.operation)]
    assert (extended.bay, extended.technician, extended.start) == (
        victim.bay,
        victim.technician,
        victim.start,
    )
    assert extended.end == victim.end + dt.timedelta(minutes=45)
    for a in plan.assignments:
        if a.start < now:  # started before now: pinned exactly (end aside for the overrun)
            b = new[(a.booking, a.operation)]
            assert (b.bay, b.technician, b.start) == (a.bay, a.technician, a.start)
    for key, b in new.items():
        old = next((a for a in plan.assignments if (a.booking, a.operation) == key), None)
        if old is None or old.start >= now:
            assert b.start >= now, "nothing that has not started may start in the past"
    assert all(c.kind in ("moved", "reassigned") for c in result.changes)


def test_walk_in_is_added_and_reported() -> None:
    req, plan = _day()
    walk_in = Booking(id="walkin", service="LUBE", drop_off=at("10:15"), waiter=True, promised=at("11:30"))
    rr = ReplanRequest(request=req, plan=plan, now=at("10:15"), walk_ins=[walk_in])
    result = replan(rr, "cpsat")
    assert_valid(_effective_request(rr), result.plan)
    assert any(c.kind == "added" and c.booking == "walkin" for c in result.changes)
    assert "walkin" not in {u.booking for u in result.plan.unassigned}


def test_nothing_happened_means_nothing_changes() -> None:
    req, plan = _day()
    rr = ReplanRequest(request=req, plan=plan, now=at("08:00"))
    result = replan(rr, "cpsat")
    assert_valid(_effective_request(rr), result.plan)
    assert result.changes == []


def test_cancelled_booking_is_dropped_and_finished_work_frees_time() -> None:
    req, plan = _day()
    first = min(plan.assignments, key=lambda a: a.start)
    early = first.start + dt.timedelta(minutes=20)
    rr = ReplanRequest(
        request=req,
        plan=plan,
        now=at("09:00"),
        cancelled=["b5"],
        finished=[OperationEvent(booking=first.booking, operation=first.operation, at=early)],
    )
    result = replan(rr, "greedy")
    assert_valid(_effective_request(rr), result.plan)
    assert {c.booking for c in result.changes if c.kind == "dropped"} == {"b5"}
    done = next(
        a for a in result.plan.assignments if (a.booking, a.operation) == (first.booking, first.operation)
    )
    assert done.end == first.start + dt.timedelta(minutes=20)


def test_bad_events_name_the_field() -> None:
    req, plan = _day()
    rr = ReplanRequest(request=req, plan=plan, now=at("09:00"), cancelled=["nope"])
    with pytest.raises(InputError) as err:
        replan(rr)
    assert err.value.field == "cancelled[0]"
    rr = ReplanRequest(request=req, plan=plan, now=at("09:00"), walk_ins=[MORNING[0]])
    with pytest.raises(InputError) as err:
        replan(rr)
    assert err.value.field == "walk_ins[0].id"


def test_replanning_an_unchanged_day_twice_gives_the_same_plan() -> None:
    req, plan = _day()
    rr = ReplanRequest(request=req, plan=plan, now=at("09:40"))
    first = replan(rr, "cpsat").plan.model_dump(mode="json")
    second = replan(rr, "cpsat").plan.model_dump(mode="json")
    first.pop("solve_seconds")
    second.pop("solve_seconds")
    assert first == second


def test_an_overrun_into_started_work_names_the_overrun() -> None:
    req, plan = _day()
    by_technician: dict[str, list[Assignment]] = {}
    for a in sorted(plan.assignments, key=lambda a: a.start):
        by_technician.setdefault(a.technician, []).append(a)
    pairs = [p for ts in by_technician.values() for p in itertools.pairwise(ts)]
    other = next(p for p in pairs if p[0].booking != p[1].booking)  # into another booking's work
    own = next((p for p in pairs if p[0].booking == p[1].booking), None)  # into its own next operation
    for first, second in [other] + ([own] if own else []):
        now = second.start + dt.timedelta(minutes=5)  # both reported started, as the plan has them
        late = second.start + dt.timedelta(minutes=30)
        overrun = Overrun(booking=first.booking, operation=first.operation, expected_end=late)
        # (Unreported, the second would be pushed after the overrun: no contradiction.)
        began = OperationEvent(booking=second.booking, operation=second.operation, at=second.start)
        rr = ReplanRequest(request=req, plan=plan, now=now, overruns=[overrun], started=[began])
        with pytest.raises(InputError) as err:
            replan(rr)
        # What the caller sent, not an internal path: the later work's event first.
        said_by = "started[0]" if first.booking != second.booking else "overruns[0]"
        assert err.value.field == said_by, err.value
        assert second.booking in str(err.value) and first.booking in str(err.value)
        said = Translator("zh-CN").phrase(err.value.reason)  # whole in Chinese (before: English in it)
        assert second.booking in said and first.booking in said and not re.search("[a-z]{3,} [a-z]{3,}", said)


def test_work_started_before_its_previous_operation_ends_is_said_as_people_number_operations() -> None:
    """The plan has b5's repair before now (reported started there) while its
    diagnosis was clocked 16:30-16:55. The error said "booking b5: operation 1 starts before
    operation 0 ends": numbered from 0 and, in Chinese, English inside the sentence (walk-s15 C).
    Now it names the operations as the phone page and the clock's refusals do."""
    req, plan = _day()
    repair = next(a for a in plan.assignments if (a.booking, a.operation) == ("b5", 1))
    assert repair.start < at("16:30")
    rr = ReplanRequest(
        request=req,
        plan=plan,
        now=at("16:56"),
        # The repair reported started as planned (unreported, it would wait for the diagnosis).
        started=[
            OperationEvent(booking="b5", operation=0, at=at("16:30")),
            OperationEvent(booking="b5", operation=1, at=repair.start),
        ],
        finished=[OperationEvent(booking="b5", operation=0, at=at("16:55"))],
    )
    with pytest.raises(InputError) as err:
        replan(rr, "greedy")
    assert err.value.field == "started[0]"
    assert err.value.reason == (
        "booking b5 operation 2 (repair) starts before its operation 1 (diagnosis) ends"
    )
    assert Translator("zh-CN").phrase(err.value.reason) == (
        "预约 b5 的工序 2（repair）在该预约的工序 1（diagnosis）结束之前就开始了"
    )


@pytest.mark.parametrize("planner", ["greedy", "cpsat"])
def test_work_clocked_too_late_for_its_repair_carries_the_repair_over(planner: str) -> None:
    """b5's diagnosis started at 16:30 and finished at 16:55: its repair fits no shift left. The
    re-plan keeps the diagnosis as clocked and lists the repair as carried over (before: every
    plan broke the pinned rule, and the re-plan found none)."""
    req, plan = _day()
    # As the live day re-plans: the plan's work before now that nobody clocked (b5's repair) has
    # not started.
    waiting = [a for a in plan.assignments if (a.booking, a.operation) != ("b5", 1)]
    rr = ReplanRequest(
        request=req,
        plan=plan.model_copy(update={"assignments": waiting}),
        now=at("16:56"),
        started=[OperationEvent(booking="b5", operation=0, at=at("16:30"))],
        finished=[OperationEvent(booking="b5", operation=0, at=at("16:55"))],
    )
    result = replan(rr, planner)
    assert_valid(_effective_request(rr), result.plan)
    b5 = [(a.operation, a.start, a.end) for a in result.plan.assignments if a.booking == "b5"]
    assert b5 == [(0, at("16:30"), at("16:55"))]
    assert [(u.booking, u.operations) for u in result.plan.unassigned] == [("b5", [1])]
    removed = [c for c in diff(plan, result.plan, rr) if (c.booking, c.operation) == ("b5", 1)]
    assert [c.kind for c in removed] == ["unassigned"] and "carried over" in removed[0].summary


def test_the_validator_gate_falls_back_to_a_greedy_plan_that_carries_over_too() -> None:
    """A re-plan whose own plan broke a rule fell back to the greedy plan, which left a booking
    with clocked work out whole (invalid too): no plan. In a re-plan the fallback carries over."""
    late = PinnedOperation(operation=0, bay="G1", technician="wang", start=at("16:30"), end=at("16:55"))
    req = small_request([booking("m", "MINOR", "09:00", pinned=[late])])
    broken = hand_plan(req, [])  # places nothing, lists nothing
    with pytest.raises(NoValidPlan):
        checked_plan(req, broken)
    fallback = checked_plan(req, broken, carry=True)
    assert_valid(req, fallback)
    assert [(u.booking, u.operations) for u in fallback.unassigned] == [("m", [1])]


@pytest.mark.parametrize("planner", ["greedy", "cpsat"])
def test_a_repair_that_still_fits_after_late_clocked_work_is_never_carried_over(planner: str) -> None:
    """p's diagnosis was clocked 15:00-15:24, late; its repair's old place (before now, not clocked)
    is gone. x, not started, waits from 15:30. Only wang does both: p's repair (72 min) fits from
    15:24 if x yields, and x cannot finish today either way. The greedy re-plan (the live day's)
    placed x first in its old place and carried p's repair over (fails before); the car on the lift
    keeps its repair, as the solver's plan always had it."""
    req = small_request([booking("x", "MINOR", "15:30"), booking("p", "MINOR", "08:00")])
    kept = [
        assignment("p", 0, "G1", "wang", "15:00", "15:24"),
        assignment("x", 0, "G2", "wang", "15:30", "15:54"),
        assignment("x", 1, "G2", "wang", "15:54", "17:06"),
    ]
    rr = ReplanRequest(
        request=req,
        plan=hand_plan(req, kept),
        now=at("15:24"),
        started=[OperationEvent(booking="p", operation=0, at=at("15:00"))],
        finished=[OperationEvent(booking="p", operation=0, at=at("15:24"))],
    )
    result = replan(rr, planner)
    assert_valid(_effective_request(rr), result.plan)
    p = [(a.operation, a.start, a.end) for a in result.plan.assignments if a.booking == "p"]
    assert p == [(0, at("15:00"), at("15:24")), (1, at("15:24"), at("16:36"))]
    assert [(u.booking, u.operations) for u in result.plan.unassigned] == [("x", None)]


def test_a_repair_placed_ahead_of_other_work_leaves_the_rest_of_the_day_where_it_was() -> None:
    """As above, p's diagnosis was clocked late (15:00-15:24) and its repair goes ahead of x, which
    no longer fits; li's MAINT at 16:00, chen's LUBE at 16:10 and zhou's paint at 15:30 are not
    started and still fit where they are. The greedy re-plan placed the bookings with clocked work
    first with the plain dispatcher, which moved all three to 15:24 (5 operations changed; fails
    before); the plan with clocked work first is now the stable one: only x's two change."""
    req, kept = _x_behind_p(p_diagnosis=("15:00", "15:24"), x_starts=("15:30", "15:54", "17:06"))
    rr = ReplanRequest(
        request=req,
        plan=hand_plan(req, kept),
        now=at("15:24"),
        started=[OperationEvent(booking="p", operation=0, at=at("15:00")),
                 OperationEvent(booking="a", operation=0, at=at("13:00"))],
        finished=[OperationEvent(booking="p", operation=0, at=at("15:24")),
                  OperationEvent(booking="a", operation=0, at=at("15:00"))],
    )  # fmt: skip
    _only_x_moves(rr, kept, [(0, at("15:00"), at("15:24")), (1, at("15:24"), at("16:36"))])


def test_an_overrun_that_puts_a_repair_ahead_of_other_work_leaves_the_rest_of_the_day_where_it_was() -> None:
    """The same day with an overrun: p's diagnosis, planned 14:00-14:24, still runs at 15:00 (its
    repair's place, 14:24-15:36, is gone: not clocked before now). Its repair goes first, 15:00-16:12,
    and x (after it on wang) no longer fits; m, l and a's paint stay where they are (before: moved to
    15:00 by the dispatcher, 5 operations changed; fails before)."""
    req, kept = _x_behind_p(p_diagnosis=("14:00", "14:24"), x_starts=("15:36", "16:00", "17:12"))
    rr = ReplanRequest(
        request=req,
        plan=hand_plan(req, kept),
        now=at("15:00"),
        started=[OperationEvent(booking="p", operation=0, at=at("14:00")),
                 OperationEvent(booking="a", operation=0, at=at("13:00"))],
        finished=[OperationEvent(booking="a", operation=0, at=at("15:00"))],
        overruns=[Overrun(booking="p", operation=0, expected_end=at("15:00"))],
    )  # fmt: skip
    _only_x_moves(
        rr, kept, [(0, at("14:00"), at("15:00")), (1, at("15:00"), at("16:12"))], {("p", 0): "moved"}
    )


def _x_behind_p(
    p_diagnosis: tuple[str, str], x_starts: tuple[str, str, str]
) -> tuple[PlanRequest, list[Assignment]]:
    """wang does p's diagnosis then x's two operations on G1 (`x_starts`: x's diagnosis, repair,
    end); li's MAINT at 16:00, chen's LUBE at 16:10, a's body work 13:00-15:00 and paint 15:30."""
    req = small_request([booking("x", "MINOR", "15:30"), booking("p", "MINOR", "08:00"),
                         booking("m", "MAINT", "08:00"), booking("l", "LUBE", "08:00"),
                         booking("a", "ACCIDENT", "08:00")])  # fmt: skip
    kept = [
        assignment("p", 0, "G1", "wang", *p_diagnosis),
        assignment("x", 0, "G1", "wang", x_starts[0], x_starts[1]),
        assignment("x", 1, "G1", "wang", x_starts[1], x_starts[2]),
        assignment("m", 0, "G2", "li", "16:00", "17:00"),
        assignment("l", 0, "E1", "chen", "16:10", "16:55"),
        assignment("a", 0, "B1", "zhao", "13:00", "15:00"),
        assignment("a", 1, "P1", "zhou", "15:30", "17:00"),
    ]
    return req, kept


def _only_x_moves(
    rr: ReplanRequest,
    kept: list[Assignment],
    p_expected: list[tuple[int, dt.datetime, dt.datetime]],
    clocked: dict[tuple[str, int], str] | None = None,
) -> None:
    """The greedy re-plan of `rr` is valid, places p as `p_expected` (operation, start, end) and
    changes no operation not started (in `kept`, the plan before) but x's two, which no longer fit;
    the plan's changes are those and p's repair placed (and `clocked`: the clocked work's own)."""
    result = replan(rr, "greedy")
    assert_valid(_effective_request(rr), result.plan)
    assert result.plan.planner == "greedy"
    p = [(a.operation, a.start, a.end) for a in result.plan.assignments if a.booking == "p"]
    assert p == p_expected
    new = {(a.booking, a.operation): (a.technician, a.bay, a.start) for a in result.plan.assignments}
    waiting = [a for a in kept if a.start >= rr.now]  # not started
    moved = sorted((a.booking, a.operation) for a in waiting
                   if new.get((a.booking, a.operation)) != (a.technician, a.bay, a.start))  # fmt: skip
    assert moved == [("x", 0), ("x", 1)]
    changes = {(c.booking, c.operation): c.kind for c in result.changes}
    expected = {("p", 1): "placed", ("x", 0): "unassigned", ("x", 1): "unassigned", **(clocked or {})}
    assert changes == expected


def _three_lubes() -> tuple[PlanRequest, Plan]:
    """li does three LUBEs back to back on E1: a 08:10-08:50, b 08:50-09:30, c 09:30-10:10."""
    req = small_request([booking(b, "LUBE", "08:00") for b in ("a", "b", "c")])
    kept = [
        assignment("a", 0, "E1", "li", "08:10", "08:50"),
        assignment("b", 0, "E1", "li", "08:50", "09:30"),
        assignment("c", 0, "E1", "li", "09:30", "10:10"),
    ]
    return req, hand_plan(req, kept)


@pytest.mark.parametrize("planner", ["greedy", "cpsat"])
def test_a_late_finish_pushes_the_unreported_work_after_it(planner: str) -> None:
    """a finished at 08:55, 5 min late; nobody reported b or c. The re-plan failed with "overlaps
    pinned work of a on bay E1" (walk-s17 C1: b was pinned at its planned 08:50). Unreported work
    planned before now counts as started as planned, but no earlier than the work before it on its
    bay or technician ends: b 08:55-09:35, c (pushed to 09:35, still before now) 09:35-10:15."""
    req, plan = _three_lubes()
    rr = ReplanRequest(
        request=req,
        plan=plan,
        now=at("10:00"),
        finished=[OperationEvent(booking="a", operation=0, at=at("08:55"))],
    )
    result = replan(rr, planner)
    assert_valid(_effective_request(rr), result.plan)
    got = sorted((a.booking, a.bay, a.technician, a.start, a.end) for a in result.plan.assignments)
    assert got == [
        ("a", "E1", "li", at("08:10"), at("08:55")),
        ("b", "E1", "li", at("08:55"), at("09:35")),
        ("c", "E1", "li", at("09:35"), at("10:15")),
    ]


def test_work_pushed_past_now_has_not_started_and_is_planned_again() -> None:
    """a overran to 09:40 with now 09:35: b (unreported, planned 08:50) cannot have started by
    now; it is planned again from now, not pinned in the past."""
    req, plan = _three_lubes()
    rr = ReplanRequest(
        request=req,
        plan=plan,
        now=at("09:35"),
        overruns=[Overrun(booking="a", operation=0, expected_end=at("09:40"))],
    )
    result = replan(rr, "greedy")
    assert_valid(_effective_request(rr), result.plan)
    b = next(a for a in result.plan.assignments if a.booking == "b")
    assert b.start >= at("09:35")


def test_reported_times_that_overlap_still_get_the_precise_error() -> None:
    """a finished at 08:55 while b was reported started at 08:50 on the same bay: a real
    contradiction, named as before."""
    req, plan = _three_lubes()
    rr = ReplanRequest(
        request=req,
        plan=plan,
        now=at("10:00"),
        finished=[OperationEvent(booking="a", operation=0, at=at("08:55"))],
        started=[OperationEvent(booking="b", operation=0, at=at("08:50"))],
    )
    with pytest.raises(InputError) as err:
        replan(rr, "greedy")
    assert err.value.field == "started[0]"
    assert err.value.reason == "booking b: overlaps pinned work of a on bay E1"


def test_unreported_work_pushed_onto_other_pushed_work_is_pushed_again() -> None:
    """l (chen, E1) finished at 09:30, late; nobody reported p (li, E1, planned 08:45-09:25) or q
    (li, G1, planned 09:25-10:05). p is pushed to 09:30-10:10 on E1, so li cannot have started q at
    09:25: q is pushed past now and planned again. Before, only a start inside earlier pins pushed,
    so q stayed at 09:25 under p and the re-plan failed "booking p: overlaps pinned work of q on
    technician li" (review-s17 R1)."""
    req = small_request([booking(b, "LUBE", "08:00") for b in ("l", "p", "q")])
    kept = [
        assignment("l", 0, "E1", "chen", "08:00", "08:45"),
        assignment("p", 0, "E1", "li", "08:45", "09:25"),
        assignment("q", 0, "G1", "li", "09:25", "10:05"),
    ]
    rr = ReplanRequest(
        request=req,
        plan=hand_plan(req, kept),
        now=at("09:50"),
        finished=[OperationEvent(booking="l", operation=0, at=at("09:30"))],
    )
    result = replan(rr, "greedy")
    assert_valid(_effective_request(rr), result.plan)
    placed = {a.booking: a for a in result.plan.assignments}
    assert (placed["p"].technician, placed["p"].start) == ("li", at("09:30"))
    assert placed["q"].start >= at("09:50")


def test_work_still_running_holds_back_the_unreported_work_after_it() -> None:
    """x's diagnosis was pinned started at 08:40 with no end (still running at 09:00): its repair,
    planned 08:24-09:36 and not reported, cannot have started. Before, it was pinned at 08:24 and
    the re-plan failed "operation 2 (repair) starts before its operation 1 (diagnosis) ends"; and y's
    unreported MAINT on the bay of z's running work was pinned under it (review-s17 R2)."""
    running = PinnedOperation(operation=0, bay="G1", technician="wang", start=at("08:40"))
    z_runs = PinnedOperation(operation=0, bay="G2", technician="li", start=at("08:30"))
    req = small_request([booking("x", "MINOR", "08:00", pinned=[running]),
                         booking("z", "MAINT", "08:00", pinned=[z_runs]),
                         booking("y", "MAINT", "08:00")])  # fmt: skip
    kept = [
        assignment("x", 0, "G1", "wang", "08:00", "08:24"),
        assignment("x", 1, "G1", "wang", "08:24", "09:36"),
        assignment("z", 0, "G2", "li", "08:30", "09:30"),
        assignment("y", 0, "G2", "chen", "08:45", "09:45"),
    ]
    rr = ReplanRequest(request=req, plan=hand_plan(req, kept), now=at("09:00"))
    result = replan(rr, "greedy")
    assert_valid(_effective_request(rr), result.plan)
    placed = {(a.booking, a.operation): a for a in result.plan.assignments}
    assert placed[("x", 1)].start >= at("09:00") and placed[("y", 0)].start >= at("09:00")


def _minor_m(diagnosis: str, repair: str, end: str, drop_off: str = "08:30") -> tuple[PlanRequest, Plan]:
    """m's MINOR planned on wang, G1: the diagnosis from `diagnosis` to `repair`, the repair to `end`."""
    req = small_request([booking("m", "MINOR", drop_off)])
    kept = [
        assignment("m", 0, "G1", "wang", diagnosis, repair),
        assignment("m", 1, "G1", "wang", repair, end),
    ]
    return req, hand_plan(req, kept)


@pytest.mark.parametrize("planner", ["greedy", "cpsat"])
@pytest.mark.parametrize(
    ("planned", "now"), [(("10:00", "10:24", "11:36"), "09:40"), (("09:30", "09:54", "11:06"), "09:20")]
)
def test_a_repair_reported_started_before_its_diagnosis_was_planned_takes_the_diagnosis_as_done_by_then(
    planner: str, planned: tuple[str, str, str], now: str
) -> None:
    """The repair reported started at 09:10 while its unreported diagnosis is planned later (after
    or before now). The re-plan refused: "booking m operation 2 (repair) starts before its operation
    1 (diagnosis) ends" (review-s18 R4), though the diagnosis must have been done by then. It is now
    taken as done by 09:10, on its planned bay and technician and in its planned 24 min (08:46-09:10,
    after the 08:30 drop-off); the change says where it went."""
    req, plan = _minor_m(*planned)
    started = [OperationEvent(booking="m", operation=1, at=at("09:10"))]
    rr = ReplanRequest(request=req, plan=plan, now=at(now), started=started)
    result = replan(rr, planner)
    assert_valid(_effective_request(rr), result.plan)
    m = sorted((a.operation, a.bay, a.technician, a.start, a.end) for a in result.plan.assignments)
    assert m[0] == (0, "G1", "wang", at("08:46"), at("09:10")) and m[1][3] == at("09:10")
    assert not result.plan.unassigned
    moved = next(c for c in result.changes if c.operation == 0)
    assert moved.kind == "moved" and moved.summary.endswith("-> G1/wang 08:46-09:10")


def _diagnosis_done_at_10_past_9(rr: ReplanRequest, planner: str) -> None:
    """m's diagnosis counted done at 09:10 with no time of its own, on the repair's bay and
    technician; the change says so (in Chinese too); the plan passes the validator."""
    result = replan(rr, planner)
    assert_valid(_effective_request(rr), result.plan)
    placed = result.plan.assignments
    mine = sorted((a.operation, a.bay, a.technician, a.start, a.end) for a in placed if a.booking == "m")
    assert mine[0] == (0, "G1", "wang", at("09:10"), at("09:10")) and mine[1][3] == at("09:10")
    assert not result.plan.unassigned
    done = next(c for c in result.changes if (c.booking, c.operation) == ("m", 0))
    assert done.summary == (
        "m op 1 (diagnosis): G1/wang 10:00-10:24 -> counted done at 09:10, when op 2 started"
    )
    assert Translator("zh-CN").phrase(done.summary) == (
        "m 工序 1（diagnosis）：G1/wang 10:00-10:24 → 按 09:10 已完成计（工序 2 此时开工）"
    )


@pytest.mark.parametrize("planner", ["greedy", "cpsat"])
def test_a_diagnosis_with_no_time_before_its_reported_repair_counts_as_done_at_the_repairs_start(
    planner: str,
) -> None:
    """m is dropped off at 09:00 and its repair reported started at 09:10: its 24 min diagnosis,
    planned 10:00, cannot have taken its time after the drop-off (review-s18 R4: the re-plan was
    refused). It counts as done at 09:10 with nothing left of it, and the change says so."""
    req, plan = _minor_m("10:00", "10:24", "11:36", drop_off="09:00")
    started = [OperationEvent(booking="m", operation=1, at=at("09:10"))]
    rr = ReplanRequest(request=req, plan=plan, now=at("09:40"), started=started)
    _diagnosis_done_at_10_past_9(rr, planner)


@pytest.mark.parametrize("planner", ["greedy", "cpsat"])
def test_a_diagnosis_whose_technician_was_busy_before_the_reported_repair_counts_as_done_at_its_start(
    planner: str,
) -> None:
    """As above, but what is taken is wang's time: he is reported on x's MAINT 08:35-09:05 in G2, so
    m's diagnosis cannot have been his 08:46-09:10. It counts as done at the repair's 09:10."""
    req = small_request([booking("m", "MINOR", "08:30"), booking("x", "MAINT", "08:30")])
    kept = [
        assignment("m", 0, "G1", "wang", "10:00", "10:24"),
        assignment("m", 1, "G1", "wang", "10:24", "11:36"),
        assignment("x", 0, "G2", "wang", "08:35", "09:23"),
    ]
    started = [
        OperationEvent(booking="m", operation=1, at=at("09:10")),
        OperationEvent(booking="x", operation=0, at=at("08:35")),
    ]
    finished = [OperationEvent(booking="x", operation=0, at=at("09:05"))]
    rr = ReplanRequest(
        request=req, plan=hand_plan(req, kept), now=at("09:40"), started=started, finished=finished
    )
    _diagnosis_done_at_10_past_9(rr, planner)


def test_a_diagnosis_reported_started_after_its_repair_is_a_contradiction_naming_both() -> None:
    """Both reported, the diagnosis at 09:20 and its repair at 09:10: no re-plan can keep both. The
    error names the report and both operations (in Chinese too)."""
    req, plan = _minor_m("10:00", "10:24", "11:36")
    started = [
        OperationEvent(booking="m", operation=1, at=at("09:10")),
        OperationEvent(booking="m", operation=0, at=at("09:20")),
    ]
    rr = ReplanRequest(request=req, plan=plan, now=at("09:40"), started=started)
    with pytest.raises(InputError) as err:
        replan(rr, "greedy")
    assert err.value.field == "started[0]"
    assert err.value.reason == "booking m operation 2 (repair) starts before its operation 1 (diagnosis) ends"
    assert Translator("zh-CN").phrase(err.value.reason) == (
        "预约 m 的工序 2（repair）在该预约的工序 1（diagnosis）结束之前就开始了"
    )


@pytest.mark.parametrize("planner", ["greedy", "cpsat"])
def test_a_repair_reported_finished_before_its_planned_start_counts_as_done_then(planner: str) -> None:
    """`POST …/plans` reports finishes but no starts: m's repair, planned 10:24-11:36, reported
    finished at 09:40. Pinned from its planned start to that finish, the re-plan refused "booking
    m: must be after start" (review-s18 R4 as the API reaches it). Its 72 min do not fit after the
    08:30 drop-off: it counts as done at 09:40 with no time of its own, and its diagnosis, planned
    10:00, as done by then in its planned 24 min (09:16-09:40)."""
    req, plan = _minor_m("10:00", "10:24", "11:36")
    finished = [OperationEvent(booking="m", operation=1, at=at("09:40"))]
    rr = ReplanRequest(request=req, plan=plan, now=at("09:45"), finished=finished)
    result = replan(rr, planner)
    assert_valid(_effective_request(rr), result.plan)
    m = sorted((a.operation, a.bay, a.technician, a.start, a.end) for a in result.plan.assignments)
    assert m == [(0, "G1", "wang", at("09:16"), at("09:40")), (1, "G1", "wang", at("09:40"), at("09:40"))]
    said = {c.operation: c.summary for c in result.changes}
    assert said[1] == "m op 2 (repair): G1/wang 10:24-11:36 -> counted done at 09:40, as reported"
    assert Translator("zh-CN").phrase(said[1]) == (
        "m 工序 2（repair）：G1/wang 10:24-11:36 → 按 09:40 已完成计（已报告完工）"
    )


def test_work_reported_after_now_or_an_overrun_past_the_day_names_the_field() -> None:
    """A re-plan at 09:00 was told an operation finished at 11:30 (or started then), or that one
    runs until a date in 2199: each was planned from as if true (a plan with 91 million minutes
    late, review-s22). Refused, naming the field, as the clock route refuses an event in the
    future; in Chinese too."""
    req, plan = _day()
    first = min(plan.assignments, key=lambda a: a.start)
    ref = {"booking": first.booking, "operation": first.operation}
    cases = {
        "finished[0].at": {"finished": [OperationEvent(**ref, at=at("11:30"))]},
        "started[0].at": {"started": [OperationEvent(**ref, at=at("09:01"))]},
        "overruns[0].expected_end": {
            "overruns": [Overrun(**ref, expected_end=dt.datetime(2199, 1, 1, 10, tzinfo=at("09:00").tzinfo))]
        },
    }
    for field, events in cases.items():
        rr = ReplanRequest(request=req, plan=plan, now=at("09:00"), **events)
        with pytest.raises(InputError) as err:
            replan(rr, "greedy")
        assert err.value.field == field
        zh = Translator("zh-CN").phrase(err.value.reason)
        assert not re.search(r"[A-Za-z]{3,}", zh), zh
    assert err.value.reason == f"2199-01-01 10:00 is after the plan date {req.date}"
    rr = ReplanRequest(
        request=req, plan=plan, now=at("09:00"), finished=[OperationEvent(**ref, at=at("11:30"))]
    )
    with pytest.raises(InputError) as err:
        replan(rr, "greedy")
    assert err.value.reason == "reported at 11:30, after now (09:00)"


@pytest.mark.parametrize("planner", ["greedy", "cpsat"])
def test_work_pinned_with_no_bay_holds_its_technician_and_no_bay(planner: str) -> None:
    """Clocked work pinned with no bay (two cars clocked on one lift, onelift13-s29) is planned as
    pinned, with no bay; it holds its technician only. The planned car still waits for the lift:
    bays are never double-booked for planned work."""
    ws = two_technician_workshop()
    in_g1 = PinnedOperation(operation=0, bay="G1", technician="t", start=at("08:00"), end=at("09:00"))
    nowhere = PinnedOperation(operation=0, bay=None, technician="u", start=at("08:05"), end=at("09:05"))
    bookings = [
        Booking(id="a", service="MAINT", drop_off=at("08:00"), pinned=[in_g1]),
        Booking(id="b", service="MAINT", drop_off=at("08:00"), pinned=[nowhere]),
        Booking(id="c", service="MAINT", drop_off=at("08:00")),
    ]
    options = PlanOptions(keep_promises=False, time_limit_seconds=2)
    req = PlanRequest(workshop=ws, date=DAY, bookings=bookings, options=options)
    plan = make_plan(req, planner)
    assert_valid(req, plan)
    placed = {a.booking: (a.bay, a.technician, a.start, a.end) for a in plan.assignments}
    assert placed["a"] == ("G1", "t", at("08:00"), at("09:00"))
    assert placed["b"] == (None, "u", at("08:05"), at("09:05"))
    assert placed["c"][0] == "G1" and placed["c"][2] >= at("09:00")


def test_work_of_no_bay_in_a_current_plan_nobody_pinned_so_is_planned_again() -> None:
    """review-s29: a plan holds work with no bay only as clocked work pinned with none
    (onelift13-s29). A current plan given with such work that the request does not pin so (a
    file, `bayplan replan`) had it pinned with no bay as started: the re-plan held no bay for it
    and passed the validator. It is planned again, on a bay; pinned with no bay it is a fact."""
    req, plan = _day()
    first = min(plan.assignments, key=lambda a: a.start)
    key = (first.booking, first.operation)
    forged = [a.model_copy(update={"bay": None}) if a is first else a for a in plan.assignments]
    rr = ReplanRequest(request=req, plan=plan.model_copy(update={"assignments": forged}), now=at("09:40"))
    again = replan(rr).plan
    assert [a.bay is not None for a in again.assignments if (a.booking, a.operation) == key] == [True]
    assert_valid(_effective_request(rr), again)
    pin = PinnedOperation(operation=first.operation, bay=None, technician=first.technician,
                          start=first.start, end=first.end)  # fmt: skip
    bookings = [b.model_copy(update={"pinned": [pin]}) if b.id == first.booking else b for b in req.bookings]
    given = rr.model_copy(update={"request": req.model_copy(update={"bookings": bookings})})
    kept = replan(given).plan  # pinned so: a fact
    assert [a.bay for a in kept.assignments if (a.booking, a.operation) == key] == [None]
    assert_valid(_effective_request(given), kept)
