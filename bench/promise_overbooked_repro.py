"""promise16-s39: bookings at an offered time on a workshop that opts in to no-show overbooking,
each booking's promise compared with the slot's. small-dealer with `overbooking_percent` on every
pool its services use, one day filled by slot queries each followed by a booking at an offered time
(an overbooked one first where the answer has any), the background refinement forced to land
between the query and the booking (`post`) or not waited for (`none`). Prints every booking promised
later than its slot showed (the shown slot overbooked or not), every booking promised earlier, and
every 409 (with its reason).

    PYTHONPATH=. python -m bench.promise_overbooked_repro SEEDS MODE [STEPS] [PERCENT] [STEP]

SEEDS: comma-separated. MODE: `post` or `none`. STEPS: booking attempts per seed (default 80: the
day is full of witnessed work well before). PERCENT: each pool's overbooking percent (default 20).
STEP: print the cached offer at the picked time after the query and before the booking at that step.
SQLite in a temporary directory; the tests' clock (2026-11-23 17:30 Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import warnings
from typing import Any
from zoneinfo import ZoneInfo

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.offer import NO_WANTS
from scheduler.offer_cache import offers_key
from scheduler.scenarios import load_scenario
from scheduler.storage import Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # tests.builders.NOW
DATE = "2026-11-24"
CODES = ["LUBE", "MAINT", "MINOR", "ALIGN", "INSPECT", "FIRST"]


def _show(service: Any, workshop_id: str, code: str, drop_off: str, when: str) -> None:
    """The offer cached at `drop_off` for a drop-off customer of `code`: promise, overbooked."""
    entry = service._offers.get(
        offers_key(workshop_id, dt.date.fromisoformat(DATE), code, False, None, NO_WANTS)
    )
    at = [o for o in entry.offers if o.drop_off.isoformat() == drop_off] if entry else []
    found = [(o.promised.isoformat(), o.overbooked, [(p.start, p.end) for p in o.placements]) for o in at]
    print(f"   {when}: refined {entry.refined if entry else None}, offer at the time {found}")


def run(
    seed: int, url: str, mode: str, steps: int, percent: float, show: int = -1
) -> tuple[list[str], dict[str, int]]:
    """The sequence for `seed`: what differed from the slot shown, and counts."""
    out: list[str] = []
    counts = {
        "booked": 0,
        "shown overbooked": 0,
        "later": 0,
        "later (shown overbooked)": 0,
        "earlier": 0,
        "409": 0,
    }
    with TestClient(create_app(url, auth=False, clock=FixedClock(NOW))) as client:
        service = client.app.state.services.service  # type: ignore[attr-defined]
        workshop = load_scenario("small-dealer").workshop
        pools = sorted({f"{op.skill}:{op.min_grade}" for s in workshop.services for op in s.operations})
        data = workshop.model_dump(mode="json")
        data["overbooking"] = [{"pool": p, "overbooking_percent": percent} for p in pools]
        workshop = type(workshop).model_validate(data)
        put = client.put(f"/v1/workshops/{workshop.id}", content=workshop.model_dump_json(),
                         headers={"content-type": "application/json"})  # fmt: skip
        assert put.status_code == 200, put.text
        rng = random.Random(seed)
        for step in range(steps):
            code = rng.choice(CODES)
            params = {"service": code, "date": DATE}
            slots = client.get(f"/v1/workshops/{workshop.id}/slots", params=params).json()["slots"]
            if not slots:
                continue
            over = [s for s in slots if s.get("overbooked")]
            pick = rng.choice(over or slots)
            if step == show:
                _show(service, workshop.id, code, pick["drop_off"], "after the query")
            if mode == "post":
                assert service.refine_idle(timeout=300)
            if step == show:
                _show(service, workshop.id, code, pick["drop_off"], "before the booking")
            made = client.post(
                f"/v1/workshops/{workshop.id}/bookings", json={"service": code, "drop_off": pick["drop_off"]}
            )
            shown = "overbooked" if pick.get("overbooked") else "witnessed"
            said = f"seed {seed} step {step} {code} shown {shown} {pick['drop_off'][11:16]}"
            said += f" promised {pick['promised']}"
            if made.status_code == 409:
                counts["409"] += 1
                out.append(f"{said}: 409 {made.json().get('reason')}")
                continue
            assert made.status_code == 201, made.text
            counts["booked"] += 1
            counts["shown overbooked"] += pick.get("overbooked", False)
            body = made.json()
            booked = dt.datetime.fromisoformat(body["promised"])
            promised = dt.datetime.fromisoformat(pick["promised"])
            booked_as = "overbooked" if body.get("overbooked") else "witnessed"
            if booked > promised:
                counts["later"] += 1
                counts["later (shown overbooked)"] += pick.get("overbooked", False)
                out.append(f"{said}: LATER, booked {booked_as} {body['promised']}")
            elif booked < promised:
                counts["earlier"] += 1
                out.append(f"{said}: earlier, booked {booked_as} {body['promised']}")
    return out, counts


def main() -> None:
    seeds = [int(s) for s in sys.argv[1].split(",")]
    mode = sys.argv[2]
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 80
    percent = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0
    show = int(sys.argv[5]) if len(sys.argv) > 5 else -1
    total: dict[str, int] = {}
    for seed in seeds:
        url = f"sqlite:///{tempfile.mkdtemp()}/bayplan.db"
        Store(url).engine.dispose()
        out, counts = run(seed, url, mode, steps, percent, show)
        print(*out, f"seed {seed}: {counts}", sep="\n", flush=True)
        for k, v in counts.items():
            total[k] = total.get(k, 0) + v
    print(f"all seeds: {total}")


if __name__ == "__main__":
    main()
