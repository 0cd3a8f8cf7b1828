"""Does the booking desk lose or gain a free slot by asking `explain=true` (deskreasons-s23)?

    PYTHONPATH=. .venv/bin/python -m bench.desk_explain_slots SCENARIO BOOKINGS QUERIES SEED [SERVICE]

The day filled as `bench.explain_cost` fills it (BOOKINGS bookings on each of two days at offered
times), then QUERIES random slot queries, each asked plain and then explained (in that order: an
explanation's times found to fit are delivered into the cached answer, so a plain query after it
would list them too). Prints one JSON line: how many answers had the same slots, how many explained
ones listed more (the times the explanation found to fit, `refusal_or_fit`) and how many times that
added, how many listed fewer (expected 0), and the times both offered and refused (expected 0).
"""

from __future__ import annotations

import datetime as dt
import json
import sys

from bench.advisor_soundness import DAY, _client
from bench.explain_cost import _params, filled


def main(scenario: str, bookings: int, queries: int, seed: int, only: str | None = None) -> None:
    c = _client()
    w, base, rng, made = filled(c, scenario, bookings, seed)
    days = [DAY, DAY + dt.timedelta(days=1)]
    same = more = fewer = added = both = 0
    for _ in range(queries):
        params, _ = _params(rng, w, rng.choice(days), only)
        plain = {s["drop_off"] for s in c.get(f"{base}/slots", params=params).json()["slots"]}
        answer = c.get(f"{base}/slots", params={**params, "explain": "true"}).json()
        explained = {s["drop_off"] for s in answer["slots"]}
        refused = {r["drop_off"] for r in answer.get("refused", [])}
        same += explained == plain
        more += explained > plain
        fewer += bool(plain - explained)
        added += len(explained - plain)
        both += len(explained & refused)
    out = {"scenario": scenario, "seed": seed, "service": only, "booked": made, "queries": queries,
           "same": same, "explained_more": more, "times_added": added, "explained_fewer": fewer,
           "offered_and_refused": both}  # fmt: skip
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:6])
