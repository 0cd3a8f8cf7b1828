"""The workshop's own names inside the sentences a person reads, and its own bay kinds' and skills'
display names (zh-s28).

Before: a Chinese refusal read "没有一名 2 级及以上的 refinish 技师 …（工序「spray and bake」…）": the
sentences are made in English and translated through the catalog, which knows neither a workshop's
operation names nor its own skills; and a kind of its own showed as its identifier on the chart. The
JSON's machine fields and the English sentences keep the identifiers and English names."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from simulation.results import ExperimentResult, Metric
from tests.builders import DATE, booth_workshop, experiment_result

pytestmark = pytest.mark.sqlite_only

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
PATH = "/v1/workshops/small-dealer"


def _put(client: TestClient, data: dict[str, Any]) -> Any:
    return client.put(PATH, content=json.dumps(data), headers={"content-type": "application/json"})


@pytest.fixture
def booth(client: TestClient) -> TestClient:
    """The booth workshop with its paint booth booked full on DATE, the day planned."""
    assert _put(client, booth_workshop()).status_code == 200
    for _ in range(12):
        slots = client.get(f"{PATH}/slots", params={"service": "ACCIDENT", "date": DATE}).json()["slots"]
        today = [s for s in slots if s["drop_off"].startswith(DATE)]
        if not today:
            break
        made = client.post(f"{PATH}/bookings", json={"service": "ACCIDENT", "drop_off": today[0]["drop_off"]})
        assert made.status_code == 201, made.text
    else:
        pytest.fail("the booth never filled")
    assert client.post(f"{PATH}/plans", json={"date": DATE, "time_limit_seconds": 2}).status_code == 200
    return client


def _refusals(client: TestClient, headers: dict[str, str]) -> list[str]:
    params = {"service": "ACCIDENT", "date": DATE, "explain": "true"}
    found = client.get(f"{PATH}/slots", params=params, headers=headers).json()
    return [r["reason"] for r in found["refused"]]


def test_a_chinese_refusal_names_the_operation_and_the_skill_as_the_workshop_does(booth: TestClient) -> None:
    zh = [r for r in _refusals(booth, ZH) if "技师" in r]
    assert zh, _refusals(booth, ZH)
    for reason in zh:
        assert "refinish" not in reason and "spray and bake" not in reason and "panel beating" not in reason
    assert any("工序「钣金修复」" in r for r in zh), zh
    # English keeps the identifier and the English name, as made (and as stored)
    en = [r for r in _refusals(booth, EN) if "technician" in r]
    assert any("operation 'panel beating'" in r for r in en), en


def test_a_sentence_names_the_skill_of_its_own_as_the_workshop_does(booth: TestClient) -> None:
    params = {"service": "ACC-PAINT", "date": DATE, "explain": "true"}
    zh = [r["reason"] for r in booth.get(f"{PATH}/slots", params=params, headers=ZH).json()["refused"]]
    en = [r["reason"] for r in booth.get(f"{PATH}/slots", params=params, headers=EN).json()["refused"]]
    assert any("2 级及以上的烤漆技师" in r for r in zh), zh
    assert not any("refinish" in r for r in zh), zh
    assert any("no refinish technician grade >= 2 has" in r for r in en), en


def test_pages_name_the_workshops_own_bay_kind_and_skill(booth: TestClient) -> None:
    zh = booth.get(f"/workshops/small-dealer/plan/{DATE}", headers=ZH).text
    en = booth.get(f"/workshops/small-dealer/plan/{DATE}", headers=EN).text
    assert "P01 · 烤漆房" in zh and "P01 · booth" not in zh
    assert "P01 · Paint booth" in en and "P01 · booth" not in en
    loading_zh = booth.get("/workshops/small-dealer/loading", headers=ZH).text
    loading_en = booth.get("/workshops/small-dealer/loading", headers=EN).text
    assert "2 级及以上烤漆技师" in loading_zh and "refinish" not in loading_zh
    assert "Refinish, grade 2+" in loading_en
    # the JSON keeps the identifiers, and returns the names as given
    got = booth.get(PATH, headers=ZH).json()
    assert any(b["kind"] == "booth" for b in got["bays"])
    assert got["bay_kind_names"] == {"booth": {"name": "Paint booth", "name_i18n": {"zh-CN": "烤漆房"}}}


def test_without_display_names_a_kind_of_its_own_shows_as_written(client: TestClient) -> None:
    data = booth_workshop()
    del data["bay_kind_names"], data["skill_names"]
    assert _put(client, data).status_code == 200
    assert client.post(f"{PATH}/plans", json={"date": DATE, "time_limit_seconds": 2}).status_code == 200
    zh = client.get(f"/workshops/small-dealer/plan/{DATE}", headers=ZH).text
    assert "P01 · booth" in zh and "G01 · 通用" in zh  # a built-in kind still in the catalog's word


@pytest.mark.parametrize(
    ("field", "names", "loc"),
    [
        ("bay_kind_names", {"tyre": {"name": "Tyre bay"}}, ["body", "bay_kind_names", "tyre"]),
        ("skill_names", {"welding": {"name": "Welding"}}, ["body", "skill_names", "welding"]),
        ("skill_names", {"refinish": {"name": ""}}, ["body", "skill_names", "refinish", "name"]),
        (
            "bay_kind_names",
            {"booth": {"name": "Booth", "name_i18n": {"fr": "Cabine"}}},
            ["body", "bay_kind_names", "booth", "name_i18n", "fr", "[key]"],
        ),
        ("bay_kind_names", {"booth": {"name": "x" * 81}}, ["body", "bay_kind_names", "booth", "name"]),
    ],
)
def test_a_name_for_an_unknown_kind_or_skill_or_a_bad_name_is_a_422_naming_the_field(
    client: TestClient, field: str, names: dict[str, Any], loc: list[object]
) -> None:
    data = booth_workshop()
    data[field] = names
    response = _put(client, data)
    assert response.status_code == 422, response.text
    [detail] = response.json()["detail"]
    assert detail["loc"] == loc, detail
    assert client.get(PATH).status_code == 404  # nothing stored


def test_the_422_for_an_unknown_kind_reads_in_chinese(client: TestClient) -> None:
    data = booth_workshop()
    data["bay_kind_names"] = {"tyre": {"name": "Tyre bay"}}
    response = client.put(PATH, content=json.dumps(data), headers={"content-type": "application/json", **ZH})
    [detail] = response.json()["detail"]
    assert "'tyre' 不是已声明的工位类型" in detail["msg"], detail


def test_a_refused_booking_names_the_operation_as_the_workshop_does(booth: TestClient) -> None:
    """The desk's 409 (its `reason`, beside the alternatives) reads through the same names."""
    params = {"service": "ACCIDENT", "date": DATE, "explain": "true"}
    refused = booth.get(f"{PATH}/slots", params=params, headers=EN).json()["refused"]
    when = next(r["drop_off"] for r in refused if "operation 'panel beating'" in r["reason"])
    body = {"service": "ACCIDENT", "drop_off": when}
    zh = booth.post(f"{PATH}/bookings", json=body, headers=ZH)
    en = booth.post(f"{PATH}/bookings", json=body, headers=EN)
    assert zh.status_code == en.status_code == 409, zh.text
    assert "工序「钣金修复」" in zh.json()["reason"] and "panel beating" not in zh.json()["reason"]
    assert "operation 'panel beating'" in en.json()["reason"]
    assert zh.json()["alternatives"] == en.json()["alternatives"]


def test_an_imported_row_refused_names_the_operation_as_the_workshop_does(booth: TestClient) -> None:
    params = {"service": "ACCIDENT", "date": DATE, "explain": "true"}
    refused = booth.get(f"{PATH}/slots", params=params, headers=EN).json()["refused"]
    when = next(r["drop_off"] for r in refused if "operation 'panel beating'" in r["reason"])
    text = f"service,drop_off\r\nACCIDENT,{when}\r\n"
    csv = {"content-type": "text/csv"}
    zh = booth.post(f"{PATH}/bookings/import", content=text, headers={**csv, **ZH}).json()
    en = booth.post(f"{PATH}/bookings/import", content=text, headers={**csv, **EN}).json()
    assert "工序「钣金修复」" in zh["refused"][0]["reason"], zh
    assert "operation 'panel beating'" in en["refused"][0]["reason"], en


def _booth_result() -> ExperimentResult:
    """A finished simulation of the booth workshop: its booth's utilisation and a candidate that adds
    a refinish technician."""
    base = experiment_result({"on_time": (0.002, -0.004, 0.008)})
    booth = Metric(mean=0.5, low=0.4, high=0.6, unit="share")
    rule_sets = [
        rs.model_copy(update={"metrics": {**rs.metrics, "bay_utilisation_booth": booth}})
        for rs in base.rule_sets
    ]
    rule_sets[1] = rule_sets[1].model_copy(update={"description": "refinish g2 +1"})
    return base.model_copy(update={"rule_sets": rule_sets, "scenario": "small-dealer"})


def test_the_simulation_page_names_kinds_and_teams_as_the_workshop_does(client: TestClient) -> None:
    """zh-s29: the simulation page named the booth by its identifier ("工位利用率 booth") and the
    candidate's team in English; it reads the names of the workshop the job is of."""
    assert _put(client, booth_workshop()).status_code == 200
    runner = client.app.state.services.runner  # type: ignore[attr-defined]
    job = runner.submit("simulation", "small-dealer", _booth_result)
    job.future.result(timeout=60)
    zh = client.get(f"/simulations/{job.id}", headers=ZH).text
    assert "工位利用率 烤漆房" in zh and "烤漆组 2 级 +1 人" in zh, zh
    en = client.get(f"/simulations/{job.id}", headers=EN).text
    assert "bay utilisation Paint booth" in en and "refinish g2 +1" in en
