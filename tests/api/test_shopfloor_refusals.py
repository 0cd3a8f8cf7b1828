"""Every impossible transition `clocking.apply` refuses, as the 409 says it in English and in Chinese
(review-s46: clock13-s45 made a refusal's words only for a refusal; these are the words before it,
collected from the code before that change, booking ids aside)."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from tests.builders import CLOCK_NOW, at, two_waiters_day
from tests.builders import TINY_PATH as W
from tests.builders import clock_event as ev

pytestmark = pytest.mark.sqlite_only

ZH = {"Accept-Language": "zh-CN"}


def test_each_refused_transition_says_why_in_english_and_chinese(client: TestClient) -> None:
    a, b = two_waiters_day(client)  # a dropped off at 08:00, b at 09:00; technicians t and u
    op = f"booking {a} operation 1 (work)"
    zh_op = f"预约 {a} 的工序 1（work）"
    events = client.get(f"{W}/days/2026-11-24/events").json()

    def ok(body: dict[str, Any]) -> None:
        r = client.post(f"{W}/clock", params=CLOCK_NOW, json=body)
        assert r.status_code == 201, r.text

    def refused(body: dict[str, Any], en: str, zh: str) -> None:
        for headers, words in (({}, en), (ZH, zh)):
            r = client.post(f"{W}/clock", params=CLOCK_NOW, json=body, headers=headers)
            assert (r.status_code, r.json()["detail"]) == (409, words)

    next_day = at("00:10") + dt.timedelta(days=1)
    refused(
        ev(a, "start", next_day),
        "start at 2026-11-25 00:10 is after the day 2026-11-24",
        "2026-11-25 00:10 的开工已超出 2026-11-24 这一天",
    )
    refused(ev(a, "finish", "08:30"), f"{op} cannot finish before it started", f"{zh_op}尚未开工，不能完工")
    refused(
        ev(a, "pause", "08:30"),
        f"{op} is not started: only work in progress pauses",
        f"{zh_op}未开始：只有进行中的工作才能暂停",
    )
    refused(
        ev(a, "resume", "08:30"),
        f"{op} is not started: only paused work resumes",
        f"{zh_op}未开始：只有已暂停的工作才能继续",
    )
    ok(ev(a, "start", "08:10"))
    refused(ev(a, "start", "08:20", tech="u"), f"{op} was already started", f"{zh_op}已经开工")
    refused(ev(a, "pause", "08:20", tech="u"), f"{op} is clocked by t, not u", f"{zh_op}由 t 打卡，不是 u")
    refused(
        ev(a, "resume", "08:20"),
        f"{op} is in progress: only paused work resumes",
        f"{zh_op}进行中：只有已暂停的工作才能继续",
    )
    refused(
        ev(b, "start", "09:05"),
        f"technician t is on {op} at 09:05: finish or pause it first",
        f"技师 t 在 09:05 正在做{zh_op}：请先完工或暂停",
    )
    ok(ev(a, "pause", "08:20"))
    refused(
        ev(a, "finish", "08:30"),
        f"{op} is paused: resume it before finishing",
        f"{zh_op}已暂停：请先继续再完工",
    )
    refused(
        ev(a, "pause", "08:30"),
        f"{op} is paused: only work in progress pauses",
        f"{zh_op}已暂停：只有进行中的工作才能暂停",
    )
    ok(ev(a, "resume", "08:30"))
    ok(ev(a, "finish", "08:40"))
    refused(ev(a, "finish", "08:50"), f"{op} was already finished", f"{zh_op}已经完工")
    refused(
        ev(b, "start", "08:50"),
        f"start at 08:50 is before {b}'s drop-off 09:00",
        f"08:50 的开工早于预约 {b} 的送车时间 09:00",
    )
    # Every refusal left the day as it was: the four events accepted, nothing else.
    after = client.get(f"{W}/days/2026-11-24/events").json()
    assert [(e["action"], e["at"][11:16]) for e in after[len(events) :]] == [
        ("start", "08:10"),
        ("pause", "08:20"),
        ("resume", "08:30"),
        ("finish", "08:40"),
    ]
