"""review3-s42's leftovers on the clock's texts: every clock sentence names a car by its plate where
the booking has one (its booking id beside it), in en and zh. Before, the bay-taken 409s read "bay
G1 is taken at 08:10: booking BK-… is in it (粤B… (booking BK-…) operation 1 (work), …)", the plan's
`clocked_bay_conflicts` sentence "while booking X's clocked work held bay …", and the idempotency
and operation-index 422s named the booking by its id alone, or no car at all."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from tests.builders import CLOCK_NOW, DATE, at, two_cars_on_one_lift, two_waiters_day
from tests.builders import TINY_PATH as W
from tests.builders import clock_event as ev

pytestmark = pytest.mark.sqlite_only

PLATES = ("粤B82011", "粤B79368")
ZH = {"Accept-Language": "zh-CN"}


def _clock(client: TestClient, body: dict[str, Any], **headers: str) -> Any:
    return client.post(f"{W}/clock", params=CLOCK_NOW, json=body, headers=headers)


def test_a_bay_clocked_in_use_names_the_car_in_it_by_its_plate(client: TestClient) -> None:
    a, b = two_waiters_day(client, plates=PLATES)
    assert _clock(client, ev(a, "start", "08:00", bay="G1")).status_code == 201
    r = _clock(client, ev(b, "start", "09:05", tech="u", bay="G1"))
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == (
        f"bay G1 is taken at 09:05: 粤B82011 (booking {a}) operation 1 (work) is in it, clocked in progress"
        " there; finish or pause that work first, or name another bay"
    )
    zh = _clock(client, ev(b, "start", "09:05", tech="u", bay="G1"), **ZH)
    assert zh.status_code == 409, zh.text
    assert zh.json()["detail"] == (
        f"工位 G1 在 09:05 已被占用：粤B82011（预约 {a}）的工序 1（work）在里面，已在该工位打卡进行中；"
        "请先完工或暂停那项工作，或注明另一个工位"
    )


def test_a_bay_needed_by_work_clocked_with_no_bay_names_that_car_by_its_plate(client: TestClient) -> None:
    a, b = two_waiters_day(client, plates=PLATES)
    for action, hhmm in (("start", "09:00"), ("pause", "09:10"), ("resume", "09:20")):
        assert _clock(client, ev(a, action, hhmm)).status_code == 201
    r = _clock(client, ev(b, "start", "09:21", tech="u", bay="G1"))
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == (
        f"bay G1 is taken at 09:21: 粤B82011 (booking {a}) operation 1 (work) is in it, in progress, clocked"
        " with no bay (its bays, G1, have no other one free); finish or pause that work first, or name"
        " another bay"
    )
    zh = _clock(client, ev(b, "start", "09:21", tech="u", bay="G1"), **ZH).json()["detail"]
    assert zh == (
        f"工位 G1 在 09:21 已被占用：粤B82011（预约 {a}）的工序 1（work）在里面，进行中，打卡时未注明工位"
        "（它可用的工位 G1 中没有别的空闲）；请先完工或暂停那项工作，或注明另一个工位"
    ), zh


def test_the_plans_clocked_bay_conflict_names_both_cars_by_their_plates(client: TestClient) -> None:
    a, b, _ = two_cars_on_one_lift(client, plates=PLATES)
    replanned = client.post(f"{W}/plans", params={"now": at("08:30").isoformat()}, json={"date": DATE})
    assert replanned.status_code == 200 and replanned.json()["clocked_bay_conflicts"], replanned.text

    def line(headers: dict[str, str]) -> str:
        page = client.get(f"/workshops/tiny/plan/{DATE}", headers=headers).text
        (said,) = re.findall(r'<ul id="bay-conflicts"><li>(.*?)</li>', page)
        return str(said)

    assert line({}) == (
        f"粤B79368 (booking {b}) operation 1 (work) was clocked while the clocked work of"
        f" 粤B82011 (booking {a}) held bay G1, its bay in the plan: the live plan has it in no bay"
    ), line({})
    assert line(ZH) == (
        f"粤B79368（预约 {b}）的工序 1（work）打卡时，其计划工位 G1 "
        f"正被粤B82011（预约 {a}）的已打卡工作占用：实时计划不给它分配工位"
    ), line(ZH)


def test_a_reused_idempotency_key_names_the_event_it_was_used_for_by_its_plate(client: TestClient) -> None:
    a, b = two_waiters_day(client, plates=PLATES)
    key = {"Idempotency-Key": "k1"}
    assert _clock(client, ev(a, "start", "08:00"), **key).status_code == 201
    r = _clock(client, ev(b, "start", "09:00", tech="u"), **key)
    assert r.status_code == 422, r.text
    (error,) = r.json()["detail"]
    assert error["loc"] == ["header", "Idempotency-Key"], error
    assert error["msg"] == (
        f"key 'k1' was already used for another clock event, of 粤B82011 (booking {a}) operation 1 (work) at"
        " 08:00; send a new key for a new event"
    )
    zh = _clock(client, ev(b, "start", "09:00", tech="u"), **key, **ZH).json()["detail"][0]["msg"]
    assert (
        zh == f"键 'k1' 已用于另一条打卡记录（粤B82011（预约 {a}）的工序 1（work），08:00）；"
        "新的记录请发送新的键"
    )


def test_an_operation_the_booking_lacks_names_the_car_by_its_plate(client: TestClient) -> None:
    a, _ = two_waiters_day(client, plates=PLATES)
    r = _clock(client, ev(a, "start", "08:00", op=1))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == "operation"
    assert r.json()["detail"][0]["msg"] == (
        f"粤B82011 (booking {a}) has no operation 1: operation counts from 0, up to 0"
    )
    zh = _clock(client, ev(a, "start", "08:00", op=1), **ZH).json()["detail"][0]["msg"]
    assert zh == f"粤B82011（预约 {a}）没有序号为 1 的工序：operation 从 0 起计，最大为 0", zh


def test_a_replans_overrun_of_an_operation_the_booking_lacks_names_the_car_by_its_plate(
    client: TestClient,
) -> None:
    """The same 422 on a re-plan's reported overrun (`POST …/plans`), which shares its template."""
    a, _ = two_waiters_day(client, plates=PLATES)
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    overrun = {"booking": a, "operation": 1, "expected_end": at("11:00").isoformat()}
    body = {"date": DATE, "now": at("09:00").isoformat(), "overruns": [overrun]}
    for headers, said in (
        ({}, f"粤B82011 (booking {a}) has no operation 1: operation counts from 0, up to 0"),
        (ZH, f"粤B82011（预约 {a}）没有序号为 1 的工序：operation 从 0 起计，最大为 0"),
    ):
        r = client.post(f"{W}/plans", json=body, headers=headers)
        assert r.status_code == 422, r.text
        (error,) = r.json()["detail"]
        assert error["loc"] == ["body", "overruns", 0, "operation"] and error["msg"] == said, error
