"""The 4-desk booking storm replayed in one thread on the planning service (no HTTP, no server):
the CPU each slot query and booking costs, read with `time.thread_time`.

Four desks take turns on an empty dealer-2011 day: each asks for slots (a random service and
waiter flag), then each books an offered time, 50 rounds; every booking changes the day, so
the next queries miss the cache as in `bench.storm`. On a shared machine wall-clock latencies
under four desks move with the load; the CPU of one thread moves far less, so two builds are
compared by it (run them alternately, e.g. main from a `git archive` copy with the same .venv,
and report the ratios). Under 4 desks and one GIL a request's latency is roughly its own CPU
plus the CPU the other desks spend meanwhile, so these figures bound the storm's tail.

Besides the CPU per request (p50/p90/p99), each run counts the slot searches that ran into their
deadline and the per-day-version caches built cold (the repacking, the witness's free time), with
their CPU; `digest` hashes every answer's offers, so two builds can be shown to answer alike.

- `--busy 4`: the search budget shared as with four requests under way (scheduler.contention;
  the storm's case: each search gets a quarter of the 25 ms);
- `--counted STEP`: the search modules' clock counts reads (STEP seconds each) instead of CPU, so
  the searches, and the offers, are the same on every run and machine (compare `digest`);
- `--refiner stub`: no background CP-SAT refinement (its late answers change what the next query
  carries over, at random); `real` keeps it.

The counts patch the scheduler's classes from here, so the script runs on older trees too (cwd
modules win: `cd /tmp/base && /work/wt/X/.venv/bin/python -m bench.storm_replay`).

    .venv/bin/python -m bench.storm_replay [--runs 3] [--label mine] [--busy 4] [--counted 0.0002]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import scheduler.ejection
import scheduler.repack
from bench.clock import NOW
from bench.service import CODES, percentile
from scheduler import slots
from scheduler.clock import FixedClock
from scheduler.errors import Conflict
from scheduler.offer import SlotQuery
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.storage import Store

DATE = dt.date(2026, 11, 26)
COUNTS: dict[str, float] = {}


def _bump(name: str, value: float = 1) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + value


class CountedClock:
    """Stands in for `time` in the search modules: every read advances `step` seconds."""

    def __init__(self, step: float) -> None:
        self.step = step
        self.now = 0.0

    def thread_time(self) -> float:
        self.now += self.step
        return self.now


class StubRefiner:
    """The background refinement's interface, refining nothing (counts the requests)."""

    def request(self, *args: object, idle: bool = False) -> None:
        # `idle`: a kind asked on other days (RefineAhead._kinds_ahead), counted apart so that
        # "refinements asked" stays comparable with earlier rows (the stub used to refuse the
        # keyword: each kinds-ahead batch failed in the packer's thread, logged, none counted).
        _bump("idle refinements asked" if idle else "refinements asked")

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:  # the refiner's batching (RefineAhead.after_change)
        yield

    def waiting(self, *args: object) -> bool:  # a cache hit asks for none (RefineAhead.hit)
        return True

    def running_day(self, *args: object) -> None:
        return None

    def start(self) -> None:
        pass

    def wait_idle(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        pass


def _wrap(owner: Any, name: str, around: Callable[..., Any]) -> None:
    """Replace `owner.name` by `around(inner, *args)` (where it exists: older trees lack some)."""
    inner = getattr(owner, name, None)
    if inner is not None:
        setattr(owner, name, lambda *args, **kwargs: around(inner, *args, **kwargs))


def instrument(clock: CountedClock | None) -> None:
    """Count searches at their deadline, cold caches and their CPU, on `slots.DayBook`."""

    def search(inner: Callable[..., None], day: Any, *args: Any, **kwargs: Any) -> None:
        began = time.thread_time()
        inner(day, *args, **kwargs)
        _bump("search CPU s", time.thread_time() - began)
        _bump("searches")
        deadline = args[4]  # (probes, fits, availability, waiter, deadline, ...)
        if (clock.now if clock is not None else time.thread_time()) >= deadline:
            _bump("searches at their deadline")

    def cold(label: str, is_cold: Callable[..., bool]) -> Callable[..., Any]:
        def around(inner: Callable[..., Any], day: Any, *args: Any) -> Any:
            was_cold = is_cold(day, *args)
            began = time.thread_time()
            result = inner(day, *args)
            if was_cold:
                _bump(f"{label} built")
                _bump(f"{label} CPU s", time.thread_time() - began)
            return result

        return around

    def free_time_cold(day: Any, problem: Any) -> bool:
        cached = getattr(day, "_free_time", {}).get(id(problem))
        return cached is None or cached[0] is not problem

    def timed(label: str) -> Callable[..., Any]:
        def around(inner: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            began = time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                _bump(f"{label} CPU s", time.thread_time() - began)

        return around

    book = slots.DayBook
    _wrap(book, "_search", search)
    _wrap(book, "_packed_days", cold("repacks", lambda day, deadline: day._packed is None))
    _wrap(book, "_availability", cold("free times", free_time_cold))
    _wrap(book, "offers", timed("offers (first query of a kind)"))
    _wrap(book, "offers_after", timed("offers_after (carried over)"))


def replay(
    rounds: int = 50, desks: int = 4, busy: int = 1, refiner: str = "real", seed: int = 0
) -> dict[str, object]:
    COUNTS.clear()
    workshop = load_scenario("dealer-2011").workshop
    with tempfile.TemporaryDirectory() as tmp:
        service = PlanningService(Store(f"sqlite:///{Path(tmp) / 'replay.db'}"), clock=FixedClock(NOW))
        if refiner == "stub" and service._ahead is not None:
            service._ahead.refiner.close()
            service._ahead.refiner = StubRefiner()  # type: ignore[assignment]
        if busy > 1:  # the other desks' requests under way: each search gets its share
            service.contention._busy = busy - 1
            service.contention.timer = lambda: 0.0  # and none counts as having waited
        digest = hashlib.sha1()
        try:
            service.put_workshop(workshop)
            rngs = [random.Random(seed + d) for d in range(desks)]
            slot_cpu: list[float] = []
            book_cpu: list[float] = []
            booked = offered = 0
            for r in range(rounds):
                picks = []
                for d, rng in enumerate(rngs):
                    code, waiter = rng.choice(CODES), rng.random() < 0.5
                    began = time.thread_time()
                    offers = service.slots(SlotQuery(workshop.id, code, DATE, waiter, None))
                    slot_cpu.append(time.thread_time() - began)
                    offered += len(offers)
                    digest.update(repr([(o.drop_off, o.promised, o.assignments) for o in offers]).encode())
                    if offers:
                        picks.append((code, waiter, rng.choice(offers).drop_off, f"r{r}-d{d}"))
                for code, waiter, drop_off, key in picks:
                    began = time.thread_time()
                    fields: dict[str, object] = {"service": code, "drop_off": drop_off, "waiter": waiter}
                    try:
                        service.book_request(workshop.id, fields, key, None)
                        booked += 1
                    except Conflict:
                        pass
                    book_cpu.append(time.thread_time() - began)
        finally:
            service.close()

    def ms(values: list[float], q: float) -> float:
        return round(percentile(values, q) * 1000.0, 1)

    return {
        "queries / bookings tried / booked / offers": [len(slot_cpu), len(book_cpu), booked, offered],
        "digest": digest.hexdigest()[:12],
        "slots CPU s in all": round(sum(slot_cpu), 3),
        "slots CPU p50 / p90 / p99 / max ms": [
            ms(slot_cpu, 0.5),
            ms(slot_cpu, 0.9),
            ms(slot_cpu, 0.99),
            round(max(slot_cpu) * 1000.0, 1),
        ],
        "bookings CPU s in all": round(sum(book_cpu), 3),
        "booking CPU p50 / p90 / p99 ms": [
            round(statistics.median(book_cpu) * 1000.0, 1),
            ms(book_cpu, 0.9),
            ms(book_cpu, 0.99),
        ],
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in sorted(COUNTS.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs, each with its own seeds")
    parser.add_argument("--label", default="")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--busy", type=int, default=1, help="requests under way (the budget's share)")
    parser.add_argument("--counted", type=float, default=0.0, help="a counted search clock: s per read")
    parser.add_argument("--refiner", choices=["real", "stub"], default="real")
    args = parser.parse_args()
    clock = CountedClock(args.counted) if args.counted > 0 else None
    if clock is not None:
        for module in (slots, scheduler.ejection, scheduler.repack):
            module.time = clock  # type: ignore[assignment]
    instrument(clock)
    for run in range(args.runs):
        row = replay(args.rounds, 4, args.busy, args.refiner, 10 * run)
        print(json.dumps({"label": args.label, "busy": args.busy, **row}), flush=True)


if __name__ == "__main__":
    main()
