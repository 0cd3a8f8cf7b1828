"""D3 (review-s20): a forced workshop change that put a multi-day repair at risk dropped its witness
and its carried days; a carried day on which its work was clocked then answered its status and
plans with 500 (the day's events named a booking the day no longer had). Mended in 173f578: the
forced change is a 409 and both days answer 200.

    PYTHONPATH=. .venv/bin/python -m bench.review_d3_probe
"""

from __future__ import annotations

import datetime as dt
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from bench.advisor_soundness import DAY, _client
from scheduler.scenarios import load_scenario


def main() -> None:
    c = _client()
    raw = TestClient(c.app, raise_server_exceptions=False)
    ws = load_scenario("dealer-2011").workshop
    base = f"/v1/workshops/{ws.id}"
    assert c.put(base, json=ws.model_dump(mode="json")).status_code == 200
    booked = c.post(f"{base}/bookings", json={"service": "ACC-REPAIR", "drop_off": f"{DAY}T08:00:00+08:00"})
    assert booked.status_code == 201, booked.text
    rid, days = booked.json()["id"], sorted({booked.json()["drop_off"][:10]})
    plan = {d: c.post(f"{base}/plans", json={"date": d, "time_limit_seconds": 2}).json() for d in
            [(DAY + dt.timedelta(days=i)).isoformat() for i in range(5)]}  # fmt: skip
    carried = next(
        d for d, p in plan.items() if d != str(DAY) and any(a["booking"] == rid for a in p["assignments"])
    )
    a = next(a for a in plan[carried]["assignments"] if a["booking"] == rid)
    body = {"booking": rid, "operation": a["operation"], "technician": a["technician"], "action": "start",
            "at": a["start"]}  # fmt: skip
    print(
        "clock on",
        carried,
        c.post(f"{base}/clock", params={"now": "2027-01-01T00:00:00+08:00"}, json=body).status_code,
    )
    data = ws.model_dump(mode="json")
    for s in data["services"]:
        if s["code"] == "ACC-REPAIR":
            s["operations"][-1]["minutes"] = 720  # the paint longer: the witness breaks
    put = c.put(base, json=data)
    print(
        "PUT",
        put.status_code,
        put.text[:200],
        "forced",
        c.put(base, params={"force": "true"}, json=data).status_code,
    )
    print("status", raw.get(f"{base}/days/{carried}/status", params={"now": a["start"]}).status_code)
    print("plans", raw.post(f"{base}/plans", json={"date": carried, "time_limit_seconds": 2}).status_code)
    del days


if __name__ == "__main__":
    main()
