"""The clockseq-s28 probe (bench/clock_sequences_s28b.py) counted as bench/clock_sequences_onelift13.py
counts it (pins moved by the one-car moves, clocked work pinned with no bay), and also the whole-day
matching of makeway13-s38 (`_clocked_work_matched`): the re-plans it ran in (a clash was left) and
the pins whose bay it changed. Same arguments as the probe; `clockbay` as a third argument runs the
clockbay13 probe's events instead (half the starts and resumes naming a bay):

    PYTHONPATH=. python -m bench.clock_sequences_makeway13 200 [narrow] [clockbay]
"""

from __future__ import annotations

import sys
from typing import Any

from bench import clock_sequences_onelift13 as counted
from scheduler import live_replan

if "clockbay" in sys.argv[2:]:
    from bench import clock_sequences_clockbay13  # noqa: F401  (its bays named on the events)

_matched = live_replan._clocked_work_matched


def _counted_matched(workshop: Any, bookings: list[Any], guessed: list[Any], *fixed: Any) -> list[Any]:
    out = _matched(workshop, bookings, guessed, *fixed)
    if out is not bookings:
        before = {(b.id, p.operation): p.bay for b in bookings for p in b.pinned}
        after = {(b.id, p.operation): p.bay for b in out for p in b.pinned}
        counted.counts["re-plans matched over the whole day"] += 1
        counted.counts["pins moved by the matching"] += sum(after[k] != before[k] for k in before)
    return out


live_replan._clocked_work_matched = _counted_matched  # type: ignore[assignment]

if __name__ == "__main__":
    code = counted.probe.main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, "narrow" in sys.argv[2:])
    print(dict(counted.counts))
    if "clockbay" in sys.argv[2:]:
        print(dict(sorted(sys.modules["bench.clock_sequences_clockbay13"].counts.items())))
    sys.exit(code)
