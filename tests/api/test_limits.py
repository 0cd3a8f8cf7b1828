"""Limits: body size, bookings and solver time per request, capped lanes for plans and for simulations
(429 when full, one never waiting behind the other), a simulation budget, background jobs with
status and cancellation, concurrent re-plans leaving one consistent plan, a clean shutdown."""

from __future__ import annotations

import datetime as dt
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.errors import MAX_BODY_BYTES
from scheduler.contract import Booking, Plan, PlanRequest
from scheduler.jobs import Busy, JobCancelled, JobRunner, Lane
from scheduler.scenarios import load_scenario
from scheduler.validator import assert_valid
from tests.builders import NOW, poll_job, tiny_workshop

DAY = "2026-11-24"


pytestmark = pytest.mark.sqlite_only  # the limits do not depend on the backend


def test_oversized_bodies_get_413_and_store_nothing(client: TestClient) -> None:
    big = b'{"id": "tiny", "name": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    response = client.put("/v1/workshops/tiny", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "body" in response.json()["detail"]
    assert client.get("/v1/workshops/tiny").status_code == 404


def test_an_error_repeats_at_most_80_characters_of_a_long_value(client: TestClient) -> None:
    """A 5,000-character booking id or date was repeated whole in the 404/422 text (the date twice):
    bayplan's own texts cut an echoed value to 80 characters and "…", in either language."""
    assert client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json")).status_code == 200
    long_id, long_date = "B" * 5000, "9" * 5000
    for lang in ("en", "zh-CN"):
        headers = {"Accept-Language": lang}
        missing = client.get(f"/v1/workshops/tiny/bookings/{long_id}", headers=headers)
        assert missing.status_code == 404
        detail = missing.json()["detail"]
        assert "B" * 80 + "…" in detail and "B" * 81 not in detail and len(detail) < 200, detail
        bad = client.get("/v1/workshops/tiny/slots", params={"service": "MAINT", "date": long_date},
                         headers=headers)  # fmt: skip
        assert bad.status_code == 422
        item = bad.json()["detail"][0]
        assert "9" * 80 + "…" in item["msg"] and "9" * 81 not in item["msg"], item["msg"]
        assert len(str(item.get("input", ""))) <= 201  # pydantic's echo, cut as before
    unknown = client.get(f"/v1/workshops/{'W' * 5000}").json()["detail"]
    assert "W" * 80 + "…" in unknown and len(unknown) < 200


def test_too_many_bookings_or_too_long_a_solve_is_refused_with_the_field(client: TestClient) -> None:
    workshop = tiny_workshop()
    drop = dt.datetime(2026, 11, 24, 8, tzinfo=workshop.tz)
    many = [Booking(id=f"b{i}", service="MAINT", drop_off=drop).model_dump(mode="json") for i in range(1001)]
    body = {"workshop": workshop.model_dump(mode="json"), "date": DAY, "bookings": many}
    response = client.post("/v1/plan", json=body)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "bookings"]
    body = {"workshop": workshop.model_dump(mode="json"), "date": DAY, "bookings": many[:2],
            "options": {"time_limit_seconds": 120}}  # fmt: skip
    response = client.post("/v1/plan", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-2:] == ["options", "time_limit_seconds"]
    response = client.post("/v1/workshops/tiny/plans", json={"date": DAY, "time_limit_seconds": 61})
    assert response.status_code == 422


def _nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_the_job_pool_refuses_work_past_its_capacity() -> None:
    runner = JobRunner(processes=1, capacity=2)
    try:
        first = runner.submit("test", None, _nap, 2.0)
        second = runner.submit("test", None, _nap, 0.1)
        with pytest.raises(Busy):
            runner.submit("test", None, _nap, 0.1)
        assert {first.status, second.status} <= {"queued", "running"}
        assert first.future.result(timeout=60) == 2.0 and second.future.result(timeout=60) == 0.1
        assert runner.submit("test", None, _nap, 0.0).future.result(timeout=60) == 0.0  # room again
        record = runner.get(first.id)
        assert record is not None and record.status == "done" and first.status == "done"
    finally:
        runner.close()


def test_a_job_says_done_only_after_its_server_side_step() -> None:
    """A background plan is stored by the job's `then` step: a client that sees "done" must find it
    stored (once the job said done first and the plan was stored a moment later: a 404 under load)."""
    runner = JobRunner(processes=1, capacity=2)
    entered, release = threading.Event(), threading.Event()

    def store(answer: float) -> float:
        entered.set()
        release.wait()
        return answer + 1

    try:
        job = runner.submit("test", None, _nap, 0.0, then=store)
        entered.wait()
        assert job.status == "running" and not job.future.done()
        release.set()
        assert job.future.result(timeout=60) == 1.0 and job.status == "done"
        failing = runner.submit("test", None, _nap, 0.0, then=lambda _: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failing.future.result(timeout=60)
        assert failing.status == "failed"
    finally:
        release.set()
        runner.close()


def test_a_plan_is_accepted_while_simulations_fill_their_lane() -> None:
    runner = JobRunner(processes=1, capacity=2, lanes={"simulation": Lane(processes=1, capacity=2)})
    try:
        running = runner.submit("simulation", None, _nap, 120.0)
        queued = runner.submit("simulation", None, _nap, 120.0)
        with pytest.raises(Busy, match="simulation"):
            runner.submit("simulation", None, _nap, 0.0)
        plan = runner.submit("plan", "w", _nap, 0.0)  # its own lane and process: it does not wait
        assert plan.future.result(timeout=60) == 0.0 and plan.status == "done"
        assert not running.future.done() and queued.status == "queued"
    finally:
        runner.close()


def test_cancelling_a_queued_and_a_running_job() -> None:
    runner = JobRunner(processes=1, capacity=2)
    try:
        first = runner.submit("test", None, _nap, 120.0)
        second = runner.submit("test", None, _nap, 120.0)
        assert second.status == "queued"
        record = runner.cancel(second.id)
        assert record is not None and record.status == "cancelled" and second.status == "cancelled"
        deadline = time.monotonic() + 60
        while first.status != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        record = runner.cancel(first.id)  # its worker process is ended
        assert record is not None and record.status == "cancelled"
        with pytest.raises(JobCancelled):
            first.future.result(timeout=1)
        again = runner.cancel(first.id)
        assert again is not None and again.status == "cancelled"  # a finished job stays as it is
        assert runner.cancel("nope") is None
        assert runner.submit("test", None, _nap, 0.0).future.result(timeout=60) == 0.0  # a fresh worker
    finally:
        runner.close()


def test_jobs_are_known_to_every_worker_and_outlive_their_process(tmp_path: Path) -> None:
    from scheduler.jobs import OWNER
    from scheduler.storage import JobRow, Store

    store = Store(f"sqlite:///{tmp_path / 'jobs.db'}")
    here, elsewhere = JobRunner(store=store), JobRunner(store=store)  # two worker processes' runners
    try:
        job = here.submit("test", "w", _nap, 0.2)
        assert job.future.result(timeout=60) == 0.2
        deadline = time.monotonic() + 10
        while (
            (seen := elsewhere.get(job.id)) is not None
            and seen.status != "done"
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)  # the status is written just after the result arrives
        assert seen is not None and seen.status == "done" and seen.workshop == "w"
        with store.transaction() as session:  # a job whose process was killed mid-run
            dead = OWNER.rsplit(":", 1)[0] + ":999999"
            session.add(JobRow(id="orphan", kind="plan", workshop_id="w", owner=dead, status="running",
                               submitted=job.submitted))  # fmt: skip
        orphan = elsewhere.get("orphan")
        assert orphan is not None and orphan.status == "failed" and "stopped" in (orphan.error or "")
    finally:
        here.close()
        elsewhere.close()


def test_background_plan_and_concurrent_replans_leave_one_consistent_plan(client: TestClient) -> None:
    workshop = load_scenario("small-dealer").workshop
    client.put(f"/v1/workshops/{workshop.id}", json=workshop.model_dump(mode="json"))
    base = f"/v1/workshops/{workshop.id}"
    booked = 0
    for i, code in enumerate(["LUBE", "MAINT", "MINOR", "WARRANTY", "ALIGN"] * 3):
        slots = client.get(f"{base}/slots", params={"service": code, "date": DAY}).json()["slots"]
        if slots:
            body = {"service": code, "drop_off": slots[i % len(slots)]["drop_off"]}
            booked += client.post(f"{base}/bookings", json=body).status_code == 201
    assert booked >= 8
    started = client.post(f"{base}/plans", json={"date": DAY, "time_limit_seconds": 2, "background": True})
    assert started.status_code == 202
    job = poll_job(client, started.json()["url"])
    assert job["status"] == "done", job
    assert Plan.model_validate(job["result"]).kpis.placed == booked

    before = Plan.model_validate(client.get(f"{base}/plans/{DAY}").json())
    now = "2026-11-24T10:00:00+08:00"  # re-plan mid-morning: what started by then stays put
    again = client.post(f"{base}/plans", json={"date": DAY, "time_limit_seconds": 2, "now": now})
    assert again.status_code == 200, again.text
    after = {(a.booking, a.operation): a for a in Plan.model_validate(again.json()).assignments}
    started = [a for a in before.assignments if a.start < dt.datetime.fromisoformat(now)]
    assert started and all(after[(a.booking, a.operation)] == a for a in started)

    # Bad input found inside a worker process comes back as 422 naming the field; the pool survives.
    overrun = {"booking": "nope", "operation": 0, "expected_end": "2026-11-24T11:00:00+08:00"}
    unknown = client.post(
        f"{base}/plans", json={"date": DAY, "time_limit_seconds": 1, "now": now, "overruns": [overrun]}
    )
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["detail"][0]["loc"] == ["body", "overruns", 0, "booking"]
    # Re-planning a day that is over from "now" says so (not a complaint about a booking).
    late = client.post(
        f"{base}/plans", json={"date": DAY, "time_limit_seconds": 1, "now": "2026-11-26T09:00:00Z"}
    )
    assert late.status_code == 422, late.text
    [error] = late.json()["detail"]
    assert error["loc"] == ["body", "now"] and "past day" in error["msg"]
    assert client.post(f"{base}/plans", json={"date": DAY, "time_limit_seconds": 1}).status_code == 200

    def replan(_: int) -> int:
        return client.post(f"{base}/plans", json={"date": DAY, "time_limit_seconds": 1}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(replan, range(4)))
    assert set(codes) <= {200, 429} and 200 in codes, codes
    stored = Plan.model_validate(client.get(f"{base}/plans/{DAY}").json())
    bookings = [
        Booking.model_validate(b) for b in client.get(f"{base}/bookings", params={"date": DAY}).json()
    ]
    assert_valid(PlanRequest(workshop=workshop, date=dt.date.fromisoformat(DAY), bookings=bookings), stored)
    assert stored.kpis.placed == len(bookings) == booked and stored.kpis.late == 0


def test_a_simulation_runs_as_a_background_job(client: TestClient) -> None:
    bad = client.post("/v1/simulations", json={"scenario": "small-dealer", "rules": ["nope"]})
    assert bad.status_code == 422, bad.text
    spec = {"scenario": "small-dealer", "rules": ["current"], "days": 3, "replications": 2, "seed": 5}
    started = client.post("/v1/simulations", json=spec)
    assert started.status_code == 202, started.text
    job = poll_job(client, started.json()["url"])
    assert job["status"] == "done", job
    result = job["result"]
    assert isinstance(result, dict) and result["rule_sets"][0]["name"] == "current"
    report = client.get(f"/simulations/{job['id']}")  # the manager's page: the HTML report, offline
    assert report.status_code == 200 and report.text.count("<svg") >= 3
    assert "<script src=" not in report.text and "cdn" not in report.text.lower()


def test_a_season_asked_of_demand_without_one_is_said_in_the_jobs_notes(client: TestClient) -> None:
    """review-s43 #16 over the API: small-dealer's demand is 650 every month, so a peak season
    simulates January; the 202 says so (in the asker's language), and a season that exists does not."""
    spec = {"scenario": "small-dealer", "rules": ["current"], "days": 1, "replications": 2}

    def notes(body: dict[str, object], language: str = "en") -> list[str]:
        started = client.post("/v1/simulations", json=body, headers={"Accept-Language": language})
        assert started.status_code == 202, started.text
        assert poll_job(client, started.json()["url"])["status"] == "done"  # at most 2 queued
        return list(started.json()["notes"])

    assert notes({**spec, "season": "peak"}) == [
        "small-dealer's demand is the same every month (it has no season): season peak simulates jan"
    ]
    assert notes({**spec, "season": "low"}, "zh-CN") == [
        "small-dealer 的需求每月相同（没有淡旺季），季节 low 模拟的是 1月"
    ]
    for quiet in ({**spec, "season": "average"}, {**spec, "month": "mar"}, spec):
        assert notes(quiet) == [], quiet
    assert notes({**spec, "scenario": "dealer-2011", "season": "peak"}) == []


def test_a_simulation_with_nothing_to_measure_shows_its_page(client: TestClient) -> None:
    """review-s34: a simulation with no vehicle due (growth 0.001, one day) measured no on-time
    share: NaN, which the job's JSON stores as null, and the manager's page, reading the result back,
    answered 500 (a float cannot be null). Read back as "no value": the page shows it."""
    spec = {"scenario": "small-dealer", "rules": ["current"], "days": 1, "replications": 2, "growth": 0.001}
    started = client.post("/v1/simulations", json=spec)
    assert started.status_code == 202, started.text
    job = poll_job(client, started.json()["url"])
    assert job["status"] == "done", job
    rule_set = job["result"]["rule_sets"][0]
    assert rule_set["metrics"]["on_time"]["mean"] is None and rule_set["on_time_by_replication"] == [
        None,
        None,
    ]
    report = client.get(f"/simulations/{job['id']}")
    assert report.status_code == 200, report.text[:500]
    assert "<td>on time (%)</td><td>- <span class='ci'>[-, -]</span></td>" in report.text  # not "0.0%"


def test_a_simulation_can_follow_each_days_plan_within_its_own_budget(client: TestClient) -> None:
    """`policy: plan` (the CLI's `--policy plan`) through the API: each simulated day planned by the
    optimiser first, so its budget is smaller and says so, in the caller's language."""
    spec = {"scenario": "small-dealer", "rules": ["current"], "days": 2, "replications": 2, "policy": "plan"}
    started = client.post("/v1/simulations", json=spec)
    assert started.status_code == 202, started.text
    job = poll_job(client, started.json()["url"])
    assert job["status"] == "done", job
    result = job["result"]
    assert isinstance(result, dict) and result["policy"] == "plan"
    big = {**spec, "days": 30, "replications": 10}  # 300 planned days: fine for fcfs, not for plan
    refused = client.post("/v1/simulations", json=big, headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 422, refused.text
    fields = {tuple(d["loc"]) for d in refused.json()["detail"]}
    assert fields == {("body", "days"), ("body", "replications"), ("body", "rules"), ("body", "policy")}
    msg = refused.json()["detail"][0]["msg"]
    assert "300" in msg and "120" in msg and "budget" not in msg, msg  # worded in Chinese
    assert client.post("/v1/simulations", json={**big, "policy": "fcfs"}).status_code == 202


def test_a_jobs_times_come_from_the_services_clock(client: TestClient) -> None:
    """A server on another day's clock (tests, `bayplan serve --now`) stamps its jobs on that day,
    not on the machine's (they read the machine's clock: this test failed on any date but NOW's)."""
    assert client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json")).status_code == 200
    started = client.post("/v1/workshops/tiny/plans", json={"date": DAY, "background": True})
    assert started.status_code == 202, started.text
    assert dt.datetime.fromisoformat(started.json()["submitted"]) == NOW
    job = poll_job(client, started.json()["url"])
    assert job["status"] == "done", job
    assert dt.datetime.fromisoformat(str(job["submitted"])) == NOW
    assert dt.datetime.fromisoformat(str(job["finished"])) == NOW


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"month": "smarch"}, "month"),
        ({"month": "jan", "season": "peak"}, "month"),
        ({"scenario": "no-such-dealer"}, "scenario"),
        ({"growth": 0}, "growth"),
    ],
)
def test_a_bad_simulation_names_the_body_field(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    response = client.post("/v1/simulations", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] == field, response.text


def test_simulations_have_a_budget_and_plans_do_not_wait_behind_them(client: TestClient) -> None:
    big = {"scenario": "dealer-2011", "rules": ["current", "peak-plus2"], "days": 62, "replications": 50}
    refused = client.post("/v1/simulations", json=big)
    assert refused.status_code == 422, refused.text
    fields = {tuple(d["loc"]) for d in refused.json()["detail"]}
    assert fields == {("body", "days"), ("body", "replications"), ("body", "rules")}
    assert "budget" in refused.json()["detail"][0]["msg"]

    long = {"scenario": "dealer-2011", "rules": ["current", "peak-plus2"], "days": 62, "replications": 40}
    jobs = [client.post("/v1/simulations", json=long) for _ in range(2)]
    assert [j.status_code for j in jobs] == [202, 202], [j.text for j in jobs]
    assert client.post("/v1/simulations", json=long).status_code == 429  # the simulation lane is full
    client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json"))
    plan = client.post("/v1/workshops/tiny/plans", json={"date": DAY, "time_limit_seconds": 1})
    assert plan.status_code == 200, plan.text  # a foreman's plan does not wait behind simulations
    for job in jobs:
        cancelled = client.delete(job.json()["url"])
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
        assert client.get(job.json()["url"]).json()["status"] == "cancelled"
    assert client.delete("/v1/jobs/unknown").status_code == 404
    assert client.post("/v1/simulations", json=long).status_code == 202  # room again


def test_the_server_stops_without_leaking_semaphores(tmp_path: Path) -> None:
    """SIGTERM after a plan (its worker process started): the pools are shut down and joined, so
    the resource tracker finds no leaked semaphore at exit."""
    import signal
    import subprocess
    import sys

    import httpx

    from cli.testing import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "cli", "serve", "--no-auth", "--port", str(port),
               "--db", f"sqlite:///{tmp_path / 'stop.db'}"]  # fmt: skip
    # stderr is read to its end: the resource tracker (a child) writes its warning after the server exits.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "the server did not start"
            time.sleep(0.2)
        body = tiny_workshop().model_dump_json()
        httpx.put(f"{url}/v1/workshops/tiny", content=body, timeout=10,
                  headers={"content-type": "application/json"})  # fmt: skip
        plan = httpx.post(f"{url}/v1/workshops/tiny/plans", json={"date": DAY, "time_limit_seconds": 1},
                          timeout=60)  # fmt: skip
        assert plan.status_code == 200, plan.text
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    text = err.decode()
    assert "Application shutdown complete" in text, text
    assert "leaked" not in text, text
