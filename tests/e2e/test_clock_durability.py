"""A real `bayplan serve` process: clock events survive SIGKILL during a storm, exactly once, and the
live day after a restart is the day before the kill."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli.testing import Server
from tests.builders import CLOCK_NOW, DATE, NOW, at, settled

W = "/v1/workshops/floor"
TECHS = ["t1", "t2", "t3", "t4"]
ROUNDS = 4
AS_OF = at("16:00").isoformat()


def workshop() -> dict[str, Any]:
    """Four general bays and four technicians, 08:00-17:00; maintenance takes 30 minutes."""
    shift = {"start": "08:00", "end": "17:00"}
    return {
        "id": "floor",
        "name": "Floor",
        "timezone": "Asia/Shanghai",
        "opening": {"start": "08:00", "end": "12:00"},
        "bays": [{"id": f"G{i}", "kind": "general"} for i in range(1, 5)],
        "technicians": [{"id": t, "name": t.upper(), "grade": 3, "skills": ["maintenance"], "shift": shift}
                        for t in TECHS],
        "services": [{"code": "MAINT", "name": "Maintenance", "operations": [
            {"name": "work", "minutes": 30, "skill": "maintenance", "bay_kinds": ["general"]}]}],
    }  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path / "clock.db", now=NOW)
    s.start(timeout=180)  # a busy machine starts slowly
    yield s
    if s.process is not None and s.process.poll() is None:
        s.kill()


def the_day(http: httpx.Client) -> list[tuple[str, dict[str, Any]]]:
    """Sixteen bookings dropped off at 08:00, planned; the clock events of working them, four
    technicians in rounds of 40 minutes, in time order, each with its idempotency key."""
    assert http.put(W, json=workshop()).status_code == 200
    ids = []
    for n in range(len(TECHS) * ROUNDS):
        r = http.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": at("08:00").isoformat()},
                      headers={"Idempotency-Key": f"b{n}"})  # fmt: skip
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    assert http.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 2}).status_code == 200
    events = []
    for rnd in range(ROUNDS):
        for j, tech in enumerate(TECHS):
            start = at("08:00") + dt.timedelta(minutes=40 * rnd + j)
            for action, moment in (("start", start), ("finish", start + dt.timedelta(minutes=30 + 3 * j))):
                body = {"booking": ids[rnd * len(TECHS) + j], "operation": 0, "technician": tech,
                        "action": action, "at": moment.isoformat()}  # fmt: skip
                events.append((f"e-{action}-{rnd}-{j}", body))
    events.sort(key=lambda e: (e[1]["at"], e[1]["action"] != "finish"))
    return events


def status(http: httpx.Client) -> dict[str, Any]:
    """The day at 16:00 once its live plan is made from every recorded event (re-planned in the
    background: after a restart, from the stored events)."""
    settled(http, W)
    r = http.get(f"{W}/days/{DATE}/status", params={"now": AS_OF})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def stored(http: httpx.Client) -> list[tuple[str, str, str]]:
    return [(e["booking"], e["action"], e["at"]) for e in http.get(f"{W}/days/{DATE}/events").json()]


def key_of(body: dict[str, Any]) -> tuple[str, str, str]:
    return (body["booking"], body["action"], dt.datetime.fromisoformat(body["at"]).isoformat())


def test_sigkill_during_a_clock_storm_loses_no_acknowledged_event_and_doubles_none(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=120, headers=server.headers) as http:
        events = the_day(http)
    acked: list[tuple[str, dict[str, Any]]] = []
    seen: list[tuple[int, dict[str, Any]]] = []  # (events acknowledged, the status after them)
    kill_after = len(events) // 2
    problems: list[str] = []
    killers: list[threading.Thread] = []

    def kill_soon(delay: float) -> None:
        # time.sleep, not threading.Timer: a timed lock wait never ends under libfaketime's
        # shifted monotonic clock (the suite also runs under `faketime -f +400d`).
        time.sleep(delay)
        server.kill()

    def storm() -> None:
        with httpx.Client(base_url=server.url, timeout=120, headers=server.headers) as http:
            for key, body in events:
                try:
                    r = http.post(f"{W}/clock", params=CLOCK_NOW, json=body, headers={"Idempotency-Key": key})
                    if r.status_code != 201:
                        problems.append(f"{key}: {r.status_code} {r.text}")
                        return
                    acked.append((key, body))
                    seen.append((len(acked), status(http)))
                except httpx.HTTPError:
                    return  # killed under us
                if len(acked) == kill_after:  # the next event is in flight when the kill comes
                    delay = random.Random(7).uniform(0.005, 0.04)
                    killer = threading.Thread(target=kill_soon, args=(delay,))
                    killers.append(killer)
                    killer.start()

    worker = threading.Thread(target=storm)
    worker.start()
    worker.join(timeout=900)
    assert not worker.is_alive()
    assert not problems, problems
    for killer in killers:
        killer.join(timeout=60)
    assert server.process is not None and server.process.poll() is not None  # it was killed
    assert kill_after <= len(acked) < len(events)

    server.start(timeout=180)  # the same database
    with httpx.Client(base_url=server.url, timeout=120, headers=server.headers) as http:
        after_restart = stored(http)
        assert len(set(after_restart)) == len(after_restart)  # none doubled
        assert {key_of(b) for _, b in acked} <= set(after_restart)  # none acknowledged lost
        assert len(after_restart) <= len(acked) + 1  # at most the one in flight, unacknowledged
        before = dict(seen).get(len(acked))
        if len(after_restart) == len(acked) and before is not None:
            assert status(http) == before
        # The clients resend what they did not see acknowledged (and, to be sure, everything).
        for key, body in events:
            r = http.post(f"{W}/clock", params=CLOCK_NOW, json=body, headers={"Idempotency-Key": key})
            assert r.status_code in ((200,) if (key, body) in acked else (200, 201)), r.text
        final = stored(http)
        assert sorted(final) == sorted(key_of(b) for _, b in events)
        final_status = status(http)
    server.kill()
    server.start(timeout=180)
    with httpx.Client(base_url=server.url, timeout=120, headers=server.headers) as http:
        assert status(http) == final_status
