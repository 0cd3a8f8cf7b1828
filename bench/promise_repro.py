"""promise16-s37: the sequence of tests/api/test_frontdesk.py's random loan-car test (small-dealer,
3 loan cars, 40 slot queries each followed by a booking at a random offered time), with the
background refinement forced to land at chosen points, and each booking's promise compared with the
offer's. Prints every booking promised otherwise than offered, later or earlier.

    PYTHONPATH=. python -m bench.promise_repro SEEDS MODE [STEP]

SEEDS: comma-separated (the test's are 1 and 2). MODE: where the run waits for the refinements asked
so far (`PlanningService.refine_idle`): `post` between each query and its booking, `pre` before
each query, `both`, `none`, or `mixN` one of those per step drawn with seed N. STEP: print the
cached offer at the picked time after the query and before the booking at that step.
Environment: QUICK_BUDGET (the immediate search's CPU budget, `ejection_seconds`, default 0.025)
and REFINE_SECONDS (CP-SAT's time per solve in the refinement, default 1.0) to mimic a loaded
machine. SQLite in a temporary directory; the tests' clock (2026-11-23 17:30 Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import warnings
from typing import Any
from zoneinfo import ZoneInfo

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.offer import Wants
from scheduler.offer_cache import offers_key
from scheduler.scenarios import load_scenario
from scheduler.storage import Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # tests.builders.NOW
DATE = "2026-11-24"


def _at(hhmm: str) -> str:
    return f"{DATE}T{hhmm}:00+08:00"


def _show(service: Any, key: tuple[object, ...], drop_off: str, when: str) -> None:
    """The offer cached under `key` at `drop_off`: its promise and placements (minutes of the day)."""
    entry = service._offers.get(key)
    at = [o for o in entry.offers if o.drop_off.isoformat() == drop_off] if entry else []
    found = [(o.promised.isoformat(), [(p.start, p.end) for p in o.placements]) for o in at]
    print(f"   {when}: refined {entry.refined if entry else None}, offer at the time {found}")


def run(seed: int, url: str, mode: str, verbose: int = -1) -> list[str]:
    """The test's sequence for `seed`; the bookings promised otherwise than offered."""
    differ: list[str] = []
    with TestClient(create_app(url, auth=False, clock=FixedClock(NOW))) as client:
        service = client.app.state.services.service  # type: ignore[attr-defined]
        if os.environ.get("QUICK_BUDGET"):
            service.ejection_seconds = float(os.environ["QUICK_BUDGET"])
        if os.environ.get("REFINE_SECONDS"):
            service.refiner.exact_seconds = float(os.environ["REFINE_SECONDS"])
        workshop = load_scenario("small-dealer").workshop.model_copy(update={"loan_cars": 3})
        put = client.put(f"/v1/workshops/{workshop.id}", content=workshop.model_dump_json(),
                         headers={"content-type": "application/json"})  # fmt: skip
        assert put.status_code == 200, put.text
        rng = random.Random(seed)
        mix = random.Random(int(mode[3:])) if mode.startswith("mix") else None
        for step in range(40):
            code = rng.choice(["LUBE", "MAINT", "MINOR", "ALIGN", "ACCIDENT"])
            waiter = code in ("LUBE", "MAINT") and rng.random() < 0.4
            loan = not waiter and rng.random() < 0.5
            params = {
                "service": code,
                "date": DATE,
                "waiter": str(waiter).lower(),
                "loan_car": str(loan).lower(),
            }
            body: dict[str, Any] = {"service": code, "waiter": waiter, "loan_car": loan}
            if code == "ACCIDENT":
                params["parts_eta"] = body["parts_eta"] = _at(rng.choice(["09:00", "10:30"]))
            wait = mix.choice(["pre", "post", "none", "both"]) if mix else mode
            if wait in ("pre", "both"):
                assert service.refine_idle(timeout=300)
            slots = client.get(f"/v1/workshops/{workshop.id}/slots", params=params).json()["slots"]
            if not slots:
                continue
            pick = rng.choice(slots)
            eta = dt.datetime.fromisoformat(body["parts_eta"]) if "parts_eta" in body else None
            key = offers_key(workshop.id, dt.date.fromisoformat(DATE), code, waiter, None, Wants(loan, eta))

            if step == verbose:
                _show(service, key, pick["drop_off"], "after the query")
            if wait in ("post", "both"):
                assert service.refine_idle(timeout=300)
            if step == verbose:
                _show(service, key, pick["drop_off"], "before the booking")
            made = client.post(
                f"/v1/workshops/{workshop.id}/bookings", json={**body, "drop_off": pick["drop_off"]}
            )
            assert made.status_code == 201, made.text
            booked = made.json()["promised"]
            if booked != pick["promised"]:
                said = f"offered {pick['drop_off']} promised {pick['promised']}, booked {booked}"
                differ.append(f"seed {seed} step {step} {code} waiter={waiter} loan_car={loan}: {said}")
    return differ


def main() -> None:
    seeds = [int(s) for s in sys.argv[1].split(",")]
    mode = sys.argv[2]
    verbose = int(sys.argv[3]) if len(sys.argv) > 3 else -1
    for seed in seeds:
        url = f"sqlite:///{tempfile.mkdtemp()}/bayplan.db"
        Store(url).engine.dispose()
        differ = run(seed, url, mode, verbose)
        print(*differ, f"seed {seed}: {len(differ)} promised otherwise than offered", sep="\n", flush=True)


if __name__ == "__main__":
    main()
