"""History from the shop's own records: format and loader, the bundled synthetic history, fit, replay."""

from __future__ import annotations

import datetime as dt
import gzip
import io
from pathlib import Path

import pytest

from scheduler.errors import InputError
from scheduler.scenarios import load_scenario
from simulation.history import load_history, load_mapping, read_history, write_history

BUNDLED = Path(__file__).resolve().parents[1] / "scenarios" / "dealer-2011" / "history-2011H1.csv.gz"
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
