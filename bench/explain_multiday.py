"""Explain vs booking for multi-day work (issue 16 item 5 with item 4): on busy days, every time
`explain=true` refuses a multi-day service is tried as a booking (each 201 cancelled at once), and
every time it offers that the plain answer of the same query does not is booked, its days' witness
validated, and cancelled; one offered time per query is booked and kept (the days fill up).

    PYTHONPATH=. .venv/bin/python -m bench.explain_multiday SCENARIO FILL QUERIES SEED... \\
        [--multi=CODE:DAYS] [--loan-cars=N] [--storm=K] [--hide]

FILL bookings (random services of the scenario, whole repairs among them) are booked at offered
times over the three days from DAY before the queries. `--multi=CODE:DAYS` makes a service of the
scenario multi-day (`max_days`), for a scenario that has none (small-dealer: ACCIDENT:3);
`--loan-cars=N` sets the loan-car fleet (fewer cars: the loan-car rule blocks more often).
`--storm=K`: each query's answer is first made with its search's budget shared as among K desks at
once (`Contention.share`: full / K), as an answer cached during a booking storm; explain and the
bookings then run alone (the full budget). `--hide`: every other offered time is then left out of
the cached answer (an answer that missed them, as review-s20's R1 and the tests do by hand): explain
should find them again, a booking there is accepted either way. The
multi-day service asked is the first with `max_days` > 1.

Every day a kept or explain-only booking touches is checked by the independent validator
(`validate_plan` on the day's witness plan, the booking service's request with `keep_promises`;
`validate_multiday` on the booking's own witness). One JSON line per seed.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import random
import sys

from bench.advisor_soundness import DAY, _client
from bench.explain_agreement import book_offered, book_refused
from bench.explain_cost import put_workshop, wants
from scheduler.contract import Workshop
from scheduler.integrity import finish, plannable
from scheduler.offer import Wants
from scheduler.offer_cache import offers_key
from scheduler.plan_tasks import witness_hint
from scheduler.planning import to_plan
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from scheduler.storage import bookings as bookings_db
from scheduler.validator import validate_multiday, validate_plan

SKIP = ("in the past", "drop-offs are offered every", "workshop closed")


def _wants(
    rng: random.Random, w: Workshop, code: str, day: dt.date
) -> tuple[dict[str, str], dict[str, object]]:
    return wants(rng, w, code, day, parts_share=0.5, eta_days=(0, 0, 1, 2))


def witness_violations(c, w: Workshop, booking_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    """`violations` through the test client's planning service."""
    return violations(c.app.state.services.service, w, booking_id)


def violations(service: PlanningService, w: Workshop, booking_id: str) -> list[str]:
    """The validator on every day `booking_id` touches (the day's witness as a plan, the booking
    service's request) and on its own witness over its days."""
    with service.store.sessions() as session:
        row = bookings_db.get(session, w.id, booking_id)
        assert row is not None
        booking, witness = bookings_db.accepted_of(row)
    found = [f"multiday: {v.rule} {v.message}" for v in validate_multiday(w, booking, witness)]
    dates = sorted(
        {a.start.astimezone(w.tz).date() for a in witness} | {booking.drop_off.astimezone(w.tz).date()}
    )
    for d in dates:
        request, day_witness, _ = service.plan_inputs(w.id, d, 2.0)
        compiled, dropped = plannable(request)
        hint = witness_hint(compiled, day_witness)
        unplaced = [compiled.request.bookings[j].id for j in hint.unplaced]
        found += [f"{d}: witness does not place {b}" for b in unplaced]
        plan = finish(request, to_plan(compiled, hint, "witness"), dropped)
        found += [f"{d}: {v.rule} {v.message}" for v in validate_plan(request, plan)]
    return found


def main(
    scenario: str,
    fill: int,
    queries: int,
    seed: int,
    multi: tuple[str, int] | None,
    cars: int | None = None,
    storm: int = 1,
    hide: bool = False,
) -> dict[str, object]:
    c = _client()
    svc = c.app.state.services.service  # type: ignore[attr-defined]
    w = load_scenario(scenario).workshop
    if cars is not None:
        w = w.model_copy(update={"loan_cars": cars})
    if multi is not None:
        w = w.model_copy(
            update={
                "services": [
                    s.model_copy(update={"max_days": multi[1]}) if s.code == multi[0] else s
                    for s in w.services
                ]
            }
        )
    base = put_workshop(c, w)
    code = next(s.code for s in w.services if s.max_days > 1)
    rng = random.Random(seed)
    days = [DAY + dt.timedelta(days=i) for i in range(3)]
    stats: collections.Counter[str] = collections.Counter()
    booked_by_reason: collections.Counter[str] = collections.Counter()
    tried_by_reason: collections.Counter[str] = collections.Counter()
    odd: list[tuple[object, ...]] = []
    codes = [s.code for s in w.services]
    for _ in range(fill * 3):
        if stats["filled"] >= fill:
            break
        asked = code if rng.random() < 0.15 else rng.choice(codes)
        params, body = _wants(rng, w, asked, rng.choice(days))
        slots = c.get(f"{base}/slots", params=params).json()["slots"]
        if slots:
            r = c.post(f"{base}/bookings", json={**body, "drop_off": rng.choice(slots)["drop_off"]})
            stats["filled"] += r.status_code == 201
    for _ in range(queries):
        day = rng.choice(days)
        params, body = _wants(rng, w, code, day)
        if storm > 1:  # the answer cached as under a storm of `storm` desks (its search's budget shared)
            svc.contention.share = lambda full: full / storm
        try:
            plain = c.get(f"{base}/slots", params=params).json()
        finally:
            svc.contention.__dict__.pop("share", None)
        if hide:  # every other offered time left out of the cached answer (an answer that missed them)
            eta = params.get("parts_eta")
            wants = Wants(
                params["loan_car"] == "true", None if eta is None else dt.datetime.fromisoformat(eta)
            )
            key = (*offers_key(w.id, day, code, False, None, wants), "multi-day")
            cached = svc._offers.get(key)
            if cached is not None:
                kept = [o for i, o in enumerate(cached[1]) if i % 2 == 1]
                stats["hidden"] += len(cached[1]) - len(kept)
                svc._offers.put(key, cached._replace(offers=kept))
                plain = c.get(f"{base}/slots", params=params).json()
        answer = c.get(f"{base}/slots", params={**params, "explain": "true"}).json()
        stats["queries"] += 1
        stats["offered"] += len(answer["slots"])
        plain_times = {s["drop_off"] for s in plain["slots"]}
        extra = [s for s in answer["slots"] if s["drop_off"] not in plain_times]
        stats["explain_only_offered"] += len(extra)
        refused = [x for x in answer.get("refused", []) if not x["reason"].startswith(SKIP)]
        stats["refused_on_grid"] += len(refused)
        for x in refused:
            r = book_refused(c, base, body, x, 5, stats, tried_by_reason, booked_by_reason)
            if r is None:
                continue
            if r.status_code == 201:
                odd.append(
                    ("booked", params.get("loan_car"), params.get("parts_eta"), x["drop_off"], x["reason"])
                )
            else:
                odd.append(("differs", x["drop_off"], x["reason"], r.status_code, r.text[:160]))
        for s in extra:  # offered by explain only: must book, with every day it touches valid
            r = c.post(f"{base}/bookings", json={**body, "drop_off": s["drop_off"]})
            stats["explain_only_tried"] += 1
            if r.status_code != 201:
                stats["offered_refused"] += 1
                odd.append(("explain_only_refused", s["drop_off"], r.text[:160]))
                continue
            bad = witness_violations(c, w, r.json()["id"])
            stats["invalid"] += len(bad)
            odd += [("invalid", s["drop_off"], v) for v in bad[:3]]
            assert c.delete(f"{base}/bookings/{r.json()['id']}").status_code in (200, 204)
        if answer["slots"]:
            pick, r = book_offered(c, base, body, answer["slots"], rng, stats)
            if r.status_code != 201:
                odd.append(("offered_refused", pick["drop_off"], r.text[:160]))
            else:
                bad = witness_violations(c, w, r.json()["id"])
                stats["invalid"] += len(bad)
                odd += [("invalid", pick["drop_off"], v) for v in bad[:3]]
    out = {"scenario": scenario, "multi": multi, "loan_cars": w.loan_cars, "storm": storm, "hide": hide,
           "fill": fill, "seed": seed,
           **stats, "booked_by_reason": dict(booked_by_reason),
           "tried_by_reason": dict(tried_by_reason)}  # fmt: skip
    print(json.dumps(out), flush=True)
    for item in odd[:12]:
        print("  ", item, flush=True)
    return out


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    cars_arg = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--loan-cars=")), None)
    storm_arg = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--storm=")), 1)
    hide_arg = "--hide" in sys.argv[1:]
    multi_arg = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--multi=")), None)
    multi = None if multi_arg is None else (multi_arg.split(":")[0], int(multi_arg.split(":")[1]))
    scenario, numbers = args[0], [int(a) for a in args[1:]]
    for s in numbers[2:]:
        main(
            scenario,
            numbers[0],
            numbers[1],
            s,
            multi,
            None if cars_arg is None else int(cars_arg),
            storm_arg,
            hide_arg,
        )
