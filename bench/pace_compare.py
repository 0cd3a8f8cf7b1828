"""Two builds' `bench.slots_pace` outputs side by side: pooled completeness per pace with Wilson
95 % intervals, and the paired comparison where both builds filled the same day (the same bookings
at each answer, the same feasible probes): answers where one offered more of them than the other.

    .venv/bin/python -m bench.pace_compare --base base-s1.json base-s2.json --branch branch-s1.json ...

Files are given in the same order for both builds (one per seed or run).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from bench.slots import wilson


def _rows(paths: list[Path]) -> list[list[dict[str, object]]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, nargs="+", required=True)
    parser.add_argument("--branch", type=Path, nargs="+", required=True)
    args = parser.parse_args()
    pooled: dict[tuple[str, float], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    paired: dict[float, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # more, fewer, same, unpaired runs
    for base_run, branch_run in zip(_rows(args.base), _rows(args.branch), strict=True):
        for base, branch in zip(base_run, branch_run, strict=True):
            pace = float(str(base["pace s"]))
            for name, row in (("base", base), ("branch", branch)):
                tally = pooled[(name, pace)]
                tally[0] += int(str(row["offered & feasible"]))
                tally[1] += int(str(row["probes feasible"]))
                tally[2] += int(str(row["offers validated"]))
                tally[3] += int(str(row["offers broken"]))
            steps_base = base["steps (bookings, feasible, offered & feasible, from the cache)"]
            steps_branch = branch["steps (bookings, feasible, offered & feasible, from the cache)"]
            assert isinstance(steps_base, list) and isinstance(steps_branch, list)
            same_days = [s[:2] for s in steps_base] == [s[:2] for s in steps_branch]
            if not same_days:
                paired[pace][3] += 1
                continue
            for a, b in zip(steps_base, steps_branch, strict=True):
                paired[pace][0] += b[2] - a[2] if b[2] > a[2] else 0
                paired[pace][1] += a[2] - b[2] if a[2] > b[2] else 0
                paired[pace][2] += a[2] == b[2]
    for (name, pace), (hit, n, checked, broken) in sorted(
        pooled.items(), key=lambda kv: (kv[0][1], kv[0][0])
    ):
        low, high = wilson(hit, n)
        print(
            f"pace {pace:g} {name:6}: {hit}/{n} = {hit / max(1, n):.1%} (95% CI {low:.1%}-{high:.1%});"
            f" offers validated {checked}, broken {broken}"
        )
    for pace, (more, fewer, same, unpaired) in sorted(paired.items()):
        print(
            f"pace {pace:g} paired (same days): the branch offered {more} more and {fewer} fewer feasible"
            f" probes; {same} answers equal; runs whose days differ (not paired): {unpaired}"
        )


if __name__ == "__main__":
    main()
