"""The overbooking trade-off from history: more overbooking turns fewer customers away and costs
overtime and punctuality; level 0 is today's strict desk; every level sees the same customers."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

from scheduler.scenarios import SCENARIO_ROOT, Scenario, load_scenario
from simulation.arrivals import HistoryDemand
from simulation.inputs import check_inputs
from simulation.layout import compile_layout
from simulation.model import Vehicle
from simulation.overbooking import BookingDesk
from simulation.tradeoff import run_tradeoff
from tests.builders import bayplan


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """small-dealer whose customers mostly book (90 %) at twice the volume: the desk fills."""
    root = tmp_path_factory.mktemp("busy") / "busy-small"
    shutil.copytree(SCENARIO_ROOT / "small-dealer", root)
    demand = root / "demand.toml"
    text = demand.read_text(encoding="utf-8").replace("booking_rate = 0.150", "booking_rate = 0.900")
    demand.write_text(text.replace(" = 650\n", " = 1300\n"), encoding="utf-8")
    return load_scenario(str(root))


def test_more_overbooking_turns_fewer_away_and_costs_overtime_and_punctuality(busy: Scenario) -> None:
    rule_sets, period = check_inputs(busy, ["current"], 5, None, None, 1.0, files=True)
    result = run_tradeoff(busy, rule_sets[0], period, [0, 15], replications=4, workers=1)
    strict, over = result.rule_sets
    assert [strict.name, over.name] == ["0 %", "15 %"]
    # The same booking requests at every level (common random numbers).
    requests = [rs.metrics["booking_requests_per_day"].mean for rs in result.rule_sets]
    assert requests[0] == requests[1] > 20
    assert strict.metrics["overbooked_per_day"].mean == 0 and strict.metrics["turned_away_per_day"].mean > 0
    versus = over.versus_first
    assert versus["turned_away_per_day"].mean < 0 and versus["overbooked_per_day"].mean > 0
    assert versus["overtime_hours_per_day"].mean > 0 and versus["on_time"].mean < 0
    assert over.metrics["no_shows_per_day"].mean >= strict.metrics["no_shows_per_day"].mean


def test_a_plain_simulation_has_no_booking_desk_and_keeps_its_warm_up(busy: Scenario) -> None:
    """Regression: `make_jobs` once passed the warm-up positionally into `overbooking`, so every
    simulate, staff and back-test run put its customers through a 1 % (or 7 %) desk."""
    from simulation.design import make_jobs
    from simulation.runners import run_jobs

    rule_sets, period = check_inputs(busy, ["current"], 2, None, None, 1.0, files=True)
    jobs = make_jobs(busy, rule_sets, period, 1, 1, "fcfs", 1.0, None, 7)
    assert [(j.overbooking, j.warmup) for j in jobs] == [(None, 7)]
    [outcome], _ = run_jobs(jobs, lambda: None, 1)
    assert outcome.metrics.get("turned_away_per_day", 0.0) == 0.0
    desk = make_jobs(busy, rule_sets, period, 1, 1, "fcfs", 1.0, overbooking=[0.0])
    [strict], _ = run_jobs(desk, lambda: None, 1)
    assert strict.metrics["turned_away_per_day"] > 0


@pytest.mark.parametrize("percent", [0.0, 10.0, 50.0])
def test_the_desk_never_sells_more_than_its_share_beyond_the_strict_desk(
    busy: Scenario, percent: float
) -> None:
    rule_sets, period = check_inputs(busy, ["current"], 5, None, None, 1.0, files=True)
    layout = compile_layout(busy, rule_sets[0])
    desk = BookingDesk(HistoryDemand(busy), layout, percent)
    date = period.start + dt.timedelta(days=1)
    came = desk.day(1, 0, 1, date, 0.3, None, no_shows=True)
    everyone = desk.inner.day(1, 0, 1, date, 0.3, None, no_shows=True)
    assert desk.requests[1] == sum(1 for v in everyone if v.booked and not v.multi_day)
    assert len(everyone) - len(came) == desk.turned_away[1]
    assert (desk.overbooked[1] > 0) == (percent > 0)
    # Beyond the strict desk's sales (the same at every level): within percent of each pool, no waiter.
    strict = BookingDesk(HistoryDemand(busy), layout, 0.0)
    sold = {_key(v) for v in strict.day(1, 0, 1, date, 0.3, None, no_shows=True)}
    beyond = [v for v in came if _key(v) not in sold]
    assert len(beyond) == desk.overbooked[1] and not any(v.waiter for v in beyond)
    used: dict[tuple[str, int], float] = {}
    for v in beyond:
        for pool, minutes in desk.need[v.service].items():
            used[pool] = used.get(pool, 0.0) + minutes
    available = desk.available(date)
    assert all(m <= percent / 100 * available[p] for p, m in used.items())


def _key(v: Vehicle) -> tuple[float, int, float, bool]:
    return v.arrival, v.service, v.promised, v.waiter


def test_simulate_overbooking_prints_a_column_per_level_and_json() -> None:
    run = bayplan("simulate", "small-dealer", "--overbooking", "0,5,10", "--days", "2", "--replications", "2",
                  "--workers", "1", "--json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert [rs["name"] for rs in result["rule_sets"]] == ["0 %", "5 %", "10 %"]
    assert {"on_time", "overtime_hours_per_day", "turned_away_per_day"} <= set(
        result["rule_sets"][1]["metrics"]
    )
    table = bayplan("simulate", "small-dealer", "--overbooking", "0,5", "--days", "2", "--replications", "2",
                    "--workers", "1")  # fmt: skip
    assert table.returncode == 0 and "turned away per day" in table.stdout and "5 %" in table.stdout
    chinese = bayplan("--lang", "zh-CN", "simulate", "small-dealer", "--overbooking", "0,5", "--days", "2",
                      "--replications", "2", "--workers", "1")  # fmt: skip
    assert (
        chinese.returncode == 0 and "每日拒约客户" in chinese.stdout and "turned away" not in chinese.stdout
    )
    # floor13-s30: percents as Chinese writes them, as the catalog's others ("95% 置信区间"): the
    # levels' columns "0%", "5%", the shares "65.0%" (English keeps "5 %", "65.0 %")
    assert re.search(r"┃ +0% ┃ +5% ┃", chinese.stdout) and "对比 0%" in chinese.stdout, chinese.stdout
    assert re.search(r"准时（%） .*\d% \[", chinese.stdout) and not re.search(r"\d %", chinese.stdout), (
        chinese.stdout
    )
    assert re.search(r"on time .*\d %", table.stdout) and "vs 0 %" in table.stdout, table.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--overbooking", "0,60"),
        ("--overbooking", "0,five"),
        ("--overbooking", "5,5"),
        ("--overbooking", "0.1234567,0.1234568"),  # two columns both named "0.123457 %"
        ("--overbooking", "0,5", "--rules", "current", "--rules", "current"),
    ],
)
def test_bad_overbooking_levels_exit_2_naming_the_option(args: tuple[str, ...]) -> None:
    run = bayplan("simulate", "small-dealer", *args, "--days", "1", "--replications", "2", "--workers", "1")
    assert run.returncode == 2 and run.stderr.startswith("bayplan: error: --overbooking"), run.stderr
