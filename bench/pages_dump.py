"""The technician pages (/workshops/{id}/me) and simulation pages of one fixed day, as HTML, for
diffing two checkouts: a day of small-dealer booked from its own slot offers, planned, some work
clocked (started, paused, finished), each technician's page as of 11:00; a simulation page of a job
on the workshop held and on one not held; and first, before any booking, each service's slot answer
explained (`GET …/slots?explain=true`). A bench of house2-s23 (bench/RESULTS-house2-s23.md); run
from a checkout's root:

    PYTHONPATH=. python -m bench.pages_dump > branch.html

and on `git archive main` (this file copied into its bench/) the same, then `cmp` the two. The
stored plan and the day's status the pages read are printed before them. After the clock events the
stored plan is the live re-plan; the dump makes it inside each clock request (`BAYPLAN_LIVE_REPLAN=sync`),
and numbers the bookings (plans break ties by booking id, which the service draws at random), so every
event is re-planned in order and two runs of one tree give the same bytes. In the background
(the service's default) re-plans coalesce: which intermediate states get a plan of their own depends
on timing, and each re-plan moves the rest of the day as little as possible from the last one, so the
final live plan may differ between runs (each one valid and from the same events)."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import tempfile
import time
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.live_replan import LIVE_REPLAN_ENVIRONMENT
from scheduler.scenarios import load_scenario
from scheduler.service import PlanningService
from simulation.results import ExperimentResult

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=TZ)
DAY = dt.date(2026, 11, 24)


def main() -> None:
    os.environ[LIVE_REPLAN_ENVIRONMENT] = "sync"  # each event re-planned in order: the same bytes each run
    # Booking ids are random, and plans break ties by id: numbered here so two runs plan alike.
    numbers = itertools.count(1)
    PlanningService.new_booking_id = staticmethod(lambda: f"BK-{next(numbers):012d}")  # type: ignore[method-assign]
    workshop = load_scenario("small-dealer").workshop
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(NOW)
        app = create_app(f"sqlite:///{Path(folder) / 'p.db'}", auth=False, clock=clock)
        with TestClient(app) as client:
            base = f"/v1/workshops/{workshop.id}"
            assert client.put(base, json=workshop.model_dump(mode="json")).status_code in (200, 201)
            for code in [s.code for s in workshop.services]:  # the day's slot answers, explained
                params = {"service": code, "date": str(DAY), "explain": "true", "loan_car": code == "MAINT"}
                print(f"=== slots {code}", client.get(f"{base}/slots", params=params).text)
            booked = []
            for i, code in enumerate(
                ["MAINT", "LUBE", "MINOR", "INSPECT", "ALIGN", "MAINT", "ACCIDENT", "LUBE"]
            ):
                offers = client.get(f"{base}/slots", params={"service": code, "date": str(DAY)}).json()[
                    "slots"
                ]
                if not offers:
                    continue
                pick = offers[min(i, len(offers) - 1)]
                r = client.post(f"{base}/bookings", json={"service": code, "drop_off": pick["drop_off"]})
                assert r.status_code == 201, r.text
                booked.append(r.json()["id"])
            plan = client.post(f"{base}/plans", json={"date": str(DAY), "time_limit_seconds": 2}).json()
            first = sorted(plan["assignments"], key=lambda a: a["start"])
            named = {booking_id: f"booking-{n}" for n, booking_id in enumerate(booked)}
            print("=== plan (CP-SAT within 2 s: on a loaded machine it may differ between runs)")
            for a in first:
                print(named[a["booking"]], a["operation"], a["technician"], a["bay"], a["start"], a["end"])
            clock.set(dt.datetime.combine(DAY, dt.time(11, 0), tzinfo=TZ))
            for n, a in enumerate(first[:4]):
                start = dt.datetime.fromisoformat(a["start"])
                body = {"booking": a["booking"], "operation": a["operation"], "technician": a["technician"]}
                client.post(f"{base}/clock", json={**body, "action": "start", "at": start.isoformat()})
                if n == 0:
                    end = start + dt.timedelta(minutes=20)
                    client.post(f"{base}/clock", json={**body, "action": "finish", "at": end.isoformat()})
                if n == 1:
                    half = start + dt.timedelta(minutes=10)
                    client.post(f"{base}/clock", json={**body, "action": "pause", "at": half.isoformat()})
            # What the pages read: the stored plan (re-planned live inside each clock request) and
            # the day's status as of 11:00.
            stored = client.get(f"{base}/plans/{DAY}").json()
            print("=== stored plan as the pages read it")
            for a in sorted(stored["assignments"], key=lambda a: (a["start"], a["booking"])):
                print(named[a["booking"]], a["operation"], a["technician"], a["bay"], a["start"], a["end"])
            status = client.get(f"{base}/days/{DAY}/status").json()
            for b in status["bookings"]:
                for o in b["operations"]:
                    row = (o["operation"], o["state"], o["technician"], o["planned_start"])
                    print(named[b["booking"]], *row)
            for t in workshop.technicians:
                page = client.get(
                    f"/workshops/{workshop.id}/me", params={"technician": t.id, "date": str(DAY)}
                )
                print(f"=== me {t.id} {page.status_code}")
                text = re.sub(r'data-now="[^"]*"', "", page.text)
                for booking_id, name in named.items():  # ids are random: named by booking order
                    text = text.replace(booking_id, name)
                print(text)
            print(
                "=== me nobody",
                client.get(f"/workshops/{workshop.id}/me", params={"technician": "nobody"}).text,
            )
            runner = app.state.services.runner
            spec = {"scenario": "small-dealer", "rules": ["current"], "days": 2, "replications": 2, "seed": 5}
            started = client.post("/v1/simulations", json=spec).json()
            while (done := client.get(started["url"]).json())["status"] in ("queued", "running"):
                time.sleep(0.2)
            result = partial(ExperimentResult.model_validate, done["result"])
            for w in (workshop.id, "elsewhere", None):  # the same report, its scenario's workshop each
                job = runner.submit("simulation", w, result)
                job.future.result(timeout=60)
                page = client.get(f"/simulations/{job.id}")
                print(f"=== simulation {w} {page.status_code}")
                print(page.text.replace(job.id, "JOB"))
            print("=== 404", client.get("/simulations/nope").status_code)


if __name__ == "__main__":
    main()
