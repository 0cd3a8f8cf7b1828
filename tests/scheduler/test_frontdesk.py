"""Front-desk rules on slot offers: parts on order, loan cars, service advisors, explained refusals.

Every offer is checked with the independent validator: the witness plus the new booking is a
valid plan that keeps every promise, parts ETAs and loan-car counts included."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from typing import Any

import pytest
from pydantic import ValidationError

from scheduler import capacity, slots
from scheduler.compiler import compile_request
from scheduler.contract import Assignment, Booking, Plan, PlanOptions, PlanRequest, Workshop
from scheduler.i18n import Translator
from scheduler.kpis import NO_KPIS
from scheduler.scenarios import load_scenario
from scheduler.slots import CapacityRules, DayBook, Offer, Wants
from scheduler.validator import validate_plan
from solver import model as solver_model
from solver.model import SolveParameters, fit_all
from solver.problem import Placement
from tests.builders import DAY, counted_search_clock

TZ = "Asia/Shanghai"


def _at(hhmm: str, day: dt.date = DAY) -> dt.datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=Workshop.model_validate(_data()).tz)


def _data(**overrides: Any) -> dict[str, Any]:
    """Two technicians 08:00-17:00, two lifts; MAINT (30 min) and PAINT (60 min, needs parts)."""
    data: dict[str, Any] = {
        "id": "w", "name": "W", "timezone": TZ,
        "opening": {"start": "08:00", "end": "11:00"},
        "bays": [{"id": "G1", "kind": "general"}, {"id": "G2", "kind": "general"}],
        "technicians": [
            {"id": f"t{i}", "name": f"T{i}", "grade": 3, "skills": ["maintenance"],
             "shift": {"start": "08:00", "end": "17:00"}}
            for i in (1, 2)
        ],
        "services": [
            {"code": "MAINT", "name": "Main", "operations": [
                {"name": "work", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]}]},
            {"code": "PARTS", "name": "Repair with parts", "operations": [
                {"name": "check", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]},
                {"name": "fit", "minutes": 60, "skill": "maintenance", "bay_kinds": ["general"],
                 "needs_parts": True}]},
        ],
    }  # fmt: skip
    data.update(overrides)
    return data


def _workshop(**overrides: Any) -> Workshop:
    return Workshop.model_validate(_data(**overrides))


RULES = CapacityRules(walk_in_holdback=0.0)


def _witness_plan(day: DayBook, booking: Booking, offer: Offer) -> tuple[PlanRequest, Plan]:
    """The witness with `booking` accepted at `offer`, as a plan to validate (promises kept)."""
    stored = booking.model_copy(update={"promised": offer.promised})
    after = day.with_booking(stored, offer)
    return _plan_of(after)


def _plan_of(day: DayBook) -> tuple[PlanRequest, Plan]:
    accepted = day.accepted
    request = PlanRequest(workshop=day.workshop, date=day.date, bookings=[b for b, _ in accepted])
    assignments: list[Assignment] = [a for _, w in accepted for a in w]
    plan = Plan(workshop=day.workshop.id, date=day.date, planner="witness", status="feasible",
                objective=0.0, solve_seconds=0.0, assignments=assignments, unassigned=[],
                kpis=NO_KPIS)  # fmt: skip
    return request, plan


def _on_time(day: DayBook) -> None:
    request, plan = _plan_of(day)
    assert validate_plan(request, plan) == []
    ends: dict[str, dt.datetime] = {}
    for a in plan.assignments:
        ends[a.booking] = max(ends.get(a.booking, a.end), a.end)
    for b in request.bookings:
        assert b.promised is not None and ends[b.id] <= b.promised, b.id


def _book(day: DayBook, booking: Booking) -> DayBook:
    offer = day.try_insert(booking)
    assert offer is not None, booking
    return day.with_booking(booking.model_copy(update={"promised": offer.promised}), offer)


# --- contract -----------------------------------------------------------------------------------


def test_new_fields_default_to_todays_behaviour() -> None:
    ws = Workshop.model_validate(_data())
    assert ws.loan_cars is None and ws.advisors == []
    assert all(s.check_in_minutes == 10 for s in ws.services)
    assert not any(op.needs_parts for op in ws.services[0].operations)
    b = Booking(id="b", service="MAINT", drop_off=_at("08:00"))
    assert b.parts_eta is None and b.loan_car is False


def test_an_advisors_break_must_lie_within_the_shift() -> None:
    advisor = {"id": "a", "name": "A", "shift": {"start": "08:00", "end": "12:00",
               "breaks": [{"start": "11:30", "end": "12:30"}]}}  # fmt: skip
    with pytest.raises(ValidationError) as raised:
        Workshop.model_validate(_data(advisors=[advisor]))
    (error,) = raised.value.errors()
    assert error["loc"][:3] == ("advisors", 0, "shift") and "outside the shift" in error["msg"]


def test_advisor_ids_are_unique_and_loan_cars_not_negative() -> None:
    advisor = {"id": "a", "name": "A", "shift": {"start": "08:00", "end": "12:00"}}
    with pytest.raises(ValidationError, match="advisors"):
        Workshop.model_validate(_data(advisors=[advisor, advisor]))
    with pytest.raises(ValidationError, match="loan_cars"):
        Workshop.model_validate(_data(loan_cars=-1))


# --- capacity functions -------------------------------------------------------------------------


def test_a_loan_car_is_free_when_fewer_than_the_fleet_are_out_over_the_whole_span() -> None:
    out = [(480, 600), (540, 720)]
    assert capacity.loan_car_free(None, out, (500, 700))
    assert capacity.loan_car_free(3, out, (500, 700))
    assert not capacity.loan_car_free(2, out, (550, 560))
    assert not capacity.loan_car_free(2, out, (500, 560))  # the second car leaves at 540, inside the span
    assert capacity.loan_car_free(2, out, (600, 800))  # returned at 600: free again at 600
    assert capacity.loan_car_free(2, out, (400, 480))
    assert capacity.loan_car_back(2, out, 550) == 600
    assert capacity.loan_car_back(1, out, 550) == 720
    assert capacity.loan_car_free(0, [], (0, 1)) is False


def _brute_force(blocks: list[list[tuple[int, int]]], spans: list[tuple[int, int]]) -> bool:
    import itertools

    for choice in itertools.product(range(len(blocks)), repeat=len(spans)):
        mine = [[s for s, a in zip(spans, choice, strict=True) if a == adv] for adv in range(len(blocks))]
        if all(
            capacity.block_end(blocks[adv], s) is not None
            and not any(o is not s and o[0] < s[1] and s[0] < o[1] for o in mine[adv])
            for adv in range(len(blocks))
            for s in mine[adv]
        ):
            return True
    return False


@pytest.mark.parametrize("seed", range(4))
def test_check_ins_get_an_advisor_exactly_when_one_assignment_exists(seed: int) -> None:
    """Against every way of giving 3 advisors (random breaks) up to 6 check-ins: the desk's
    assignment exists exactly when one does, and when it answers one, it holds."""
    rng = random.Random(seed)
    for _ in range(60):
        blocks = []
        for _ in range(3):
            b = rng.randrange(0, 60, 5)
            blocks.append(capacity.free_blocks((0, 90, [(b, b + rng.choice((5, 10, 20)))])))
        spans = []
        for _ in range(rng.randint(1, 6)):
            start = rng.randrange(0, 80, 5)
            spans.append((start, start + rng.choice((5, 10, 15, 30))))
        found = capacity.assign_check_ins(blocks, spans)
        assert (found is not None) == _brute_force(blocks, spans), (blocks, spans)
        if found is not None:
            for i, (s, a) in enumerate(zip(spans, found, strict=True)):
                assert capacity.block_end(blocks[a], s) is not None
                assert not any(
                    found[j] == a and o[0] < s[1] and s[0] < o[1] for j, o in enumerate(spans) if j != i
                )


def test_only_check_ins_linked_by_overlaps_are_reshuffled() -> None:
    spans = [(0, 10), (5, 20), (20, 30), (40, 50), (45, 70), (60, 65), (80, 90)]
    assert capacity.connected(spans, (15, 25)) == [(0, 10), (5, 20), (20, 30)]
    assert capacity.connected(spans, (50, 55)) == [(40, 50), (45, 70), (60, 65)]
    assert capacity.connected(spans, (30, 40)) == []
    assert capacity.connected(spans, (0, 100)) == spans


def test_advisor_minutes_per_quarter_hour_less_breaks() -> None:
    shifts = [(480, 1020, [(720, 780)]), (540, 1020, [])]
    assert capacity.advisor_minutes(480, shifts) == 15
    assert capacity.advisor_minutes(540, shifts) == 30
    assert capacity.advisor_minutes(720, shifts) == 15  # the first advisor is at lunch
    assert capacity.advisor_minutes(1020, shifts) == 0
    assert capacity.advisor_minutes(480, shifts, 60) == 60  # the second from 09:00
    assert capacity.advisor_minutes(540, shifts, 60) == 120
    one = shifts[:1]
    assert capacity.advisor_room(0.2, one, [], (480, 495))  # 15 of the hour's 48 bookable minutes
    assert not capacity.advisor_room(0.2, one, [(480, 495), (495, 510), (510, 525)], (525, 540))
    assert capacity.advisor_room(0.2, one, [(480, 495), (495, 510), (510, 525)], (540, 555))


# --- parts --------------------------------------------------------------------------------------


def test_parts_offers_and_bookings_start_no_earlier_than_the_eta() -> None:
    """Only the operation that needs the parts waits for them: the check runs from the drop-off."""
    day = DayBook(_workshop(), DAY, [], RULES)
    eta = _at("10:00")
    offers = day.offers("PARTS", waiter=False, wants=Wants(parts_eta=eta))
    assert offers and offers[0].drop_off == _at("08:00")
    first = {a.operation: a for a in offers[0].assignments}
    assert first[0].start == _at("08:00") and first[1].start == eta
    for offer in offers:
        assert all(a.start >= eta for a in offer.assignments if a.operation == 1)
        booking = Booking(id="probe", service="PARTS", drop_off=offer.drop_off, parts_eta=eta)
        request, plan = _witness_plan(day, booking, offer)
        assert validate_plan(request, plan) == []
    plain = day.offers("PARTS", waiter=False)
    assert min(a.start for a in plain[0].assignments) == _at("08:00")  # no ETA: as today
    booked = day.try_insert(Booking(id="b", service="PARTS", drop_off=_at("08:00"), parts_eta=eta))
    assert booked is not None and booked.assignments[1].start >= eta


def test_parts_arriving_after_the_day_leave_no_offer_and_say_so() -> None:
    day = DayBook(_workshop(), DAY, [], RULES)
    tomorrow = _at("09:00", DAY + dt.timedelta(days=1))
    assert day.offers("PARTS", waiter=False, wants=Wants(parts_eta=tomorrow)) == []
    refused = day.refusals("PARTS", False, None, Wants(parts_eta=tomorrow), set())
    assert refused and all(why == "parts arrive 2026-11-25 09:00" for _, why in refused)
    late = day.refusals("PARTS", False, None, Wants(parts_eta=_at("16:30")), set())
    assert {why for _, why in late} == {"parts arrive 16:30"}


# --- loan cars ----------------------------------------------------------------------------------


def test_loan_car_offers_only_where_a_car_is_free_until_the_promised_pickup() -> None:
    ws = _workshop(loan_cars=1)
    day = _book(
        DayBook(ws, DAY, [], RULES), Booking(id="a", service="MAINT", drop_off=_at("08:00"), loan_car=True)
    )
    promised = day.accepted[0][0].promised
    assert promised == _at("15:30")  # the morning handover: the car is out 08:00-15:30
    assert day.offers("MAINT", waiter=False, wants=Wants(loan_car=True)) == []
    assert len(day.offers("MAINT", waiter=False)) == 7  # without a loan car, as today
    refused = day.refusals("MAINT", False, None, Wants(loan_car=True), set())
    assert {why for _, why in refused} == {"no loan car free until 15:30"}
    assert day.try_insert(Booking(id="b", service="MAINT", drop_off=_at("09:00"), loan_car=True)) is None
    two = _book(
        DayBook(_workshop(loan_cars=2), DAY, [], RULES),
        day.accepted[0][0].model_copy(update={"promised": None}),
    )
    offers = two.offers("MAINT", waiter=False, wants=Wants(loan_car=True))
    assert len(offers) == 7
    for offer in offers:
        booking = Booking(id="probe", service="MAINT", drop_off=offer.drop_off, loan_car=True)
        request, plan = _witness_plan(two, booking, offer)
        assert validate_plan(request, plan) == []


@pytest.mark.parametrize("drop_off", ["08:00", "10:30", "12:00", "13:00"])
@pytest.mark.parametrize("waiter", [False, True])
def test_the_exact_models_loan_promise_is_the_promise_the_offers_make(drop_off: str, waiter: bool) -> None:
    """`FrontDesk.loan_promise` (the loan-car cumulative's promise in the exact model, loanbench-s27)
    gives, for every end of the work, the promise the offer with that end makes: the handover of
    the customer's half of the day, the end + the buffer on the five minutes, the next handover
    day after the desk closes; a waiter his work's end, never after the close."""
    day = DayBook(_workshop(loan_cars=1), DAY, [], RULES)
    probe = Booking(id="p", service="MAINT", drop_off=_at(drop_off), waiter=waiter, loan_car=True)
    rule = day.desk.loan_promise(probe)
    start = day.clock.minutes(probe.drop_off)
    for end in range(start + 30, start + 30 + 16 * 60, 7):
        placed = [Placement(bay=0, technician=0, start=end - 30, end=end)]
        offer = day._offer(probe, placed)
        promised = day.clock.minutes(offer.promised, round_up=True)
        if waiter and not day.desk.handed_back(probe, offer):
            assert rule.promise(end) is None, end
        else:
            assert rule.promise(end) == promised, end


def _one_car_day() -> DayBook:
    """One technician 08:00-18:00 on one lift, open 08:00-16:00, one loan car. X (3 h, dropped off
    10:00, promised 15:30, no car) sits 10:00-13:00; Y takes the car at 16:00 (out until 17:30)."""
    one_lift = [{"id": "G1", "kind": "general"}]
    data = _data(loan_cars=1, opening={"start": "08:00", "end": "16:00"}, bays=one_lift)
    data["technicians"] = [{**data["technicians"][0], "shift": {"start": "08:00", "end": "18:00"}}]
    data["services"] = [
        {"code": "LONG", "name": "Long", "operations": [
            {"name": "work", "minutes": 180, "skill": "maintenance", "bay_kinds": ["general"]}]},
        *data["services"],
    ]  # fmt: skip
    day = DayBook(Workshop.model_validate(data), DAY, [], RULES)
    day = _book(day, Booking(id="X", service="LONG", drop_off=_at("10:00")))
    return _book(day, Booking(id="Y", service="MAINT", drop_off=_at("16:00"), loan_car=True))


def test_a_loan_cars_offer_ends_the_work_in_time_for_the_next_customers_car() -> None:
    """The quick fit puts a 3-hour job dropped off at 08:00 at 13:00-16:00 (promised 16:15, the
    only car still out when Y takes it at 16:00); with X moved to 11:00-14:00 (by its promise) the
    job runs 08:00-11:00, promised 15:30: the offers find that end (DayBook._loan_refit), in the
    immediate and the refined answers, and every offer is a valid plan with its loan car."""
    day = _one_car_day()
    probe = Booking(id="probe", service="LONG", drop_off=_at("08:00"), loan_car=True)
    quick = day.fit_quickly(probe)
    assert quick is not None and not day.desk.loan_car_free(probe, quick)
    assert day.desk.loan_latest_end(probe) == day.clock.wall("15:45")  # promised 16:00, back as Y leaves
    for exact in (0.0, 1.0):
        offers = day.offers("LONG", waiter=False, exact_seconds=exact, wants=Wants(loan_car=True))
        assert _at("08:00") in {o.drop_off for o in offers}
        for offer in offers:
            assert offer.placements[-1].end <= day.clock.wall("15:45")
            booking = Booking(id="probe", service="LONG", drop_off=offer.drop_off, loan_car=True)
            request, plan = _witness_plan(day, booking, offer)
            assert validate_plan(request, plan) == []
    assert day.offers("LONG", waiter=False) != []  # without a car: as before


def test_the_explanation_of_a_time_the_loan_car_refit_books_is_that_fit_not_a_refusal() -> None:
    """Explain agrees with a booking (desk16-s28): at 08:00-09:30 the quick fit ends at 16:00, after
    the only car goes out, but a booking there is accepted with the work ending in time
    (`try_insert` -> `_loan_refit`). Explained every time (the offers not skipped, as when the
    desk's answer was carried over from an earlier day version), those times are that fit, the
    same promise, never "no loan car free until 17:30"; a time nothing fits stays refused for the car."""
    day = _one_car_day()
    wants = Wants(loan_car=True)
    explained = dict(day.refusals("LONG", False, None, wants, set()))
    for hhmm in ("08:00", "08:30", "09:00", "09:30"):
        probe = Booking(id="probe", service="LONG", drop_off=_at(hhmm), loan_car=True)
        booked = day.try_insert(probe)
        assert booked is not None, hhmm
        fit = explained[_at(hhmm)]
        assert isinstance(fit, Offer), (hhmm, fit)
        assert fit.promised == booked.promised and fit.placements[-1].end <= day.clock.wall("15:45")
        request, plan = _witness_plan(day, probe, fit)
        assert validate_plan(request, plan) == []
    late = Booking(id="probe", service="LONG", drop_off=_at("10:00"), loan_car=True)
    assert day.try_insert(late) is None
    assert explained[_at("10:00")] == "no loan car free until 17:30"


def _one_lift_workshop() -> Workshop:
    """desk16-s31's day: one technician 08:00-18:00 on one lift, one loan car, a 3-hour LONG and a
    90-minute MID job."""
    one_lift = [{"id": "G1", "kind": "general"}]
    data = _data(loan_cars=1, opening={"start": "08:00", "end": "16:00"}, bays=one_lift)
    data["technicians"] = [{**data["technicians"][0], "shift": {"start": "08:00", "end": "18:00"}}]
    work = {"name": "work", "skill": "maintenance", "bay_kinds": ["general"]}
    data["services"] = [
        {"code": "LONG", "name": "Long", "operations": [{**work, "minutes": 180}]},
        {"code": "MID", "name": "Mid", "operations": [{**work, "minutes": 90}]},
        *data["services"],
    ]
    return Workshop.model_validate(data)


def _on_the_lift(booking: Booking, start: str, end: str) -> tuple[Booking, list[Assignment]]:
    """`booking` accepted with its one operation on G1 with t1 from `start` to `end`."""
    return booking, [Assignment(booking=booking.id, operation=0, bay="G1", technician="t1",
                                start=_at(start), end=_at(end))]  # fmt: skip


def test_the_refinement_solves_a_loan_car_time_again_with_the_cars_where_its_fit_ends_too_late() -> None:
    """desk16-s31: one technician 08:00-18:00 on one lift, one loan car. A (90 min, 09:00-10:30)
    and B (11:30-13:00) are promised 15:30, C (14:00-15:30) 17:30, and Y takes the car at 16:00.
    A 3-hour job with a car fits only with A and B both moved (e.g. 12:30-15:30, promised 15:45:
    the car back as Y takes it), which the one-move refit cannot do. The ejection chains find it
    here; without them, the CP-SAT fit (capacity only) put the job at 13:30-16:30, the car still out
    at 16:00, and the desk dropped every time: the exact answer offered nothing. Now a time whose
    exact fit the car alone refuses is solved again with the loan cars in the model
    (`DayProblem.loan_cars`)."""
    workshop = _one_lift_workshop()

    def mid(id: str, promised: str) -> Booking:
        return Booking(id=id, service="MID", drop_off=_at("08:00"), promised=_at(promised))

    y = Booking(id="Y", service="MAINT", drop_off=_at("16:00"), promised=_at("17:30"), loan_car=True)
    day = DayBook(workshop, DAY, [
        _on_the_lift(mid("A", "15:30"), "09:00", "10:30"), _on_the_lift(mid("B", "15:30"), "11:30", "13:00"),
        _on_the_lift(mid("C", "17:30"), "14:00", "15:30"), _on_the_lift(y, "16:00", "16:30"),
    ], RULES)  # fmt: skip
    assert len(day.accepted) == 4
    wants = Wants(loan_car=True)
    refined = day.offers("LONG", waiter=False, exact_seconds=5.0, ejection_seconds=0.0, wants=wants)
    assert _at("08:00") in {o.drop_off for o in refined}, [o.drop_off for o in refined]
    for offer in refined:
        booking = Booking(id="probe", service="LONG", drop_off=offer.drop_off, loan_car=True)
        assert day.allowed(booking, offer)
        request, plan = _witness_plan(day, booking, offer)
        assert validate_plan(request, plan) == []
    noon = Booking(id="probe", service="LONG", drop_off=_at("12:00"), loan_car=True)  # promised 17:30
    assert noon.drop_off not in {o.drop_off for o in refined}
    assert day.offers("LONG", waiter=False, exact_seconds=5.0, ejection_seconds=0.0) != []  # no car


def test_the_refinement_spends_no_loan_car_solve_where_the_walk_in_holdback_leaves_no_room(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """carcost16-s32: desk16-s31's one-lift day, one car, the service's rules (walk-in holdback on):
    A and B (90 min) promised 13:30, C (90 min) 16:30, D (30 min) 16:00, Y takes the car at 16:00.
    The lift works 330 of its 600 minutes: a 3-hour job would take it past its online share, so no
    fit can be sold. The refinement solved such loan-car times again with the cars (`_car_exact`),
    found fits and the holdback refused each: four CP-SAT solves spent for nothing per answer. The
    answer is the same, without a solve."""
    workshop = _one_lift_workshop()

    def early(id: str, service: str, promised: str) -> Booking:
        return Booking(id=id, service=service, drop_off=_at("08:00"), promised=_at(promised))

    y = Booking(id="Y", service="MAINT", drop_off=_at("16:00"), promised=_at("17:30"), loan_car=True)
    day = DayBook(workshop, DAY, [
        _on_the_lift(early("A", "MID", "13:30"), "09:00", "10:30"),
        _on_the_lift(early("B", "MID", "13:30"), "11:00", "12:30"),
        _on_the_lift(early("C", "MID", "16:30"), "13:15", "14:45"),
        _on_the_lift(early("D", "MAINT", "16:00"), "15:15", "15:45"),
        _on_the_lift(y, "16:00", "16:30"),
    ], CapacityRules())  # fmt: skip
    assert CapacityRules().walk_in_holdback > 0
    original = DayBook._fit_exactly
    car_solves: list[dt.datetime] = []

    def counted(self: DayBook, booking: Booking, *args: Any, cars: bool = False, **kw: Any) -> Any:
        if cars:
            car_solves.append(booking.drop_off)
        return original(self, booking, *args, cars=cars, **kw)

    monkeypatch.setattr(DayBook, "_fit_exactly", counted)
    wants = Wants(loan_car=True)
    refined = day.offers("LONG", waiter=False, exact_seconds=5.0, ejection_seconds=0.0, wants=wants)
    assert refined == []
    assert car_solves == []
    # The time is refused whatever the placement: a car-aware fit there breaks the holdback.
    probe = Booking(id="probe", service="LONG", drop_off=_at("08:00"), loan_car=True)
    fit, _ = original(day, probe, 5.0, 1, cars=True)
    assert fit is None or not day.desk.within_holdback(probe, fit, day._job)


def test_a_loan_car_at_risk_is_out_until_its_work_can_be_done_not_only_until_its_promise() -> None:
    """A booking kept at risk by a forced parts ETA keeps its promise, but its customer keeps the
    loan car until the work is done (desk16-s28): PARTS dropped off 08:00 with the only car,
    promised 15:30, parts now at 15:00: the fitting (60 min) ends 16:00 at the earliest, promised
    16:15 for it. Another loan-car customer is not offered 15:30-16:00 (the explanation says until
    when), and is from 16:15; without a car, or with the ETA back in time, as before."""
    workshop = _workshop(loan_cars=1, opening={"start": "08:00", "end": "17:00"})
    at_risk = Booking(
        id="A", service="PARTS", drop_off=_at("08:00"), loan_car=True, promised=_at("15:30"),
        parts_eta=_at("15:00"), at_risk=True,
    )  # fmt: skip
    day = DayBook(workshop, DAY, [(at_risk, [])], RULES)
    assert [b.id for b, _ in day.at_risk] == ["A"]
    assert day.loan_spans == [(day.clock.wall("08:00"), day.clock.wall("16:15"))]
    wants = Wants(loan_car=True)
    offered = {o.drop_off for o in day.offers("MAINT", waiter=False, wants=wants)}
    assert not {_at("15:30"), _at("16:00")} & offered and _at("16:30") in offered, sorted(offered)
    explained = dict(day.refusals("MAINT", False, None, wants, offered))
    assert explained[_at("15:30")] == "no loan car free until 16:15"
    assert {_at("15:30"), _at("16:00")} <= {o.drop_off for o in day.offers("MAINT", waiter=False)}
    in_time = at_risk.model_copy(update={"parts_eta": _at("09:00")})  # no overrun: the promise holds
    day = DayBook(workshop, DAY, [(in_time, [])], RULES)
    assert day.loan_spans == [(day.clock.wall("08:00"), day.clock.wall("15:30"))]
    assert _at("15:30") in {o.drop_off for o in day.offers("MAINT", waiter=False, wants=wants)}


def test_an_at_risk_car_whose_parts_come_after_the_shift_is_out_until_the_next_working_day() -> None:
    """desk16-s29: the earliest end of at-risk work counts the technicians' working time. PARTS
    dropped off 08:00 with the only car, promised 15:30, parts now at 16:30: the 60-minute fitting
    cannot be done before the shifts end at 17:00, so it is done the next working day from 08:00
    (ready 09:00, the car back at 09:15). With the next day closed, or no technician rostered on
    it, the day after. Parts at 15:30: ready 16:30 the same day, back at 16:45 (as before)."""
    tomorrow, after = DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)
    at_risk = Booking(
        id="A", service="PARTS", drop_off=_at("08:00"), loan_car=True, promised=_at("15:30"),
        parts_eta=_at("16:30"), at_risk=True,
    )  # fmt: skip
    opening = {"start": "08:00", "end": "17:00"}
    day = DayBook(_workshop(loan_cars=1, opening=opening), DAY, [(at_risk, [])], RULES)
    assert day.loan_out_until(at_risk) == _at("09:15", tomorrow)
    assert day.loan_spans == [(day.clock.wall("08:00"), day.clock.minutes(_at("09:15", tomorrow)))]
    closed = _workshop(loan_cars=1, opening=opening, closed_days=[tomorrow.isoformat()])
    assert DayBook(closed, DAY, [(at_risk, [])], RULES).loan_out_until(at_risk) == _at("09:15", after)
    data = _data(loan_cars=1, opening=opening)
    off = [(tomorrow.weekday() + k) % 7 for k in range(1, 7)]  # every weekday but tomorrow's
    data["technicians"] = [{**t, "weekdays": off} for t in data["technicians"]]
    rostered = DayBook(Workshop.model_validate(data), DAY, [(at_risk, [])], RULES)
    assert rostered.loan_out_until(at_risk) == _at("09:15", after)
    earlier = at_risk.model_copy(update={"parts_eta": _at("15:30")})
    day = DayBook(_workshop(loan_cars=1, opening=opening), DAY, [(earlier, [])], RULES)
    assert day.loan_out_until(earlier) == _at("16:45")


def test_an_at_risk_car_dropped_off_outside_the_changed_opening_hours_is_out_until_a_later_day() -> None:
    """desk16-s30: a forced workshop change left MAINT's drop-off outside the opening hours; no
    day plan places it (`compile_request` refuses the drop-off), so its 30 minutes are done the
    next working day at 08:00 at the earliest (ready 08:30, the car back at 08:45), with the next
    day closed the day after. Dropped off before a later opening (10:00), the same: handed back
    when the desk opens the next day. It was counted until its promise only, so the only car was
    lent again after it (11:00 on the day, 08:00 the next day)."""
    tomorrow, after = DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)
    late = Booking(
        id="A", service="MAINT", drop_off=_at("16:30"), loan_car=True, promised=_at("17:30"), at_risk=True
    )
    shortened = _workshop(loan_cars=1, opening={"start": "08:00", "end": "16:00"})
    day = DayBook(shortened, DAY, [(late, [])], RULES)
    assert day.loan_out_until(late) == _at("08:45", tomorrow)
    assert day.loan_spans == [(day.clock.wall("16:30"), day.clock.minutes(_at("08:45", tomorrow)))]
    closed = _workshop(
        loan_cars=1, opening={"start": "08:00", "end": "16:00"}, closed_days=[tomorrow.isoformat()]
    )
    assert DayBook(closed, DAY, [(late, [])], RULES).loan_out_until(late) == _at("08:45", after)
    # The drop-off day itself closed by the change: the same, from the next working day.
    shut = _workshop(loan_cars=1, opening={"start": "08:00", "end": "17:00"}, closed_days=[DAY.isoformat()])
    assert DayBook(shut, DAY, [(late, [])], RULES).loan_out_until(late) == _at("08:45", tomorrow)
    # Before the new opening: the same day's desk does not lend the car at 11:00 (the promise).
    early = Booking(
        id="A", service="MAINT", drop_off=_at("08:00"), loan_car=True, promised=_at("11:00"), at_risk=True
    )
    later = _workshop(loan_cars=1, opening={"start": "10:00", "end": "17:00"})
    day = DayBook(later, DAY, [(early, [])], RULES)
    assert day.loan_out_until(early) == _at("10:00", tomorrow)  # the desk opens at 10:00
    wants = Wants(loan_car=True)
    offered = {o.drop_off for o in day.offers("MAINT", waiter=False, wants=wants)}
    assert not offered and {o.drop_off for o in day.offers("MAINT", waiter=False)}, sorted(offered)
    explained = dict(day.refusals("MAINT", False, None, wants, offered))
    assert explained[_at("11:00")] == "no loan car free"  # back on a later day: no time (no_loan_car)
    probe = Booking(id="p", service="MAINT", drop_off=_at("11:00"), loan_car=True)
    assert day.try_insert(probe) is None
    # Inside the hours it stays as it was: no overrun, out until its promise.
    day = DayBook(
        _workshop(loan_cars=1, opening={"start": "08:00", "end": "17:00"}), DAY, [(early, [])], RULES
    )
    assert day.loan_out_until(early) is None


def test_an_at_risk_multi_day_repair_keeps_its_car_until_its_projected_end_on_a_later_day() -> None:
    """desk16-s30: REPAIR (three 300-minute operations, the second needing parts, over up to three
    days) dropped off 08:00 with the only car is promised the third day at 13:15 (08:00-13:00,
    then 08:00-13:00 on each of the next two days: no operation fits the 17:00 end after 13:00).
    Its parts forced to the second day at 13:00 (at risk, the promise standing): the fitting is
    done on the third day 08:00-13:00 and the last operation on the fourth, so the car is out
    until 13:15 that day. The rest was chained across the night (ready on the second day at
    23:00), before the promise: no overrun, the car counted back at the third day's 13:15."""
    second, third, fourth = (DAY + dt.timedelta(days=k) for k in (1, 2, 3))
    work = {"name": "body", "minutes": 300, "skill": "maintenance", "bay_kinds": ["general"]}
    repair = {"code": "REPAIR", "name": "Repair", "max_days": 3, "operations": [
        work, {**work, "name": "fit", "needs_parts": True}, {**work, "name": "paint"}]}  # fmt: skip
    data = _data(loan_cars=1, opening={"start": "08:00", "end": "17:00"})
    workshop = Workshop.model_validate({**data, "services": [*data["services"], repair]})
    at_risk = Booking(
        id="A", service="REPAIR", drop_off=_at("08:00"), loan_car=True, promised=_at("13:15", third),
        parts_eta=_at("13:00", second), at_risk=True,
    )  # fmt: skip
    day = DayBook(workshop, DAY, [(at_risk, [])], RULES)
    assert day.loan_out_until(at_risk) == _at("13:15", fourth)
    assert day.loan_spans == [(day.clock.wall("08:00"), day.clock.minutes(_at("13:15", fourth)))]
    # Parts in time for the second day's morning: done by the promise, no overrun.
    in_time = at_risk.model_copy(update={"parts_eta": _at("08:00", second)})
    assert DayBook(workshop, DAY, [(in_time, [])], RULES).loan_out_until(in_time) is None


def test_the_exact_model_knows_the_loan_cars() -> None:
    """The exact model with the desk's fleet (`FrontDesk.loan_fleet`: the cars out until their
    promise, the new one out until the promise its end earns; bench.slots' exact check): the job
    dropped off at 08:00 fits once X moves; at 12:30 it is promised 17:30 at the earliest, the
    only car then out with Y from 16:00: no fit, where without a car it fits."""
    day = _one_car_day()

    def exact(probe: Booking) -> str:
        bookings = [b for b, _ in day.accepted] + [probe]
        options = PlanOptions(keep_promises=True)
        compiled = compile_request(
            PlanRequest(workshop=day.workshop, date=day.date, bookings=bookings, options=options)
        )
        fleet = day.desk.loan_fleet([(len(bookings) - 1, probe)])
        return fit_all(replace(compiled.problem, loan_cars=fleet), None, SolveParameters(10.0, workers=1))[0]

    assert exact(Booking(id="p", service="LONG", drop_off=_at("08:00"), loan_car=True)) == "feasible"
    assert exact(Booking(id="p", service="LONG", drop_off=_at("12:30"), loan_car=True)) == "infeasible"
    assert exact(Booking(id="p", service="LONG", drop_off=_at("12:30"))) == "feasible"


def test_no_loan_car_limit_by_default() -> None:
    day = DayBook(_workshop(), DAY, [], RULES)
    for i in range(4):
        day = _book(day, Booking(id=f"b{i}", service="MAINT", drop_off=_at("08:00"), loan_car=True))
    assert len(day.accepted) == 4


# --- advisors -----------------------------------------------------------------------------------


ADVISOR = {"id": "a1", "name": "Ann", "shift": {"start": "08:00", "end": "17:00",
           "breaks": [{"start": "09:00", "end": "10:00"}]}}  # fmt: skip


def test_one_advisor_checks_one_vehicle_in_at_a_time_and_none_on_her_break() -> None:
    ws = _workshop(advisors=[ADVISOR])
    day = DayBook(ws, DAY, [], CapacityRules(walk_in_holdback=0.2))
    times = {o.drop_off for o in day.offers("MAINT", waiter=False)}
    assert _at("08:00") in times and _at("10:00") in times
    assert not {_at("09:00"), _at("09:30")} & times  # at lunch... on her break
    day = _book(day, Booking(id="a", service="MAINT", drop_off=_at("08:00")))
    assert day.try_insert(Booking(id="b", service="MAINT", drop_off=_at("08:05"))) is None  # busy till 08:10
    assert day.try_insert(Booking(id="b", service="MAINT", drop_off=_at("08:10"))) is not None
    assert day.try_insert(Booking(id="b", service="MAINT", drop_off=_at("08:55"))) is None  # break at 09:00
    refused = dict(day.refusals("MAINT", False, None, Wants(), set()))
    assert refused[_at("08:00")] == "no advisor free for check-in"
    assert refused[_at("09:00")] == "no advisor free for check-in"


def _check_in(minutes: int, **advisor: Any) -> Workshop:
    data = _data(advisors=[{**ADVISOR, "shift": {"start": "08:00", "end": "17:00"}, **advisor}])
    for service in data["services"]:
        service["check_in_minutes"] = minutes
    return Workshop.model_validate(data)


def test_one_advisor_with_quarter_hour_check_ins_takes_three_an_hour() -> None:
    """One check-in per advisor per quarter hour, 15 minutes each, a fifth of her time held back
    for walk-ins: three of the hour's four quarter hours are sold, the fourth is for walk-ins.
    Fails before: 15 minutes never fitted a quarter hour's 12 bookable minutes, nothing offered."""
    rules = CapacityRules(walk_in_holdback=0.2, slot_minutes=15)
    day = DayBook(_check_in(15), DAY, [], rules)
    assert [o.drop_off for o in day.offers("MAINT", waiter=False)][:4] == [
        _at("08:00"), _at("08:15"), _at("08:30"), _at("08:45")
    ]  # fmt: skip
    for i, hhmm in enumerate(("08:00", "08:15", "08:30")):
        day = _book(day, Booking(id=f"b{i}", service="MAINT", drop_off=_at(hhmm)))
    refused = dict(day.refusals("MAINT", False, None, Wants(), set()))
    assert refused[_at("08:45")] == "walk-in holdback: advisor check-in"  # she is free: kept back
    assert _at("09:00") in {o.drop_off for o in day.offers("MAINT", waiter=False)}
    _on_time(day)
    # The loading chart's intake: 08:45 has 15 advisor minutes free, the hour 3 sellable left.
    intake = [day.desk.advisor_intake(m) for m in (480, 495, 510, 525, 540)]
    assert intake == [0, 0, 0, 3, 15]


def test_a_check_in_longer_than_the_advisors_time_left_is_refused() -> None:
    """A 120-minute check-in with one advisor until 10:30 (no holdback): offered 08:00 and 08:30,
    refused later; with a fifth of each hour held back, never (it would take all of an hour).
    Fails before: a check-in over the quarter hour's 15 advisor minutes was never offered."""
    ws = _check_in(120, shift={"start": "08:00", "end": "10:30"})
    day = DayBook(ws, DAY, [], CapacityRules(walk_in_holdback=0.0))
    assert [o.drop_off for o in day.offers("MAINT", waiter=False)] == [_at("08:00"), _at("08:30")]
    refused = dict(day.refusals("MAINT", False, None, Wants(), set()))
    assert refused[_at("09:00")] == refused[_at("10:30")] == "no advisor free for check-in"
    day = _book(day, Booking(id="b", service="MAINT", drop_off=_at("08:30")))
    assert day.offers("MAINT", waiter=False) == []  # she is busy until 10:30
    held = DayBook(ws, DAY, [], CapacityRules(walk_in_holdback=0.2))
    reasons = dict(held.refusals("MAINT", False, None, Wants(), set()))
    # 08:00 and 08:30: she has the time, the holdback keeps it back; later she has not.
    assert [reasons[_at(hhmm)] for hhmm in ("08:00", "08:30", "09:00", "10:30")] == [
        "walk-in holdback: advisor check-in", "walk-in holdback: advisor check-in",
        "no advisor free for check-in", "no advisor free for check-in",
    ]  # fmt: skip


def test_advisors_on_staggered_breaks_take_each_check_in_within_one_stretch() -> None:
    """Two advisors, one on a break 08:05-09:00, the other 08:00-08:05: someone is at the desk at
    every minute, but nobody is free for all of an 08:00 check-in of 10 minutes."""
    one = {**ADVISOR, "shift": {"start": "08:00", "end": "17:00",
                                "breaks": [{"start": "08:05", "end": "09:00"}]}}  # fmt: skip
    two = {**ADVISOR, "id": "a2", "shift": {"start": "08:00", "end": "17:00",
                                            "breaks": [{"start": "08:00", "end": "08:05"}]}}  # fmt: skip
    day = DayBook(_workshop(advisors=[one, two]), DAY, [], CapacityRules(walk_in_holdback=0.0))
    times = [o.drop_off for o in day.offers("MAINT", waiter=False)]
    assert _at("08:00") not in times and _at("08:30") in times


def test_the_holdback_applies_to_advisor_time() -> None:
    """Two advisors, 10-minute check-ins on the quarter hours of 08:00-09:00: eight fit the desk
    (two at a time), the holdback keeps a share of the hour's 120 advisor minutes back."""
    two = {**ADVISOR, "id": "a2", "shift": {"start": "08:00", "end": "17:00"}}
    ws = _workshop(advisors=[{**ADVISOR, "shift": {"start": "08:00", "end": "17:00"}}, two])
    for share, room in ((0.0, 8), (0.4, 7), (0.5, 6)):
        day = DayBook(ws, DAY, [], CapacityRules(walk_in_holdback=share))
        n = 0
        for i in range(12):
            drop_off = _at(f"08:{15 * (i // 3):02d}")
            offer = day.try_insert(Booking(id=f"b{i}", service="MAINT", drop_off=drop_off))
            if offer is None:
                continue
            day = day.with_booking(Booking(id=f"b{i}", service="MAINT", drop_off=drop_off,
                                           promised=offer.promised), offer)  # fmt: skip
            n += 1
        assert n == room, share


def test_a_check_in_kept_back_by_the_holdback_names_the_advisors_reserve() -> None:
    """Two advisors, 10-minute check-ins, half of each clock hour's advisor minutes held back:
    six check-ins fill 08:00-09:00 (two at 08:00, 08:15 and 08:30). At 08:30 both advisors are busy
    ("no advisor free for check-in"); at 08:45 both are free, but the hour's online share is used
    up: the advisors' reserve for walk-ins, named (before deskparts-s24: "no advisor free for
    check-in" as if nobody were there), in explain and in a booking's refusal alike."""
    two = {**ADVISOR, "id": "a2", "shift": {"start": "08:00", "end": "17:00"}}
    ws = _workshop(advisors=[{**ADVISOR, "shift": {"start": "08:00", "end": "17:00"}}, two])
    day = DayBook(ws, DAY, [], CapacityRules(walk_in_holdback=0.5, slot_minutes=15))
    for i, hhmm in enumerate(["08:00", "08:00", "08:15", "08:15", "08:30", "08:30"]):
        day = _book(day, Booking(id=f"b{i}", service="MAINT", drop_off=_at(hhmm)))
    refused = dict(day.refusals("MAINT", False, None, Wants(), set()))
    assert refused[_at("08:30")] == "no advisor free for check-in"
    assert refused[_at("08:45")] == "walk-in holdback: advisor check-in"
    assert not isinstance(refused[_at("09:00")], str)  # the next hour has its own share: a fit
    late = Booking(id="late", service="MAINT", drop_off=_at("08:45"))
    assert day.try_insert(late) is None and day.refusal(late) == "walk-in holdback: advisor check-in"


def _two_pools(**service: Any) -> Workshop:
    """BODY: a 30-minute check by the maintenance technician (to 17:00), then a 60-minute panel
    by the body technician (grade 2, 08:00-12:00: 240 minutes)."""
    data = _data()
    data["technicians"] = [
        {
            "id": "m",
            "name": "M",
            "grade": 3,
            "skills": ["maintenance"],
            "shift": {"start": "08:00", "end": "17:00"},
        },
        {"id": "b", "name": "B", "grade": 2, "skills": ["body"], "shift": {"start": "08:00", "end": "12:00"}},
    ]
    data["services"].append(
        {
            "code": "BODY",
            "name": "Body",
            **service,
            "operations": [
                {"name": "check", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]},
                {"name": "panel", "minutes": 60, "skill": "body", "min_grade": 2, "bay_kinds": ["general"]},
            ],
        }
    )
    return Workshop.model_validate(data)


@pytest.mark.parametrize("express", [False, True])
def test_a_holdback_refusal_names_the_pool_it_would_eat_into(express: bool) -> None:
    """60 % held back (express work: 70 %) leaves the body technician 96 (72) of his 240 minutes:
    one panel is sold, a second is not, though he has the room. The refusal names the body pool,
    not the maintenance technician's, which the check uses first and which has room to spare (and
    says the express share applies); the same words for the time explained and for the booking
    refused. Before deskparts-s24: "walk-in holdback", no pool."""
    ws = _two_pools(express=True) if express else _two_pools()
    rules = CapacityRules(walk_in_holdback=0.6, express_holdback=0.7)
    day = _book(DayBook(ws, DAY, [], rules), Booking(id="b1", service="BODY", drop_off=_at("08:00")))
    pool = "body technicians grade >= 2"
    said = f"walk-in holdback: express work on {pool}" if express else f"walk-in holdback: {pool}"
    refused = dict(day.refusals("BODY", False, None, Wants(), set()))
    morning = [_at(f"{h:02d}:{m:02d}") for h in (8, 9) for m in (0, 30)]  # later: no room for the panel
    assert [refused.get(t) for t in morning] == [said] * 4, refused
    assert DayBook(ws, DAY, [], CapacityRules(walk_in_holdback=0.0, express_holdback=0.0)).try_insert(
        Booking(id="b1", service="BODY", drop_off=_at("08:00"))
    )  # the room is there with no holdback
    second = Booking(id="b2", service="BODY", drop_off=_at("08:30"))
    assert day.try_insert(second) is None and day.refusal(second) == said
    assert Translator("zh_CN").phrase(said) != said  # translated whole, the pool too


# --- explained refusals -------------------------------------------------------------------------


def test_a_waiter_is_offered_only_where_his_work_ends_before_the_desk_closes() -> None:
    """desk16-s26: the desk closes at 11:30 here (the promise rule's afternoon handover, after the
    11:00 opening end). A waiter's MAINT (30 min + 15 buffer) from 10:30 is promised 11:15: offered;
    from 11:00, 11:45: not, and the refusal says when the work ends and when the desk closes; a
    drop-off customer keeps 11:00 (promised the next day's first handover)."""
    rules = CapacityRules(walk_in_holdback=0.0, afternoon_handover="11:30")
    day = DayBook(_workshop(), DAY, [], rules)
    waiting = day.offers("MAINT", waiter=True)
    assert [o.drop_off for o in waiting][-1] == _at("10:30")
    assert all(o.promised <= _at("11:30") for o in waiting)
    late = Booking(id="w", service="MAINT", drop_off=_at("11:00"), waiter=True)
    assert day.try_insert(late) is None
    said = "work ends 11:45, after the desk closes at 11:30"
    assert day.refusal(late) == said
    assert dict(day.refusals("MAINT", True, None, Wants(), set()))[_at("11:00")] == said
    assert Translator("zh_CN").phrase(said) == "工作 11:45 结束，晚于前台 11:30 下班"
    dropped = day.offers("MAINT", waiter=False)
    assert dropped[-1].drop_off == _at("11:00") and dropped[-1].promised == _at(
        "08:00", DAY + dt.timedelta(days=1)
    )


def test_a_waiter_is_offered_a_time_that_fits_by_the_desks_close_only_once_a_booking_moves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """waiterdue-s26: the desk closes at 11:30; one technician, one lift, a drop-off booked 10:30-11:00
    (promised 15:00). A waiter's MAINT (30 min + 15 buffer) from 10:30 fits at once only 11:00-11:30,
    promised 11:45, after the close; with the drop-off moved to 11:00-11:30 he is done at 11:00 and
    promised 11:15. The offer search aims at the desk's close (his latest end, 11:15), so that time is
    offered: by the slot search, by the booking desk's one-booking repair and its search moving
    others, and by the exact fit; each offer is a valid plan that keeps every promise. A drop-off
    customer is unchanged."""
    # The searches' default budget (25 ms of CPU) as reads: a stall (a full garbage collection)
    # would cut the search moving the drop-off, and 10:30 would not be offered (flake-s37).
    counted_search_clock(monkeypatch, step=2**-20)
    rules = CapacityRules(walk_in_holdback=0.0, afternoon_handover="11:30")
    ws = _workshop(technicians=[_data()["technicians"][0]], bays=[{"id": "G1", "kind": "general"}])
    day = DayBook(ws, DAY, [], rules)
    booked = Booking(id="x", service="MAINT", drop_off=_at("10:30"), promised=_at("15:00"))
    offer = day.try_insert(booked)
    assert offer is not None and offer.assignments[0].start == _at("10:30")
    day = day.with_booking(booked, offer)
    waiter = Booking(id="w", service="MAINT", drop_off=_at("10:30"), waiter=True)
    assert day.fit_quickly(waiter, repair=False) is None  # his earliest finish alone ends too late
    inserted = day.try_insert(waiter)  # the one-booking repair moves the drop-off
    assert inserted is not None and inserted.promised == _at("11:15")
    by_time = {o.drop_off: o for o in day.offers("MAINT", waiter=True)}
    assert _at("10:30") in by_time and by_time[_at("10:30")].promised == _at("11:15")
    assert all(o.promised <= _at("11:30") for o in by_time.values())
    moved = day.try_moving_others(waiter)
    assert moved is not None and moved.promised == _at("11:15")
    exact = day.fit_exactly(waiter, 10.0, workers=1)
    assert exact is not None and day.allowed(waiter, exact) and exact.promised <= _at("11:30")
    for found in (by_time[_at("10:30")], inserted, moved, exact):
        as_offered = {"id": found.assignments[0].booking, "promised": found.promised}  # a probe's id
        after = day.with_booking(waiter.model_copy(update=as_offered), found)
        _on_time(after)
    assert _at("11:00") not in by_time  # 11:00-11:30 + 15 is 11:45 wherever it goes
    assert [o.drop_off for o in day.offers("MAINT", waiter=False)][-1] == _at("11:00")


def test_a_waiter_time_whose_shortest_work_ends_after_the_desks_close_is_proven_not_to_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """waiterdue-s26: the desk closes at 11:30; a waiter's MAINT (30 min + 15 buffer) dropped off at
    11:00 cannot end before 11:30, promised 11:45 at the earliest: the exact search takes that as
    proven (the bound that stops later answers from looking again) without a solve."""
    rules = CapacityRules(walk_in_holdback=0.0, afternoon_handover="11:30")
    day = DayBook(_workshop(), DAY, [], rules)

    def no_solve(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("CP-SAT asked about a time out of reach")

    monkeypatch.setattr(slots, "fit_all", no_solve)
    offers, bound = day.offers_and_bound("MAINT", waiter=True, exact_seconds=5.0, workers=1)
    assert offers[-1].drop_off == _at("10:30") and bound == _at("11:00")
    monkeypatch.undo()
    assert day.offers_and_bound("MAINT", waiter=False, exact_seconds=5.0, workers=1)[1] is None


@pytest.mark.parametrize(
    ("waiter", "status", "shortened"),
    [(True, "unknown", True), (True, "infeasible", False), (False, "unknown", False)],
)
def test_a_waiters_exact_search_looks_briefly_at_the_times_after_one_left_unproven(
    monkeypatch: pytest.MonkeyPatch, waiter: bool, status: str, shortened: bool
) -> None:
    """waitercost-s27: on a day where nothing fits at once (the quick fits and the repair find
    nothing), the exact binary search asks CP-SAT about several times. Once a waiter's time is left
    unproven within the whole limit, the rest of his search gets `WAITER_RETRY_SECONDS` each; a time
    proven not to fit, or a drop-off customer's search, keeps the whole limit every time. Nothing
    unproven is offered."""
    day = DayBook(_workshop(), DAY, [], CapacityRules(walk_in_holdback=0.0))
    limits: list[float] = []

    def answered(problem: Any, hint: Any, params: Any, shared: Any = None) -> tuple[str, None]:
        limits.append(params.time_limit_seconds)
        return status, None

    monkeypatch.setattr(DayBook, "_quick_fits", lambda self, probes, availability: [None] * len(probes))
    monkeypatch.setattr(DayBook, "_reshuffle", lambda self, booking, job, availability: None)
    monkeypatch.setattr(slots, "fit_all", answered)
    offers, _ = day.offers_and_bound(
        "MAINT", waiter=waiter, exact_seconds=1.0, workers=1, ejection_seconds=0.0
    )
    assert offers == [] and len(limits) >= 3
    retry = slots.WAITER_RETRY_SECONDS if shortened else 1.0
    assert limits == [1.0] + [retry] * (len(limits) - 1)


@pytest.mark.parametrize("waiter", [True, False])
def test_one_exact_search_builds_its_model_once_and_answers_each_time_as_a_fresh_model_would(
    monkeypatch: pytest.MonkeyPatch, waiter: bool
) -> None:
    """waitercost-s27: the checks of one binary search share the CP-SAT model built for the first
    (`solver.model.LastJobFits`: only the new booking's drop-off differs, held by a constraint).
    At every candidate time of a day with two bookings and one technician, the shared model gives
    the verdict a model built for that time gives (fits, proven not to, both in 10 s), builds once,
    and each fit it finds is a plan that keeps every promise (validator)."""
    rules = CapacityRules(walk_in_holdback=0.0, afternoon_handover="11:30")
    ws = _workshop(technicians=[_data()["technicians"][0]], bays=[{"id": "G1", "kind": "general"}])
    day = DayBook(ws, DAY, [], rules)
    for booked in (
        Booking(id="x", service="MAINT", drop_off=_at("10:30"), promised=_at("15:00")),
        Booking(id="y", service="MAINT", drop_off=_at("08:00"), promised=_at("09:30")),
    ):
        offer = day.try_insert(booked)
        assert offer is not None
        day = day.with_booking(booked, offer)
    builds: list[int] = []
    original = solver_model.build

    def counted(problem: Any) -> Any:
        builds.append(len(problem.jobs))
        return original(problem)

    monkeypatch.setattr(solver_model, "build", counted)
    shared = solver_model.LastJobFits()
    verdicts = []
    for drop_off in day.candidate_times():
        probe = Booking(id="w", service="MAINT", drop_off=drop_off, waiter=waiter)
        found, proven = day._fit_exactly(probe, 10.0, 1, shared)
        fresh, fresh_proven = day._fit_exactly(probe, 10.0, 1)
        assert (found is None, proven) == (fresh is None, fresh_proven)
        verdicts.append(found is not None)
        if found is not None:
            as_offered = {"id": found.assignments[0].booking, "promised": found.promised}
            _on_time(day.with_booking(probe.model_copy(update=as_offered), found))
    # A waiter fits up to 10:30 and is proven not to from 11:00 (desk closes 11:30): both verdicts
    # compared; a drop-off customer fits at every time (promised the next morning).
    assert any(verdicts) and all(verdicts) != waiter
    assert len(builds) == 1 + len(verdicts)  # the shared model once, a fresh one per time


def test_refusals_name_the_waiter_cap_the_holdback_and_the_day_being_full() -> None:
    ws = _workshop(technicians=[_data()["technicians"][0]], bays=[{"id": "G1", "kind": "general"}])
    day = DayBook(ws, DAY, [], CapacityRules(waiters_per_slot=1, walk_in_holdback=0.0))
    day = _book(day, Booking(id="w", service="MAINT", drop_off=_at("08:00"), waiter=True))
    refused = dict(day.refusals("MAINT", True, None, Wants(), set()))
    assert refused[_at("08:00")] == "waiter cap 1 per 30 min reached"
    held = DayBook(ws, DAY, [], CapacityRules(walk_in_holdback=0.99))
    assert {why for _, why in held.refusals("MAINT", False, None, Wants(), set())} == {
        "walk-in holdback: maintenance technicians grade >= 1"
    }
    closed = DayBook(_workshop(closed_days=[DAY]), DAY, [], RULES)
    assert {why for _, why in closed.refusals("MAINT", False, None, Wants(), set())} == {"workshop closed"}
    full = DayBook(ws, DAY, [], RULES)
    for i in range(30):
        offer = full.try_insert(Booking(id=f"f{i}", service="PARTS", drop_off=_at("08:00")))
        if offer is None:
            break
        full = full.with_booking(Booking(id=f"f{i}", service="PARTS", drop_off=_at("08:00"),
                                         promised=offer.promised), offer)  # fmt: skip
    reasons = {why for _, why in full.refusals("MAINT", False, None, Wants(), set())}
    assert reasons == {"no maintenance technician grade >= 1 has 30 min before 17:00 (longest free 0 min)"}


def _paint_shop() -> Workshop:
    """A paint booth; Pat (grade 3, to 17:00 and 30 min of overtime) and Ray (grade 3, 1.4x as
    fast, to 12:00); Ann (grade 2) may not do PAINT (140 min, grade >= 3)."""

    def painter(tid: str, grade: int, end: str, **more: Any) -> dict[str, Any]:
        return {"id": tid, "name": tid, "grade": grade, "skills": ["paint"],
                "shift": {"start": "08:00", "end": end}, **more}  # fmt: skip

    return _workshop(
        opening={"start": "08:00", "end": "17:00"},
        bays=[{"id": "P1", "kind": "paint"}],
        technicians=[painter("pat", 3, "17:00", max_overtime_minutes=30),
                     painter("ray", 3, "12:00", efficiency=1.4), painter("ann", 2, "17:00")],
        services=[{"code": "PAINT", "name": "Paint", "operations": [
            {"name": "paint", "minutes": 140, "skill": "paint", "min_grade": 3, "bay_kinds": ["paint"]}]}],
    )  # fmt: skip


def test_a_refusal_for_lack_of_room_reads_as_the_desk_says_it() -> None:
    """Issue 16's form: who is missing, the work's minutes and the latest it may end (the last
    qualified technician's day end, overtime included: nothing else bounds a booking not yet
    promised), then the longest stretch there is; in Chinese too."""
    day = DayBook(_paint_shop(), DAY, [], RULES)
    refused = dict(day.refusals("PAINT", False, None, Wants(), set()))
    # 15:30: Ray's day is over, Pat has 15:30-17:30 (overtime included): 120 of Pat's 140 minutes.
    assert (
        refused[_at("15:30")]
        == "no paint technician grade >= 3 has 140 min before 17:30 (longest working block 120 min)"
    )
    offered = {o.drop_off for o in day.offers("PAINT", waiter=False)}
    assert _at("15:00") in offered  # Pat 15:00-17:20, overtime included
    # Pat painting 11:00-15:40: from 11:00 Ray (100 min at his pace) has 60 min left before his
    # day ends and Pat 110 of his 140; once Ray's day is over, only Pat's 140 min count.
    busy = _book(day, Booking(id="b", service="PAINT", drop_off=_at("11:00")))
    busy = _book(busy, Booking(id="c", service="PAINT", drop_off=_at("13:20")))
    later = dict(busy.refusals("PAINT", False, None, Wants(), set()))
    assert (
        later[_at("11:00")]
        == "no paint technician grade >= 3 has 100-140 min before 17:30 (at best 110 of the 140 min)"
    )
    assert (
        later[_at("13:00")]
        == "no paint technician grade >= 3 has 140 min before 17:30 (longest free 110 min)"
    )
    zh = Translator("zh-CN")
    assert (
        zh.phrase(refused[_at("15:30")])
        == "没有一名 3 级及以上的喷漆技师在 17:30 之前有连续 140 分钟的空闲（最长连续工作时段 120 分钟）"
    )


def test_a_booth_and_a_painter_free_only_apart_read_as_never_free_together() -> None:
    """Pat (the only painter) prepares a waiter's car in the general bay 08:00-12:00, Ray (body)
    has the booth 12:00-17:00 for another waiter: each promise holds them there, so a new PAINT
    has a free booth in the morning and a free painter in the afternoon, never both."""

    def tech(tid: str, skill: str) -> dict[str, Any]:
        return {
            "id": tid,
            "name": tid,
            "grade": 3,
            "skills": [skill],
            "shift": {"start": "08:00", "end": "17:00"},
        }

    def service(code: str, minutes: int, skill: str, kind: str) -> dict[str, Any]:
        op = {"name": code.lower(), "minutes": minutes, "skill": skill, "min_grade": 3, "bay_kinds": [kind]}
        return {"code": code, "name": code, "operations": [op]}

    ws = _workshop(
        opening={"start": "08:00", "end": "17:00"},
        bays=[{"id": "P1", "kind": "paint"}, {"id": "G1", "kind": "general"}],
        technicians=[tech("pat", "paint"), tech("ray", "body")],
        services=[service("PAINT", 140, "paint", "paint"), service("PREP", 240, "paint", "general"),
                  service("BOOTH", 300, "body", "paint")],
    )  # fmt: skip
    day = DayBook(ws, DAY, [], RULES)
    day = _book(day, Booking(id="prep", service="PREP", drop_off=_at("08:00"), waiter=True))
    day = _book(day, Booking(id="booth", service="BOOTH", drop_off=_at("12:00"), waiter=True))
    assert day.offers("PAINT", waiter=False) == []
    refused = dict(day.refusals("PAINT", False, None, Wants(), set()))
    assert refused[_at("08:30")] == (
        "no paint bays and paint technician grade >= 3 free together for 140 min between 08:30 and 17:00"
    )
    assert Translator("zh-CN").phrase(refused[_at("08:30")]) == (
        "08:30 至 17:00 之间喷漆工位与 3 级及以上的喷漆技师无法同时空出 140 分钟"
    )


# --- soundness ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bookings_with_loan_cars_advisors_and_parts_keep_every_promise(seed: int) -> None:
    """Book random offered slots on small-dealer with 2 advisors, 3 loan cars and parts-dependent
    paint: the witness is a valid plan (parts ETAs and loan-car counts checked) with every booking on time."""
    scenario = load_scenario("small-dealer").workshop
    ws = scenario.model_copy(update={"loan_cars": 3})
    if not ws.advisors:
        ws = ws.model_copy(update={"advisors": [
            Workshop.model_validate(_data(advisors=[ADVISOR])).advisors[0],
            Workshop.model_validate(_data(advisors=[{**ADVISOR, "id": "a2"}])).advisors[0],
        ]})  # fmt: skip
    rng = random.Random(seed)
    day = DayBook(ws, DAY, [], CapacityRules())
    services = ["LUBE", "MAINT", "MINOR", "ACCIDENT", "ALIGN"]
    booked = 0
    for i in range(40):
        code = rng.choice(services)
        waiter = code in ("LUBE", "MAINT") and rng.random() < 0.4
        wants = Wants(
            loan_car=not waiter and rng.random() < 0.4,
            parts_eta=_at(rng.choice(["09:00", "11:00", "13:30"])) if code == "ACCIDENT" else None,
        )
        offers = day.offers(code, waiter, wants=wants)
        if not offers:
            continue
        pick = rng.choice(offers)
        booking = Booking(id=f"b{i}", service=code, drop_off=pick.drop_off, waiter=waiter,
                          loan_car=wants.loan_car, parts_eta=wants.parts_eta)  # fmt: skip
        # An offer holds when no one books in between: found by the quick fit, or (an offer of
        # the ejection search) by moving bookings out of the way, as the booking desk tries, else
        # booked as it was offered (the service books the offer its slot query showed).
        offer = day.try_insert(booking) or day.try_moving_others(booking) or day.reoffer(booking, pick)
        assert offer is not None, (booking, pick)
        day = day.with_booking(booking.model_copy(update={"promised": offer.promised}), offer)
        booked += 1
        _on_time(day)
    assert booked >= 10
