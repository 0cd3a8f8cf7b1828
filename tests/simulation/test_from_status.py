"""`bayplan simulate --from-status`: the simulation starts from a live day's open vehicles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from scheduler.errors import InputError
from scheduler.scenarios import load_scenario
from simulation.from_status import SERVED_DAY1, read_status, run_from_status
from simulation.rules import load_rules
from tests.builders import DAY

runner = CliRunner()
TZ = "+08:00"


def moment(hhmm: str) -> str:
    return f"{DAY.isoformat()}T{hhmm}:00{TZ}"


def op(k: int, state: str, clocked: int = 0, tech: str | None = None) -> dict[str, Any]:
    return {"operation": k, "state": state, "technician": tech, "bay": None, "planned_start": None,
            "planned_end": None, "actual_start": moment("09:00") if state != "not_started" else None,
            "actual_end": None, "clocked_minutes": clocked, "projected_end": None}  # fmt: skip


def booking(
    ident: str, ops: list[dict[str, Any]], state: str = "in_progress", **extra: Any
) -> dict[str, Any]:
    return {"booking": ident, "state": state, "promised": moment("17:00"), "projected_end": None,
            "projected_lateness_minutes": 0, "at_risk": False, "at_risk_since": None,
            "operations": ops, **extra}  # fmt: skip


def status() -> dict[str, Any]:
    """Three vehicles in progress at 10:00 (one of them with its first operation done), one done."""
    return {
        "as_of": moment("10:00"),
        "bookings": [
            booking("A", [op(0, "in_progress", 60)], service="MAINT"),
            booking("B", [op(0, "paused", 10)]),  # one operation, no service given: inferred
            booking("C", [op(0, "done", 30), op(1, "in_progress", 20)], service="MINOR"),
            booking("D", [op(0, "done", 40)], state="done", service="LUBE"),
        ],
        "technicians": [],
    }


def test_open_vehicles_enter_with_their_remaining_work() -> None:
    scenario = load_scenario("small-dealer")
    state = read_status(status(), scenario)
    assert state.date == DAY and state.as_of == 600
    carried = {c.booking: c for c in state.carried}
    assert set(carried) == {"A", "B", "C"}  # D is done
    assert carried["A"].remaining == (30.0,)  # 90 - 60
    assert carried["C"].remaining == (0.0, 70.0)  # op 0 done; 90 - 20
    assert carried["C"].promised == 17 * 60


def test_the_simulation_serves_them_on_day_1() -> None:
    scenario = load_scenario("small-dealer")
    state = read_status(status(), scenario)
    rules = load_rules(scenario, "current", field="rules")
    result, outcomes = run_from_status(scenario, [rules], state, days=2, replications=2, workers=1)
    assert len(outcomes) == 2
    for o in outcomes:
        assert o.extra["status_vehicles"] == 3
        assert o.extra["status_served_day1_count"] == 3
        assert o.metrics[SERVED_DAY1] == 1.0
    assert result.rule_sets[0].metrics["served_per_day"].mean > 0
    assert result.start == DAY and result.days == 2


def test_bad_status_names_the_field() -> None:
    scenario = load_scenario("small-dealer")
    bad = status()
    del bad["bookings"][1]["operations"][0]["state"]
    with pytest.raises(InputError) as caught:
        read_status(bad, scenario)
    assert caught.value.field == "bookings[1].operations[0].state"
    bad = status()
    bad["bookings"][0]["service"] = "NOPE"
    with pytest.raises(InputError) as caught:
        read_status(bad, scenario)
    assert caught.value.field == "bookings[0].service"


def test_simulate_from_status_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    path.write_text(json.dumps(status()), encoding="utf-8")
    run = runner.invoke(app, ["simulate", "small-dealer", "--from-status", str(path), "--days", "2",
                              "--replications", "2", "--workers", "1", "--json"])  # fmt: skip
    assert run.exit_code == 0, run.output
    body = json.loads(run.stdout)
    assert body["rule_sets"][0]["metrics"][SERVED_DAY1]["mean"] == 1.0
    assert body["start"] == DAY.isoformat()
    bad = status()
    bad["as_of"] = "yesterday"
    path.write_text(json.dumps(bad), encoding="utf-8")
    run = runner.invoke(app, ["simulate", "small-dealer", "--from-status", str(path), "--days", "2",
                              "--replications", "2", "--workers", "1"])  # fmt: skip
    assert run.exit_code == 2
    assert "--from-status" in run.output and "as_of" in run.output
    run = runner.invoke(app, ["simulate", "small-dealer", "--from-status", str(tmp_path / "none.json")])
    assert run.exit_code == 2 and "--from-status" in run.output


def test_two_technicians_off_sick_compared_from_the_status(tmp_path: Path) -> None:
    """ "What happens over the next days if two technicians are off sick": a rules file with two fewer."""
    current = (load_scenario("small-dealer").path / "rules" / "current.toml").read_text(encoding="utf-8")
    sick = current.replace('name = "current"', 'name = "two-sick"').replace(
        "grade = 3\ncount = 2", "grade = 3\ncount = 0"
    )
    assert sick != current
    rules = tmp_path / "two-sick.toml"
    rules.write_text(sick, encoding="utf-8")
    path = tmp_path / "status.json"
    path.write_text(json.dumps(status()), encoding="utf-8")
    run = runner.invoke(app, ["simulate", "small-dealer", "--from-status", str(path), "--rules", "current",
                              "--rules", str(rules), "--days", "3", "--replications", "3", "--workers", "1",
                              "--json"])  # fmt: skip
    assert run.exit_code == 0, run.output
    sets = json.loads(run.stdout)["rule_sets"]
    assert [s["name"] for s in sets] == ["current", "two-sick"]
    assert sets[1]["technicians"] == sets[0]["technicians"] - 2
    assert "on_time" in sets[1]["versus_first"]


def test_a_status_read_before_its_day_starts_on_its_day() -> None:
    """Read three days early, nothing of the status day has happened: day 1 is the status day, from
    its midnight, and a booking not arrived enters at its first planned start on that day."""
    import datetime as dt

    early = status()
    early["as_of"] = f"{(DAY - dt.timedelta(days=3)).isoformat()}T10:00:00{TZ}"
    waiting = op(0, "not_started")
    waiting["actual_start"] = None
    waiting["planned_start"], waiting["planned_end"] = moment("09:00"), moment("10:30")
    early["bookings"] = [booking("E", [waiting], state="not_arrived", service="MAINT")]
    state = read_status(early, load_scenario("small-dealer"), day=DAY)
    assert state.date == DAY and state.as_of == 0
    assert [(c.booking, c.arrival) for c in state.carried] == [("E", 9 * 60)]
    early["date"] = DAY.isoformat()  # a saved file may name its day
    assert read_status(early, load_scenario("small-dealer")).date == DAY


def test_a_status_read_after_its_day_is_refused() -> None:
    import datetime as dt

    late = status()
    late["as_of"] = f"{(DAY + dt.timedelta(days=1)).isoformat()}T10:00:00{TZ}"
    with pytest.raises(InputError) as caught:
        read_status(late, load_scenario("small-dealer"), day=DAY)
    assert caught.value.field == "as_of" and DAY.isoformat() in caught.value.reason
