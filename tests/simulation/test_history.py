"""History from the shop's own records: format and loader, the bundled synthetic history, fit, replay."""

from __future__ import annotations

import datetime as dt
import gzip
import io
from dataclasses import replace
from pathlib import Path

import pytest

from scheduler.errors import InputError
from scheduler.scenarios import load_scenario
from simulation.history import load_history, load_mapping, read_history, write_history
from simulation.sources import sample_orders

BUNDLED = Path(__file__).resolve().parents[2] / "scenarios" / "dealer-2011" / "history-2011H1.csv.gz"
CODES = ["LUBE", "MAINT", "MINOR", "ACC-BODY"]

GOOD = """order_id,arrived_at,service,booked,waiter,fleet_partner,promised_at,clocked_minutes,technician
A1,2011-03-01T08:10+08:00,LUBE,0,1,,2011-03-01T09:20+08:00,38.5,X01
A2,2011-03-01T09:00+08:00,MAINT,1,0,FP-TAXI,,,
A3,2011-03-02T10:15+08:00,MINOR,1,0,,,,
"""


def test_a_good_file_loads_every_row() -> None:
    history = read_history(io.StringIO(GOOD), services=CODES)
    assert [o.order_id for o in history.orders] == ["A1", "A2", "A3"]
    a1 = history.orders[0]
    assert a1.waiter and not a1.booked and a1.clocked_minutes == 38.5 and a1.technician == "X01"
    assert a1.arrived_at.utcoffset() == dt.timedelta(hours=8)
    assert history.orders[1].fleet_partner == "FP-TAXI" and history.orders[1].promised_at is None
    assert all(o.kept for o in history.orders) and not history.synthetic


def test_bad_rows_name_line_and_field_and_nothing_is_imported() -> None:
    bad = GOOD + (
        "A4,2011-03-02 10:15,LUBE,0,0,,,,\n"  # no UTC offset (line 5)
        "A5,2011-03-02T10:15+08:00,OIL,0,0,,,,\n"  # unknown service (line 6)
        "A6,2011-03-02T10:15+08:00,LUBE,2,0,,,,\n"  # booked not 0/1 (line 7)
        "A1,2011-03-02T10:15+08:00,LUBE,0,0,,,,\n"  # duplicate id (line 8)
        "A7,2011-03-02T10:15+08:00,LUBE,0,0,,,-3,\n"  # negative minutes (line 9)
    )
    with pytest.raises(InputError) as err:
        read_history(io.StringIO(bad), services=CODES)
    text = str(err.value)
    assert "5 bad row(s), nothing imported" in text
    for needle in (
        "line 5, arrived_at",
        "line 6, service",
        "line 7, booked",
        "line 8, order_id",
        "line 9, clocked_minutes",
    ):
        assert needle in text, needle
    skipped = read_history(io.StringIO(bad), services=CODES, skip_bad=True)
    assert len(skipped.orders) == 3 and len(skipped.skipped) == 5
    assert [b.line for b in skipped.skipped] == [5, 6, 7, 8, 9]


def test_a_missing_required_column_is_an_error() -> None:
    with pytest.raises(InputError, match=r"columns\.waiter"):
        read_history(io.StringIO("order_id,arrived_at,service,booked,fleet_partner\n"), services=CODES)


def test_a_mapping_file_loads_a_dms_export_as_it_is(tmp_path: Path) -> None:
    export = (
        "RO No.,Open Date,Op Code,Appt,Waiting,Account,Tech\n"
        "9001,2011-03-01 08:10,LOF-01,N,Y,,X01\n"
        "9002,2011-03-01 09:30,PM-90,Y,N,FP-TAXI,\n"
    )
    mapping = tmp_path / "dms.toml"
    mapping.write_text(
        'timezone = "Asia/Shanghai"\n'
        'true_values = ["Y"]\nfalse_values = ["N", ""]\n'
        "[columns]\n"
        'order_id = "RO No."\narrived_at = "Open Date"\nservice = "Op Code"\nbooked = "Appt"\n'
        'waiter = "Waiting"\nfleet_partner = "Account"\ntechnician = "Tech"\n'
        "[services]\n"
        '"LOF-01" = "LUBE"\n"PM-90" = "MAINT"\n',
        encoding="utf-8",
    )
    path = tmp_path / "export.csv"
    path.write_text(export, encoding="utf-8")
    history = load_history(path, mapping=load_mapping(mapping), services=CODES)
    assert [o.service for o in history.orders] == ["LUBE", "MAINT"]
    assert history.orders[0].waiter and history.orders[1].booked
    assert history.orders[0].arrived_at.utcoffset() == dt.timedelta(hours=8)
    bad_mapping = tmp_path / "bad.toml"
    bad_mapping.write_text('[columns]\nrepair_id = "RO"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"columns\.repair_id"):
        load_mapping(bad_mapping)


def test_write_then_read_gives_the_same_orders(tmp_path: Path) -> None:
    history = read_history(io.StringIO(GOOD), services=CODES)
    path = tmp_path / "h.csv.gz"
    text = io.StringIO()
    write_history(history.orders, text, comment="SYNTHETIC test")
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text.getvalue())
    again = load_history(path, services=CODES)
    assert again.orders == history.orders and again.synthetic


def test_no_show_must_be_a_booking() -> None:
    text = (
        "order_id,arrived_at,service,booked,waiter,fleet_partner,kept\n"
        "B1,2011-03-01T08:00+08:00,LUBE,0,0,,0\n"
    )
    with pytest.raises(InputError, match="line 2, kept"):
        read_history(io.StringIO(text), services=CODES)


def test_bundled_history_is_synthetic_and_adds_up_to_the_report() -> None:
    scenario = load_scenario("dealer-2011")
    history = load_history(BUNDLED, services=[s.code for s in scenario.workshop.services])
    assert history.synthetic
    tz = scenario.workshop.tz
    for record in scenario.demand.history:
        month = [o for o in history.orders if o.arrived_at.astimezone(tz).strftime("%Y-%m") == record.month]
        assert sum(o.kept for o in month) == record.repairs
        assert sum(o.booked for o in month) == record.booked
        assert sum(o.booked and o.kept for o in month) == record.kept
    repairs = [o for o in history.orders if o.kept]
    fleet = sum(1 for o in repairs if o.fleet_partner) / len(repairs)
    assert fleet == pytest.approx(scenario.demand.fleet.share, abs=0.002)
    for code, share in scenario.demand.mix.items():
        assert sum(o.service == code for o in repairs) / len(repairs) == pytest.approx(share, abs=0.003)
    assert len({o.advisor for o in repairs}) == 7


# --- fit: parameter recovery ---------------------------------------------------------------------


def _truth() -> tuple[object, object]:
    """A known demand model: the bundled fit with lognormal work whose mean is the standard minutes."""
    import math

    from simulation.fit import fit_history
    from simulation.sources import FittedSource

    scenario = load_scenario("dealer-2011")
    fitted = fit_history(load_history(BUNDLED), scenario)
    services = {
        code: sf.model_copy(
            update={
                "distribution": "lognormal",
                "quantiles": [],
                "sigma": 0.3,
                "mu": math.log(sf.standard_minutes) - 0.045,
            }
        )
        for code, sf in fitted.services.items()
    }
    truth = fitted.model_copy(update={"services": services})
    return scenario, FittedSource(scenario, truth)


def test_fit_recovers_known_parameters_within_its_intervals() -> None:
    """A history drawn from known parameters, fitted: most intervals (>= 85 %) hold the truth."""
    import math

    import numpy as np

    from simulation.fit import fit_history
    from simulation.history import History

    scenario, source = _truth()
    truth = source.fit  # type: ignore[attr-defined]
    techs = scenario.workshop.technicians  # type: ignore[attr-defined]
    by_skill = {
        s.code: [t for t in techs if s.operations[0].skill in t.skills] for s in scenario.workshop.services
    }  # type: ignore[attr-defined]
    rng = np.random.default_rng(7)
    orders = []
    expected: dict[str, list[float]] = {}
    day = dt.date(2011, 1, 1)
    while day <= dt.date(2011, 3, 31):
        expected.setdefault(f"{day:%Y-%m}", []).append(source.expected(day))  # type: ignore[attr-defined]
        for o in sample_orders(source, day, rng, f"{day:%m%d}-"):  # type: ignore[arg-type]
            tech = by_skill[o.service][int(rng.integers(len(by_skill[o.service])))]
            assert o.clocked_minutes is not None
            orders.append(replace(o, technician=tech.id, clocked_minutes=o.clocked_minutes / tech.efficiency))
        day += dt.timedelta(days=1)
    fit = fit_history(History(orders, "recovery"), scenario)  # type: ignore[arg-type]

    checks: list[tuple[str, float, float, float]] = []
    for name in ("booked_share", "kept_rate", "fleet_share"):
        e = getattr(fit, name)
        checks.append((name, getattr(truth, name).value, e.low, e.high))
    for month, values in expected.items():
        e = fit.monthly_rate[month]
        checks.append((f"rate {month}", float(np.mean(values)), e.low, e.high))
    for code, sf in fit.services.items():
        t = truth.services[code]
        checks.append((f"{code} share", source.mix_p[source.codes.index(code)], sf.share.low, sf.share.high))  # type: ignore[attr-defined]
        checks.append((f"{code} mean", math.exp(t.mu + t.sigma**2 / 2), sf.mean_low, sf.mean_high))
        if t.waiter_share.value > 0:
            checks.append(
                (f"{code} waiters", t.waiter_share.value, sf.waiter_share.low, sf.waiter_share.high)
            )
    grade_eff = {}
    for t in techs:
        grade_eff[t.grade] = t.efficiency
    from scheduler.contract import GRADE_NAMES

    for g, eff in grade_eff.items():
        e = fit.efficiency[GRADE_NAMES[g]]
        checks.append((f"efficiency {GRADE_NAMES[g]}", eff, e.low, e.high))
    covered = [low <= value <= high for _, value, low, high in checks]
    missed = [c for c, ok in zip(checks, covered, strict=True) if not ok]
    assert len(checks) >= 30
    assert sum(covered) / len(checks) >= 0.85, missed
    # And the intervals are narrow enough to mean something.
    assert fit.kept_rate.high - fit.kept_rate.low < 0.05
    assert all(sf.distribution == "lognormal" for sf in fit.services.values() if sf.n >= 200)


def test_fit_json_from_the_command_line(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from cli.main import app

    report = tmp_path / "fit.html"
    out = tmp_path / "fitted.toml"
    result = CliRunner().invoke(
        app,
        ["history", "fit", "dealer-2011", str(BUNDLED), "--json", "--report", str(report), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["synthetic"] is True and data["days"] == 181
    lube = data["services"]["LUBE"]
    for key in ("distribution", "mean_minutes", "mean_low", "mean_high", "n"):
        assert key in lube
    assert lube["mean_low"] <= lube["mean_minutes"] <= lube["mean_high"]
    assert {"value", "low", "high", "n"} <= set(data["kept_rate"]) and "booked_share" in data
    page = report.read_text(encoding="utf-8")
    assert "<svg" in page and "Q-Q" in page and "SYNTHETIC" in page and "http" not in page.split("<svg")[0]
    assert "SYNTHETIC" in out.read_text(encoding="utf-8")


# --- replay, bootstrap, fitted ---------------------------------------------------------------------


def test_replay_serves_exactly_the_recorded_vehicles_per_day() -> None:
    from simulation.sources import ReplaySource

    scenario = load_scenario("dealer-2011")
    history = load_history(BUNDLED)
    source = ReplaySource(scenario, history, None, None)
    tz = scenario.workshop.tz
    recorded = history.by_day(tz)
    for k, date in enumerate([dt.date(2011, 2, 3), dt.date(2011, 4, 18), dt.date(2011, 6, 30)]):
        for replication in (0, 5):
            vehicles = source.day(1, replication, k + 1, date, 0.3, None)
            kept = [o for o in recorded[date] if o.kept]
            assert len(vehicles) == len(kept)
            midnight = dt.datetime.combine(date, dt.time(0), tzinfo=tz)
            got = sorted(
                (v.arrival - (k + 1) * 1440, scenario.workshop.services[v.service].code) for v in vehicles
            )
            want = sorted(((o.arrived_at - midnight).total_seconds() / 60, o.service) for o in kept)
            assert got == want
            # Work content where clocked: the same for every replication.
            assert {round(v.work[0], 9) for v in vehicles} == {
                round(v.work[0], 9) for v in source.day(1, 0, k + 1, date, 0.3, None)
            }


def _history_experiment(mode: str) -> object:
    from simulation.backtest import history_demand
    from simulation.design import run_experiment
    from simulation.rules import load_rules

    scenario = load_scenario("dealer-2011")
    spec, period, history = history_demand(
        scenario, str(BUNDLED), mode, dt.date(2011, 4, 4), dt.date(2011, 4, 8)
    )
    rules = [load_rules(scenario, "current"), load_rules(scenario, "peak-plus2")]
    result = run_experiment(scenario, rules, period, replications=3, seed=2, workers=1, demand=spec)
    return result, history, scenario


@pytest.mark.parametrize("mode", ["replay", "bootstrap", "fitted"])
def test_common_random_numbers_hold_with_history_demand(mode: str) -> None:
    result, history, scenario = _history_experiment(mode)
    current, plus2 = result.rule_sets  # type: ignore[attr-defined]
    assert current.metrics["arrived_per_day"] == plus2.metrics["arrived_per_day"]
    assert current.metrics["cost_per_day"].mean < plus2.metrics["cost_per_day"].mean
    if mode == "replay":
        # Trace-driven: every replication serves exactly the recorded vehicles of those days.
        tz = scenario.workshop.tz  # type: ignore[attr-defined]
        days = [dt.date(2011, 4, d) for d in range(4, 9)]
        recorded = history.by_day(tz)  # type: ignore[attr-defined]
        count = sum(sum(o.kept for o in recorded[d]) for d in days) / len(days)
        m = current.metrics["arrived_per_day"]
        assert (
            m.mean == pytest.approx(count)
            and m.low == pytest.approx(count)
            and m.high == pytest.approx(count)
        )


# --- back-test ---------------------------------------------------------------------------------------


def test_an_unseen_months_level_is_a_training_month_drawn_per_replication() -> None:
    """With `forecast`, a month the fit has not seen gets, per replication, the level of a fitted
    month at random (moved with `level`): the month-to-month spread is in the intervals; the draws
    depend on seed, replication and month only (common to every rule set)."""
    import numpy as np

    from simulation.fit import Estimate
    from simulation.sources import FittedSource

    scenario, truth_source = _truth()
    rates = {"2011-01": 116.0, "2011-02": 87.0, "2011-03": 111.0, "2011-04": 141.0}
    fit = truth_source.fit.model_copy(  # type: ignore[attr-defined]
        update={"monthly_rate": {m: Estimate(value=v, low=v - 5, high=v + 5, n=30) for m, v in rates.items()}}
    )
    plain = FittedSource(scenario, fit)  # type: ignore[arg-type]
    ahead = FittedSource(scenario, fit, forecast=True)  # type: ignore[arg-type]
    again = FittedSource(scenario, fit, forecast=True)  # type: ignore[arg-type]
    may = [ahead.month_level(1, r, 2011, 5) for r in range(400)]
    assert set(may) == set(rates.values())  # every training month turns up, nothing else
    assert np.mean(may) == pytest.approx(np.mean(list(rates.values())), abs=4)
    assert may == [again.month_level(1, r, 2011, 5) for r in range(400)]
    june = [ahead.month_level(1, r, 2011, 6) for r in range(400)]
    assert june != may  # months drawn apart
    assert all(plain.month_level(1, r, 2011, 5) in rates.values() for r in range(5))
    sunday = dt.date(2011, 5, 1)
    w = float(plain.weekday[sunday.weekday()])
    assert plain.expected(sunday, 1, 0) == pytest.approx(plain.level * w)  # no forecast: the mean level
    assert ahead.expected(sunday, 1, 0) == pytest.approx(may[0] * w)
    assert ahead.expected(dt.date(2011, 2, 6), 1, 0) == plain.expected(dt.date(2011, 2, 6))  # seen month
    moved = FittedSource(scenario, fit, level=200.0, forecast=True)  # type: ignore[arg-type]
    assert moved.month_level(1, 0, 2011, 5) == pytest.approx(may[0] + 200.0 - 113.75)


def test_recorded_figures_count_the_vehicles_the_simulation_has() -> None:
    """The back-test's simulation starts empty WARMUP_DAYS before the window: a vehicle in the shop
    since before that is not counted on the recorded side either; one from the warm-up week is."""
    from simulation.backtest import WARMUP_DAYS, recorded_metrics
    from simulation.history import History, Order

    scenario = load_scenario("dealer-2011")
    tz = scenario.workshop.tz  # type: ignore[attr-defined]

    def order(name: str, arrived: dt.date, done: dt.date) -> Order:
        return Order(
            name,
            dt.datetime.combine(arrived, dt.time(8), tzinfo=tz),
            "ACC-BODY",
            booked=False,
            waiter=False,
            promised_at=dt.datetime.combine(done, dt.time(17), tzinfo=tz),
            finished_at=dt.datetime.combine(done, dt.time(16), tzinfo=tz),
        )

    first = dt.date(2011, 5, 1)
    history = History(
        [
            order("old", first - dt.timedelta(days=WARMUP_DAYS + 3), dt.date(2011, 5, 2)),
            order("warm-up week", first - dt.timedelta(days=2), dt.date(2011, 5, 2)),
            order("in the window", dt.date(2011, 5, 3), dt.date(2011, 5, 4)),
        ]
    )
    got = recorded_metrics(history, scenario, first, dt.date(2011, 5, 10))
    assert got["served_per_day"] == pytest.approx(2 / 10)
    assert got["on_time"] == 1.0


def test_warm_up_days_run_before_the_window_and_are_not_measured() -> None:
    """Replay with one warm-up day or a week of them: the window's recorded vehicles, exactly."""
    from simulation.backtest import history_demand
    from simulation.design import make_jobs
    from simulation.rules import load_rules
    from simulation.runners import run_jobs

    scenario = load_scenario("dealer-2011")
    first, last = dt.date(2011, 5, 9), dt.date(2011, 5, 10)
    spec, period, history = history_demand(
        scenario, str(BUNDLED), "replay", first - dt.timedelta(days=7), last
    )
    period = replace(period, start=first, days=2)
    rules = load_rules(scenario, "current")
    recorded = history.by_day(scenario.workshop.tz)  # type: ignore[attr-defined]
    count = sum(o.kept for d in (first, last) for o in recorded[d]) / 2
    for warmup in (1, 7):
        jobs = make_jobs(scenario, [rules], period, 1, 1, "fcfs", 1.0, spec, warmup)
        [outcome], _ = run_jobs(jobs, lambda: None, 1)
        assert outcome.metrics["arrived_per_day"] == pytest.approx(count)


def test_backtest_on_the_command_line_forecasts_unseen_months_with_their_spread() -> None:
    import json

    from typer.testing import CliRunner

    from cli.main import app

    args = ["backtest", "dealer-2011", "--train", "2011-02..2011-04", "--test", "2011-05-02..2011-05-03",
            "--replications", "4", "--workers", "1"]  # fmt: skip
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["level_months"] == 3 and data["level_sd"] > 10  # Feb, Mar, Apr: 86.9, 110.9, 141.1
    assert {r["metric"] for r in data["rows"]} == {"served_per_day", "on_time", "time_in_shop_p50",
                                                   "time_in_shop_p90"}  # fmt: skip
    for row in data["rows"]:
        assert row["range_low"] <= row["mean"] <= row["range_high"]
        assert row["inside"] == (row["range_low"] <= row["recorded"] <= row["range_high"])
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0 and "SYNTHETIC" in table.stdout and "between its 3 months" in table.stdout


# --- ranking and selection -------------------------------------------------------------------------


def _toy(
    seed: int, means: list[float], sd: list[float] | float, rho: float, delta: float, n0: int = 10
) -> object:
    """KN on normal systems with known means; replication r shares a common component (CRN)."""
    import numpy as np

    from simulation.selection import kn

    rng = np.random.default_rng(seed)
    mu, sigma = np.array(means), np.broadcast_to(np.asarray(sd, dtype=float), (len(means),))
    store: dict[int, object] = {}

    def observe(systems: list[int], first: int, last: int) -> dict[int, list[float]]:
        for r in range(first, last):
            if r not in store:
                common = rng.standard_normal()
                store[r] = mu + sigma * (
                    np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.standard_normal(len(mu))
                )
        return {i: [float(store[r][i]) for r in range(first, last)] for i in systems}  # type: ignore[index]

    return kn(observe, len(means), delta, n0=n0, max_replications=100_000)


def test_kn_finds_the_known_best_with_its_guaranteed_probability() -> None:
    """Slippage configuration (the hardest for KN): best 0, nine others delta worse. PCS >= 0.95.

    400 macro-replications: the estimated PCS has a standard error of ~1.1 points, so 0.93 leaves
    two standard errors of slack below the guarantee."""
    import numpy as np

    delta = 1.0
    means = [delta] * 10
    means[3] = 0.0
    with_crn = [_toy(s, means, 2.0, 0.5, delta) for s in range(400)]
    pcs = np.mean([sel.best == 3 for sel in with_crn])  # type: ignore[attr-defined]
    assert pcs >= 0.93, pcs
    assert all(sel.certified for sel in with_crn)  # type: ignore[attr-defined]
    # Unequal variances, no CRN: the guarantee still holds.
    unequal = [_toy(s, means, [1.0 + 0.3 * i for i in range(10)], 0.0, delta) for s in range(200)]
    assert np.mean([sel.best == 3 for sel in unequal]) >= 0.92  # type: ignore[attr-defined]
    # CRN buys replications: fewer in total than without.
    without = [_toy(s, means, 2.0, 0.0, delta) for s in range(100)]
    used = np.mean([sum(sel.replications.values()) for sel in with_crn[:100]])  # type: ignore[attr-defined]
    assert used < np.mean([sum(sel.replications.values()) for sel in without])  # type: ignore[attr-defined]


def test_kn_choice_is_within_delta_when_systems_are_close() -> None:
    import numpy as np

    delta = 1.0
    means = [0.0, 0.3, 0.6, 0.9, 1.5, 2.0, 3.0]
    picks = [_toy(s, means, 1.5, 0.3, delta) for s in range(200)]
    good = np.mean([means[sel.best] <= delta for sel in picks])  # type: ignore[attr-defined]
    assert good >= 0.95
    sel = picks[0]
    assert all(means[i] - means[sel.best] <= 3 for i in sel.runners_up())  # type: ignore[attr-defined]


def test_a_whole_minute_record_is_compared_with_the_simulation_measured_to_the_minute() -> None:
    """The record counts a finish in the promised minute as on time (its times are whole minutes);
    the simulated side, measured on a continuous clock, is measured the same way for the back-test."""
    from simulation.model import Vehicle
    from simulation.replication import to_the_minute

    def vehicle(arrival: float, done: float, promised: float) -> Vehicle:
        return Vehicle(arrival, 0, promised, False, -1, False, [1.0], 1.0, done=done)

    late_by_a_moment = vehicle(600.2, 700.3, 700.0)  # rounds to 700: on time in a record
    late = vehicle(600.0, 700.6, 700.0)
    early = vehicle(599.6, 650.0, 700.0)
    got = to_the_minute([late_by_a_moment, late, early], [late_by_a_moment, late, early], 2000.0)
    assert got["on_time_to_minute"] == pytest.approx(2 / 3)
    assert sorted([100.0, 101.0, 50.0]) == sorted(
        [round(v.done) - round(v.arrival) for v in (late_by_a_moment, late, early)]
    )
    assert got["time_in_shop_p50_to_minute"] == 100.0

    from simulation.backtest import whole_minutes

    history = load_history(BUNDLED)
    may = (dt.date(2011, 5, 1), dt.date(2011, 5, 2))
    assert whole_minutes(history, *may)
    moved = history.orders[:]
    i = next(k for k, o in enumerate(moved) if o.arrived_at.date() == may[0])
    moved[i] = replace(moved[i], arrived_at=moved[i].arrived_at + dt.timedelta(seconds=20))
    assert not whole_minutes(replace(history, orders=moved), *may)


def test_identifiers_a_spreadsheet_would_run_go_out_quoted_and_read_back_as_they_were() -> None:
    """The history file is a CSV export like the others (scheduler.exchange.spreadsheet_cell): an
    order id, technician, advisor or fleet partner starting with '-' goes out behind a ' and reads
    back as it was."""
    history = read_history(io.StringIO(GOOD), services=CODES)
    odd = [replace(o, order_id="-" + o.order_id, technician="-t", advisor="-a", fleet_partner="-FP")
           for o in history.orders]  # fmt: skip
    text = io.StringIO()
    write_history(odd, text)
    first = text.getvalue().splitlines()[1].split(",")
    assert [first[0], first[5], first[7], first[-1]] == ["'-A1", "'-FP", "'-a", "'-t"]
    assert read_history(io.StringIO(text.getvalue()), services=CODES).orders == odd
