"""The links between the web pages, as each role signed in sees them: every link on a page opens
for that key (no link to a page its role may not open), and a technician finds his own page."""

from __future__ import annotations

import re
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.keys import KeyStore
from scheduler.storage import Store
from tests.builders import DATE, NOW, at, put_workshop, two_technician_workshop
from tests.builders import TINY_PATH as W

FORM = {"content-type": "application/x-www-form-urlencoded", "origin": "http://testserver"}
ZH = {"accept-language": "zh-CN"}
PAGES = ["/", f"/workshops/tiny/plan/{DATE}", "/workshops/tiny/book", "/workshops/tiny/loading",
         f"/workshops/tiny/reports?from={DATE}&to={DATE}", f"/workshops/tiny/me?date={DATE}"]  # fmt: skip


def _links(page: str) -> set[str]:
    """The page-to-page links (not the stylesheet, not the language switch)."""
    found = {h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', page)}
    return {h for h in found if h.startswith("/") and not h.startswith(("/static/", "/lang/"))}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, dict[str, str]]:
    db = f"sqlite:///{tmp_path_factory.mktemp('links') / 'links.db'}"
    client = TestClient(create_app(db, auth=True, clock=FixedClock(NOW)))
    keys = KeyStore(Store(db))
    admin = {"X-API-Key": keys.create("admin", ["tiny"])[0]}
    put_workshop(client, two_technician_workshop(), admin)  # before its technician's key
    tokens = {
        role: keys.create(role, ["tiny"], technician="t" if role == "technician" else None)[0]
        for role in ("booking", "foreman", "manager", "technician", "admin")
    }
    body = {"service": "MAINT", "drop_off": at("08:00").isoformat()}
    assert client.post(f"{W}/bookings", json=body, headers=admin).status_code == 201
    plan = client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}, headers=admin)
    assert plan.status_code == 200
    return client, tokens


@pytest.mark.parametrize("role", ["booking", "foreman", "manager", "technician", "admin"])
def test_every_link_a_signed_in_role_is_shown_opens_for_it(
    site: tuple[TestClient, dict[str, str]], role: str
) -> None:
    client, tokens = site
    client.cookies.clear()
    signed = client.post("/login", content=f"key={tokens[role]}&next=/", headers=FORM, follow_redirects=False)
    assert signed.status_code == 303
    shown: set[str] = set()
    for url in PAGES:
        page = client.get(url, headers=ZH, follow_redirects=False)
        if page.status_code == 200:
            shown |= _links(page.text)
    assert shown
    broken = {link: client.get(link, headers=ZH, follow_redirects=False).status_code for link in shown}
    assert {link: code for link, code in broken.items() if code != 200} == {}


def test_a_technician_signed_in_finds_his_page_from_the_workshops(
    site: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = site
    client.cookies.clear()
    client.post("/login", content=f"key={tokens['technician']}&next=/", headers=FORM)
    index = client.get("/", headers=ZH).text
    assert "/workshops/tiny/me" in _links(index) and "我的工单" in index
    # Those who plan the day or book are not sent to a technician's phone page from the list.
    client.cookies.clear()
    client.post("/login", content=f"key={tokens['foreman']}&next=/", headers=FORM)
    index = client.get("/", headers=ZH).text
    assert f"/workshops/tiny/plan/{DATE}" in _links(index) and "/workshops/tiny/loading" in _links(index)
