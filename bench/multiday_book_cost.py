"""The cost of booking multi-day work (issue 16: bookings p99 <= 100 ms), accepted and refused,
and a fingerprint of every answer on the way, to show a speed-up changed none of them.

    PYTHONPATH=. .venv/bin/python -m bench.multiday_book_cost SCENARIO FILL QUERIES SEED... \\
        [--multi=CODE:DAYS] [--counted] [--profile=FILE]

On the service itself (no HTTP: the booking runs in this thread, so its thread CPU and its
database statements are its own), on the tests' fixed clock, over a fresh SQLite database:
FILL bookings (random services, 15 % of them the multi-day one, random loan car and parts ETA)
are booked at offered times over the three days from DAY; then QUERIES random queries of the
multi-day service (the first with `max_days` > 1; `--multi=CODE:DAYS` makes one so, e.g.
small-dealer's ACCIDENT:3), each: the slot answer, its explanation (`explained_slots`), every
refused on-grid time booked (each refused, or booked and cancelled at once), then one offered time
booked and kept (validated on every day it touches: `validate_plan` on each day's witness plan,
`validate_multiday` on the booking). The kept booking of every other query is made with the
multi-day answer dropped from the offer cache ("cold": the booking searches the days itself, as
one made after another desk's booking changed the versions does).

Per booking: wall and thread CPU (ms) and the SQL statements it ran (a SQLAlchemy
`before_cursor_execute` listener, this thread only), of which `day_version` reads; summarised per
kind (refused / accepted warm / accepted cold) as p50 / p99 / max. The fingerprint: every answer
(offers with their days and promise, refusals with their reasons, each booking's outcome: its
promise and days, or the 409's reason and alternatives) as canonical JSON, digested.

`--counted`: the search modules read a counted clock (`bench.storm_replay.CountedClock`: each
`thread_time` read advances a fixed step, so a budget is a number of reads, the same on any
machine and load) and the background refinement is off: the fingerprint is then the same from
run to run, and two trees with equal digests gave the same answers (timings are meaningless then).
Without it: the app's settings, the real clock (timings; the fingerprint may move where a budget
cut a search). `--profile=FILE`: cProfile over the measured bookings only, to FILE.SEED, and over the
explanations (after the plain answer, cached), to FILE-explain.SEED. The explanations' cost is
measured as the bookings' ("explain": `explained_slots` with the plain answer cached).
"""

from __future__ import annotations

import collections
import cProfile
import datetime as dt
import hashlib
import json
import random
import sys
import tempfile
import threading
import time
from typing import Any

from sqlalchemy import event

import scheduler.contention
import scheduler.ejection
import scheduler.multiday
import scheduler.repack
import scheduler.slots
from bench.advisor_soundness import DAY, NOW
from bench.explain_cost import wants as draw_wants
from bench.explain_multiday import violations
from bench.storm_replay import CountedClock
from scheduler.clock import FixedClock
from scheduler.contract import Booking, Workshop
from scheduler.errors import Conflict
from scheduler.offer import Offer, SlotQuery, Wants
from scheduler.offer_cache import offers_key
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.storage import Store
from scheduler.storage import bookings as bookings_db

SKIP = ("in the past", "drop-offs are offered every", "workshop closed")
TRIED = 3
"""Offered times per query booked and cancelled (accepted bookings' cost), besides the one kept."""
STEP = 0.00002
"""Seconds per counted read (`--counted`): the 25 ms ejection budget is 1,250 reads."""


class Counter:
    """SQL statements and `day_version` reads made by this thread while `on`."""

    def __init__(self, svc: PlanningService) -> None:
        self.thread = threading.get_ident()
        self.on = False
        self.statements = 0
        self.versions = 0
        event.listen(svc.store.engine, "before_cursor_execute", self._statement)
        inner = bookings_db.day_version

        def counted(*args: Any, **kwargs: Any) -> Any:
            if self.on and threading.get_ident() == self.thread:
                self.versions += 1
            return inner(*args, **kwargs)

        bookings_db.day_version = counted  # type: ignore[assignment]

    def _statement(self, *args: Any) -> None:
        if self.on and threading.get_ident() == self.thread:
            self.statements += 1

    def start(self) -> None:
        self.statements = self.versions = 0
        self.on = True


def _offer(o: Offer) -> list[Any]:
    return [o.drop_off.isoformat(), o.promised.isoformat(), [d.isoformat() for d in o.days]]


def _query(
    rng: random.Random, w: Workshop, code: str, day: dt.date
) -> tuple[bool, str | None, Wants, dict[str, object]]:
    params, body = draw_wants(rng, w, code, day, parts_share=0.5, eta_days=(0, 0, 1, 2))
    eta = params.get("parts_eta")
    wanted = Wants(params["loan_car"] == "true", None if eta is None else dt.datetime.fromisoformat(eta))
    return params["waiter"] == "true", None, wanted, body


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def main(
    scenario: str,
    fill: int,
    queries: int,
    seed: int,
    multi: tuple[str, int] | None,
    counted: bool,
    profile: str | None = None,
) -> dict[str, Any]:
    profiler = cProfile.Profile() if profile else None
    explainer = cProfile.Profile() if profile else None
    if counted:
        clock = CountedClock(STEP)
        for module in (
            scheduler.slots,
            scheduler.ejection,
            scheduler.repack,
            scheduler.multiday,
            scheduler.contention,
        ):
            setattr(module, "time", clock)  # noqa: B010 (the searches read `time.thread_time` off it)
    url = f"sqlite:///{tempfile.mkdtemp(prefix='mdcost-')}/b.db"
    svc = PlanningService(Store(url), clock=FixedClock(NOW), refine_in_background=not counted)
    svc.warm()
    w = load_scenario(scenario).workshop
    if multi is not None:
        w = w.model_copy(
            update={
                "services": [
                    s.model_copy(update={"max_days": multi[1]}) if s.code == multi[0] else s
                    for s in w.services
                ]
            }
        )
    svc.put_workshop(w)
    code = next(s.code for s in w.services if s.max_days > 1)
    rng = random.Random(seed)
    days = [DAY + dt.timedelta(days=i) for i in range(3)]
    codes = [s.code for s in w.services]
    record: list[Any] = []
    stats: collections.Counter[str] = collections.Counter()
    cost: dict[str, dict[str, list[float]]] = collections.defaultdict(lambda: collections.defaultdict(list))
    counter = Counter(svc)

    def settle() -> None:
        svc.pack_idle()
        svc.refine_idle(30)

    def book(kind: str, body: dict[str, object], drop_off: dt.datetime) -> Booking | Conflict:
        booking = Booking.model_validate({"id": svc.new_booking_id(), **body, "drop_off": drop_off})
        settle()
        counter.start()
        profiling = profiler is not None and not kind.startswith("fill")
        if profiling:
            profiler.enable()
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            answer: Booking | Conflict = svc.book(w.id, booking, None)[0]
        except Conflict as refused:
            answer = refused
        t1, c1 = time.perf_counter(), time.thread_time()
        if profiling:
            profiler.disable()
        counter.on = False
        outcome = "refused" if isinstance(answer, Conflict) else "accepted"
        stats[f"{kind} {outcome}"] += 1
        if kind.startswith("fill"):
            return answer
        mine = cost[f"{kind} {outcome}"]
        mine["wall"].append((t1 - t0) * 1000)
        mine["cpu"].append((c1 - c0) * 1000)
        mine["sql"].append(counter.statements)
        mine["versions"].append(counter.versions)
        if isinstance(answer, Conflict):
            record.append(
                [kind, drop_off.isoformat(), answer.reason, [_offer(o) for o in answer.alternatives]]
            )
        else:
            promised = answer.promised.isoformat() if answer.promised else None
            record.append([kind, drop_off.isoformat(), promised])
        return answer

    def kept(
        day: dt.date,
        fleet: str | None,
        wanted: Wants,
        body: dict[str, object],
        pick: Offer,
        kind: str,
        cancel: bool,
    ) -> None:
        if kind == "cold":  # the multi-day answer dropped: the booking searches the days itself
            key = (*offers_key(w.id, day, code, False, fleet, wanted), "multi-day")
            cached = svc._offers.get(key)
            if cached is not None:
                svc._offers.put(key, cached._replace(version=((day, "gone"),)))
        answer = book(kind, body, pick.drop_off)
        if isinstance(answer, Booking):
            bad = violations(svc, w, answer.id)
            stats["invalid"] += len(bad)
            if answer.promised != pick.promised:
                stats["promise differs"] += 1
            if cancel:
                svc.cancel(w.id, answer.id)

    for _ in range(fill * 3):
        if stats["fill accepted"] >= fill:
            break
        asked = code if rng.random() < 0.15 else rng.choice(codes)
        day = rng.choice(days)
        waiter, fleet, wanted, body = _query(rng, w, asked, day)
        offers = svc.slots(SlotQuery(w.id, asked, day, waiter, fleet, wants=wanted))
        if offers:
            book("fill", body, rng.choice(offers).drop_off)
    for q in range(queries):
        day = rng.choice(days)
        waiter, fleet, wanted, body = _query(rng, w, code, day)
        settle()
        svc.slots(SlotQuery(w.id, code, day, waiter, fleet, wants=wanted))  # the plain answer cached first
        counter.start()
        if explainer is not None:
            explainer.enable()
        t0, c0 = time.perf_counter(), time.thread_time()
        offers, refused, _ = svc.explained_slots(SlotQuery(w.id, code, day, waiter, fleet, wants=wanted))
        t1, c1 = time.perf_counter(), time.thread_time()
        if explainer is not None:
            explainer.disable()
        counter.on = False
        mine = cost["explain"]
        mine["wall"].append((t1 - t0) * 1000)
        mine["cpu"].append((c1 - c0) * 1000)
        mine["sql"].append(counter.statements)
        mine["versions"].append(counter.versions)
        record.append(
            [
                "query",
                day.isoformat(),
                [_offer(o) for o in offers],
                [[t.isoformat(), why] for t, why in refused],
            ]
        )
        stats["queries"] += 1
        stats["offered"] += len(offers)
        for t, why in refused:
            if why.startswith(SKIP):
                continue
            answer = book("refusal", body, t)
            if isinstance(answer, Booking):
                stats["refused but booked"] += 1
                svc.cancel(w.id, answer.id)
            elif answer.reason != why:
                stats["reason differs"] += 1
        if not offers:
            continue
        # Up to TRIED other offered times booked and cancelled, warm then cold by turns (the
        # answer asked again first: a cancel makes new versions), then one kept, warm or cold.
        for i, other in enumerate(rng.sample(offers, min(TRIED, len(offers)))):
            settle()
            asked_again = svc.slots(SlotQuery(w.id, code, day, waiter, fleet, wants=wanted))
            again = next((o for o in asked_again if o.drop_off == other.drop_off), None)
            if again is None:
                stats["offer gone"] += 1
                continue
            kept(day, fleet, wanted, body, again, "cold" if (q + i) % 2 else "warm", cancel=True)
        pick = rng.choice(offers)
        kept(day, fleet, wanted, body, pick, "cold" if q % 2 else "warm", cancel=False)
    digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]
    summary = {
        kind: {
            f"{m}_{q}": (_pct(v, p) if q != "mean" else round(sum(v) / len(v), 2))
            for m, v in sorted(measures.items())
            for q, p in (("p50", 0.5), ("p99", 0.99), ("max", 1.0), ("mean", 0))
        }
        | {"n": len(measures["wall"])}
        for kind, measures in sorted(cost.items())
    }
    out = {"scenario": scenario, "multi": multi, "fill": fill, "seed": seed, "counted": counted,
           **stats, "digest": digest, "cost": summary}  # fmt: skip
    print(json.dumps(out), flush=True)
    if profiler is not None and profile:
        profiler.dump_stats(f"{profile}.{seed}")
    if explainer is not None and profile:
        explainer.dump_stats(f"{profile}-explain.{seed}")
    svc.close()
    return out


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    multi_arg = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--multi=")), None)
    multi = None if multi_arg is None else (multi_arg.split(":")[0], int(multi_arg.split(":")[1]))
    scenario, numbers = args[0], [int(a) for a in args[1:]]
    profile_arg = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--profile=")), None)
    for s in numbers[2:]:
        main(scenario, numbers[0], numbers[1], s, multi, "--counted" in sys.argv[1:], profile_arg)
