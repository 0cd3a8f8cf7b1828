"""Soundness probe with advisors: every offered slot, booked through the API, gets a day plan the
validator accepts (advisor rule included where the validator has it), no booking left out or
late; and an independent count: at no minute more check-ins run than advisors are on duty.

    PYTHONPATH=. .venv/bin/python -m bench.advisor_soundness SCENARIO CHECK_IN DAYS BOOKINGS SEED...

(adapted from p6 of bench/RESULTS-audit16-s19-scripts.txt: BOOKINGS requests of random services,
waiters, loan cars and parts ETAs over DAYS days from 2026-11-24, each booking one of the offered
slots at random; with DAYS 1 and many bookings the day fills up and the advisors bind.)
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import tempfile
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.contract import Plan, Workshop
from scheduler.scenarios import load_scenario
from scheduler.storage.store import Store
from scheduler.validator import validate_plan

NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
"""The evening before DAY (the tests' fixed clock; benchmarks share no helpers with the tests)."""
DAY = dt.date(2026, 11, 24)


def _client() -> TestClient:
    d = tempfile.mkdtemp(prefix="advs20-")
    url = f"sqlite:///{d}/b.db"
    Store(url).engine.dispose()
    return TestClient(create_app(url, auth=False, clock=FixedClock(NOW)))


def _minute(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def over_advisors(w: Workshop, date: dt.date, drop_offs: list[tuple[dt.datetime, int]]) -> int:
    """Minutes at which more check-ins run than advisors are on duty (shift, not on a break)."""
    spans = []
    for at, minutes in drop_offs:
        local = at.astimezone(w.tz)
        if local.date() == date:
            start = local.hour * 60 + local.minute
            spans.append((start, start + minutes))
    over = 0
    for m in range(24 * 60):
        running = sum(1 for s, e in spans if s <= m < e)
        on = sum(
            1
            for a in w.advisors
            if date.weekday() in a.weekdays
            and _minute(a.shift.start) <= m < _minute(a.shift.end)
            and not any(_minute(b.start) <= m < _minute(b.end) for b in a.shift.breaks)
        )
        over += running > on
    return over


def main(scenario: str, check_in: int, seed: int, n: int = 60, spread: int = 3) -> dict[str, object]:
    c = _client()
    w = load_scenario(scenario).workshop
    services = [s.model_copy(update={"check_in_minutes": check_in}) for s in w.services]
    w = w.model_copy(update={"services": services})
    headers = {"content-type": "application/json"}
    r = c.put(f"/v1/workshops/{w.id}", content=w.model_dump_json(), headers=headers)
    assert r.status_code == 200, r.text
    base = f"/v1/workshops/{w.id}"
    rng = random.Random(seed)
    codes = [s.code for s in w.services]
    days = [DAY + dt.timedelta(days=i) for i in range(spread)]
    accepted = refused_offered = 0
    used: set[str] = set()
    for _ in range(n):
        code = rng.choice(codes)
        day = rng.choice(days)
        service = w.service(code)
        assert service is not None
        waiter = code in ("LUBE", "INSPECT") and rng.random() < 0.4
        loan = bool(w.loan_cars) and not waiter and rng.random() < 0.5
        params = {"service": code, "date": day.isoformat(), "waiter": str(waiter).lower()}
        params["loan_car"] = str(loan).lower()
        body: dict[str, object] = {"service": code, "waiter": waiter, "loan_car": loan}
        if any(o.needs_parts for o in service.operations) and rng.random() < 0.7:
            eta_day = day + dt.timedelta(days=rng.choice([0, 0, 1, 2]))
            eta = dt.datetime.combine(eta_day, dt.time(rng.choice([9, 11, 14])), tzinfo=w.tz)
            params["parts_eta"] = eta.isoformat()
            body["parts_eta"] = eta.isoformat()
        slots = c.get(f"{base}/slots", params=params)
        assert slots.status_code == 200, slots.text
        offered = slots.json()["slots"]
        if not offered:
            continue
        pick = rng.choice(offered)
        r = c.post(f"{base}/bookings", json={**body, "drop_off": pick["drop_off"]})
        if r.status_code != 201:
            refused_offered += 1
            continue
        accepted += 1
        used.update(pick.get("days", [day.isoformat()]))
    invalid = unassigned = late = over = 0
    for d in sorted(used):
        r = c.post(f"{base}/plans", json={"date": d, "time_limit_seconds": 2})
        assert r.status_code == 200, r.text
        plan = Plan.model_validate(r.json())
        date = dt.date.fromisoformat(d)
        request, _, _ = c.app.state.services.service.plan_inputs(w.id, date, 2)  # type: ignore[attr-defined]
        invalid += len(validate_plan(request, plan))
        unassigned += len(plan.unassigned)
        late += plan.kpis.late
        drop_offs = []
        for b in [*request.bookings, *request.held]:
            s = request.workshop.service(b.service)
            if s is not None and b.drop_off.astimezone(w.tz).date() == date:
                drop_offs.append((b.drop_off, s.check_in_minutes))
        over += over_advisors(w, date, drop_offs)
    row = {"scenario": scenario, "check_in": check_in, "seed": seed, "asked": n, "accepted": accepted,
           "offered_then_refused": refused_offered, "days": len(used), "invalid": invalid,
           "unassigned": unassigned, "late": late, "minutes_over_advisors": over}  # fmt: skip
    print(json.dumps(row), flush=True)
    return row


if __name__ == "__main__":
    scenario, check_in, spread, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    for seed in map(int, sys.argv[5:]):
        main(scenario, check_in, seed, n, spread)
