"""Parts on order, per operation (issue 16 item 3): what the desk offers and whether it stays sound.

Through the HTTP API (SQLite, a fixed clock the evening before the day):

- offers: ACCIDENT (body work, then paint that needs parts) on an empty day with the parts due
  at several times: how many drop-off times are offered, the first with its promised pickup, and
  whether a booking at 08:00 is taken; the same as `POST /v1/plan` (stateless): placed or not.
  On small-dealer (body 120 min, paint 90 min with `needs_parts` set here, as audit16-s19 p9) and
  dealer-2011 (body 150, paint 90, `needs_parts` in the scenario).
- soundness: `--seeds` of random dealer-2011 requests over three days (ACCIDENT, ACC-PAINT,
  ACC-REPAIR with parts ETAs that day or 1-2 days later, loan cars), each booked at a random offered
  time; then every day touched is planned (`POST …/plans`) and checked by `scheduler.validator`:
  no issue, nothing unassigned, none late (audit16-s19 p6). Also counted: operations placed before
  their booking's parts ETA (work that no longer waits for parts it does not need).

    .venv/bin/python -m bench.parts_probe [--seeds 1,2,3,4,5] [--requests 40] [--no-offers] [--out FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.contract import Plan, Workshop
from scheduler.scenarios import load_scenario
from scheduler.storage.store import Store
from scheduler.validator import validate_plan

DAY = dt.date(2026, 11, 24)
NOW = dt.datetime(2026, 11, 23, 17, 30)


def _client(tz: str) -> TestClient:
    url = f"sqlite:///{tempfile.mkdtemp(prefix='parts-probe-')}/b.db"
    Store(url).engine.dispose()
    from zoneinfo import ZoneInfo

    return TestClient(create_app(url, auth=False, clock=FixedClock(NOW.replace(tzinfo=ZoneInfo(tz)))))


def _put(client: TestClient, workshop: Workshop) -> None:
    response = client.put(
        f"/v1/workshops/{workshop.id}",
        content=workshop.model_dump_json(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code in (200, 201), response.text


def _small() -> Workshop:
    """small-dealer with its ACCIDENT paint waiting for parts (audit16-s19 p9)."""
    data = load_scenario("small-dealer").workshop.model_dump(mode="json")
    for service in data["services"]:
        if service["code"] == "ACCIDENT":
            service["operations"][-1]["needs_parts"] = True
    return Workshop.model_validate(data)


def offers(workshop: Workshop, etas: list[str]) -> list[dict[str, Any]]:
    rows = []
    for hhmm in etas:
        client = _client(workshop.timezone)
        _put(client, workshop)
        hours, minutes = map(int, hhmm.split(":"))
        eta = dt.datetime.combine(DAY, dt.time(hours, minutes), tzinfo=workshop.tz).isoformat()
        at8 = dt.datetime.combine(DAY, dt.time(8), tzinfo=workshop.tz).isoformat()
        base = f"/v1/workshops/{workshop.id}"
        params = {"service": "ACCIDENT", "date": DAY.isoformat(), "parts_eta": eta, "explain": "true"}
        body = client.get(f"{base}/slots", params=params).json()
        slots = body["slots"]
        parts = sum(r["reason"].startswith("parts arrive") for r in body["refused"])
        request = {
            "workshop": json.loads(workshop.model_dump_json()),
            "date": DAY.isoformat(),
            "bookings": [{"id": "x", "service": "ACCIDENT", "drop_off": at8, "parts_eta": eta}],
            "options": {"time_limit_seconds": 2},
        }
        stateless = client.post("/v1/plan", json=request).json()
        booked = client.post(
            f"{base}/bookings", json={"service": "ACCIDENT", "drop_off": at8, "parts_eta": eta}
        )
        rows.append(
            {
                "workshop": workshop.id,
                "parts_eta": hhmm,
                "offers": len(slots),
                "first": slots[0]["drop_off"][11:16] if slots else None,
                "first promised": slots[0]["promised"][11:16] if slots else None,
                "refused 'parts arrive'": parts,
                "book 08:00": booked.status_code,
                "POST /v1/plan 08:00 placed": not stateless["unassigned"],
                "POST /v1/plan ops": [
                    (a["operation"], a["start"][11:16], a["end"][11:16]) for a in stateless["assignments"]
                ],
            }
        )
    return rows


def soundness(seed: int, requests: int = 40) -> dict[str, Any]:
    workshop = load_scenario("dealer-2011").workshop
    client = _client(workshop.timezone)
    _put(client, workshop)
    base = f"/v1/workshops/{workshop.id}"
    rng = random.Random(seed)
    codes = [s.code for s in workshop.services]
    days = [DAY + dt.timedelta(days=i) for i in range(3)]
    accepted, refused_offered, promise_differs = 0, 0, 0
    touched: set[str] = set()
    began = time.perf_counter()
    for _ in range(requests):
        code = rng.choice([*codes, "ACC-REPAIR", "ACCIDENT", "ACCIDENT", "ACC-PAINT"])
        day = rng.choice(days)
        service = workshop.service(code)
        assert service is not None
        waiter = code in ("LUBE", "INSPECT") and rng.random() < 0.4
        loan = not waiter and rng.random() < 0.5
        params = {
            "service": code,
            "date": day.isoformat(),
            "waiter": str(waiter).lower(),
            "loan_car": str(loan).lower(),
        }
        body: dict[str, Any] = {"service": code, "waiter": waiter, "loan_car": loan}
        if service.needs_parts and rng.random() < 0.8:
            eta_day = day + dt.timedelta(days=rng.choice([0, 0, 0, 1, 2]))
            eta = dt.datetime.combine(eta_day, dt.time(rng.choice([9, 11, 13, 14, 15])), tzinfo=workshop.tz)
            params["parts_eta"] = body["parts_eta"] = eta.isoformat()
        slots = client.get(f"{base}/slots", params=params).json()["slots"]
        if not slots:
            continue
        pick = rng.choice(slots)
        made = client.post(f"{base}/bookings", json={**body, "drop_off": pick["drop_off"]})
        if made.status_code != 201:
            refused_offered += 1
            continue
        promise_differs += made.json()["promised"] != pick["promised"]
        accepted += 1
        touched.update(pick.get("days") or [day.isoformat()])
    booking_seconds = time.perf_counter() - began
    issues, unassigned, late, early_ops, parts_ops = 0, 0, 0, 0, 0
    statuses: list[str] = []
    service_of = client.app.state.services.service
    for date in sorted(touched):
        response = client.post(f"{base}/plans", json={"date": date, "time_limit_seconds": 2})
        assert response.status_code == 200, response.text
        plan = Plan.model_validate(response.json())
        statuses.append(f"{plan.status} {plan.solve_seconds:.1f}s")
        request, _, _ = service_of.plan_inputs(workshop.id, dt.date.fromisoformat(date), 2)
        issues += len(validate_plan(request, plan))
        unassigned += len(plan.unassigned)
        late += plan.kpis.late
        eta = {b.id: b.parts_eta for b in request.bookings if b.parts_eta is not None}
        for a in plan.assignments:
            if a.booking in eta:
                parts_ops += 1
                early_ops += a.start < eta[a.booking]
    return {
        "seed": seed,
        "accepted": accepted,
        "offered but refused": refused_offered,
        "promise differs from offer": promise_differs,
        "days planned": len(touched),
        "validator issues": issues,
        "unassigned": unassigned,
        "late": late,
        "ops of parts bookings": parts_ops,
        "of them before the ETA": early_ops,
        "seconds booking": round(booking_seconds, 1),
        "seconds planning": round(time.perf_counter() - began - booking_seconds, 1),
        "plans": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--requests", type=int, default=40, help="random requests per seed")
    parser.add_argument("--no-offers", action="store_true", help="the soundness part only")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    result: dict[str, Any] = {"offers": []}
    if not args.no_offers:
        result["offers"] += offers(_small(), ["11:00", "14:00", "15:30"])
        result["offers"] += offers(load_scenario("dealer-2011").workshop, ["11:00", "14:00", "15:30"])
    for row in result["offers"]:
        print(json.dumps(row), flush=True)
    result["soundness"] = []
    for seed in map(int, args.seeds.split(",")):
        row = soundness(seed, args.requests)
        print(json.dumps(row), flush=True)
        result["soundness"].append(row)
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
