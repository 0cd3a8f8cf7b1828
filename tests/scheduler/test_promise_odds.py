"""The odds of each promise: a Monte Carlo of the rest of the day over the live plan."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import ndtr

from scheduler.clocking import DayState, Effective, booking_status, replay
from scheduler.contract import Booking, Plan, PlanRequest, Workshop
from scheduler.planning import make_plan
from scheduler.promise_odds import (
    GUARD,
    MODEL,
    DurationModel,
    GuardRule,
    Snapshot,
    _promises,
    booking_projection,
    end_samples,
    guarded,
    on_time_probabilities,
    projected_ends,
    promise_guard,
    reprojected,
)
from scheduler.validator import assert_valid
from tests.builders import DAY, assignment, at, plan, request, small_workshop, tiny_workshop

WS = tiny_workshop()


def day(promise_a: str = "09:30", promise_b: str = "10:45") -> tuple[list[Booking], Plan]:
    """A 08:00-09:00 then B 09:00-10:00, both on technician t and bay G1."""
    bookings = [
        Booking(id="A", service="MAINT", drop_off=at("08:00"), promised=at(promise_a)),
        Booking(id="B", service="MAINT", drop_off=at("08:00"), promised=at(promise_b)),
    ]
    req = PlanRequest(workshop=WS, date=DAY, bookings=bookings)
    p = plan(
        req,
        [assignment("A", 0, "G1", "t", "08:00", "09:00"), assignment("B", 0, "G1", "t", "09:00", "10:00")],
    )
    assert_valid(req, p)
    return bookings, p


def state(*events: tuple[str, str, str], bookings: list[Booking]) -> DayState:
    effective = [
        Effective(i, booking, 0, "t", action, at(hhmm))  # type: ignore[arg-type]
        for i, (booking, action, hhmm) in enumerate(events, start=1)
    ]
    return replay(effective, WS, {b.id: b for b in bookings}, DAY)


def odds(bookings: list[Booking], p: Plan, s: DayState, now: dt.datetime) -> dict[str, float | None]:
    return on_time_probabilities(WS, DAY, bookings, p, s, now)


def test_slack_gives_high_odds_and_a_promise_at_the_planned_end_about_even() -> None:
    bookings, p = day(promise_a="11:00", promise_b="10:00")
    got = odds(bookings, p, state(bookings=bookings), at("07:30"))
    # Two hours of slack: only a large overrun (the live model's few percent) makes A late.
    assert got["A"] is not None and got["A"] > 0.9
    plain = on_time_probabilities(
        WS, DAY, bookings, p, state(bookings=bookings), at("07:30"), model=DurationModel()
    )
    assert plain["A"] is not None and plain["A"] > 0.97
    # B ends at 10:00 if everything takes its expected time: roughly a coin toss either way.
    assert got["B"] is not None and 0.3 < got["B"] < 0.8


def test_the_same_status_twice_gives_the_same_numbers() -> None:
    bookings, p = day(promise_a="09:00", promise_b="10:00")
    s = state(("A", "start", "08:05"), bookings=bookings)
    first = odds(bookings, p, s, at("08:40"))
    assert first == odds(bookings, p, s, at("08:40"))
    assert all(v is not None and 0 <= v <= 1 for v in first.values())


def test_an_overrun_lowers_the_odds_of_the_booking_queued_behind_it() -> None:
    bookings, p = day(promise_a="09:30", promise_b="10:15")
    on_time = odds(bookings, p, state(("A", "start", "08:00"), bookings=bookings), at("08:30"))
    overrun = odds(bookings, p, state(("A", "start", "08:00"), bookings=bookings), at("09:20"))
    assert on_time["B"] is not None and overrun["B"] is not None
    assert overrun["B"] < on_time["B"] - 0.2
    # The point projection with the plan's downstream effects: B waits for A's overrun.
    ends = projected_ends(WS, bookings, p, state(("A", "start", "08:00"), bookings=bookings), at("09:20"))
    assert ends[("B", 0)] >= at("10:20")


def test_finished_bookings_are_certain_and_unplanned_ones_hopeless() -> None:
    bookings, p = day(promise_a="09:00", promise_b="10:00")
    s = state(("A", "start", "08:00"), ("A", "finish", "09:10"), bookings=bookings)
    partial = p.model_copy(update={"assignments": [a for a in p.assignments if a.booking == "A"]})
    got = odds(bookings, partial, s, at("09:15"))
    assert got == {"A": 0.0, "B": 0.0}
    early = state(("A", "start", "08:00"), ("A", "finish", "08:50"), bookings=bookings)
    assert odds(bookings, p, early, at("09:15"))["A"] == 1.0


def test_no_promise_no_probability() -> None:
    bookings, p = day()
    bookings = [bookings[0].model_copy(update={"promised": None}), bookings[1]]
    assert odds(bookings, p, state(bookings=bookings), at("07:30"))["A"] is None


def snapshot(bookings: list[Booking], p: Plan, s: DayState, now: dt.datetime) -> Snapshot:
    return Snapshot(WS, DAY, bookings, p, s, now)


def test_work_running_far_past_its_expected_minutes_is_likely_a_large_overrun() -> None:
    """Under the mixture, the longer A runs past its 60 expected minutes, the later its end is
    projected (not just "a little more"); the plain lognormal expects it to end soon."""
    bookings, p = day(promise_a="11:00", promise_b="12:00")
    started = state(("A", "start", "08:00"), bookings=bookings)
    mixture = DurationModel(overrun_share=0.05, overrun_factor=3.0)
    plain = DurationModel()

    def median_left(model: DurationModel, hhmm: str) -> float:
        ends = end_samples(snapshot(bookings, p, started, at(hhmm)), model=model)["A"]
        assert ends is not None
        return float(np.median(ends))

    assert median_left(plain, "09:40") < 20
    assert median_left(mixture, "09:10") < median_left(mixture, "09:40")
    # By then most likely (~60 %) an overrun of ~180 minutes: half an hour or more still to go.
    assert median_left(mixture, "09:40") > 30 > 3 * median_left(plain, "09:40")
    # Not started: the mixture's draws average a little above the plain ones (mean 1 + share x (factor - 1)).
    fresh = snapshot(bookings, p, state(bookings=bookings), at("07:30"))
    plain_a, mixed_a = end_samples(fresh, 4000, plain)["A"], end_samples(fresh, 4000, mixture)["A"]
    assert plain_a is not None and mixed_a is not None
    assert float(np.mean(mixed_a)) > float(np.mean(plain_a)) + 3


def _conditional_rest(model: DurationModel, expected: float, elapsed: float) -> Callable[[float], float]:
    """P(the rest of the work > r | it has run `elapsed` minutes) under `model`, from the
    lognormal mixture's survival function (written out here, independently of the sampler)."""
    sigma = math.sqrt(math.log(1 + model.cv * model.cv))
    mu = math.log(expected) - sigma * sigma / 2  # a factor of mean 1
    share, shift = model.overrun_share, math.log(model.overrun_factor)

    def survival(d: float) -> float:
        x = math.log(d)
        normal, overrun = 1 - ndtr((x - mu) / sigma), 1 - ndtr((x - mu - shift) / sigma)
        return float((1 - share) * normal + share * overrun)

    return lambda r: survival(elapsed + r) / survival(elapsed)


@pytest.mark.parametrize("elapsed", [30, 60, 90, 180])
def test_work_in_progress_is_drawn_conditional_on_the_minutes_it_has_already_run(elapsed: int) -> None:
    """Issue 13 (guardcal13-s30): work in progress draws its total D conditional on D > elapsed
    (the mixture's weights updated by each part's survival), never a fresh draw less the elapsed
    minutes clipped at 0. A (60 expected minutes) started at 08:00: its rest's quantiles from the
    Monte Carlo match the analytic conditional ones within 4 standard errors of a sample quantile
    (sqrt(q (1 - q) / n) / density), the draws fixed by the snapshot's seed."""
    bookings, p = day(promise_a="13:00", promise_b="14:00")
    started = state(("A", "start", "08:00"), bookings=bookings)
    now = at("08:00") + dt.timedelta(minutes=elapsed)
    n = 20_000
    rest = end_samples(snapshot(bookings, p, started, now), n, MODEL)["A"]
    assert rest is not None and float(rest.min()) >= 0
    above = _conditional_rest(MODEL, 60, elapsed)
    for q in (0.1, 0.5, 0.9):
        exact = brentq(lambda r, q=q: above(r) - (1 - q), 1e-9, 2000)
        density = (above(exact * 0.99) - above(exact * 1.01)) / (0.02 * exact)
        tolerance = 4 * math.sqrt(q * (1 - q) / n) / density
        assert abs(float(np.quantile(rest, q)) - exact) < tolerance, (elapsed, q, exact, tolerance)
    if elapsed == 90:
        # 1.5 x expected: the conditional median rest is ~19 minutes; a fresh draw less the
        # elapsed minutes would put it at 0 (nine in ten fresh totals are under 90 minutes).
        assert 15 < float(np.median(rest)) < 23


def test_the_guard_rule_is_pessimistic_while_there_is_time_to_act() -> None:
    rule = GuardRule(early=0.85, late=None)
    b = Booking(id="A", service="MAINT", drop_off=at("08:00"), promised=at("10:00"))
    assert rule.quantile(b, at("08:59")) == 0.85  # promise more than an hour ahead
    assert rule.quantile(b, at("09:10")) is None  # within the hour: the point projection
    near = b.model_copy(update={"promised": at("08:40")})
    assert rule.quantile(near, at("08:10")) == 0.85  # its first quarter hour in the workshop
    assert rule.quantile(near, at("08:20")) is None
    # Before the drop-off the point projection alone: the promise was just made on a plan keeping it.
    assert rule.quantile(b, at("07:50")) is None and not rule.early_phase(
        at("10:00"), at("08:00"), at("07:50")
    )


def test_a_poll_exactly_the_horizon_before_the_promise_still_has_time_to_act() -> None:
    """bench/RESULTS-promise-confidence.md: a late booking had P = 0.824 at exactly 60 minutes
    before its promise, the last poll that counts as ahead, and no flag: the rule's early phase
    was `promise - now > horizon` (strict), so that poll used the point projection alone."""
    rule = GuardRule(early=0.9, late=None)
    b = Booking(id="A", service="MAINT", drop_off=at("08:00"), promised=at("10:00"))
    assert rule.early_phase(at("10:00"), at("08:00"), at("09:00"))
    assert rule.quantile(b, at("09:00")) == 0.9
    assert rule.quantile(b, at("09:01")) is None


def test_the_live_guards_quantile_rises_toward_the_promise_until_the_flag_is_needed() -> None:
    """GUARD: the median 90 minutes or more before the promise, rising linearly to 0.95 at 60 (the
    flag's deadline); 0.95 in the vehicle's first quarter hour; the point projection within the hour."""
    b = Booking(id="A", service="MAINT", drop_off=at("07:00"), promised=at("10:30"))
    assert GUARD.quantile(b, at("06:50")) is None  # before the drop-off
    assert GUARD.quantile(b, at("07:05")) == 0.95  # its first quarter hour
    assert GUARD.quantile(b, at("08:30")) == 0.5  # 120 minutes ahead
    assert GUARD.quantile(b, at("09:00")) == 0.5  # 90
    assert GUARD.quantile(b, at("09:15")) == pytest.approx(0.725)  # 75: half way
    assert GUARD.quantile(b, at("09:30")) == 0.95  # 60: the last read that counts as ahead
    assert GUARD.quantile(b, at("09:31")) is None
    # ramp 0 keeps the early quantile throughout the early phase (the rule before alarm13-s35).
    assert GuardRule(early=0.9, late=None).quantile(b, at("08:30")) == 0.9


def test_the_drop_off_read_uses_its_own_quantile_while_the_promise_is_more_than_an_hour_ahead() -> None:
    """flicker13-s38: at 0.95 in the vehicle's first quarter hour, many bookings whose promise is
    hours off were flagged at the drop-off read and un-flagged 15 minutes later, when the ramp
    reads the median: a flag that flickers on at the desk. The drop-off read takes `drop_off`
    while the promise is more than `horizon` minutes ahead; nearer, it is the flag's deadline and
    keeps the top quantile."""
    rule = GuardRule(early=0.95, late=None, far=0.5, ramp=30.0, drop_off=0.9)
    far_off = Booking(id="A", service="MAINT", drop_off=at("07:00"), promised=at("10:30"))
    assert rule.quantile(far_off, at("07:00")) == 0.9  # the drop-off read, 3.5 hours ahead
    assert rule.quantile(far_off, at("07:14")) == 0.9  # still its first quarter hour
    assert rule.quantile(far_off, at("07:15")) == 0.5  # settled: the ramp's median that far ahead
    assert rule.quantile(far_off, at("06:59")) is None  # before the drop-off: the point projection
    soon = far_off.model_copy(update={"promised": at("08:01")})
    assert rule.quantile(soon, at("07:00")) == 0.9  # 61 minutes ahead
    for promised in ("08:00", "07:45", "07:30"):  # the deadline read or nearer: the top quantile
        near = far_off.model_copy(update={"promised": at(promised)})
        assert rule.quantile(near, at("07:00")) == 0.95, promised
        assert rule.quantile(near, at("07:15")) is None  # settled, within the hour
    # None keeps the top quantile at the drop-off read too (the rule before flicker13-s38).
    assert GuardRule(early=0.95, late=None, far=0.5, ramp=30.0).quantile(far_off, at("07:00")) == 0.95


def _b_at_risk(
    promise_b: str, now: dt.datetime, s_events: tuple[tuple[str, str, str], ...], rule: GuardRule
) -> bool:
    bookings, p = day(promise_a="09:30", promise_b=promise_b)
    s = state(*s_events, bookings=bookings)
    statuses = reprojected(
        [booking_status(WS, b, p, s, now, None) for b in bookings], projected_ends(WS, bookings, p, s, now)
    )
    guarded_b = guarded(statuses, promise_guard(snapshot(bookings, p, s, now), rule=rule))[1]
    assert guarded_b.projected_end is not None and guarded_b.promised is not None
    assert guarded_b.at_risk == (guarded_b.projected_end > guarded_b.promised)  # the contract's at_risk
    return guarded_b.at_risk


def test_a_booking_two_hours_from_its_promise_on_odds_of_three_in_four_is_not_flagged_yet() -> None:
    """alarm13-s32/s35: the false alarms of the replays were bookings flagged at odds of 0.7-0.9
    more than an hour before the flag was needed, whose work then ended in time. B waits behind A
    (in progress); at 08:30 its expected end is 10:00, its promise 10:30, P(on time) 0.75. The old
    rule (the 0.9 quantile) flags it; the live guard takes the median that far ahead and does not."""
    started = (("A", "start", "08:00"),)
    bookings, p = day(promise_a="09:30", promise_b="10:30")
    odds = promise_guard(snapshot(bookings, p, state(*started, bookings=bookings), at("08:30")))["B"]
    assert odds.on_time_probability is not None and 0.7 < odds.on_time_probability < 0.8
    assert _b_at_risk("10:30", at("08:30"), started, GuardRule(early=0.9, late=None))
    assert not _b_at_risk("10:30", at("08:30"), started, GUARD)


def test_the_live_guard_flags_a_booking_by_an_hour_before_its_promise_on_odds_below_095() -> None:
    """B in progress since 09:10 (60 expected minutes), promised at 10:40; at 09:40, the last read
    an hour ahead, P(on time) is 0.93: the old rule's 0.9 quantile lets it pass, the live guard's
    0.95 quantile flags it in time."""
    events = (("A", "start", "08:00"), ("A", "finish", "09:10"), ("B", "start", "09:10"))
    bookings, p = day(promise_a="09:30", promise_b="10:40")
    odds = promise_guard(snapshot(bookings, p, state(*events, bookings=bookings), at("09:40")))["B"]
    assert odds.on_time_probability is not None and 0.9 < odds.on_time_probability < 0.95
    assert not _b_at_risk("10:40", at("09:40"), events, GuardRule(early=0.9, late=None))
    assert _b_at_risk("10:40", at("09:40"), events, GUARD)


def test_odds_below_the_rules_quantile_flag_the_booking_even_at_the_quantiles_edge() -> None:
    """bench/RESULTS-promise-confidence.md: a late booking had P(on time) = 230/256 = 0.8984 at 70
    minutes before its promise and no flag: the interpolated 0.9 quantile of its 256 end samples
    sat on the promise. The pessimistic end is past the promise exactly when P < 0.9."""
    bookings, p = day(promise_a="09:30")
    s = state(("A", "start", "08:00"), bookings=bookings)
    now = at("08:20")
    promised = 70.0  # minutes from now
    ends = np.array([promised - 0.5] * 230 + [promised + 0.4] * 26)
    guard = _promises(snapshot(bookings, p, s, now), {"A": ends}, GuardRule(0.9, None))
    assert guard["A"].on_time_probability == 0.8984
    assert guard["A"].pessimistic_end is not None and guard["A"].pessimistic_end > at("09:30")
    status = booking_status(WS, bookings[0], p, s, now, None)
    assert guarded([status], guard)[0].at_risk
    # 231 of 256 on time (P = 0.9023): not past the promise.
    ends = np.array([promised - 0.5] * 231 + [promised + 0.4] * 25)
    guard = _promises(snapshot(bookings, p, s, now), {"A": ends}, GuardRule(0.9, None))
    assert guard["A"].pessimistic_end == at("09:30") and not guarded([status], guard)[0].at_risk


def test_at_risk_is_true_exactly_while_the_projected_end_is_after_the_promise() -> None:
    """The guard's projected end is no earlier than the point projection, and `at_risk` follows it."""
    bookings, p = day(promise_a="09:10", promise_b="10:05")
    bookings = [bookings[0], bookings[1].model_copy(update={"drop_off": at("08:10")})]
    s = state(("A", "start", "08:00"), bookings=bookings)
    now = at("08:20")
    statuses = [booking_status(WS, b, p, s, now, None) for b in bookings]
    statuses = reprojected(statuses, projected_ends(WS, bookings, p, s, now))
    for rule in (GuardRule(0.85, None), GuardRule(0.5, 0.5), GuardRule(0.05, 0.05)):
        promises = promise_guard(snapshot(bookings, p, s, now), rule=rule)
        for before, after in zip(statuses, guarded(statuses, promises), strict=True):
            assert after.projected_end is not None and before.projected_end is not None
            assert after.projected_end >= before.projected_end
            assert after.at_risk == (after.projected_end > at_of(after.promised))
            assert after.on_time_probability == promises[after.booking].on_time_probability
    # B's promise is 5 minutes after its planned end: the point projection keeps it, the 0.85
    # quantile (with more than an hour to go) flags it; the median does not.
    strict = {s.booking: s for s in guarded(statuses, promise_guard(snapshot(bookings, p, s, now)))}
    assert not statuses[1].at_risk and strict["B"].at_risk
    assert strict["B"].projected_lateness_minutes > 0


def at_of(moment: dt.datetime | None) -> dt.datetime:
    assert moment is not None
    return moment


def test_one_bookings_projection_is_its_part_of_the_whole_days() -> None:
    """A clock event's answer projects its booking alone (booking_projection): over a day whose
    bookings wait for each other through technicians, bays and their own earlier operations (on
    other technicians and bays), with work done, in progress and overrunning, each booking gets
    exactly its entry of the whole day's downstream projection and promise guard (the same draws)."""
    ws = small_workshop()
    bookings = [
        *(
            Booking(
                id=f"L{i}", service="LUBE", drop_off=at(f"08:{10 * i:02d}"), promised=at(f"{10 + i // 2}:00")
            )
            for i in range(6)
        ),
        *(
            Booking(id=f"M{i}", service="MAINT", drop_off=at("08:00"), promised=at(f"{10 + i}:30"))
            for i in range(3)
        ),
        *(
            Booking(id=f"R{i}", service="MINOR", drop_off=at("08:00"), promised=at(f"{11 + 2 * i}:30"))
            for i in range(2)
        ),
        *(
            Booking(id=f"X{i}", service="ACCIDENT", drop_off=at("08:00"), promised=at(f"{15 + i}:00"))
            for i in range(2)
        ),
        Booking(id="N0", service="LUBE", drop_off=at("08:00")),  # no promise
    ]
    req = request(bookings, workshop=ws)
    p = make_plan(req, "greedy")
    assert_valid(req, p)
    assert not p.unassigned
    events = [
        ("X1", 0, "zhao", "start", "08:00"), ("L0", 0, "wang", "start", "08:00"),
        ("M0", 0, "li", "start", "08:00"), ("M0", 0, "li", "finish", "09:05"),
        ("X1", 0, "zhao", "finish", "09:30"), ("X0", 0, "zhao", "start", "09:31"),
    ]  # fmt: skip
    effective = [
        Effective(i, b, k, t, action, at(hhmm))  # type: ignore[arg-type]
        for i, (b, k, t, action, hhmm) in enumerate(events, start=1)
    ]
    s = replay(effective, ws, {b.id: b for b in bookings}, DAY)
    between = 0
    for now in (at("09:40"), at("10:40"), at("12:10")):
        snap = Snapshot(ws, DAY, bookings, p, s, now)
        whole_ends = projected_ends(ws, bookings, p, s, now)
        whole_promises = promise_guard(snap)
        for b in bookings:
            ends, promise = booking_projection(snap, b.id)
            assert ends == {key: end for key, end in whole_ends.items() if key[0] == b.id}
            assert promise == whole_promises[b.id]
            between += promise is not None and promise.on_time_probability not in (None, 0.0, 1.0)
    assert between > 0  # some odds in between: the draws were compared, not only certainties


def test_the_night_the_clocks_go_back_is_projected_in_real_minutes() -> None:
    """Europe/Berlin, 2026-10-25: 02:00-03:00 comes twice. A 90-minute job started at 01:30+02:00
    ends, as expected, at 02:00+01:00 (an hour and a half later in real time). Asked with `now`
    in the workshop's own zone (a fixed clock there), the odds added and subtracted by wall
    clock: the projected end came out at 03:00+01:00, an hour late, and its promise at 02:30+01:00
    was flagged at risk. The same instant gives the same projection whichever zone it is given in."""
    berlin = ZoneInfo("Europe/Berlin")
    night = {"start": "00:00", "end": "06:00"}
    data = tiny_workshop(services={"MAINT": ("Maintenance", 90)}).model_dump(mode="json")
    data |= {"timezone": "Europe/Berlin", "opening": night}
    data["technicians"] = [{**t, "shift": night} for t in data["technicians"]]
    ws = Workshop.model_validate(data)
    date = dt.date(2026, 10, 25)
    when = dt.datetime.fromisoformat
    promised = when("2026-10-25T02:30+01:00")  # half an hour after the expected end, in real time
    a = Booking(id="A", service="MAINT", drop_off=when("2026-10-25T01:00+02:00"), promised=promised)
    req = PlanRequest(workshop=ws, date=date, bookings=[a])
    p = make_plan(req, "greedy")
    assert_valid(req, p)
    started = replay([Effective(1, "A", 0, "t", "start", when("2026-10-25T01:30+02:00"))], ws, {"A": a}, date)
    at_the_workshop = dt.datetime(2026, 10, 25, 1, 45, tzinfo=berlin)  # +02:00, before the change
    in_utc = at_the_workshop.astimezone(dt.UTC)
    for now in (at_the_workshop, in_utc):
        (end,) = projected_ends(ws, [a], p, started, now).values()
        assert end == when("2026-10-25T02:00+01:00"), (now, end)
        status = booking_status(ws, a, p, started, now, None)
        statuses = guarded(
            reprojected([status], {("A", 0): end}),
            promise_guard(Snapshot(ws, date, [a], p, started, now), rule=GuardRule(0.5, 0.5)),
        )
        assert not statuses[0].at_risk and statuses[0].projected_end == end, statuses[0]
    zone, utc = (on_time_probabilities(ws, date, [a], p, started, now) for now in (at_the_workshop, in_utc))
    assert zone == utc and zone["A"] is not None and zone["A"] > 0.5


def test_work_waiting_for_parts_is_never_projected_before_they_arrive() -> None:
    """A fitting that needs parts due 09:00, planned 09:00-10:00 on a technician idle from 08:00,
    promised 09:30: it cannot be done by then. Before, the projection let the technician work
    ahead of the plan from the drop-off (08:00-09:00, parts or not) and gave the promise near-certain
    odds; now the work waits for the parts in the projection too."""
    data = WS.model_dump()
    fit = {
        "name": "fit",
        "minutes": 60,
        "skill": "maintenance",
        "bay_kinds": ["general"],
        "needs_parts": True,
    }
    data["services"].append({"code": "FIT", "name": "Fit parts", "operations": [fit]})
    ws = Workshop.model_validate(data)
    bookings = [
        Booking(id="A", service="FIT", drop_off=at("08:00"), promised=at("09:30"), parts_eta=at("09:00"))
    ]
    req = PlanRequest(workshop=ws, date=DAY, bookings=bookings)
    p = plan(req, [assignment("A", 0, "G1", "t", "09:00", "10:00")])
    assert_valid(req, p)
    s = replay([], ws, {b.id: b for b in bookings}, DAY)
    got = on_time_probabilities(ws, DAY, bookings, p, s, at("07:30"))
    assert got["A"] is not None and got["A"] < 0.1
    assert projected_ends(ws, bookings, p, s, at("07:30"))[("A", 0)] >= at("10:00")
