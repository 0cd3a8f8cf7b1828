"""What "Why not other times?" says of the walk-in holdback, what explain costs, and whether a
booking's 409 says the same (deskparts-s24): days filled as `bench/explain_cost.py` fills them
(in-process API on the tests' fixed clock), then QUERIES random explained slot queries.

    PYTHONPATH=. nice -n 10 .venv/bin/python -m bench.holdback_words SCENARIO BOOKINGS QUERIES SEED [SERVICE]

Prints one JSON line: explain=true's p50/p99 ms (wall and the process's CPU), the refused times
by reason family ("walk-in holdback" bare, its advisor check-in reserve, a named technician pool,
"no advisor free for check-in", the rest), and, for up to PROBES refused times whose reason is the
walk-in holdback, a booking there: refused (409) with the same reason, or booked after all (then
cancelled, the day left as it was). Runs unchanged on a tree before the pools were named (all
bare "walk-in holdback"), so the two trees compare in one session.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter

from bench.advisor_soundness import DAY, _client
from bench.explain_cost import _params, _pct, filled

PROBES = 20


def family(reason: str) -> str:
    if reason == "walk-in holdback":
        return "holdback bare"
    if reason == "walk-in holdback: advisor check-in":
        return "holdback advisor"
    if reason.startswith("walk-in holdback"):
        return "holdback pool"
    if reason == "no advisor free for check-in":
        return "no advisor"
    return "other"


def main(scenario: str, bookings: int, queries: int, seed: int, only: str | None = None) -> None:
    import datetime as dt

    c = _client()
    w, base, rng, made = filled(c, scenario, bookings, seed)
    days = [DAY, DAY + dt.timedelta(days=1)]
    wall: list[float] = []
    cpu: list[float] = []
    families: Counter[str] = Counter()
    pools: Counter[str] = Counter()
    probes: list[tuple[dict[str, object], str, str]] = []
    for _ in range(queries):
        params, body = _params(rng, w, rng.choice(days), only)
        c.get(f"{base}/slots", params=params)  # the offers cached, as explain_cost times it
        t0, c0 = time.perf_counter(), time.process_time()
        answer = c.get(f"{base}/slots", params={**params, "explain": "true"}).json()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        for r in answer.get("refused", []):
            kind = family(r["reason"])
            families[kind] += 1
            if kind.startswith("holdback"):
                pools[r["reason"]] += 1
                if len(probes) < PROBES and r["drop_off"] not in {p[1] for p in probes}:
                    probes.append((body, r["drop_off"], r["reason"]))
    same = booked = other = 0
    for body, drop_off, reason in probes:
        r = c.post(f"{base}/bookings", json={**body, "drop_off": drop_off})
        if r.status_code == 409:
            same += r.json().get("reason") == reason
            other += r.json().get("reason") != reason
        elif r.status_code in (200, 201):
            booked += 1
            c.delete(f"{base}/bookings/{r.json()['id']}")
    out = {"scenario": scenario, "seed": seed, "service": only, "booked": made, "queries": queries,
           "explain_p50": _pct(wall, 0.5), "explain_p99": _pct(wall, 0.99),
           "explain_cpu_p50": _pct(cpu, 0.5), "explain_cpu_mean": round(sum(cpu) / len(cpu), 2),
           "families": dict(sorted(families.items())), "holdback_reasons": dict(pools.most_common()),
           "probes": len(probes), "409_same_reason": same, "409_other_reason": other,
           "booked_after_all": booked}  # fmt: skip
    print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:6])
