"""Demand from the shop's own history: replay the recorded days, bootstrap them, or draw from a fit.

- `replay` (trace-driven): a simulated date gets exactly the orders recorded on it - the same
  vehicles, drop-off times, services, waiters, fleet partners, bookings and no-shows, promised
  times where recorded and work content where clocked (clocked minutes times the recorded
  technician's efficiency, over the service's standard minutes); a date without records is empty.
- `bootstrap`: a simulated date gets a whole recorded day drawn at random among the recorded days
  of the same weekday and month (failing that, the same weekday; failing that, any day).
- `fitted`: a simulated date gets orders drawn from a `Fit` (rates by month, weekday and hour,
  booked share, kept rate, mix, waiters, fleet, work content per service). A month the fit has not
  seen runs at the fitted months' mean level; with `forecast` its level is uncertain instead: each
  replication gives each unseen month the level of one of the fitted months drawn at random (a
  bootstrap of whole months, as `bootstrap` does with days), so the spread between months - and
  the uncertainty of their mean - is in the intervals. No trend and no month-of-year season are
  carried: a few months cannot tell either from the month-to-month spread.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np

from scheduler.contract import hhmm_minutes
from scheduler.durations import work_factors
from scheduler.errors import InputError
from scheduler.scenarios import Scenario
from simulation.arrivals import MAX_OPS, Promises
from simulation.fit import Fit, draw_work
from simulation.history import History, Order, load_history, load_mapping
from simulation.model import DAY, Vehicle

MODES = ("replay", "bootstrap", "fitted")


@dataclass(frozen=True)
class DemandSpec:
    """Where a replication's demand comes from (picklable: workers rebuild the source from it)."""

    mode: str
    history: str = ""  # path of the history file (replay, bootstrap)
    mapping: str | None = None
    fit: str | None = None  # Fit as JSON (fitted)
    first: dt.date | None = None  # recorded days replay or bootstrap may use, from ...
    last: dt.date | None = None  # ... to (both included)
    level: float | None = None  # fitted: orders a day in months the fit has not seen (default: its mean)
    skip_bad: bool = False
    forecast: bool = False  # fitted: draw the level of unseen months per replication (see above)


@functools.lru_cache(maxsize=4)
def cached_history(path: str, mapping: str | None, services: tuple[str, ...], skip_bad: bool) -> History:
    return load_history(
        path, mapping=load_mapping(mapping) if mapping else None, services=services, skip_bad=skip_bad
    )


class Catalogue:
    """The scenario's catalogue and promise rules: orders in, the model's vehicles out."""

    def __init__(self, scenario: Scenario) -> None:
        ws, d = scenario.workshop, scenario.demand
        self.scenario = scenario
        self.tz = ws.tz
        self.index = {s.code: i for i, s in enumerate(ws.services)}
        self.codes = [s.code for s in ws.services]
        self.standard = [float(sum(op.minutes for op in s.operations)) for s in ws.services]
        self.multi_day = {self.index[c]: n for c, n in d.promise.multi_day.items() if c in self.index}
        self.partners = {p: i for i, p in enumerate(d.fleet.partners)}
        self.efficiency = {t.id: t.efficiency for t in ws.technicians}
        open_at, close_at = ws.opening_window()
        self.open_at, self.close_at = float(hhmm_minutes(open_at)), float(hhmm_minutes(close_at))
        self.promises = Promises(scenario)

    def midnight(self, date: dt.date) -> dt.datetime:
        return dt.datetime.combine(date, dt.time(0), tzinfo=self.tz)

    def promise(self, c: int, date: dt.date, drop: float, waiter: bool, carried: int = 1) -> float:
        """The promised pickup (minutes from `date`'s midnight) by the scenario's promise rules, as
        the offers promise (arrivals.Promises)."""
        if c in self.multi_day:
            return self.promises.promised(date, drop, 0.0, waiter, self.multi_day[c] - carried)
        return self.promises.promised(date, drop, self.standard[c], waiter)

    def vehicles(
        self,
        orders: list[Order],
        date: dt.date,
        day: int,
        rng: np.random.Generator,
        cv: float,
        no_shows: bool = False,
    ) -> list[Vehicle]:
        """The orders of a recorded (or drawn) day as the vehicles of simulated day `day`."""
        n = len(orders)
        z = rng.standard_normal((n, MAX_OPS + 1))
        factors = work_factors(z, cv)
        base = day * DAY
        midnight = self.midnight(date)
        out = []
        for j, o in enumerate(orders):
            if not o.kept and not no_shows:
                continue
            c = self.index[o.service]
            drop = (o.arrived_at - midnight).total_seconds() / 60
            if o.promised_at is not None:
                promised = (o.promised_at - midnight).total_seconds() / 60
            else:
                promised = self.promise(c, date, drop, o.waiter)
            if o.clocked_minutes and self.standard[c] > 0:
                content = o.clocked_minutes * self.efficiency.get(o.technician, 1.0)
                work = [content / self.standard[c]] * MAX_OPS
            else:
                work = factors[j, :MAX_OPS].tolist()
            fleet = self.partners.get(o.fleet_partner, -1) if o.fleet_partner else -1
            out.append(
                Vehicle(
                    arrival=base + drop,
                    service=c,
                    promised=base + promised,
                    waiter=o.waiter,
                    fleet=fleet,
                    multi_day=c in self.multi_day,
                    work=work,
                    reception=float(factors[j, MAX_OPS]),
                    booked=o.booked,
                    no_show=o.booked and not o.kept,
                )
            )
        out.sort(key=lambda v: v.arrival)
        return out


class _OrderSource:
    """A day's vehicles from its orders (`orders`, given by each source) through the catalogue."""

    catalogue: Catalogue

    def orders(self, seed: int, replication: int, day: int, date: dt.date) -> list[Order]:
        raise NotImplementedError

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
        """The vehicles of `date` (the booking cap does not apply: orders are what they are)."""
        rng = np.random.default_rng([seed, replication, day])
        return self.catalogue.vehicles(
            self.orders(seed, replication, day, date), date, day, rng, cv, no_shows
        )


class ReplaySource(_OrderSource):
    """Trace-driven: each simulated date gets the orders recorded on it."""

    def __init__(self, scenario: Scenario, history: History, first: dt.date | None, last: dt.date | None):
        self.scenario = scenario
        self.catalogue = Catalogue(scenario)
        days = history.by_day(self.catalogue.tz)
        self.days = {
            d: o for d, o in days.items() if (first is None or d >= first) and (last is None or d <= last)
        }

    def orders(self, seed: int, replication: int, day: int, date: dt.date) -> list[Order]:
        return self.days.get(date, [])


class BootstrapSource(ReplaySource):
    """Whole recorded days resampled by weekday and month."""

    def __init__(self, scenario: Scenario, history: History, first: dt.date | None, last: dt.date | None):
        super().__init__(scenario, history, first, last)
        if not self.days:
            raise InputError("history", "no recorded days to bootstrap from in the chosen range")
        self.pool = sorted(self.days)

    def source_date(self, seed: int, replication: int, day: int, date: dt.date) -> dt.date:
        rng = np.random.default_rng([seed, replication, day, 1])
        same = [d for d in self.pool if d.weekday() == date.weekday() and d.month == date.month]
        same = same or [d for d in self.pool if d.weekday() == date.weekday()] or self.pool
        return same[int(rng.integers(len(same)))]

    def orders(self, seed: int, replication: int, day: int, date: dt.date) -> list[Order]:
        recorded = self.source_date(seed, replication, day, date)
        shift = date - recorded
        # The recorded day moved to `date`: times keep their clock time.
        return [_moved(o, shift) for o in self.days[recorded]]


def _moved(o: Order, shift: dt.timedelta) -> Order:
    if not shift:
        return o

    def move(t: dt.datetime | None) -> dt.datetime | None:
        return None if t is None else t + shift

    return Order(
        order_id=o.order_id,
        arrived_at=o.arrived_at + shift,
        service=o.service,
        booked=o.booked,
        waiter=o.waiter,
        fleet_partner=o.fleet_partner,
        kept=o.kept,
        advisor=o.advisor,
        promised_at=move(o.promised_at),
        started_at=move(o.started_at),
        finished_at=move(o.finished_at),
        clocked_minutes=o.clocked_minutes,
        technician=o.technician,
    )


class FittedSource(_OrderSource):
    """Orders drawn from a fit."""

    def __init__(
        self,
        scenario: Scenario,
        fit: Fit,
        growth: float = 1.0,
        level: float | None = None,
        forecast: bool = False,
    ):
        self.scenario = scenario
        self.forecast = forecast
        self.catalogue = Catalogue(scenario)
        self.fit = fit
        self.growth = growth
        self.level = level if level is not None else fit.level()
        codes = [c for c in fit.services if c in self.catalogue.index]
        if not codes:
            raise InputError("history", "the fit has no service of the scenario's catalogue")
        self.codes = codes
        p = np.array([fit.services[c].share.value for c in codes])
        self.mix_p = p / p.sum()
        self.hours = np.array([hhmm_minutes(h) for h in fit.hourly_share], dtype=float)
        hp = np.array([e.value for e in fit.hourly_share.values()])
        self.hour_p = hp / hp.sum() if hp.sum() > 0 else np.full(len(hp), 1 / max(len(hp), 1))
        w = np.array([e.value if not math.isnan(e.value) else 1.0 for e in fit.weekday_factor])
        self.weekday = w / w.mean()
        self.partners = list(fit.fleet_partners)
        pp = np.array(list(fit.fleet_partners.values()))
        self.partner_p = pp / pp.sum() if pp.size else pp

    def expected(self, date: dt.date, seed: int = 0, replication: int = 0) -> float:
        month = self.fit.monthly_rate.get(f"{date.year:04d}-{date.month:02d}")
        if month is not None:
            rate = month.value
        elif self.forecast:
            rate = self.month_level(seed, replication, date.year, date.month)
        else:
            rate = self.level
        return rate * float(self.weekday[date.weekday()]) * self.growth

    def month_level(self, seed: int, replication: int, year: int, month: int) -> float:
        """An unseen month's orders a day in this replication: a fitted month's level drawn at random
        (seeded by seed, replication and month alone: common to every rule set), moved with `level`."""
        rates = [e.value for e in self.fit.monthly_rate.values()]
        if len(rates) < 2:
            return self.level
        rng = np.random.default_rng([seed, replication, 4, year, month])
        drawn = rates[int(rng.integers(len(rates)))]
        return max(0.0, drawn + self.level - float(np.mean(rates)))

    def orders(self, seed: int, replication: int, day: int, date: dt.date) -> list[Order]:
        rng = np.random.default_rng([seed, replication, day, 2])
        volume = self.expected(date, seed, replication)
        return sample_orders(self, date, rng, f"S{replication}-{day}-", volume)


def sample_orders(
    source: FittedSource,
    date: dt.date,
    rng: np.random.Generator,
    prefix: str = "S",
    volume: float | None = None,
) -> list[Order]:
    """One day's orders drawn from the fit (work content as clocked minutes of a 1.0 technician)."""
    fit, cat = source.fit, source.catalogue
    vol = source.expected(date) if volume is None else volume
    b, k = fit.booked_share.value, fit.kept_rate.value
    n_walk = int(rng.poisson(max(vol * (1 - b * k), 0.0)))
    n_book = int(rng.poisson(max(vol * b, 0.0)))
    n = n_walk + n_book
    service = rng.choice(len(source.codes), size=n, p=source.mix_p)
    hour = rng.choice(len(source.hours), size=n, p=source.hour_p)
    within = rng.random(n)
    kept = rng.random(n) < k
    fleet = rng.random(n) < fit.fleet_share.value
    partner = (
        rng.choice(len(source.partners), size=n, p=source.partner_p) if source.partners else np.zeros(n, int)
    )
    waiter_u = rng.random(n)
    u, z = rng.random(n), rng.standard_normal(n)
    midnight = cat.midnight(date)
    out = []
    for j in range(n):
        code = source.codes[int(service[j])]
        c = cat.index[code]
        booked = j >= n_walk
        if c in cat.multi_day:
            drop = cat.open_at
        elif booked:
            drop = float(source.hours[hour[j]] + math.floor(within[j] * 4) * 15)
        else:
            drop = float(source.hours[hour[j]] + within[j] * 60)
        is_fleet = bool(fleet[j]) and bool(source.partners)
        sf = fit.services[code]
        waiter = not is_fleet and c not in cat.multi_day and bool(waiter_u[j] < sf.waiter_share.value)
        work = float(draw_work(sf, u[j : j + 1], z[j : j + 1])[0])
        out.append(
            Order(
                order_id=f"{prefix}{j}",
                arrived_at=midnight + dt.timedelta(minutes=drop),
                service=code,
                booked=booked,
                waiter=waiter,
                fleet_partner=source.partners[int(partner[j])] if is_fleet else "",
                kept=not booked or bool(kept[j]),
                clocked_minutes=work,
            )
        )
    out.sort(key=lambda o: o.arrived_at)
    return out


DaySource = ReplaySource | FittedSource


def make_source(spec: DemandSpec, scenario: Scenario, growth: float = 1.0) -> DaySource:
    if spec.mode not in MODES:
        raise InputError("demand", f"expected one of {', '.join(MODES)}, got {spec.mode!r}")
    if spec.mode == "fitted":
        if spec.fit is None:
            raise InputError("demand", "fitted demand needs a fit")
        return FittedSource(scenario, Fit.model_validate_json(spec.fit), growth, spec.level, spec.forecast)
    services = tuple(s.code for s in scenario.workshop.services)
    history = cached_history(spec.history, spec.mapping, services, spec.skip_bad)
    if spec.mode == "replay":
        return ReplaySource(scenario, history, spec.first, spec.last)
    return BootstrapSource(scenario, history, spec.first, spec.last)
