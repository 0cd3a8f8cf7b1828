"""The pages in Chinese and English: every UI text has a zh_CN translation, the language comes from
the cookie or Accept-Language, and a Chinese page shows none of the English UI texts."""

from __future__ import annotations

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
from tests.builders import DATE, experiment_result, fixed_clock, tiny_workshop

ROOT = Path(__file__).resolve().parents[2]
BOOKINGS = "/v1/workshops/tiny/bookings"


@pytest.fixture
def db_url(tmp_path: Path) -> str:  # the language does not depend on the database: SQLite only
    return f"sqlite:///{tmp_path / 'i18n.db'}"


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


def test_translations_keep_their_placeholders() -> None:
    for msgid, msgstr in _catalog().items():
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid


class _Visible(HTMLParser):
    """The text a person reads or hears: text nodes and aria-label / title / alt / placeholder;
    not scripts, styles, nor the Gantt's SVG (api/gantt.py is not translated yet)."""

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
    }


def test_a_chinese_page_shows_no_english_ui_text(db_url: str) -> None:
    client = TestClient(create_app(db_url, auth=False, clock=fixed_clock()))
    client.cookies.set("bayplan_lang", "zh_CN")
    ui = [m for m, files in _extracted().items() if any(f.startswith(("api", "simulation")) for f in files)]
    words = _english_ui_words(ui)
    data = {"Tiny", "Maintenance", "MAINT", "Asia/Shanghai", "greedy", "cpsat", "bayplan", "English"}
    data |= {"stagger-lunch rules", "current rules", "stagger-lunch", "current", "dealer-2011", "fcfs"}
    data |= {"local"}  # the report's data: rule sets, scenario, policy, backend
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
    assert 'href="/workshops/tiny/loading"' in report and 'href="#verdict"' in report  # navigation


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
