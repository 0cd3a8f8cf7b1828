"""What any promise guard could achieve: an oracle bound from replayed days (issue 13, item 3).

The goal asks two things of one flag: at least 90 % of the bookings that end late flagged by their
deadline (60 minutes before the promise, or their first status after drop-off when that is later),
and at most 10 % of the flagged bookings ending on time without a re-plan having moved them (the
strict reading). In the replay, actual durations are drawn from the same duration model the Monte
Carlo uses, so `on_time_probability` at a poll is (up to its calibration) the best estimate any rule
with the same information can have of the booking ending on time. This module takes the polls the
replay recorded and asks, for every threshold, what a rule that flags on that estimate alone would
score, at the most favourable moment it could choose:

- `at deadline`: each booking judged once, at its last poll no later than its deadline (the most
  information a flag that still counts as ahead can use), flagged when P(on time) < threshold;
- `any poll to deadline`: flagged at its first poll up to the deadline with P(on time) < threshold
  (the family the live guard belongs to: GUARD flags when the 0.9 quantile is late, P < 0.9).

Both are scored generously: every late booking not flagged ahead is counted as flagged later (it
adds to the flagged, never to the false alarms), and a booking the live re-plan moved after the
rule's flag is not a false alarm (the strict reading). The smallest strict false-alarm share any
threshold reaches with at least 90 % of the late bookings flagged ahead is the bound; the same with
no booking moved (a predictor that does not act) beside it.

A closed form beside the data: a booking that starts at once and whose promise is `margin` minutes
after its planned end (the desk's buffer) is late when its work takes more than 1 + margin/minutes
times its expected minutes; under the duration model that chance is small, and nothing known at
drop-off tells those that will overrun from those that will not.

    .venv/bin/python -m bench.guard_oracle \\
        --records dealer-2011=/tmp/replay20/dealer20-dealer-2011.partial.pickle \\
        [--records small-dealer=…partial.pickle] [--trace T.ndjson] [--out bench/RESULTS-guard-oracle]

(`--records`: a replay's `<out>-<scenario>.partial.pickle`, the DayRecords `bench.replay_day` keeps;
`--trace`: `bench.replay_day --trace` rows.)
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import ndtr

from bench.guard_trace import Booking, _moved, _t, load
from scheduler.durations import lognormal_sigma
from scheduler.promise_odds import MODEL, DurationModel

GOAL_AHEAD = 0.9
GOAL_FALSE = 0.1
THRESHOLDS = [round(float(x), 3) for x in np.arange(0.0, 1.0001, 0.005)]
KEY = "on_time_probability"


def bookings_from_records(paths: Sequence[str]) -> dict[str, list[Booking]]:
    """The traced bookings of replays' DayRecord pickles (`name=path`), via bench.guard_trace.load."""
    with tempfile.TemporaryDirectory() as tmp:
        ndjson = Path(tmp) / "trace.ndjson"
        with ndjson.open("w", encoding="utf-8") as f:
            for spec in paths:
                name, _, path = spec.partition("=")
                for record in pickle.loads(Path(path).read_bytes()):
                    for row in record.trace:
                        f.write(json.dumps({"scenario": name, **row}) + "\n")
        return load([ndjson])


def _score(b: Booking, family: str) -> tuple[float, str] | None:
    """The booking's P(on time) the rule judges it on, and the poll it would be flagged at."""
    deadline = b.deadline()
    polls = [r for r in b.polls if r.get(KEY) is not None and _t(r["now"]) <= deadline]  # type: ignore[operator]
    if not polls:
        return None
    if family == "at deadline":
        return float(polls[-1][KEY]), polls[-1]["now"]
    low = min(polls, key=lambda r: (float(r[KEY]), r["now"]))
    return float(low[KEY]), low["now"]


def sweep(bookings: Sequence[Booking], family: str) -> list[dict[str, Any]]:
    """Per threshold: the late share flagged ahead, and the false-alarm shares of the flags."""
    late = [b for b in bookings if b.late]
    scored = [(b, _score(b, family)) for b in bookings]
    out = []
    for threshold in THRESHOLDS:
        ahead = on_time = strict = 0
        for b, s in scored:
            if s is None or s[0] >= threshold:
                continue
            if b.late:
                ahead += 1
            else:
                on_time += 1
                # For "any poll", the flag is at the first poll below the threshold, not the lowest.
                since = s[1]
                if family != "at deadline":
                    since = next(
                        r["now"] for r in b.polls if r.get(KEY) is not None and float(r[KEY]) < threshold
                    )
                strict += not _moved(b.polls, since)
        flagged = len(late) + on_time  # every late booking counted flagged (ahead or later)
        out.append({
            "threshold": threshold,
            "flagged ahead share": ahead / len(late) if late else math.nan,
            "flagged": flagged,
            "flagged and on time": on_time,
            "false alarms, strict": strict,
            "false alarm share, strict": strict / flagged if flagged else math.nan,
            "flagged-and-on-time share (no re-plan)": on_time / flagged if flagged else math.nan,
            "on time among flagged ahead": on_time / (ahead + on_time) if ahead + on_time else math.nan,
        })  # fmt: skip
    return out


def best(rows: Sequence[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """The row with the least `key` among those flagging at least GOAL_AHEAD of the late ahead."""
    ok = [r for r in rows if r["flagged ahead share"] >= GOAL_AHEAD]
    return min(ok, key=lambda r: (r[key], -r["flagged ahead share"])) if ok else None


def no_time_to_watch(bookings: Sequence[Booking]) -> dict[str, Any]:
    """The bookings whose deadline is their first poll (promise within 60 min of it): judged at
    drop-off or never."""
    first_only = [b for b in bookings if b.polls and b.deadline() <= _t(b.polls[0]["now"])]  # type: ignore[operator]
    late = [b for b in bookings if b.late]
    late_first = [b for b in first_only if b.late]
    p_first = [float(b.polls[0][KEY]) for b in first_only if b.polls[0].get(KEY) is not None]
    slack = [
        (b.promised - _t(b.polls[0]["planned_end"])).total_seconds() / 60  # type: ignore[operator]
        for b in first_only
        if b.polls[0].get("planned_end")
    ]
    return {
        "bookings judged": len(bookings),
        "late": len(late),
        "deadline = first poll after drop-off": len(first_only),
        "of them late": len(late_first),
        "share of all late ones": round(len(late_first) / len(late), 3) if late else None,
        "late rate among them": round(len(late_first) / len(first_only), 3) if first_only else None,
        "mean P(on time) at that poll": round(statistics.fmean(p_first), 3) if p_first else None,
        "promise - planned end at that poll, min p25/p50/p75": [
            round(float(np.quantile(slack, q)), 1) for q in (0.25, 0.5, 0.75)
        ]
        if slack
        else None,
    }


def p_late(minutes: float, margin: float, model: DurationModel = MODEL) -> float:
    """P(work of `minutes` expected takes more than `minutes + margin`) under the duration model."""
    sigma = lognormal_sigma(model.cv)
    mu = -sigma * sigma / 2
    ratio = 1 + margin / minutes

    def tail(r: float) -> float:
        return float(1 - ndtr((math.log(r) - mu) / sigma))

    share = model.overrun_share if model.overrun_factor > 1 else 0.0
    return (1 - share) * tail(ratio) + share * tail(ratio / model.overrun_factor)


def closed_form() -> list[dict[str, Any]]:
    return [
        {"minutes": m, **{f"margin {g}": round(p_late(m, g), 3) for g in (15, 30, 60, 90)}}
        for m in (30, 60, 90, 120, 180, 240)
    ]


def analyse(bookings: Sequence[Booking]) -> dict[str, Any]:
    out: dict[str, Any] = {"no time to watch": no_time_to_watch(bookings)}
    for family in ("at deadline", "any poll to deadline"):
        rows = sweep(bookings, family)
        out[family] = {
            "least strict false-alarm share with >= 90 % flagged ahead": _round(
                best(rows, "false alarm share, strict")
            ),
            "least flagged-and-on-time share (no re-plan) with >= 90 % flagged ahead": _round(
                best(rows, "flagged-and-on-time share (no re-plan)")
            ),
            "at the live guard's threshold 0.9": _round(next(r for r in rows if r["threshold"] == 0.9)),
            "highest flagged-ahead share with strict false alarms <= 10 %": _round(
                max(
                    (r for r in rows if r["false alarm share, strict"] <= GOAL_FALSE),
                    key=lambda r: r["flagged ahead share"],
                    default=None,
                )
            ),
        }
    return out


def _round(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}


def markdown(report: dict[str, Any], command: str) -> str:
    lines = ["# What any promise guard could achieve (an oracle bound)", "", f"    {command}", ""]
    lines += ["Closed form: P(late) of a booking that starts at once, promise = planned end + margin "
              "(duration model: lognormal cv 0.3, 4.18 % overrun x2.58):", "",
              "| expected minutes | margin 15 | margin 30 | margin 60 | margin 90 |",
              "|---|---|---|---|---|"]  # fmt: skip
    for r in report["closed form"]:
        lines.append(
            f"| {r['minutes']} | {r['margin 15']} | {r['margin 30']} | {r['margin 60']} | {r['margin 90']} |"
        )
    for name, part in report["scenarios"].items():
        lines += ["", f"## {name}", "", "| figure | value |", "|---|---|"]
        for k, v in part["no time to watch"].items():
            lines.append(f"| {k} | {v} |")
        for family in ("at deadline", "any poll to deadline"):
            lines += ["", f"Rule family `{family}`:", "",
                      "| reading | threshold | flagged ahead | flagged | strict false-alarm share | "
                      "on time among flagged (no re-plan) |", "|---|---|---|---|---|---|"]  # fmt: skip
            for reading, r in part[family].items():
                if r is None:
                    lines.append(f"| {reading} | none | | | | |")
                    continue
                lines.append(
                    f"| {reading} | {r['threshold']} | {r['flagged ahead share']} | {r['flagged']} | "
                    f"{r['false alarm share, strict']} | {r['flagged-and-on-time share (no re-plan)']} |"
                )
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--records", action="append", default=[], help="name=path of a replay's .partial.pickle"
    )
    parser.add_argument("--trace", action="append", default=[], help="a bench.replay_day --trace NDJSON")
    parser.add_argument("--out", default=None, help="write OUT.json and OUT.md")
    args = parser.parse_args()
    scenarios: dict[str, list[Booking]] = {}
    if args.records:
        scenarios.update(bookings_from_records(args.records))
    if args.trace:
        for name, bs in load([Path(t) for t in args.trace]).items():
            scenarios.setdefault(name, []).extend(bs)
    report: dict[str, Any] = {
        "closed form": closed_form(),
        "scenarios": {name: analyse(bs) for name, bs in sorted(scenarios.items())},
    }
    if len(scenarios) > 1:
        report["scenarios"]["pooled"] = analyse([b for bs in scenarios.values() for b in bs])
    print(json.dumps(report, indent=1))
    if args.out:
        out = Path(args.out)
        out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        command = "python -m bench.guard_oracle " + " ".join(
            [f"--records {r}" for r in args.records] + [f"--trace {t}" for t in args.trace]
        )
        out.with_suffix(".md").write_text(markdown(report, command), encoding="utf-8")


if __name__ == "__main__":
    main()
