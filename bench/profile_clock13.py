"""Where a clock event's request spends its time (clock13-s45): one dealer-2011 day lived through
in-process (simulation/day_replay.py, as bench/clock_cpu.py does), each phase of `ShopFloor.clock`
timed (its thread's CPU, `time.thread_time`, and wall time, inclusive of what it calls), and the
whole POST as the replay's client sees it; the events of the second half of the day (many events
stored) reported apart. With `--profile`, cProfile over `ShopFloor.clock` of those events too.

    PYTHONPATH=. .venv/bin/python -m bench.profile_clock13 [--db sqlite|postgresql] [--profile N]

`--db postgresql` uses BAYPLAN_TEST_PG_URL's server: a fresh database made and dropped.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import gc
import io
import json
import os
import pstats
import statistics
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

import sqlalchemy as sa
from sqlalchemy.orm.session import SessionTransaction

import scheduler.clock_intake as intake
import scheduler.shopfloor as shopfloor_module
from api.app import create_app
from bench.clock import NOW
from scheduler.clock import ShiftedClock
from scheduler.scenarios import load_scenario
from scheduler.shopfloor import ShopFloor
from scheduler.storage import clock_events as events_db
from scheduler.storage import plans as plans_db
from scheduler.storage.store import Store
from simulation.day_replay import percentile, replay_day

_local = threading.local()


def _current() -> dict[str, list[float]] | None:
    return getattr(_local, "phases", None)


def _wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def timed(*args: Any, **kwargs: Any) -> Any:
        phases = _current()
        if phases is None:
            return fn(*args, **kwargs)
        c0, t0 = time.thread_time(), time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            got = phases.setdefault(name, [0.0, 0.0, 0])
            got[0] += (time.thread_time() - c0) * 1000
            got[1] += (time.perf_counter() - t0) * 1000
            got[2] += 1

    return timed


def _patch(where: object, attribute: str, name: str, undo: list[tuple[object, str, Any]]) -> None:
    original = getattr(where, attribute)
    undo.append((where, attribute, original))
    setattr(where, attribute, _wrap(name, original))


@contextmanager
def instrumented() -> Iterator[None]:
    undo: list[tuple[object, str, Any]] = []
    # record(): its steps (patched where clock_intake calls them)
    _patch(Store, "lock_workshop", "record: lock_workshop (SELECT ... FOR UPDATE / BEGIN IMMEDIATE)", undo)
    _patch(events_db, "by_idempotency_key", "record: idempotency lookup", undo)
    _patch(intake, "_date_of", "record: _date_of (booking row, carries_into)", undo)
    _patch(ShopFloor, "_day", "record: read_day (day_version + cached day)", undo)
    _patch(events_db, "day_events", "record/answer: day_events (all the day's rows)", undo)
    _patch(intake, "event_from_record", "record: event_from_record (rows -> ClockEvent)", undo)
    _patch(intake, "_event_values", "record: _event_values (booking row, checks)", undo)
    _patch(intake, "_check", "record: _check (replay_in_bays of the day)", undo)
    _patch(ShopFloor, "_plan", "record: read_plan (plan row + cached parse)", undo)
    _patch(plans_db, "keep_baseline", "record: keep_baseline", undo)
    _patch(plans_db, "mark_live", "record: mark_live", undo)
    _patch(events_db, "add", "record: add + flush (INSERT)", undo)
    _patch(SessionTransaction, "commit", "DB: commit (SessionTransaction.commit)", undo)
    _patch(shopfloor_module, "record", "record (total)", undo)
    # the answer
    _patch(ShopFloor, "_booking_answer", "answer: _booking_answer (total)", undo)
    _patch(shopfloor_module, "live_now", "answer: live_now", undo)
    _patch(shopfloor_module, "learned_speeds", "answer: learned_speeds", undo)
    _patch(shopfloor_module, "booking_projection", "answer: booking_projection (MC of the booking)", undo)
    _patch(shopfloor_module, "booking_status", "answer: booking_status", undo)
    _patch(shopfloor_module, "reprojected", "answer: reprojected", undo)
    _patch(shopfloor_module, "guarded", "answer: guarded", undo)
    _patch(events_db, "spells", "answer: spells (risk spells query)", undo)
    _patch(shopfloor_module, "with_risk_history", "answer: with_risk_history", undo)
    _patch(shopfloor_module, "replay", "answer: replay (out-of-order as_of)", undo)
    _patch(shopfloor_module, "answer_moment", "answer: answer_moment", undo)
    try:
        yield
    finally:
        for where, attribute, original in reversed(undo):
            setattr(where, attribute, original)


_pauses: list[tuple[float, float, int]] = []
_gc_start = [0.0]


def _on_gc(stage: str, info: dict[str, int]) -> None:
    if stage == "start":
        _gc_start[0] = time.perf_counter()
    else:
        _pauses.append((_gc_start[0], time.perf_counter(), info["generation"]))


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 2),
        "p99": round(percentile(values, 0.99), 2),
        "mean": round(statistics.fmean(values), 2),
    }


def measure(db: str, date: dt.date, seed: int, profile_from: int) -> dict[str, Any]:
    scenario = load_scenario("dealer-2011")
    per_event: list[dict[str, list[float]]] = []
    totals: list[tuple[float, float]] = []
    http_ms: list[float] = []
    http_cpu: list[float] = []
    profiler = cProfile.Profile()
    original = ShopFloor.clock
    calls = 0

    def timed(self: ShopFloor, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        _local.phases = {}
        profiling = profile_from and calls >= profile_from
        c0, t0 = time.thread_time(), time.perf_counter()
        if profiling:
            profiler.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            if profiling:
                profiler.disable()
            t1 = time.perf_counter()
            totals.append(((time.thread_time() - c0) * 1000, (t1 - t0) * 1000))
            for s, e, g in _pauses:
                if e > t0 and s < t1:
                    got = _local.phases.setdefault(f"GC pause, generation {g}", [0.0, 0.0, 0])
                    got[1] += (min(e, t1) - max(s, t0)) * 1000
                    got[0] += (min(e, t1) - max(s, t0)) * 1000  # (wall, as CPU: the GC holds the GIL)
                    got[2] += 1
            _pauses.clear()
            per_event.append(_local.phases)
            _local.phases = None

    # the whole POST as the client sees it (TestClient: the app in this process)
    def wrap_client(http: TestClient) -> TestClient:
        post = http.post

        def timed_post(url: str, *args: Any, **kwargs: Any) -> Any:
            t0, c0 = time.perf_counter(), time.process_time()
            got = post(url, *args, **kwargs)
            if url.endswith("/clock") and got.status_code == 201:
                http_ms.append((time.perf_counter() - t0) * 1000)
                http_cpu.append((time.process_time() - c0) * 1000)
            return got

        http.post = timed_post  # type: ignore[method-assign]
        return http

    admin = None
    name = None
    with tempfile.TemporaryDirectory() as tmp:
        if db == "postgresql":
            pg = os.environ["BAYPLAN_TEST_PG_URL"]
            admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
            name = f"clock13_{uuid.uuid4().hex[:8]}"
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = sa.make_url(pg).set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{tmp}/prof.db"
        ShopFloor.clock = timed  # type: ignore[method-assign]
        gc.callbacks.append(_on_gc)
        try:
            with instrumented():
                app = create_app(url, auth=False, clock=ShiftedClock(NOW))
                with TestClient(app) as http:
                    ws = scenario.workshop
                    http.put(f"/v1/workshops/{ws.id}", content=ws.model_dump_json(),
                             headers={"content-type": "application/json"}).raise_for_status()  # fmt: skip
                    replay_day(wrap_client(http), scenario, date, seed, latency_every=1)  # type: ignore[arg-type]
        finally:
            gc.callbacks.remove(_on_gc)
            ShopFloor.clock = original  # type: ignore[method-assign]
            if admin is not None:
                with admin.connect() as connection:
                    connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    half = len(totals) // 2
    report: dict[str, Any] = {
        "db": db,
        "day": f"dealer-2011 {date.isoformat()}, seed {seed}",
        "events": len(totals),
        "loadavg at the end": [round(x, 2) for x in os.getloadavg()],
    }
    for label, lo in (("all events", 0), ("second half of the day", half)):
        section: dict[str, Any] = {
            "ShopFloor.clock CPU ms": _stats([c for c, _ in totals[lo:]]),
            "ShopFloor.clock wall ms": _stats([w for _, w in totals[lo:]]),
            "POST (TestClient) wall ms": _stats(http_ms[lo:]),
            "POST (TestClient) process CPU ms (every thread)": _stats(http_cpu[lo:]),
        }
        names = sorted({n for p in per_event[lo:] for n in p})
        phases = {}
        for n in names:
            cpu = [p.get(n, [0.0, 0.0, 0])[0] for p in per_event[lo:]]
            wall = [p.get(n, [0.0, 0.0, 0])[1] for p in per_event[lo:]]
            count = sum(p.get(n, [0.0, 0.0, 0])[2] for p in per_event[lo:])
            phases[n] = {
                "calls/event": round(count / len(per_event[lo:]), 2),
                "CPU ms mean": round(statistics.fmean(cpu), 2),
                "CPU ms p99": round(percentile(cpu, 0.99), 2),
                "wall ms mean": round(statistics.fmean(wall), 2),
            }
        section["phases (inclusive)"] = dict(sorted(phases.items(), key=lambda item: -item[1]["CPU ms mean"]))
        report[label] = section
    slowest = sorted(range(len(totals)), key=lambda i: -totals[i][1])[:6]
    report["slowest events (wall): phases over 2 ms"] = [
        {
            "event #": i + 1,
            "CPU ms": round(totals[i][0], 1),
            "wall ms": round(totals[i][1], 1),
            "phases [CPU, wall]": {
                n: [round(c, 1), round(w, 1)] for n, (c, w, _) in per_event[i].items() if w > 2
            },
        }
        for i in slowest
    ]
    if profile_from:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        report["cProfile"] = out.getvalue()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2026, 11, 24))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0, help="cProfile the clock events from the n-th on")
    parser.add_argument("--out", help="write the JSON here too")
    args = parser.parse_args()
    report = measure(args.db, args.date, args.seed, args.profile)
    profile = report.pop("cProfile", None)
    text = json.dumps(report, indent=1)
    print(text)
    if profile:
        print(profile)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n" + (profile or ""))


if __name__ == "__main__":
    main()
