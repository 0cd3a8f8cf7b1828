"""The promise guard measured by replaying whole days (issue 13, item 8).

For each scenario, `--days` working days from 2026-11-24 are booked, planned and lived through
the API on a fixed clock that the replay moves to each event and each poll
(simulation/day_replay.py: lognormal durations around the expected, cv 0.3, 3 % of operations
overrunning x2.5 and one no-show a day; the status read every 15 simulated minutes). Writes
bench/RESULTS-replay.json and bench/RESULTS-replay.md.

    .venv/bin/python -m bench.replay_day [--days 20] [--scenario dealer-2011 --scenario small-dealer]
        [--trace T.ndjson]   # every poll recorded for bench/guard_trace.py (and each poll's inputs beside it)
        [--warm-days 20]     # 20 unscored days replayed first: the learned minutes start from a history

The replay itself is `cli.replay_day.replay_scenario` (also `bayplan replay-day`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from cli.replay_day import replay_scenario
from scheduler.promise_odds import Snapshot, end_samples
from simulation.day_replay import DayRecord, Probe, summarise

HERE = Path(__file__).parent


def run(
    name: str,
    days: int,
    seed: int,
    latency_every: int,
    downstream: bool = True,
    progress: Path | None = None,
    skip: int = 0,
    trace: Path | None = None,
    expedite: bool = True,
    first: dt.date | None = None,
    jump: bool = True,
    promise_confidence: float | None = None,
    warm_days: int = 0,
) -> tuple[dict[str, Any], list[DayRecord]]:
    records: list[DayRecord] = []

    def on_day(record: DayRecord, snapshots: list[Snapshot]) -> None:
        records.append(record)
        if trace is not None:
            write_trace(trace, name, record, snapshots)
        if progress is not None:  # the days so far, in case the run is cut short
            progress.write_text(json.dumps(summarise(records), indent=1) + "\n", encoding="utf-8")
            progress.with_suffix(".pickle").write_bytes(pickle.dumps(records))
        one = summarise([record])
        print(name, record.date, record.booked, "booked,", one["late"], "late,", one["flagged"], "flagged,",
              f"{record.seconds:.0f} s", flush=True)  # fmt: skip

    replay_scenario(
        name,
        days,
        seed,
        skip=skip,
        latency_every=latency_every,
        downstream=downstream,
        expedite=expedite,
        jump=jump,
        **({"first": first} if first is not None else {}),
        probe=_probe if trace is not None else None,
        on_day=on_day,
        promise_confidence=promise_confidence,
        warm_days=warm_days,
    )
    summary = summarise(records)
    if warm_days:  # (a cold run's figures keep their keys, as before)
        summary["warm-up days (unscored)"] = warm_days
    return summary, records


QUANTILES = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def _probe(shopfloor: Any, workshop_id: str, snapshots: list[Snapshot]) -> Probe:
    """Keep each poll's projection inputs and add the Monte Carlo's quantiles of each booking's
    lateness (minutes past the promise) to its trace row."""

    def probe(date: dt.date, moment: dt.datetime) -> dict[str, dict[str, Any]]:
        snap: Snapshot = shopfloor.snapshot(workshop_id, date, moment)
        snapshots.append(snap)
        out: dict[str, dict[str, Any]] = {}
        promised = {b.id: b.promised for b in snap.day}
        for booking, ends in end_samples(snap).items():
            due = promised.get(booking)
            if ends is None or due is None:
                continue
            late = ends - (due - moment).total_seconds() / 60
            out[booking] = {"late_q": [round(float(x), 1) for x in np.quantile(late, QUANTILES)]}
        return out

    return probe


def write_trace(trace: Path, name: str, record: DayRecord, snapshots: list[Snapshot]) -> None:
    """Append the day's rows to `trace` (NDJSON) and its polls' projection inputs beside it."""
    trace.parent.mkdir(parents=True, exist_ok=True)
    with trace.open("a", encoding="utf-8") as f:
        for row in record.trace:
            f.write(json.dumps({"scenario": name, **row}) + "\n")
    snaps = trace.with_name(f"{trace.stem}-{name}-{record.date}.snapshots.pickle.gz")
    snaps.write_bytes(gzip.compress(pickle.dumps(snapshots), compresslevel=3))


def markdown(
    results: dict[str, dict[str, Any]], title: str = "# The promise guard, replayed days", level: str = "##"
) -> str:
    lines = [title, "",
             "`.venv/bin/python -m bench.replay_day` (see its docstring); one in-process app per scenario"
             " on a fixed clock moved to each event.", ""]  # fmt: skip
    for name, r in results.items():
        lines += [f"{level} {name}", "", "| figure | value |", "|---|---|"]
        for key, value in r.items():
            if key == "if the flag were on_time_probability below a threshold (from the same polls)":
                for rule, figures in value.items():
                    lines.append(f"| flag if {rule}: {', '.join(f'{k} {v}' for k, v in figures.items())} | |")
            elif key != "reliability by decile of on_time_probability":
                lines.append(f"| {key} | {value} |")
        lines += ["", "Reliability of `on_time_probability` (every poll of every open booking):", "",
                  "| decile | n | predicted | observed on time |", "|---|---|---|---|"]  # fmt: skip
        for d in r["reliability by decile of on_time_probability"]:
            lines.append(f"| {d['decile']} | {d['n']} | {d['predicted']} | {d['observed']} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenario", action="append", default=None)
    parser.add_argument("--latency-every", type=int, default=5, help="time the status after every n-th event")
    parser.add_argument("--out", default=str(HERE / "RESULTS-replay"))
    parser.add_argument(
        "--no-downstream",
        action="store_true",
        help="project each booking on its own planned times (the guard before the downstream projection)",
    )
    parser.add_argument(
        "--trace",
        default=None,
        help="append every poll to this NDJSON file (and keep the polls' inputs beside it)",
    )
    parser.add_argument(
        "--no-expedite",
        action="store_true",
        help="live re-plans ignore the promise guard (the baseline: at-risk bookings are not moved earlier)",
    )
    parser.add_argument(
        "--no-jump",
        action="store_true",
        help="at-risk bookings are moved only into room the plan has, never ahead of other work",
    )
    parser.add_argument(
        "--promise-confidence",
        type=float,
        default=None,
        help="the desk promises at this confidence (Workshop.promise_confidence, 0.5-0.99; default: the "
        "scenario's own, none: the buffer and handover rule)",
    )
    parser.add_argument("--first", default=None, help="the first day replayed (ISO date; default 2026-11-24)")
    parser.add_argument("--skip", type=int, default=0, help="leave out the first n days (a run in parts)")
    parser.add_argument(
        "--warm-days",
        type=int,
        default=0,
        help="first replay n working days before --first, unscored (no latency timed, no trace), so the "
        "learned minutes start from a clocked history as in a workshop in use (default 0: none, as before)",
    )
    parser.add_argument(
        "--merge", nargs="*", default=None, help="summarise the days of earlier runs' .partial.pickle files"
    )
    args = parser.parse_args()
    results = {}
    out = Path(args.out)
    names = args.scenario or ["dealer-2011", "small-dealer"]
    for name in names:
        if args.merge is not None:
            records = [r for f in args.merge if name in f for r in pickle.loads(Path(f).read_bytes())]
            results[name] = summarise(sorted(records, key=lambda r: r.date))
            continue
        progress = out.with_name(f"{out.name}-{name}.partial.json")
        results[name], _ = run(
            name,
            args.days,
            args.seed,
            args.latency_every,
            not args.no_downstream,
            progress,
            args.skip,
            Path(args.trace) if args.trace else None,
            not args.no_expedite,
            dt.date.fromisoformat(args.first) if args.first else None,
            not args.no_jump,
            args.promise_confidence,
            args.warm_days,
        )
    out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
