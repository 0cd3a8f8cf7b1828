"""`bayplan simulate --from-status URL`: the live day fetched from a running server (key in BAYPLAN_KEY),
and every way the fetch can fail as one line naming the problem, exit 2, no traceback."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from cli import live_status
from cli.main import app
from cli.testing import Server, free_port
from scheduler.scenarios import load_scenario
from simulation.from_status import SERVED_DAY1, read_status
from tests.builders import CLOCK_NOW, DATE, NOW, at, settled

runner = CliRunner()
SCENARIO = "small-dealer"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """small-dealer on a real server, two bookings on DAY: A started at 08:00, B not started."""
    s = Server(tmp_path_factory.mktemp("live") / "live.db", now=NOW)
    s.start(timeout=120)
    try:
        workshop = load_scenario(SCENARIO).workshop
        with httpx.Client(base_url=s.url, headers=s.headers, timeout=30) as http:
            put = http.put(f"/v1/workshops/{workshop.id}", content=workshop.model_dump_json(),
                           headers={"content-type": "application/json"})  # fmt: skip
            assert put.status_code == 200, put.text
            ids = []
            for hhmm in ("08:00", "08:30"):
                r = http.post(f"/v1/workshops/{workshop.id}/bookings",
                              json={"service": "MAINT", "drop_off": at(hhmm).isoformat()})  # fmt: skip
                assert r.status_code == 201, r.text
                ids.append(r.json()["id"])
            clock = {"booking": ids[0], "operation": 0, "technician": "M01", "action": "start",
                     "at": at("08:00").isoformat()}  # fmt: skip
            r = http.post(f"/v1/workshops/{workshop.id}/clock", params=CLOCK_NOW, json=clock)
            assert r.status_code == 201, r.text
            settled(http, f"/v1/workshops/{workshop.id}")
        yield s
    finally:
        if s.process is not None and s.process.poll() is None:
            s.kill()


def status_url(server: Server, workshop: str = SCENARIO) -> str:
    now = at("10:00").isoformat().replace("+", "%2B")
    return f"{server.url}/v1/workshops/{workshop}/days/{DATE}/status?now={now}"


def simulate(url: str) -> list[str]:
    return ["simulate", SCENARIO, "--from-status", url, "--days", "2", "--replications", "2",
            "--workers", "1", "--json"]  # fmt: skip


def test_the_live_day_is_fetched_and_simulated(server: Server) -> None:
    key = server.headers["X-API-Key"]
    url = status_url(server)
    fetched = live_status.fetch_status(url, key)
    state = read_status(fetched, load_scenario(SCENARIO))
    assert state.as_of == 600 and {c.service for c in state.carried} == {"MAINT"}
    started = [c for c in state.carried if c.remaining[0] < 90]
    assert len(state.carried) == 2 and len(started) == 1  # A clocked 120 min of its 90 by 10:00: none left
    run = runner.invoke(app, simulate(url), env={live_status.KEY_ENVIRONMENT: key})
    assert run.exit_code == 0, run.output
    body = json.loads(run.stdout)
    assert body["start"] == DATE
    assert 0 <= body["rule_sets"][0]["metrics"][SERVED_DAY1]["mean"] <= 1


def test_a_refused_or_missing_key_and_an_unknown_workshop_are_named(server: Server) -> None:
    run = runner.invoke(app, simulate(status_url(server)), env={live_status.KEY_ENVIRONMENT: ""})
    assert run.exit_code == 2 and isinstance(run.exception, SystemExit)
    assert "--from-status" in run.output and "401" in run.output and "BAYPLAN_KEY" in run.output
    run = runner.invoke(app, simulate(status_url(server)), env={live_status.KEY_ENVIRONMENT: "nope"})
    assert run.exit_code == 2 and "401" in run.output
    key = server.headers["X-API-Key"]
    run = runner.invoke(app, simulate(status_url(server, "nowhere")), env={live_status.KEY_ENVIRONMENT: key})
    assert run.exit_code == 2 and "404" in run.output and "not found" in run.output


def test_an_unreachable_server_is_named() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1/workshops/{SCENARIO}/days/{DATE}/status"
    run = runner.invoke(app, simulate(url))
    assert run.exit_code == 2 and isinstance(run.exception, SystemExit)
    assert "--from-status: cannot reach" in run.output and url in run.output


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (httpx.Response(200, text="<html>sign in</html>", headers={"content-type": "text/html"}),
         "did not answer with JSON"),
        (httpx.Response(200, json={"bookings": []}), "as_of"),
        (httpx.Response(200, json=[1, 2, 3]), "--from-status"),
        (httpx.Response(403, json={"detail": "this key may not read this workshop"}), "403"),
        (httpx.Response(500, text="boom"), "answered 500"),
        (httpx.Response(422, json={"detail": [{"loc": ["query", "now"], "msg": "bad"}]}),
         "422: query.now: bad"),
        (None, "no answer from"),
    ],
)  # fmt: skip
def test_bad_answers_are_named(
    monkeypatch: pytest.MonkeyPatch, answer: httpx.Response | None, expected: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers.get("X-API-Key") == "k"
        if answer is None:
            raise httpx.ReadTimeout("timed out", request=request)
        return answer

    monkeypatch.setattr(live_status, "_transport", lambda: httpx.MockTransport(handler))
    run = runner.invoke(app, simulate("https://bayplan.example/v1/workshops/x/days/d/status"),
                        env={live_status.KEY_ENVIRONMENT: "k"})  # fmt: skip
    assert run.exit_code == 2, run.output
    assert isinstance(run.exception, SystemExit)  # a message, not a traceback
    assert run.output.startswith("bayplan: error: --from-status") and expected in run.output


def test_the_key_header_is_the_one_the_api_reads() -> None:
    from api.auth import HEADER

    assert HEADER.model.name == live_status.KEY_HEADER


def test_a_file_still_works(tmp_path: Path) -> None:
    run = runner.invoke(app, simulate(str(tmp_path / "none.json")))
    assert run.exit_code == 2 and "no status file" in run.output


def test_day_1_is_the_day_in_the_url_not_the_day_it_was_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A status of DATE read three days early (as_of on an earlier day) simulates DATE as day 1."""
    read_on = (dt.date.fromisoformat(DATE) - dt.timedelta(days=3)).isoformat()
    op = {"operation": 0, "state": "not_started", "technician": None, "bay": None, "planned_start": None,
          "planned_end": None, "actual_start": None, "actual_end": None, "clocked_minutes": 0,
          "projected_end": None}  # fmt: skip
    booking = {"booking": "A", "state": "not_arrived", "promised": None, "projected_end": None,
               "projected_lateness_minutes": 0, "at_risk": False, "at_risk_since": None,
               "operations": [op], "service": "MAINT"}  # fmt: skip
    body = {"as_of": f"{read_on}T10:00:00+08:00", "technicians": [], "bookings": [booking]}
    answer = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    monkeypatch.setattr(live_status, "_transport", lambda: answer)
    url = f"https://bayplan.example/v1/workshops/{SCENARIO}/days/{DATE}/status"
    run = runner.invoke(app, simulate(url), env={live_status.KEY_ENVIRONMENT: "k"})
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["start"] == DATE


@pytest.mark.parametrize("host", ["xn--", "a" * 70 + ".example"])
def test_a_host_name_idna_refuses_is_named_not_a_traceback(host: str) -> None:
    """A name IDNA refuses or a label too long for DNS: InvalidURL was caught, but not the IDNAError
    or UnicodeError these raise (a traceback, hostile-s40)."""
    url = f"http://{host}/v1/workshops/{SCENARIO}/days/{DATE}/status"
    run = runner.invoke(app, simulate(url))
    assert run.exit_code == 2 and isinstance(run.exception, SystemExit), run.output
    assert f"--from-status: not a URL: {url} (" in run.output
