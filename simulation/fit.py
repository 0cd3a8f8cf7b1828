"""Fit a demand model to a workshop's history: every estimate with a 95 % interval and its sample size.

- arrival rates: repair orders a day by month (mean of the month's calendar days, t interval),
  weekday factors (a day's orders over its month's mean, by weekday) and drop-off shares by hour
  (Wilson intervals; multi-day stages are left out: they are on site at opening);
- booked share (bookings over repair orders, the report's "booking rate"), kept rate (bookings
  that came over bookings), waiter share (of private customers, overall and per service), fleet
  share and the split between fleet partners;
- per technician grade an efficiency: standard minutes over clocked minutes (a ratio estimator
  with a delta-method interval) on single-operation orders whose technician is known;
- per service the work content of an order in standard-technician minutes (clocked minutes times
  the fitted efficiency of the technician's grade, or clocked minutes where no technician is
  recorded): lognormal unless a Kolmogorov-Smirnov test of the log minutes against the fitted
  normal rejects it at 1 % (on a seeded subsample of at most 500: with thousands of orders any
  test rejects every model), in which case the empirical distribution (its percentiles) is used.
  The mean has a t interval.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scheduler.contract import GRADE_NAMES
from scheduler.errors import InputError, from_validation_error
from scheduler.i18n import N_
from scheduler.scenarios import Scenario, parse_toml
from simulation.history import History, Order

KS_SUBSAMPLE = 500
KS_ALPHA = 0.01
QUANTILES = 101


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Estimate(_Model):
    value: float
    low: float = Field(description="95 % interval, lower end")
    high: float = Field(description="95 % interval, upper end")
    n: int = Field(description="sample size")


class ServiceFit(_Model):
    distribution: str = Field(description="lognormal or empirical")
    why: str
    mean_minutes: float = Field(description="mean work content, standard-technician minutes")
    mean_low: float
    mean_high: float
    n: int = Field(description="orders with clocked minutes")
    clocked_mean: float = Field(description="mean clocked minutes as recorded")
    standard_minutes: float
    mu: float = Field(description="lognormal: mean of log minutes")
    sigma: float = Field(description="lognormal: sd of log minutes")
    quantiles: list[float] = Field(default_factory=list, description="empirical: percentiles 0..100")
    share: Estimate
    waiter_share: Estimate


class Fit(_Model):
    scenario: str
    source: str
    synthetic: bool
    orders: int = Field(description="rows fitted (repair orders and no-show bookings)")
    repairs: int = Field(description="repair orders (kept)")
    days: int = Field(description="calendar days from the first to the last recorded day")
    first: dt.date
    last: dt.date
    monthly_rate: dict[str, Estimate] = Field(description="YYYY-MM -> repair orders a day")
    weekday_factor: list[Estimate] = Field(description="Mon..Sun, a day's orders over its month's mean")
    hourly_share: dict[str, Estimate] = Field(description="HH:00 -> share of drop-offs")
    booked_share: Estimate
    kept_rate: Estimate
    waiter_share: Estimate
    fleet_share: Estimate
    fleet_partners: dict[str, float]
    services: dict[str, ServiceFit]
    efficiency: dict[str, Estimate] = Field(description="grade name -> standard minutes per clocked minute")
    seconds: float = 0.0

    def level(self) -> float:
        """Mean repair orders a day over the fitted months."""
        return float(np.mean([e.value for e in self.monthly_rate.values()])) if self.monthly_rate else 0.0

    def level_spread(self) -> tuple[float, float, int]:
        """(mean, between-month standard deviation, months) of the fitted months' orders a day: what
        a month the fit has not seen may look like (sd 0 with fewer than two months)."""
        rates = np.array([e.value for e in self.monthly_rate.values()], dtype=float)
        if rates.size < 2:
            return self.level(), 0.0, int(rates.size)
        return float(rates.mean()), float(rates.std(ddof=1)), int(rates.size)


def wilson(successes: int, n: int, z: float = 1.959964) -> Estimate:
    if n <= 0:
        return Estimate(value=math.nan, low=math.nan, high=math.nan, n=0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Estimate(value=p, low=max(0.0, centre - half), high=min(1.0, centre + half), n=n)


def t_mean(values: np.ndarray | list[float]) -> Estimate:
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return Estimate(value=math.nan, low=math.nan, high=math.nan, n=0)
    mean = float(x.mean())
    if x.size < 2:
        return Estimate(value=mean, low=mean, high=mean, n=int(x.size))
    from scipy import stats  # ~1 s to import: when first needed, not at start-up

    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return Estimate(value=mean, low=mean - half, high=mean + half, n=int(x.size))


def ratio(numerators: np.ndarray, denominators: np.ndarray) -> Estimate:
    """Σ numerators / Σ denominators with a delta-method 95 % interval."""
    n = numerators.size
    if n == 0 or denominators.sum() <= 0:
        return Estimate(value=math.nan, low=math.nan, high=math.nan, n=int(n))
    r = float(numerators.sum() / denominators.sum())
    if n < 2:
        return Estimate(value=r, low=r, high=r, n=1)
    resid = numerators - r * denominators
    se = float(math.sqrt(resid.var(ddof=1) / n) / denominators.mean())
    return Estimate(value=r, low=r - 1.96 * se, high=r + 1.96 * se, n=int(n))


def fit_history(history: History, scenario: Scenario, *, seed: int = 0) -> Fit:
    began = time.perf_counter()
    if not history.orders:
        raise ValueError("no orders to fit")
    tz = scenario.workshop.tz
    catalogue = {s.code: s for s in scenario.workshop.services}
    standard = {c: float(sum(op.minutes for op in s.operations)) for c, s in catalogue.items()}
    single_op = {c for c, s in catalogue.items() if len(s.operations) == 1}
    multi_day = set(scenario.demand.promise.multi_day)
    tech_grade = {t.id: t.grade for t in scenario.workshop.technicians}

    orders = history.orders
    local_dates = [o.arrived_at.astimezone(tz).date() for o in orders]
    first, last = min(local_dates), max(local_dates)
    span = (last - first).days + 1
    kept = [o.kept for o in orders]
    repairs = [o for o, k in zip(orders, kept, strict=True) if k]

    # Repair orders per calendar day (zero on days without any).
    daily: Counter[dt.date] = Counter(d for d, k in zip(local_dates, kept, strict=True) if k)
    dates = [first + dt.timedelta(days=i) for i in range(span)]
    counts = np.array([daily.get(d, 0) for d in dates], dtype=float)
    months = [f"{d.year:04d}-{d.month:02d}" for d in dates]
    by_month: dict[str, list[float]] = defaultdict(list)
    for m, c in zip(months, counts, strict=True):
        by_month[m].append(c)
    monthly = {m: t_mean(v) for m, v in by_month.items()}
    ratios: dict[int, list[float]] = defaultdict(list)
    for d, m, c in zip(dates, months, counts, strict=True):
        mean = monthly[m].value
        if mean > 0:
            ratios[d.weekday()].append(c / mean)
    weekday = [t_mean(ratios.get(w, [])) for w in range(7)]

    hours: Counter[int] = Counter(
        o.arrived_at.astimezone(tz).hour for o in repairs if o.service not in multi_day
    )
    total_hours = sum(hours.values())
    hourly = {f"{h:02d}:00": wilson(hours[h], total_hours) for h in sorted(hours)}

    n_booked = sum(1 for o in orders if o.booked)
    n_kept_booked = sum(1 for o in orders if o.booked and o.kept)
    booked_share = wilson(min(n_booked, len(repairs)), len(repairs))
    kept_rate = wilson(n_kept_booked, n_booked)
    private = [o for o in repairs if not o.fleet_partner]
    waiter = wilson(sum(o.waiter for o in private), len(private))
    fleet_orders = [o.fleet_partner for o in repairs if o.fleet_partner]
    fleet_share = wilson(len(fleet_orders), len(repairs))
    partner_counts = Counter(fleet_orders)
    partners = {p: c / len(fleet_orders) for p, c in sorted(partner_counts.items())}

    # Efficiency per grade: standard over clocked minutes on single-operation orders.
    eff_num: dict[int, list[float]] = defaultdict(list)
    eff_den: dict[int, list[float]] = defaultdict(list)
    for o in repairs:
        grade = tech_grade.get(o.technician)
        if grade is None or o.clocked_minutes is None or o.clocked_minutes <= 0:
            continue
        if o.service in single_op:
            eff_num[grade].append(standard[o.service])
            eff_den[grade].append(o.clocked_minutes)
    efficiency = {GRADE_NAMES[g]: ratio(np.array(eff_num[g]), np.array(eff_den[g])) for g in sorted(eff_num)}
    eff_value = {g: efficiency[GRADE_NAMES[g]].value for g in eff_num}

    rng = np.random.default_rng(seed)
    per_service: dict[str, list[Order]] = defaultdict(list)
    for o in repairs:
        per_service[o.service].append(o)
    services: dict[str, ServiceFit] = {}
    for code in sorted(per_service):
        mine = per_service[code]
        clocked = np.array([o.clocked_minutes for o in mine if o.clocked_minutes], dtype=float)
        work = np.array(
            [
                o.clocked_minutes * eff_value.get(tech_grade.get(o.technician, -1), 1.0)
                for o in mine
                if o.clocked_minutes
            ],
            dtype=float,
        )
        share = wilson(len(mine), len(repairs))
        mine_private = [o for o in mine if not o.fleet_partner]
        waiter_s = wilson(sum(o.waiter for o in mine_private), len(mine_private))
        services[code] = _service_fit(code, work, clocked, standard.get(code, math.nan), share, waiter_s, rng)

    return Fit(
        scenario=scenario.name,
        source=history.source,
        synthetic=history.synthetic,
        orders=len(orders),
        repairs=len(repairs),
        days=span,
        first=first,
        last=last,
        monthly_rate=monthly,
        weekday_factor=weekday,
        hourly_share=hourly,
        booked_share=booked_share,
        kept_rate=kept_rate,
        waiter_share=waiter,
        fleet_share=fleet_share,
        fleet_partners=partners,
        services=services,
        efficiency=efficiency,
        seconds=time.perf_counter() - began,
    )


def _service_fit(
    code: str,
    work: np.ndarray,
    clocked: np.ndarray,
    standard: float,
    share: Estimate,
    waiter: Estimate,
    rng: np.random.Generator,
) -> ServiceFit:
    positive = work[work > 0]
    mean = t_mean(positive)
    if positive.size < 8:
        # Too few to fit: lognormal around the standard minutes with the usual spread.
        mu = math.log(standard) if standard > 0 else 0.0
        return ServiceFit(
            distribution="lognormal",
            why=N_("only %(n)s orders with clocked minutes: standard minutes, cv 0.3 assumed")
            % {"n": positive.size},
            mean_minutes=mean.value if positive.size else standard,
            mean_low=mean.low if positive.size else standard,
            mean_high=mean.high if positive.size else standard,
            n=int(positive.size),
            clocked_mean=float(clocked.mean()) if clocked.size else math.nan,
            standard_minutes=standard,
            mu=mu - 0.5 * math.log(1.09),
            sigma=math.sqrt(math.log(1.09)),
            share=share,
            waiter_share=waiter,
        )
    logs = np.log(positive)
    mu, sigma = float(logs.mean()), float(logs.std(ddof=1))
    sub = logs if logs.size <= KS_SUBSAMPLE else rng.choice(logs, KS_SUBSAMPLE, replace=False)
    from scipy import stats  # ~1 s to import: when first needed, not at start-up

    d_stat, p_value = stats.kstest(sub, "norm", args=(mu, max(sigma, 1e-9)))
    lognormal = bool(p_value >= KS_ALPHA) and sigma > 0
    if lognormal:
        why = N_(
            "KS test of log minutes against the fitted normal: D=%(d)s, p=%(p)s (n=%(n)s)"
            " - lognormal not rejected at %(alpha)s"
        ) % {"d": f"{d_stat:.3f}", "p": f"{p_value:.3f}", "n": sub.size, "alpha": f"{KS_ALPHA:.0%}"}
    else:
        why = N_(
            "KS test of log minutes against the fitted normal: D=%(d)s, p=%(p)s (n=%(n)s)"
            " - lognormal rejected at %(alpha)s: empirical percentiles used"
        ) % {"d": f"{d_stat:.3f}", "p": f"{p_value:.2g}", "n": sub.size, "alpha": f"{KS_ALPHA:.0%}"}
    return ServiceFit(
        distribution="lognormal" if lognormal else "empirical",
        why=why,
        mean_minutes=mean.value,
        mean_low=mean.low,
        mean_high=mean.high,
        n=int(positive.size),
        clocked_mean=float(clocked.mean()),
        standard_minutes=standard,
        mu=mu,
        sigma=sigma,
        quantiles=[]
        if lognormal
        else [float(q) for q in np.percentile(positive, np.linspace(0, 100, QUANTILES))],
        share=share,
        waiter_share=waiter,
    )


def draw_work(service: ServiceFit, u: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Work content (standard minutes) from uniform `u` (empirical) or normal `z` (lognormal) draws."""
    if service.distribution == "empirical" and service.quantiles:
        grid = np.linspace(0, 1, len(service.quantiles))
        out: np.ndarray = np.interp(u, grid, np.asarray(service.quantiles))
        return out
    return np.asarray(np.exp(service.mu + service.sigma * z))


def observed_work(history: History, scenario: Scenario, fit: Fit) -> dict[str, np.ndarray]:
    """Per service the observed work content (clocked minutes times the fitted grade efficiency)."""
    grade_of = {t.id: GRADE_NAMES[t.grade] for t in scenario.workshop.technicians}
    eff = {name: e.value for name, e in fit.efficiency.items()}
    out: dict[str, list[float]] = defaultdict(list)
    for o in history.orders:
        if o.kept and o.clocked_minutes:
            out[o.service].append(o.clocked_minutes * eff.get(grade_of.get(o.technician, ""), 1.0))
    return {code: np.array(v) for code, v in out.items()}


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dump_fit(fit: Fit, comment: str = "") -> str:
    """The fit as a TOML file that `load_fit` reads back (`bayplan simulate --demand fitted --fit`)."""
    lines = [f"# {line}" for line in comment.splitlines()]
    data = fit.model_dump(mode="json")
    lines += [f"{key} = {_toml(value)}" for key, value in data.items()]
    return "\n".join(lines) + "\n"


def load_fit(path: str | Path) -> Fit:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("fit", N_("no fit file %(path)r") % {"path": str(path)}) from None
    except OSError as exc:  # a folder of that name, no permission
        raise InputError(
            "fit", N_("cannot read %(path)r: %(why)s") % {"path": str(path), "why": exc.strerror}
        ) from None
    data = parse_toml(raw, str(path))
    try:
        return Fit.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, source=str(path)) from None
