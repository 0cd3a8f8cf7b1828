"""clock13-s45's shortcuts checked against what they replace over a dealer-2011 day lived through
in-process (simulation/day_replay.py, as bench/clock_cpu.py): at every call,

- `ShopFloor._events` (the day's events kept, only new rows read) against the day's rows read and
  converted anew (`clock_intake.stored_events`): the same plain rows, the same events;
- `ShopFloor._plan` (a plan parsed in the re-plan's thread) against the stored text parsed anew;
- `plans.mark_live`'s skip (no UPDATE where the plan read is live) against the UPDATE: it would
  have changed no row.

Counts the calls and the differences (0 expected); exit status 1 on any difference.

    PYTHONPATH=. .venv/bin/python -m bench.check_clock13_s45 [--db postgresql] [--date 2026-11-24] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import uuid
import warnings
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.app import create_app
from bench.clock import NOW
from scheduler.clock import ShiftedClock
from scheduler.clock_intake import stored_events
from scheduler.contract import Plan
from scheduler.scenarios import load_scenario
from scheduler.shopfloor import ShopFloor
from scheduler.storage import plans as plans_db
from scheduler.storage.tables import PlanRow
from simulation.day_replay import replay_day

counts: dict[str, int] = {}


def _count(name: str, same: bool) -> None:
    counts[f"{name}: calls"] = counts.get(f"{name}: calls", 0) + 1
    if not same:
        counts[f"{name}: DIFFERENT"] = counts.get(f"{name}: DIFFERENT", 0) + 1


def run(db: str, date: dt.date, seed: int) -> dict[str, int]:
    events, plan_of, mark_live = ShopFloor._events, ShopFloor._plan, plans_db.mark_live

    def checked_events(self: ShopFloor, session: Session, workshop_id: str, date: dt.date) -> Any:
        kept = events(self, session, workshop_id, date)
        _count("_events vs the rows read anew", kept == stored_events(session, workshop_id, date))
        return kept

    def checked_plan(self: ShopFloor, session: Session, workshop_id: str, date: dt.date) -> Plan | None:
        plan = plan_of(self, session, workshop_id, date)
        row = plans_db.get(session, workshop_id, date)
        if row is not None:
            _count("_plan vs the stored text parsed anew", plan == Plan.model_validate_json(row.body))
        return plan

    def checked_mark_live(session: Session, workshop_id: str, date: dt.date) -> None:
        would = session.scalar(
            select(func.count())
            .select_from(PlanRow)
            .where(PlanRow.workshop_id == workshop_id, PlanRow.date == date, PlanRow.as_of_event.is_(None))
        )
        row = plans_db.get(session, workshop_id, date)
        if row is not None and row.as_of_event is not None:  # skipped: the UPDATE would change no row
            _count("mark_live skipped vs the UPDATE's rows", would == 0)
        mark_live(session, workshop_id, date)

    scenario = load_scenario("dealer-2011")
    admin = name = None
    ShopFloor._events = checked_events  # type: ignore[method-assign]
    ShopFloor._plan = checked_plan  # type: ignore[method-assign]
    plans_db.mark_live = checked_mark_live
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/check.db"
            if db == "postgresql":
                pg = os.environ["BAYPLAN_TEST_PG_URL"]
                admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
                name = f"clock13_{uuid.uuid4().hex[:8]}"
                with admin.connect() as connection:
                    connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
                url = sa.make_url(pg).set(database=name).render_as_string(hide_password=False)
            app = create_app(url, auth=False, clock=ShiftedClock(NOW))
            with TestClient(app) as http:
                ws = scenario.workshop
                http.put(f"/v1/workshops/{ws.id}", content=ws.model_dump_json(),
                         headers={"content-type": "application/json"}).raise_for_status()  # fmt: skip
                replay_day(http, scenario, date, seed, latency_every=1)  # type: ignore[arg-type]
    finally:
        ShopFloor._events = events  # type: ignore[method-assign]
        ShopFloor._plan = plan_of  # type: ignore[method-assign]
        plans_db.mark_live = mark_live
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2026, 11, 24))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    found = run(args.db, args.date, args.seed)
    print(json.dumps({"db": args.db, "date": args.date.isoformat(), "seed": args.seed, **found}, indent=1))
    sys.exit(1 if any("DIFFERENT" in k for k in found) else 0)


if __name__ == "__main__":
    main()
