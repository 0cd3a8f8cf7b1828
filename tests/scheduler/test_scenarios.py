"""Bundled scenarios load and are plannable; broken scenario files name the file, field and reason."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from scheduler.clock import DayClock
from scheduler.compiler import duration, technician_data
from scheduler.errors import InputError
from scheduler.scenarios import SCENARIO_ROOT, list_scenarios, load_scenario
from solver.problem import TechnicianData


def test_bundled_scenarios_load() -> None:
    assert {"dealer-2011", "small-dealer"} <= set(list_scenarios())
    dealer = load_scenario("dealer-2011")
    kinds = {b.kind for b in dealer.workshop.bays}
    assert kinds == {"general", "express", "alignment", "body", "paint"}
    assert {b.fleet_partner for b in dealer.workshop.bays if b.fleet_partner} == set(
        dealer.demand.fleet.partners
    )
    assert {t.grade for t in dealer.workshop.technicians} == {1, 2, 3, 4, 5}
    assert load_scenario(SCENARIO_ROOT / "small-dealer").workshop.id == "small-dealer"


@pytest.mark.parametrize("name", ["dealer-2011", "small-dealer"])
def test_every_operation_fits_a_qualified_technicians_longest_block(name: str) -> None:
    scenario = load_scenario(name)
    clock = DayClock(scenario.workshop.timezone, dt.date(2026, 11, 24))
    blocks: dict[str, TechnicianData] = {
        t.id: technician_data(t, clock) for t in scenario.workshop.technicians
    }
    for service in scenario.workshop.services:
        for op in service.operations:
            fits = [
                t.id
                for t in scenario.workshop.technicians
                if op.skill in t.skills
                and t.grade >= op.min_grade
                and max(e - s for s, e in blocks[t.id].windows()) >= duration(op.minutes, t.efficiency)
            ]
            assert fits, f"{service.code}/{op.name} fits no technician's longest break-free block"
            assert any(b.kind in op.bay_kinds for b in scenario.workshop.bays), (
                f"{service.code}/{op.name}: no bay"
            )


def _broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    target = tmp_path / "broken"
    shutil.copytree(SCENARIO_ROOT / "small-dealer", target)
    path = target / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("file", "old", "new", "field", "words"),
    [
        (
            "workshop.toml",
            'kind = "express"',
            'kind = "lift"',
            "bays[0].kind",
            "'lift' is not a declared bay kind",
        ),
        ("workshop.toml", 'name = "Small dealer (20 vehicles a day)"\n', "", "name", "Field required"),
        (
            "workshop.toml",
            'start = "08:00", end = "17:00" }',
            'start = "25:00", end = "17:00" }',
            "opening.start",
            "HH:MM",
        ),
        ("workshop.toml", 'id = "M01"', 'id = "X01"', "technicians[1].id", "duplicate id 'X01'"),
        ("workshop.toml", "grade = 2", "grade = 9", "technicians[0].grade", "less than or equal to 5"),
        ("demand.toml", "LUBE = 0.355", "LUBE = 0.355\nTURBO = 0.0001", "mix", "sum to 1"),
        ("demand.toml", "WARRANTY = 0.089", "WARANTY = 0.089", "mix.WARANTY", "no such service"),
        ("demand.toml", "days_per_month = 30", "days_per_month = = 30", "(syntax)", "line"),
        ("demand.toml", "jan = 650\n", "", "monthly_volume", "missing ['jan']"),
        # Time zones that used to escape as IsADirectoryError / OSError tracebacks.
        ("workshop.toml", '"Asia/Shanghai"', '"Europe"', "timezone", "unknown IANA time zone 'Europe'"),
        ("workshop.toml", '"Asia/Shanghai"', '"Etc"', "timezone", "unknown IANA time zone 'Etc'"),
        ("workshop.toml", '"Asia/Shanghai"', '"' + "A" * 300 + '"', "timezone", "at most 64 characters"),
        (
            "workshop.toml",
            '"Asia/Shanghai"\n',
            '"Asia/Shanghai"\nclosed_days = [9999-12-31]\n',
            "closed_days[0]",
            "2199-12-31",
        ),
        # TOML has nan and inf: refused like any other bad number.
        ("demand.toml", '"08:00" = 0.22', '"08:00" = nan', "arrivals.hourly.08:00", "finite"),
        ("demand.toml", "weekday = [1.10", "weekday = [inf", "arrivals.weekday[0]", "finite"),
    ],
)
def test_broken_files_name_file_field_and_reason(
    tmp_path: Path, file: str, old: str, new: str, field: str, words: str
) -> None:
    folder = _broken_copy(tmp_path, file, old, new)
    with pytest.raises(InputError) as err:
        load_scenario(folder)
    assert err.value.source == str(folder / file)
    assert err.value.field == field
    assert words in err.value.reason


def test_missing_file_and_unknown_scenario(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(InputError) as err:
        load_scenario(folder)
    assert err.value.source == str(folder / "workshop.toml")
    with pytest.raises(InputError) as err:
        load_scenario("no-such-dealer")
    assert "dealer-2011" in err.value.reason
