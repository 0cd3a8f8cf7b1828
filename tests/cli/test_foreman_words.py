"""`bayplan plan` in a foreman's words: the header says how the plan went (the objective only with
--verbose), plates in the table, a promise on another day with its date, blocks per technician."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from scheduler.contract import Booking
from tests.builders import DATE, DAY, at, bayplan, request


def test_the_header_says_placed_late_and_how_close_not_the_objective() -> None:
    run = bayplan("plan", "small-dealer", "--date", DATE, "--planner", "greedy")
    assert run.returncode == 0, run.stderr
    second = run.stdout.splitlines()[1]
    assert re.match(r"(all \d+ placed|placed \d+ of \d+)", second), second
    assert ("nobody late" in second) or re.search(r"\d+ late \(\d+ min\)", second), second
    assert "objective" not in run.stdout and "best bound" not in run.stdout
    verbose = bayplan("plan", "small-dealer", "--date", DATE, "--planner", "greedy", "--verbose")
    assert verbose.returncode == 0 and "objective" in verbose.stdout and "best bound" in verbose.stdout


def test_cpsat_says_within_what_of_the_best_possible() -> None:
    run = bayplan("plan", "small-dealer", "--date", DATE, "--time-limit", "2")
    assert run.returncode == 0, run.stderr
    second = run.stdout.splitlines()[1]
    assert re.search(r"the (best possible|least for \d+ placed)$", second), second


def test_plates_and_a_promise_on_another_day(tmp_path: Path) -> None:
    tomorrow = DAY + dt.timedelta(days=1)
    req = request([
        Booking(id="B1", service="MAINT", drop_off=at("08:00"), plate="粤A12345", customer="Wang Fang"),
        Booking(id="B2", service="LUBE", drop_off=at("09:00"), promised=at("16:00", tomorrow)),
    ])  # fmt: skip
    path = tmp_path / "request.json"
    path.write_text(req.model_dump_json(), encoding="utf-8")
    run = bayplan("plan", "--input", str(path), "--planner", "greedy")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "plate" in out and "粤A12345" in out
    assert "promised Nov 25, 2026 16:00" in out, out
    assert "Wang Fang" not in out  # the table shows the vehicle, not the person


def test_rows_technicians_gives_one_block_per_technician() -> None:
    run = bayplan("plan", "small-dealer", "--date", DATE, "--planner", "greedy", "--rows", "technicians")
    assert run.returncode == 0, run.stderr
    from scheduler.scenarios import load_scenario

    workshop = load_scenario("small-dealer").workshop
    for tech in workshop.technicians:
        assert re.search(rf"^{re.escape(tech.name)} \(", run.stdout, re.M), tech.name
    assert "E01 · express" not in run.stdout  # no bay blocks
    bad = bayplan("plan", "small-dealer", "--date", DATE, "--rows", "bogus")
    assert bad.returncode == 2
