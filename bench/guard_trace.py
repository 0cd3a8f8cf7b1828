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

from scheduler.promise_odds import DurationModel, GuardRule, Snapshot, end_samples

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
    """The guard's figures under `rule` (a poll row → flagged)."""
    return evaluate_flags(bookings, [[rule(r) for r in b.polls] for b in bookings])


def evaluate_flags(
    bookings: Sequence[Booking], flagged_polls: Sequence[Sequence[bool] | np.ndarray]
) -> dict[str, Any]:
    """The guard's figures from each booking's flags per poll: flagged-ahead share of the late
    bookings; false alarms as the replay report counts them (on time, still flagged at the last
    poll before done) and strictly (on time, and no re-plan moved it after its first flag)."""
    late = [b for b in bookings if b.late]
    ahead = flagged = false_last = false_strict = 0
    for b, flags in zip(bookings, flagged_polls, strict=True):
        first = next((r["now"] for r, f in zip(b.polls, flags, strict=True) if f), None)
        if first is None:
            continue
        flagged += 1
        if b.late:
            ahead += _t(first) <= b.deadline()  # type: ignore[operator]
        else:
            false_last += bool(flags[-1])
            false_strict += not _moved(b.polls, first)
    return {
        "late": len(late),
        "flagged ahead share": round(ahead / len(late), 3) if late else None,
        "flagged": flagged,
        "false alarm share": round(false_last / flagged, 3) if flagged else None,
        "false alarm share (strict)": round(false_strict / flagged, 3) if flagged else None,
    }


QS = [round(float(x), 2) for x in np.linspace(0.05, 0.95, 19)]


@dataclass
class PhaseData:
    """Per booking: the point projection's flag, the early-phase mask and the lateness quantiles
    (polls x 19) of one model, for evaluating the two-phase quantile rules fast."""

    at_risk: list[np.ndarray]
    early: list[np.ndarray]
    q: list[np.ndarray]

    def flags(self, early_q: float | None, late_q: float | None) -> list[np.ndarray]:
        out = []
        for risk, early, q in zip(self.at_risk, self.early, self.q, strict=True):
            f = risk.copy()
            if early_q is not None and len(q):
                f |= early & (q[:, QS.index(early_q)] > 0)
            if late_q is not None and len(q):
                f |= ~early & (q[:, QS.index(late_q)] > 0)
            out.append(f)
        return out


def phase_data(bookings: Sequence[Booking], model: str, rule: GuardRule) -> PhaseData:
    at_risk, early, qs = [], [], []
    for b in bookings:
        at_risk.append(np.array([bool(r["at_risk"]) for r in b.polls], dtype=bool))
        moments = [_t(r["now"]) for r in b.polls]
        early.append(np.array([rule.early_phase(b.promised, b.drop_off, m) for m in moments], dtype=bool))  # type: ignore[arg-type, type-var]
        qs.append(np.array([r[f"q:{model}"] for r in b.polls], dtype=float).reshape(len(b.polls), len(QS)))
    return PhaseData(at_risk, early, qs)


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


def _pick(scored: dict[Any, dict[str, Any]], cap: float) -> Any:
    """The rule flagging the largest share ahead with false alarms (as the replay report counts
    them) at most `cap`; if none keeps the cap, the one with the fewest false alarms."""
    ok = [n for n, v in scored.items() if (v["false alarm share"] or 0) <= cap]
    if ok:
        return max(
            ok, key=lambda n: (scored[n]["flagged ahead share"] or 0, -(scored[n]["false alarm share"] or 0))
        )
    return min(scored, key=lambda n: scored[n]["false alarm share"] or 0)


def _pooled(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Figures of several scenarios' days together (weighted by their bookings)."""
    late = sum(p["late"] for p in parts)
    flagged = sum(p["flagged"] for p in parts)
    ahead = sum(round((p["flagged ahead share"] or 0) * p["late"]) for p in parts)
    false = sum(round((p["false alarm share"] or 0) * p["flagged"]) for p in parts)
    strict = sum(round((p["false alarm share (strict)"] or 0) * p["flagged"]) for p in parts)
    return {
        "late": late,
        "flagged ahead share": round(ahead / late, 3) if late else None,
        "flagged": flagged,
        "false alarm share": round(false / flagged, 3) if flagged else None,
        "false alarm share (strict)": round(strict / flagged, 3) if flagged else None,
    }


def _cached_reproject(
    paths: Sequence[Path],
    scenario: str,
    bookings: Sequence[Booking],
    models: dict[str, DurationModel],
    cache: Path,
) -> float:
    """`reproject`, kept in `cache` (keyed by the models) so that a second analysis takes seconds."""
    key = json.dumps({n: vars(m) for n, m in models.items()}, sort_keys=True)
    stored: dict[str, Any] = pickle.loads(cache.read_bytes()) if cache.exists() else {}
    rows = {(b.date, r["now"], b.booking): r for b in bookings for r in b.polls}
    got: dict[Any, Any] = stored.setdefault(scenario, {}).setdefault(key, {})
    missing = {k[0] for k in rows if k not in got}
    seconds = (
        reproject(paths, scenario, [b for b in bookings if b.date in missing], models) if missing else 0.0
    )
    for k, r in rows.items():
        if k in got:
            r.update(got[k])
        else:
            got[k] = {f: v for f, v in r.items() if f.startswith(("p:", "q:"))}
    cache.write_bytes(pickle.dumps(stored))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("trace", nargs="+")
    parser.add_argument(
        "--train",
        type=float,
        default=0.5,
        help="the first share of each scenario's days train, the rest test",
    )
    parser.add_argument(
        "--cap", type=float, default=0.10, help="false alarm share allowed on the training days"
    )
    parser.add_argument("--cache", default=None, help="keep the re-projections here")
    parser.add_argument(
        "--train-from",
        default=None,
        help="an earlier report (--json): its training days and its choice (model, rule) are kept",
    )
    parser.add_argument("--markdown", default=None, help="write the analysis as markdown here")
    parser.add_argument(
        "--live",
        action="append",
        default=[],
        help="LABEL=PATH: a bench.replay_day results JSON (live figures) to add to the markdown and JSON",
    )
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    paths = [Path(p) for p in args.trace]
    data = load(paths)
    frozen = json.loads(Path(args.train_from).read_text(encoding="utf-8")) if args.train_from else None
    split: dict[str, tuple[list[Booking], list[Booking]]] = {}
    report: dict[str, Any] = {"scenarios": {}}
    for scenario, bookings in sorted(data.items()):
        dates = sorted({b.date for b in bookings})
        train_days = set(dates[: round(len(dates) * args.train)])
        if frozen is not None:
            train_days = set(frozen["scenarios"].get(scenario, {}).get("train days", [])) & set(dates)
        split[scenario] = (
            [b for b in bookings if b.date in train_days],
            [b for b in bookings if b.date not in train_days],
        )
        live: Rule = lambda r: bool(r["at_risk"])  # noqa: E731
        report["scenarios"][scenario] = {
            "days": len(dates),
            "train days": sorted(train_days),
            "test days": sorted(set(dates) - train_days),
            "before: the live at_risk (point projection), test days": evaluate(split[scenario][1], live),
            "before, all days": evaluate(bookings, live),
            "lateness analysis (all days; flagged = the live at_risk before)": lateness_analysis(
                bookings, live
            ),
            "reliability before (test days)": reliability(split[scenario][1]),
        }
        print(scenario, json.dumps(report["scenarios"][scenario]["before, all days"]), flush=True)
    train_all = [b for tr, _ in split.values() for b in tr]
    models = {"plain": DurationModel(), "mixture": learned_overruns(train_all)}
    if frozen is not None:
        models["mixture"] = DurationModel(**frozen["mixture learned on the training days"])
    report["mixture learned on the training days"] = vars(models["mixture"])
    print("mixture", models["mixture"], flush=True)
    for scenario, bookings in sorted(data.items()):
        cache = Path(args.cache) if args.cache else paths[0].with_suffix(".reprojected.pickle")
        seconds = _cached_reproject(paths, scenario, bookings, models, cache)
        print(scenario, "reprojected in", round(seconds, 1), "s", flush=True)
    rule0 = GuardRule(0.5, 0.5)
    phases = {
        (scenario, part, model): phase_data(split[scenario][part], model, rule0)
        for scenario in split
        for part in (0, 1)
        for model in models
    }
    grid: list[tuple[str, float | None, float | None]] = [
        (m, e, lq)
        for m in models
        for e in [None, *QS]
        for lq in [None, *QS]
        if e is None or lq is None or e >= lq
    ]

    def score(part: int, rule: tuple[str, float | None, float | None]) -> dict[str, Any]:
        m, e, lq = rule
        return _pooled([
            evaluate_flags(split[sc][part], phases[(sc, part, m)].flags(e, lq)) for sc in split
        ])  # fmt: skip

    began = time.perf_counter()
    train_scores = {rule: score(0, rule) for rule in grid}
    pick = _pick(train_scores, args.cap)
    if frozen is not None:
        m, e, lq = frozen["chosen on the training days (model, early quantile, late quantile)"]
        pick = (m, e, lq)
    print("evaluated", len(grid), "rules on the training days in", round(time.perf_counter() - began, 1), "s")
    print("chosen", pick, "train", train_scores[pick], flush=True)
    report["rules evaluated"] = len(grid)
    report["chosen on the training days (model, early quantile, late quantile)"] = list(pick)
    report["chosen: training days, pooled"] = train_scores[pick]
    for scenario in split:
        m, e, lq = pick
        r = report["scenarios"][scenario]
        tests = split[scenario][1]
        r["chosen: test days"] = evaluate_flags(tests, phases[(scenario, 1, m)].flags(e, lq))
        r["chosen: training days"] = evaluate_flags(split[scenario][0], phases[(scenario, 0, m)].flags(e, lq))
        r[f"reliability {m} (test days)"] = reliability(tests, f"p:{m}")
        r[f"brier {m} (test days)"] = brier(tests, f"p:{m}")
        r["reliability plain (test days)"] = reliability(tests, "p:plain")
        r["brier plain (test days)"] = brier(tests, "p:plain")
        # The trade-off on the test days: one quantile at all times, and the early quantile at the
        # chosen late one.
        r["test curve: one quantile"] = {
            f"{mm} q{q}": evaluate_flags(tests, phases[(scenario, 1, mm)].flags(q, q))
            for mm in models
            for q in QS
        }
        r["test curve: early quantile, late at the chosen"] = {
            f"{m} early q{q} late q{lq}": evaluate_flags(tests, phases[(scenario, 1, m)].flags(q, lq))
            for q in QS
            if lq is None or q >= lq
        }
        print(scenario, "test", r["chosen: test days"], flush=True)
    lives: dict[str, dict[str, Any]] = {}
    for item in args.live:
        label, _, path = item.partition("=")
        lives[label] = json.loads(Path(path).read_text(encoding="utf-8"))
    if args.json:
        both = {"offline, from the traces": report, "live replays": lives}
        Path(args.json).write_text(json.dumps(both, indent=1, default=str) + "\n", encoding="utf-8")
    if args.markdown:
        from bench.replay_day import markdown as live_markdown

        text = markdown(report)
        for label, results in lives.items():
            text += "\n" + live_markdown(results, f"## Live replay: {label}", "###")
        Path(args.markdown).write_text(text, encoding="utf-8")


def _row(name: str, v: dict[str, Any]) -> str:
    return (
        f"| {name} | {v['late']} | {v['flagged ahead share']} | {v['flagged']} | {v['false alarm share']}"
        f" | {v['false alarm share (strict)']} |"
    )


HEAD = [
    "| rule | late | flagged ahead share (goal >= 0.90) | flagged | false alarm share (goal <= 0.10)"
    " | false alarm share, strict |",
    "|---|---|---|---|---|---|",
]


def markdown(report: dict[str, Any]) -> str:
    """The analysis as markdown (the offline half of bench/RESULTS-replay.md)."""
    m, e, lq = report["chosen on the training days (model, early quantile, late quantile)"]
    out = [
        "## The guard, chosen on training days and evaluated on the others",
        "",
        "Duration model learned on the training days (both scenarios): "
        f"{report['mixture learned on the training days']}.",
        f"Rule chosen on the training days ({report['rules evaluated']} rules; the largest flagged-ahead"
        " share with"
        f" false alarms <= 10 %): model `{m}`, early quantile `{e}`, late quantile `{lq}` (None: the point"
        " projection alone). Training days, pooled: "
        + ", ".join(f"{k} {v}" for k, v in report["chosen: training days, pooled"].items())
        + ".",
        "",
    ]
    for scenario, r in report["scenarios"].items():
        out += [
            f"### {scenario}",
            "",
            f"Training days: {', '.join(r['train days'])}.",
            f"Held-out days: {', '.join(r['test days'])}.",
            "",
            *HEAD,
        ]
        out.append(
            _row(
                "before: the live at_risk (point projection), held-out days",
                r["before: the live at_risk (point projection), test days"],
            )
        )
        out.append(_row("**after: the chosen rule, held-out days**", r["chosen: test days"]))
        out.append(_row("after: the chosen rule, training days", r["chosen: training days"]))
        out += [
            "",
            "Trade-off on the held-out days (every rule also flags what the point projection flags):",
            "",
            *HEAD,
        ]
        for name, v in r["test curve: early quantile, late at the chosen"].items():
            out.append(_row(name, v))
        for name, v in r["test curve: one quantile"].items():
            if name.startswith(m):
                out.append(_row(name + " at all times", v))
        la = r["lateness analysis (all days; flagged = the live at_risk before)"]
        out += [
            "",
            "Why late bookings were missed before (all days, the point projection's flags):",
            "",
            f"- late: {la['late']}; lateness minutes p25 / p50 / p75 / p90: "
            f"{la['lateness minutes p25 / p50 / p75 / p90']}",
            "- lateness histogram: " + ", ".join(f"{k}: {v}" for k, v in la["lateness histogram"].items()),
            "",
            "| cause | late | flagged ahead | overrun visible only after the deadline | projected late at"
            " the first poll (over-full) |",
            "|---|---|---|---|---|",
        ]
        for cause, c in la["by cause"].items():
            out.append(
                f"| {cause} | {c.get('late', 0)} | {c.get('flagged ahead', 0)}"
                f" | {c.get('visible only after the deadline (promise - 60 min)', 0)}"
                f" | {c.get('projected late already at the first poll after drop-off (over-full)', 0)} |"
            )
        out += [
            "",
            "Reliability of `on_time_probability` on the held-out days (every poll of every open booking):",
            "",
            "| decile | n | before (plain lognormal): predicted | observed | n | after (" + m + "): predicted"
            " | observed |",
            "|---|---|---|---|---|---|---|",
        ]
        for a, b in zip(r["reliability plain (test days)"], r[f"reliability {m} (test days)"], strict=True):
            out.append(
                f"| {a['decile']} | {a['n']} | {a['predicted']} | {a['observed']} | {b['n']}"
                f" | {b['predicted']}"
                f" | {b['observed']} |"
            )
        out += [
            "",
            f"Brier score, held-out days: before {r['brier plain (test days)']},"
            f" after {r[f'brier {m} (test days)']}.",
            "",
        ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
