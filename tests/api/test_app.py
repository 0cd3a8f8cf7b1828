"""The served process settles at start-up (`create_app(settle=True)`, as `bayplan serve` makes
it): the refinement worker is started and the start-up heap frozen out of the garbage collector;
and with BAYPLAN_PHASES a slot query and a booking write their phase timings."""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from scheduler import phases, refiner
from tests.builders import DATE, at, fixed_clock, put_workshop, small_workshop, tiny_workshop


class _Pool:
    """A worker pool that runs nothing and records what it was sent (no process spawned)."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def submit(self, fn: Any, *args: Any) -> Future[object]:
        self.sent.append(fn)
        return Future()

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[_Pool]:
    made: list[_Pool] = []

    def pool(processes: int) -> _Pool:
        made.append(_Pool())
        return made[-1]

    monkeypatch.setattr(refiner, "worker_pool", pool)
    monkeypatch.setattr(refiner, "stop_pool", lambda p: None)
    return made


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process's objects are collectable again


def test_settled_the_refinement_worker_starts_and_the_start_up_heap_is_frozen(
    sqlite_url: str, pools: list[_Pool], unfrozen: None
) -> None:
    with TestClient(create_app(sqlite_url, auth=False, clock=fixed_clock(), settle=True)):
        assert gc.get_freeze_count() > 0
        assert len(pools) == 1 and pools[0].sent == [refiner._ready]  # its imports done before any query


def test_not_settled_nothing_is_frozen_or_started(
    sqlite_url: str, pools: list[_Pool], unfrozen: None
) -> None:
    with TestClient(create_app(sqlite_url, auth=False, clock=fixed_clock())):
        assert gc.get_freeze_count() == 0
        assert pools == []


def test_a_started_refiner_reuses_its_worker(pools: list[_Pool]) -> None:
    r = refiner.OfferRefiner(1.0, lambda *_: None)
    r.start()
    r.start()
    r.request(("w", "d"), (1,), None, "MAINT", False, None)  # type: ignore[arg-type]
    assert len(pools) == 1 and pools[0].sent == [refiner._ready, refiner._refine]


def test_phases_of_a_slot_query_and_a_booking(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "phases.jsonl"
    monkeypatch.setenv(phases.PHASES_ENVIRONMENT, str(path))
    workshop = small_workshop()
    try:
        with TestClient(create_app(sqlite_url, auth=False, clock=fixed_clock())) as client:
            put = client.put(
                f"/v1/workshops/{workshop.id}",
                content=workshop.model_dump_json(),
                headers={"content-type": "application/json"},
            )
            assert put.status_code == 200, put.text
            offered = client.get(
                f"/v1/workshops/{workshop.id}/slots", params={"service": "MAINT", "date": DATE}
            ).json()["slots"]
            assert offered
            booked = client.post(
                f"/v1/workshops/{workshop.id}/bookings",
                json={"service": "MAINT", "drop_off": offered[0]["drop_off"]},
            )
            assert booked.status_code == 201
            refused = client.post(  # before opening: 422, its line written all the same
                f"/v1/workshops/{workshop.id}/bookings",
                json={"service": "MAINT", "drop_off": at("03:00").isoformat()},
            )
    finally:
        phases.stop()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    by_route = {(x["method"], x["route"], x["status"]): x for x in lines}
    query = by_route["GET", "/v1/workshops/{workshop_id}/slots", 200]
    assert {"to thread", "workshop", "day version", "day", "turn wait", "search"} <= set(query["phases"])
    booking = by_route["POST", "/v1/workshops/{workshop_id}/bookings", 201]
    assert {"booking lock wait", "fit", "flush", "commit"} <= set(booking["phases"])
    assert ("POST", "/v1/workshops/{workshop_id}/bookings", refused.status_code) in by_route
    assert all(x["ms"] >= 0 and x["gc_ms"] >= 0 for x in lines)


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:00+14:00", "1999-12-31T12:00:00+00:00"]
)
def test_a_server_clock_far_from_the_planned_dates_is_refused_naming_bayplan_now(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """BAYPLAN_NOW (what `bayplan serve --now` sets) outside 2000..2199 started a server whose every
    page and plan failed later in date arithmetic; it is refused at start, naming the variable."""
    from api.settings import NOW_ENVIRONMENT, clock_from_environment
    from scheduler.errors import InputError

    monkeypatch.setenv(NOW_ENVIRONMENT, text)
    with pytest.raises(InputError) as refused:
        clock_from_environment()
    assert refused.value.field == NOW_ENVIRONMENT and "must be between" in refused.value.reason
    monkeypatch.setenv(NOW_ENVIRONMENT, "2026-11-24T08:00:00+08:00")
    assert clock_from_environment().now() >= at("08:00")


def test_keys_off_is_warned_where_a_port_may_be_served_not_for_an_in_process_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """BAYPLAN_AUTH=off (what `bayplan serve` reads) says in the log that anyone reaching the port
    may do anything; an app a command builds in process with auth=False (`replay-day`) serves no
    port and says nothing."""
    warning = "API keys are OFF"
    with caplog.at_level("WARNING", logger="bayplan"):
        create_app(f"sqlite:///{tmp_path / 'quiet.db'}", auth=False, clock=fixed_clock())
    assert not any(warning in r.getMessage() for r in caplog.records)
    monkeypatch.setenv("BAYPLAN_AUTH", "off")
    with caplog.at_level("WARNING", logger="bayplan"):
        create_app(f"sqlite:///{tmp_path / 'served.db'}", clock=fixed_clock())
    assert any(warning in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("now", ["2200-01-01T23:59:00-12:00", "2000-01-01T00:00:00+14:00"])
def test_a_page_for_a_moment_whose_day_bayplan_does_not_plan_says_so(client: TestClient, now: str) -> None:
    """`?now=` is checked on its own date, so 2200-01-01T23:59-12:00 passes, but at the workshop
    (Shanghai) it is 2200-01-02, and 2000-01-01T00:00+14:00 is 1999-12-31 there: the pages showed
    those days (the booking page's default day, the loading chart, the reports' range) with no
    word that none of them can be planned or booked (fuzz-s15). Each page now says so in an alert."""
    put_workshop(client, tiny_workshop())
    pages = ["/", f"/workshops/tiny/plan/{DATE}", "/workshops/tiny/book", "/workshops/tiny/loading",
             "/workshops/tiny/reports", f"/workshops/tiny/me?technician=t&date={DATE}"]  # fmt: skip
    for url in pages:
        joined = "&" if "?" in url else "?"
        page = client.get(f"{url}{joined}now={quote(now)}")
        assert page.status_code == 200, (url, page.text)
        alert = re.search(r'<p class="error" role="alert">([^<]*)</p>', page.text)
        assert alert is not None and "outside the days bayplan plans" in alert.group(1), (url, page.text)
        assert "2000-01-01 to 2199-12-31" in alert.group(1)
        zh = client.get(f"{url}{joined}now={quote(now)}", headers={"Accept-Language": "zh-CN"}).text
        assert "不在 bayplan 排程的日期范围" in zh, url
        fine = client.get(f"{url}{joined}now={quote(at('09:00').isoformat())}").text
        assert 'role="alert"' not in fine, url
