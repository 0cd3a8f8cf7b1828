"""How a Chinese foreman reads bayplan.

What the s25 review left (bench/RESULTS-zhreview-s25.md, "Found and not fixed"), each
failing before its fix: a Traditional-Chinese browser got English, the promise had two words (承诺取车
and 承诺交车), the re-plan's changes named cars by booking id and technicians by id, the simulation
report read "调度策略 fcfs", "需求增长 1", "每日加班小时（小时）", "73.6 %" and an ISO date."""

from __future__ import annotations

import csv
import html
import io
import re
import warnings
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from scheduler.catalogs import LOCALE_DIR
from scheduler.contract import Assignment, Change
from scheduler.i18n import Names, Translator, name_map
from scheduler.replan import change_words
from tests.builders import DATE, HISTORY_DAYS, at, fixed_clock, tiny_workshop

PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po"


def _lang(client: TestClient, header: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', client.get("/login", headers={"Accept-Language": header}).text)
    assert found is not None
    return found.group(1)


@pytest.mark.sqlite_only
def test_any_chinese_browser_reads_the_simplified_catalog_unless_it_ranks_english_higher(db_url: str) -> None:
    """Before: zh-TW, zh-HK, zh-Hant, zh-Hant-TW got English (only zh-CN, zh, zh-Hans were Chinese)."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    for header in (
        "zh-TW",
        "zh-HK",
        "zh-Hant",
        "zh-Hant-TW",
        "zh-MO",
        "zh-TW,zh;q=0.9,en;q=0.8",
        "fr, zh-HK;q=0.5",
    ):
        assert _lang(client, header) == "zh-CN", header
    for header in ("en, zh-TW;q=0.5", "en-US,en;q=0.9,zh-TW;q=0.8", "en-GB", "fr", ""):
        assert _lang(client, header) == "en", header
    assert _lang(client, "zh-TW;q=0.5, en;q=0.9") == "en"
    assert _lang(client, "zh-CN") == "zh-CN" and _lang(client, "en;q=0.5, zh") == "zh-CN"


def _messages() -> list[tuple[str, str]]:
    with PO.open("rb") as f:
        catalog = read_po(f)
    out = []
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple | list) else (m.id,)
        strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
        out += [(ids[0], s) for s in strings]
    return out


def test_the_chinese_catalog_has_one_word_for_the_promised_pickup() -> None:
    """Before: "Promised" and "Promised pickup" read 承诺取车 (the at-risk list, the job card PDF, the
    desk), "promised %(time)s" 承诺交车 (the chart, the technician's page, the CLI): two words on one
    page. The dealer hands the car over: 交车, everywhere."""
    both = [(msgid, msgstr) for msgid, msgstr in _messages() if "取车" in msgstr]
    assert both == []
    assert any("承诺交车" in msgstr for _, msgstr in _messages())


def test_a_replans_changes_name_the_car_by_plate_and_the_technician_by_name(db_url: str) -> None:
    """Before: "BK-… 工序 1（work）：b1/t1 08:00-09:00 → b1/t1 09:00-10:00" on the page (the booking id,
    the technician's id); the plate and the name now, in both languages; the JSON keeps its summary."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    tiny = tiny_workshop()
    workshop = tiny.model_copy(
        update={"technicians": [tiny.technicians[0].model_copy(update={"name": "王师傅"})]}
    )
    assert client.put("/v1/workshops/tiny", json=workshop.model_dump(mode="json")).status_code == 200
    made = client.post(
        "/v1/workshops/tiny/bookings",
        json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", "plate": "粤A12345"},
    )
    assert made.status_code == 201, made.text
    booking = made.json()["id"]
    first = client.post("/v1/workshops/tiny/plans", json={"date": DATE, "time_limit_seconds": 2}).json()
    (placed,) = first["assignments"]
    end = placed["end"]
    late = end.replace(end[11:16], f"{int(end[11:13]) + 1:02d}{end[13:16]}")
    body = {"date": DATE, "time_limit_seconds": 2, "now": f"{DATE}T08:30:00+08:00",
            "overruns": [{"booking": booking, "operation": 0, "expected_end": late}]}  # fmt: skip
    replanned = client.post("/v1/workshops/tiny/plans", json=body)
    assert replanned.status_code == 200, replanned.text
    (change,) = replanned.json()["changes"]
    assert change["summary"].startswith(f"{booking} op 1 (work): ")  # the contract's text, as stored
    name = {t.id: t.name for t in workshop.technicians}[placed["technician"]]
    bay = placed["bay"]
    for headers, expected in (
        ({}, "粤A12345 op 1 (work): "),
        ({"Accept-Language": "zh-CN"}, "粤A12345 工序 1（work）："),
    ):
        page = html.unescape(client.get(f"/workshops/tiny/plan/{DATE}", headers=headers).text)
        [line] = re.findall(r'<ul id="changes"><li>(.*?)</li>', page)
        assert line.startswith(expected), line
        assert booking not in line and f"{bay}/{name} " in line, line
        assert f"/{placed['technician']} " not in line, line


def test_a_removed_operation_and_an_older_summary_read_in_words() -> None:
    """The change's fields give the place; the summary gives why (translated); a summary no change
    template made is read as before (Translator.phrase)."""
    tiny = tiny_workshop()
    tech = tiny.technicians[0].model_copy(update={"name": "王师傅"})
    workshop = tiny.model_copy(update={"technicians": [tech]})
    before = Assignment(
        booking="B1", operation=0, bay="G1", technician=tech.id, start=at("08:00"), end=at("09:00")
    )
    summary = f"B1 op 1 (work): G1/{tech.id} 08:00-09:00 removed (carried over to a later day)"
    removed = Change(booking="B1", operation=0, kind="unassigned", before=before, summary=summary)
    zh, en = Translator("zh_CN"), Translator("en")
    assert change_words(removed, workshop, {"B1": "粤A12345"}, en) == (
        "粤A12345 op 1 (work): G1/王师傅 08:00-09:00 removed (carried over to a later day)"
    )
    assert (
        change_words(removed, workshop, {}, zh)
        == "B1 工序 1（work）：G1/王师傅 08:00-09:00 已移除（"
        + zh.gettext("carried over to a later day")
        + "）"
    )
    old = removed.model_copy(update={"summary": "no room"})
    assert change_words(old, workshop, {"B1": "粤A12345"}, zh) == zh.gettext("no room")
    # zh-s28: with the workshop's names the operation reads as the workshop names it ("work": 小保养)
    named = zh.named(Names(things=name_map([("work", "小保养")])))
    assert change_words(removed, workshop, {}, named).startswith("B1 工序 1（小保养）：G1/王师傅 08:00-09:00")
    assert change_words(removed, workshop, {}, en.named(named.names)).startswith("B1 op 1 (work): ")


def test_the_productivity_csv_has_a_readable_export_beside_the_machine_one(clocked_history_db: Path) -> None:
    """The CSV (`format=csv`) keeps the contract's machine header and technician ids; `labels=true`
    gives the same rows with the columns named in the request's language, technicians by name,
    the levels in words and shares as percents (a BOM first, so a spreadsheet reads it as UTF-8);
    the reports page links both."""
    client = TestClient(create_app(f"sqlite:///{clocked_history_db}", auth=False, clock=fixed_clock()))
    days = {"from": HISTORY_DAYS[0].isoformat(), "to": HISTORY_DAYS[-1].isoformat(), "format": "csv"}
    url = "/v1/workshops/tiny/reports/productivity"
    machine = client.get(url, params=days, headers={"Accept-Language": "zh-CN"}).text
    assert machine.splitlines()[0].startswith("level,period,period_end,technician,grade,")
    zh = client.get(url, params={**days, "labels": "true"}, headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 200 and zh.headers["content-type"].startswith("text/csv")
    assert zh.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(zh.text.removeprefix("\ufeff"))))
    header = rows[0]
    assert header[:5] == ["层级", "起始", "截止", "技师", "等级"] and not any(
        re.search(r"[a-z]_", h) for h in header
    )
    assert len(rows) == len(machine.splitlines())
    technicians = [r for r in rows[1:] if r[0] == "技师"]
    assert {r[3] for r in technicians} == {"T", "U"}  # two_bay_workshop's names
    assert all(r[3] == "" for r in rows[1:] if r[0] == "全车间")
    assert any(r[header.index("效率")].endswith("%") for r in technicians)
    en = client.get(url, params={**days, "labels": "true"}).text.removeprefix("\ufeff")
    assert en.splitlines()[0].startswith("Level,From,To,Technician,Grade,")
    page = client.get(
        "/workshops/tiny/reports", params=days | {"format": ""}, headers={"Accept-Language": "zh-CN"}
    )
    assert "format=csv&amp;labels=true" in page.text


def test_the_readable_productivity_csv_quotes_a_name_a_spreadsheet_would_run(
    clocked_history_db: Path,
) -> None:
    """review-s27: the readable CSV (`labels=true`) wrote each technician's name (or, in Chinese,
    his `name_i18n`) as it is: a name starting with =, +, -, @ opened as a formula in a spreadsheet.
    It is written behind a ' as the bookings export writes its free texts (exchange.FORMULA_STARTS)."""
    from tests.builders import two_bay_workshop

    client = TestClient(create_app(f"sqlite:///{clocked_history_db}", auth=False, clock=fixed_clock()))
    workshop = two_bay_workshop()
    hostile = {"t": ('=HYPERLINK("http://x")', "+1+1"), "u": ("@SUM(A1)", "-2+3")}
    named = [
        tech.model_copy(update={"name": hostile[tech.id][0], "name_i18n": {"zh-CN": hostile[tech.id][1]}})
        for tech in workshop.technicians
    ]
    body = workshop.model_copy(update={"technicians": named}).model_dump(mode="json")
    assert client.put("/v1/workshops/tiny", json=body).status_code == 200
    days = {"from": HISTORY_DAYS[0].isoformat(), "to": HISTORY_DAYS[-1].isoformat(), "format": "csv"}
    url = "/v1/workshops/tiny/reports/productivity"
    for lang, pick in (("en", 0), ("zh-CN", 1)):
        text = client.get(url, params={**days, "labels": "true"}, headers={"Accept-Language": lang}).text
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        names = {r[3] for r in rows[1:] if r[3]}
        assert names == {"'" + hostile["t"][pick], "'" + hostile["u"][pick]}, (lang, names)
