"""Clock event days as the shop floor makes them (clockseq-s28), after bench.clock_sequences_s28:
small-dealer, five bookings a day, then up to 12 steps in time order, each a short run of events:

- `next`: the plausible next action on a booking's first unfinished operation (as s28);
- `handover`: a job done in seconds, and another technician starting the next car in the same bay
  (as the day's stored plan has it) within that minute;
- `back_to_back`: one technician finishing a booking and starting another within seconds;
- `break`: work started before the technician's lunch break, paused at it, resumed after it;
- `edge`: the next action exactly at the opening (08:00:00), the mechanics' shift start (08:15:00),
  the closing (17:00:00) or their shift end (17:30:00);
- `late`: work started in the day's last minute (23:59:xx), sometimes done in it (after the others);
- `correct`: a foreman's correction of the last recorded event (its time moved back, another
  technician, another action).

Each event is re-planned inside its request (BAYPLAN_LIVE_REPLAN=sync); every error bayplan logs (a
live re-plan that failed, the stored plan kept) is a finding, as is any 5xx. Derandomized (seeded
from this file's source): compare runs of one copy of it.
`PYTHONPATH=. python -m bench.clock_sequences_s28b [days] [narrow]` (narrow: only the express lane
and one general bay)."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import logging
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ["BAYPLAN_LIVE_REPLAN"] = "sync"

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.scenarios import load_scenario

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=TZ)
SERVICES = ["MAINT", "MINOR", "LUBE", "WARRANTY", "INSPECT"]
OPERATIONS = {"MINOR": 2, "WARRANTY": 2}
TECHNICIANS = ["X01", "M01", "M02", "M03", "M04"]
EDGES = [dt.time(8, 0), dt.time(8, 15), dt.time(17, 0), dt.time(17, 30)]
STEP = st.one_of(
    st.tuples(st.just("next"), st.integers(0, 4), st.sampled_from(TECHNICIANS),
              st.sampled_from(["finish", "finish", "pause"]), st.sampled_from([0, 0, 1, 5, 20, 45, 90]),
              st.sampled_from([0, 0, 10, 30, 50])),
    st.tuples(st.just("handover"), st.integers(0, 4), st.sampled_from(TECHNICIANS),
              st.sampled_from(TECHNICIANS), st.sampled_from([0, 5, 30]), st.sampled_from([5, 20, 40, 59])),
    st.tuples(st.just("back_to_back"), st.integers(0, 4), st.integers(0, 4),
              st.sampled_from(TECHNICIANS), st.sampled_from([0, 10, 60]), st.sampled_from([0, 5, 30])),
    st.tuples(st.just("break"), st.integers(0, 4), st.sampled_from(TECHNICIANS), st.sampled_from([0, 1, 20])),
    st.tuples(st.just("edge"), st.integers(0, 4), st.sampled_from(TECHNICIANS), st.sampled_from(EDGES)),
    st.tuples(st.just("late"), st.integers(0, 4), st.sampled_from(TECHNICIANS), st.sampled_from([0, 10, 59]),
              st.booleans()),
    st.tuples(st.just("correct"), st.sampled_from(["earlier", "technician", "action"]),
              st.sampled_from(TECHNICIANS), st.sampled_from([1, 5, 30])),
)  # fmt: skip


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[re.sub(r"BK-\w+|\d", "#", record.getMessage())[:160]] += 1


def main(days: int, narrow: bool = False) -> int:
    errors = _Errors()
    logging.getLogger("bayplan").addHandler(errors)
    db = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bayplan-sequences-')) / 's.db'}"
    client = TestClient(create_app(db, auth=False, clock=FixedClock(NOW)), raise_server_exceptions=False)
    ws = load_scenario("small-dealer").workshop
    if narrow:  # the express lane and one general bay: cars follow each other in a bay
        ws = ws.model_copy(update={"bays": [b for b in ws.bays if b.id in ("E01", "G01")]})
    breaks = {t.id: t.shift.breaks[-1] for t in ws.technicians if t.shift.breaks}
    put = client.put(f"/v1/workshops/{ws.id}", content=ws.model_dump_json(),
                     headers={"content-type": "application/json"})  # fmt: skip
    assert put.status_code == 200, put.text
    counter = itertools.count(1)
    counts: collections.Counter[object] = collections.Counter()
    by_kind: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    refused: collections.Counter[str] = collections.Counter()

    def day_of(services: list[str], steps: list[tuple[Any, ...]]) -> None:
        day = dt.date(2026, 12, 1) + dt.timedelta(days=next(counter))
        ids: list[str] = []
        for i, code in enumerate(services):
            drop_off = dt.datetime.combine(day, dt.time(8, 10 * i), TZ).isoformat()
            wanted = {"service": code, "drop_off": drop_off}
            made = client.post(
                f"/v1/workshops/{ws.id}/bookings", json=wanted, params={"now": NOW.isoformat()}
            )
            if made.status_code == 201:
                ids.append(made.json()["id"])
        if not ids:
            return
        operations = {bid: OPERATIONS.get(code, 1) for bid, code in zip(ids, services, strict=False)}
        state: dict[tuple[str, int], tuple[str, str]] = {}
        recorded: list[int] = []
        played: list[str] = []
        clock = [dt.datetime.combine(day, dt.time(8, 40), TZ)]

        def first_open(bid: str) -> int | None:
            return next((k for k in range(operations[bid]) if state.get((bid, k), ("",))[0] != "done"), None)

        def post(body: dict[str, object], kind: str) -> None:
            at = body.get("at")
            moment = at if isinstance(at, dt.datetime) else clock[0]
            clock[0] = max(clock[0], moment)
            if isinstance(at, dt.datetime):
                body["at"] = at.isoformat()
            now = (clock[0] + dt.timedelta(seconds=5)).isoformat()
            seen = sum(errors.seen.values())
            answer = client.post(f"/v1/workshops/{ws.id}/clock", json=body, params={"now": now})
            played.append(f"{answer.status_code} {body}")
            if os.environ.get("SEQUENCES_SHOW") and sum(errors.seen.values()) > seen:
                print(f"{day} {list(zip(ids, services, strict=False))}:", *played, sep="\n  ")
            counts[answer.status_code] += 1
            by_kind[f"{kind} {answer.status_code}"] += 1
            if answer.status_code >= 500:
                failures.append(f"{body}: {answer.status_code} {answer.text[:300]}")
            if answer.status_code != 201:
                refused[f"{kind}: " + re.sub(r"BK-\w+|\d", "#", answer.text)[:150]] += 1
                return
            event = answer.json()["event"]
            recorded.append(event["id"])
            after = {"start": "started", "resume": "started", "pause": "paused", "finish": "done"}
            action = event["corrected_action"] or event["action"]  # a correction: as corrected
            if action in after:
                state[(event["booking"], event["operation"])] = (after[action], event["technician"])

        def act(bid: str, tech: str, moment: dt.datetime, kind: str, wanted: str = "finish") -> None:
            """The plausible next action on `bid`'s first unfinished operation at `moment`."""
            k = first_open(bid)
            if k is None:
                return
            now_state = state.get((bid, k))
            if now_state is None:
                action = "start"
            elif now_state[0] == "started":
                action, tech = ("pause" if wanted == "pause" else "finish"), now_state[1]
            else:
                action, tech = "resume", now_state[1]
            post({"booking": bid, "operation": k, "technician": tech, "action": action, "at": moment}, kind)

        def bay_mate(bid: str) -> str | None:
            """Another booking with work left that the stored plan has in `bid`'s bay."""
            plan = client.get(f"/v1/workshops/{ws.id}/plans/{day}")
            if plan.status_code != 200:
                return None
            bays = {(a["booking"], a["operation"]): a["bay"] for a in plan.json()["assignments"]}
            k = first_open(bid)
            bay = bays.get((bid, k if k is not None else 0))
            return next((o for o in ids if o != bid and first_open(o) is not None
                         and bays.get((o, first_open(o))) == bay), None)  # fmt: skip

        # The day's last minute ends it: a `late` step goes after the others (else all after it
        # would be clocked past midnight, refused).
        for step in sorted(steps, key=lambda step: step[0] == "late"):
            kind = step[0]
            if kind == "next":
                _, b, tech, wanted, gap, seconds = step
                clock[0] += dt.timedelta(minutes=gap, seconds=seconds)
                act(ids[b % len(ids)], tech, clock[0], kind, wanted)
            elif kind == "handover":
                _, b, first, second, gap, seconds = step
                bid = ids[b % len(ids)]
                k = first_open(bid)
                if k is None or state.get((bid, k)) is not None:
                    continue
                other = bay_mate(bid)
                start = clock[0].replace(second=0, microsecond=0) + dt.timedelta(minutes=gap + 1)
                post({"booking": bid, "operation": k, "technician": first, "action": "start",
                      "at": start}, kind)  # fmt: skip
                post({"booking": bid, "operation": k, "technician": first, "action": "finish",
                      "at": start + dt.timedelta(seconds=seconds // 2)}, kind)  # fmt: skip
                if other is not None:
                    act(other, second, start + dt.timedelta(seconds=seconds), kind)
            elif kind == "back_to_back":
                _, b, c, tech, gap, seconds = step
                first, then = ids[b % len(ids)], ids[c % len(ids)]
                k = first_open(first)
                if k is None:
                    continue
                if state.get((first, k)) is None:
                    clock[0] += dt.timedelta(minutes=1)
                    post({"booking": first, "operation": k, "technician": tech, "action": "start",
                          "at": clock[0]}, kind)  # fmt: skip
                clock[0] += dt.timedelta(minutes=gap)
                act(first, tech, clock[0], kind)
                act(then, tech, clock[0] + dt.timedelta(seconds=seconds), kind)
            elif kind == "break":
                _, b, tech, minutes = step
                window = breaks[tech]
                pause = dt.datetime.combine(day, dt.time.fromisoformat(window.start), TZ)
                resume = dt.datetime.combine(day, dt.time.fromisoformat(window.end), TZ)
                bid = ids[b % len(ids)]
                k = first_open(bid)
                if k is None or pause - dt.timedelta(minutes=10) < clock[0]:
                    continue
                if state.get((bid, k)) is None:
                    post({"booking": bid, "operation": k, "technician": tech, "action": "start",
                          "at": pause - dt.timedelta(minutes=10)}, kind)  # fmt: skip
                worker = state.get((bid, k), ("", tech))[1]
                for action, moment in (("pause", pause), ("resume", resume + dt.timedelta(minutes=minutes))):
                    post({"booking": bid, "operation": k, "technician": worker, "action": action,
                          "at": moment}, kind)  # fmt: skip
            elif kind == "edge":
                _, b, tech, edge = step
                moment = dt.datetime.combine(day, edge, TZ)
                if moment >= clock[0]:
                    act(ids[b % len(ids)], tech, moment, kind)
            elif kind == "late":
                _, b, tech, seconds, done = step
                bid = ids[b % len(ids)]
                k = first_open(bid)
                moment = dt.datetime.combine(day, dt.time(23, 59, seconds), TZ)
                if k is None or state.get((bid, k)) is not None or moment < clock[0]:
                    continue
                post({"booking": bid, "operation": k, "technician": tech, "action": "start",
                      "at": moment}, kind)  # fmt: skip
                if done:
                    post({"booking": bid, "operation": k, "technician": tech, "action": "finish",
                          "at": moment.replace(second=59)}, kind)  # fmt: skip
            elif kind == "correct" and recorded:
                _, how, tech, minutes = step
                body: dict[str, object] = {"action": "correct", "corrects": recorded[-1]}
                if how == "earlier":
                    body["at"] = clock[0] - dt.timedelta(minutes=minutes)
                elif how == "technician":
                    body["technician"] = tech
                else:
                    body["corrected_action"] = "pause" if minutes == 1 else "finish"
                post(body, kind)
        status = client.get(f"/v1/workshops/{ws.id}/days/{day}/status",
                            params={"now": (clock[0] + dt.timedelta(minutes=1)).isoformat()})  # fmt: skip
        counts[f"status {status.status_code}"] += 1
        if status.status_code >= 500:
            failures.append(f"status {day}: {status.status_code} {status.text[:300]}")

    run = settings(
        max_examples=days,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )(
        given(
            st.lists(st.sampled_from(SERVICES), min_size=5, max_size=5),
            st.lists(STEP, min_size=2, max_size=12),
        )(day_of)
    )
    run()
    print(dict(counts))
    print(dict(sorted(by_kind.items())))
    if os.environ.get("SEQUENCES_REFUSED"):
        for message, count in refused.most_common():
            print(f"refused x{count}: {message}")
    for line in failures:
        print("5xx:", line)
    for message, count in errors.seen.most_common():
        print(f"logged error x{count}: {message}")
    print(f"{len(failures)} server errors, {sum(errors.seen.values())} errors logged")
    return 1 if failures or errors.seen else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, "narrow" in sys.argv[2:]))
