"""Names and free texts from outside carry no control character (hygiene-s28; review-s27 N1): a NUL,
a tab, a line break, DEL or a C1 control in a workshop's, service's, operation's, technician's or
advisor's name (in any language), or in a booking's customer, vehicle, phone, plate or model, is a
422 naming the field and the character, in the reader's language; a bookings file refuses that row
alike; nothing is stored. A name of spaces only is refused too. What was stored before the rule
still reads, and a booking stored with such a text can still be changed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.schemas import KeyIn, WebhookIn
from scheduler.contract import STORED_CONTEXT, Booking, Workshop
from scheduler.service import PlanningService
from scheduler.slots import CapacityRules
from scheduler.storage import Store
from tests.builders import DATE, at, fixed_clock, tiny_workshop

pytestmark = pytest.mark.sqlite_only

W = "/v1/workshops/tiny"
DROP_OFF = f"{DATE}T08:00:00+08:00"
REASON = "must not contain a control character (tab, line break), got {char} at character {at}"


def _workshop() -> dict[str, Any]:
    ws = tiny_workshop("17:00", "17:00").model_dump(mode="json")
    ws["advisors"] = [{"id": "a1", "name": "Advisor", "shift": {"start": "08:00", "end": "17:00"}}]
    return ws


@pytest.fixture
def client(sqlite_url: str) -> TestClient:
    return TestClient(create_app(sqlite_url, auth=False, clock=fixed_clock()))


def _set(body: dict[str, Any], path: tuple[str | int, ...], value: str) -> dict[str, Any]:
    node: Any = body
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return body


NAME_FIELDS: list[tuple[str | int, ...]] = [
    ("name",),
    ("name_i18n", "zh-CN"),
    ("services", 0, "name"),
    ("services", 0, "name_i18n", "zh-CN"),
    ("services", 0, "operations", 0, "name"),
    ("technicians", 0, "name"),
    ("technicians", 0, "name_i18n", "zh-CN"),
    ("advisors", 0, "name"),
]


BAD = [("Li\x00", "U+0000", 3), ("a\tb", "U+0009", 2), ("\x7fx", "U+007F", 1), ("保\x85养", "U+0085", 2)]
"""A text, its control character and where: NUL, a tab, DEL and a C1 control (NEL)."""


@pytest.mark.parametrize("path", NAME_FIELDS, ids=lambda p: ".".join(map(str, p)))
@pytest.mark.parametrize(("text", "char", "at"), BAD)
def test_a_name_with_a_control_character_is_a_422_naming_it_and_nothing_is_stored(
    client: TestClient, path: tuple[str | int, ...], text: str, char: str, at: int
) -> None:
    assert client.put(W, json=_workshop()).status_code == 200
    before = client.get(W).json()
    answer = client.put(W, json=_set(_workshop(), path, text))
    assert answer.status_code == 422, answer.text
    (issue,) = answer.json()["detail"]
    assert issue["loc"] == ["body", *path]
    assert issue["msg"].endswith(REASON.format(char=char, at=at))
    assert client.get(W).json() == before


def test_a_name_of_spaces_only_is_refused_and_the_chinese_reads_it(client: TestClient) -> None:
    answer = client.put(W, json=_set(_workshop(), ("technicians", 0, "name"), " \u3000 "))
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == [
        "body",
        "technicians",
        0,
        "name",
    ]
    assert answer.json()["detail"][0]["msg"].endswith("must not be blank (spaces only)")
    zh = client.put(W, json=_set(_workshop(), ("name",), "T\x00"), headers={"Accept-Language": "zh-CN"})
    assert zh.json()["detail"][0]["msg"].endswith(
        "不得包含控制字符（制表符、换行符也不行），第 2 个字符是 U+0000"
    )
    assert client.get(W).status_code == 404


@pytest.mark.parametrize("field", ["customer", "vehicle", "phone", "plate", "model"])
def test_a_booking_text_with_a_control_character_is_a_422_and_no_booking_is_made(
    client: TestClient, field: str
) -> None:
    assert client.put(W, json=_workshop()).status_code == 200
    answer = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": DROP_OFF, field: "A\nB"})
    assert answer.status_code == 422, answer.text
    (issue,) = answer.json()["detail"]
    assert issue["loc"] == ["body", field] and issue["msg"].endswith(REASON.format(char="U+000A", at=2))
    assert client.get(f"{W}/bookings", params={"date": DATE}).json() == []
    made = client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": DROP_OFF, field: "A B"})
    assert made.status_code == 201, made.text
    changed = client.patch(f"{W}/bookings/{made.json()['id']}", json={field: "A\x00B"})
    assert changed.status_code == 422 and changed.json()["detail"][0]["loc"] == ["body", field]
    assert client.get(f"{W}/bookings/{made.json()['id']}").json()[field] == "A B"


def test_a_bookings_file_refuses_the_row_with_the_field_and_the_character(client: TestClient) -> None:
    assert client.put(W, json=_workshop()).status_code == 200
    rows = [f"MAINT,{DROP_OFF},Li\x01,A1", f'MAINT,{DATE}T09:00:00+08:00,Wang,"A\n1"']
    text = "service,drop_off,customer,plate\n" + "\n".join(rows) + "\n"
    answer = client.post(f"{W}/bookings/import", content=text, headers={"content-type": "text/csv"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["refused"] == [
        {"line": 2, "reason": "customer: " + REASON.format(char="U+0001", at=3)},
        {"line": 3, "reason": "plate: " + REASON.format(char="U+000A", at=2)},
    ]
    assert answer.json()["accepted"] == [] and client.get(f"{W}/bookings", params={"date": DATE}).json() == []
    zh = client.post(
        f"{W}/bookings/import", content=text, headers={"content-type": "text/csv", "Accept-Language": "zh-CN"}
    )
    assert (
        zh.json()["refused"][0]["reason"]
        == "customer: 不得包含控制字符（制表符、换行符也不行），第 3 个字符是 U+0001"
    )


def test_a_keys_label_and_a_webhooks_secret_take_the_same_rule() -> None:
    with pytest.raises(ValueError, match="U\\+001B at character 2"):
        KeyIn(role="booking", workshops=["tiny"], label="a\x1b")
    with pytest.raises(ValueError, match="U\\+0000 at character 1"):
        WebhookIn(url="https://example.com/hook", events=["booking.done"], secret="\x00s")


def test_what_was_stored_before_the_rule_still_reads_and_changes(sqlite_url: str) -> None:
    """A workshop and a booking stored with a NUL in a name (before the rule) are listed, read and
    planned; the booking's plate changes and its customer stays as stored; the same workshop text
    sent again is refused (a new text)."""
    legacy = _set(_workshop(), ("technicians", 0, "name"), "T\x00")
    workshop = Workshop.model_validate(legacy, context=STORED_CONTEXT)
    rules = CapacityRules(walk_in_holdback=0)
    service = PlanningService(Store(sqlite_url), rules, refine_in_background=False, clock=fixed_clock())
    try:
        service.put_workshop(workshop)
        booking = Booking.model_validate(
            {"id": "old", "service": "MAINT", "drop_off": at("08:00"), "customer": "Li\x00"},
            context=STORED_CONTEXT,
        )
        service.book("tiny", booking, None)
    finally:
        service.close()
    client = TestClient(create_app(sqlite_url, auth=False, clock=fixed_clock()))
    assert client.get(W).json()["technicians"][0]["name"] == "T\x00"
    assert [b["customer"] for b in client.get(f"{W}/bookings", params={"date": DATE}).json()] == ["Li\x00"]
    changed = client.patch(f"{W}/bookings/old", json={"plate": "A1"})
    assert changed.status_code == 200 and changed.json()["customer"] == "Li\x00", changed.text
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    assert client.put(W, json=legacy).status_code == 422
