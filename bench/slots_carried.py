"""The immediate answer right after a booking, as the service gives it: carried over from the answer
cached for the day's previous version (`DayBook.offers_after`), against the fresh immediate answer
(`bench.slots`' "immediate") and the exact check, on the days `bench.slots` fills.

`bench.slots` asks each fill level's day afresh (`DayBook.offers` within 25 ms). The service does
that only for a day version nothing was cached for: after a booking, a query on the new version
starts from the previous version's cached answer (`PlanningService._day_offers`): an offer the new
booking does not touch carries over with its witness, a touched or moved one is fitted again, and
the ejection chains look again within the 25 ms budget where the previous answer offered. That
previous answer is the refined one (CP-SAT, `OfferRefiner`) when the refinement asked ahead after
the previous booking finished before the query, else the previous immediate answer.

Per fill level (the same days and probes as `bench.slots --seed N`, same random draws) the day is
built as the service builds it, `with_booking` from the version before its last accepted booking
(one such version per answer: the room a search finds stays on its version); per probed
(service, waiter):

- `fresh`: `day.offers(..., ejection_seconds=25 ms)` (bench.slots' immediate answer);
- `carried_refined`: `day.offers_after(prev_refined, ...)` within 25 ms, where `prev_refined` is
  `prev_day.offers_and_bound(exact_seconds=1, ejection 25 ms)` as the refiner computes it;
- `carried_immediate`: `day.offers_after(prev_immediate, ...)` within 25 ms (no refinement finished);
- `prev_refined_stale`: the previous refined answer's times as they were (not an answer: shows what
  the carry loses).

Every offer of the three answers is checked by the independent validator (`bench.slots.unsound`).
`--no-advisors` removes the scenarios' advisors (technician-bound days, as RESULTS-bench-s20 §3b).

    PYTHONPATH=. python -m bench.slots_carried --seed N [--quick] [--no-advisors]
        [--exact-seconds 30] [--verdicts FILE] [--out FILE]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from pathlib import Path

from bench import slots as base
from scheduler import slots
from scheduler.contract import Assignment, Booking
from scheduler.scenarios import Demand, load_scenario
from scheduler.slots import DayBook, Offer

ANSWERS = ("fresh", "carried_refined", "carried_immediate", "prev_refined_stale")
TIMED = ("fresh", "carried_refined", "carried_immediate")


def _book(
    workshop: object,
    demand: Demand,
    accepted: list[tuple[Booking, list[Assignment]]],
    rng: random.Random,
    codes: list[str],
    weights: list[float],
    attempt: int,
) -> tuple[list[tuple[Booking, list[Assignment]]], tuple[Booking, Offer] | None]:
    """`bench.slots.book_one`, the same draws, also returning the booking and its offer."""
    day = DayBook(workshop, base.DATE, accepted, base.OPEN)  # type: ignore[arg-type]
    code = rng.choices(codes, weights)[0]
    waiter = rng.random() < demand.waiter_share[code]
    drop = rng.choice(day.candidate_times())
    offer = day.try_insert(Booking(id=f"A{attempt}", service=code, drop_off=drop, waiter=waiter))
    if offer is None:
        return accepted, None
    booking = Booking(id=f"A{attempt}", service=code, drop_off=drop, waiter=waiter, promised=offer.promised)
    if offer.rewitness is not None:
        accepted = [(b, list(offer.rewitness[b.id])) for b, _ in accepted]
    return [*accepted, (booking, list(offer.assignments))], (booking, offer)


def run(name: str, attempts: int, count: int, levels: int, seed: int, limit: float, no_adv: bool,
        verdicts: base.Verdicts) -> list[dict[str, object]]:  # fmt: skip
    scenario = load_scenario(name)
    workshop, demand = scenario.workshop, scenario.demand
    if no_adv:
        workshop = workshop.model_copy(update={"advisors": []})
    rng = random.Random(seed)
    codes = [c for c in demand.mix if c not in demand.promise.multi_day]
    weights = [demand.mix[c] for c in codes]
    accepted: list[tuple[Booking, list[Assignment]]] = []
    last: tuple[list[tuple[Booking, list[Assignment]]], Booking, Offer] | None = None
    rows = []
    checkpoints = {round(attempts * (k + 1) / levels) for k in range(levels)}
    for attempt in range(1, attempts + 1):
        before = accepted
        accepted, booked = _book(workshop, demand, accepted, rng, codes, weights, attempt)
        if booked is not None:
            last = (before, *booked)
        if attempt in checkpoints:
            assert last is not None
            prev = DayBook(workshop, base.DATE, last[0], base.OPEN)
            prev.pack(base.PACK[0])
            # One version per answer, each made from `prev` as the service makes it: an answer's
            # chain searches leave room found and searches exhausted on its day version
            # (`_moved_days`, `_chains`), which must not help or stop another answer's.
            days = {answer: prev.with_booking(last[1], last[2]) for answer in TIMED}
            day = days[TIMED[0]]
            assert sorted(b.id for b, _ in day.accepted) == sorted(b.id for b, _ in accepted)
            rows.append(_level(name, seed, prev, days, rng, codes, weights, count, limit, verdicts))
            print(json.dumps(rows[-1]), flush=True)
    return rows


def _level(
    name: str,
    seed: int,
    prev: DayBook,
    days: dict[str, DayBook],
    rng: random.Random,
    codes: list[str],
    weights: list[float],
    count: int,
    limit: float,
    verdicts: base.Verdicts,
) -> dict[str, object]:
    began = time.perf_counter()
    for version in days.values():
        version.pack(base.PACK[0])
    day = days["fresh"]  # the probes, the exact verdicts and the validator's day (all alike)
    added = day.added_since(prev)
    assert added is not None
    answers: dict[tuple[str, bool], dict[str, set[object]]] = {}
    cpu = dict.fromkeys(TIMED, 0.0)
    cpu_max = dict.fromkeys(TIMED, 0.0)
    cpu_each: dict[str, list[float]] = {a: [] for a in TIMED}
    to_check: list[tuple[str, bool, Offer]] = []
    probes = feasible = unknown = 0
    hits = dict.fromkeys(ANSWERS, 0)
    offered_total = dict.fromkeys(ANSWERS, 0)
    for n in range(count):
        code = rng.choices(codes, weights)[0]
        waiter = rng.random() < 0.5
        probe = Booking(
            id=f"probe{n}", service=code, drop_off=rng.choice(day.candidate_times()), waiter=waiter
        )
        if (code, waiter) not in answers:
            refined = prev.offers(
                code, waiter, exact_seconds=base.EXACT_SECONDS, ejection_seconds=base.BUDGET[0]
            )
            immediate_prev = prev.offers(code, waiter, ejection_seconds=base.BUDGET[0])
            found: dict[str, list[Offer]] = {}
            budget = base.BUDGET[0]
            for answer in TIMED:
                t0 = time.thread_time()
                if answer == "fresh":
                    found[answer] = days[answer].offers(code, waiter, ejection_seconds=budget)
                else:
                    previous = refined if answer == "carried_refined" else immediate_prev
                    found[answer] = days[answer].offers_after(
                        previous, added, code, waiter, ejection_seconds=budget, grown=True
                    )
                spent = time.thread_time() - t0
                cpu[answer] += spent
                cpu_max[answer] = max(cpu_max[answer], spent)
                cpu_each[answer].append(round(1000 * spent, 2))
                to_check += [(code, waiter, o) for o in found[answer]]
            answers[(code, waiter)] = {a: {o.drop_off for o in offers} for a, offers in found.items()}
            answers[(code, waiter)]["prev_refined_stale"] = {o.drop_off for o in refined}
        offered = {a: probe.drop_off in times for a, times in answers[(code, waiter)].items()}
        fits: bool | None = verdicts.fits(day, probe, limit) if day.allowed_before_fit(probe) else False
        if fits is None and any(offered[a] for a in TIMED):
            fits = True
            verdicts.proven(day, probe)
        probes += 1
        for a in ANSWERS:
            offered_total[a] += offered[a]
        if fits is None:
            unknown += 1
            continue
        feasible += fits
        for a in ANSWERS:
            hits[a] += offered[a] and fits
    broken = sum(base.unsound(day, code, waiter, o) for code, waiter, o in to_check)
    gc.collect()
    return {
        "scenario": name,
        "seed": seed,
        "accepted": len(day.accepted),
        "probes": probes,
        "feasible": feasible,
        "unproven": unknown,
        "offered&feasible": hits,
        "offered": offered_total,
        "keys": len(answers),
        "answer cpu ms mean": {a: round(1000 * cpu[a] / max(1, len(answers)), 1) for a in TIMED},
        "answer cpu ms max": {a: round(1000 * cpu_max[a], 1) for a in TIMED},
        "answer cpu ms": cpu_each,
        "validated": len(to_check),
        "unsound": broken,
        "seconds": round(time.perf_counter() - began),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-advisors", action="store_true")
    parser.add_argument("--exact-seconds", type=float, default=30.0)
    parser.add_argument("--verdicts", type=Path, default=base.VERDICTS)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--scenarios", default="small-dealer,dealer-2011")
    parser.add_argument("--no-keep-seniors", action="store_true", help="slots.KEEP_SENIORS off (the before)")
    parser.add_argument("--no-refit-carried", action="store_true", help="slots.REFIT_CARRIED off (before)")
    parser.add_argument(
        "--budget-ms", type=float, default=1000 * base.BUDGET[0], help="the answers' search CPU"
    )
    args = parser.parse_args()
    base.BUDGET[0] = args.budget_ms / 1000
    slots.KEEP_SENIORS = not args.no_keep_seniors
    slots.REFIT_CARRIED = not args.no_refit_carried
    verdicts = base.Verdicts(args.verdicts)
    sizes = {"small-dealer": (60, 15 if args.quick else 40), "dealer-2011": (300, 10 if args.quick else 25)}
    rows = []
    for name in args.scenarios.split(","):
        attempts, count = sizes[name]
        rows += run(name, attempts, count, 3, args.seed, args.exact_seconds, args.no_advisors, verdicts)
    feasible = sum(int(r["feasible"]) for r in rows)  # type: ignore[call-overload]
    summary = {
        "seed": args.seed,
        "no_advisors": args.no_advisors,
        "keep_seniors": slots.KEEP_SENIORS,
        "refit_carried": slots.REFIT_CARRIED,
        "feasible": feasible,
        "unproven": sum(int(r["unproven"]) for r in rows),  # type: ignore[call-overload]
        "unsound": sum(int(r["unsound"]) for r in rows),  # type: ignore[call-overload]
        "validated": sum(int(r["validated"]) for r in rows),  # type: ignore[call-overload]
    }
    for a in ANSWERS:
        got = sum(r["offered&feasible"][a] for r in rows)  # type: ignore[index]
        summary[a] = f"{got}/{feasible} ({got / max(1, feasible):.1%})"
    for a in TIMED:  # each answer's CPU, this seed's levels pooled
        each = sorted(ms for r in rows for ms in r["answer cpu ms"][a])  # type: ignore[index]
        if each:
            summary[f"{a} cpu ms p50/p99"] = [
                each[len(each) // 2],
                each[min(len(each) - 1, int(0.99 * len(each)))],
            ]
    print(json.dumps(summary))
    if args.out is not None:
        args.out.write_text(json.dumps({"summary": summary, "levels": rows}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
