"""Slot offers against an exact check: soundness (every offer fits) and completeness (few fits refused).

A day is filled through the booking logic with random requests; at several fill levels, sampled
(service, waiter, drop-off) probes are answered both by the offer logic and by CP-SAT asked to
place every accepted booking by its promised pickup plus the probe. Walk-in holdback and waiter
caps are policies, not feasibility, so both sides run without them. Every offer of the immediate
and the exact answer is checked by the independent validator (`unsound`: its whole-day plan).

The exact verdicts are cached in `bench/slots-verdicts.json`, keyed by the day's bookings and the
probe (not by the witnesses: feasibility does not depend on where the day's plan puts them), so
every run and every branch is judged against the same verdicts; a probe CP-SAT leaves unproven
within `--exact-seconds` is counted apart (never as feasible or infeasible) and tried again by a
run with a longer limit. Every immediate offer at a probe's time is booked (the day as the offer
claims it, the probe at its promise) and checked by the independent validator.

    .venv/bin/python -m bench.slots [--quick] [--exact-seconds 30] [--out FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import math
import random
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from scheduler import capacity, slots
from scheduler.compiler import compile_request
from scheduler.contract import Assignment, Booking, PlanOptions, PlanRequest, Workshop
from scheduler.offer import NO_WANTS, Wants
from scheduler.planning import to_plan
from scheduler.scenarios import Demand, load_scenario
from scheduler.slots import EJECTION_SECONDS, CapacityRules, DayBook, Offer
from scheduler.validator import handover_warnings, validate_plan
from solver.model import SolveParameters, fit_all
from solver.problem import DaySolution

HERE = Path(__file__).parent
DATE = dt.date(2026, 11, 24)
OPEN = CapacityRules(walk_in_holdback=0.0, express_holdback=0.0, waiters_per_slot=10_000)
EXACT_SECONDS = 1.0
VERDICTS = HERE / "slots-verdicts.json"
BUDGET = [EJECTION_SECONDS]
"""The immediate answer's search budget (CPU seconds; `--budget-ms` to see what more would buy)."""
PACK: list[float | None] = [None]
"""The repacking's CPU budget per day version (None: the service's, `scheduler.slots.PACK_SECONDS`)."""
LOAN_PROBES = [0.0]
"""The share of a level's drop-off probes paired with a loan-car probe at the same service and time
(`--loan-share`; 0: none, the bench as before loanbench-s27). Drawn from a generator of their own
after the level's other probes are answered, so those, their answers and their verdict keys are the
same as without; tallied apart (`Tally.loan`), on workshops with a loan-car limit only."""
LOAN_WANTS = Wants(loan_car=True)


MODES = ("insert", "prefix", "immediate", "exact")
"""insert: the quick fit at the asked time only; prefix: plus placements found for later times
(the immediate answer before ejection); immediate: the quick fits, then the boundary found by
moving bookings out of the way (scheduler.ejection) within EJECTION_SECONDS of CPU (what the
booking system gets at once); exact: prefix plus the CP-SAT binary search of the boundary (what
the service served once refined, before ejection)."""


@dataclass
class Tally:
    scenario: str
    accepted: int
    probes: int = 0
    feasible: int = 0
    unknown: int = 0
    offered: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MODES, 0))
    offered_and_feasible: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MODES, 0))
    offer_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MODES, 0.0))
    computations: int = 0
    seconds: float = 0.0
    validated: int = 0
    """Offers of the immediate and exact answers checked by the independent validator."""
    unsound: int = 0
    """Of those, offers whose whole-day plan breaks a hard rule or a promise (0 is the goal)."""
    validate_seconds: float = 0.0
    """Wall time spent validating (in `seconds`, not in `offer_seconds`)."""
    proven_by_offer: int = 0
    """Unproven by CP-SAT, feasible by an offer's witness (counted feasible, reported)."""
    loan: bool = False
    """The level's loan-car probes (`LOAN_PROBES`), tallied apart from its other probes."""
    loan_fill: float = 0.0
    """The share of the fill's drop-off bookings that asked for a loan car (`--loan-fill`)."""
    loan_cars_out: int = 0
    """Accepted bookings of the level that took a loan car."""
    twins_feasible: int = 0
    """Loan-car probes whose twin (the same probe without a car) is feasible: the fleet refused
    `twins_feasible - feasible` of them."""
    loan_only: int = 0
    """Loan-car probes feasible whose twin is not (a wrong verdict: 0 is the check)."""
    end_decides: int = 0
    """Loan-car probes whose twin is feasible and whose car is free until the promise of their
    shortest work from the drop-off but not until the latest promise the day can make (the next
    handover day's, or the desk's close): where the work's end decides the loan car (`sensitive`)."""
    end_decides_feasible: int = 0
    """Of those, feasible (the exact check found an end that frees the car in time)."""
    end_decides_offered: int = 0
    """Of those, offered by the immediate answer."""
    pack_cpu_seconds: float = 0.0
    """CPU of the day version's repacking (`DayBook.pack`), done where the service makes the version
    (after the booking, or the day loaded), before the first answer: not in any answer's budget."""


class Verdicts:
    """The exact check's verdicts, cached per (day's bookings, probe): True, False, or unproven at
    the longest limit tried (tried again only with a longer one)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.known: dict[str, dict[str, object]] = (
            json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        )
        self.solved = 0

    def proven(self, day: DayBook, probe: Booking) -> None:
        """An offer (booked and validated) proves a probe CP-SAT left unproven: kept, so that later
        runs, whatever they offer, count the same feasible set."""
        key = self.key(day, desk_closes(day, probe))
        self.known[key] = {**self.known.get(key, {}), "fits": True, "by": "offer"}
        self._write(key)

    @staticmethod
    def key(day: DayBook, probe: Booking) -> str:
        """The workshop as it is (a changed scenario is another key), the day's bookings, the probe."""
        bookings = sorted(b.model_dump_json(exclude={"id"}) for b, _ in day.accepted)
        # A waiter's probe carries the desk's close as its promise (desk_closes): another key than
        # the verdicts from before the rule (a drop-off's key is as it was).
        # A loan-car probe (loanbench-s27) asks for one: another key (the others' keys as they were).
        asked = probe.model_dump_json(
            include={"service", "waiter", "drop_off"}
            | ({"promised"} if probe.promised else set())
            | ({"loan_car"} if probe.loan_car else set())
        )
        text = json.dumps([day.workshop.model_dump_json(), day.date.isoformat(), bookings, asked])
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def fits(self, day: DayBook, probe: Booking, limit: float) -> bool | None:
        probe = desk_closes(day, probe)
        key = self.key(day, probe)
        known = self.known.get(key)
        if known is not None and (known["fits"] is not None or float(str(known["limit"])) >= limit):
            return known["fits"]  # type: ignore[return-value]
        fits = exact_fits(day, probe, limit)
        self.solved += 1
        self.known[key] = {"fits": fits, "limit": limit}
        self._write(key)
        return fits

    def _write(self, key: str) -> None:
        """The file with `key` as known here, merged with what other runs wrote meanwhile."""
        if self.path.exists():
            self.known = {**json.loads(self.path.read_text(encoding="utf-8")), key: self.known[key]}
        self.path.write_text(json.dumps(self.known, indent=0, sort_keys=True), encoding="utf-8")


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a share `hits / n`."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def desk_closes(day: DayBook, probe: Booking) -> Booking:
    """The probe as the exact check asks it: a waiter's work must end by the desk's last handover
    less the promise buffer (his promise, the end + the buffer on the five minutes, no later than
    the close: the offers' rule, scheduler.frontdesk.FrontDesk.handed_back), as a promise CP-SAT
    keeps; a drop-off as it is."""
    last = day.desk.last_handover
    if not probe.waiter or last is None:
        return probe
    due = day.clock.wall(last) - day.rules.promise_buffer_minutes
    return probe.model_copy(
        update={"promised": day.clock.at(max(due, day.clock.minutes(probe.drop_off) + 1))}
    )


def exact_fits(day: DayBook, probe: Booking, limit: float) -> bool | None:
    """CP-SAT (feasibility, every booking present): can every accepted booking keep its promise
    with the probe placed too? A probe asking for a loan car also needs one free from its drop-off
    until the promise its placement earns, the cars the day's bookings (and vehicles held) took out
    until theirs (solver.model's loan-car cumulative, `FrontDesk.loan_fleet`). None: unproven
    within `limit`."""
    bookings = [b for b, _ in day.accepted] + [probe]
    request = PlanRequest(
        workshop=day.workshop, date=day.date, bookings=bookings, options=PlanOptions(keep_promises=True)
    )
    compiled = compile_request(request)
    placements = {
        (j, a.operation): compiled.frame.placement(a)
        for j, (_, witness) in enumerate(day.accepted)
        for a in witness
    }
    hint = DaySolution(placements=placements, unplaced={len(bookings) - 1})
    problem = replace(compiled.problem, loan_cars=day.desk.loan_fleet([(len(bookings) - 1, probe)]))
    status, _ = fit_all(problem, hint, SolveParameters(time_limit_seconds=limit, workers=2))
    return {"feasible": True, "infeasible": False}.get(status)


def sensitive(day: DayBook, probe: Booking) -> bool:
    """Does the end of `probe`'s work decide whether a loan car is free for it? A car is free from
    its drop-off until the promise of its shortest work done at once, not until the latest promise
    the day can make (scheduler.frontdesk.FrontDesk.loan_promise)."""
    rule = day.desk.loan_promise(probe)
    job = day._job(probe)[0]
    soonest = job.release + sum(min(op.durations, default=0) for op in job.operations)
    earliest, latest = rule.promise(soonest), rule.overnight or rule.last
    cars, out = day.workshop.loan_cars, day.loan_spans
    if earliest is None or latest is None:
        return False
    return capacity.loan_car_free(cars, out, (rule.drop_off, earliest)) and not capacity.loan_car_free(
        cars, out, (rule.drop_off, latest)
    )


def unsound(day: DayBook, code: str, waiter: bool, offer: Offer, loan_car: bool = False) -> bool:
    """The offer's whole-day plan (every accepted booking where its (re)witness puts it, the new
    one where the offer does, booked at its promise) breaks a hard rule by the independent
    validator, or is late for a promise, or promises a drop-off outside the desk's handover hours
    or a waiter after it closes (validator.handover_warnings with waiters: an error for a new
    offer; an overbooked offer has no plan to check, its promise is checked all the same)."""
    booked = Booking(
        id="offered",
        service=code,
        drop_off=offer.drop_off,
        waiter=waiter,
        promised=offer.promised,
        loan_car=loan_car,
    )
    if handover_warnings(day.workshop, [booked], day.rules.afternoon_handover, waiters=True):
        return True
    if offer.overbooked:
        return False
    bookings = [b for b, _ in day.accepted] + [booked]
    held = [b for b, _ in day.held]  # multi-day work held on the day: its loan car counts
    request = PlanRequest(workshop=day.workshop, date=day.date, bookings=bookings, held=held)
    compiled = compile_request(request)
    witness = {b.id: list(offer.rewitness[b.id]) if offer.rewitness else a for b, a in day.accepted}
    witness[booked.id] = list(offer.assignments)
    placements = {
        (j, a.operation): compiled.frame.placement(a) for j, b in enumerate(bookings) for a in witness[b.id]
    }
    plan = to_plan(compiled, DaySolution(placements=placements, unplaced=set()), "witness")
    return bool(validate_plan(request, plan)) or plan.kpis.late > 0


def book_one(
    workshop: Workshop,
    demand: Demand,
    accepted: list[tuple[Booking, list[Assignment]]],
    rng: random.Random,
    codes: list[str],
    weights: list[float],
    attempt: int,
    loan_fill: tuple[random.Random, float] | None = None,
) -> list[tuple[Booking, list[Assignment]]]:
    """The day after one customer tries a random same-day service at a random time (kept where the
    immediate answer fits it, as offered; a booking moved to make room stored where it went). With
    `loan_fill` (a generator of its own, a share): a drop-off customer asks for a loan car with
    that probability (the other draws as without)."""
    day = DayBook(workshop, DATE, accepted, OPEN)
    code = rng.choices(codes, weights)[0]
    waiter = rng.random() < demand.waiter_share[code]
    drop = rng.choice(day.candidate_times())
    loan = loan_fill is not None and loan_fill[0].random() < loan_fill[1] and not waiter
    asked = Booking(id=f"A{attempt}", service=code, drop_off=drop, waiter=waiter, loan_car=loan)
    offer = day.try_insert(asked)
    if offer is None:
        return accepted
    booking = asked.model_copy(update={"promised": offer.promised})
    if offer.rewitness is not None:
        accepted = [(b, list(offer.rewitness[b.id])) for b, _ in accepted]
    return [*accepted, (booking, list(offer.assignments))]


def run(
    scenario_name: str,
    attempts: int,
    probes_per_level: int,
    levels: int,
    seed: int,
    limit: float,
    verdicts: Verdicts,
    loan_fill: float = 0.0,
    loan_cars: int | None = None,
    no_advisors: bool = False,
) -> list[Tally]:
    scenario = load_scenario(scenario_name)
    workshop, demand = scenario.workshop, scenario.demand
    if loan_cars is not None:  # another fleet: another workshop, so other verdict keys
        workshop = workshop.model_copy(update={"loan_cars": loan_cars})
    if no_advisors:  # the technicians bind, not the check-ins (RESULTS-bench-s20 §3b, slots_carried)
        workshop = workshop.model_copy(update={"advisors": []})
    rng = random.Random(seed)
    filling = (random.Random(f"loan-fill/{seed}"), loan_fill) if loan_fill > 0 else None
    label = f"{scenario_name} loan-fill {loan_fill:g}" if filling else scenario_name
    label += f" {loan_cars} cars" if loan_cars is not None else ""
    label += " no advisors" if no_advisors else ""
    codes = [c for c in demand.mix if c not in demand.promise.multi_day]  # same-day work is what is booked
    weights = [demand.mix[c] for c in codes]
    accepted: list[tuple[Booking, list[Assignment]]] = []
    tallies = []
    checkpoints = {round(attempts * (k + 1) / levels) for k in range(levels)}
    for attempt in range(1, attempts + 1):
        accepted = book_one(workshop, demand, accepted, rng, codes, weights, attempt, filling)
        if attempt in checkpoints:
            day = DayBook(workshop, DATE, accepted, OPEN)
            asked: list[Booking] = []
            level = [_probe(label, day, rng, codes, weights, probes_per_level, limit, verdicts, asked)]
            if LOAN_PROBES[0] > 0 and workshop.loan_cars is not None:
                draws = random.Random(f"loan/{seed}/{attempt}")
                level.append(_loan_probes(label, day, asked, draws, limit, verdicts))
            for t in level:
                t.loan_fill = loan_fill
                t.loan_cars_out = sum(b.loan_car for b, _ in accepted)
                print(f"{t.scenario:14} seed={seed} loan={t.loan} accepted={t.accepted:4} "
                      f"cars={t.loan_cars_out} "
                      f"probes={t.probes} feasible={t.feasible} offered&feasible={t.offered_and_feasible} "
                      f"unknown={t.unknown} validated={t.validated} unsound={t.unsound} "
                      f"pack={1000 * t.pack_cpu_seconds:.1f}ms {t.seconds:.0f}s", flush=True)  # fmt: skip
            tallies += level
    return tallies


def _probe(
    name: str,
    day: DayBook,
    rng: random.Random,
    codes: list[str],
    weights: list[float],
    count: int,
    limit: float,
    verdicts: Verdicts,
    asked: list[Booking] | None = None,
) -> Tally:
    """The level's probes (appended to `asked`) answered, tallied and every offer validated."""
    began = time.perf_counter()
    tally = Tally(scenario=name, accepted=len(day.accepted))
    # As the service does with each day version it makes (PlanningService._pack_soon after a
    # booking, `_day_offers` for a day loaded): repacked before the first slot query on it.
    cpu = time.thread_time()
    day.pack(PACK[0])
    tally.pack_cpu_seconds = time.thread_time() - cpu
    answers: dict[tuple[str, bool], dict[str, set[dt.datetime]]] = {}
    to_check: list[tuple[str, bool, Offer]] = []
    """Validated after every answer is found: validating in between (its allocations, the garbage
    collections they cause) took CPU from the next immediate answer's 25 ms budget."""
    for n in range(count):
        code = rng.choices(codes, weights)[0]
        waiter = rng.random() < 0.5
        probe = Booking(
            id=f"probe{n}", service=code, drop_off=rng.choice(day.candidate_times()), waiter=waiter
        )
        if asked is not None:
            asked.append(probe)
        _answer(day, tally, probe, NO_WANTS, answers, to_check, limit, verdicts)
    _validate(day, tally, to_check, False)
    tally.seconds = time.perf_counter() - began
    return tally


def _loan_probes(
    name: str, day: DayBook, asked: list[Booking], rng: random.Random, limit: float, verdicts: Verdicts
) -> Tally:
    """A share (`LOAN_PROBES`) of the level's drop-off probes `asked` again, for a customer who
    needs a loan car, on the day as the level's answers left it (answered, tallied apart and every
    offer validated, with its loan car, as `_probe` does)."""
    began = time.perf_counter()
    tally = Tally(scenario=name, accepted=len(day.accepted), loan=True)
    answers: dict[tuple[str, bool], dict[str, set[dt.datetime]]] = {}
    to_check: list[tuple[str, bool, Offer]] = []
    for n, probe in enumerate(asked):
        if rng.random() >= LOAN_PROBES[0] or probe.waiter:
            continue
        loan_probe = probe.model_copy(update={"id": f"loan{n}", "loan_car": True})
        fits, offered = _answer(day, tally, loan_probe, LOAN_WANTS, answers, to_check, limit, verdicts)
        twin = verdicts.fits(day, probe, limit) if day.allowed_before_fit(probe) else False  # cached
        tally.twins_feasible += twin is True
        tally.loan_only += fits is True and twin is False
        if twin is True and sensitive(day, loan_probe):
            tally.end_decides += 1
            tally.end_decides_feasible += fits is True
            tally.end_decides_offered += fits is True and offered
    _validate(day, tally, to_check, True)
    tally.seconds = time.perf_counter() - began
    return tally


def _answer(
    day: DayBook,
    tally: Tally,
    probe: Booking,
    wants: Wants,
    answers: dict[tuple[str, bool], dict[str, set[dt.datetime]]],
    to_check: list[tuple[str, bool, Offer]],
    limit: float,
    verdicts: Verdicts,
) -> tuple[bool | None, bool]:
    """One probe: the day's answers for its (service, waiter) with `wants` (once per level), the
    quick fit at its time, the exact verdict; tallied, the answers' offers kept in `to_check`.
    Returns the verdict and whether the immediate answer offered the time."""
    code, waiter = probe.service, probe.waiter
    if (code, waiter) not in answers:
        answers[(code, waiter)] = {}
        tally.computations += 1
        for mode, exact, eject in (
            ("prefix", 0.0, 0.0),
            ("immediate", 0.0, BUDGET[0]),
            ("exact", EXACT_SECONDS, 0.0),
        ):
            t0 = time.perf_counter()
            offers = day.offers(code, waiter, exact_seconds=exact, ejection_seconds=eject, wants=wants)
            tally.offer_seconds[mode] += time.perf_counter() - t0
            if mode != "prefix":  # the answers the booking system gets: at once, and refined
                to_check += [(code, waiter, o) for o in offers]
            answers[(code, waiter)][mode] = {o.drop_off for o in offers}
    offered = {mode: probe.drop_off in times for mode, times in answers[(code, waiter)].items()}
    offered["insert"] = day.try_insert(probe) is not None
    # The exact verdict, cached per day and probe (the same for every run and branch); the
    # front desk's rules that do not depend on the placement (advisors at check-in) first.
    # Every offer is checked by the validator (`unsound`, after the level's answers); where
    # CP-SAT leaves a time unproven that some mode offered, the offer is its witness: it fits.
    fits: bool | None = verdicts.fits(day, probe, limit) if day.allowed_before_fit(probe) else False
    if fits is None and any(offered.values()):
        fits = True
        tally.proven_by_offer += 1
        verdicts.proven(day, probe)
    tally.probes += 1
    for mode in MODES:
        tally.offered[mode] += offered[mode]
    if fits is None:
        tally.unknown += 1
        return fits, offered["immediate"]
    tally.feasible += fits
    for mode in MODES:
        tally.offered_and_feasible[mode] += offered[mode] and fits
    return fits, offered["immediate"]


def _validate(day: DayBook, tally: Tally, to_check: list[tuple[str, bool, Offer]], loan_car: bool) -> None:
    """Every offer kept in `to_check` booked as offered (with a loan car where asked) and checked."""
    t0 = time.perf_counter()
    tally.validated = len(to_check)
    tally.unsound = sum(unsound(day, code, waiter, o, loan_car) for code, waiter, o in to_check)
    to_check.clear()
    gc.collect()  # the next level's answers start on a clean heap, as before validation was added
    tally.validate_seconds = time.perf_counter() - t0


def _day_row(t: Tally) -> dict[str, object]:
    hits = t.offered_and_feasible["immediate"]
    low, high = wilson(hits, t.feasible)
    return {
        "scenario": t.scenario,
        "loan-car probes": t.loan,
        "loan cars taken": t.loan_cars_out,
        "accepted": t.accepted,
        "probes": t.probes,
        "feasible": t.feasible,
        "unproven": t.unknown,
        "proven by an offer only": t.proven_by_offer,
        "immediate offered & feasible": hits,
        "immediate completeness": f"{hits / t.feasible:.1%}" if t.feasible else "n/a",
        "95% CI": f"{low:.0%}-{high:.0%}",
        "validated": t.validated,
        "unsound": t.unsound,
        "pack CPU ms (at the version, not in an answer)": round(1000 * t.pack_cpu_seconds, 1),
    }


def _summary(tallies: list[Tally]) -> dict[str, object]:
    """The loan-car probes' figures (`LOAN_PROBES`): per mode offered & feasible over feasible."""
    feasible = sum(t.feasible for t in tallies)
    hits = sum(t.offered_and_feasible["immediate"] for t in tallies)
    low, high = wilson(hits, feasible)
    found: dict[str, object] = {
        "probes": sum(t.probes for t in tallies),
        "feasible": feasible,
        "unproven": sum(t.unknown for t in tallies),
        "offers checked": sum(t.validated for t in tallies),
        "offers broken (validator or late)": sum(t.unsound for t in tallies),
        "immediate offered & feasible": hits,
        "immediate 95% CI": f"{low:.1%}-{high:.1%}",
        "twins (no car) feasible": sum(t.twins_feasible for t in tallies),
        "feasible with a car, not without (0 is right)": sum(t.loan_only for t in tallies),
        "twin feasible, the work's end decides the car": sum(t.end_decides for t in tallies),
        "... of them feasible": sum(t.end_decides_feasible for t in tallies),
        "... of them feasible and offered at once": sum(t.end_decides_offered for t in tallies),
    }
    for mode in MODES:
        both = sum(t.offered_and_feasible[mode] for t in tallies)
        found[f"completeness {mode}"] = f"{both / feasible:.1%}" if feasible else "n/a"
        wrong = sum(t.offered[mode] - t.offered_and_feasible[mode] for t in tallies)
        found[f"offered, infeasible {mode}"] = wrong
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--exact-seconds",
        type=float,
        default=30.0,
        help="CP-SAT limit per uncached probe (verdicts cached in bench/slots-verdicts.json)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS-slots.json")
    parser.add_argument("--verdicts", type=Path, default=VERDICTS)  # the exact verdicts' cache
    parser.add_argument("--budget-ms", type=float, default=1000 * EJECTION_SECONDS)
    parser.add_argument("--pack-ms", type=float, default=None, help="repacking CPU budget per day version")
    parser.add_argument(
        "--loan-share",
        type=float,
        default=0.0,
        help="share of drop-off probes asked again with a loan car (workshops with a loan-car limit)",
    )
    parser.add_argument(
        "--loan-fill",
        type=float,
        default=0.0,
        help="share of dealer-2011's filling drop-offs taking a loan car",
    )
    parser.add_argument("--loan-cars", type=int, default=None, help="dealer-2011's fleet (default: its own)")
    parser.add_argument("--no-advisors", action="store_true", help="dealer-2011 without its advisors")
    parser.add_argument("--only", choices=("small-dealer", "dealer-2011"), default=None)
    parser.add_argument(
        "--no-keep-seniors",
        action="store_true",
        help="the quick fit's earliest finish as it is (slots.KEEP_SENIORS)",
    )
    args = parser.parse_args()
    LOAN_PROBES[0] = args.loan_share
    BUDGET[0] = args.budget_ms / 1000
    slots.KEEP_SENIORS = not args.no_keep_seniors
    PACK[0] = None if args.pack_ms is None else args.pack_ms / 1000
    verdicts = Verdicts(args.verdicts)
    limit = args.exact_seconds
    tallies = []
    if args.only in (None, "small-dealer"):
        tallies += run("small-dealer", 60, 15 if args.quick else 40, 3, args.seed, limit, verdicts)
    if args.only in (None, "dealer-2011"):
        quick = 10 if args.quick else 25
        tallies += run(
            "dealer-2011",
            300,
            quick,
            3,
            args.seed,
            limit,
            verdicts,
            args.loan_fill,
            args.loan_cars,
            args.no_advisors,
        )
    loans = [t for t in tallies if t.loan]
    tallies = [t for t in tallies if not t.loan]
    feasible = sum(t.feasible for t in tallies)
    summary: dict[str, object] = {
        "seed": args.seed,
        "immediate search budget (CPU ms)": args.budget_ms,
        "probes": sum(t.probes for t in tallies),
        f"feasible (exact check, cached, {limit:g} s when solved)": feasible,
        "unproven (exact check, not counted)": sum(t.unknown for t in tallies),
        "exact checks solved this run (not cached)": verdicts.solved,
        "soundness": "every offer carries a whole-day plan keeping every promise, checked by "
        "scheduler.validator: offers checked (immediate and exact answers) / broken",
        "offers checked": sum(t.validated for t in tallies),
        "offers broken (validator or late)": sum(t.unsound for t in tallies),
        "seconds validating": round(sum(t.validate_seconds for t in tallies), 1),
        "exact_seconds per CP-SAT call in the offers": EXACT_SECONDS,
    }
    for mode in MODES:
        both = sum(t.offered_and_feasible[mode] for t in tallies)
        summary[f"completeness {mode}"] = f"{both / feasible:.1%}" if feasible else "n/a"
    hits = sum(t.offered_and_feasible["immediate"] for t in tallies)
    low, high = wilson(hits, feasible)
    summary["immediate offered & feasible"] = hits
    summary["immediate 95% CI"] = f"{low:.1%}-{high:.1%}"
    computations = sum(t.computations for t in tallies)
    for mode in ("prefix", "immediate", "exact"):
        seconds = sum(t.offer_seconds[mode] for t in tallies)
        summary[f"one day's offers, {mode}: mean seconds"] = round(seconds / max(1, computations), 3)
    if loans:
        summary["loan-car probes"] = _summary(loans)
    days = [_day_row(t) for t in tallies + loans]
    for row in days:
        print(json.dumps(row))
    print(json.dumps(summary, indent=1))
    args.out.write_text(
        json.dumps(
            {"summary": summary, "days": days, "levels": [asdict(t) for t in tallies + loans]}, indent=1
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
