"""The 4-desk booking storm alone (bench.service's last part), with the server's CPU time.

Four desks query slots on an empty day of dealer-2011 and book an offered time, 200 tries in all,
against one real `bayplan serve` (one worker): every booking changes the day, so slot queries
after it miss the cache. Besides the latencies, the server process's CPU seconds over the storm
are read from /proc: on a shared machine that figure moves far less than wall-clock latency, so
two builds are compared by it (run them alternately, base and yours, and report the ratios).

    .venv/bin/python -m bench.storm [--rounds 2] [--starts 5] [--label mine] [--out PATH] [--phases PATH]
                                    [--no-promised] [--think SECONDS]

Each booking sends the promise its desk's query showed for the time (`promised`, shown16-s41);
`--no-promised` books as before the field existed (needed against an older server). Each storm's
row counts the 409s and, of them, those refused as ready later than shown, and the bookings
promised later than their desk's query showed. `--think S`: each desk waits S seconds between its
query and its booking (the customer choosing), so other desks' queries of the same kind replace
the server's cached answer in between.

The first storm after a server start is reported apart from the later ones (`--rounds 2` or more;
`--starts N` repeats it with N new servers): it used to carry a full garbage collection of the
start-up heap. `--phases PATH` has the server write per-request phase timings and GC pauses there
(scheduler.phases); each storm's lines follow a {"start", "storm", "date"} line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import cast

import httpx

from bench.clock import NOW
from bench.service import percentile, storm
from cli.testing import Server
from scheduler.phases import PHASES_ENVIRONMENT
from scheduler.scenarios import load_scenario

HERE = Path(__file__).parent
FIRST = dt.date(2026, 11, 26)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of process `pid` (clock ticks of 1/100 s)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def collections(path: Path) -> dict[str, list[float]]:
    """The server's garbage collections during the last storm in a `--phases` file, per generation:
    [count, wall ms, CPU ms] (a pause overlapping several requests is listed by each: counted once)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    last = max(i for i, line in enumerate(lines) if '"storm"' in line)
    pauses = {tuple(p) for line in lines[last + 1 :] for p in json.loads(line).get("gc", [])}
    totals: dict[str, list[float]] = {}
    for generation, wall, cpu in sorted(pauses):
        total = totals.setdefault(f"gen {int(generation)}", [0, 0.0, 0.0])
        total[0] += 1
        total[1] = round(total[1] + wall, 1)
        total[2] = round(total[2] + cpu, 1)
    return totals


def storms(args: argparse.Namespace, start: int) -> list[dict[str, object]]:
    """`args.rounds` storms against one new server, each on a fresh day."""
    workshop = load_scenario("dealer-2011").workshop
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "storm.db", now=NOW)
        server.start(timeout=120)
        assert server.process is not None
        try:
            headers = {"content-type": "application/json", **server.headers}
            put = httpx.put(f"{server.url}/v1/workshops/{workshop.id}", content=workshop.model_dump_json(),
                            headers=headers, timeout=60)  # fmt: skip
            put.raise_for_status()
            for r in range(args.rounds):
                date = (FIRST + dt.timedelta(days=r)).isoformat()
                if args.phases is not None:  # where this storm's requests start in the timings
                    with args.phases.open("a", encoding="utf-8") as out:
                        out.write(json.dumps({"start": start, "storm": r + 1, "date": date}) + "\n")
                before = cpu_seconds(server.process.pid)
                result = storm(
                    server.url, server.headers, workshop.id, date, attempts=200, clients=4,
                    send_promised=not args.no_promised, think=args.think,
                )  # fmt: skip
                cpu = cpu_seconds(server.process.pid) - before
                rows.append(
                    {
                        "label": args.label,
                        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        "load average": float(Path("/proc/loadavg").read_text().split()[0]),
                        "start": start,
                        "storm after start": r + 1,
                        "date": date,
                        "tries / booked / seconds": [
                            len(result.book),
                            result.accepted,
                            round(result.seconds, 1),
                        ],
                        "refused (409) / of them later than shown / other": [
                            result.refused,
                            result.later_than_shown,
                            result.other,
                        ],
                        "booked later than its desk showed": result.booked_later,
                        "promised sent": not args.no_promised,
                        "think seconds": args.think,
                        "server CPU seconds": round(cpu, 2),
                        "times offered": result.offered,
                        "slots p50 / p99 ms": [
                            round(statistics.median(result.slots) * 1000, 1),
                            round(percentile(result.slots, 0.99) * 1000, 1),
                        ],
                        "booking p50 / p99 ms": [
                            round(statistics.median(result.book) * 1000, 1),
                            round(percentile(result.book, 0.99) * 1000, 1),
                        ],
                    }
                )
                if args.phases is not None:
                    time.sleep(0.5)  # the last requests' lines are written just after their answers
                    rows[-1]["GC count / wall ms / CPU ms"] = collections(args.phases)
                print(json.dumps(rows[-1]), flush=True)
        finally:
            server.kill()
    return rows


def summary(rows: list[dict[str, object]], first: bool) -> str:
    """The first storms after a start, or the later ones: each storm's slots and booking p99, the
    median of each, how many kept slots p99 <= 100 ms, and the server's CPU seconds per storm."""
    chosen = [r for r in rows if (r["storm after start"] == 1) == first]
    if not chosen:
        return ""
    slots = [cast("list[float]", r["slots p50 / p99 ms"])[1] for r in chosen]
    book = [cast("list[float]", r["booking p50 / p99 ms"])[1] for r in chosen]
    cpu = [cast("float", r["server CPU seconds"]) for r in chosen]
    refused = [cast("list[int]", r["refused (409) / of them later than shown / other"])[0] for r in chosen]
    booked = [cast("list[int]", r["tries / booked / seconds"])[1] for r in chosen]
    late = [cast("int", r["booked later than its desk showed"]) for r in chosen]
    pairs = ", ".join(f"{s:.0f}/{b:.0f}" for s, b in zip(slots, book, strict=True))
    return (
        f"{'first' if first else 'later'} storms ({len(chosen)}), slots/booking p99 ms: {pairs}; "
        f"409s {refused} (mean {statistics.mean(refused):.1f}), booked {booked}, "
        f"of them later than shown {late}; "
        f"medians {statistics.median(slots):.0f}/{statistics.median(book):.0f}; "
        f"slots p99 <= 100 ms in {sum(s <= 100 for s in slots)} of {len(slots)}; "
        f"booking p99 <= 100 ms in {sum(b <= 100 for b in book)} of {len(book)}; "
        f"server CPU s per storm median {statistics.median(cpu):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="storms per server start, each on a fresh day")
    parser.add_argument("--starts", type=int, default=1, help="server starts, one after the other")
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--think", type=float, default=0.0, help="seconds each desk waits between its query and booking"
    )
    parser.add_argument(
        "--no-promised",
        action="store_true",
        help="book without the promise the query showed (a server before shown16-s41 refuses the field)",
    )
    parser.add_argument("--out", type=Path, default=None, help="append the rounds to this JSON list")
    parser.add_argument(
        "--phases",
        type=Path,
        default=None,
        help=f"the server's per-request timings to this file ({PHASES_ENVIRONMENT})",
    )
    args = parser.parse_args()
    if args.phases is not None:
        os.environ[PHASES_ENVIRONMENT] = str(args.phases.resolve())  # the server inherits it
    rows = [row for start in range(1, args.starts + 1) for row in storms(args, start)]
    for first in (True, False):
        if line := summary(rows, first):
            print(line, flush=True)
    if args.out is not None:
        kept = json.loads(args.out.read_text()) if args.out.exists() else []
        args.out.write_text(json.dumps(kept + rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
