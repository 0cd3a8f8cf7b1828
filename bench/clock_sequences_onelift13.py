"""The clockseq-s28 probe (bench/clock_sequences_s28b.py), counting how the live re-plans placed
clocked work that collided on a bay (onelift13-s29): `rematched`, an earlier car moved to another
bay it may use so that a later one takes its bay (`_clocked_work_apart`); `no bay`, clocked work
pinned with no bay (`_clocked_bay_unknown`). Same arguments as the probe:

    PYTHONPATH=. python -m bench.clock_sequences_onelift13 200 [narrow]
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from typing import Any

from bench import clock_sequences_s28b as probe
from scheduler import live_replan

counts: Counter[str] = Counter()
_apart = live_replan._clocked_work_apart
_unknown = live_replan._clocked_bay_unknown


def _counted_apart(workshop: Any, bookings: list[Any], *fixed: Any) -> list[Any]:
    out = _apart(workshop, bookings, *fixed)
    before = {(b.id, p.operation): p.bay for b in bookings for p in b.pinned}
    after = {(b.id, p.operation): p.bay for b in out for p in b.pinned}
    counts["re-plans"] += 1
    counts["pins moved to another bay"] += sum(after[k] != before[k] for k in before)
    return out


def _counted_unknown(bookings: list[Any], *fixed: Any) -> Any:
    out, conflicts = _unknown(bookings, *fixed)
    counts["re-plans with clocked work of no bay"] += bool(conflicts)
    counts["clocked work pinned with no bay"] += len(conflicts)
    if conflicts and os.environ.get("SEQUENCES_SHOW"):  # the pins as they collided
        print("no bay:", [c.model_dump() for c in conflicts])
        for b in bookings:
            for p in b.pinned:
                span = f"{p.start:%H:%M}-{p.end:%H:%M}" if p.end else f"{p.start:%H:%M}-"
                print(f"  {b.id} {b.service} op {p.operation} {p.bay} {p.technician} {span}")
    return out, conflicts


live_replan._clocked_work_apart = _counted_apart  # type: ignore[assignment]
live_replan._clocked_bay_unknown = _counted_unknown  # type: ignore[assignment]

if __name__ == "__main__":
    code = probe.main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, "narrow" in sys.argv[2:])
    print(dict(counts))
    sys.exit(code)
