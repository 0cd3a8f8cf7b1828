"""Explain vs booking (issue 16, review-s20 R1): every refused time explain gives is tried as a
booking (at most K per query), every offered one picked at random booked; each day touched is then
planned and validated with the booking service's request (`keep_promises`). Counts per reason.

    PYTHONPATH=. .venv/bin/python -m bench.explain_agreement SCENARIO CHECK_IN DAYS N K SEED...

`bench.review_explain_probe` is this probe with K = 2.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import random
import sys

from bench.advisor_soundness import DAY, _client
from scheduler.contract import Plan
from scheduler.scenarios import load_scenario
from scheduler.validator import validate_plan

SKIP = ("in the past", "drop-offs are offered every", "workshop closed")


def book_offered(  # type: ignore[no-untyped-def]
    c,
    base: str,
    body: dict[str, object],
    slots: list[dict[str, object]],
    rng: random.Random,
    stats: collections.Counter[str],
):
    """One offered time of `slots` picked at random and booked (an offer must book): the pick and
    the answer, counted as tried and, unless 201, refused."""
    pick = rng.choice(slots)
    r = c.post(f"{base}/bookings", json={**body, "drop_off": pick["drop_off"]})
    stats["offered_tried"] += 1
    if r.status_code != 201:
        stats["offered_refused"] += 1
    return pick, r


def book_refused(  # type: ignore[no-untyped-def]
    c,
    base: str,
    body: dict[str, object],
    x: dict[str, str],
    words: int,
    stats: collections.Counter[str],
    tried_by_reason: collections.Counter[str],
    booked_by_reason: collections.Counter[str],
):
    """A time explain refused (`x`) tried as a booking and counted under its reason's first `words`
    words: booked (cancelled at once), refused with the same reason, or another answer. The answer
    where the booking and explain disagree (201, or not a 409 with the same reason), else None."""
    r = c.post(f"{base}/bookings", json={**body, "drop_off": x["drop_off"]})
    stats["refused_tried"] += 1
    reason = " ".join(x["reason"].split(" until ")[0].split(" (")[0].split()[:words])
    tried_by_reason[reason] += 1
    if r.status_code == 201:
        stats["refused_but_booked"] += 1
        booked_by_reason[reason] += 1
        assert c.delete(f"{base}/bookings/{r.json()['id']}").status_code in (200, 204)
        return r
    if r.status_code == 409 and r.json().get("reason") == x["reason"]:
        stats["same_reason"] += 1
        return None
    stats["reason_differs"] += 1
    return r


def main(scenario: str, check_in: int, spread: int, n: int, k: int, seed: int) -> dict[str, object]:
    c = _client()
    w = load_scenario(scenario).workshop
    w = w.model_copy(
        update={"services": [s.model_copy(update={"check_in_minutes": check_in}) for s in w.services]}
    )
    put = c.put(
        f"/v1/workshops/{w.id}", content=w.model_dump_json(), headers={"content-type": "application/json"}
    )
    assert put.status_code == 200, put.text
    base = f"/v1/workshops/{w.id}"
    rng = random.Random(seed)
    days = [DAY + dt.timedelta(days=i) for i in range(spread)]
    stats: collections.Counter[str] = collections.Counter()
    booked_by_reason: collections.Counter[str] = collections.Counter()
    tried_by_reason: collections.Counter[str] = collections.Counter()
    odd: list[tuple[object, ...]] = []
    used: set[str] = set()
    for _ in range(n):
        code, day = rng.choice([s.code for s in w.services]), rng.choice(days)
        service = w.service(code)
        assert service is not None
        waiter = code in ("LUBE", "INSPECT") and rng.random() < 0.4
        loan = bool(w.loan_cars) and not waiter and rng.random() < 0.5
        params = {"service": code, "date": day.isoformat(), "waiter": str(waiter).lower(),
                  "loan_car": str(loan).lower(), "explain": "true"}  # fmt: skip
        body: dict[str, object] = {"service": code, "waiter": waiter, "loan_car": loan}
        if any(o.needs_parts for o in service.operations) and rng.random() < 0.7:
            when = dt.time(rng.choice([9, 11, 14]), rng.choice([0, 30]))
            eta = dt.datetime.combine(day + dt.timedelta(days=rng.choice([0, 0, 1])), when, tzinfo=w.tz)
            params["parts_eta"] = body["parts_eta"] = eta.isoformat()
        answer = c.get(f"{base}/slots", params=params).json()
        plain = c.get(f"{base}/slots", params={**params, "explain": "false"}).json()
        if [s["drop_off"] for s in plain["slots"]] != [s["drop_off"] for s in answer["slots"]]:
            stats["explain_slots_differ"] += 1
        stats["queries"] += 1
        stats["offered"] += len(answer["slots"])
        refused = [x for x in answer.get("refused", []) if not x["reason"].startswith(SKIP)]
        stats["refused_on_grid"] += len(refused)
        for x in rng.sample(refused, min(k, len(refused))):
            r = book_refused(c, base, body, x, 4, stats, tried_by_reason, booked_by_reason)
            if r is None:
                continue
            if r.status_code == 201:
                odd.append(
                    ("booked", code, waiter, loan, params.get("parts_eta"), x["drop_off"], x["reason"])
                )
            else:
                odd.append(("differs", code, x["drop_off"], x["reason"], r.status_code, r.text[:200]))
        if answer["slots"]:
            pick, r = book_offered(c, base, body, answer["slots"], rng, stats)
            if r.status_code != 201:
                odd.append(("offered_refused", code, pick, r.text[:200]))
            else:
                used.update(pick.get("days", [day.isoformat()]))
    for d in sorted(used):
        r = c.post(f"{base}/plans", json={"date": d, "time_limit_seconds": 2})
        assert r.status_code == 200, r.text
        plan = Plan.model_validate(r.json())
        request, _, _ = c.app.state.services.service.plan_inputs(w.id, dt.date.fromisoformat(d), 2)  # type: ignore[attr-defined]
        found = validate_plan(request, plan)
        stats["invalid"] += len(found)
        stats["unassigned"] += len(plan.unassigned)
        stats["late"] += plan.kpis.late
        odd += [("invalid", d, v.rule, v.message) for v in found[:3]]
        odd += [("unassigned", d, u.booking, u.reason) for u in plan.unassigned[:3]]
    out = {"scenario": scenario, "check_in": check_in, "seed": seed, "k": k, **stats,
           "booked_by_reason": dict(booked_by_reason), "tried_by_reason": dict(tried_by_reason)}  # fmt: skip
    print(json.dumps(out), flush=True)
    for item in odd[:12]:
        print("  ", item, flush=True)
    return out


if __name__ == "__main__":
    scenario, numbers = sys.argv[1], [int(a) for a in sys.argv[2:]]
    for s in numbers[4:]:
        main(scenario, numbers[0], numbers[1], numbers[2], numbers[3], s)
