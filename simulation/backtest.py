"""Demand from a history file, and the back-test: fit on training months, simulate the test months
with the staffing that was in place, compare with what the test months recorded.

The recorded figures are measured as the simulator measures its own (`replication.measure`):
vehicles finished a day; on-time share of the vehicles promised within the window (finished by
the promise); time in shop p50/p90 of the vehicles that arrived in the window (multi-day stages
left out, unfinished ones counted to the end of the window). Both sides count the same vehicles:
the simulation starts empty a week before the window (`WARMUP_DAYS`, not measured: long enough
for the multi-day repairs and any backlog on the window's first day to be there as recorded), and
the recorded figures leave out the orders that arrived before that.

The simulated figures come with a 95 % confidence interval of their mean and the 95 % range of
the replications (where the test months' realisation should fall if the model is right):
"inside" says whether the record does. With fitted demand the test months' level is a forecast
from the training months (`sources.FittedSource.month_level`): each replication gives each test
month the level of a training month drawn at random (a bootstrap of whole months), so the range
holds the month-to-month spread of the level as well as the simulation's noise; the other fitted
parameters rest on thousands of orders each and are held at their estimates.

A record whose times are whole minutes (the bundled history's are) is compared with the simulation
measured the same way (`replication.to_the_minute`: drop-off and finish to the nearest minute, a
finish in the promised minute on time): measured on its continuous clock the simulation counted
the vehicles finishing in the promised minute's last half as late, which the record counts as on
time - about 0.3 points of on-time share on May-June 2011 (0.6 % of the promised vehicles finish in
the promised minute), enough to put a replay's on-time share outside its narrow range.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import time
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict

from scheduler.errors import InputError
from scheduler.i18n import N_
from scheduler.scenarios import Scenario
from simulation.arrivals import Period
from simulation.design import make_jobs
from simulation.fit import Fit, fit_history
from simulation.history import History, load_history, load_mapping
from simulation.results import METRIC_UNITS, UNIT_BOUNDS
from simulation.rules import StaffingRules
from simulation.runners import run_jobs
from simulation.sources import MODES, DemandSpec
from simulation.stats import mean_ci

_RANGE = re.compile(r"^\s*(\d{4}-\d{2}(?:-\d{2})?)\s*(?:\.\.\s*(\d{4}-\d{2}(?:-\d{2})?))?\s*$")
COMPARED = ("served_per_day", "on_time", "time_in_shop_p50", "time_in_shop_p90")
WARMUP_DAYS = 7


def parse_range(text: str, field: str) -> tuple[dt.date, dt.date]:
    """'2011-01..2011-04', '2011-05', '2011-05-03..2011-05-09' -> (first day, last day)."""
    match = _RANGE.match(text)
    if match is None:
        raise InputError(
            field,
            N_("expected YYYY-MM[..YYYY-MM] or YYYY-MM-DD[..YYYY-MM-DD], got %(text)r") % {"text": text},
        )
    a, b = match.group(1), match.group(2) or match.group(1)
    try:
        first = dt.date.fromisoformat(a if len(a) == 10 else a + "-01")
        if len(b) == 10:
            last = dt.date.fromisoformat(b)
        else:
            y, m = int(b[:4]), int(b[5:7])
            last = dt.date(y, m, calendar.monthrange(y, m)[1])
    except ValueError:
        raise InputError(field, N_("not a date: %(text)r") % {"text": text}) from None
    if last < first:
        raise InputError(field, N_("ends before it starts: %(text)r") % {"text": text})
    return first, last


def read_history(
    scenario: Scenario, path: str, mapping: str | None = None, skip_bad: bool = False
) -> History:
    return load_history(
        path,
        mapping=load_mapping(mapping) if mapping else None,
        services=[s.code for s in scenario.workshop.services],
        skip_bad=skip_bad,
    )


def history_demand(
    scenario: Scenario,
    path: str,
    mode: str,
    first: dt.date | None = None,
    last: dt.date | None = None,
    *,
    mapping: str | None = None,
    skip_bad: bool = False,
    history: History | None = None,
) -> tuple[DemandSpec, Period, History]:
    """The demand spec and the simulated period (`first`..`last`, default the history's span)."""
    if mode not in MODES:
        raise InputError(
            "demand",
            N_("expected one of %(modes)s, got %(mode)r") % {"modes": ", ".join(MODES), "mode": mode},
        )
    history = history or read_history(scenario, path, mapping, skip_bad)
    if not history.orders:
        raise InputError("history", N_("no orders in the history"))
    tz = scenario.workshop.tz
    dates = [o.arrived_at.astimezone(tz).date() for o in history.orders]
    start, end = first or min(dates), last or max(dates)
    fit_json = fit_history(history, scenario).model_dump_json() if mode == "fitted" else None
    spec = DemandSpec(mode, str(path), mapping, fit_json, None, None, None, skip_bad)
    days = (end - start).days + 1
    label = HISTORY_PERIODS[mode][history.synthetic] % {"path": path}
    return spec, Period(start, days, label), history


#: The period of a history's demand, by mode, as a label says it (plain, and of a synthetic
#: history): marked templates, read in the reader's language where shown (zh-s30).
HISTORY_PERIODS = {
    "replay": (N_("replay of %(path)s"), N_("replay of %(path)s (SYNTHETIC)")),
    "bootstrap": (N_("bootstrap of %(path)s"), N_("bootstrap of %(path)s (SYNTHETIC)")),
    "fitted": (N_("fitted of %(path)s"), N_("fitted of %(path)s (SYNTHETIC)")),
}


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    recorded: float
    mean: float
    low: float
    high: float
    range_low: float
    range_high: float
    inside: bool


class Backtest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str
    history: str
    synthetic: bool
    rules: str
    demand: str
    train: tuple[dt.date, dt.date]
    test: tuple[dt.date, dt.date]
    replications: int
    seed: int
    level: float
    level_sd: float = 0.0  # between training months, orders a day
    level_months: int = 0
    rows: list[Row]
    seconds: float
    to_the_minute: bool = False  # the record's times are whole minutes: simulated side measured so too


def recorded_metrics(
    history: History, scenario: Scenario, first: dt.date, last: dt.date, warmup: int = WARMUP_DAYS
) -> dict[str, float]:
    tz = scenario.workshop.tz
    w0 = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    w1 = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    days = (last - first).days + 1
    multi = set(scenario.demand.promise.multi_day)
    # The simulation's vehicles: those from its first warm-up day on.
    start = w0 - dt.timedelta(days=warmup)
    kept = [o for o in history.orders if o.kept and o.arrived_at >= start]
    out: dict[str, float] = {}
    if any(o.finished_at for o in kept):
        out["served_per_day"] = sum(1 for o in kept if o.finished_at and w0 <= o.finished_at < w1) / days
    due = [o for o in kept if o.promised_at and w0 <= o.promised_at < w1]
    if due and any(o.finished_at for o in due):
        out["on_time"] = sum(
            1 for o in due if o.finished_at and o.promised_at and o.finished_at <= o.promised_at
        ) / len(due)
    arrived = [o for o in kept if w0 <= o.arrived_at < w1 and o.service not in multi]
    if arrived and any(o.finished_at for o in arrived):
        shop = [((o.finished_at or w1) - o.arrived_at).total_seconds() / 60 for o in arrived]
        out["time_in_shop_p50"] = float(np.percentile(shop, 50))
        out["time_in_shop_p90"] = float(np.percentile(shop, 90))
    return out


@dataclass(frozen=True)
class BacktestInputs:
    train: tuple[dt.date, dt.date]
    test: tuple[dt.date, dt.date]
    mode: str = "fitted"


def backtest(
    scenario: Scenario,
    rules: StaffingRules,
    path: str,
    inputs: BacktestInputs,
    *,
    replications: int = 20,
    seed: int = 1,
    workers: int = 2,
    policy: str = "fcfs",
    mapping: str | None = None,
    skip_bad: bool = False,
) -> Backtest:
    began = time.perf_counter()
    history = read_history(scenario, path, mapping, skip_bad)
    tz = scenario.workshop.tz
    train = history.between(*inputs.train, tz)
    if not train.orders:
        raise InputError("train", N_("no orders recorded in the training months"))
    fit: Fit = fit_history(train, scenario)
    level, level_sd, level_months = fit.level_spread()
    if inputs.mode == "fitted":
        spec = DemandSpec("fitted", fit=fit.model_dump_json(), level=level, forecast=True)
    else:
        # bootstrap draws from the training days only; replay runs the test days as recorded.
        first, last = inputs.train if inputs.mode == "bootstrap" else inputs.test
        if inputs.mode == "replay":  # the warm-up days before the test months are replayed too
            first -= dt.timedelta(days=WARMUP_DAYS)
        spec = DemandSpec(inputs.mode, str(path), mapping, None, first, last, None, skip_bad)
    first, last = inputs.test
    period = Period(
        first, (last - first).days + 1, N_("back-test %(first)s..%(last)s") % {"first": first, "last": last}
    )
    jobs = make_jobs(scenario, [rules], period, replications, seed, policy, 1.0, spec, WARMUP_DAYS)
    outcomes, _ = run_jobs(jobs, lambda: None, workers)
    recorded = recorded_metrics(history, scenario, first, last)
    minute = whole_minutes(history, first, last)
    rows = []
    for name in COMPARED:
        if name not in recorded:
            continue
        key = f"{name}_to_minute"
        values = [o.extra[key] if minute and key in o.extra else o.metrics[name] for o in outcomes]
        # Within what the quantity can be, as the simulation's own figures are (a share in [0, 1]).
        lower, upper = UNIT_BOUNDS.get(METRIC_UNITS[name], (None, None))
        mean, low, high = mean_ci(values, lower=lower, upper=upper)
        lo, hi = (float(x) for x in np.percentile(values, [2.5, 97.5]))
        rows.append(
            Row(
                metric=name,
                recorded=recorded[name],
                mean=mean,
                low=low,
                high=high,
                range_low=lo,
                range_high=hi,
                inside=lo <= recorded[name] <= hi,
            )
        )
    return Backtest(
        scenario=scenario.name,
        history=str(path),
        synthetic=history.synthetic,
        rules=rules.name,
        demand=inputs.mode,
        train=inputs.train,
        test=inputs.test,
        replications=replications,
        seed=seed,
        level=level,
        level_sd=level_sd,
        level_months=level_months,
        rows=rows,
        seconds=time.perf_counter() - began,
        to_the_minute=minute,
    )


def whole_minutes(history: History, first: dt.date, last: dt.date) -> bool:
    """Whether every drop-off, promise and finish recorded around the test window is a whole minute."""
    lo = dt.datetime.combine(first - dt.timedelta(days=WARMUP_DAYS), dt.time(0))
    hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0))
    times = [
        t
        for o in history.orders
        if lo <= o.arrived_at.replace(tzinfo=None) < hi
        for t in (o.arrived_at, o.promised_at, o.finished_at)
        if t is not None
    ]
    return bool(times) and all(t.second == 0 and t.microsecond == 0 for t in times)
