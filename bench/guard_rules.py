"""Sharper early-phase rules for the promise guard, evaluated offline from recorded traces.

The live guard (`scheduler.promise_odds.GUARD`) flags a booking in its early phase when the 90 %
quantile of its Monte Carlo end is after its promise, i.e. when its `on_time_probability` is below
0.9. This module tries rule families that use more than one threshold, chosen on the training days
(the fewest strict false alarms with at least 90 % of the late bookings flagged ahead and
at most 10 % false alarms as the replay counts them, pooled over the scenarios) and reported on
the held-out days:

- `horizon`: threshold `far` while the promise is more than `hours` away, `near` after that
  (until the early phase ends 60 minutes before the promise);
- `state`: threshold `waiting` before the booking's work has started, `started` after;
- `persist`: the 0.9-style threshold `p`, but a flag only after `k` polls in a row below it.

    .venv/bin/python -m bench.guard_rules T.ndjson … --train-from bench/RESULTS-replay-frozen.json \\
        --cache C.pickle [--json OUT]

(`--cache`: the re-projections `bench.guard_trace` keeps; the traces: `bench.replay_day --trace`.)

Replays recorded with the live guard (its early-phase flags already in `at_risk`) are read from
their `.partial.pickle` instead (`--records NAME=PATH`, the polls' own `on_time_probability`, no
re-projection), split by a frozen report's training days with `--train-from`; the report then adds
the live guard's own figures, a held-out trade-off curve of one threshold, which goals each choice
meets on the held-out days, and the rules chosen the other way round (the most flagged ahead with
strict false alarms <= 10 % on the training days):

    .venv/bin/python -m bench.guard_rules --records dealer-2011=A.partial.pickle \
        --records dealer-2011=B.partial.pickle --records small-dealer=S.partial.pickle \
        --train-from bench/RESULTS-replay-frozen.json --json OUT.json
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.guard_trace import Booking, _cached_reproject, _pooled, _t, evaluate_flags, load
from scheduler.promise_odds import GUARD, DurationModel

THRESHOLDS = [round(x, 2) for x in np.arange(0.5, 0.981, 0.02)]


@dataclass
class Polls:
    """Per booking, per poll: the point projection's flag, the early phase, P(on time) under the
    mixture, hours to the promise, and whether its work has started."""

    at_risk: np.ndarray
    early: np.ndarray
    p: np.ndarray
    hours: np.ndarray
    started: np.ndarray


def polls(b: Booking) -> Polls:
    moments = [_t(r["now"]) for r in b.polls]
    return Polls(
        np.array([bool(r["at_risk"]) for r in b.polls], dtype=bool),
        np.array([GUARD.early_phase(b.promised, b.drop_off, m) for m in moments], dtype=bool),  # type: ignore[arg-type]
        np.array([float(r.get("p:mixture", 1.0)) for r in b.polls], dtype=float),
        np.array([(b.promised - m).total_seconds() / 3600 for m in moments], dtype=float),  # type: ignore[operator]
        np.array([r["state"] not in ("not_arrived", "waiting") for r in b.polls], dtype=bool),
    )


Family = Callable[[Polls, tuple[float, ...]], np.ndarray]


def horizon(x: Polls, args: tuple[float, ...]) -> np.ndarray:
    far, near, hours = args
    return x.at_risk | (x.early & (x.p < np.where(x.hours > hours, far, near)))


def state(x: Polls, args: tuple[float, ...]) -> np.ndarray:
    waiting, started = args
    return x.at_risk | (x.early & (x.p < np.where(x.started, started, waiting)))


def persist(x: Polls, args: tuple[float, ...]) -> np.ndarray:
    p, k = args
    below = x.early & (x.p < p)
    run = np.zeros(len(below), dtype=int)
    for i, b in enumerate(below):
        run[i] = (run[i - 1] + 1 if i else 1) if b else 0
    return x.at_risk | (run >= k)


FAMILIES: dict[str, tuple[Family, list[tuple[float, ...]]]] = {
    "single (the live rule's family)": (state, [(t, t) for t in THRESHOLDS]),
    "horizon": (
        horizon,
        [(f, n, h) for f, n in itertools.product(THRESHOLDS, THRESHOLDS) for h in (1.5, 2.0, 3.0, 4.0)],
    ),
    "state": (state, list(itertools.product(THRESHOLDS, THRESHOLDS))),
    "persist": (persist, [(t, k) for t in THRESHOLDS for k in (2, 3)]),
}


def score(
    parts: Sequence[tuple[list[Booking], list[Polls]]], family: Family, args: tuple[float, ...]
) -> dict[str, Any]:
    return _pooled([evaluate_flags(bs, [family(x, args) for x in xs]) for bs, xs in parts])


def _strict_count(v: dict[str, Any]) -> int:
    return round(float(v["false alarm share (strict)"] or 0) * int(v["flagged"]))


def best(
    scored: dict[tuple[float, ...], dict[str, Any]], goal: float = 0.9, cap: float = 0.1
) -> tuple[float, ...]:
    """The fewest strict false alarms (a count: the share falls by flagging more bookings, which is
    no gain) among the rules flagging at least `goal` ahead with false alarms as the replay counts
    them at most `cap`; if none does, the one flagging the most ahead."""
    ok = [
        a
        for a, v in scored.items()
        if (v["flagged ahead share"] or 0) >= goal and (v["false alarm share"] or 0) <= cap
    ]
    if ok:
        return min(ok, key=lambda a: (_strict_count(scored[a]), -(scored[a]["flagged ahead share"] or 0)))
    return max(scored, key=lambda a: scored[a]["flagged ahead share"] or 0)


GOAL_STRICT = 0.1
CURVE = [round(x, 2) for x in np.arange(0.5, 0.991, 0.02)]


def goals(v: dict[str, Any]) -> dict[str, bool]:
    """Which of item 3's goals figures meet: flagged ahead, false alarms as the replay counts them,
    and strictly."""
    return {
        "flagged ahead >= 90 %": (v["flagged ahead share"] or 0) >= 0.9,
        "false alarms <= 10 %": (v["false alarm share"] or 0) <= 0.1,
        "false alarms, strict <= 10 %": (v["false alarm share (strict)"] or 0) <= GOAL_STRICT,
    }


def live_figures(
    train: Sequence[tuple[list[Booking], list[Polls]]], test: dict[str, tuple[list[Booking], list[Polls]]]
) -> dict[str, Any]:
    """The live guard's own figures: the flags the recorded statuses carried (`at_risk`, the early
    phase included)."""
    from bench.guard_trace import reliability

    def figures(bs: Sequence[Booking]) -> dict[str, Any]:
        return evaluate_flags(bs, [np.array([bool(r["at_risk"]) for r in b.polls], dtype=bool) for b in bs])

    out: dict[str, Any] = {"held-out days": {}, "reliability 0.7-0.8, held-out days": {}}
    for sc, (bs, _) in test.items():
        out["held-out days"][sc] = {
            "days": len({b.date for b in bs}),
            "bookings judged": len(bs),
            **figures(bs),
        }
        out["reliability 0.7-0.8, held-out days"][sc] = reliability(bs)[7]
    out["held-out days, pooled"] = _pooled([figures(bs) for bs, _ in test.values()])
    out["training days, pooled"] = _pooled([figures(bs) for bs, _ in train])
    return out


def _from_records(
    specs: Sequence[str], train_share: float, train_days: dict[str, list[str]] | None = None
) -> tuple[list[Any], dict[str, Any]]:
    """Training and held-out parts from replays' DayRecord pickles (`name=path`): the polls' own
    `on_time_probability` is the mixture's P (the live Monte Carlo draws from it), the first
    `train_share` of each scenario's days train (or the days `train_days` names), the rest are
    held out."""
    from bench.guard_oracle import bookings_from_records

    train: list[tuple[list[Booking], list[Polls]]] = []
    test: dict[str, tuple[list[Booking], list[Polls]]] = {}
    for scenario, bookings in sorted(bookings_from_records(specs).items()):
        for b in bookings:
            for r in b.polls:
                if r.get("on_time_probability") is not None:
                    r["p:mixture"] = float(r["on_time_probability"])
        dates = sorted({b.date for b in bookings})
        days = set(dates[: max(1, round(len(dates) * train_share))])
        if train_days is not None:
            days = set(train_days.get(scenario, [])) & set(dates)
        tr = [b for b in bookings if b.date in days]
        te = [b for b in bookings if b.date not in days]
        train.append((tr, [_late_phase_only(polls(b)) for b in tr]))
        test[scenario] = (te, [_late_phase_only(polls(b)) for b in te])
    return train, test


def _late_phase_only(x: Polls) -> Polls:
    """A recorded status's `at_risk` holds the live guard's own early-phase flags; keep the late
    phase's (the point projection alone there, exactly) so that a rule's early phase is its own.
    (The point projection's early-phase flag is dropped: P(on time) below the thresholds tried,
    0.5 and up, nearly always comes with it.)"""
    return Polls(x.at_risk & ~x.early, x.early, x.p, x.hours, x.started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("trace", nargs="*")
    parser.add_argument(
        "--train-from",
        default=None,
        help="an earlier bench.guard_trace report (--json): its training days (with --records too)",
    )
    parser.add_argument("--cache", default=None)
    parser.add_argument(
        "--records",
        action="append",
        default=[],
        help="instead of traces: name=path of a replay's .partial.pickle (the polls' on_time_probability; "
        "the first --train-share of the days train)",
    )
    parser.add_argument("--train-share", type=float, default=0.5)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.records:
        frozen_days = None
        if args.train_from:
            frozen = json.loads(Path(args.train_from).read_text(encoding="utf-8"))
            frozen_days = {sc: v["train days"] for sc, v in frozen["scenarios"].items()}
        train, test = _from_records(args.records, args.train_share, frozen_days)
    else:
        if not args.trace or args.train_from is None or args.cache is None:
            parser.error("traces need --train-from and --cache (or give --records)")
        train, test = _from_traces(args)
    report: dict[str, Any] = {}
    for name, (family, grid) in FAMILIES.items():
        scored = {a: score(train, family, a) for a in grid}
        pick = best(scored)
        report[name] = {
            "rules": len(grid),
            "chosen": list(pick),
            "training days, pooled": scored[pick],
            "held-out days": {sc: score([part], family, pick) for sc, part in test.items()},
            "held-out days, pooled": score(list(test.values()), family, pick),
        }
        print(name, json.dumps(report[name]), flush=True)
    if args.records:
        report["live guard (the recorded at_risk)"] = live_figures(train, test)
        report["held-out curve: one threshold at all early polls"] = {
            f"p < {t}": {
                **{sc: score([part], state, (t, t)) for sc, part in test.items()},
                "pooled": score(list(test.values()), state, (t, t)),
            }
            for t in CURVE
        }
        report["goals on the held-out days (pooled)"] = {
            name: goals(v["held-out days, pooled"]) for name, v in report.items() if name in FAMILIES
        }
        report["goals on the held-out days (pooled)"]["live guard"] = goals(
            report["live guard (the recorded at_risk)"]["held-out days, pooled"]
        )
        strict_first: dict[str, Any] = {}
        for name, (family, grid) in FAMILIES.items():
            scored = {a: score(train, family, a) for a in grid}
            ok = [a for a, v in scored.items() if (v["false alarm share (strict)"] or 0) <= GOAL_STRICT]
            if not ok:
                continue
            pick = max(ok, key=lambda a: (scored[a]["flagged ahead share"] or 0, -_strict_count(scored[a])))
            strict_first[name] = {
                "chosen": list(pick),
                "training days, pooled": scored[pick],
                "held-out days, pooled": score(list(test.values()), family, pick),
            }
        report["the most flagged ahead with strict false alarms <= 10 % on the training days"] = strict_first
        # Chosen on each scenario's own training days (a workshop tuning its own guard).
        scenarios = sorted(test)
        own: dict[str, Any] = {}
        for name, (family, grid) in FAMILIES.items():
            own[name] = {}
            for sc, tr in zip(scenarios, train, strict=True):
                scored = {a: score([tr], family, a) for a in grid}
                pick = best(scored)
                own[name][sc] = {
                    "chosen": list(pick),
                    "training days": scored[pick],
                    "held-out days": score([test[sc]], family, pick),
                }
        report["chosen on each scenario's own training days"] = own
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


def _from_traces(args: argparse.Namespace) -> tuple[list[Any], dict[str, Any]]:
    paths = [Path(p) for p in args.trace]
    frozen = json.loads(Path(args.train_from).read_text(encoding="utf-8"))
    model = DurationModel(**frozen["mixture learned on the training days"])
    data = load(paths)
    train: list[tuple[list[Booking], list[Polls]]] = []
    test: dict[str, tuple[list[Booking], list[Polls]]] = {}
    for scenario, bookings in sorted(data.items()):
        _cached_reproject(
            paths, scenario, bookings, {"plain": DurationModel(), "mixture": model}, Path(args.cache)
        )
        days = set(frozen["scenarios"][scenario]["train days"])
        tr = [b for b in bookings if b.date in days]
        te = [b for b in bookings if b.date not in days]
        train.append((tr, [polls(b) for b in tr]))
        test[scenario] = (te, [polls(b) for b in te])
    return train, test


if __name__ == "__main__":
    main()
