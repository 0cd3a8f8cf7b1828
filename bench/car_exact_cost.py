"""What the refinement's car-aware solves (`DayBook._car_exact`, desk16-s31) cost, and what they buy.

`_car_exact` runs only where an answer runs CP-SAT (`exact_seconds` > 0): the background refinement
(`scheduler.refiner._refine`: 25 ms of ejection, then CP-SAT, one worker), a service made with
`refine_in_background=False` (CP-SAT in the request, two workers) and `bench.slots`' "exact" mode (no
ejection). The immediate answer (`exact_seconds` 0) never reaches it. This bench fills seeded days
that take loan cars under the service's rules (`bench.explain_loan.fill`) and, for every one-day
service asked with a loan car (drop-off), times each answer with `CAR_EXACT_SOLVES` at 0 (off) and at
the other caps, in a rotating order on the same `DayBook` (warmed up first): wall and process CPU
(CP-SAT's threads included), the car-aware solves made and their seconds, and the times offered.

    PYTHONPATH=. nice -n 10 python -m bench.car_exact_cost --scenario dealer-2011 --loan-cars 5 \
        --seeds 1-2 --out F.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.explain_loan import DATE, RULES, _one_day_mix, fill
from scheduler import slots
from scheduler.contract import Assignment, Booking, Workshop
from scheduler.offer import Offer, Wants
from scheduler.scenarios import load_scenario
from scheduler.slots import EJECTION_SECONDS, DayBook

LOAN = Wants(loan_car=True)
MODES: dict[str, tuple[float, float, int]] = {
    "immediate": (0.0, EJECTION_SECONDS, 2),
    "refine": (1.0, EJECTION_SECONDS, 1),
    "request": (1.0, EJECTION_SECONDS, 2),
    "exact": (1.0, 0.0, 2),
}
"""(exact_seconds, ejection_seconds, workers): the booking system's immediate answer; the background
refinement (`_refine`); CP-SAT in the request (`PlanningService(refine_in_background=False)`);
`bench.slots`' exact mode."""


class Solves:
    """The car-aware CP-SAT solves (`_fit_exactly(cars=True)`) made, and their wall seconds."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.found = 0


@contextmanager
def counted(solves: Solves) -> Iterator[None]:
    original: Callable[..., Any] = DayBook._fit_exactly

    def wrapped(self: DayBook, booking: Booking, *args: Any, cars: bool = False, **kw: Any) -> Any:
        if not cars:
            return original(self, booking, *args, **kw)
        t0 = time.perf_counter()
        result = original(self, booking, *args, cars=True, **kw)
        solves.seconds += time.perf_counter() - t0
        solves.count += 1
        solves.found += result[0] is not None
        return result

    DayBook._fit_exactly = wrapped  # type: ignore[method-assign]
    try:
        yield
    finally:
        DayBook._fit_exactly = original  # type: ignore[method-assign]


def answer(day: DayBook, code: str, mode: str, cap: int) -> dict[str, Any]:
    exact, eject, workers = MODES[mode]
    slots.CAR_EXACT_SOLVES = cap
    solves = Solves()
    with counted(solves):
        wall, cpu = time.perf_counter(), time.process_time()
        offers: list[Offer] = day.offers(
            code, False, exact_seconds=exact, workers=workers, wants=LOAN, ejection_seconds=eject
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "mode": mode,
        "cap": cap,
        "wall": wall,
        "cpu": cpu,
        "solves": solves.count,
        "solve_seconds": solves.seconds,
        "solves_found": solves.found,
        "offered": sorted(o.drop_off.strftime("%H:%M") for o in offers),
    }


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    scenario = load_scenario(args.scenario)
    workshop = scenario.workshop
    if args.loan_cars is not None:
        workshop = workshop.model_copy(update={"loan_cars": args.loan_cars})
    codes, _ = _one_day_mix(workshop, scenario.demand)
    caps = [int(c) for c in args.caps.split(",")]
    modes = args.modes.split(",")
    rows: list[dict[str, Any]] = []
    turn = 0
    for seed in seeds_of(args.seeds):
        levels = fill(workshop, scenario.demand, seed, args.attempts, args.levels, args.loan_fill)
        for level, accepted in enumerate(levels, 1):
            day = DayBook(workshop, DATE, accepted, RULES)
            day.pack()
            cars = sum(b.loan_car for b, _ in accepted)
            for code in codes:
                day.offers(code, False, wants=LOAN)  # warm-up: the day's caches, as a served version has
                for mode in modes:
                    mode_caps = [0, max(caps)] if mode == "immediate" else caps
                    order = mode_caps[turn % len(mode_caps) :] + mode_caps[: turn % len(mode_caps)]
                    turn += 1
                    for cap in order:
                        row = answer(day, code, mode, cap)
                        row.update(seed=seed, level=level, bookings=len(accepted), cars=cars, code=code)
                        rows.append(row)
                got = {
                    (r["mode"], r["cap"]): r
                    for r in rows[-sum(2 if m == "immediate" else len(caps) for m in modes) :]
                }
                line = " ".join(
                    f"{m}/{c}:{len(r['offered'])}o,{r['solves']}s,{1000 * r['wall']:.0f}ms"
                    for (m, c), r in sorted(got.items())
                )
                print(f"seed {seed} L{level} {len(accepted)}b {cars}c {code}: {line}", flush=True)
    slots.CAR_EXACT_SOLVES = 4
    return rows


def small_workshop() -> Workshop:
    """`bench.loan_end_decides`' workshop (one technician 08:00-18:00, one lift, one loan car, open
    08:00-16:00) with MID (90 min) beside LONG (180) and SHORT (30)."""
    from bench.loan_end_decides import WORKSHOP

    data = WORKSHOP.model_dump(mode="json")
    long = data["services"][0]
    data["services"].append({**long, "code": "MID", "name": "Mid",
                             "operations": [{**long["operations"][0], "minutes": 90}]})  # fmt: skip
    return Workshop.model_validate(data)


def packed(workshop: Workshop, rng: Any) -> DayBook:
    """Up to 6 requests (MID, SHORT, LONG at random times, half with a car), each kept where the
    quick fit puts it (as the fill does)."""
    day = DayBook(workshop, DATE, [], RULES)
    times = day.candidate_times()
    accepted: list[tuple[Booking, list[Assignment]]] = []
    for n in range(rng.randint(2, 6)):
        code = rng.choice(["MID", "SHORT", "LONG", "MID"])
        asked = Booking(id=f"R{n}", service=code, drop_off=rng.choice(times), loan_car=rng.random() < 0.5)
        offer = day.try_insert(asked)
        if offer is None:
            continue
        if offer.rewitness is not None:
            accepted = [(b, list(offer.rewitness[b.id])) for b, _ in accepted]
        accepted.append((asked.model_copy(update={"promised": offer.promised}), list(offer.assignments)))
        day = DayBook(workshop, DATE, accepted, RULES)
    return day


def scattered(workshop: Workshop, rng: Any) -> DayBook:
    """As desk16-s31's day, at random: 2-4 MID or SHORT jobs dropped off at 08:00 and placed on the
    lift at random quarter hours (no overlap, from 08:00), each promised its end plus 0-4 hours, and
    Y (SHORT) taking the only car at a random 14:00-16:00, placed at its drop-off. Where the quick
    fit packs the day, these leave gaps that only moving two bookings closes."""
    from bench.loan_end_decides import at

    placed: list[tuple[Booking, list[Assignment]]] = []
    busy: list[tuple[int, int]] = []
    y_at = rng.choice(range(14 * 60, 16 * 60 + 1, 15))
    busy.append((y_at, y_at + 30))
    for n in range(rng.randint(2, 4)):
        code, minutes = rng.choice([("MID", 90), ("MID", 90), ("SHORT", 30)])
        for _ in range(20):
            start = rng.choice(range(8 * 60, 17 * 60 - minutes + 1, 15))
            if all(start + minutes <= s or start >= e for s, e in busy):
                break
        else:
            continue
        busy.append((start, start + minutes))
        end = start + minutes
        promised = min(17 * 60 + 30, end + 15 * rng.randint(0, 16))

        def hhmm(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"

        b = Booking(id=f"R{n}", service=code, drop_off=at("08:00"), promised=at(hhmm(promised)))
        placed.append((b, [Assignment(booking=b.id, operation=0, bay="G1", technician="t1",
                                      start=at(hhmm(start)), end=at(hhmm(end)))]))  # fmt: skip
    y_time = f"{y_at // 60:02d}:{y_at % 60:02d}"
    y_end = f"{(y_at + 30) // 60:02d}:{(y_at + 30) % 60:02d}"
    y = Booking(id="Y", service="SHORT", drop_off=at(y_time), promised=at("17:30"), loan_car=True)
    placed.append((y, [Assignment(booking="Y", operation=0, bay="G1", technician="t1",
                                  start=at(y_time), end=at(y_end))]))  # fmt: skip
    return DayBook(workshop, DATE, placed, RULES)


def random_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """`--random N`: N random days on `small_workshop` (`--loan-cars` cars), each up to 6 requests
    (MID, SHORT, LONG at random times, half with a car) kept where the quick fit puts them; on each,
    LONG with a car answered in `--modes` at every cap, in a rotating order. The days where the
    refinement's car-aware solves matter (the loan car decided by the work's end) are rare on the
    scenarios' days; these small days make them common."""
    import random

    workshop = small_workshop()
    if args.loan_cars is not None:
        workshop = workshop.model_copy(update={"loan_cars": args.loan_cars})
    caps = [int(c) for c in args.caps.split(",")]
    rows: list[dict[str, Any]] = []
    for k in range(args.random):
        rng = random.Random(f"car-exact/{k}")
        day = scattered(workshop, rng) if args.scattered else packed(workshop, rng)
        accepted = day.accepted
        day.offers("LONG", False, wants=LOAN)
        for mode in args.modes.split(","):
            order = caps[k % len(caps) :] + caps[: k % len(caps)]
            for cap in order:
                row = answer(day, "LONG", mode, cap)
                row.update(
                    seed=k,
                    level=0,
                    bookings=len(accepted),
                    cars=sum(b.loan_car for b, _ in accepted),
                    code="LONG",
                )
                rows.append(row)
        solves = max(r["solves"] for r in rows[-len(caps) * len(args.modes.split(",")) :])
        if solves:
            print(
                k,
                len(accepted),
                [
                    (r["mode"], r["cap"], len(r["offered"]), r["solves"])
                    for r in rows[-len(caps) * len(args.modes.split(",")) :]
                    if r["mode"] != "immediate"
                ],
                flush=True,
            )
    slots.CAR_EXACT_SOLVES = 4
    return rows


def constructed() -> DayBook:
    """desk16-s31's day (`tests/scheduler/test_frontdesk.py::test_the_refinement_solves_a_loan_car_
    time_again_…`): one technician 08:00-18:00 on one lift, one loan car; A (90 min, 09:00-10:30) and
    B (11:30-13:00) promised 15:30, C (14:00-15:30) 17:30, Y takes the car at 16:00. A 3-hour job
    (LONG) with a car fits only with A and B both moved: the day where `_car_exact` solves."""
    from bench.loan_end_decides import at

    workshop = small_workshop()

    def placed(b: Booking, start: str, end: str) -> tuple[Booking, list[Assignment]]:
        return b, [
            Assignment(booking=b.id, operation=0, bay="G1", technician="t1", start=at(start), end=at(end))
        ]

    def mid(id: str, promised: str) -> Booking:
        return Booking(id=id, service="MID", drop_off=at("08:00"), promised=at(promised))

    y = Booking(id="Y", service="SHORT", drop_off=at("16:00"), promised=at("17:30"), loan_car=True)
    return DayBook(workshop, DATE, [
        placed(mid("A", "15:30"), "09:00", "10:30"), placed(mid("B", "15:30"), "11:30", "13:00"),
        placed(mid("C", "17:30"), "14:00", "15:30"), placed(y, "16:00", "16:30"),
    ], RULES)  # fmt: skip


def constructed_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """`--constructed`: LONG with a car on `constructed()`, `--repeat` times per mode and cap."""
    caps = [int(c) for c in args.caps.split(",")]
    rows: list[dict[str, Any]] = []
    for k in range(args.repeat):
        day = constructed()
        day.offers("LONG", False, wants=LOAN)
        for mode in args.modes.split(","):
            order = caps[k % len(caps) :] + caps[: k % len(caps)]
            for cap in order:
                row = answer(day, "LONG", mode, cap)
                row.update(seed=k, level=0, bookings=4, cars=1, code="LONG")
                rows.append(row)
        print(
            k,
            [
                (r["mode"], r["cap"], len(r["offered"]), r["solves"], round(1000 * r["wall"]))
                for r in rows[-len(caps) * 4 :]
            ],
            flush=True,
        )
    slots.CAR_EXACT_SOLVES = 4
    return rows


def solve_cost_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    """`--solve-cost`: what one car-aware solve would cost on the seeded days, where `_car_exact`
    never ran one: at each level, for each one-day service with a car, up to `--per-answer` of the
    times the refined answer does not offer (evenly spread), `_fit_exactly` with the cars and
    without (the capacity-only solve of the binary search), 1 s and one worker as the refinement."""
    scenario = load_scenario(args.scenario)
    workshop = scenario.workshop
    if args.loan_cars is not None:
        workshop = workshop.model_copy(update={"loan_cars": args.loan_cars})
    codes, _ = _one_day_mix(workshop, scenario.demand)
    rows: list[dict[str, Any]] = []
    for seed in seeds_of(args.seeds):
        levels = fill(workshop, scenario.demand, seed, args.attempts, args.levels, args.loan_fill)
        for level, accepted in enumerate(levels, 1):
            day = DayBook(workshop, DATE, accepted, RULES)
            day.pack()
            for code in codes:
                offered = {o.drop_off for o in day.offers(code, False, wants=LOAN)}
                probes = [p for p in day._probes(code, False, None, LOAN) if p.drop_off not in offered]
                step = max(1, len(probes) // args.per_answer)
                for n, p in enumerate(probes[::step][: args.per_answer]):
                    for cars in (n % 2 == 0, n % 2 == 1):  # alternate which goes first
                        wall, cpu = time.perf_counter(), time.process_time()
                        found, proven = day._fit_exactly(p, 1.0, 1, cars=cars)
                        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                        verdict = "found" if found is not None else "infeasible" if proven else "unproven"
                        # the desk's other rules (advisors, holdback, caps): a fit they refuse is no offer
                        allowed = found is not None and day.allowed(p, found)
                        rows.append({"seed": seed, "level": level, "code": code, "cars": cars,
                                     "time": p.drop_off.strftime("%H:%M"), "wall": wall, "cpu": cpu,
                                     "verdict": verdict, "allowed": allowed})  # fmt: skip
            print(f"seed {seed} L{level}: {len(rows)} solves", flush=True)
    return rows


def solve_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for cars in (False, True):
        rs = [r for r in rows if r["cars"] is cars]
        if not rs:
            continue
        walls = [1000 * r["wall"] for r in rs]
        out.append(
            {
                "solve": "with the loan cars" if cars else "capacity only",
                "solves": len(rs),
                "found": sum(r["verdict"] == "found" for r in rs),
                "found, the desk allows it": sum(r["allowed"] for r in rs),
                "infeasible": sum(r["verdict"] == "infeasible" for r in rs),
                "unproven (1 s out)": sum(r["verdict"] == "unproven" for r in rs),
                "wall ms mean": round(statistics.mean(walls), 1),
                "wall ms p50": round(statistics.median(walls), 1),
                "wall ms p99": round(p99(walls), 1),
                "cpu ms mean": round(1000 * statistics.mean(r["cpu"] for r in rs), 1),
            }
        )
    return out


def seeds_of(text: str) -> list[int]:
    if "-" in text:
        first, last = (int(x) for x in text.split("-"))
        return list(range(first, last + 1))
    return [int(x) for x in text.split(",")]


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (mode, cap): answers, mean / p99 / max wall ms, mean CPU ms, solves, offers and the offers
    more than the same answer with the cap at 0."""
    off = {(r["seed"], r["level"], r["code"], r["mode"]): set(r["offered"]) for r in rows if r["cap"] == 0}
    out = []
    for mode, cap in sorted({(r["mode"], r["cap"]) for r in rows}):
        rs = [r for r in rows if r["mode"] == mode and r["cap"] == cap]
        walls = [1000 * r["wall"] for r in rs]
        gained = sum(len(set(r["offered"]) - off[(r["seed"], r["level"], r["code"], mode)]) for r in rs)
        lost = sum(len(off[(r["seed"], r["level"], r["code"], mode)] - set(r["offered"])) for r in rs)
        out.append(
            {
                "mode": mode,
                "cap": cap,
                "answers": len(rs),
                "answers with a car solve": sum(r["solves"] > 0 for r in rs),
                "wall ms mean": round(statistics.mean(walls), 1),
                "wall ms p99": round(p99(walls), 1),
                "wall ms max": round(max(walls), 1),
                "cpu ms mean": round(1000 * statistics.mean(r["cpu"] for r in rs), 1),
                "cpu s total": round(sum(r["cpu"] for r in rs), 2),
                "car solves": sum(r["solves"] for r in rs),
                "car solves found": sum(r["solves_found"] for r in rs),
                "car solve s total": round(sum(r["solve_seconds"] for r in rs), 2),
                "offered": sum(len(r["offered"]) for r in rs),
                "offers gained vs cap 0": gained,
                "offers lost vs cap 0": lost,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="dealer-2011")
    parser.add_argument("--seeds", default="1-2")
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--loan-fill", type=float, default=0.15)
    parser.add_argument("--loan-cars", type=int, default=None)
    parser.add_argument("--caps", default="0,1,2,4,8", help="CAR_EXACT_SOLVES values (0: off)")
    parser.add_argument("--modes", default="immediate,refine,exact")
    parser.add_argument("--constructed", action="store_true", help="desk16-s31's day (`constructed`)")
    parser.add_argument("--repeat", type=int, default=5, help="--constructed: answers per mode and cap")
    parser.add_argument("--random", type=int, default=0, help="random small days (`random_rows`)")
    parser.add_argument("--scattered", action="store_true", help="--random: `scattered` days, not `packed`")
    parser.add_argument("--solve-cost", action="store_true", help="one car-aware solve's cost (doc)")
    parser.add_argument("--per-answer", type=int, default=3, help="--solve-cost: times per answer")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    began = time.perf_counter()
    if args.solve_cost:
        rows = solve_cost_rows(args)
        table = solve_summary(rows)
    else:
        rows = constructed_rows(args) if args.constructed else random_rows(args) if args.random else run(args)
        table = summary(rows)
    for t in table:
        print(json.dumps(t))
    print(f"{time.perf_counter() - began:.0f} s")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(
                {"args": vars(args), "date": dt.date.isoformat(DATE), "summary": table, "rows": rows},
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
