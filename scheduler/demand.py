"""The seeded bookings generator: a day's work orders drawn from a scenario's historical demand."""

from __future__ import annotations

import datetime as dt

import numpy as np

from scheduler.capacity import DAY_MINUTES, day_handovers, promise
from scheduler.contract import FIRST_DATE, LAST_DATE, Booking, PlanRequest, Service, hhmm_minutes
from scheduler.scenarios import MONTHS, Demand, Scenario


def expected_daily_volume(demand: Demand, date: dt.date) -> float:
    """Vehicles expected on `date`: the month's volume per working day times the weekday factor."""
    monthly = demand.monthly_volume[MONTHS[date.month - 1]]
    weekday = demand.arrivals.weekday[date.weekday()] / (sum(demand.arrivals.weekday) / 7)
    return monthly / demand.days_per_month * weekday


def _local(date: dt.date, minutes: int, scenario: Scenario) -> dt.datetime:
    """`minutes` after `date`'s local midnight on the wall clock (past 24 h: a later day)."""
    day, minutes = date + dt.timedelta(days=minutes // DAY_MINUTES), minutes % DAY_MINUTES
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=scenario.workshop.tz)


def _handed_over(scenario: Scenario, date: dt.date, minutes: int) -> dt.datetime:
    """A drop-off's promise at `minutes` of `date` when the desk can hand the car back, by the
    offers' rule (capacity.DayHandovers): after the day's last handover, or on a day without one,
    the next handover day's first handover; never past the latest day a moment may fall on."""
    rules = scenario.demand.promise
    at = day_handovers(scenario.workshop, date, rules).handed_over(minutes)
    if date + dt.timedelta(days=at // DAY_MINUTES) > LAST_DATE + dt.timedelta(days=1):
        at = minutes
    return _local(date, at, scenario)


def _promised(
    scenario: Scenario, service: Service, date: dt.date, drop: int, waiter: bool
) -> tuple[bool, dt.datetime]:
    """Whether the customer waits, and his promise. A waiter is promised his work's end while the
    desk still hands cars back then (capacity.DayHandovers.waits); one whose work would end after
    the desk closes is not offered that time as a waiter (scheduler.frontdesk) and leaves the car
    instead: a drop-off, promised as one (desk16-s26)."""
    rules = scenario.demand.promise
    standard = sum(op.minutes for op in service.operations)
    if service.code in rules.multi_day:
        # On the last plannable days the pickup is the day after the last (a moment's latest day).
        day = min(date + dt.timedelta(days=rules.multi_day[service.code]), LAST_DATE + dt.timedelta(days=1))
        return waiter, _handed_over(scenario, day, hhmm_minutes(rules.multi_day_pickup))
    handovers = [hhmm_minutes(h) for h in (rules.noon, rules.morning_handover, rules.afternoon_handover)]
    if waiter:
        # A waiter waits at the desk for his car: the work's end, while the desk is open.
        end = promise(drop + standard + rules.waiter_buffer_minutes, True, drop, *handovers)
        if day_handovers(scenario.workshop, date, rules).waits(end):
            return True, _local(date, end, scenario)
    return False, _handed_over(
        scenario, date, promise(drop + standard + rules.margin_minutes, False, drop, *handovers)
    )


def generate_bookings(
    scenario: Scenario, date: dt.date, *, seed: int = 0, scale: float = 1.0, exact: bool = False
) -> list[Booking]:
    """The day's work orders (kept bookings and walk-ins), in drop-off order; deterministic per seed.

    The count is Poisson around the expected volume, or exactly the expected volume with `exact`
    (benchmarks: "1.3x demand" then means 1.3 times the average day, not a lucky draw).
    """
    demand = scenario.demand
    workshop = scenario.workshop
    rng = np.random.default_rng([seed, date.toordinal()])
    expected = expected_daily_volume(demand, date) * scale
    drawn = int(rng.poisson(expected))  # drawn either way, so `exact` leaves the other draws alike
    count = round(expected) if exact else drawn

    codes = list(demand.mix)
    services = rng.choice(len(codes), size=count, p=np.array([demand.mix[c] for c in codes]))
    hours = list(demand.arrivals.hourly)
    weights = np.array([demand.arrivals.hourly[h] for h in hours])
    hour_of = rng.choice(len(hours), size=count, p=weights / weights.sum())
    minute_of = rng.integers(0, 12, size=count) * 5
    fleet = rng.random(count) < demand.fleet.share
    partners = list(demand.fleet.partners)
    partner_p = np.array([demand.fleet.partners[p] for p in partners]) if partners else None
    partner_of = (
        rng.choice(len(partners), size=count, p=partner_p) if partners else np.zeros(count, dtype=int)
    )
    waiter_draw = rng.random(count)

    open_at, close_at = (hhmm_minutes(t) for t in workshop.opening_window())
    carried_days = rng.integers(1, 3, size=count)
    drafts = []
    for i in range(count):
        code = codes[int(services[i])]
        drop = min(max(hhmm_minutes(hours[int(hour_of[i])]) + int(minute_of[i]), open_at), close_at)
        # Multi-day work (a stage of an accident repair) is on a vehicle left 1-2 days ago.
        # On the first plannable days it was left no earlier than the first (moments start there).
        drop_day = (
            max(date - dt.timedelta(days=int(carried_days[i])), FIRST_DATE)
            if code in demand.promise.multi_day
            else date
        )
        is_fleet = bool(fleet[i]) and bool(partners)
        # Fleet vehicles are left by a driver; private customers wait by the service's share.
        waiter = not is_fleet and bool(waiter_draw[i] < demand.waiter_share[code])
        drafts.append((drop_day, drop, code, waiter, partners[int(partner_of[i])] if is_fleet else None))
    drafts.sort(key=lambda d: (d[0], d[1]))

    bookings = []
    for n, (drop_day, drop, code, waiter, partner) in enumerate(drafts, start=1):
        service = workshop.service(code)
        assert service is not None  # the loader checked every mix code
        waits, promised = _promised(scenario, service, drop_day, drop, waiter)
        bookings.append(
            Booking(
                id=f"D{date:%Y%m%d}-{n:03d}",
                service=code,
                drop_off=_local(drop_day, drop, scenario),
                promised=promised,
                waiter=waits,
                fleet_partner=partner,
            )
        )
    return bookings


def day_request(
    scenario: Scenario, date: dt.date, *, seed: int = 0, scale: float = 1.0, exact: bool = False
) -> PlanRequest:
    return PlanRequest(
        workshop=scenario.workshop,
        date=date,
        bookings=generate_bookings(scenario, date, seed=seed, scale=scale, exact=exact),
    )
