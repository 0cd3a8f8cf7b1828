"""One date at pace 20 (seed 1): for each immediate answer that missed feasible times, what
`RefineAhead.may_grow` said about its offer key before the query (False: the refinement ahead
was skipped as unable to add a time; no call: the key was never considered for a refinement ahead).
Run with `bench.diag_pace16_s44`'s verdicts for one date:

    PYTHONPATH=. nice -n 10 python -m bench.diag_pace16_s44_maygrow --verdicts FILE
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import bench.diag_pace16_s44 as diag
from bench.slots import Verdicts
from scheduler.refine_ahead import RefineAhead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--verdicts", type=Path, required=True)
    args = parser.parse_args()
    said: list[tuple[tuple[object, ...], bool, float]] = []
    may_grow = RefineAhead.may_grow

    def watched(self: RefineAhead, key: tuple[object, ...], day: object, version: tuple[object, ...]) -> bool:
        grows = may_grow(self, key, day, version)  # type: ignore[arg-type]
        said.append((key, grows, time.perf_counter()))
        return grows

    RefineAhead.may_grow = watched  # type: ignore[method-assign]
    row = diag.run(args.seed, Verdicts(args.verdicts), 30.0, 20.0, 1, 12, 10, 60)
    print(row["tally"])
    for r in row["rows"]:
        if r["cached"] or not r["missed"]:
            continue
        kind = tuple(r["kind"])
        # The queries' keys only (5 long: no wants), not the filling bookings' (their parts ETA).
        calls = [g for key, g, t in said if len(key) == 5 and (key[2], key[3]) == kind and t < r["t_query"]]
        print(
            r["booked"], kind, "missed", r["missed"], "_may_grow calls", len(calls), "last three", calls[-3:]
        )


if __name__ == "__main__":
    main()
