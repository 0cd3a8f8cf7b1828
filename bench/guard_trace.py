"""The promise guard evaluated offline, from the trace of replayed days (issue 13, items 3 and 8).

`bench/replay_day.py --trace T.ndjson` records each replay once: a row per poll of every open
booking (what the status said, the Monte Carlo's lateness quantiles), a row per operation worked
(start, end, expected minutes, the drawn factor and whether it was a large overrun) and a row per
booking (drop-off, promise, actual end), and beside it each poll's projection inputs
(`scheduler.promise_odds.Snapshot`). This module evaluates guard rules on those rows in seconds,
re-projects the polls under other duration models, and analyses why late bookings are missed.
Rules are chosen on training days and reported on the other days (never tuned and reported on the
same days).

    .venv/bin/python -m bench.guard_trace T.ndjson [--scenario dealer-2011] [--reproject] [--json OUT]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import math
import pickle
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scheduler.promise_odds import DurationModel, Snapshot, end_samples

AHEAD = dt.timedelta(minutes=60)
MOVED = dt.timedelta(minutes=15)
"""A re-plan moved a booking: its last operation's planned end moved at least this much earlier, or
its technician changed, after the booking was first flagged."""

Row = dict[str, Any]
Rule = Callable[[Row], bool]


def _t(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


@dataclass
class Booking:
    scenario: str
    date: str
    booking: str
    drop_off: dt.datetime
    promised: dt.datetime
    end: dt.datetime | None
    polls: list[Row] = field(default_factory=list)
    ops: list[Row] = field(default_factory=list)

    @property
    def late(self) -> bool:
        return self.end is None or self.end > self.promised

    @property
    def lateness(self) -> float:
        """Minutes past the promise (negative: early; unfinished: the end of the day)."""
        end = self.end or dt.datetime.combine(self.promised.date(), dt.time(23, 59), self.promised.tzinfo)
        return (end - self.promised).total_seconds() / 60

    def deadline(self) -> dt.datetime:
        """Flagged in time: 60 minutes before the promise, or at the first poll after drop-off."""
        first = _t(self.polls[0]["now"]) if self.polls else self.drop_off
        assert first is not None
        return max(self.promised - AHEAD, first)


def load(paths: Iterable[Path], scenario: str | None = None) -> dict[str, list[Booking]]:
    """The traced bookings per scenario (promised, not no-shows), their polls and operations."""
    polls: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    ops_by_day: dict[tuple[str, str], list[Row]] = defaultdict(list)
    outcomes: list[Row] = []
    for path in paths:
        with path.open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                if scenario is not None and row["scenario"] != scenario:
                    continue
                if row["type"] == "poll":
                    polls[(row["scenario"], row["date"], row["booking"])].append(row)
                elif row["type"] == "op":
                    ops_by_day[(row["scenario"], row["date"])].append(row)
                else:
                    outcomes.append(row)
    out: dict[str, list[Booking]] = defaultdict(list)
    seen: set[tuple[str, str, str]] = set()
    for o in outcomes:
        key = (o["scenario"], o["date"], o["booking"])
        if o["no_show"] or o["promised"] is None or key in seen:
            continue
        seen.add(key)
        drop_off, promised = _t(o["drop_off"]), _t(o["promised"])
        assert drop_off is not None and promised is not None
        b = Booking(o["scenario"], o["date"], o["booking"], drop_off, promised, _t(o["end"]))
        b.polls = sorted(polls.get(key, []), key=lambda r: r["now"])
        b.ops = [r for r in ops_by_day.get((o["scenario"], o["date"]), []) if r["booking"] == o["booking"]]
        out[o["scenario"]].append(b)
    for day_ops in ops_by_day.values():
        for r in day_ops:
            r["_start"], r["_end"] = _t(r["start"]), _t(r["end"])
    _DAY_OPS.update(ops_by_day)
    return dict(out)


_DAY_OPS: dict[tuple[str, str], list[Row]] = {}


def _moved(polls: Sequence[Row], since: str) -> bool:
    """A re-plan moved the booking after `since`: its planned end earlier by `MOVED`, or another
    technician."""
    before = next((r for r in reversed(polls) if r["now"] <= since), None)
    if before is None:
        return False
    end0 = _t(before.get("planned_end"))
    for r in polls:
        if r["now"] <= since:
            continue
        if r.get("technician") != before.get("technician"):
            return True
        end1 = _t(r.get("planned_end"))
        if end0 is not None and end1 is not None and end1 <= end0 - MOVED:
            return True
    return False


def evaluate(bookings: Sequence[Booking], rule: Rule) -> dict[str, Any]:
    """The guard's figures under `rule` (a poll row → flagged): flagged-ahead share of the late
    bookings; false alarms as the replay report counts them (on time, still flagged at the last
    poll before done) and strictly (on time, and no re-plan moved it after its first flag)."""
    late = [b for b in bookings if b.late]
    ahead = flagged = false_last = false_strict = 0
    for b in bookings:
        flags = [rule(r) for r in b.polls]
        first = next((r["now"] for r, f in zip(b.polls, flags, strict=True) if f), None)
        if first is None:
            continue
        flagged += 1
        if b.late:
            ahead += _t(first) <= b.deadline()  # type: ignore[operator]
        else:
            false_last += flags[-1]
            false_strict += not _moved(b.polls, first)
    return {
        "late": len(late),
        "flagged ahead share": round(ahead / len(late), 3) if late else None,
        "flagged": flagged,
        "false alarm share": round(false_last / flagged, 3) if flagged else None,
        "false alarm share (strict)": round(false_strict / flagged, 3) if flagged else None,
    }


def reliability(bookings: Sequence[Booking], key: str = "on_time_probability") -> list[dict[str, Any]]:
    pairs = [(float(r[key]), not b.late) for b in bookings for r in b.polls if r.get(key) is not None]
    out = []
    for i in range(10):
        lo, hi = i / 10, (i + 1) / 10
        inside = [(p, ok) for p, ok in pairs if lo <= p < hi or (i == 9 and p == 1.0)]
        out.append({
            "decile": f"{lo:.1f}-{hi:.1f}", "n": len(inside),
            "predicted": round(statistics.fmean(p for p, _ in inside), 3) if inside else None,
            "observed": round(statistics.fmean(ok for _, ok in inside), 3) if inside else None,
        })  # fmt: skip
    return out


def brier(bookings: Sequence[Booking], key: str = "on_time_probability") -> float:
    pairs = [(float(r[key]), not b.late) for b in bookings for r in b.polls if r.get(key) is not None]
    return round(statistics.fmean((p - ok) ** 2 for p, ok in pairs), 4) if pairs else math.nan


# Why late bookings are missed
def _overrun_cause(b: Booking) -> tuple[str, dt.datetime | None]:
    """ "own" (one of its operations overran), "queue" (an overrun ahead of it on its technician or
    bay that day), or "none"; and when the earliest such overrun became visible (its start plus
    its expected minutes: from then on it runs past what was expected)."""
    own = [r for r in b.ops if r["overrun"]]
    if own:
        first = min(own, key=lambda r: r["_start"])
        return "own", first["_start"] + dt.timedelta(minutes=first["expected"])
    day = _DAY_OPS.get((b.scenario, b.date), [])
    mine = b.ops
    if not mine:
        return "none", None
    techs = {r["technician"] for r in mine}
    bays = {r["bay"] for r in mine}
    last_start = max(r["_start"] for r in mine)
    ahead = [
        r for r in day
        if r["overrun"] and r["booking"] != b.booking and (r["technician"] in techs or r["bay"] in bays)
        and r["_start"] < last_start and r["_end"] > b.drop_off
    ]  # fmt: skip
    if ahead:
        first = min(ahead, key=lambda r: r["_start"])
        return "queue", first["_start"] + dt.timedelta(minutes=first["expected"])
    return "none", None


def lateness_analysis(bookings: Sequence[Booking], rule: Rule) -> dict[str, Any]:
    """How late the late bookings are, what made them late, and when it could be seen."""
    late = [b for b in bookings if b.late]
    bins = [(0, 5), (5, 15), (15, 30), (30, 60), (60, 120), (120, 10**6)]
    hist = {f"{lo}-{hi if hi < 10**6 else ''} min": 0 for lo, hi in bins}
    for b in late:
        for lo, hi in bins:
            if lo < b.lateness <= hi or (lo == 0 and b.lateness <= 0):
                hist[f"{lo}-{hi if hi < 10**6 else ''} min"] += 1
                break
    causes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for b in late:
        cause, visible = _overrun_cause(b)
        flags = [r["now"] for r in b.polls if rule(r)]
        caught = bool(flags) and _t(flags[0]) <= b.deadline()  # type: ignore[operator]
        c = causes[cause]
        c["late"] += 1
        c["flagged ahead"] += caught
        if visible is not None:
            c["visible only after the deadline (promise - 60 min)"] += visible > b.deadline()
        first = b.polls[0] if b.polls else None
        if first is not None and first.get("projected_end") and _t(first["projected_end"]) > b.promised:  # type: ignore[operator]
            c["projected late already at the first poll after drop-off (over-full)"] += 1
    late_minutes = sorted(b.lateness for b in late)
    return {
        "late": len(late),
        "lateness minutes p25 / p50 / p75 / p90": [
            round(float(np.quantile(late_minutes, q)), 1) for q in (0.25, 0.5, 0.75, 0.9)
        ]
        if late
        else None,
        "lateness histogram": hist,
        "by cause": {k: dict(v) for k, v in causes.items()},
    }


# Re-projection under other duration models
def reproject(
    traces: Sequence[Path], scenario: str, bookings: Sequence[Booking], models: dict[str, DurationModel]
) -> float:
    """Add `p:<name>` and `q:<name>` (lateness quantiles 0.05…0.95) to every poll row from the
    polls' stored projection inputs; returns the seconds it took."""
    began = time.perf_counter()
    rows = {(b.date, r["now"], b.booking): r for b in bookings for r in b.polls}
    dates = sorted({b.date for b in bookings})
    qs = np.linspace(0.05, 0.95, 19)
    for date in dates:
        found = [t.with_name(f"{t.stem}-{scenario}-{date}.snapshots.pickle.gz") for t in traces]
        path = next((p for p in found if p.exists()), None)
        if path is None:
            continue
        snaps: list[Snapshot] = pickle.loads(gzip.decompress(path.read_bytes()))
        for snap in snaps:
            promised = {b.id: b.promised for b in snap.day}
            now = snap.now.isoformat()
            for name, model in models.items():
                for booking, ends in end_samples(snap, model=model).items():
                    row = rows.get((date, now, booking))
                    due = promised.get(booking)
                    if row is None or due is None:
                        continue
                    if ends is None:
                        row[f"p:{name}"], row[f"q:{name}"] = 0.0, [math.inf] * len(qs)
                        continue
                    late = ends - (due - snap.now).total_seconds() / 60
                    row[f"p:{name}"] = float(np.mean(late <= 1e-9))
                    row[f"q:{name}"] = [float(x) for x in np.quantile(late, qs)]
    return time.perf_counter() - began


def learned_overruns(bookings: Sequence[Booking], cv: float = 0.3) -> DurationModel:
    """The large-overrun share and factor learned from the operations finished on these days: a
    two-part mixture of the log of actual / expected minutes (the lognormal of `cv`, and the same
    shifted by log factor) fitted by expectation-maximisation."""
    seen: set[tuple[str, str, int]] = set()
    logs = []
    for b in bookings:
        for r in b.ops:
            key = (b.date, r["booking"], r["operation"])
            if key in seen:
                continue
            seen.add(key)
            minutes = (r["_end"] - r["_start"]).total_seconds() / 60
            logs.append(math.log(max(minutes, 0.5) / max(1, r["expected"])))
    if not logs:
        return DurationModel()
    x = np.asarray(logs)
    sigma = math.sqrt(math.log(1 + cv * cv))
    mu = -sigma * sigma / 2
    share, shift = 0.05, math.log(2.0)
    for _ in range(200):
        a = (1 - share) * np.exp(-0.5 * ((x - mu) / sigma) ** 2)
        o = share * np.exp(-0.5 * ((x - mu - shift) / sigma) ** 2)
        resp = o / np.maximum(a + o, 1e-300)
        share = float(resp.mean())
        if resp.sum() <= 0:
            break
        shift = max(float((resp * (x - mu)).sum() / resp.sum()), 0.0)
    return DurationModel(cv=cv, overrun_share=round(share, 4), overrun_factor=round(math.exp(shift), 2))


def choose(bookings: Sequence[Booking], rules: dict[str, Rule], cap: float = 0.10) -> str:
    """The rule flagging the largest share ahead with false alarms (as the replay report counts
    them) at most `cap` on these days; if none keeps the cap, the one with the fewest false alarms."""
    scored = {name: evaluate(bookings, rule) for name, rule in rules.items()}
    ok = [n for n, s in scored.items() if (s["false alarm share"] or 0) <= cap]
    if ok:
        return max(
            ok, key=lambda n: (scored[n]["flagged ahead share"] or 0, -(scored[n]["false alarm share"] or 0))
        )
    return min(scored, key=lambda n: scored[n]["false alarm share"] or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("trace", nargs="+")
    parser.add_argument("--scenario", default=None)
    parser.add_argument("--train", type=int, default=10, help="the first n days train, the rest test")
    parser.add_argument("--reproject", action="store_true")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    paths = [Path(p) for p in args.trace]
    report: dict[str, Any] = {}
    for scenario, bookings in sorted(load(paths, args.scenario).items()):
        dates = sorted({b.date for b in bookings})
        train_days, test_days = set(dates[: args.train]), set(dates[args.train :])
        train = [b for b in bookings if b.date in train_days]
        test = [b for b in bookings if b.date in test_days]
        print(f"## {scenario}: {len(dates)} days, train {len(train_days)}, test {len(test_days)}", flush=True)
        baseline: Rule = lambda r: bool(r["at_risk"])  # noqa: E731
        r: dict[str, Any] = {
            "days": dates,
            "train days": sorted(train_days),
            "baseline (live at_risk), all days": evaluate(bookings, baseline),
            "lateness analysis (live at_risk), all days": lateness_analysis(bookings, baseline),
        }
        print(json.dumps(r["baseline (live at_risk), all days"]), flush=True)
        print(json.dumps(r["lateness analysis (live at_risk), all days"], indent=1), flush=True)
        models = {"plain": DurationModel()}
        if args.reproject:
            models["mixture"] = learned_overruns(train)
            r["mixture learned on the training days"] = vars(models["mixture"])
            seconds = reproject(paths, scenario, bookings, models)
            r["reprojection seconds"] = round(seconds, 1)
            print("reprojected in", round(seconds, 1), "s; mixture", models["mixture"], flush=True)
        curves: dict[str, Any] = {}
        qs = [round(x, 2) for x in np.linspace(0.05, 0.95, 19)]
        for name in models if args.reproject else []:
            rules: dict[str, Rule] = {}
            for i, q in enumerate(qs):
                rules[f"{name} q{q}"] = lambda row, i=i, name=name: row[f"q:{name}"][i] > 0
            pick = choose(train, rules)
            curves[name] = {
                "chosen on the training days": pick,
                "train": evaluate(train, rules[pick]),
                "test": evaluate(test, rules[pick]),
                "test curve": {n: evaluate(test, rule) for n, rule in rules.items()},
                "reliability (test)": reliability(test, f"p:{name}"),
                "brier (test)": brier(test, f"p:{name}"),
            }
            print(name, pick, "train", curves[name]["train"], "test", curves[name]["test"], flush=True)
            for n, v in curves[name]["test curve"].items():
                print("  ", n, v)
        r["curves"] = curves
        report[scenario] = r
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
