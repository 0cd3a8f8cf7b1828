"""The job cards and day sheets as PDF from the plan page: 200 application/pdf for a foreman (in
the page's language), the sign-in page for nobody, 403 for a booking key; linked from the plan page."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

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

pypdf = pytest.importorskip("pypdf")
FORM = {"content-type": "application/x-www-form-urlencoded", "origin": "http://testserver"}
CARDS = f"/workshops/tiny/plan/{DATE}/cards.pdf"
SHEET = f"/workshops/tiny/plan/{DATE}/technicians/t.pdf"


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_a_foreman_prints_the_days_job_cards_and_a_day_sheet(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cards.db'}"
    client = TestClient(create_app(db, auth=True, clock=FixedClock(NOW)))
    keys = KeyStore(Store(db))
    admin = {"X-API-Key": keys.create("admin", ["tiny"])[0]}
    foreman = keys.create("foreman", ["tiny"])[0]
    booking_key = keys.create("booking", ["tiny"])[0]
    put_workshop(client, two_technician_workshop(), admin)
    body = {"service": "MAINT", "drop_off": at("08:00").isoformat(), "plate": "SH-A 12345",
            "customer": "Wang Wei", "model": "Hyundai Tucson", "waiter": True}  # fmt: skip
    created = client.post(f"{W}/bookings", json=body, headers=admin)
    assert created.status_code == 201, created.text
    promised = created.json()["promised"][11:16]  # the desk's promise, local HH:MM
    planned = client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}, headers=admin)
    assert planned.status_code == 200
    tech = planned.json()["assignments"][0]["technician"]

    def sign_in(key: str) -> None:
        client.cookies.clear()
        r = client.post("/login", content=f"key={key}&next=/", headers=FORM, follow_redirects=False)
        assert r.status_code == 303

    assert client.get(CARDS, follow_redirects=False).status_code == 303  # nobody: sign in first
    sign_in(foreman)
    r = client.get(CARDS)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text = text_of(r.content)
    assert "SH-A 12345" in text and "Wang Wei" in text and promised in text and "Job card" in text
    sheet = client.get(f"/workshops/tiny/plan/{DATE}/technicians/{tech}.pdf")
    assert sheet.status_code == 200 and sheet.headers["content-type"] == "application/pdf"
    assert "SH-A 12345" in text_of(sheet.content) and "Day sheet" in text_of(sheet.content)
    assert client.get(f"/workshops/tiny/plan/{DATE}/technicians/nobody.pdf").status_code == 404
    # The page's language: the cookie the language switch sets.
    client.cookies.set("bayplan_lang", "zh_CN")
    assert "派工单" in text_of(client.get(CARDS).content)
    client.cookies.delete("bayplan_lang")
    # The plan page links to them.
    page = client.get(f"/workshops/tiny/plan/{DATE}").text
    assert f'href="{CARDS}"' in page and f'href="{SHEET}"' in page and "Job cards (PDF)" in page

    sign_in(booking_key)
    assert client.get(CARDS).status_code == 403
    assert client.get(SHEET).status_code == 403
