"""The Latin words left on the Chinese pages of the bundled small-dealer scenario (zhdata-s27).

Puts the scenario into a fresh SQLite store, books a first free service, an inspection, a minor
repair and an alignment on 2026-11-24, plans the day, fetches the plan, desk, technician, loading,
reports and home pages with `Accept-Language: zh-CN` and prints each page's Latin runs of its
visible text (no script, style or tags). Run on main and on a branch to compare:

    .venv/bin/python -m bench.zh_pages_words   (on main: copy it into main's bench/ first)
"""

from __future__ import annotations

import datetime as dt
import html
import re
import tempfile
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.scenarios import load_scenario

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
DATE = "2026-11-24"
LATIN = re.compile(r"[A-Za-z][A-Za-z +(),\-:]{2,}")


def visible(page: str) -> str:
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def main() -> None:
    db = f"sqlite:///{Path(tempfile.mkdtemp()) / 'pages.db'}"
    workshop = load_scenario("small-dealer").workshop
    base = f"/workshops/{workshop.id}"
    with TestClient(create_app(db, auth=False, clock=FixedClock(NOW))) as client:
        body = workshop.model_dump_json()
        put = client.put(f"/v1{base}", content=body, headers={"content-type": "application/json"})
        assert put.status_code == 200, put.text
        for code in ("FIRST", "INSPECT", "MINOR", "ALIGN"):
            slots = client.get(f"/v1{base}/slots", params={"service": code, "date": DATE}).json()
            booked = {"service": code, "drop_off": slots["slots"][0]["drop_off"], "plate": "沪A12345"}
            assert client.post(f"/v1{base}/bookings", json=booked).status_code == 201
        made = client.post(f"/v1{base}/plans", json={"date": DATE, "time_limit_seconds": 2})
        assert made.status_code == 200, made.text
        tech = made.json()["assignments"][0]["technician"]
        pages = {
            "plan": f"{base}/plan/{DATE}",
            "desk": f"{base}/book?date={DATE}",
            "me": f"{base}/me?technician={tech}&date={DATE}",
            "loading": f"{base}/loading",
            "reports": f"{base}/reports",
            "home": "/",
        }
        for name, url in pages.items():
            page = client.get(url, headers={"Accept-Language": "zh-CN"})
            words = sorted({w.strip() for w in LATIN.findall(visible(page.text))})
            print(name, page.status_code, words)


if __name__ == "__main__":
    main()
