"""What promises the shop keeps cost customers: minutes added to the desk's promise per booking.

Each of `--days` working days of the scenario's demand (scheduler.demand, the replay's seed) is
booked at the desk as the buffer rule does it (`DayBook.try_insert` at the asked drop-off, every
accepted booking's promise the rule's); for every booking accepted, the promise each confidence
would give on the same placement (scheduler.confidence) is compared with the rule's. Also the cost
of one confident promise (a Monte Carlo of the placement, cached per shape): cold and cached.

    .venv/bin/python -m bench.promise_confidence --scenario small-dealer --days 10 \\
        [--first 2026-11-24] [--confidence 0.8 0.9]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from typing import Any

import numpy as np

from scheduler import confidence as confidence_module
from scheduler.capacity import CapacityRules
from scheduler.confidence import confident_promise
from scheduler.contract import Assignment, Booking
from scheduler.demand import generate_bookings
from scheduler.scenarios import load_scenario
from scheduler.slots import DayBook

FIRST = dt.date(2026, 11, 24)


def added_minutes(
    name: str, days: int, seed: int, confidences: list[float], first: dt.date = FIRST
) -> dict[str, Any]:
    scenario = load_scenario(name)
    workshop = scenario.workshop
    added: dict[float, list[tuple[bool, int]]] = {c: [] for c in confidences}
    cold: list[float] = []
    warm: list[float] = []
    date, done = first, 0
    while done < days:
        if workshop.is_closed(date):
            date += dt.timedelta(days=1)
            continue
        accepted: list[tuple[Booking, list[Assignment]]] = []
        for b in generate_bookings(scenario, date, seed=seed):
            if b.drop_off.astimezone(workshop.tz).date() != date:
                continue
            day = DayBook(workshop, date, accepted, CapacityRules())
            probe = b.model_copy(update={"promised": None})
            offer = day.try_insert(probe)
            if offer is None or not day.allowed(probe, offer):
                continue
            rule = day.clock.minutes(offer.promised)
            spans = [(p.start, p.end) for p in offer.placements]
            for c in confidences:
                confidence_module._end_quantile.cache_clear()
                t0 = time.perf_counter()
                kept = confident_promise(rule, spans, c)
                cold.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                confident_promise(rule, spans, c)
                warm.append(time.perf_counter() - t0)
                added[c].append((b.waiter, kept - rule))
            witness = dict(offer.rewitness or {x.id: tuple(a) for x, a in accepted})
            accepted = [(x, list(witness[x.id])) for x, _ in accepted]
            accepted.append((probe.model_copy(update={"promised": offer.promised}), list(offer.assignments)))
        done += 1
        date += dt.timedelta(days=1)
    out: dict[str, Any] = {"scenario": name, "first": first.isoformat(), "days": days, "seed": seed}
    for c, rows in added.items():
        part: dict[str, Any] = {"bookings": len(rows)}
        for label, keep in (("all", lambda w: True), ("waiters", lambda w: w), ("drop-off", lambda w: not w)):
            values = [m for w, m in rows if keep(w)]
            if not values:
                continue
            part[label] = {
                "n": len(values),
                "promise later: share": round(sum(m > 0 for m in values) / len(values), 3),
                "minutes added: median / mean / p90 / max": [
                    float(statistics.median(values)),
                    round(statistics.fmean(values), 1),
                    float(np.quantile(values, 0.9)),
                    max(values),
                ],
            }
        out[f"confidence {c}"] = part
    out["one confident promise, us: cold p50 / p99, cached p50"] = [
        round(float(np.quantile(cold, 0.5)) * 1e6, 1),
        round(float(np.quantile(cold, 0.99)) * 1e6, 1),
        round(float(np.quantile(warm, 0.5)) * 1e6, 1),
    ]
    return out


def offers_cost(name: str, date: dt.date, seed: int, confidence: float, rounds: int = 5) -> dict[str, Any]:
    """CPU seconds (this thread's: alike on a busy machine) of `DayBook.offers` for every (service,
    waiter) on the day filled by the buffer rule,
    with and without the confidence (the same accepted bookings), alternated `rounds` times; the
    first round of each pays for the Monte Carlo's cache, the later ones show it warm."""
    scenario = load_scenario(name)
    plain = scenario.workshop
    kept = plain.model_copy(update={"promise_confidence": confidence})
    accepted: list[tuple[Booking, list[Assignment]]] = []
    for b in generate_bookings(scenario, date, seed=seed):
        if b.drop_off.astimezone(plain.tz).date() != date:
            continue
        day = DayBook(plain, date, accepted, CapacityRules())
        probe = b.model_copy(update={"promised": None})
        offer = day.try_insert(probe)
        if offer is None or not day.allowed(probe, offer):
            continue
        witness = dict(offer.rewitness or {x.id: tuple(a) for x, a in accepted})
        accepted = [(x, list(witness[x.id])) for x, _ in accepted]
        accepted.append((probe.model_copy(update={"promised": offer.promised}), list(offer.assignments)))
    kinds = [(s.code, w) for s in plain.services if s.max_days <= 1 for w in (False, True)]
    seconds: dict[str, list[float]] = {"off": [], "on": []}
    confidence_module._end_quantile.cache_clear()
    for _ in range(rounds):
        for label, ws in (("off", plain), ("on", kept)):
            for code, waiter in kinds:
                day = DayBook(ws, date, accepted, CapacityRules())  # a fresh day: no offer cached
                t0 = time.thread_time()
                day.offers(code, waiter)
                seconds[label].append(time.thread_time() - t0)
    off, on = sorted(seconds["off"]), sorted(seconds["on"])
    return {
        "scenario": name,
        "date": date.isoformat(),
        "accepted bookings": len(accepted),
        "offers() calls each": len(off),
        "offers() ms p50 / max, off": [round(statistics.median(off) * 1e3, 1), round(off[-1] * 1e3, 1)],
        "offers() ms p50 / max, on": [round(statistics.median(on) * 1e3, 1), round(on[-1] * 1e3, 1)],
        "ratio on / off: p50, total": [
            round(statistics.median(on) / statistics.median(off), 3),
            round(sum(on) / sum(off), 3),
        ],
    }


FIGURES = (
    "late",
    "flagged ahead share (goal >= 0.90)",
    "flagged",
    "false alarm share (goal <= 0.10)",
    "false alarm share, strict",
    "false alarms, strict: on time, flagged, no re-plan moved it",
    "on-time share",
    "total lateness minutes",
    "brier score",
    "no event lost",
)


def compare(specs: list[str]) -> list[dict[str, Any]]:
    """The guard's figures of replays (`label=path[,path…]` of `.partial.pickle` files, pooled), and
    the customers' wait for their promise (promised pickup - drop-off, minutes, median and mean)."""
    import pickle
    from pathlib import Path

    from simulation.day_replay import summarise

    rows = []
    for spec in specs:
        label, _, path = spec.partition("=")
        records = [r for one in path.split(",") for r in pickle.loads(Path(one).read_bytes())]
        summary = summarise(records)
        leads = [
            (o.promised - o.drop_off).total_seconds() / 60
            for r in records
            for o in r.outcomes
            if o.promised is not None and not o.no_show
        ]
        row: dict[str, Any] = {
            "run": label,
            "days": summary["days"],
            "booked": summary["bookings asked / booked"],
        }
        row |= {k: summary[k] for k in FIGURES}
        row["promise - drop-off, min median / mean"] = [
            round(statistics.median(leads), 1),
            round(statistics.fmean(leads), 1),
        ]
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", action="append", default=None)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--confidence", type=float, nargs="*", default=[0.8, 0.9])
    parser.add_argument("--first", default=FIRST.isoformat(), help="the first day (ISO date)")
    parser.add_argument("--offers-cost", action="store_true", help="instead: time DayBook.offers off / on")
    parser.add_argument(
        "--compare", nargs="*", default=None, help="instead: label=path of replays' .partial.pickle files"
    )
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    first = dt.date.fromisoformat(args.first)
    names = args.scenario or ["small-dealer"]
    if args.compare is not None:
        report = compare(args.compare)
        print("| " + " | ".join(report[0]) + " |")
        print("|" + "---|" * len(report[0]))
        for row in report:
            print("| " + " | ".join(str(v) for v in row.values()) + " |")
    elif args.offers_cost:
        report = [offers_cost(n, first, args.seed, args.confidence[-1]) for n in names]
    else:
        report = [added_minutes(n, args.days, args.seed, args.confidence, first) for n in names]
    print(json.dumps(report, indent=1))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
