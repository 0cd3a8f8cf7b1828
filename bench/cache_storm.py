"""Cache storm: one client asks a real `bayplan serve` process (one worker) for the slots of
10,000 distinct dates on dealer-2011, then the server's resident memory is read.

Every date is a cache miss that adds a day and an offer entry; the caches are bounded LRUs per
workshop (scheduler/cache.py), so the memory levels off instead of growing ~75 KB per date.

    .venv/bin/python -m bench.cache_storm [--dates 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import tempfile
import time
from pathlib import Path

import httpx

from bench.clock import NOW
from cli.testing import Server
from scheduler.scenarios import load_scenario

HERE = Path(__file__).parent
LIMIT_MB = 400.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dates", type=int, default=10_000)
    args = parser.parse_args()
    workshop = load_scenario("dealer-2011").workshop
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "storm.db", now=NOW)
        server.start()
        assert server.process is not None
        pid = server.process.pid
        try:
            with httpx.Client(base_url=server.url, headers=server.headers, timeout=60) as http:
                put = http.put(f"/v1/workshops/{workshop.id}", content=workshop.model_dump_json(),
                               headers={"content-type": "application/json"})  # fmt: skip
                put.raise_for_status()
                started = rss_mb(pid)
                samples: list[tuple[int, float]] = [(0, started)]
                first = NOW.date() + dt.timedelta(days=1)  # days ahead of the server clock
                began = time.perf_counter()
                for i in range(args.dates):
                    date = (first + dt.timedelta(days=i)).isoformat()
                    response = http.get(
                        f"/v1/workshops/{workshop.id}/slots", params={"service": "MAINT", "date": date}
                    )
                    response.raise_for_status()
                    if (i + 1) % 1_000 == 0:
                        samples.append((i + 1, rss_mb(pid)))
                        print(f"{i + 1:6d} dates: {samples[-1][1]:.0f} MB RSS", flush=True)
                seconds = time.perf_counter() - began
                final = rss_mb(pid)
        finally:
            server.kill()
    result = {
        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "workshop": workshop.id,
        "distinct_dates": args.dates,
        "seconds": round(seconds, 1),
        "rss_mb_after_start": round(started, 1),
        "rss_mb_peak_sampled": round(max(mb for _, mb in [*samples, (0, final)]), 1),
        "rss_mb_final": round(final, 1),
        "limit_mb": LIMIT_MB,
        "samples": [{"dates": n, "rss_mb": round(mb, 1)} for n, mb in samples],
    }
    (HERE / "RESULTS-cache-storm.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=2))
    if final > LIMIT_MB:
        raise SystemExit(f"RSS {final:.0f} MB is over {LIMIT_MB:.0f} MB")


if __name__ == "__main__":
    main()
