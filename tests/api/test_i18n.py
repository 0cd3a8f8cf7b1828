"""The pages in Chinese and English: every UI text has a zh_CN translation, the language comes from
the cookie or Accept-Language, and a Chinese page shows none of the English UI texts."""

from __future__ import annotations

import datetime as dt
import html
import re
from functools import partial
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from fastapi.testclient import TestClient

from api.app import create_app
from api.i18n import accepted
from scheduler.i18n import LOCALE_DIR, Translator
from tests.builders import (
    CLOCK_NOW,
    DATE,
    DAY,
    experiment_result,
    fixed_clock,
    multi_day_workshop,
    overtime_tiny_workshop,
    put_workshop,
    small_workshop,
    tiny_workshop,
)

ROOT = Path(__file__).resolve().parents[2]
BOOKINGS = "/v1/workshops/tiny/bookings"


pytestmark = pytest.mark.sqlite_only  # the language does not depend on the database


def _extracted() -> dict[str, set[str]]:
    """Every msgid in the sources babel.cfg names (Python and Jinja), with the files it is in."""
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            found.setdefault(msgid, set()).add(filename)
    return found


def _catalog() -> dict[str, str]:
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    out: dict[str, str] = {}
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for msgid in ids:
            out[msgid] = "" if m.fuzzy else (strings[0] or "")
    return out


def test_every_ui_text_has_a_chinese_translation() -> None:
    extracted = _extracted()
    assert len(extracted) > 100  # the extractor really read the templates and the sources
    assert {"Generate plan", "Sign in", "KPIs", "Could not plan: %(problem)s"} <= set(extracted)
    catalog = _catalog()
    missing = sorted(f"{m!r} ({', '.join(sorted(extracted[m]))})" for m in extracted if not catalog.get(m))
    assert not missing, "no zh_CN translation (run `make messages`, then translate):\n" + "\n".join(missing)


def test_every_translation_is_of_a_text_the_sources_still_have() -> None:
    """`make messages` keeps only what babel.cfg's extraction finds: a translation added by hand for
    a text the extractor cannot see (inside an f-string, or in a module babel.cfg does not name)
    would be dropped as obsolete by the next `make messages`."""
    unseen = sorted(set(_catalog()) - set(_extracted()))
    why = "in the catalog but not extracted (mark it N_ or look it up outside an f-string):\n"
    assert not unseen, why + "\n".join(unseen)


def test_translations_keep_their_placeholders() -> None:
    for msgid, msgstr in _catalog().items():
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid


class _Visible(HTMLParser):
    """The text a person reads or hears: text nodes and aria-label / title / alt / placeholder;
    not scripts, styles, nor the Gantt's SVG (`_svg_too` reads that too)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "svg"):
            self._skip += 1
        if not self._skip:
            self.parts += [v for k, v in attrs if k in ("aria-label", "title", "alt", "placeholder") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _visible(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return "\n".join(parser.parts)


def _english_ui_words(texts: list[str]) -> list[str]:
    """The English fragments of UI texts (split at placeholders and markup), two letters or more."""
    fragments: set[str] = set()
    for msgid in texts:
        for piece in re.split(r"%\(\w+\)s|<[^>]+>|[·:;,.()…\[\]]", msgid):
            piece = piece.strip()
            if len(re.findall(r"[A-Za-z]", piece)) >= 2 and piece not in (
                "s",
                "API",
                "PUT /v1/workshops/{id}",
            ):
                fragments.add(piece)
    return sorted(fragments, key=len, reverse=True)


def _report(client: TestClient) -> str:
    """The simulation report page of a finished job (a known result, no simulation run)."""
    runner = client.app.state.services.runner  # type: ignore[attr-defined]
    win = {"waiter_wait_p90": (-31.0, -44.0, -18.0), "cost_per_day": (0.0, 0.0, 0.0)}
    job = runner.submit("simulation", "tiny", partial(experiment_result, win))
    job.future.result(timeout=60)
    return client.get(f"/simulations/{job.id}").text


def _pages(client: TestClient) -> dict[str, str]:
    client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json"))
    client.post(BOOKINGS, json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"})
    empty = client.get(f"/workshops/tiny/plan/{DATE}").text
    assert (
        client.post("/v1/workshops/tiny/plans", json={"date": DATE, "time_limit_seconds": 2}).status_code
        == 200
    )
    return {
        "index": client.get("/").text,
        "plan": client.get(f"/workshops/tiny/plan/{DATE}").text,
        "empty plan": empty,
        "book": client.get("/workshops/tiny/book").text,
        "loading": client.get("/workshops/tiny/loading").text,
        "reports": client.get("/workshops/tiny/reports").text,
        "login": client.get("/login").text,
        "report": _report(client),
        "plan with pickups": _pickups_page(client),
        # zh-s30: the technician's page (his day, and the page that asks who) and a job's status page
        "me": client.get(f"/workshops/tiny/me?technician=t&date={DATE}").text,
        "me, who": client.get("/workshops/tiny/me?technician=nobody").text,
        "job": _failed_job(client),
    }


def _stopped() -> None:
    """A job's work that fails with one of bayplan's own texts (run in the runner's process)."""
    from scheduler.jobs import STOPPED

    raise RuntimeError(STOPPED)


def _failed_job(client: TestClient) -> str:
    """The status page of a simulation job that failed."""
    runner = client.app.state.services.runner  # type: ignore[attr-defined]
    job = runner.submit("simulation", "tiny", _stopped)
    with pytest.raises(RuntimeError):
        job.future.result(timeout=60)
    return client.get(f"/simulations/{job.id}").text


def _pickups_page(client: TestClient) -> str:
    """The plan page of a day with a car from the day before to hand back (pickday-s25): LONG ready
    after the desk closed, promised the next morning."""
    late = overtime_tiny_workshop().model_copy(update={"id": "late"})
    client.put("/v1/workshops/late", json=late.model_dump(mode="json"))
    made = client.post(
        "/v1/workshops/late/bookings", json={"service": "LONG", "drop_off": f"{DATE}T13:00:00+08:00"}
    )
    assert made.status_code == 201, made.text
    page = client.get(f"/workshops/late/plan/{DAY + dt.timedelta(days=1)}").text
    assert 'id="pickups"' in page
    return page


def test_a_chinese_page_shows_no_english_ui_text(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    client.cookies.set("bayplan_lang", "zh_CN")
    ui = [m for m, files in _extracted().items() if any(f.startswith(("api", "simulation")) for f in files)]
    words = _english_ui_words(ui)
    data = {"Tiny", "Maintenance", "MAINT", "Asia/Shanghai", "greedy", "cpsat", "bayplan", "English"}
    data |= {"LONG", "Long"}  # the services of the day with a pickup
    data |= {"stagger-lunch rules", "current rules", "stagger-lunch", "current", "dealer-2011", "fcfs"}
    for name, page in _pages(client).items():
        assert '<html lang="zh-CN">' in page, name
        text = _visible(page)
        for item in data:
            text = text.replace(item, "")
        left = [w for w in words if re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text)]
        assert not left, f"{name}: English UI text on the Chinese page: {left}"
    plan = client.get(f"/workshops/tiny/plan/{DATE}").text
    assert "工位排程" in plan and "生成排程" not in plan and "立即重新排程" in plan
    assert "2026年11月24日星期二" in plan  # the date in Chinese
    assert '"plan_ready": "排程完成' in plan  # the script's texts, in the page's language
    report = _report(client)
    assert "将等候客户的 p90 等待时间缩短 31 分钟 [18, 44]，且不增加成本" in report  # the verdict
    assert "人员配置仿真：dealer-2011，旺季（4月）" in report  # the season and its month
    assert 'href="/workshops/tiny/loading"' in report and 'href="#verdict"' in report  # navigation
    job = _failed_job(client)
    assert "失败" in job and "运行它的服务器进程在它完成前已停止" in job and "stopped" not in job


def test_english_by_default_and_chinese_by_accept_language(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json"))
    url = f"/workshops/tiny/plan/{DATE}"
    english = client.get(url).text
    assert '<html lang="en">' in english and "No plan for this day yet" in english
    assert (
        "Generate plan" in english
        and "Solver time (s)" in english
        and "Tuesday, November 24, 2026" in english
    )
    assert "No plan for this day yet" in client.get(url, headers={"Accept-Language": "fr-FR, de;q=0.8"}).text
    chinese = client.get(url, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}).text
    assert '<html lang="zh-CN">' in chinese and "当天尚无排程" in chinese and "Generate plan" not in chinese
    assert "当天尚无排程" in client.get(url, headers={"Accept-Language": "en;q=0.5, zh"}).text
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "en-GB"}).text
    login = client.get("/login", headers={"Accept-Language": "zh-CN"}).text
    assert "登录" in login and "API 密钥" in login and "Sign in" not in login


def test_the_switch_sets_the_cookie_and_beats_accept_language(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json"))
    page = client.get("/").text
    assert 'href="/lang/zh-CN?next=%2F"' in page and 'href="/lang/en?next=%2F"' in page
    switched = client.get("/lang/zh-CN", params={"next": "/workshops/tiny/book"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/workshops/tiny/book"
    assert "bayplan_lang=zh_CN" in switched.headers["set-cookie"]
    assert "预约时段" in client.get("/workshops/tiny/book", headers={"Accept-Language": "en"}).text
    client.get("/lang/en")
    assert "Show free slots" in client.get("/workshops/tiny/book", headers={"Accept-Language": "zh"}).text
    outside = client.get("/lang/en", params={"next": "//evil.example"}, follow_redirects=False)
    assert outside.headers["location"] == "/"  # no open redirect


def test_accept_language_is_ranked_by_quality() -> None:
    assert accepted("en;q=0.5, zh-CN, fr;q=0") == ["zh_CN", "en"]
    assert accepted(None) == [] and accepted("*") == []


def test_dates_and_numbers_by_locale() -> None:
    import datetime as dt

    zh, en = Translator("zh-CN"), Translator("en")
    day = dt.date(2026, 11, 24)
    assert (
        zh.date(day, "full") == "2026年11月24日星期二"
        and en.date(day, "full") == "Tuesday, November 24, 2026"
    )
    assert en.number(12345.678, 1) == "12,345.7" and zh.number(12345.678, 1) == "12,345.7"
    assert zh.percent(0.875) == "88%" and Translator("xx").locale == "en"


# Reasons, the chart, re-plan changes and error details in Chinese -----------------------------

AT_RISK = "at risk since a workshop change"


def _unplaced_day(client: TestClient) -> str:
    """A planned day with one booking that cannot be placed: the workshop was changed by force
    (the technician now starts at 09:30) after it was accepted. Returns the booking's id."""
    ws = tiny_workshop().model_dump(mode="json")
    assert client.put("/v1/workshops/tiny", json=ws).status_code == 200
    made = client.post(BOOKINGS, json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00",
                                       "plate": "粤B67890", "waiter": True})  # fmt: skip
    assert made.status_code == 201, made.text
    ws["technicians"][0]["shift"]["start"] = "09:30"
    assert client.put("/v1/workshops/tiny", params={"force": "true"}, json=ws).status_code == 200
    planned = client.post("/v1/workshops/tiny/plans", json={"date": DATE, "time_limit_seconds": 2})
    assert planned.status_code == 200 and len(planned.json()["unassigned"]) == 1
    assert planned.json()["unassigned"][0]["reason"].startswith(AT_RISK)  # stored and answered in English
    return str(made.json()["id"])


def test_a_chinese_plan_page_gives_the_reasons_and_the_chart_in_chinese(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    booking = _unplaced_day(client)
    client.cookies.set("bayplan_lang", "zh_CN")
    page = client.get(f"/workshops/tiny/plan/{DATE}").text
    assert "因车间设置变更而有风险：工序「work」" in page and "学徒" in page and booking in page
    assert AT_RISK not in page and "needs 60 min" not in page
    # Every English text a person reads on it, the chart's SVG and the reasons included.
    sources = ("api", "scheduler/reasons.py", "scheduler/integrity.py", "scheduler/replan.py")
    ui = [m for m, files in _extracted().items() if any(f.startswith(sources) for f in files)]
    words = _english_ui_words(ui)
    data = {"Tiny", "Maintenance", "MAINT", "Asia/Shanghai", "greedy", "cpsat", "bayplan", "English",
            "maintenance", "work", "general"}  # fmt: skip
    text = "\n".join(_svg_too(page))
    for item in data:
        text = text.replace(item, "")
    left = [w for w in words if re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text)]
    assert not left, f"English UI text on the Chinese plan page: {left}"
    client.cookies.set("bayplan_lang", "en")
    english = client.get(f"/workshops/tiny/plan/{DATE}").text
    assert AT_RISK in english and "Bay plan by bay" in english


def _svg_too(page: str) -> list[str]:
    """The visible texts of a page, the chart's (its <text>, <title> and aria-labels) included."""

    class WithSvg(_Visible):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "style"):
                self._skip += 1
            if not self._skip:
                self.parts += [
                    v for k, v in attrs if k in ("aria-label", "title", "alt", "placeholder") and v
                ]

        def handle_endtag(self, tag: str) -> None:
            if tag in ("script", "style"):
                self._skip -= 1

    parser = WithSvg()
    parser.feed(page)
    return parser.parts


def test_the_plan_answer_reads_in_the_request_language(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    _unplaced_day(client)
    url = f"/v1/workshops/tiny/plans/{DATE}"
    chinese = client.get(url, headers={"Accept-Language": "zh-CN"}).json()
    english = client.get(url).json()
    assert chinese["unassigned"][0]["reason"].startswith("因车间设置变更而有风险：")
    assert english["unassigned"][0]["reason"].startswith(AT_RISK)
    assert {k: v for k, v in chinese.items() if k != "unassigned"} == {
        k: v for k, v in english.items() if k != "unassigned"
    }


def test_a_replan_says_what_changed_in_the_answer_and_on_the_page(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    assert client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json")).status_code == 200
    made = client.post(BOOKINGS, json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"})
    assert made.status_code == 201
    booking = made.json()["id"]
    first = client.post("/v1/workshops/tiny/plans", json={"date": DATE, "time_limit_seconds": 2}).json()
    assert first["changes"] is None  # a plan from scratch
    assert "What the re-plan changed" not in client.get(f"/workshops/tiny/plan/{DATE}").text
    (placed,) = first["assignments"]
    end = placed["end"]
    late = end.replace(end[11:16], f"{int(end[11:13]) + 1:02d}{end[13:16]}")  # an hour later
    body = {"date": DATE, "time_limit_seconds": 2, "now": f"{DATE}T08:30:00+08:00",
            "overruns": [{"booking": booking, "operation": 0, "expected_end": late}]}  # fmt: skip
    replanned = client.post("/v1/workshops/tiny/plans", json=body)
    assert replanned.status_code == 200, replanned.text
    changes = replanned.json()["changes"]
    assert [(c["booking"], c["kind"]) for c in changes] == [(booking, "moved")]
    assert changes[0]["operation"] == 0  # the index, as the request's "operation" (the API's numbering)
    # people read the operation numbered from 1 and named, as the phone page and job cards show it
    assert changes[0]["summary"].startswith(f"{booking} op 1 (work): ") and " -> " in changes[0]["summary"]
    page = html.unescape(client.get(f"/workshops/tiny/plan/{DATE}").text)
    # the page names the technician (tiny's "t" is "T"; the summary keeps the id: zh-s26)
    assert "What the re-plan changed (1)" in page and f"<li>{booking} op 1 (work): G1/T " in page
    chinese = client.get(f"/workshops/tiny/plan/{DATE}", headers={"Accept-Language": "zh-CN"}).text
    assert "本次重新排程的变动（1）" in chinese and f"{booking} 工序 1（work）：" in chinese
    stored = client.get(f"/v1/workshops/tiny/plans/{DATE}", headers={"Accept-Language": "zh-CN"}).json()
    assert stored["changes"][0]["summary"].startswith(f"{booking} 工序 1（work）：")


def test_error_details_read_in_the_request_language_and_keep_their_fields(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    workshop = tiny_workshop().model_dump(mode="json")
    assert client.put("/v1/workshops/tiny", json=workshop).status_code == 200
    calls = [
        ("post", BOOKINGS, {"drop_off": f"{DATE}T08:00:00+08:00", "priority": 0}),  # pydantic: missing, ge
        ("post", BOOKINGS, {"service": "NOPE", "drop_off": f"{DATE}T08:00:00+08:00"}),  # ours: InputError
        ("put", "/v1/workshops/tiny", {**workshop, "timezone": "Mars/Base"}),  # our validator
        ("get", "/v1/workshops/nope", None),  # 404
        ("get", f"/v1/workshops/tiny/plans/{DATE}", None),  # 404 of a plan
    ]
    expected_zh = ["缺少必填字段", "应大于或等于 1", "未知的服务代码 'NOPE'（已有：MAINT）",
                   "值错误：未知的 IANA 时区 'Mars/Base'", "未知的车间 'nope'"]  # fmt: skip
    chinese_texts: list[str] = []
    for method, url, body in calls:
        plain = getattr(client, method)(url, **({"json": body} if body else {}))
        english = getattr(client, method)(
            url, headers={"Accept-Language": "en-US"}, **({"json": body} if body else {})
        )
        chinese = getattr(client, method)(
            url, headers={"Accept-Language": "zh-CN"}, **({"json": body} if body else {})
        )
        assert plain.status_code == english.status_code == chinese.status_code and plain.status_code >= 400
        assert plain.json() == english.json()  # English bodies exactly as before
        zh, en = chinese.json()["detail"], plain.json()["detail"]
        if isinstance(en, list):
            assert [{k: v for k, v in item.items() if k != "msg"} for item in zh] == [
                {k: v for k, v in item.items() if k != "msg"} for item in en
            ]  # loc, type, ctx, input unchanged
            chinese_texts += [item["msg"] for item in zh]
            assert all(a["msg"] != b["msg"] for a, b in zip(zh, en, strict=True))
        else:
            chinese_texts.append(zh)
            assert zh != en
    joined = "\n".join(chinese_texts)
    for text in expected_zh:
        assert text in joined, (text, joined)
    assert "车间 'tiny' 在 2026-11-24 还没有排程" in joined  # not "未知的车间 …": the workshop is known
    # Our English detail texts: the same words as before these were translatable.
    english = client.post(BOOKINGS, json={"service": "NOPE", "drop_off": f"{DATE}T08:00:00+08:00"}).json()
    assert english["detail"][0]["msg"] == "unknown service code 'NOPE' (known: MAINT)"
    assert client.get("/v1/workshops/nope").json() == {"detail": "unknown workshop 'nope'"}


def test_a_stateless_plan_gives_its_reasons_in_the_request_language(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    at = f"{DATE}T08:00:00+08:00"
    request = {"workshop": tiny_workshop().model_dump(mode="json"), "date": DATE,
               "bookings": [{"id": f"b{i}", "service": "MAINT", "drop_off": at} for i in range(3)],
               "options": {"time_limit_seconds": 2}}  # fmt: skip
    english = client.post("/v1/plan", json=request)
    chinese = client.post("/v1/plan", json=request, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert english.status_code == chinese.status_code == 200, english.text
    (en,), (zh,) = english.json()["unassigned"], chinese.json()["unassigned"]
    assert en["booking"] == zh["booking"] and en["reason"].startswith("day full: operation 'work'")
    assert zh["reason"].startswith("当天已满：工序「work」")


def test_range_version_and_reused_key_errors_read_in_chinese(db_url: str) -> None:
    """The report and labour-time ranges, an unknown workshop version and a reused Idempotency-Key
    (of a booking and of a clock event) were English, or half Chinese ("密钥 'k' was already
    used …": a template for a key's 404 took the rest of the sentence as the key)."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    assert client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json")).status_code == 200
    zh = {"Accept-Language": "zh-CN"}
    texts: list[str] = []
    reports, labour = "/v1/workshops/tiny/reports/productivity", "/v1/workshops/tiny/labour-times"
    for url in (reports, f"{reports}?from={DATE}", f"{reports}?from=2026-01-01&to=2027-12-31",
                f"{labour}?from=2020-01-01&to={DATE}", "/v1/workshops/tiny/versions/99"):  # fmt: skip
        answer = client.get(url, headers=zh)
        assert answer.status_code in (404, 422), (url, answer.text)
        detail = answer.json()["detail"]
        texts += [detail] if isinstance(detail, str) else [item["msg"] for item in detail]
    booking = {"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00", "waiter": True}
    first = client.post(BOOKINGS, json=booking, headers={"Idempotency-Key": "k"})
    assert first.status_code == 201
    reused = client.post(BOOKINGS, json={**booking, "waiter": False}, headers={**zh, "Idempotency-Key": "k"})
    texts.append(reused.json()["detail"][0]["msg"])
    event = {"booking": first.json()["id"], "operation": 0, "technician": "t", "action": "start",
             "at": f"{DATE}T08:00:00+08:00"}  # fmt: skip
    clock = "/v1/workshops/tiny/clock"
    assert (
        client.post(clock, params=CLOCK_NOW, json=event, headers={"Idempotency-Key": "e"}).status_code == 201
    )
    reused = client.post(
        clock,
        params=CLOCK_NOW,
        json={**event, "at": f"{DATE}T08:01:00+08:00"},
        headers={**zh, "Idempotency-Key": "e"},
    )
    assert reused.status_code == 422
    texts.append(reused.json()["detail"][0]["msg"])
    # (the reused clock key names the event's car and operation: its booking id and the workshop's
    # own operation name, "work", are as written)
    assert re.search(r"（预约 BK-[0-9a-f]+ 的工序 1（work），08:00）", texts[-1]), texts[-1]
    for text in texts:
        words = re.sub(r"'[^']*'|YYYY-MM-DD|Idempotency-Key|BK-[0-9a-f]+|（work）", "", text)
        assert not re.search(r"[A-Za-z]{3,}", words), text


def test_the_chinese_plan_chart_names_its_bays_kinds_in_chinese(db_url: str) -> None:
    """The rows of the Chinese Gantt read "G1 · general": the kind of bay, which the command line's
    table gives in Chinese (快修, 通用, …), was left in English; a workshop's own kinds stay as written."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    ws = tiny_workshop().model_dump(mode="json")
    ws["bay_kinds"] = ["general", "tyre"]
    ws["bays"] = [{"id": "G1", "kind": "general"}, {"id": "T1", "kind": "tyre"}]
    assert client.put("/v1/workshops/tiny", json=ws).status_code == 200
    client.post(BOOKINGS, json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"})
    plan = client.post("/v1/workshops/tiny/plans", json={"date": DATE, "time_limit_seconds": 1})
    assert plan.status_code == 200, plan.text
    page = client.get(f"/workshops/tiny/plan/{DATE}", headers={"Accept-Language": "zh-CN"}).text
    assert "G1 · 通用" in page and "G1 · general" not in page
    assert "T1 · tyre" in page
    assert "G1 · general" in client.get(f"/workshops/tiny/plan/{DATE}").text


def test_the_plan_and_technician_pages_say_at_risk_plainly_in_chinese(db_url: str) -> None:
    """The plan page said a booking may "误约" (break an appointment; the booking is kept, its
    promised pickup may be missed), with half-width brackets in "有风险 (0)" beside "未安排（0）";
    the technician's page had "(工序 1)"."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    zh = {"Accept-Language": "zh-CN"}
    assert client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json")).status_code == 200
    client.post(BOOKINGS, json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"})
    assert (
        client.post("/v1/workshops/tiny/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code
        == 200
    )
    page = _visible(client.get(f"/workshops/tiny/plan/{DATE}", headers=zh).text)
    assert "按实际进度有风险（0）" in page and "红色虚线框：可能赶不上承诺的交车时间" in page, page
    assert "没有预约有赶不上承诺交车时间的风险。" in page and "误约" not in page
    me = client.get(
        "/workshops/tiny/me", params={"technician": "t", "now": f"{DATE}T08:00:00+08:00"}, headers=zh
    )
    assert "（工序 1）" in _visible(me.text) and "(工序 1)" not in me.text, me.text


def test_the_chinese_plan_chart_numbers_operations_as_the_other_texts_do(db_url: str) -> None:
    """A bar's details said "MAINT 第 1 道工序" while the phone page, the job cards, the clock's
    refusals and the re-plan's changes say "工序 1" (walk-s15 D)."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    assert client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json")).status_code == 200
    client.post(BOOKINGS, json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"})
    plan = client.post("/v1/workshops/tiny/plans", json={"date": DATE, "time_limit_seconds": 1})
    assert plan.status_code == 200, plan.text
    page = client.get(f"/workshops/tiny/plan/{DATE}", headers={"Accept-Language": "zh-CN"}).text
    chart = " ".join(_svg_too(page))
    assert "MAINT 工序 1 ·" in chart and "道工序" not in chart, chart
    assert "MAINT operation 1" in " ".join(_svg_too(client.get(f"/workshops/tiny/plan/{DATE}").text))


def test_a_choice_of_values_reads_or_in_chinese(db_url: str) -> None:
    """A clock event's action out of the five read "应为 'start', …, 'finish' or 'correct'"; the
    values and the error's ctx stay as they are."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    event = {
        "booking": "b",
        "operation": 0,
        "technician": "t",
        "action": "jump",
        "at": f"{DATE}T08:00:00+08:00",
    }
    zh = client.post(
        "/v1/workshops/tiny/clock", params=CLOCK_NOW, json=event, headers={"Accept-Language": "zh-CN"}
    )
    en = client.post("/v1/workshops/tiny/clock", params=CLOCK_NOW, json=event)
    assert zh.status_code == en.status_code == 422, zh.text
    (item,), (english,) = zh.json()["detail"], en.json()["detail"]
    assert item["msg"] == "应为 'start', 'pause', 'resume', 'finish' 或 'correct'"
    assert english["msg"] == "Input should be 'start', 'pause', 'resume', 'finish' or 'correct'"
    assert item["ctx"] == english["ctx"] == {"expected": "'start', 'pause', 'resume', 'finish' or 'correct'"}


def test_a_workshop_change_says_which_bookings_it_breaks_and_why_in_chinese(db_url: str) -> None:
    """A manager taking Tuesdays off the only technician read the 409's reasons in English ("booking
    B op 0 (work) on bay G1 with t …: t is not rostered on 2026-11-24 (Tuesday)"); the ids, bays and
    times as they are."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    ws = tiny_workshop().model_dump(mode="json")
    assert client.put("/v1/workshops/tiny", json=ws).status_code == 200
    booked = client.post(BOOKINGS, json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"}).json()
    ws["technicians"][0]["weekdays"] = [0, 2, 3, 4, 5]  # no Tuesday
    refused = client.put("/v1/workshops/tiny", json=ws, headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 409, refused.text
    (broken,) = refused.json()["bookings"]
    assert broken["booking"] == booked["id"]
    assert broken["reasons"] == [
        f"预约 {booked['id']} 工序 1（work），工位 G1，技师 t，08:00..09:00：t 在 {DATE}（星期二）不当班"
    ]
    english = client.put("/v1/workshops/tiny", json=ws).json()["bookings"][0]["reasons"][0]
    assert english.endswith(f": t is not rostered on {DATE} (Tuesday)")


def test_times_in_sentences_read_on_the_workshops_clock_without_iso_instants(db_url: str) -> None:
    """A drop-off in the past read "2026-11-23T09:00:00+08:00 已经过去（现在是 2026-11-23T17:30+08:00）";
    a sentence says a time as HH:MM on its day, with the date otherwise, never the offset (walk-s14
    #20). The 422 still names the field."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))  # 2026-11-23 17:30 +08:00
    assert client.put("/v1/workshops/tiny", json=tiny_workshop().model_dump(mode="json")).status_code == 200
    zh = {"Accept-Language": "zh-CN"}
    body = {"service": "MAINT", "drop_off": "2026-11-23T09:00:00+08:00"}
    r = client.post(BOOKINGS, json=body, headers=zh)
    assert r.status_code == 422, r.text
    (error,) = r.json()["detail"]
    assert error["loc"][-1] == "drop_off" and error["msg"] == "09:00 已经过去（现在是 17:30）"
    assert client.post(BOOKINGS, json=body).json()["detail"][0]["msg"] == "09:00 is in the past (it is 17:30)"


def test_the_validators_reasons_read_in_chinese_in_a_409(db_url: str) -> None:
    """The validator's reasons were English under Accept-Language zh-CN where it worded them with
    f-strings: a workshop change giving the booked bay to a fleet partner, and a stateless plan whose
    pinned work leaves no valid plan. Fails before: "bay G1 is TAXI's, vehicle has no fleet partner",
    "hard rule(s) broken: [pinned] booking b1 has pinned work but is unassigned". English as before."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    zh = {"Accept-Language": "zh-CN"}
    ws = tiny_workshop().model_dump(mode="json")
    assert client.put("/v1/workshops/tiny", json=ws).status_code == 200
    booked = client.post(BOOKINGS, json={"service": "MAINT", "drop_off": f"{DATE}T08:00:00+08:00"}).json()
    ws["bays"][0]["fleet_partner"] = "TAXI"
    refused = client.put("/v1/workshops/tiny", json=ws, headers=zh)
    assert refused.status_code == 409, refused.text
    (broken,) = refused.json()["bookings"]
    label = f"预约 {booked['id']} 工序 1（work），工位 G1，技师 t，08:00..09:00"
    assert broken["reasons"] == [f"{label}：工位 G1 属于 TAXI，车辆为不属于任何车队客户"]
    english = client.put("/v1/workshops/tiny", json=ws).json()["bookings"][0]["reasons"]
    assert english == [
        f"booking {booked['id']} op 1 (work) on bay G1 with t 08:00..09:00: bay G1 is TAXI's,"
        " vehicle has no fleet partner"
    ]

    # A diagnosis pinned 16:30-16:55 leaves its 90-minute repair no room (tests/api/test_api.py).
    pin = {"operation": 0, "bay": "G1", "technician": "wang", "start": f"{DATE}T16:30:00+08:00",
           "end": f"{DATE}T16:55:00+08:00"}  # fmt: skip
    request = {"workshop": small_workshop().model_dump(mode="json"), "date": DATE,
               "bookings": [{"id": "b1", "service": "MINOR", "drop_off": f"{DATE}T08:00:00+08:00",
                             "pinned": [pin]}], "options": {"time_limit_seconds": 1}}  # fmt: skip
    stateless = TestClient(client.app, raise_server_exceptions=False)
    chinese = stateless.post("/v1/plan", json=request, headers=zh)
    english_409 = stateless.post("/v1/plan", json=request)
    assert chinese.status_code == english_409.status_code == 409, chinese.text
    detail = chinese.json()["detail"]
    assert "违反了" in detail and "预约 b1 有已固定的工作，却未排入计划" in detail, detail
    assert not re.search(r"[a-z]{3,} [a-z]{3,} [a-z]{3,}", detail), detail
    said = english_409.json()["detail"]
    assert said.startswith("the pinned work leaves no valid plan: no valid plan of ws-small for ")
    assert "[pinned] booking b1 has pinned work but is unassigned" in said


def _no_english_words(text: str) -> bool:
    """No English word of three letters or more outside quoted ids and values, ISO moments, option
    names, upper-case codes, a field's name in brackets after its Chinese name (（parts_eta）) and the
    names a "known:" lists."""
    left = re.sub(
        r"'[^']*'|\d{4}-\d\d-\d\dT[\d:+.]+|--[a-z-]+|\b[A-Z][A-Z0-9_-]+\b|（[a-z_]+）|已有：[^）]*", "", text
    )
    return not re.search(r"[A-Za-z]{3,}", left)


def test_the_error_texts_review_s22_found_english_read_in_chinese(db_url: str) -> None:
    """Texts a Chinese reader still got in English or half English (review-s22): a forced parts ETA's
    at-risk reason, an unknown clock event to correct (a number, not a quoted id: the template did
    not match it), an unknown fleet partner's "known:", a one-item list's minimum (pydantic's
    singular), an unknown route's and method's, a re-plan's `now` after the day ("… ended: a past day
    cannot be re-planned from now"), overruns without `now` ("overruns，并 finished operations …"),
    an unknown scenario to simulate. English as before."""
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()), raise_server_exceptions=False)
    zh = {"Accept-Language": "zh-CN"}
    ws = multi_day_workshop()
    put_workshop(client, ws)
    base = f"/v1/workshops/{ws.id}"
    wed, fri, sat = (
        (DAY + dt.timedelta(days=n)).isoformat() for n in (1, 3, 4)
    )  # fri, sat: days with no work
    repair = client.post(f"{base}/bookings", json={"service": "REPAIR", "drop_off": f"{DATE}T08:00:00+08:00",
                                                  "parts_eta": f"{wed}T10:00:00+08:00"})  # fmt: skip
    assert repair.status_code == 201, repair.text
    rid = repair.json()["id"]
    for action, hhmm in (("start", "08:00"), ("finish", "11:00")):
        event = {"booking": rid, "operation": 0, "technician": "zhao", "action": action,
                 "at": f"{DATE}T{hhmm}:00+08:00"}  # fmt: skip
        assert client.post(f"{base}/clock", params=CLOCK_NOW, json=event).status_code == 201
    later = {"parts_eta": f"{wed}T15:00:00+08:00", "force": True}
    forced = client.patch(f"{base}/bookings/{rid}", json=later, headers=zh)
    assert forced.status_code == 200 and forced.json()["at_risk"] is True, forced.text
    texts = {"forced": forced.json()["at_risk_reason"]}
    texts["read"] = client.get(f"{base}/bookings/{rid}", headers=zh).json()["at_risk_reason"]
    (listed,) = [
        b for b in client.get(f"{base}/bookings", params={"date": DATE}, headers=zh).json() if b["id"] == rid
    ]
    texts["listed"] = listed["at_risk_reason"]
    english = client.get(f"{base}/bookings/{rid}").json()["at_risk_reason"]
    assert english == f"parts_eta changed by force to {wed} 15:00: the booking no longer fits the day's plan"
    calls = {
        "corrects": ("post", f"{base}/clock", {"json": {"action": "correct", "corrects": 99999,
                     "corrected_action": "start", "at": f"{DATE}T09:00:00+08:00"}, "params": CLOCK_NOW}),
        "fleet": ("post", f"{base}/bookings", {"json": {"service": "MAINT",
                  "drop_off": f"{DATE}T09:00:00+08:00", "fleet_partner": "NOPE"}}),
        "one item": ("post", f"{base}/webhooks", {"json": {"url": "https://example.com/h", "events": []}}),
        "route": ("get", f"{base}/nowhere", {}),
        "method": ("post", f"{base}/bookings/{rid}", {"json": {}}),
        "after the day": ("post", f"{base}/plans", {"json": {"date": fri, "now": f"{sat}T10:00:00+08:00"}}),
        "overruns": ("post", f"{base}/plans", {"json": {"date": fri, "overruns": [
            {"booking": rid, "operation": 0, "expected_end": f"{fri}T12:00:00+08:00"}]}}),
        "scenario": ("post", "/v1/simulations", {"json": {"scenario": "nope"}}),
        "month": ("post", "/v1/simulations", {"json": {"scenario": "dealer-2011", "month": "foo"}}),
    }  # fmt: skip
    for name, (method, url, kwargs) in calls.items():
        answer = getattr(client, method)(url, headers=zh, **kwargs)
        assert 400 <= answer.status_code < 500, (name, answer.text)
        detail = answer.json()["detail"]
        texts[name] = detail if isinstance(detail, str) else " ".join(item["msg"] for item in detail)
        english_answer = getattr(client, method)(url, **kwargs)
        assert english_answer.status_code == answer.status_code, name
    english_of = client.post(f"{base}/plans", json={"date": fri, "now": f"{sat}T10:00:00+08:00"}).json()
    said = f"{sat}T10:00+08:00 is after the plan date {fri} ended: a past day cannot be re-planned from now"
    assert english_of["detail"][0]["msg"] == said
    left = {name: text for name, text in texts.items() if not _no_english_words(text)}
    assert not left, left
