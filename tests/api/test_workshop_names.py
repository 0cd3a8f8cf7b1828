"""A workshop's own names in the reader's language (`name_i18n`, zhdata-s27).

Before: the pages, desk and technician page of the bundled scenario read in Chinese around the
workshop's English data ("Free inspection campaign", "inspection", "Zhang Wei"): the contract had
no place for a dealer's Chinese names. The JSON keeps `name` (contract) and returns `name_i18n`."""

from __future__ import annotations

import html
import json
import re
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from scheduler.contract import Workshop
from scheduler.scenarios import load_scenario
from tests.builders import DATE

pytestmark = pytest.mark.sqlite_only

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def _put(client: TestClient, workshop: Workshop | str) -> tuple[int, dict[str, object]]:
    body = workshop if isinstance(workshop, str) else workshop.model_dump_json()
    response = client.put(
        "/v1/workshops/small-dealer", content=body, headers={"content-type": "application/json"}
    )
    return response.status_code, response.json()


def _visible(page: str) -> str:
    """The page's text as a person reads it: no script, no style, no tags."""
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


@pytest.fixture
def planned(client: TestClient) -> tuple[TestClient, Workshop]:
    """small-dealer with a first free service, an inspection and an alignment booked and planned."""
    workshop = load_scenario("small-dealer").workshop
    assert _put(client, workshop)[0] == 200
    for code in ("FIRST", "INSPECT", "ALIGN"):
        slots = client.get("/v1/workshops/small-dealer/slots", params={"service": code, "date": DATE}).json()
        body = {"service": code, "drop_off": slots["slots"][0]["drop_off"], "plate": "沪A1234" + code[0]}
        assert client.post("/v1/workshops/small-dealer/bookings", json=body).status_code == 201
    made = client.post("/v1/workshops/small-dealer/plans", json={"date": DATE, "time_limit_seconds": 2})
    assert made.status_code == 200, made.text
    return client, workshop


def _pages(client: TestClient, plan: dict[str, object]) -> dict[str, str]:
    tech = next(str(a["technician"]) for a in plan["assignments"])  # type: ignore[attr-defined]
    return {
        "plan": f"/workshops/small-dealer/plan/{DATE}",
        "technicians": f"/workshops/small-dealer/plan/{DATE}?rows=technicians",
        "desk": f"/workshops/small-dealer/book?date={DATE}",
        "me": f"/workshops/small-dealer/me?technician={tech}&date={DATE}",
        "loading": "/workshops/small-dealer/loading",
        "home": "/",
    }


def test_a_chinese_page_of_the_bundled_scenario_reads_its_chinese_names_and_no_english_ones(
    planned: tuple[TestClient, Workshop],
) -> None:
    client, workshop = planned
    zh = workshop.in_language("zh_CN")
    plan = client.get(f"/v1/workshops/small-dealer/plans/{DATE}").json()
    booked = {"FIRST", "INSPECT", "ALIGN"}
    for name, url in _pages(client, plan).items():
        for header in (ZH, {"Accept-Language": "zh-TW"}):  # zh-TW reads the Simplified names
            response = client.get(url, headers=header)
            assert response.status_code == 200, (name, response.text)
            text = _visible(response.text)
            assert workshop.name not in text and (zh.name in text or name == "me"), name
            for english, chinese in zip(workshop.services, zh.services, strict=True):
                assert english.name not in text, (name, english.name)
                if name == "desk" or (name in ("plan", "technicians") and english.code in booked):
                    assert chinese.name in text, (name, chinese.name)
            for person in workshop.technicians:
                assert person.name not in text, (name, person.name)
    # the technician's page names his jobs "service · operation" in Chinese
    me = _visible(client.get(_pages(client, plan)["me"], headers=ZH).text)
    ops = {f"{s.name} · {op.name}" for s in zh.services for op in s.operations}
    assert any(op in me for op in ops), me
    # the chart's bars name their step in Chinese (the "running late" dialog reads it), not in English
    chart = client.get(_pages(client, plan)["plan"], headers=ZH).text
    assert (
        'data-step="检测"' in chart and 'data-step="首保"' in chart and 'data-step="inspection"' not in chart
    )
    english = client.get(_pages(client, plan)["plan"], headers=EN).text
    assert 'data-step="inspection"' in english and 'data-step="检测"' not in english


def test_an_english_page_is_unchanged(planned: tuple[TestClient, Workshop]) -> None:
    client, workshop = planned
    for url in (f"/workshops/small-dealer/book?date={DATE}", f"/workshops/small-dealer/plan/{DATE}"):
        text = _visible(client.get(url, headers=EN).text)
        assert workshop.name in text
        assert "Free inspection campaign" in text and "免费检测活动" not in text and "张伟" not in text


def test_the_json_keeps_name_and_returns_the_names_in_other_languages(client: TestClient) -> None:
    workshop = load_scenario("small-dealer").workshop
    assert _put(client, workshop)[0] == 200
    for header in (ZH, EN):
        got = client.get("/v1/workshops/small-dealer", headers=header).json()
        assert got["name"] == "Small dealer (20 vehicles a day)"
        assert got["name_i18n"] == {"zh-CN": "小型4S店（日均进厂20台）"}
        first = next(s for s in got["services"] if s["code"] == "FIRST")
        assert first["name"] == "First free service" and first["name_i18n"] == {"zh-CN": "首保"}
        assert first["operations"][0]["name"] == "first service"


def test_a_hostile_name_is_escaped_on_the_page(client: TestClient) -> None:
    data = load_scenario("small-dealer").workshop.model_dump(mode="json")
    data["services"][0]["name_i18n"] = {"zh-CN": '<script>alert("x")</script>&'}
    data["name_i18n"] = {"zh-CN": "<img src=x onerror=alert(1)>"}
    status, _ = _put(client, Workshop.model_validate(data))
    assert status == 200
    page = client.get(f"/workshops/small-dealer/book?date={DATE}", headers=ZH).text
    assert '<script>alert("x")' not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page and "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize(
    ("where", "names", "loc"),
    [
        ("workshop", {"fr": "Atelier"}, ["body", "name_i18n", "fr", "[key]"]),
        ("service", {"zh": "首保"}, ["body", "services", 1, "name_i18n", "zh", "[key]"]),
        (
            "operation",
            {"zh-TW": "首保"},
            ["body", "services", 1, "operations", 0, "name_i18n", "zh-TW", "[key]"],
        ),
        ("technician", {"zh-CN": "张" * 121}, ["body", "technicians", 0, "name_i18n", "zh-CN"]),
        ("service", {"zh-CN": ""}, ["body", "services", 1, "name_i18n", "zh-CN"]),
    ],
)
def test_a_bad_language_tag_or_name_is_a_422_naming_the_field(
    client: TestClient, where: str, names: dict[str, str], loc: list[object]
) -> None:
    data = load_scenario("small-dealer").workshop.model_dump(mode="json")
    target = {
        "workshop": data,
        "service": data["services"][1],
        "operation": data["services"][1]["operations"][0],
        "technician": data["technicians"][0],
    }[where]
    target["name_i18n"] = names
    response = client.put(
        "/v1/workshops/small-dealer",
        content=json.dumps(data),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    [detail] = response.json()["detail"]
    assert detail["loc"] == loc, detail
