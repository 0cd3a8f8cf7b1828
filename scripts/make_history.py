"""Generate the bundled SYNTHETIC record-level history of dealer-2011, Jan-Jun 2011.

    .venv/bin/python scripts/make_history.py [--out scenarios/dealer-2011/history-2011H1.csv.gz] [--seed 2011]

The dealer's report gives monthly totals, not records. This script makes records that add up to
every figure of the report (assumptions in scenarios/CALIBRATION.md, "Bundled history"):

- repair orders a month exactly as reported (3,598 / 2,433 / 3,438 / 4,233 / 3,502 / 3,901),
  bookings and kept bookings a month exactly as reported (the no-shows are rows with kept 0);
- service mix as demand.toml; warranty claims and free inspections follow the report's monthly
  claims table in shape (scaled to their demand.toml shares);
- fleet-partner vehicles: round(7.8 % of each month's repairs), split 60/40 between the partners;
- seven service advisors with fixed shares chosen so that their monthly receptions span about
  197-670 and their daily counts about 6.5-22, as reported;
- drop-off hours, weekday factors, waiters, promises as demand.toml;
- work content: standard minutes per operation times a lognormal factor (cv 0.3); the times
  (started, finished, technician, clocked minutes) come from running bayplan's own simulator
  with the `current` rules over the half-year, so they are the simulator's, not the shop's.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import gzip
import io
import math
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler.scenarios import load_scenario  # noqa: E402
from simulation.arrivals import MAX_OPS  # noqa: E402
from simulation.history import SYNTHETIC_NOTE, Order, write_history  # noqa: E402
from simulation.layout import compile_layout  # noqa: E402
from simulation.model import DAY, Vehicle, Workshop, tech_boundaries  # noqa: E402
from simulation.policies import POLICIES  # noqa: E402
from simulation.rules import load_rules  # noqa: E402
from simulation.sources import Catalogue  # noqa: E402

#: Claims table of the report (regular claims, free inspections) Jan..Jun 2011.
CLAIMS = [778, 662, 612, 636, 632, 536]
INSPECTIONS = [105, 0, 80, 90, 124, 400]
#: Advisors' shares: the smallest receives 197 in February (2,433), the largest 670 in April (4,233).
ADVISORS = {
    "SA01": 0.158,
    "SA02": 0.155,
    "SA03": 0.154,
    "SA04": 0.154,
    "SA05": 0.150,
    "SA06": 0.148,
    "SA07": 0.081,
}
CV = 0.3


def month_mix(scenario_mix: dict[str, float], repairs: list[int]) -> list[dict[str, int]]:
    """Exact service counts a month: warranty and inspections shaped by the claims table."""
    total = sum(repairs)
    warranty_total = round(scenario_mix["WARRANTY"] * total)
    inspect_total = round(scenario_mix["INSPECT"] * total)
    w = _apportion(warranty_total, CLAIMS)
    i = _apportion(inspect_total, INSPECTIONS)
    rest = {c: s for c, s in scenario_mix.items() if c not in ("WARRANTY", "INSPECT")}
    out = []
    for m, r in enumerate(repairs):
        counts = dict(zip(rest, _apportion(r - w[m] - i[m], list(rest.values())), strict=True))
        counts["WARRANTY"], counts["INSPECT"] = w[m], i[m]
        out.append(counts)
    return out


def _apportion(total: int, weights: list[float] | list[int]) -> list[int]:
    """Largest-remainder split of `total` in proportion to `weights`."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    base = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - base))[: total - base.sum()]:
        base[k] += 1
    return [int(x) for x in base]


def generate(seed: int) -> tuple[list[Order], dict[str, object]]:
    scenario = load_scenario(ROOT / "scenarios" / "dealer-2011")
    rules = load_rules(scenario, "current")
    cat = Catalogue(scenario)
    d = scenario.demand
    rng = np.random.default_rng(seed)
    history = sorted(d.history, key=lambda h: h.month)
    repairs = [h.repairs for h in history]
    mixes = month_mix(d.mix, repairs)
    hours = np.array([int(h[:2]) * 60 for h in d.arrivals.hourly], dtype=float)
    hour_p = np.array(list(d.arrivals.hourly.values()))
    hour_p = hour_p / hour_p.sum()
    weekday_w = np.array(d.arrivals.weekday)
    partners = list(d.fleet.partners)
    partner_p = np.array([d.fleet.partners[p] for p in partners])
    advisors = list(ADVISORS)
    advisor_p = np.array(list(ADVISORS.values()))
    advisor_p = advisor_p / advisor_p.sum()

    first = dt.date(2011, 1, 1)
    drafts: list[tuple[Order, Vehicle | None]] = []
    for m, h in enumerate(history):
        year, month = int(h.month[:4]), int(h.month[5:])
        n_days = calendar.monthrange(year, month)[1]
        dates = [dt.date(year, month, k + 1) for k in range(n_days)]
        w = np.array([weekday_w[x.weekday()] for x in dates])
        per_day = rng.multinomial(h.repairs, w / w.sum())
        no_shows = rng.multinomial(h.booked - h.kept, w / w.sum())
        services = [c for c, k in mixes[m].items() for _ in range(k)]
        rng.shuffle(services)
        booked_kept = np.zeros(h.repairs, bool)
        booked_kept[rng.choice(h.repairs, h.kept, replace=False)] = True
        fleet = np.zeros(h.repairs, bool)
        fleet[rng.choice(h.repairs, round(d.fleet.share * h.repairs), replace=False)] = True
        at = 0
        for date, n, n_ns in zip(dates, per_day, no_shows, strict=True):
            midnight = cat.midnight(date)
            day_index = (date - first).days + 1  # day 0 is an empty warm-up day
            for j in range(n + n_ns):
                is_no_show = j >= n
                code = (
                    services[at] if not is_no_show else str(rng.choice(list(d.mix), p=list(d.mix.values())))
                )
                booked = is_no_show or bool(booked_kept[at])
                is_fleet = not is_no_show and bool(fleet[at])
                if not is_no_show:
                    at += 1
                c = cat.index[code]
                if c in cat.multi_day:
                    drop = cat.open_at
                elif booked:
                    drop = float(rng.choice(hours, p=hour_p) + math.floor(rng.random() * 4) * 15)
                else:
                    drop = float(rng.choice(hours, p=hour_p) + rng.random() * 60)
                drop = min(max(drop, cat.open_at), cat.close_at)
                waiter = not is_fleet and c not in cat.multi_day and bool(rng.random() < d.waiter_share[code])
                carried = int(rng.integers(1, 3))
                promised = cat.promise(c, drop, waiter, carried)
                z = rng.standard_normal(MAX_OPS + 1)
                s2 = math.log(1 + CV * CV)
                factors = np.exp(math.sqrt(s2) * z - s2 / 2)
                order = Order(
                    order_id=f"RO{date:%y%m%d}{j + 1:03d}",
                    arrived_at=midnight + dt.timedelta(minutes=round(drop)),
                    service=code,
                    booked=booked,
                    waiter=waiter,
                    fleet_partner=str(rng.choice(partners, p=partner_p)) if is_fleet else "",
                    kept=not is_no_show,
                    advisor="" if is_no_show else str(rng.choice(advisors, p=advisor_p)),
                    promised_at=midnight + dt.timedelta(minutes=promised),
                )
                vehicle = None
                if not is_no_show:
                    vehicle = Vehicle(
                        arrival=day_index * DAY + round(drop),
                        service=c,
                        promised=day_index * DAY + promised,
                        waiter=waiter,
                        fleet=partners.index(order.fleet_partner) if is_fleet else -1,
                        multi_day=c in cat.multi_day,
                        work=factors[:MAX_OPS].tolist(),
                        reception=float(factors[MAX_OPS]),
                        booked=booked,
                    )
                drafts.append((order, vehicle))

    # Run the half-year through the simulator with the staffing in place (the `current` rules).
    layout = compile_layout(scenario, rules)
    vehicles = [v for _, v in drafts if v is not None]
    days = (dt.date(2011, 6, 30) - first).days + 1
    day_starts = [(k * DAY, (first + dt.timedelta(days=k - 1)).weekday()) for k in range(days + 1)]
    closes = [k * DAY + max(t.periods[-1][1] for t in layout.techs) for k in range(days + 1)]
    shop = Workshop(
        layout,
        POLICIES["fcfs"],
        vehicles,
        tech_boundaries(layout, day_starts),
        closes,
        (DAY, (days + 1) * DAY),
    )
    shop.run()
    tech_ids = _tech_ids(scenario, layout)
    services = scenario.workshop.services
    origin = cat.midnight(first) - dt.timedelta(days=1)
    orders = []
    for order, v in drafts:
        if v is None or v.first_start < 0:
            orders.append(order)
            continue
        ops = services[v.service].operations
        eff = layout.techs[v.first_tech].efficiency
        clocked = sum(op.minutes * v.work[k] for k, op in enumerate(ops)) / eff
        orders.append(
            replace(
                order,
                started_at=origin + dt.timedelta(minutes=round(v.first_start)),
                finished_at=origin + dt.timedelta(minutes=round(v.done)) if v.done >= 0 else None,
                clocked_minutes=round(clocked, 1),
                technician=tech_ids[v.first_tech],
            )
        )
    orders.sort(key=lambda o: (o.arrived_at, o.order_id))
    return orders, _summary(orders, scenario)


def _tech_ids(scenario, layout) -> list[str]:  # type: ignore[no-untyped-def]
    techs = scenario.workshop.technicians
    if len(techs) == len(layout.techs) and all(
        t.grade == spec.grade for t, spec in zip(techs, layout.techs, strict=True)
    ):
        return [t.id for t in techs]
    return [f"T{i + 1:02d}" for i in range(len(layout.techs))]


def _summary(orders: list[Order], scenario) -> dict[str, object]:  # type: ignore[no-untyped-def]
    tz = scenario.workshop.tz
    month = Counter()
    booked = Counter()
    kept = Counter()
    sa_month = Counter()
    sa_day = Counter()
    fleet = 0
    for o in orders:
        key = o.arrived_at.astimezone(tz).strftime("%Y-%m")
        if o.kept:
            month[key] += 1
        if o.booked:
            booked[key] += 1
            kept[key] += o.kept
        if o.advisor:
            sa_month[(o.advisor, key)] += 1
            sa_day[(o.advisor, o.arrived_at.astimezone(tz).date())] += 1
        fleet += bool(o.fleet_partner)
    days = {d for (_, d) in sa_day}
    per_day = [sa_day.get((a, d), 0) for a in ADVISORS for d in days]
    return {
        "repairs": dict(sorted(month.items())),
        "booked": dict(sorted(booked.items())),
        "kept": dict(sorted(kept.items())),
        "fleet": fleet,
        "advisor_month_min_max": (min(sa_month.values()), max(sa_month.values())),
        "advisor_day_mean_min_max": (
            round(min(np.mean([sa_day.get((a, d), 0) for d in days]) for a in ADVISORS), 1),
            round(max(np.mean([sa_day.get((a, d), 0) for d in days]) for a in ADVISORS), 1),
        ),
        "advisor_day_p5_p95": (float(np.percentile(per_day, 5)), float(np.percentile(per_day, 95))),
        "unfinished": sum(1 for o in orders if o.kept and o.finished_at is None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "scenarios" / "dealer-2011" / "history-2011H1.csv.gz"))
    parser.add_argument("--seed", type=int, default=2011)
    args = parser.parse_args()
    orders, summary = generate(args.seed)
    comment = (
        f"{SYNTHETIC_NOTE} history of dealer-2011, Jan-Jun 2011: generated by scripts/make_history.py "
        f"--seed {args.seed}.\nNot the dealer's records: calibrated to the monthly figures of the dealer "
        "H1-2011 report; times from bayplan's simulator (see scenarios/CALIBRATION.md)."
    )
    text = io.StringIO()
    rows = write_history(orders, text, comment=comment)
    out = Path(args.out)
    data = text.getvalue().encode("utf-8")
    if out.suffix == ".gz":
        with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            gz.write(data)
    else:
        out.write_bytes(data)
    print(f"{rows} rows -> {out} ({out.stat().st_size:,} bytes)")
    for key, value in summary.items():
        print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
