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
    # Where the weighted lateness gap reads differently, the weighing and the plain gap follow.
    assert re.search(
        r"the (best possible|least for \d+ placed)( \(waiters' minutes weighed [^)]*\))?$", second
    ), second
    # The figure names what it measures: lateness, or the other costs when nobody is late (review-s42).
    assert "· within" not in second, second


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


def test_names_with_square_brackets_are_printed_as_written_not_read_as_markup(tmp_path: Path) -> None:
    """review-s27: the plan table's cells and block titles were rich markup: a technician, service or
    operation named "[/]…" (or its name_i18n, in Chinese) made `bayplan plan` die with a MarkupError
    traceback, and "[red]…" was printed red without its brackets. Names are text, printed as written."""
    from tests.builders import small_workshop

    workshop = small_workshop()
    techs = [
        t.model_copy(update={"name": f"[/]Tech{i} [red]x", "name_i18n": {"zh-CN": f"[/]技师{i} [red]y"}})
        for i, t in enumerate(workshop.technicians)
    ]
    services = [
        s.model_copy(update={"name": "[bold]S[/bold]", "name_i18n": {"zh-CN": "[/]服务"}})
        for s in workshop.services
    ]
    named = workshop.model_copy(update={"technicians": techs, "services": services, "name": "[/]W"})
    req = request([Booking(id="B1", service="MAINT", drop_off=at("08:00"))], workshop=named)
    path = tmp_path / "request.json"
    path.write_text(req.model_dump_json(), encoding="utf-8")
    for lang, tech, service in (("en", "[/]Tech", "[bold]S[/bold]"), ("zh-CN", "[/]技师", "[/]服务")):
        for rows in ("bays", "technicians"):
            run = bayplan("--lang", lang, "plan", "--input", str(path), "--planner", "greedy", "--rows", rows)
            assert run.returncode == 0, (lang, rows, run.stderr[-500:])
            assert tech in run.stdout and service in run.stdout, (lang, rows, run.stdout)
