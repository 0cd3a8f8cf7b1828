"""What the offer cache holds when one client fills one workshop's share of it (fuzz-s40's "the
offer cache's bound is large"): distinct queries of dealer-2011, each a search, then the memory the
cache keeps (tracemalloc, after a collection) and how many distinct day versions its entries keep.

    PYTHONPATH=. nice -n 10 .venv/bin/python -m bench.offer_cache_memory [N]

Two ways to fill it: N distinct `parts_eta` on one date (one day version shared by every entry),
and N distinct dates (each entry keeps its own day version: the docstring of
`scheduler.service.PlanningService` puts one at about 90 KB on dealer-2011).
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.clock import FixedClock
from scheduler.offer import SlotQuery, Wants
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.storage import Store

TZ = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=TZ)


def fill(n: int, distinct: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        service = PlanningService(
            Store(f"sqlite:///{Path(folder) / 'm.db'}"), clock=FixedClock(NOW), refine_in_background=False
        )
        workshop = load_scenario("dealer-2011").workshop
        service.put_workshop(workshop)
        day = dt.date(2026, 11, 24)
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        began = time.process_time()
        for i in range(n):
            if distinct == "parts_eta":
                eta = dt.datetime.combine(day, dt.time(7, 0), tzinfo=TZ) + dt.timedelta(seconds=37 * i)
                query = SlotQuery(workshop.id, "MAINT", day, wants=Wants(parts_eta=eta))
            else:
                query = SlotQuery(workshop.id, "MAINT", day + dt.timedelta(days=i))
            service.slots(query)
        cpu = time.process_time() - began
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        offers = service._offers
        days = {id(entry.day) for part in offers._parts.values() for entry in part.values()}
        out = {
            "queries": n,
            "entries": len(offers),
            "distinct_day_versions": len(days),
            "held_MB": round((held - base) / 1e6, 1),
            "KB_per_entry": round((held - base) / 1e3 / max(1, len(offers)), 1),
            "cpu_s": round(cpu, 1),
        }
        service.close()
        return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    for distinct in ("parts_eta", "date"):
        print(distinct, fill(n, distinct), flush=True)


if __name__ == "__main__":
    main()
