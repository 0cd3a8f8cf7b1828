"""`bayplan history export`: bayplan's own bookings and clock events as a history CSV, loaded
back by the history loader (round trip)."""

from __future__ import annotations

import warnings
from pathlib import Path

from typer.testing import CliRunner

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from cli.main import app
from scheduler.contract import Workshop
from simulation.history import load_history
from tests.builders import CLOCK_NOW, DATE, at, fixed_clock, tiny_workshop
from tests.builders import clock_event as ev

W = "/v1/workshops/tiny"
runner = CliRunner()


def workshop() -> Workshop:
    shift = {"start": "08:00", "end": "12:00"}
    techs = [
        {"id": "t", "name": "T", "grade": 3, "skills": ["maintenance"], "shift": shift},
        {"id": "u", "name": "U", "grade": 3, "skills": ["maintenance"], "shift": shift},
    ]
    return Workshop.model_validate({**tiny_workshop().model_dump(mode="json"), "technicians": techs})


def test_export_round_trips_through_the_history_loader(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    client = TestClient(create_app(url, auth=False, clock=fixed_clock()))
    assert client.put(W, json=workshop().model_dump(mode="json")).status_code == 200
    ids = []
    for hhmm, waiter in (("08:00", True), ("09:00", False), ("10:00", False)):
        r = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": at(hhmm).isoformat(),
                                               "waiter": waiter})  # fmt: skip
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    a, b, c = ids
    for body in (ev(a, "start", "08:00"), ev(a, "pause", "08:20"), ev(a, "resume", "08:30"),
                 ev(a, "finish", "09:05"), ev(b, "start", "09:10", "u")):  # fmt: skip
        assert client.post(f"{W}/clock", params=CLOCK_NOW, json=body).status_code == 201, body
    out = tmp_path / "history.csv"
    run = runner.invoke(app, ["history", "export", "--db", url, "--workshop", "tiny", "--from", DATE,
                              "--to", DATE, "--out", str(out)])  # fmt: skip
    assert run.exit_code == 0, run.output
    history = load_history(out, services=[s.code for s in workshop().services])
    orders = {o.order_id: o for o in history.orders}
    assert set(orders) == {a, b, c}
    assert {o.service for o in orders.values()} == {"MAINT"}
    assert all(o.booked and o.kept for o in orders.values())
    assert orders[a].waiter and not orders[b].waiter
    assert orders[a].clocked_minutes == 55.0  # 20 + 35
    assert orders[a].started_at == at("08:00") and orders[a].finished_at == at("09:05")
    assert orders[a].technician == "t"
    assert orders[b].started_at == at("09:10") and orders[b].finished_at is None
    assert orders[b].technician == "u" and orders[b].clocked_minutes == 0.0  # still running: none closed
    assert orders[c].started_at is None and orders[c].clocked_minutes is None
    assert orders[a].arrived_at == at("08:00")


def test_export_errors_name_the_option(tmp_path: Path) -> None:
    run = runner.invoke(
        app, ["history", "export", "--db", f"sqlite:///{tmp_path / 'none.db'}", "--workshop", "x"]
    )
    assert run.exit_code == 2 and "--db" in run.output
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    TestClient(create_app(url, auth=False, clock=fixed_clock()))
    run = runner.invoke(app, ["history", "export", "--db", url, "--workshop", "nope"])
    assert run.exit_code == 2 and "--workshop" in run.output
    run = runner.invoke(app, ["history", "export", "--db", url, "--workshop", "nope", "--from", "x"])
    assert run.exit_code == 2 and "--from" in run.output
    # Days no booking can have (every other date option refuses them): an empty export, exit 0.
    for flag, value in (("--from", "0001-01-01"), ("--to", "9999-12-31")):
        run = runner.invoke(app, ["history", "export", "--db", url, "--workshop", "nope", flag, value])
        assert run.exit_code == 2 and flag in run.output, run.output
