"""Clock event sequences on fresh days (hostile-s28): four bookings of small-dealer a day, then up
to 14 events in time order, mostly the plausible next action on a booking's first unfinished
operation (start, pause, resume, finish), sometimes any action, an operation that does not exist or
a correction, with gaps from 0 s (taps in one minute) to 90 min. Each event is re-planned inside its
request (BAYPLAN_LIVE_REPLAN=sync). It counts the answers, and every error bayplan logs (a live
re-plan that failed, the stored plan kept) is a finding. Derandomized: main and a branch see the
same sequences. `PYTHONPATH=. python -m bench.clock_sequences_s28 [days]`."""

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
SERVICES = ["MAINT", "MINOR", "LUBE", "WARRANTY"]
OPERATIONS = {"MINOR": 2, "WARRANTY": 2}
TECHNICIANS = ["X01", "M01", "M02", "M03", "M04"]
EVENT = st.tuples(
    st.integers(0, 3),
    st.integers(0, 1),  # 0: the plausible next action; 1: operation 1 with the drawn action
    st.sampled_from(TECHNICIANS),
    st.sampled_from(["start", "start", "finish", "finish", "pause", "resume", "correct"]),
    st.sampled_from([0, 0, 0, 1, 5, 20, 45, 90]),
    st.sampled_from([0, 0, 0, 10, 30, 50]),
    st.one_of(st.none(), st.sampled_from(["start", "finish", "pause", "resume"])),
)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[re.sub(r"BK-\w+|\d", "#", record.getMessage())[:160]] += 1


def main(days: int) -> int:
    errors = _Errors()
    logging.getLogger("bayplan").addHandler(errors)
    db = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bayplan-sequences-')) / 's.db'}"
    client = TestClient(create_app(db, auth=False, clock=FixedClock(NOW)), raise_server_exceptions=False)
    ws = load_scenario("small-dealer").workshop
    put = client.put(f"/v1/workshops/{ws.id}", content=ws.model_dump_json(),
                     headers={"content-type": "application/json"})  # fmt: skip
    assert put.status_code == 200, put.text
    counter = itertools.count(1)
    counts: collections.Counter[object] = collections.Counter()
    failures: list[str] = []

    def day_of(services: list[str], events: list[tuple[Any, ...]]) -> None:
        day = dt.date(2026, 12, 1) + dt.timedelta(days=next(counter))
        ids: list[str] = []
        for i, code in enumerate(services):
            drop_off = dt.datetime.combine(day, dt.time(8 + i // 2, 30 * (i % 2)), TZ).isoformat()
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
        moment = dt.datetime.combine(day, dt.time(8, 40), TZ)
        for b, op, tech, action, gap, seconds, corrected in events:
            moment += dt.timedelta(minutes=gap, seconds=seconds)
            bid = ids[b % len(ids)]
            if op == 0:
                k = next((k for k in range(operations[bid]) if state.get((bid, k), ("",))[0] != "done"), None)
                if k is None:
                    continue
                op, now_state = k, state.get((bid, k))
                if now_state is None:
                    action = "start"
                elif now_state[0] == "started":
                    action = "pause" if action == "pause" else "finish"
                    tech = now_state[1]
                else:
                    action, tech = "resume", now_state[1]
            body: dict[str, object] = {"booking": bid, "operation": op, "technician": tech, "action": action,
                                       "at": moment.isoformat()}  # fmt: skip
            if action == "correct":
                if not recorded:
                    continue
                body |= {"corrects": recorded[-1], "corrected_action": corrected or "finish"}
            now = (moment + dt.timedelta(seconds=5)).isoformat()
            answer = client.post(f"/v1/workshops/{ws.id}/clock", json=body, params={"now": now})
            counts[answer.status_code] += 1
            if answer.status_code >= 500:
                failures.append(f"{body}: {answer.status_code} {answer.text[:300]}")
            if answer.status_code == 201:
                recorded.append(answer.json()["event"]["id"])
                after = {"start": "started", "resume": "started", "pause": "paused", "finish": "done"}
                if action in after:
                    state[(bid, op)] = (after[action], tech)
        status = client.get(f"/v1/workshops/{ws.id}/days/{day}/status",
                            params={"now": (moment + dt.timedelta(minutes=1)).isoformat()})  # fmt: skip
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
            st.lists(st.sampled_from(SERVICES), min_size=4, max_size=4),
            st.lists(EVENT, min_size=2, max_size=14),
        )(day_of)
    )
    run()
    print(dict(counts))
    for line in failures:
        print("5xx:", line)
    for message, count in errors.seen.most_common():
        print(f"logged error x{count}: {message}")
    print(f"{len(failures)} server errors, {sum(errors.seen.values())} errors logged")
    return 1 if failures or errors.seen else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
