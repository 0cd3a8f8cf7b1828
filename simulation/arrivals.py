"""Demand from history: a scenario's monthly figures turned into each simulated day's vehicles.

Volumes follow the month (or the peak/low season), the weekday profile and a growth factor;
walk-ins and bookings split by the history's booking rate, bookings kept at its kept rate
(the no-shows still take their slot under a booking cap); drop-off hours follow the hourly
profile. Every random draw of a day comes from its own stream, seeded by (seed, replication,
day) alone, so all rule sets see the same vehicles and the same work content (common random
numbers); the rules only decide what happens to them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from scheduler.capacity import DayHandovers, day_handovers, promise
from scheduler.contract import hhmm_minutes
from scheduler.demand import expected_daily_volume
from scheduler.durations import work_factors
from scheduler.errors import InputError
from scheduler.i18n import N_
from scheduler.scenarios import MONTHS, Scenario
from simulation.model import DAY, Vehicle

MAX_OPS = 20  # the contract's limit of operations per service


@dataclass(frozen=True)
class Period:
    """Which days are simulated: `days` days from `start`, after one warm-up day."""

    start: dt.date
    days: int
    label: str


#: The months as a period's label names them (MONTHS), to be translated where it is shown.
MONTH_WORDS = (N_("jan"), N_("feb"), N_("mar"), N_("apr"), N_("may"), N_("jun"),
               N_("jul"), N_("aug"), N_("sep"), N_("oct"), N_("nov"), N_("dec"))  # fmt: skip


def choose_period(scenario: Scenario, days: int, month: str | None, season: str | None) -> Period:
    """A month by name, or the season: peak (busiest month), low (quietest) or average."""
    volumes = scenario.demand.monthly_volume
    if month is not None and season is not None:
        raise InputError("month", N_("give --month or --season, not both"))
    if month is not None:
        key = month.strip().lower()[:3]
        if key not in MONTHS:
            raise InputError("month", N_("expected a month name jan..dec, got %(month)r") % {"month": month})
        label = key
    elif season in (None, "average"):
        key = min(MONTHS, key=lambda m: abs(volumes[m] - sum(volumes.values()) / 12))
        label = N_("average (%(month)s)") % {"month": key}
    elif season == "peak":
        key = max(MONTHS, key=lambda m: volumes[m])
        label = N_("peak (%(month)s)") % {"month": key}
    elif season == "low":
        key = min(MONTHS, key=lambda m: volumes[m])
        label = N_("low (%(month)s)") % {"month": key}
    else:
        raise InputError("season", N_("expected peak, low or average, got %(season)r") % {"season": season})
    history = scenario.demand.history
    year = int(history[0].month[:4]) if history else 2025
    if not 1 <= days <= 366:
        raise InputError("days", N_("must be %(low)s..%(high)s") % {"low": 1, "high": 366})
    return Period(dt.date(year, MONTHS.index(key) + 1, 1), days, label)


def has_season(scenario: Scenario) -> bool:
    """Whether the scenario's monthly demand differs from month to month: on a flat table (650 every
    month) `--season peak` or `low` finds no busiest or quietest month and takes the first, January
    (review-s43 #16: said nowhere; the commands now say so, `cli.simulate.simulation_inputs`)."""
    return len(set(scenario.demand.monthly_volume.values())) > 1


#: Said where a peak or low season is asked of a scenario without one (the CLI's stderr, the
#: simulation job's `notes`): what is simulated instead.
NO_SEASON = N_(
    "note: %(scenario)s's demand is the same every month (it has no season): --season"
    " %(season)s simulates %(month)s"
)
#: The same over the API (`POST /v1/simulations`, the job's `notes`), naming the body's field.
NO_SEASON_FIELD = N_(
    "%(scenario)s's demand is the same every month (it has no season): season %(season)s simulates %(month)s"
)


def season_note(scenario: Scenario, season: str | None, period: Period) -> dict[str, str] | None:
    """The arguments of NO_SEASON where it applies (a peak or low season of a flat table), else None;
    the month is its untranslated word (MONTH_WORDS), translated where the note is shown."""
    if season not in ("peak", "low") or has_season(scenario):
        return None
    return {"season": season, "month": MONTH_WORDS[period.start.month - 1]}


class Promises:
    """The scenario's promise rule on the simulator's minutes (from a day's midnight, 24 h a day),
    the rule the offers and the seeded demand apply (capacity.promise, then the desk's handover
    hours, capacity.DayHandovers, computed once per date): a waiter is promised his work's end; a
    drop-off the handover of his half of the day, or later, within the desk's hours, else the next
    handover day's first handover; multi-day work its pickup day's pickup, handed over alike."""

    def __init__(self, scenario: Scenario) -> None:
        p = scenario.demand.promise
        self.scenario = scenario
        self.buffer, self.margin = p.waiter_buffer_minutes, p.margin_minutes
        self.rule = (
            hhmm_minutes(p.noon),
            hhmm_minutes(p.morning_handover),
            hhmm_minutes(p.afternoon_handover),
        )
        self.pickup = hhmm_minutes(p.multi_day_pickup)
        self._days: dict[dt.date, DayHandovers] = {}

    def handovers(self, date: dt.date) -> DayHandovers:
        found = self._days.get(date)
        if found is None:
            found = self._days[date] = day_handovers(
                self.scenario.workshop, date, self.scenario.demand.promise
            )
        return found

    def waits(self, date: dt.date, drop: float, standard: float) -> bool:
        """A customer who would wait for `standard` minutes of work left at `drop` on `date` may:
        his car is ready (the work's end + the buffer) while the desk still hands cars back
        (capacity.DayHandovers.waits, the offers' rule); otherwise he leaves it (desk16-s26)."""
        noon, morning, afternoon = self.rule
        return self.handovers(date).waits(
            promise(drop + standard + self.buffer, True, drop, noon, morning, afternoon)
        )

    def promised(
        self, date: dt.date, drop: float, standard: float, waiter: bool, pickup_in: int | None = None
    ) -> float:
        """The promise of a vehicle left at `drop` on `date` for `standard` minutes of work;
        `pickup_in`: multi-day work, picked up that many days after `date`."""
        if pickup_in is not None:
            return pickup_in * DAY + self.handovers(date + dt.timedelta(days=pickup_in)).handed_over(
                self.pickup
            )
        noon, morning, afternoon = self.rule
        if waiter:
            return promise(drop + standard + self.buffer, True, drop, noon, morning, afternoon)
        ready = promise(drop + standard + self.margin, False, drop, noon, morning, afternoon)
        return self.handovers(date).handed_over(ready)


class HistoryDemand:
    """Draws a day's vehicles from the scenario's demand tables."""

    def __init__(self, scenario: Scenario, growth: float = 1.0) -> None:
        if not 0 < growth <= 10:
            raise InputError("growth", N_("must be in (0, 10]"))
        d = scenario.demand
        ws = scenario.workshop
        self.scenario = scenario
        self.demand = d
        self.growth = growth
        catalogue = [s.code for s in ws.services]
        self.codes = list(d.mix)
        self.service_of = np.array([catalogue.index(c) for c in self.codes])
        self.mix_p = np.array([d.mix[c] for c in self.codes])
        self.mix_p /= self.mix_p.sum()
        self.standard = [float(sum(op.minutes for op in ws.services[s].operations)) for s in self.service_of]
        self.hours = np.array([hhmm_minutes(h) for h in d.arrivals.hourly], dtype=float)
        hp = np.array(list(d.arrivals.hourly.values()), dtype=float)
        self.hour_p = hp / hp.sum()
        self.waiter_share = np.array([d.waiter_share[c] for c in self.codes])
        self.partners = list(d.fleet.partners)
        self.partner_p = np.array([d.fleet.partners[p] for p in self.partners]) if self.partners else None
        self.multi_day = [d.promise.multi_day.get(c, 0) for c in self.codes]
        open_at, close_at = ws.opening_window()
        self.open_at, self.close_at = float(hhmm_minutes(open_at)), float(hhmm_minutes(close_at))
        self.promises = Promises(scenario)

    def expected(self, date: dt.date) -> float:
        return expected_daily_volume(self.demand, date) * self.growth

    def day(
        self,
        seed: int,
        replication: int,
        day: int,
        date: dt.date,
        cv: float,
        cap: int | None,
        no_shows: bool = False,
    ) -> list[Vehicle]:
        """The day's vehicles in drop-off order; with `no_shows`, also the bookings that do not come."""
        rng = np.random.default_rng([seed, replication, day])
        volume = self.expected(date)
        booked_rate, kept_rate = self.demand.booking_rate, self.demand.kept_rate
        n_walk = int(rng.poisson(volume * (1 - booked_rate * kept_rate)))
        n_book = int(rng.poisson(volume * booked_rate))
        n = n_walk + n_book
        service = rng.choice(len(self.codes), size=n, p=self.mix_p)
        hour = rng.choice(len(self.hours), size=n, p=self.hour_p)
        within = rng.random(n)
        kept = rng.random(n) < kept_rate
        fleet = rng.random(n) < self.demand.fleet.share
        partner = (
            rng.choice(len(self.partners), size=n, p=self.partner_p) if self.partners else np.zeros(n, int)
        )
        waiter_draw = rng.random(n)
        carried = rng.integers(1, 3, size=n)
        z = rng.standard_normal((n, MAX_OPS + 1))
        factors = work_factors(z, cv)

        base = day * DAY
        times = self.hours[hour] + within * 60  # walk-ins: any minute of the hour
        is_booked = np.arange(n) >= n_walk
        # Bookings sit on quarter-hour slots; a cap per hour moves them to the next hour with room.
        times[is_booked] = self.hours[hour[is_booked]] + np.floor(within[is_booked] * 4) * 15
        if cap is not None:
            taken: dict[float, int] = {}
            for b in sorted(np.flatnonzero(is_booked).tolist(), key=lambda b: times[b]):
                h = float(self.hours[hour[b]])
                slot = next((x for x in self.hours if x >= h and taken.get(float(x), 0) < cap), None)
                if slot is None:
                    continue  # no room today: the customer comes as a walk-in at the same time
                taken[float(slot)] = taken.get(float(slot), 0) + 1
                if slot != h:
                    times[b] = float(slot)
        times = np.clip(times, self.open_at, self.close_at)

        vehicles = []
        for j in range(n):
            if is_booked[j] and not kept[j] and not no_shows:
                continue  # a no-show
            c = int(service[j])
            is_fleet = bool(fleet[j]) and bool(self.partners)
            waiter = not is_fleet and bool(waiter_draw[j] < self.waiter_share[c])
            drop = float(times[j])
            if self.multi_day[c]:
                # A stage of a multi-day job: the vehicle came 1-2 days ago and is there at opening.
                drop = self.open_at
                promised = self.promises.promised(
                    date, drop, 0.0, waiter, self.multi_day[c] - int(carried[j])
                )
            else:
                # One whose work would end after the desk closes cannot wait: he leaves the car.
                waiter = waiter and self.promises.waits(date, drop, self.standard[c])
                promised = self.promises.promised(date, drop, self.standard[c], waiter)
            vehicles.append(
                Vehicle(
                    arrival=base + drop,
                    service=int(self.service_of[c]),
                    promised=base + promised,
                    waiter=waiter,
                    fleet=int(partner[j]) if is_fleet else -1,
                    multi_day=bool(self.multi_day[c]),
                    work=factors[j, :MAX_OPS].tolist(),
                    reception=float(factors[j, MAX_OPS]),
                    booked=bool(is_booked[j]),
                    no_show=bool(is_booked[j] and not kept[j]),
                )
            )
        vehicles.sort(key=lambda v: v.arrival)
        return vehicles
