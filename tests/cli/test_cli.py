"""The `bayplan` command end to end, as a user runs it: tables, JSON, schemas, bad input, re-planning.

Most commands run in this process (tests.builders.bayplan); a few run as `python -m cli.main`, as a
user starts it: the plan table, an exit 2 through the real entry point, and every `serve` (in this
process a bug would start a server instead of exiting)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.contract import PinnedOperation, Plan, ReplanResult
from scheduler.demand import day_request
from scheduler.scenarios import SCENARIO_ROOT, load_scenario
from scheduler.validator import assert_valid
from tests.builders import DATE, at, bayplan, booking, request, store_workshop


def in_a_process(*args: str) -> subprocess.CompletedProcess[str]:
    """`bayplan ARGS` in a new interpreter, through cli.main's entry point."""
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_plan_prints_bay_blocks_unassigned_and_kpis() -> None:
    run = in_a_process("plan", "small-dealer", "--date", DATE, "--time-limit", "2")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.startswith("Bay plan · Small dealer")
    for bay in ("E01 · express", "G01 · general", "B01 · body", "P01 · paint"):
        assert bay in out
    assert "Unassigned" in out and "KPIs" in out and "technician utilisation" in out


@pytest.mark.parametrize("planner", ["greedy", "cpsat"])
def test_plan_json_is_a_valid_v1_plan(tmp_path: Path, planner: str) -> None:
    out = tmp_path / "plan.json"
    run = bayplan("plan", "small-dealer", "--date", DATE, "--planner", planner, "--time-limit", "3",
                  "--format", "json", "--out", str(out))  # fmt: skip
    assert run.returncode == 0, run.stderr
    plan = Plan.model_validate_json(out.read_text())
    request = day_request(load_scenario("small-dealer"), dt.date.fromisoformat(DATE))
    assert_valid(request, plan)
    assert plan.planner == planner and plan.kpis.bookings == len(request.bookings)


def test_input_request_is_planned_statelessly(tmp_path: Path) -> None:
    request = day_request(load_scenario("small-dealer"), dt.date.fromisoformat(DATE), seed=5)
    path = tmp_path / "request.json"
    path.write_text(request.model_dump_json())
    run = bayplan("plan", "--input", str(path), "--format", "json", "--planner", "greedy")
    assert run.returncode == 0, run.stderr
    assert_valid(request, Plan.model_validate_json(run.stdout))


@pytest.mark.parametrize("planner", ["greedy", "cpsat"])
def test_input_whose_pinned_work_leaves_no_room_fails_as_the_api_says(tmp_path: Path, planner: str) -> None:
    """A diagnosis pinned 16:30-16:55 leaves its 90-minute repair no room before the shifts end:
    no plan keeps the pinned work. The API's stateless plan answers 409 with the validator's
    reason; the CLI printed a plan without the pinned diagnosis and exited 0. Now it says the same
    (exit 1, as a 409 does for `workshop push`), one line, no plan on stdout, in Chinese too."""
    late = PinnedOperation(operation=0, bay="G1", technician="wang", start=at("16:30"), end=at("16:55"))
    path = tmp_path / "request.json"
    day = request([booking("b1", "MINOR", "09:00", pinned=[late])], time_limit_seconds=2)
    path.write_text(day.model_dump_json())
    run = bayplan("plan", "--input", str(path), "--planner", planner)
    assert run.returncode == 1 and run.stdout == "", run.stdout
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    # The file named first, as its other errors are (it did not say which file's pinned work).
    assert lines[0].startswith(f"bayplan: error: {path}: the pinned work leaves no valid plan"), lines
    assert "booking b1 has pinned work but is unassigned" in lines[0]
    zh = bayplan("--lang", "zh-CN", "plan", "--input", str(path), "--planner", planner)
    assert zh.returncode == 1 and zh.stdout == ""
    said = zh.stderr.strip().splitlines()
    assert len(said) == 1 and said[0].startswith(
        f"bayplan：错误：{path}: 已固定的工作使当天无法排出有效计划："
    ), said
    # The validator's reasons in Chinese too (they were English: f-strings), the rule's code as it is.
    rules = "违反了 2 条硬性规则：[pinned] 预约 b1 已固定的工序 1（工位 G1，技师 wang，16:30..16:55）"
    assert f"{rules}不在计划中" in said[0], said
    assert "hard rule" not in said[0] and "missing from the plan" not in said[0], said


def test_schemas_are_printed() -> None:
    for name, fields in (
        ("plan-request", {"workshop", "date", "bookings", "options"}),
        ("plan", {"assignments"}),
    ):
        run = bayplan("schema", name)
        assert run.returncode == 0
        assert fields <= set(json.loads(run.stdout)["properties"])


def _broken(tmp_path: Path, change: object) -> Path:
    request = day_request(load_scenario("small-dealer"), dt.date.fromisoformat(DATE))
    data = json.loads(request.model_dump_json())
    change(data)  # type: ignore[operator]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["bookings"][0].update(service="TURBO"), "bookings[0].service"),
        (lambda d: d["bookings"][0].update(drop_off="2026-11-24T09:00:00"), "bookings[0].drop_off"),
        (lambda d: d["bookings"][-1].update(drop_off="2026-11-24T21:00:00+08:00"), "drop_off"),
        (lambda d: d["bookings"][1].update(id=d["bookings"][0]["id"]), "bookings[1].id"),
        # Declared bay kinds are checked on the whole workshop: "workshop: bays[0].kind: …"
        (lambda d: d["workshop"]["bays"][0].update(kind="hoist"), "bays[0].kind"),
        (lambda d: d["workshop"].update(timezone="Europe"), "workshop.timezone"),
        (lambda d: d.update(date="9999-12-31"), "date"),
        (lambda d: d["options"].update(seed=2**31), "options.seed"),
        (lambda d: d["bookings"][0].update(waiter="yes"), "bookings[0].waiter"),
        # A loan car from a workshop without any (as POST /v1/plan: a 422 naming it)
        (
            lambda d: (d["workshop"].update(loan_cars=0), d["bookings"][2].update(loan_car=True)),
            "bookings[2].loan_car: the workshop has no loan cars",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_field(tmp_path: Path, change: object, field: str) -> None:
    """review-s35: every error of the file names it first, as its parse errors did ("bad.json:
    date: …") and the checks after the parse did not ("bookings[0].service: …"); in Chinese too."""
    path = _broken(tmp_path, change)
    for lang, said in (("en", "bayplan: error: "), ("zh-CN", "bayplan：错误：")):
        run = bayplan("--lang", lang, "plan", "--input", str(path))
        assert run.returncode == 2
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"{said}{path}: "), run.stderr
        assert field.partition(":")[0] in lines[0]
        assert lang != "en" or field in lines[0]
        assert "Traceback" not in run.stderr


def test_a_file_whose_path_has_a_space_is_named_and_its_reason_translated(tmp_path: Path) -> None:
    """A path with a space in it was read as no field, so the whole line went to the catalog and
    came back English under --lang zh-CN (session 35's note). Fails before: "the workshop has no
    loan cars" in the Chinese line."""
    folder = tmp_path / "my requests"
    folder.mkdir()
    path = _broken(
        folder, lambda d: (d["workshop"].update(loan_cars=0), d["bookings"][2].update(loan_car=True))
    )
    run = bayplan("--lang", "zh-CN", "plan", "--input", str(path))
    assert run.returncode == 2, run.stderr
    line = run.stderr.strip()
    assert line.startswith(f"bayplan：错误：{path}: bookings[2].loan_car: "), line
    assert "the workshop has no loan cars" not in line and "Traceback" not in run.stderr, line


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "no-such-dealer"],
        ["plan", "small-dealer", "--date", "24.11.2026"],
        ["plan", "--input", "/nonexistent/request.json"],
        ["plan", "small-dealer", "--time-limit", "-1"],
        ["plan", "small-dealer", "--planner", "magic"],
        ["plan", "small-dealer", "--date", "9999-12-31"],
        ["plan", "small-dealer", "--date", "0001-01-01"],
        ["plan", "small-dealer", "--seed", "-1"],
        ["plan", "small-dealer", "--scale", "nan"],
        ["plan", "small-dealer", "--scale", "inf"],
    ],
)
def test_bad_arguments_exit_2_without_traceback(args: list[str]) -> None:
    run = bayplan(*args)
    assert run.returncode == 2, run.stdout
    assert "Traceback" not in run.stderr
    if args[-2].startswith("--") and args[-2] != "--planner":  # checked by bayplan: one line naming it
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and args[-2] in lines[0], run.stderr


def test_files_that_are_not_utf8_exit_2_with_one_line_naming_the_file(tmp_path: Path) -> None:
    """A request, a workshop's TOML or a rules file in another encoding (bytes UTF-8 cannot decode)
    is bad input like any other: one line naming the file, not a UnicodeDecodeError's traceback."""
    request = tmp_path / "request.json"
    request.write_bytes(b"\xff\xfe{}")
    folder = tmp_path / "dealer"
    folder.mkdir()
    for name in ("workshop.toml", "demand.toml"):
        (folder / name).write_bytes(b'name = "Caf\xe9"\n')  # Latin-1
    rules = tmp_path / "rules.toml"
    rules.write_bytes(b'name = "Caf\xe9"\n')
    for args, named in [
        (["plan", "--input", str(request)], str(request)),
        (["plan", str(folder)], "workshop.toml"),
        (
            ["simulate", "small-dealer", "--rules", str(rules), "--days", "1", "--replications", "2"],
            str(rules),
        ),
    ]:
        run = bayplan(*args)
        assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr[-500:]
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and named in lines[0] and "UTF-8" in lines[0], run.stderr


def test_files_saved_with_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    """Windows Notepad saves UTF-8 with a byte order mark (before Windows 10 1903, by default): a
    request or a workshop's TOML so saved was refused ("Invalid JSON: expected value at line 1
    column 1", "Invalid statement (at line 1, column 1)"), naming nothing the user could see. The
    bookings CSV and history files already read past it; now the JSON and TOML files do too."""
    made = bayplan("request", "small-dealer", "--date", "2026-11-24", "--out", str(tmp_path / "plain.json"))
    assert made.returncode == 0, made.stderr
    request = tmp_path / "request.json"
    request.write_bytes(b"\xef\xbb\xbf" + (tmp_path / "plain.json").read_bytes())
    folder = tmp_path / "dealer"
    shutil.copytree(SCENARIO_ROOT / "small-dealer", folder)
    for name in ("workshop.toml", "demand.toml"):
        (folder / name).write_bytes(b"\xef\xbb\xbf" + (folder / name).read_bytes())
    for args in (
        ["plan", "--input", str(request), "--planner", "greedy"],
        ["request", str(folder), "--date", "2026-11-24"],
    ):
        run = bayplan(*args)
        assert run.returncode == 0, (args, run.stderr[-500:])


def test_replan_help_names_the_input_keys_the_contract_has() -> None:
    from scheduler.contract import ReplanRequest

    shown = bayplan("replan", "--help")
    assert shown.returncode == 0, shown.stderr
    words = set(re.findall(r"[a-z_]+", shown.stdout))
    assert set(ReplanRequest.model_fields) <= words  # every key of the input file
    assert "events" not in words  # there is no such key


def test_a_now_far_from_the_dates_bayplan_plans_exits_2_naming_it() -> None:
    """`--now` years away from 2000..2199 (the dates bayplan plans): `plan` raised an OverflowError
    traceback (tomorrow of 9999-12-31, multi-day work before year 1), `serve` started a server on
    that clock. Now one line naming --now, as for a naive or unreadable instant."""
    for args in (
        ["plan", "small-dealer", "--planner", "greedy", "--now", "0001-01-01T00:00:00+00:00"],
        ["plan", "small-dealer", "--planner", "greedy", "--now", "9999-12-31T23:59:00+14:00"],
        [
            "plan",
            "small-dealer",
            "--planner",
            "greedy",
            "--now",
            "2199-12-31T12:00:00+08:00",
        ],  # tomorrow: 2200
        ["serve", "--now", "0001-01-01T00:00:00+00:00", "--port", "1"],
    ):
        run = (in_a_process if args[0] == "serve" else bayplan)(*args)
        assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr[-500:]
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("bayplan: error: --now: "), run.stderr


def test_a_database_that_cannot_be_opened_exits_2_with_one_line_naming_db(tmp_path: Path) -> None:
    """A bad database URL (an unknown driver) or a folder for an SQLite file: `report`, `history
    export` and `serve` printed SQLAlchemy's traceback (exit 1); `serve` also did for a bad
    BAYPLAN_NOW and a port out of range. Now exit 2 with one line naming --db (or the variable)."""
    folder = tmp_path / "folder"
    folder.mkdir()
    for db in ("nonsense://x", f"sqlite:///{folder}"):
        for args in (
            ["report", "--workshop", "w", "--from", DATE, "--to", DATE, "--db", db],
            ["history", "export", "--workshop", "w", "--db", db],
            ["serve", "--db", db, "--port", "1"],
        ):
            run = (in_a_process if args[0] == "serve" else bayplan)(*args)
            assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr[-500:]
            lines = run.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("bayplan: error: --db: "), (args, run.stderr)
    env = {**os.environ, "BAYPLAN_NOW": "garbage"}
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "serve",
        "--db",
        f"sqlite:///{tmp_path / 'b.db'}",
        "--port",
        "1",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=env)
    assert run.returncode == 2 and run.stderr.strip().splitlines() == [
        "bayplan: error: BAYPLAN_NOW: not an ISO 8601 instant: 'garbage'"
    ], run.stderr[-500:]
    run = in_a_process("serve", "--port", "70000")
    assert run.returncode == 2 and "Traceback" not in run.stderr and "--port" in run.stderr


def test_serve_names_the_cluster_option() -> None:
    """A bad `--cluster` was said as "cluster: …", the API's field, not the option (walk-s17 C10).
    Fails before: the line begins "bayplan: error: cluster:"."""
    run = in_a_process("serve", "--cluster", "dask.example:8786", "--port", "1")
    assert run.returncode == 2 and run.stderr.splitlines() == [
        "bayplan: error: --cluster: expected tcp://HOST:PORT, got 'dask.example:8786'"
    ], run.stderr[-500:]


def test_a_cluster_address_dask_cannot_parse_exits_2_with_one_line() -> None:
    """`--cluster tcp://[::1` (a bracket left open): simulate and serve ended in Dask's ValueError
    traceback, serve 20 s later with a second one from the half-made client (hostile-s40)."""
    for args in (
        ("simulate", "--days", "2", "--replications", "2", "--cluster", "tcp://[::1"),
        ("serve", "--port", "1", "--cluster", "tcp://host:port"),
    ):
        run = in_a_process(*args)
        assert run.returncode == 2 and [line for line in run.stderr.splitlines() if line] == [
            f"bayplan: error: --cluster: expected tcp://HOST:PORT, got '{args[-1]}'"
        ], run.stderr[-800:]
        assert run.stdout == "", repr(run.stdout)  # nothing else: simulate printed an empty line first


def test_an_output_file_that_cannot_be_written_exits_2_with_one_line_naming_out(tmp_path: Path) -> None:
    """`--out` a folder or in a folder that does not exist: plan, request and workshop export raised
    an OSError traceback (exit 1); print said so without naming the option."""
    folder = tmp_path / "folder"
    folder.mkdir()
    for out in (folder, tmp_path / "missing" / "plan.txt"):
        for args in (
            ["plan", "small-dealer", "--date", DATE, "--planner", "greedy", "--out", str(out)],
            [
                "plan",
                "small-dealer",
                "--date",
                DATE,
                "--planner",
                "greedy",
                "--format",
                "json",
                "--out",
                str(out),
            ],
            ["request", "small-dealer", "--date", DATE, "--out", str(out)],
            ["workshop", "export", "small-dealer", "--out", str(out)],
            ["print", "small-dealer", "--date", DATE, "--out", str(out)],
        ):
            run = bayplan(*args)
            assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr[-500:]
            lines = run.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"bayplan: error: --out: cannot write {out}"), (
                run.stderr
            )
    assert not (tmp_path / "missing").exists()


def test_a_folder_where_a_toml_file_should_be_exits_2_with_one_line_naming_it(tmp_path: Path) -> None:
    """A scenario whose workshop.toml is a folder, a --fit or --mapping that is a folder: an
    IsADirectoryError traceback (only a missing file was caught). Now one line naming the file or
    option, exit 2."""
    scenario = tmp_path / "dealer"
    (scenario / "workshop.toml").mkdir(parents=True)
    folder = tmp_path / "folder"
    folder.mkdir()
    for args, named in [
        (["plan", str(scenario)], "workshop.toml: (file): cannot read"),
        (["simulate", "small-dealer", "--demand", "fitted", "--fit", str(folder)], "--fit: cannot read"),
        (
            ["simulate", "small-dealer", "--history", str(folder), "--mapping", str(folder)],
            "--mapping: cannot read",
        ),
    ]:
        run = bayplan(*args)
        assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr[-500:]
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and named in lines[0], run.stderr


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--delta-cny", "nan"),
        ("--delta-cny", "inf"),
        ("--penalty", "inf"),
        ("--penalty", "nan"),
        ("--penalty", "-1"),
    ],
)
def test_staff_refuses_a_zone_or_penalty_that_is_no_finite_number(option: str, value: str) -> None:
    """`staff --delta-cny nan` or `--penalty inf` passed the `<= 0` check and KN's sample size
    (ceil of nan) raised a ValueError traceback; a negative penalty would reward missed targets."""
    run = bayplan("staff", "small-dealer", option, value)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr[-500:]
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"bayplan: error: {option}: must be a finite number"), (
        run.stderr
    )


@pytest.mark.parametrize("method", ["kn", "greedy"])
def test_staff_refuses_a_bad_target_before_loading_the_simulation(method: str) -> None:
    """`staff --target "on_time>>0.85"` took 12.8 s on a loaded machine before its one-line error:
    the options are checked before the simulation (SciPy, SimPy, the scenario) is loaded."""
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cli.main import app\n"
        f"run = CliRunner().invoke(app, ['staff', 'dealer-2011', '--method', '{method}', "
        "'--target', 'on_time>>0.85', '--days', '1'])\n"
        "heavy = sorted(m for m in ('scipy', 'simpy', 'numpy', 'simulation.design') if m in sys.modules)\n"
        "print(run.exit_code, heavy, run.output.strip())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("2 [] bayplan: error: --target: expected METRIC>=VALUE"), out.stdout


@pytest.mark.parametrize(
    ("option", "value"), [("--replications", "50"), ("--replications", "0"), ("--max-steps", "3")]
)
def test_staff_refuses_a_greedy_option_with_kn(option: str, value: str) -> None:
    """review-s34: `staff --replications 50` (or 0) with the default method, kn, was accepted and
    ignored: KN chooses its own replications (--n0, --max-replications) and candidates, so a manager
    asking for more precision got none, silently. Refused naming the option, before any simulation;
    with --method greedy it is read as before."""
    run = bayplan("staff", "small-dealer", option, value, "--days", "1")
    assert run.returncode == 2, run.stderr[-500:]
    assert run.stderr.strip() == f"bayplan: error: {option}: only with --method greedy", run.stderr
    zh = bayplan("--lang", "zh-CN", "staff", "small-dealer", option, value)
    assert zh.stderr.strip() == f"bayplan：错误：{option}: 仅用于 --method greedy", zh.stderr


def test_replan_command(tmp_path: Path) -> None:
    request = day_request(load_scenario("small-dealer"), dt.date.fromisoformat(DATE), seed=2)
    plan_path = tmp_path / "plan.json"
    args = ["--date", DATE, "--seed", "2", "--format", "json", "--time-limit", "2", "--out", str(plan_path)]
    assert bayplan("plan", "small-dealer", *args).returncode == 0
    plan = Plan.model_validate_json(plan_path.read_text())
    running = min(plan.assignments, key=lambda a: a.start)
    now = (running.start + dt.timedelta(minutes=10)).isoformat()
    replan_request = {
        "request": json.loads(request.model_dump_json()),
        "plan": json.loads(plan.model_dump_json()),
        "now": now,
        "overruns": [{"booking": running.booking, "operation": running.operation,
                      "expected_end": (running.end + dt.timedelta(minutes=30)).isoformat()}],
        "walk_ins": [{"id": "W1", "service": "LUBE", "drop_off": now, "waiter": True}],
    }  # fmt: skip
    path = tmp_path / "replan.json"
    path.write_text(json.dumps(replan_request))
    run = bayplan("replan", "--input", str(path), "--time-limit", "3", "--format", "json")
    assert run.returncode == 0, run.stderr
    result = ReplanResult.model_validate_json(run.stdout)
    moved = {(a.booking, a.operation): a for a in result.plan.assignments}
    assert moved[(running.booking, running.operation)].end == running.end + dt.timedelta(minutes=30)
    assert any(c.booking == "W1" for c in result.changes)
    table = bayplan("replan", "--input", str(path), "--time-limit", "2")
    assert table.returncode == 0 and "Changes" in table.stdout


@pytest.mark.parametrize(
    ("now", "tomorrow"),
    [
        ("2026-11-23T17:30:00+08:00", "2026-11-24"),
        # 00:30 on the 24th in Shanghai is still the 23rd in UTC: tomorrow is the workshop's.
        ("2026-11-23T16:30:00+00:00", "2026-11-25"),
    ],
)
def test_plan_defaults_to_tomorrow_by_the_given_clock(now: str, tomorrow: str) -> None:
    run = bayplan("plan", "small-dealer", "--now", now, "--planner", "greedy", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert Plan.model_validate_json(run.stdout).date.isoformat() == tomorrow


def test_plan_reads_tomorrow_by_bayplan_now_as_serve_does_and_now_wins() -> None:
    """BAYPLAN_NOW (a replayed or demonstrated day) stands in for the machine's clock in `plan` as in
    `serve`; a bad one is refused naming the variable; `--now` wins over it."""
    env = {"BAYPLAN_NOW": "2026-11-23T17:30:00+08:00"}
    run = bayplan("plan", "small-dealer", "--planner", "greedy", "--format", "json", env=env)
    assert run.returncode == 0, run.stderr
    assert Plan.model_validate_json(run.stdout).date.isoformat() == "2026-11-24"
    now = ("--now", "2026-12-01T09:00:00+08:00")
    run = bayplan("plan", "small-dealer", *now, "--planner", "greedy", "--format", "json", env=env)
    assert Plan.model_validate_json(run.stdout).date.isoformat() == "2026-12-02"
    run = bayplan("plan", "small-dealer", "--planner", "greedy", env={"BAYPLAN_NOW": "2026-11-23T17:30"})
    assert run.returncode == 2 and run.stderr.strip().splitlines() == [
        "bayplan: error: BAYPLAN_NOW: needs a timezone offset, e.g. 2026-11-24T08:00:00+08:00"
    ], run.stderr


def test_a_seed_past_a_plan_requests_is_refused_naming_seed() -> None:
    run = bayplan("plan", "small-dealer", "--date", DATE, "--planner", "greedy", "--seed", str(2**70))
    assert run.returncode == 2 and run.stderr.strip() == (
        "bayplan: error: --seed: Input should be less than or equal to 2147483647"
    ), run.stderr


def test_now_without_a_timezone_is_refused() -> None:
    run = in_a_process("plan", "small-dealer", "--now", "2026-11-23T17:30", "--planner", "greedy")
    assert run.returncode == 2 and "--now" in run.stderr


def test_replan_a_week_later_names_now(tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    args = ["--date", DATE, "--seed", "3", "--format", "json", "--planner", "greedy", "--out", str(plan_path)]
    assert bayplan("plan", "small-dealer", *args).returncode == 0
    request = day_request(load_scenario("small-dealer"), dt.date.fromisoformat(DATE), seed=3)
    week_later = (dt.date.fromisoformat(DATE) + dt.timedelta(days=7)).isoformat() + "T10:00:00+08:00"
    body = {
        "request": json.loads(request.model_dump_json()),
        "plan": json.loads(plan_path.read_text()),
        "now": week_later,
        "cancelled": [request.bookings[0].id],
    }
    path = tmp_path / "replan.json"
    path.write_text(json.dumps(body))
    run = bayplan("replan", "--input", str(path))
    assert run.returncode == 2 and "now" in run.stderr and "past day" in run.stderr, run.stderr
    assert run.stderr.startswith(f"bayplan: error: {path}: ")  # the file named first (review-s35)


def test_readme_says_keys_and_serve_share_one_database() -> None:
    """The keys examples once left out --db: keys made in another database are unknown to the server."""
    import inspect
    import re
    from pathlib import Path

    from cli import main as cli

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### API keys and roles") : readme.index("| role | may |")]
    assert "same `--db` as `serve`" in section and "sqlite:///bayplan.db" in section
    assert re.search(r"bayplan keys create .*--db ", section)
    commands = (cli.serve, cli.keys_create, cli.keys_list, cli.keys_revoke)
    defaults = {inspect.signature(f).parameters["db"].default for f in commands}
    assert defaults == {"sqlite:///bayplan.db"}  # one default for both


def test_keys_create_makes_a_technician_key_bound_to_one_technician(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'keys.db'}"
    args = ["keys", "create", "--role", "technician", "--workshop", "w", "--db", db]
    unknown = bayplan(*args, "--technician", "t1")  # review-s25: no workshop w stored yet
    assert unknown.returncode == 2, unknown.stderr
    assert "--workshop: no workshop 'w' is stored" in unknown.stderr, unknown.stderr
    assert "Traceback" not in unknown.stderr
    store_workshop(db, "w", "t1")
    made = bayplan(*args, "--technician", "t1")
    assert made.returncode == 0, made.stderr
    from scheduler.keys import KeyStore
    from scheduler.storage import Store

    info = KeyStore(Store(db)).verify(made.stdout.strip())
    assert info is not None and info.technician == "t1"
    missing = bayplan(*args)  # a technician key must name its technician
    assert missing.returncode == 2 and "technician" in missing.stderr


def test_keys_create_says_a_technician_keys_technician(tmp_path: Path) -> None:
    """The line on stderr said id, role and workshops but not whose technician key it is (the API's
    201 and `keys list` do). Fails before: no "technician t1" on the line."""
    db = f"sqlite:///{tmp_path / 'keys.db'}"
    store_workshop(db, "w", "t1")
    args = ("keys", "create", "--role", "technician", "--workshop", "w", "--technician", "t1", "--db", db)
    made = bayplan(*args)
    assert made.returncode == 0, made.stderr
    assert re.fullmatch(r"id \w+ · role technician · workshops w · technician t1\n", made.stderr), made.stderr
    chinese = bayplan("--lang", "zh-CN", *args)
    assert re.fullmatch(r"编号 \w+ · 角色 technician · 车间 w · 技师 t1\n", chinese.stderr), chinese.stderr
    admin = bayplan("keys", "create", "--role", "admin", "--workshop", "*", "--db", db)
    assert re.fullmatch(r"id \w+ · role admin · workshops \*\n", admin.stderr), admin.stderr  # as before


def test_keys_list_columns_line_up(tmp_path: Path) -> None:
    """A long workshop list ("dealer-2011,small-dealer"), the role "technician" and a revoked key's
    state shifted the rest of their line (walk-s17 C14). Fails before: the labels start in
    different columns."""
    db = f"sqlite:///{tmp_path / 'keys.db'}"
    store_workshop(db, "w", "t1")
    made = [
        ("--role", "admin", "--workshop", "*", "--label", "lead"),
        ("--role", "foreman", "--workshop", "dealer-2011", "--workshop", "small-dealer", "--label", "desk"),
        ("--role", "technician", "--workshop", "w", "--technician", "t1", "--label", "wang"),
    ]
    for args in made:
        assert bayplan("keys", "create", *args, "--db", db).returncode == 0
    first = bayplan("keys", "list", "--db", db).stdout.split()[0]
    assert bayplan("keys", "revoke", first, "--db", db).returncode == 0
    for lang in ("en", "zh-CN"):
        lines = bayplan("--lang", lang, "keys", "list", "--db", db).stdout.splitlines()
        assert len(lines) == 3, lines
        # where the role, the workshops and the label begin, in terminal cells (the label is last)
        starts = {_cells_before(line, [line.split()[1], line.split()[2], line.split()[-1]]) for line in lines}
        assert len(starts) == 1, (lang, lines)


def _cells_before(line: str, words: list[str]) -> tuple[int, ...]:
    from rich.cells import cell_len

    found, at = [], 0
    for word in words:
        at = line.index(f" {word}", at) + 1
        found.append(cell_len(line[:at]))
    return tuple(found)
