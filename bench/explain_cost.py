"""The cost of `explain=true` on a filled day: GET …/slots with and without it, the same queries
in the same process (in-process API on the tests' fixed clock, bench.advisor_soundness._client).

    PYTHONPATH=. .venv/bin/python -m bench.explain_cost SCENARIO BOOKINGS QUERIES SEED [SERVICE]

Fills two days with BOOKINGS bookings each at offered times (random services, loan cars, parts
ETAs), then asks QUERIES random slot queries on them: each once without explain (after a warm-up
ask, so both answers come from the cached offers), then with it; with SERVICE, every query asks
for that service (ACC-REPAIR: multi-day work's explain). Prints one JSON line: p50/p99 ms
of each and of the paired difference (explain minus plain), wall clock, and the process's CPU
(`*_cpu_*`: every thread's, less moved by other load on a shared machine).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time

from fastapi.testclient import TestClient

from bench.advisor_soundness import DAY, _client
from scheduler.contract import Workshop
from scheduler.scenarios import load_scenario


def wants(
    rng: random.Random,
    w: Workshop,
    code: str,
    day: dt.date,
    parts_share: float = 0.7,
    eta_days: tuple[int, ...] = (0, 0, 1),
) -> tuple[dict[str, str], dict[str, object]]:
    """A random query for `code` on `day` (waiter, loan car, a parts ETA on its day or later) as slot
    query parameters and the booking body that goes with it."""
    service = w.service(code)
    assert service is not None
    waiter = code in ("LUBE", "INSPECT") and rng.random() < 0.4
    loan = bool(w.loan_cars) and not waiter and rng.random() < 0.5
    params = {
        "service": code,
        "date": day.isoformat(),
        "waiter": str(waiter).lower(),
        "loan_car": str(loan).lower(),
    }
    body: dict[str, object] = {"service": code, "waiter": waiter, "loan_car": loan}
    if any(o.needs_parts for o in service.operations) and rng.random() < parts_share:
        when = dt.time(rng.choice([9, 11, 14]), rng.choice([0, 30]))
        eta = dt.datetime.combine(day + dt.timedelta(days=rng.choice(eta_days)), when, tzinfo=w.tz)
        params["parts_eta"] = body["parts_eta"] = eta.isoformat()
    return params, body


def _params(
    rng: random.Random, w: Workshop, day: dt.date, only: str | None = None
) -> tuple[dict[str, str], dict[str, object]]:
    code = rng.choice([s.code for s in w.services])
    return wants(rng, w, only or code, day)  # the same draws either way: the days fill alike


def put_workshop(c: TestClient, w: Workshop) -> str:
    """`w` stored through the API; its routes' base."""
    put = c.put(
        f"/v1/workshops/{w.id}", content=w.model_dump_json(), headers={"content-type": "application/json"}
    )
    assert put.status_code == 200, put.text
    return f"/v1/workshops/{w.id}"


def filled(
    c: TestClient, scenario: str, bookings: int, seed: int
) -> tuple[Workshop, str, random.Random, int]:
    """The scenario's workshop (check-in 10 min) with its first two days filled with `bookings`
    bookings each at offered times; the random draws go on from the returned generator."""
    w = load_scenario(scenario).workshop
    w = w.model_copy(update={"services": [s.model_copy(update={"check_in_minutes": 10}) for s in w.services]})
    base = put_workshop(c, w)
    rng = random.Random(seed)
    days = [DAY, DAY + dt.timedelta(days=1)]
    made = 0
    for _ in range(bookings * 4):
        if made >= bookings * len(days):
            break
        params, body = _params(rng, w, rng.choice(days))
        slots = c.get(f"{base}/slots", params=params).json()["slots"]
        if slots:
            r = c.post(f"{base}/bookings", json={**body, "drop_off": rng.choice(slots)["drop_off"]})
            made += r.status_code == 201
    return w, base, rng, made


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def main(scenario: str, bookings: int, queries: int, seed: int, only: str | None = None) -> None:
    c = _client()
    w, base, rng, made = filled(c, scenario, bookings, seed)
    days = [DAY, DAY + dt.timedelta(days=1)]
    plain: list[float] = []
    explained: list[float] = []
    plain_cpu: list[float] = []
    explained_cpu: list[float] = []
    refused = offered = 0
    for _ in range(queries):
        params, _ = _params(rng, w, rng.choice(days), only)
        c.get(f"{base}/slots", params=params)  # the offers cached: both timings below read them
        t0, c0 = time.perf_counter(), time.process_time()
        c.get(f"{base}/slots", params=params)
        t1, c1 = time.perf_counter(), time.process_time()
        answer = c.get(f"{base}/slots", params={**params, "explain": "true"}).json()
        t2, c2 = time.perf_counter(), time.process_time()
        plain.append((t1 - t0) * 1000)
        explained.append((t2 - t1) * 1000)
        plain_cpu.append((c1 - c0) * 1000)  # the process's CPU (every thread): less moved by the load
        explained_cpu.append((c2 - c1) * 1000)
        refused += len(answer.get("refused", []))
        offered += len(answer["slots"])
    diff = [e - p for e, p in zip(explained, plain, strict=True)]
    diff_cpu = [e - p for e, p in zip(explained_cpu, plain_cpu, strict=True)]
    out = {"scenario": scenario, "seed": seed, "service": only, "booked": made, "queries": queries,
           "plain_p50": _pct(plain, 0.5), "plain_p99": _pct(plain, 0.99),
           "explain_p50": _pct(explained, 0.5), "explain_p99": _pct(explained, 0.99),
           "extra_p50": _pct(diff, 0.5), "extra_p99": _pct(diff, 0.99),
           "plain_cpu_p50": _pct(plain_cpu, 0.5), "explain_cpu_p50": _pct(explained_cpu, 0.5),
           "extra_cpu_p50": _pct(diff_cpu, 0.5), "extra_cpu_mean": round(sum(diff_cpu) / len(diff_cpu), 2),
           "extra_mean": round(sum(diff) / len(diff), 2),
           "offered": offered, "refused": refused}  # fmt: skip
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:6])
