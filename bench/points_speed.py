"""CPU of the ejection chains' search, old `_points` against new, on the same inputs in one run.

The inputs are the `eject_and_fit` calls the immediate slot answers make on small-dealer days,
filled as `bench.slots` fills them (60 attempts; the answers of every service, waiter or not,
after 40 and 60). Each call is replayed with a clock that counts the chain's deadline checks
(`--steps` of them per call), so both implementations do the same search, step for step; the
results must be equal. Both implementations are `scheduler/ejection.py` at a commit (`--old`,
`--new`; git show), each loaded as a module of its own; the days are filled by the checked-out
`scheduler.slots`. The implementations alternate round by round; CPU is
`time.process_time` per call.

    PYTHONPATH=. nice -n 10 .venv/bin/python -m bench.points_speed --old 55480fd --new 82d1d2c
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import pickle
import random
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

import scheduler.slots as slots
from bench.slots import DATE, OPEN, book_one
from scheduler.scenarios import load_scenario
from scheduler.slots import DayBook

Call = tuple[Any, ...]


def capture(seed: int) -> list[bytes]:
    """The `eject_and_fit` calls of the immediate answers on one seed's small-dealer days."""
    calls: list[bytes] = []
    real = slots.eject_and_fit

    def spy(problem: Any, own: Any, job: Any, deadline: float, *rest: Any) -> Any:
        shallowest, deepest, _, push, tightness = (*rest, *[1, 3, None, False, 0][len(rest) :])[:5]
        calls.append(
            pickle.dumps((problem, [list(o) for o in own], job, shallowest, deepest, push, tightness))
        )
        return real(problem, own, job, deadline, *rest)

    slots.eject_and_fit = spy  # type: ignore[assignment]
    try:
        scenario = load_scenario("small-dealer")
        workshop, demand = scenario.workshop, scenario.demand
        rng = random.Random(seed)
        codes = [c for c in demand.mix if c not in demand.promise.multi_day]
        weights = [demand.mix[c] for c in codes]
        accepted: list[Any] = []
        for attempt in range(1, 61):
            accepted = book_one(workshop, demand, accepted, rng, codes, weights, attempt)
            if attempt in (40, 60):
                full = DayBook(workshop, DATE, accepted, OPEN)
                full.pack()
                for code in codes:
                    for waiter in (False, True):
                        full.offers(code, waiter, exact_seconds=0.0, ejection_seconds=0.025)
    finally:
        slots.eject_and_fit = real
    return calls


def module_at(commit: str, name: str) -> types.ModuleType:
    source = subprocess.run(
        ["git", "show", f"{commit}:scheduler/ejection.py"], check=True, capture_output=True, text=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def replay(module: types.ModuleType, calls: list[Call], steps: int) -> tuple[list[Any], list[float]]:
    readings = itertools.count()
    module.time = types.SimpleNamespace(thread_time=lambda: next(readings))  # type: ignore[attr-defined]
    results, cpu = [], []
    for problem, own, job, shallowest, deepest, push, tightness in calls:
        began = time.process_time()
        found = module.eject_and_fit(
            problem, own, job, next(readings) + steps, shallowest, deepest, None, push, tightness
        )
        cpu.append(time.process_time() - began)
        results.append(found)
    return results, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--steps", type=int, default=3000, help="deadline checks per chain")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--old", default="55480fd", help="main before the change")
    parser.add_argument("--new", default="82d1d2c", help="the patched busy index")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    old, new = module_at(args.old, "ejection_old"), module_at(args.new, "ejection_new")
    calls = [pickle.loads(c) for seed in args.seeds for c in capture(seed)]
    totals = {"old": 0.0, "new": 0.0}
    rounds = []
    for r in range(args.rounds):
        order = [("old", old), ("new", new)] if r % 2 == 0 else [("new", new), ("old", old)]
        got: dict[str, tuple[list[Any], list[float]]] = {}
        for name, module in order:
            got[name] = replay(module, calls, args.steps)
        same = sum(a == b for a, b in zip(got["old"][0], got["new"][0], strict=True))
        old_cpu, new_cpu = sum(got["old"][1]), sum(got["new"][1])
        totals["old"] += old_cpu
        totals["new"] += new_cpu
        per_call = sorted(o / n for o, n in zip(got["old"][1], got["new"][1], strict=True) if n > 0)
        row = {
            "round": r,
            "first": order[0][0],
            "calls": len(calls),
            "found": sum(x is not None for x in got["old"][0]),
            "found new": sum(x is not None for x in got["new"][0]),
            "same results": same,
            "old CPU s": round(old_cpu, 3),
            "new CPU s": round(new_cpu, 3),
            "old/new": round(old_cpu / new_cpu, 3),
            "per-call old/new p10/p50/p90": [
                round(per_call[int(q * (len(per_call) - 1))], 2) for q in (0.1, 0.5, 0.9)
            ],
            "load": round(float(Path("/proc/loadavg").read_text().split()[0]), 2),
        }
        rounds.append(row)
        print(json.dumps(row), flush=True)
    summary = {
        "steps": args.steps,
        "seeds": args.seeds,
        "old/new pooled": round(totals["old"] / totals["new"], 3),
    }
    print(json.dumps(summary))
    if args.out:
        args.out.write_text(json.dumps({"rounds": rounds, **summary}, indent=1))


if __name__ == "__main__":
    main()
