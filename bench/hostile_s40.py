"""Session 40's hand probe of hostile input (not a benchmark): seeded and deterministic, in process
through FastAPI's TestClient on a fresh SQLite database and a fixed clock (the fuzz test's), over
the routes and fields that came after the last wide audits (s11-s15, s28) and that Schemathesis
reaches badly: semantically hostile values in valid shapes.

Each request is counted per route group by status. A failure is: a 5xx or an exception; a 4xx on a
/v1 route whose body is not JSON with a `detail`; a rejected write (4xx) after which anything stored
changed (every table but the webhook delivery log, read before and after); unescaped markup on a
page; a cache that grows with distinct hostile queries. Run:

    PYTHONPATH=. python -m bench.hostile_s40 [seed]

on a new SQLite file; with HOSTILE_PG=postgresql+psycopg://USER@HOST:PORT/postgres, on a new
database of that server (dropped at the end; the keys-on step stays on SQLite).

It prints the counts per group and every failure, and exits 1 if there is one."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import json
import os
import random
import sys
import tempfile
import traceback
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import httpx2
import sqlalchemy as sa

os.environ.setdefault("BAYPLAN_LIVE_REPLAN", "sync")  # re-plans in the request: the store settles

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.scenarios import load_scenario

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
DATE = "2026-11-24"
CLOCK_NOW = "2027-01-01T00:00:00+08:00"
MARKUP = '<script>alert("x")</script>'
PATHS = ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%00", "/etc/passwd", "..", "a" * 300, "C:\\boot.ini"]
MOMENTS = [
    f"{DATE}T09:00:00",  # naive
    f"{DATE}T09:00",
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    f"{DATE}T09:00:00+23:59",
    f"{DATE}T09:00:00-23:59",
    f"{DATE}T09:00:00+05:45",
    f"{DATE}T09:00:00+00:00:01",
    "1900-01-01T00:00:00+08:00",
    "2200-01-01T00:00:00+08:00",
    f"{DATE}T09:00:00Z",
    f"{DATE}",
    "1e10",
    "-1",
    "",
    "now",
    f"{DATE}T09:00:00.123456789+08:00",
    f"{DATE}T24:00:00+08:00",
]
DATES = [
    "0001-01-01",
    "9999-12-31",
    "1970-01-01",
    "2026-02-29",
    "2026-13-01",
    "2199-12-31",
    "2200-01-01",
    "-2026-11-24",
    "+2026-11-24",
    "20261124",
    "2026-11-24T00:00:00",
    "",
    "today",
]


def _local(location: str) -> bool:
    """A redirect that stays on this site (no scheme, no host, no `//` or `/\\` a browser reads as one)."""
    return location == "" or (
        location.startswith("/")
        and not location.startswith(("//", "/\\"))
        and ":" not in location.split("/")[1]
    )


class Probe:
    def __init__(self, seed: int, url: str | None = None) -> None:
        """`url`: the database (a fresh one; default a new SQLite file)."""
        self.rng = random.Random(seed)
        self.dir = Path(tempfile.mkdtemp(prefix="bayplan-hostile40-"))
        self.db = url or f"sqlite:///{self.dir / 'h.db'}"
        self.app = create_app(self.db, auth=False, clock=FixedClock(NOW))
        self.c = TestClient(self.app, raise_server_exceptions=False)
        self.counts: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
        self.failures: list[str] = []
        self.log = open(os.environ["HOSTILE_LOG"], "w") if os.environ.get("HOSTILE_LOG") else None  # noqa: SIM115
        self._engines: dict[str, sa.Engine] = {}

    # ---------------------------------------------------------------- the checks
    def fingerprint(self) -> dict[str, str]:
        """Every stored row, hashed per table; not the webhook delivery log (written by delivery
        threads) nor a job's status, times and result (the runner's thread finishes its row after
        the request has its answer: a plan's 200 came first, and a later rejected request saw it)."""
        engine = self._engines.get(self.db)
        if engine is None:
            engine = self._engines[self.db] = sa.create_engine(self.db)
        out: dict[str, str] = {}
        with engine.connect() as connection:
            for table in sorted(sa.inspect(connection).get_table_names()):
                if table == "webhook_deliveries":
                    continue
                columns = "id, kind, workshop_id, owner" if table == "jobs" else "*"
                query = sa.text(f'select {columns} from "{table}"')
                rows = sorted(repr(tuple(row)) for row in connection.execute(query))
                out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out

    def fail(self, group: str, what: str) -> None:
        self.failures.append(f"[{group}] {what}")

    def req(self, group: str, method: str, url: str, write: bool = False, **kw: Any) -> Any:
        before = self.fingerprint() if write else None
        try:
            r = self.c.request(method, url, **kw)
        except (httpx.InvalidURL, httpx2.InvalidURL, httpx2.LocalProtocolError) as exc:
            self.counts[group][0] += 1  # the client would not send it: not the server's answer
            print("not sent:", method, url[:80], str(kw)[:80], exc)
            return None
        except Exception:
            self.counts[group][-1] += 1
            self.fail(
                group, f"{method} {url[:160]} {str(kw)[:200]}: exception\n{traceback.format_exc()[-1500:]}"
            )
            return None
        self.counts[group][r.status_code] += 1
        shown = f"{method} {url[:160]} {str(kw)[:300]}"
        if self.log is not None:
            print(f"{group}\t{r.status_code}\t{shown[:300]}\t{r.text[:300]!r}", file=self.log)
        if r.status_code >= 500:
            self.fail(group, f"{shown}: {r.status_code} {r.text[:300]}")
        elif 400 <= r.status_code < 500 and url.startswith("/v1"):
            try:
                body = r.json()
                assert "detail" in body
            except Exception:
                self.fail(group, f"{shown}: {r.status_code} not a JSON error: {r.text[:200]}")
        if before is not None and 400 <= r.status_code < 500:
            after = self.fingerprint()
            changed = sorted(t for t in after.keys() | before.keys() if after.get(t) != before.get(t))
            if changed:
                self.fail(group, f"{shown}: {r.status_code} rejected, but stored rows changed in {changed}")
        if "Traceback (most recent call last)" in r.text:
            self.fail(group, f"{shown}: a traceback in the answer")
        return r

    # ---------------------------------------------------------------- set-up
    def setup(self) -> None:
        ws = load_scenario("small-dealer").workshop
        data = ws.model_dump(mode="json")
        data["loan_cars"] = 2
        self.ws = ws.id
        self.W = f"/v1/workshops/{ws.id}"
        r = self.c.put(self.W, json=data)
        assert r.status_code == 200, r.text
        # A DST workshop with multi-day services, for explain across the change.
        dst = json.loads(json.dumps(data))
        dst["id"] = "dst-shop"
        dst["timezone"] = "Europe/Berlin"
        for service in dst["services"]:
            if service["code"] in ("ACCIDENT", "ACC-BODY"):
                service["max_days"] = 4
                first = {**service["operations"][0], "minutes": 280, "needs_parts": True}
                service["operations"] = [
                    first,
                    *({**first, "name": f"more {i}", "needs_parts": False} for i in (1, 2)),
                ]
        r = self.c.put("/v1/workshops/dst-shop", json=dst)
        assert r.status_code == 200, r.text
        self.booking = self.book("MAINT", f"{DATE}T09:00:00+08:00", loan_car=True)
        self.booking2 = self.book("ACCIDENT", f"{DATE}T08:00:00+08:00")
        r = self.c.post(f"{self.W}/plans", json={"date": DATE, "time_limit_seconds": 2})
        assert r.status_code == 200, r.text
        self.plan = r.json()
        self.tech = next(a["technician"] for a in self.plan["assignments"] if a["booking"] == self.booking)

    def book(self, service: str, drop_off: str, **extra: Any) -> str:
        r = self.c.post(f"{self.W}/bookings", json={"service": service, "drop_off": drop_off, **extra})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def etag(self, booking: str) -> str:
        return str(self.c.get(f"{self.W}/bookings/{booking}").headers.get("etag", ""))

    # ---------------------------------------------------------------- groups
    def slots(self) -> None:
        g = "slots/explain"
        base = {"service": "MAINT", "date": DATE}
        for m in MOMENTS:
            self.req(g, "GET", f"{self.W}/slots", params={**base, "now": m})
            self.req(g, "GET", f"{self.W}/slots", params={**base, "parts_eta": m, "explain": "true"})
        for d in DATES:
            self.req(g, "GET", f"{self.W}/slots", params={**base, "date": d})
        for p in PATHS:
            self.req(g, "GET", f"/v1/workshops/{quote(p, safe='')}/slots", params=base)
            self.req(g, "GET", f"{self.W}/slots", params={**base, "service": p})
            self.req(g, "GET", f"{self.W}/slots", params={**base, "fleet_partner": p})
        # Multi-day explain across the DST changes of Europe/Berlin (2027-03-28, 2026-10-25 past).
        for day in ("2027-03-26", "2027-03-27", "2027-03-28", "2027-10-29", "2027-10-30", "2027-10-31"):
            for service in ("ACCIDENT", "ACC-BODY"):
                for eta in (None, f"{day}T02:30:00+01:00", f"{day}T02:30:00"):
                    params = {"service": service, "date": day, "explain": "true", "loan_car": "true"}
                    if eta:
                        params["parts_eta"] = eta
                    self.req(g, "GET", "/v1/workshops/dst-shop/slots", params=params)
        # Fill the DST days with multi-day bookings, then explain: refusals over the change.
        for _ in range(14):
            offered = self.c.get(
                "/v1/workshops/dst-shop/slots", params={"service": "ACCIDENT", "date": "2027-03-26"}
            )
            found = offered.json().get("slots", []) if offered.status_code == 200 else []
            if not found:
                break
            self.req(
                g,
                "POST",
                "/v1/workshops/dst-shop/bookings",
                json={"service": "ACCIDENT", "drop_off": found[0]["drop_off"]},
            )
        for day in ("2027-03-26", "2027-03-27", "2027-03-28"):
            r = self.req(
                g,
                "GET",
                "/v1/workshops/dst-shop/slots",
                params={"service": "ACC-BODY", "date": day, "explain": "true"},
            )
            if r is not None and r.status_code == 200:
                print(
                    "dst explain",
                    day,
                    len(r.json().get("slots", [])),
                    "offered,",
                    len(r.json().get("refused", [])),
                    "refused:",
                    sorted({x["reason"] for x in r.json().get("refused", [])})[:3],
                )
        for n in (8_000, 60_000, 100_000):
            self.req(g, "GET", f"{self.W}/slots?service=MAINT&date={DATE}&x={'a' * n}")
            self.req(g, "GET", f"{self.W}/slots", params={**base, "service": "A" * n})

    def cache_bound(self) -> None:
        """Distinct hostile queries must not grow the service's caches without bound."""
        g = "cache-bound"
        service = self.app.state.services.service

        def sizes() -> dict[str, int]:
            out: dict[str, int] = {}
            for name in ("_offers", "_days", "_asked", "_offered", "_workshops", "_day_caches"):
                obj = getattr(service, name, None)
                try:
                    out[name] = len(obj)  # type: ignore[arg-type]
                except TypeError:
                    out[name] = -1
            return out

        # The per-workshop bounds shrunk to 40 entries (the defaults, 1,000 offers and 200 days a
        # workshop, for 32 workshops, would take thousands of solves to reach): 300 distinct queries
        # on one workshop must leave at most 40 a cache.
        bound = 40
        for name in ("_offers", "_days", "_asked"):
            cache = getattr(service, name)
            cache.clear()
            cache.size = bound
        first = sizes()
        for i in range(300):
            minutes = self.rng.randrange(0, 60 * 24 * 400)
            eta = (NOW + dt.timedelta(minutes=minutes)).isoformat()
            day = (dt.date(2026, 11, 24) + dt.timedelta(days=self.rng.randrange(0, 400))).isoformat()
            params = {"service": "LUBE", "date": day, "parts_eta": eta, "x": f"{i}" * 50}
            self.req(g, "GET", f"{self.W}/slots", params=params)
        after = sizes()
        print("cache sizes before and after 300 distinct slot queries:", first, after)
        for name in ("_offers", "_days", "_asked"):
            if after[name] > bound:
                self.fail(g, f"{name} holds {after[name]} entries, bound {bound}")
        # The metrics' labels: unknown paths must not each make a series.
        before = len(self.c.get("/metrics").text.splitlines())
        for i in range(200):
            self.req(g, "GET", f"/v1/nothing-{i}/{'x' * i}")
            self.req(g, "FOO" if i % 2 else "PROPFIND", f"{self.W}/slots")
        after = len(self.c.get("/metrics").text.splitlines())
        if after - before > 50:
            self.fail(g, f"/metrics grew by {after - before} lines over 400 unknown paths and methods")

    def bookings(self) -> None:
        g = "bookings"
        base = {"service": "LUBE", "drop_off": f"{DATE}T10:00:00+08:00"}
        for m in MOMENTS:
            self.req(g, "POST", f"{self.W}/bookings", write=True, json={**base, "drop_off": m})
            self.req(g, "POST", f"{self.W}/bookings", write=True, json={**base, "parts_eta": m})
            self.req(g, "POST", f"{self.W}/bookings", write=True, json=base, params={"now": m})
        for n in (-1, 0, 101, 2**63, -(2**63), 10**30):
            self.req(g, "POST", f"{self.W}/bookings", write=True, json={**base, "priority": n})
        for p in PATHS:
            self.req(g, "POST", f"{self.W}/bookings", write=True, json={**base, "service": p})
            self.req(g, "POST", f"{self.W}/bookings", write=True, json={**base, "fleet_partner": p})
            self.req(g, "GET", f"{self.W}/bookings/{quote(p, safe='')}")
            self.req(g, "PATCH", f"{self.W}/bookings/{quote(p, safe='')}", write=True, json={"plate": "A"})
            self.req(g, "DELETE", f"{self.W}/bookings/{quote(p, safe='')}", write=True)
        # Idempotency-Key reuse with another body: refused, nothing stored.
        key = "probe-key-1"
        offered = self.c.get(f"{self.W}/slots", params={"service": "LUBE", "date": DATE}).json()["slots"]
        base = {"service": "LUBE", "drop_off": offered[0]["drop_off"]}
        first = self.req(g, "POST", f"{self.W}/bookings", json=base, headers={"Idempotency-Key": key})
        assert first is not None and first.status_code == 201, first.text if first else None
        other = {**base, "drop_off": offered[-1]["drop_off"]}
        r = self.req(
            g, "POST", f"{self.W}/bookings", write=True, json=other, headers={"Idempotency-Key": key}
        )
        if r is not None and r.status_code < 400:
            self.fail(g, f"Idempotency-Key reused with another body: {r.status_code}")
        for k in (b"", b" ", b"x" * 10_000, b"\t", "é".encode(), b"\xff\xfe", b"../../etc/passwd"):
            self.req(g, "POST", f"{self.W}/bookings", json=base, headers=[(b"idempotency-key", k)])
        # Markup in the texts: stored, then shown on the pages (checked in `pages`).
        r = self.req(
            g,
            "POST",
            f"{self.W}/bookings",
            json={**base, "customer": MARKUP, "vehicle": MARKUP, "plate": "<b>x</b>", "model": MARKUP},
        )
        self.markup_booking = r.json()["id"] if r is not None and r.status_code == 201 else None
        # The day's list with hostile flags.
        for d in DATES:
            self.req(g, "GET", f"{self.W}/bookings", params={"date": d})
        for v in ("maybe", "", "1e3", "\x00"):
            self.req(g, "GET", f"{self.W}/bookings", params={"date": DATE, "pickups": v})

    def patch(self) -> None:
        g = "bookings PATCH"
        url = f"{self.W}/bookings/{self.booking}"
        tag = self.etag(self.booking)
        for m in MOMENTS:
            for force in (False, True):
                self.req(g, "PATCH", url, write=True, json={"parts_eta": m, "force": force})
            self.req(g, "PATCH", url, write=True, json={"drop_off": m})
            self.req(g, "PATCH", url, write=True, json={"plate": "P1"}, params={"now": m})
        for header in ("*", "W/*", '"x"', 'W/"x"', tag + "x", tag + ", " + tag, "", " ", '"' * 300, tag * 50):
            self.req(g, "PATCH", url, write=True, json={"plate": "P1"}, headers={"If-Match": header})
        for m in ("2027-03-28T02:30:00", "2026-11-24T10:00:00-00:00", "2026-11-24T10:00:00+08"):
            self.req(g, "PATCH", url, write=True, json={"parts_eta": m, "force": True})
        self.req(g, "PATCH", url, write=True, json={"force": "yes"})
        self.req(g, "PATCH", url, write=True, json={"service": "ACCIDENT", "force": True, "loan_car": True})
        self.req(
            g, "PATCH", url, write=True, content=b"\xff\xfe", headers={"content-type": "application/json"}
        )

    def clock(self) -> None:
        g = "clock"
        url = f"{self.W}/clock"
        ev = {
            "booking": self.booking,
            "operation": 0,
            "technician": self.tech,
            "action": "start",
            "at": f"{DATE}T09:10:00+08:00",
        }
        now = {"now": CLOCK_NOW}
        for m in MOMENTS:
            self.req(g, "POST", url, write=True, json={**ev, "at": m}, params=now)
            self.req(g, "POST", url, write=True, json=ev, params={"now": m})
        for op in (-1, 2, 19, 20, 2**31, 10**30):
            self.req(g, "POST", url, write=True, json={**ev, "operation": op}, params=now)
        for p in PATHS:
            self.req(g, "POST", url, write=True, json={**ev, "booking": p}, params=now)
            self.req(g, "POST", url, write=True, json={**ev, "technician": p}, params=now)
            self.req(g, "POST", url, write=True, json={**ev, "bay": p}, params=now)
            self.req(g, "POST", f"/v1/workshops/{quote(p, safe='')}/clock", write=True, json=ev, params=now)
        self.req(g, "POST", url, write=True, json={**ev, "bay": "E01x"}, params=now)
        # A real start (booking2's first operation, untouched so far), then corrections: of
        # nothing, of itself, of a correction.
        tech2 = next(
            a["technician"]
            for a in self.plan["assignments"]
            if a["booking"] == self.booking2 and a["operation"] == 0
        )
        ev = {**ev, "booking": self.booking2, "technician": tech2, "at": f"{DATE}T08:10:00+08:00"}
        r = self.req(g, "POST", url, json=ev, params=now, headers={"Idempotency-Key": "clk-1"})
        assert r is not None and r.status_code == 201, r.text if r else None
        started = r.json()["event"]["id"] if "event" in r.json() else r.json().get("id")
        self.req(
            g,
            "POST",
            url,
            write=True,
            json={**ev, "at": f"{DATE}T08:20:00+08:00"},
            params=now,
            headers={"Idempotency-Key": "clk-1"},
        )
        fix = {
            "action": "correct",
            "corrects": started,
            "at": f"{DATE}T08:05:00+08:00",
            "corrected_action": "start",
        }
        r2 = self.req(g, "POST", url, json=fix, params=now)
        corr_id = None
        if r2 is not None and r2.status_code == 201:
            body = r2.json()
            corr_id = body["event"]["id"] if "event" in body else body.get("id")
        for corrects in (corr_id, 10**9, 0, -1, 2**31 - 1, "1", None):
            self.req(g, "POST", url, write=True, json={**fix, "corrects": corrects}, params=now)
        for m in MOMENTS:
            self.req(g, "POST", url, write=True, json={**fix, "at": m}, params=now)
        self.req(g, "POST", url, write=True, json={**fix, "bay": "../x"}, params=now)
        self.req(g, "POST", url, write=True, json={**fix, "corrected_action": "correct"}, params=now)
        # A random stream of mostly well-formed events (seeded).
        for _ in range(120):
            action = self.rng.choice(["start", "pause", "resume", "finish", "correct"])
            minute = self.rng.choice([self.rng.randrange(-3000, 4000), self.rng.randrange(480, 1080)])
            at = (dt.datetime(2026, 11, 24, tzinfo=NOW.tzinfo) + dt.timedelta(minutes=minute)).isoformat()
            body: dict[str, Any] = {"action": action, "at": at}
            if action == "correct":
                body["corrects"] = self.rng.randrange(1, 12)
                body["corrected_action"] = self.rng.choice(["start", "pause", "resume", "finish", None])
                if self.rng.random() < 0.3:
                    body["bay"] = self.rng.choice(["E01", "G01", "nope"])
            else:
                body.update(
                    booking=self.rng.choice([self.booking, self.booking2]),
                    operation=self.rng.randrange(0, 3),
                    technician=self.rng.choice([self.tech, "M01", "X01"]),
                )
                if self.rng.random() < 0.4:
                    body["bay"] = self.rng.choice(["E01", "G01", "G02", "B01", "P01", "nope"])
            n = self.rng.choice([CLOCK_NOW, None, at, "2026-11-20T00:00:00+08:00"])
            self.req(
                g,
                "POST",
                url,
                write=self.rng.random() < 0.3,
                json={k: v for k, v in body.items() if v is not None},
                params={} if n is None else {"now": n},
            )

    def live_day(self) -> None:
        g = "status/stream/events"
        for d in [*DATES, DATE]:
            self.req(g, "GET", f"{self.W}/days/{quote(d, safe='')}/status")
            self.req(g, "GET", f"{self.W}/days/{quote(d, safe='')}/events")
        for m in MOMENTS:
            self.req(g, "GET", f"{self.W}/days/{DATE}/status", params={"now": m})
            self.req(g, "GET", f"{self.W}/days/{DATE}/stream", params={"now": m, "max_events": 1})
        for n in (-1, 0, 10**12, "x", 2**63):
            self.req(g, "GET", f"{self.W}/days/{DATE}/stream", params={"max_events": n})
        for p in PATHS:
            self.req(g, "GET", f"/v1/workshops/{quote(p, safe='')}/days/{DATE}/status")

    def webhooks(self) -> None:
        g = "webhooks"
        url = f"{self.W}/webhooks"
        bad = [
            "file:///etc/passwd",
            "gopher://x/",
            "ftp://example.com/",
            "javascript:alert(1)",
            "http://",
            "http://169.254.169.254/latest/meta-data",
            "http://[::ffff:169.254.169.254]/",
            "http://0.0.0.0/",
            "http://[::]/",
            "http://224.0.0.1/",
            "http://240.0.0.1/",
            "http:///x",
            "//example.com/x",
            "http://exa mple.com/",
            "http://example.com:99999/",
            "http://example.com:-1/",
            "http://xn--/",
            "http://\u200b.com/",
            "https://" + "a" * 70 + ".com/",
            "http://" + "a." * 200 + "com/",
            "http://example.com/" + "x" * 5000,
            "",
            "http://example.com/\x00",
        ]
        for u in bad:  # none may be stored: each would fail at every delivery, or reach what it may not
            r = self.req(g, "POST", url, write=True, json={"url": u, "events": ["booking.at_risk"]})
            if r is not None and r.status_code < 400:
                self.fail(g, f"webhook to {u[:80]!r} stored: {r.status_code}")
        for events in ([], ["nope"], ["booking.at_risk"] * 100, [MARKUP], None, "booking.at_risk"):
            self.req(g, "POST", url, write=True, json={"url": "https://example.com/h", "events": events})
        for secret in ("", "x" * 100_000, "\x00", 5):
            self.req(
                g,
                "POST",
                url,
                write=True,
                json={"url": "https://example.com/h", "events": ["booking.done"], "secret": secret},
            )
        # Decimal and hex forms of the metadata address: a name at creation, refused at delivery.
        from scheduler.webhooks import RefusedAddress, Webhooks

        hooks = Webhooks(self.app.state.services.service, private=True)

        for host in (
            "2852039166",
            "0xA9FEA9FE",
            "169.254.169.254",
            "0251.0376.0251.0376",
            "[::ffff:a9fe:a9fe]",
        ):
            try:
                hooks._pinned(httpx.Request("POST", f"http://{host}/x"))
                self.fail(g, f"delivery to http://{host}/ not refused")
            except (RefusedAddress, httpx.ConnectError, httpx.InvalidURL):
                self.counts[g][0] += 1
        r = self.req(g, "POST", url, json={"url": "https://example.com/h", "events": ["booking.done"]})
        hook = r.json()["id"] if r is not None and r.status_code == 201 else "x"
        for limit in (-1, 0, 10**12, "x", 2**63):
            self.req(g, "GET", f"{url}/{hook}/deliveries", params={"limit": limit})
        for p in PATHS:
            self.req(g, "GET", f"{url}/{quote(p, safe='')}/deliveries")
            self.req(g, "DELETE", f"{url}/{quote(p, safe='')}", write=True)

    def ranges(self) -> None:
        for g, path, extra in (
            ("capacity", "capacity", {}),
            ("reports", "reports/productivity", {}),
            ("reports", "reports/productivity", {"format": "csv"}),
            ("labour-times", "labour-times", {}),
        ):
            pairs = [
                (DATE, "2026-11-20"),
                ("2026-11-01", "2036-11-01"),
                ("0001-01-01", "9999-12-31"),
                (DATE, DATE),
                ("2026-11-24", "2027-01-24"),
                ("2026-11-24", "2027-01-25"),
                ("9999-12-31", "9999-12-31"),
                ("0001-01-01", "0001-01-01"),
            ]
            pairs += [(self.rng.choice(DATES), self.rng.choice(DATES)) for _ in range(12)]
            for first, last in pairs:
                self.req(g, "GET", f"{self.W}/{path}", params={"from": first, "to": last, **extra})
        g = "reports"
        for group in ("technician", "grade", "workshop", "x", "", MARKUP):
            for fmt in ("json", "csv", "html", "", "../x"):
                self.req(
                    g,
                    "GET",
                    f"{self.W}/reports/productivity",
                    params={"group": group, "format": fmt, "labels": self.rng.choice(["true", "x", "zh-CN"])},
                )
        g = "labour-times"
        for m in MOMENTS:
            self.req(g, "GET", f"{self.W}/labour-times", params={"now": m})
            self.req(g, "POST", f"{self.W}/labour-times/apply", write=True, params={"now": m})
        for first, last in ((DATE, "2026-11-20"), ("0001-01-01", "9999-12-31"), ("2016-01-01", "2026-11-23")):
            for force in ("true", "false", "x"):
                self.req(
                    g,
                    "POST",
                    f"{self.W}/labour-times/apply",
                    write=True,
                    params={"from": first, "to": last, "force": force},
                )

    def workshops(self) -> None:
        g = "workshops"
        base = load_scenario("small-dealer").workshop.model_dump(mode="json")
        edits: list[tuple[str, Any]] = [
            ("timezone", "../../etc/passwd"),
            ("timezone", "localtime"),
            ("timezone", "posix/UTC"),
            ("timezone", "UTC" + "/x" * 100),
            ("loan_cars", -1),
            ("loan_cars", 10**9),
            ("promise_confidence", 1.5),
            ("promise_confidence", float("nan")),
            ("overbooking", [{"pool": "maintenance:1", "overbooking_percent": 1e9}]),
            ("overbooking", [{"pool": "../x", "overbooking_percent": 5}]),
            ("overbooking", [{"pool": "maintenance:1", "overbooking_percent": -5}]),
            ("closed_days", ["0001-01-01", "9999-12-31"]),
            ("opening", {"start": "17:00", "end": "08:00"}),
            ("opening", {"start": "00:00", "end": "24:00"}),
            ("advisors", []),
        ]
        for field, value in edits:
            body = json.loads(json.dumps(base))
            body[field] = value
            self.req(
                g,
                "PUT",
                self.W,
                write=True,
                content=json.dumps(body, allow_nan=True),
                headers={"content-type": "application/json"},
                params={"force": "true"},
            )
        for minutes in (-1, 0, 10**9, 2**63, 1e308):
            body = json.loads(json.dumps(base))
            body["services"][0]["operations"][0]["minutes"] = minutes
            self.req(g, "PUT", self.W, write=True, json=body, params={"force": "true"})
        for p in PATHS:
            body = json.loads(json.dumps(base))
            body["id"] = p
            self.req(g, "PUT", f"/v1/workshops/{quote(p, safe='')}", write=True, json=body)
            self.req(g, "GET", f"/v1/workshops/{quote(p, safe='')}")
        for v in ("-1", "0", str(2**63), "x", "1e3"):
            self.req(g, "GET", f"{self.W}/versions/{v}")
        for m in MOMENTS:
            self.req(g, "PUT", self.W, write=True, json=base, params={"now": m, "force": "true"})
        # Changes that break the accepted bookings, without force: a 409 listing them, nothing stored.
        current = self.c.get(self.W).json()
        breaking: list[tuple[str, Any]] = [
            ("services", [x for x in current["services"] if x["code"] not in ("MAINT", "ACCIDENT")]),
            ("technicians", current["technicians"][:1]),
            ("bays", current["bays"][:1]),
            ("timezone", "America/St_Johns"),
            ("opening", {"start": "12:00", "end": "13:00"}),
            ("closed_days", [DATE]),
            ("loan_cars", 0),
            ("advisors", current["advisors"][:1]),
        ]
        for field, value in breaking:
            body = {**current, field: value}
            r = self.req(g, "PUT", self.W, write=True, json=body)
            if r is not None and r.status_code == 200:
                print(f"workshop change of {field} without force: 200 (breaks nothing)")
        # A booking cancelled twice, then changed.
        gone = self.book(
            "LUBE",
            self.c.get(f"{self.W}/slots", params={"service": "LUBE", "date": "2026-11-25"}).json()["slots"][
                0
            ]["drop_off"],
        )
        tag = self.etag(gone)
        self.req(g, "DELETE", f"{self.W}/bookings/{gone}", headers={"If-Match": tag})
        self.req(g, "DELETE", f"{self.W}/bookings/{gone}", write=True, headers={"If-Match": tag})
        self.req(g, "PATCH", f"{self.W}/bookings/{gone}", write=True, json={"plate": "X"})
        self.req(
            g,
            "POST",
            f"{self.W}/clock",
            write=True,
            params={"now": CLOCK_NOW},
            json={
                "booking": gone,
                "operation": 0,
                "technician": "X01",
                "action": "start",
                "at": "2026-11-25T09:00:00+08:00",
            },
        )

    def markup_workshop(self) -> None:
        """Names with markup in a workshop of its own, for the pages."""
        g = "workshops"
        body = load_scenario("small-dealer").workshop.model_dump(mode="json")
        body["id"] = "markup-shop"
        body["name"] = MARKUP
        body["name_i18n"] = {"zh-CN": MARKUP}
        body["technicians"][0]["name"] = MARKUP
        body["technicians"][1]["name_i18n"] = {"zh-CN": "<img src=x onerror=alert(1)>"}
        body["services"][0]["name"] = MARKUP
        body["services"][0]["operations"][0]["name"] = "<b>op</b>"
        body["bay_kind_names"]["general"]["name"] = "<i>gen</i>"
        body["advisors"][0]["name"] = MARKUP
        r = self.req(g, "PUT", "/v1/workshops/markup-shop", json=body)
        assert r is not None and r.status_code == 200, r.text if r else None
        W = "/v1/workshops/markup-shop"
        lube = body["services"][0]["code"]
        slots = self.c.get(f"{W}/slots", params={"service": lube, "date": DATE}).json().get("slots", [])
        if slots:
            self.c.post(
                f"{W}/bookings",
                json={
                    "service": lube,
                    "drop_off": slots[0]["drop_off"],
                    "customer": MARKUP,
                    "plate": "<b>P</b>",
                    "vehicle": MARKUP,
                },
            )
        for service in ("MAINT", "ACCIDENT"):
            s = self.c.get(f"{W}/slots", params={"service": service, "date": DATE}).json().get("slots", [])
            if s:
                self.c.post(
                    f"{W}/bookings",
                    json={"service": service, "drop_off": s[0]["drop_off"], "customer": MARKUP},
                )
        self.c.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1})

    def overbooking(self) -> None:
        """A workshop that overbooks its maintenance pool: booked beyond the witness, then hostile
        changes and queries on the overbooked bookings."""
        g = "overbooking"
        body = load_scenario("small-dealer").workshop.model_dump(mode="json")
        body["id"] = "ob-shop"
        body["overbooking"] = [{"pool": "maintenance:1", "overbooking_percent": 50}]
        body["loan_cars"] = 1
        r = self.req(g, "PUT", "/v1/workshops/ob-shop", json=body)
        assert r is not None and r.status_code == 200, r.text if r else None
        W = "/v1/workshops/ob-shop"
        booked: list[str] = []
        for i in range(40):
            offered = self.c.get(f"{W}/slots", params={"service": "LUBE", "date": DATE})
            found = offered.json().get("slots", []) if offered.status_code == 200 else []
            if not found:
                break
            pick = found[self.rng.randrange(len(found))]
            r = self.req(
                g,
                "POST",
                f"{W}/bookings",
                json={"service": "LUBE", "drop_off": pick["drop_off"], "loan_car": i % 3 == 0},
            )
            if r is not None and r.status_code == 201:
                booked.append(r.json()["id"])
        overbooked = [b for b in booked if self.c.get(f"{W}/bookings/{b}").json().get("overbooked")]
        print(f"overbooking: {len(booked)} booked, {len(overbooked)} overbooked")
        for service in ("LUBE", "MAINT", "ACCIDENT"):
            self.req(
                g,
                "GET",
                f"{W}/slots",
                params={"service": service, "date": DATE, "explain": "true", "loan_car": "true"},
            )
        self.req(g, "GET", f"{W}/capacity", params={"from": DATE, "to": DATE})
        self.req(g, "GET", "/workshops/ob-shop/loading")
        self.req(g, "POST", f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1})
        for b in (overbooked or booked)[:4]:
            url = f"{W}/bookings/{b}"
            for change in (
                {"drop_off": f"{DATE}T08:00:00"},
                {"parts_eta": f"{DATE}T12:00:00", "force": True},
                {"parts_eta": "2199-12-31T23:59:00+08:00", "force": True},
                {"service": "ACCIDENT", "force": True},
                {"loan_car": True, "force": True},
                {"drop_off": "2026-11-25T08:00:00+08:00", "force": True},
                {"waiter": True, "force": True},
            ):
                self.req(g, "PATCH", url, write=True, json=change)
            self.req(g, "DELETE", url, write=True, headers={"If-Match": '"nope"'})
        self.req(g, "GET", f"{W}/days/{DATE}/status")
        self.req(g, "GET", f"{W}/bookings", params={"date": DATE, "pickups": "true"})
        self.req(g, "GET", f"{W}/bookings.csv", params={"date": DATE, "pickups": "true"})

    def pages(self) -> None:
        g = "pages"
        raw = ("<script>alert", "<img src=x", "<b>op</b>", "<i>gen</i>", "<b>P</b>", "<b>x</b>")
        for shop in ("markup-shop", self.ws):
            for path in (
                f"/workshops/{shop}/plan/{DATE}",
                f"/workshops/{shop}/plan/{DATE}?rows=technicians",
                f"/workshops/{shop}/book",
                f"/workshops/{shop}/loading",
                f"/workshops/{shop}/reports",
                f"/workshops/{shop}/me",
                "/",
                f"/workshops/{shop}/plan/{DATE}?lang=zh-CN",
            ):
                for headers in ({}, {"Accept-Language": "zh-CN"}):
                    r = self.req(g, "GET", path, headers=headers)
                    if r is not None and r.status_code == 200:
                        found = [h for h in raw if h in r.text]
                        if found:
                            self.fail(g, f"GET {path} {headers}: raw markup {found}")
        # The printouts of the markup workshop: reportlab's Paragraph reads markup of its own.
        techs = [
            t["id"] for t in load_scenario("small-dealer").workshop.model_dump(mode="json")["technicians"]
        ]
        for path in (
            f"/workshops/markup-shop/plan/{DATE}/cards.pdf",
            *(f"/workshops/markup-shop/plan/{DATE}/technicians/{t}.pdf" for t in techs),
        ):
            for headers in ({}, {"Accept-Language": "zh-CN"}):
                r = self.req(g, "GET", path, headers=headers)
                if r is not None and r.status_code == 200 and not r.content.startswith(b"%PDF"):
                    self.fail(g, f"GET {path}: 200 but not a PDF")
        for p in PATHS:
            q = quote(p, safe="")
            for path in (
                f"/workshops/{q}/plan/{DATE}",
                f"/workshops/{self.ws}/plan/{q}",
                f"/workshops/{q}/book",
                f"/workshops/{self.ws}/plan/{DATE}/technicians/{q}.pdf",
                f"/simulations/{q}",
                f"/lang/{q}",
                f"/workshops/{q}/loading",
                f"/workshops/{q}/reports",
            ):
                r = self.req(g, "GET", path, headers={"Accept": "text/html"})
                if (
                    r is not None
                    and r.status_code >= 400
                    and "text/html" not in r.headers.get("content-type", "")
                ):
                    self.fail(g, f"GET {path}: a browser opening a page got {r.status_code} as JSON")
                if r is not None and ("etc/passwd" in r.text and "root:" in r.text):
                    self.fail(g, f"GET {path}: a server file in the answer")
                if r is not None and "<script>" in r.text and "alert" in r.text:
                    self.fail(g, f"GET {path}: raw markup")
        for d in DATES:
            self.req(g, "GET", f"/workshops/{self.ws}/plan/{quote(d, safe='')}")
            self.req(g, "GET", f"/workshops/{self.ws}/plan/{quote(d, safe='')}/cards.pdf")
        for params in (
            {"from": "2026-11-24", "to": "2036-11-24"},
            {"from": DATE, "to": "2026-11-01"},
            {"from": "0001-01-01"},
            {"date": "9999-12-31"},
            {"from": MARKUP},
        ):
            for page in ("loading", "reports", "book"):
                r = self.req(g, "GET", f"/workshops/{self.ws}/{page}", params=params)
                if r is not None and "<script>alert" in r.text:
                    self.fail(g, f"GET {page} {params}: raw markup")
        for next_ in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
            r = self.req(g, "POST", "/login", data={"key": "nope", "next": next_}, follow_redirects=False)
            loc = r.headers.get("location", "") if r is not None else ""
            if not _local(loc):
                self.fail(g, f"login next={next_}: redirected to {loc}")
            r = self.req(g, "GET", f"/lang/zh-CN?next={quote(next_)}", follow_redirects=False)
            loc = r.headers.get("location", "") if r is not None else ""
            if not _local(loc):
                self.fail(g, f"lang next={next_}: redirected to {loc}")

    def exchange(self) -> None:
        g = "CSV import/export"
        url = f"{self.W}/bookings/import"
        files = [
            b"",
            b"\xef\xbb\xbf",
            b"\xff\xfe\x00s",
            b"service,drop_off\r\n",
            b"service\r\nLUBE\r\n",
            b"service,drop_off,nope\r\nLUBE,2026-11-24T10:00:00+08:00,1\r\n",
            b"service,drop_off,service\r\nLUBE,2026-11-24T10:00:00+08:00,LUBE\r\n",
            b'service,drop_off\r\n"LUBE,2026-11-24T10:00:00+08:00\r\n',
            b"service,drop_off\r\nLUBE,2026-11-24T10:00:00\r\n",
            b"service,drop_off\r\nLUBE,2026-11-24T10:00:00+08:00,extra,extra\r\n",
            b"service,drop_off\r\nLUBE\r\n",
            b"service,drop_off\r\n\x00,\x00\r\n",
            b"service,drop_off\r\n=cmd|' /C calc'!A0,2026-11-24T10:00:00+08:00\r\n",
            b"service,drop_off,customer\r\nLUBE,2026-11-24T10:00:00+08:00," + b"x" * 100_000 + b"\r\n",
            b"service,drop_off\r\n" + b"LUBE,0001-01-01T00:00:00+00:00\r\n" * 3,
            b"service,drop_off\r\nLUBE,9999-12-31T23:59:59-14:00\r\n",
            b"service,drop_off,priority\r\nLUBE,2026-11-24T10:00:00+08:00,99999999999999999999999\r\n",
            b"service,drop_off,waiter\r\nLUBE,2026-11-24T10:00:00+08:00,maybe\r\n",
            b"service,drop_off,idempotency_key\r\nLUBE,2026-11-24T10:00:00+08:00,k\r\nMAINT,2026-11-24T10:00:00+08:00,k\r\n",
            b"service,drop_off,parts_eta\r\nMAINT,2026-11-24T10:00:00+08:00,2026-11-24T12:00\r\n",
            b"\n\n\n",
            b"a" * 200_000,
            b",,,,\r\n,,,,\r\n",
            b"service,drop_off\r" + b"\r" * 1000,
        ]
        for body in files:
            self.req(g, "POST", url, write=True, content=body, headers={"content-type": "text/csv"})
        for ct in ("application/json", "text/plain", "multipart/form-data", "text/csv; charset=latin-1"):
            self.req(g, "POST", url, write=True, content=files[8], headers={"content-type": ct})
        for m in MOMENTS[:8]:
            self.req(
                g,
                "POST",
                url,
                write=True,
                content=files[8],
                headers={"content-type": "text/csv"},
                params={"now": m},
            )
        for d in DATES:
            self.req(g, "GET", f"{self.W}/plans/{quote(d, safe='')}.csv")
            self.req(g, "GET", f"{self.W}/bookings.csv", params={"date": d})
            self.req(g, "GET", f"{self.W}/technicians/{self.tech}/day/{quote(d, safe='')}.ics")
        for lang in ("", "xx", "../..", "zh-CN" * 100, MARKUP):
            self.req(g, "GET", f"{self.W}/plans/{DATE}.csv", params={"lang": lang})
        for p in PATHS:
            self.req(g, "GET", f"{self.W}/technicians/{quote(p, safe='')}/day/{DATE}.ics")

    def plans_jobs(self) -> None:
        g = "plans/jobs/keys"
        for d in DATES:
            self.req(g, "POST", f"{self.W}/plans", write=True, json={"date": d, "time_limit_seconds": 1})
            self.req(g, "GET", f"{self.W}/plans/{quote(d, safe='')}")
        for t in (0, -1, 1e308, float("inf"), 10**9):
            self.req(
                g,
                "POST",
                f"{self.W}/plans",
                write=True,
                content=json.dumps({"date": DATE, "time_limit_seconds": t}),
                headers={"content-type": "application/json"},
            )
        for p in PATHS:
            self.req(g, "GET", f"/v1/jobs/{quote(p, safe='')}")
            self.req(g, "DELETE", f"/v1/jobs/{quote(p, safe='')}", write=True)
            self.req(g, "DELETE", f"/v1/keys/{quote(p, safe='')}", write=True)
        for body in (
            {"role": "admin", "scopes": ["*"], "name": MARKUP},
            {"role": "x"},
            {"role": "admin", "workshops": ["../x"]},
        ):
            self.req(g, "POST", "/v1/keys", json=body)
        for rules in ("../../etc/passwd", "/etc/passwd", "x" * 5000):
            self.req(
                g,
                "POST",
                "/v1/simulations",
                write=True,
                json={"scenario": "small-dealer", "rules": rules, "replications": 2},
            )
            self.req(g, "POST", "/v1/simulations", write=True, json={"scenario": rules, "replications": 2})

    def auth(self) -> None:
        """Keys on: hostile API keys, session cookies, sign-ins and key requests (its own app and
        database, swapped in for this step)."""
        from scheduler.keys import KeyStore
        from scheduler.storage import Store

        g = "auth (keys, sessions)"
        kept = (self.app, self.c, self.db)
        self.db = f"sqlite:///{self.dir / 'auth.db'}"
        self.app = create_app(self.db, auth=True, clock=FixedClock(NOW))
        self.c = TestClient(self.app, raise_server_exceptions=False)
        try:
            admin, _ = KeyStore(Store(self.db)).create("admin", ["*"], "probe")
            ws = load_scenario("small-dealer").workshop
            r = self.c.put(
                f"/v1/workshops/{ws.id}",
                content=ws.model_dump_json(),
                headers={"content-type": "application/json", "X-API-Key": admin},
            )
            assert r.status_code == 200, r.text
            W = f"/v1/workshops/{ws.id}"
            keys: list[bytes] = [
                b"",
                b" ",
                b"bp_",
                b"bp_" + b"x" * 10_000,
                admin.encode() + b"\x00",
                admin.encode() + b" ",
                "é".encode(),
                b"\xff\xfe",
                b"../../etc/passwd",
                admin[:-1].encode(),
                admin.encode().upper(),
            ]
            for key in keys:
                for method, path in (
                    ("GET", W),
                    ("GET", f"{W}/slots?service=LUBE&date={DATE}"),
                    ("POST", f"{W}/clock"),
                    ("GET", "/v1/keys"),
                    ("GET", f"/workshops/{ws.id}/book"),
                ):
                    self.req(g, method, path, write=method == "POST", headers=[(b"x-api-key", key)], json={})
            for cookie in ("", "x", "x" * 5000, "\x00", "bp_session=" + "a" * 100, admin):
                for path in ("/", f"/workshops/{ws.id}/plan/{DATE}", f"/workshops/{ws.id}/me"):
                    self.req(
                        g,
                        "GET",
                        path,
                        headers=[
                            (b"cookie", f"bayplan_session={cookie}".encode("latin-1", "replace")),
                            (b"accept", b"text/html"),
                        ],
                    )
            for key in ("", "x" * 100_000, "é", admin + "\x00", admin):
                for origin in ("http://testserver", "https://evil.example", ""):
                    headers = {"origin": origin} if origin else {}
                    self.req(
                        g,
                        "POST",
                        "/login",
                        data={"key": key, "next": "/"},
                        headers=headers,
                        follow_redirects=False,
                    )
            self.req(g, "POST", "/logout", headers={"origin": "http://testserver"}, follow_redirects=False)
            bodies: list[Any] = [
                {"role": "admin", "workshops": ["*"], "label": MARKUP},
                {"role": "technician", "workshops": [ws.id]},
                {"role": "technician", "workshops": [ws.id], "technician": "../../x"},
                {"role": "technician", "workshops": [ws.id, "other"], "technician": "X01"},
                {"role": "booking", "workshops": []},
                {"role": "booking", "workshops": ["../x"] * 1000},
                {"role": "manager", "workshops": [ws.id], "label": "x" * 100_000},
                {"role": "nobody", "workshops": [ws.id]},
                {"role": ["admin"], "workshops": [ws.id]},
            ]
            for body in bodies:
                self.req(g, "POST", "/v1/keys", json=body, headers={"X-API-Key": admin})
            for key_id in ("../x", "K-" + "0" * 1000, "%00"):
                self.req(g, "DELETE", f"/v1/keys/{key_id}", write=True, headers={"X-API-Key": admin})
            listed = self.c.get("/v1/keys", headers={"X-API-Key": admin})
            if MARKUP in listed.text and "<script>" in listed.headers.get("content-type", ""):
                self.fail(g, "keys list served as markup")
        finally:
            self.app, self.c, self.db = kept

    def run(self) -> int:
        self.setup()
        for step in (
            self.slots,
            self.bookings,
            self.patch,
            self.clock,
            self.live_day,
            self.webhooks,
            self.ranges,
            self.workshops,
            self.markup_workshop,
            self.overbooking,
            self.pages,
            self.exchange,
            self.plans_jobs,
            self.auth,
            self.cache_bound,
        ):
            try:
                step()
            except Exception:
                self.fail(step.__name__, f"the probe itself broke:\n{traceback.format_exc()[-2000:]}")
            print(f"{step.__name__}: done", flush=True)
        total = 0
        print("\nrequests per group (status: count; -1 an exception, 0 a check outside HTTP)")
        for group, counts in self.counts.items():
            n = sum(counts.values())
            total += n
            print(f"  {group:24} {n:5}  {dict(sorted(counts.items()))}")
        print(f"  {'total':24} {total:5}")
        print(f"\nfailures: {len(self.failures)}")
        for f in self.failures:
            print(" -", f)
        return 1 if self.failures else 0


def _fresh_postgres(server: str) -> tuple[str, sa.Engine]:
    """A new database on the PostgreSQL server `server` (HOSTILE_PG), and the engine to drop it with."""
    name = f"hostile_s40_{os.getpid()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return server.rsplit("/", 1)[0] + "/" + name, admin


def main() -> int:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    server = os.environ.get("HOSTILE_PG")
    if not server:
        return Probe(seed).run()
    url, admin = _fresh_postgres(server)
    try:
        return Probe(seed, url).run()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))


if __name__ == "__main__":
    sys.exit(main())
