"""promise16-s39 (issue 16, "multi-day explain ≈ 2× a one-day explain's cost"): the counted CPU of
an explained slot answer (`GET …/slots?…&explain=true`: `PlanningService.explained_slots`, called in
this thread as the route's worker thread calls it) for the multi-day service against one-day ones,
in the same run, alternating, each with its plain answer cached first (as a desk's explain follows
its query).

    PYTHONPATH=. python -m bench.explain_md_cost SCENARIO BOOKINGS QUERIES SEED [--sample] [--dump FILE]

Fills the first two days with BOOKINGS bookings each at offered times (bench.explain_cost.filled:
random services, loan cars, parts ETAs; check-in 10 min), then asks QUERIES pairs on those days: a
multi-day query (the first service with `max_days` > 1; loan car and parts ETA drawn as for any
query), then a one-day query (a random one-day service), each `slots` once (cached) then
`explained_slots` timed by `time.thread_time()` (this thread's CPU: the background refinement runs
in another process; the process's CPU, every thread's, is printed beside as a check). Prints one
JSON line: p50/p99/mean ms per kind, their ratio, refused counts.

The multi-day answers' budgeted search (`PlanningService._multi_day_fits`) is timed apart (its
thread CPU per answer, and how many answers spent the whole `ejection_seconds` budget on it).

`--sample`: CPU sampling (`signal.setitimer(ITIMER_PROF)`, 0.5 ms of process CPU, the main thread's
frame: every timed call runs here) during the timed calls only, per kind: self and inclusive
shares per function, printed after the JSON line. `--dump FILE`: every answer (kind, query, slots,
refused, notes) as JSON lines, to compare two trees' answers.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import signal
import sys
import time
from types import FrameType
from typing import Any

from bench.advisor_soundness import DAY, _client
from bench.explain_cost import filled, wants
from scheduler.offer import SlotQuery, Wants

SAMPLE_SECONDS = 0.0005


class Sampler:
    """Self and inclusive CPU samples per (file, function), for the kind being timed."""

    def __init__(self) -> None:
        self.kind = ""
        self.own: dict[str, collections.Counter[tuple[str, str]]] = collections.defaultdict(
            collections.Counter
        )
        self.incl: dict[str, collections.Counter[tuple[str, str]]] = collections.defaultdict(
            collections.Counter
        )
        self.total: collections.Counter[str] = collections.Counter()

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if frame is None or not self.kind:
            return
        f: FrameType | None = frame
        stack: list[tuple[str, str]] = []
        while f is not None:
            stack.append((f.f_code.co_filename.split("/")[-1], f.f_code.co_name))
            f = f.f_back
        # Within the budgeted search or outside it (the rest of the answer).
        part = "search" if ("explain_md_cost.py", "timed_fits") in stack else "rest"
        for kind in (self.kind, f"{self.kind} {part}"):
            self.total[kind] += 1
            self.own[kind][stack[0]] += 1
            for key in set(stack):
                self.incl[kind][key] += 1

    def on(self, kind: str) -> None:
        self.kind = kind
        signal.setitimer(signal.ITIMER_PROF, SAMPLE_SECONDS, SAMPLE_SECONDS)

    def off(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        self.kind = ""

    def report(self) -> None:
        for kind, total in self.total.items():
            print(f"== {kind}: {total} samples")
            print("SELF")
            for k, n in self.own[kind].most_common(20):
                print(f"{n / total:6.1%} {k}")
            print("INCLUSIVE")
            for k, n in self.incl[kind].most_common(45):
                print(f"{n / total:6.1%} {k}")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _query(workshop_id: str, params: dict[str, str]) -> SlotQuery:
    eta = dt.datetime.fromisoformat(params["parts_eta"]) if "parts_eta" in params else None
    return SlotQuery(
        workshop_id,
        params["service"],
        dt.date.fromisoformat(params["date"]),
        params["waiter"] == "true",
        None,
        None,
        Wants(params["loan_car"] == "true", eta),
    )


def main(argv: list[str]) -> None:
    scenario, bookings, queries, seed = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    sample = "--sample" in argv
    dump = argv[argv.index("--dump") + 1] if "--dump" in argv else None
    c = _client()
    service = c.app.state.services.service  # type: ignore[attr-defined]
    w, _, rng, made = filled(c, scenario, bookings, seed)
    multi = next(s.code for s in w.services if s.max_days > 1)
    single = [s.code for s in w.services if s.max_days <= 1]
    days = [DAY, DAY + dt.timedelta(days=1)]
    cpu: dict[str, list[float]] = {"multi-day": [], "one-day": []}
    process: dict[str, list[float]] = {"multi-day": [], "one-day": []}  # every thread's (a check)
    refused: dict[str, int] = {"multi-day": 0, "one-day": 0}
    # The budgeted search of multi-day explain (`PlanningService._multi_day_fits`: refused times
    # tried as bookings, one `ejection_seconds` budget shared among them): its CPU per answer.
    searched: list[float] = []
    tried = [0, 0]  # times the search was given, times it found a fit for
    real_fits = service._multi_day_fits

    def timed_fits(*args: Any, **kwargs: Any) -> Any:
        t0 = time.thread_time()
        try:
            result = real_fits(*args, **kwargs)
            tried[0] += len(args[3]) if len(args) > 3 else 0
            tried[1] += len(result)
            return result
        finally:
            searched[-1] += (time.thread_time() - t0) * 1000

    service._multi_day_fits = timed_fits
    search_cpu: list[float] = []
    sampler = Sampler()
    if sample:
        signal.signal(signal.SIGPROF, sampler)
    out = open(dump, "w") if dump else None  # noqa: SIM115
    for _ in range(queries):
        for kind, code in (("multi-day", multi), ("one-day", rng.choice(single))):
            params, _ = wants(rng, w, code, rng.choice(days))
            query = _query(w.id, params)
            service.slots(query)  # the plain answer cached, as a desk's query before its explain
            if sample:
                sampler.on(kind)
            searched.append(0.0)
            c0, p0 = time.thread_time(), time.process_time()
            offers, why, notes = service.explained_slots(query)
            c1, p1 = time.thread_time(), time.process_time()
            if sample:
                sampler.off()
            cpu[kind].append((c1 - c0) * 1000)
            process[kind].append((p1 - p0) * 1000)
            if kind == "multi-day":
                search_cpu.append(searched[-1])
            refused[kind] += len(why)
            if out is not None:
                answer: dict[str, Any] = {
                    "kind": kind,
                    "query": params,
                    "slots": [(o.drop_off.isoformat(), o.promised.isoformat(), o.overbooked) for o in offers],
                    "refused": [(t.isoformat(), r) for t, r in why],
                    "notes": sorted((t.isoformat(), n) for t, n in notes.items()),
                }
                out.write(json.dumps(answer) + "\n")
    if out is not None:
        out.close()
    m, o = cpu["multi-day"], cpu["one-day"]
    result = {
        "scenario": scenario,
        "seed": seed,
        "booked": made,
        "pairs": queries,
        "multi_day": multi,
        "multi_cpu_p50": _pct(m, 0.5),
        "multi_cpu_p99": _pct(m, 0.99),
        "multi_cpu_mean": round(sum(m) / len(m), 2),
        "one_cpu_p50": _pct(o, 0.5),
        "one_cpu_p99": _pct(o, 0.99),
        "one_cpu_mean": round(sum(o) / len(o), 2),
        "ratio_p50": round(_pct(m, 0.5) / max(_pct(o, 0.5), 1e-9), 2),
        "ratio_mean": round(sum(m) / max(sum(o), 1e-9), 2),
        "process_cpu_mean": {k: round(sum(v) / len(v), 2) for k, v in process.items()},
        "multi_search_cpu_p50": _pct(search_cpu, 0.5),
        "multi_search_cpu_mean": round(sum(search_cpu) / len(search_cpu), 2),
        "multi_search_budget_ms": service.ejection_seconds * 1000,
        "multi_search_at_budget": sum(v >= service.ejection_seconds * 1000 for v in search_cpu),
        "multi_search_times": tried[0],
        "multi_search_found": tried[1],
        "refused": refused,
    }
    print(json.dumps(result), flush=True)
    if sample:
        sampler.report()
    c.close()


if __name__ == "__main__":
    main(sys.argv[1:])
