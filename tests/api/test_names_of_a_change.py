"""The names in the sentences of a refused workshop PUT and of the validator's broken rules, in
Chinese (zh-s29).

Before: a PUT's 409 read its sentences with the names of the workshop as stored, so an operation or
skill the same PUT renames kept its old (or its English) name; the validator's skill rule listed the
technician's skills as the catalog's words, never the workshop's own (`skill_names`); and an
operation named with "and" ("spray and bake") kept the whole rule from reading as its template."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from tests.builders import DATE, booth_workshop

pytestmark = pytest.mark.sqlite_only

ZH = {"Accept-Language": "zh-CN", "content-type": "application/json"}
EN = {"Accept-Language": "en", "content-type": "application/json"}
PATH = "/v1/workshops/small-dealer"


def _put(client: TestClient, data: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.put(PATH, content=json.dumps(data), headers=headers)


@pytest.fixture
def painted(client: TestClient) -> TestClient:
    """The booth workshop with one ACC-PAINT booked on DATE (its spray and bake on the booth, by the
    refinish technician)."""
    assert _put(client, booth_workshop(), EN).status_code == 200
    slots = client.get(f"{PATH}/slots", params={"service": "ACC-PAINT", "date": DATE}).json()["slots"]
    made = client.post(f"{PATH}/bookings", json={"service": "ACC-PAINT", "drop_off": slots[0]["drop_off"]})
    assert made.status_code == 201, made.text
    return client


def _renamed_without_refinish() -> dict[str, Any]:
    """booth_workshop renamed in Chinese (its paint operation, the refinish and body skills) whose
    refinish technician does body work only: the booked spray and bake loses its technician."""
    data = booth_workshop()
    for tech in data["technicians"]:
        if "refinish" in tech["skills"]:
            tech["skills"] = ["body"]
    for service in data["services"]:
        for op in service["operations"]:
            if op["name"] == "spray and bake":
                op["name_i18n"] = {"zh-CN": "喷烤漆作业"}
    data["skill_names"] = {
        "refinish": {"name": "Refinish", "name_i18n": {"zh-CN": "烤漆喷涂"}},
        "body": {"name": "Body", "name_i18n": {"zh-CN": "钣金整形"}},
    }
    return data


def test_a_refused_put_names_things_as_the_workshop_being_put_does(painted: TestClient) -> None:
    """The 409's reasons read with the PUT body's names (喷烤漆作业, 烤漆喷涂, 钣金整形), not the stored
    workshop's (喷烤漆, 烤漆) nor the catalog's (钣金); the validator's "has … and <skills>" lists the
    skills as the workshop names them, joined as Chinese joins a list. English as made."""
    data = _renamed_without_refinish()
    zh = _put(painted, data, ZH)
    en = _put(painted, data, EN)
    assert zh.status_code == en.status_code == 409, zh.text
    [reason] = zh.json()["bookings"][0]["reasons"]
    assert "：喷烤漆作业需要 2 级及以上的烤漆喷涂技能，P01 是 3 级，技能为钣金整形" in reason, reason
    assert "工序 1（喷烤漆作业）" in reason, reason
    assert "refinish" not in reason and "spray and bake" not in reason and "喷烤漆，" not in reason, reason
    [english] = en.json()["bookings"][0]["reasons"]
    rule = ": spray and bake needs skill refinish grade >= 2, P01 has grade 3 and body"
    assert english.endswith(rule), english
    # nothing stored: the stored workshop still names the operation 喷烤漆
    stored = painted.get(PATH).json()
    assert stored["skill_names"] == booth_workshop()["skill_names"]


def test_a_refused_put_names_a_skill_list_with_the_workshops_labels_and_catalog_words(
    painted: TestClient,
) -> None:
    """Without a label of its own a skill reads as the catalog says it; two skills as a Chinese list."""
    data = _renamed_without_refinish()
    del data["skill_names"]["body"]
    for tech in data["technicians"]:
        if tech["id"] == "P01":
            tech["skills"] = ["body", "maintenance"]
    [reason] = _put(painted, data, ZH).json()["bookings"][0]["reasons"]
    assert reason.endswith("技能为钣金、保养"), reason
