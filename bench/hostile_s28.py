"""A hostile-input probe of the routes sessions 26-27 added or changed (loan cars, the loading chart,
explain, clock events, ETag / If-Match), in process on a fixed clock: hypothesis draws hostile
values (control characters, huge and negative numbers, far dates and offsets, odd header values)
into each route's fields one at a time and counts the answers by status; any 5xx or exception is
printed with its request. Not a benchmark:
`python -m bench.hostile_s28 [examples per target] [target ...]`."""

from __future__ import annotations

import collections
import datetime as dt
import logging
import re
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.scenarios import load_scenario

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 17, 30, tzinfo=TZ)
DATE = "2026-11-24"

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(
        alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Co"]), max_size=10
    ),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "null",
            "true",
            "-1",
            "1e309",
            "NaN",
            "'",
            '"',
            "*",
            "W/*",
            'W/"x"',
            "%(x)s",
            "{x}",
            "../..",
            "=1+1",
            "x" * 5000,
            "\ud7ff",
            "\U0010ffff",
            "0" * 400,
        ]
    ),
)
HOSTILE_MOMENT = st.one_of(
    st.sampled_from(
        [
            "0001-01-01T00:00:00+00:00",
            "9999-12-31T23:59:59+00:00",
            f"{DATE}T08:00:00+23:59",
            f"{DATE}T08:00:00-23:59",
            f"{DATE}T08:00:00",
            f"{DATE}T24:00:00+08:00",
            f"{DATE}T08:00:60+08:00",
            "2199-12-31T23:59:00-12:00",
            "2000-01-01T00:00:00+14:00",
            f"{DATE}T08:00:00.999999999+08:00",
            f"{DATE}T08:00:00Z",
            "1e10",
            "-1",
            "",
            f"{DATE}",
            "2026-02-29T08:00:00+08:00",
        ]
    ),
    st.datetimes(
        min_value=dt.datetime(1, 1, 2),
        max_value=dt.datetime(9999, 12, 30),
        timezones=st.sampled_from([dt.UTC, TZ, ZoneInfo("America/St_Johns")]),
    ).map(dt.datetime.isoformat),
)
HOSTILE_DATE = st.one_of(
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "1999-12-31",
            "2200-01-01",
            "2000-01-01",
            "2199-12-31",
            DATE,
            "2026-13-01",
            "2026-02-30",
            "20261124",
            "-2026-11-24",
            "",
            "0",
        ]
    ),
    st.dates().map(dt.date.isoformat),
)
HOSTILE_NUMBER = st.one_of(
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.sampled_from([2**63, -(2**63) - 1, 2**31, 10**100, "1", "1.0", [], {}]),
)
ANY_VALUE = st.one_of(HOSTILE_TEXT, HOSTILE_NUMBER, HOSTILE_MOMENT)


def setup() -> tuple[TestClient, dict[str, Any]]:
    db = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bayplan-hostile-')) / 'h.db'}"
    client = TestClient(create_app(db, auth=False, clock=FixedClock(NOW)), raise_server_exceptions=False)
    ws = load_scenario("small-dealer").workshop.model_copy(update={"loan_cars": 2})
    put = client.put(
        f"/v1/workshops/{ws.id}", content=ws.model_dump_json(), headers={"content-type": "application/json"}
    )
    assert put.status_code == 200, put.text
    booked = client.post(
        f"/v1/workshops/{ws.id}/bookings",
        json={"service": "MAINT", "drop_off": f"{DATE}T09:00:00+08:00", "loan_car": True},
    )
    assert booked.status_code == 201, booked.text
    return client, {"ws": ws.id, "booking": booked.json()["id"], "etag": booked.headers.get("etag", "")}


Target = Callable[[TestClient, dict[str, Any], Any], Any]


def targets() -> dict[str, tuple[st.SearchStrategy[Any], Target]]:
    def slots(c: TestClient, k: dict[str, Any], v: tuple[str, Any]) -> Any:
        params = {"service": "MAINT", "date": DATE, "loan_car": "true", "explain": "true", v[0]: v[1]}
        return c.get(f"/v1/workshops/{k['ws']}/slots", params=params)

    def book(c: TestClient, k: dict[str, Any], v: tuple[str, Any]) -> Any:
        body = {"service": "MAINT", "drop_off": f"{DATE}T10:00:00+08:00", "loan_car": True, v[0]: v[1]}
        return c.post(f"/v1/workshops/{k['ws']}/bookings", json=body)

    def patch(c: TestClient, k: dict[str, Any], v: tuple[str, Any, Any]) -> Any:
        headers = {} if v[2] is None else {"If-Match": v[2]}
        return c.patch(f"/v1/workshops/{k['ws']}/bookings/{k['booking']}", json={v[0]: v[1]}, headers=headers)

    def if_match(c: TestClient, k: dict[str, Any], v: bytes) -> Any:
        return c.patch(
            f"/v1/workshops/{k['ws']}/bookings/{k['booking']}",
            json={"plate": "A1"},
            headers=[(b"if-match", v)],
        )

    def clock(c: TestClient, k: dict[str, Any], v: tuple[str, Any, Any]) -> Any:
        body = {
            "booking": k["booking"],
            "operation": 0,
            "technician": "M01",
            "action": "start",
            "at": f"{DATE}T09:30:00+08:00",
            v[0]: v[1],
        }
        return c.post(f"/v1/workshops/{k['ws']}/clock", json=body, params={"now": v[2]})

    def capacity(c: TestClient, k: dict[str, Any], v: tuple[Any, Any]) -> Any:
        return c.get(f"/v1/workshops/{k['ws']}/capacity", params={"from": v[0], "to": v[1]})

    def status(c: TestClient, k: dict[str, Any], v: tuple[Any, Any]) -> Any:
        return c.get(f"/v1/workshops/{k['ws']}/days/{v[0]}/status", params={"now": v[1]})

    def workshop(c: TestClient, k: dict[str, Any], v: tuple[str, Any]) -> Any:
        body = load_scenario("small-dealer").workshop.model_dump(mode="json")
        body[v[0]] = v[1]
        return c.put(f"/v1/workshops/{k['ws']}", json=body, params={"force": "true"})

    def clock_shaped(c: TestClient, k: dict[str, Any], v: tuple[Any, ...]) -> Any:
        action, op, tech, minute, corrects, corrected, now = v
        if action != "correct":  # mostly well-formed: the checks past the schema are the target
            corrects = corrected = None
        at = (dt.datetime(2026, 11, 24, tzinfo=TZ) + dt.timedelta(minutes=minute)).isoformat()
        body = {
            "booking": k["booking"],
            "operation": op,
            "technician": tech,
            "action": action,
            "at": at,
            "corrects": corrects,
            "corrected_action": corrected,
        }
        return c.post(
            f"/v1/workshops/{k['ws']}/clock",
            json={x: y for x, y in body.items() if y is not None},
            params={} if now is None else {"now": now},
        )

    def patch_shaped(c: TestClient, k: dict[str, Any], v: tuple[Any, ...]) -> Any:
        minute, loan, eta, force, tag = v
        body: dict[str, Any] = {
            "drop_off": (dt.datetime(2026, 11, 24, tzinfo=TZ) + dt.timedelta(minutes=minute)).isoformat(),
            "loan_car": loan,
            "force": force,
        }
        if eta is not None:
            body["parts_eta"] = (dt.datetime(2026, 11, 24, tzinfo=TZ) + dt.timedelta(minutes=eta)).isoformat()
        headers = {"If-Match": k["etag"]} if tag else {}
        return c.patch(f"/v1/workshops/{k['ws']}/bookings/{k['booking']}", json=body, headers=headers)

    def explain_shaped(c: TestClient, k: dict[str, Any], v: tuple[Any, ...]) -> Any:
        service, day, loan, eta, waiter = v
        params = {
            "service": service,
            "date": (dt.date(2026, 11, 24) + dt.timedelta(days=day)).isoformat(),
            "loan_car": loan,
            "explain": "true",
            "waiter": waiter,
        }
        if eta is not None:
            params["parts_eta"] = (
                dt.datetime(2026, 11, 24, tzinfo=TZ) + dt.timedelta(minutes=eta)
            ).isoformat()
        return c.get(f"/v1/workshops/{k['ws']}/slots", params=params)

    minutes = st.one_of(st.integers(-3000, 4000), st.integers(470, 1080), st.integers(470, 1080))
    shaped = {
        "clock_shaped": (
            st.tuples(
                st.sampled_from(["start", "pause", "resume", "finish", "correct"]),
                st.integers(-1, 4),
                st.sampled_from(["M01", "M02", "X01", "nobody"]),
                minutes,
                st.one_of(st.none(), st.integers(0, 50)),
                st.one_of(st.none(), st.sampled_from(["start", "finish", "pause"])),
                st.one_of(
                    st.none(),
                    st.just("2027-01-01T00:00:00+08:00"),
                    st.just("2027-01-01T00:00:00+08:00"),
                    minutes.map(
                        lambda m: (dt.datetime(2026, 11, 24, tzinfo=TZ) + dt.timedelta(minutes=m)).isoformat()
                    ),
                ),
            ),
            clock_shaped,
        ),
        "patch_shaped": (
            st.tuples(minutes, st.booleans(), st.one_of(st.none(), minutes), st.booleans(), st.booleans()),
            patch_shaped,
        ),
        "explain_shaped": (
            st.tuples(
                st.sampled_from(["MAINT", "ACCIDENT", "ACC-PAINT", "LUBE"]),
                st.integers(-2, 400),
                st.booleans(),
                st.one_of(st.none(), minutes),
                st.booleans(),
            ),
            explain_shaped,
        ),
    }
    fields = st.sampled_from(
        ["service", "date", "loan_car", "parts_eta", "explain", "now", "fleet_partner", "waiter"]
    )
    return {
        "slots": (st.tuples(fields, st.one_of(HOSTILE_TEXT, HOSTILE_MOMENT, HOSTILE_DATE)), slots),
        "book": (
            st.tuples(
                st.sampled_from(
                    [
                        "loan_car",
                        "parts_eta",
                        "drop_off",
                        "customer",
                        "plate",
                        "priority",
                        "fleet_partner",
                        "waiter",
                    ]
                ),
                ANY_VALUE,
            ),
            book,
        ),
        "patch": (
            st.tuples(
                st.sampled_from(["loan_car", "parts_eta", "drop_off", "plate", "force", "service"]),
                ANY_VALUE,
                st.one_of(st.none(), HOSTILE_TEXT.filter(_header_safe)),
            ),
            patch,
        ),
        "if_match": (st.binary(max_size=60), if_match),
        "clock": (
            st.tuples(
                st.sampled_from(
                    ["operation", "technician", "action", "at", "corrects", "corrected_action", "booking"]
                ),
                ANY_VALUE,
                st.one_of(st.none(), HOSTILE_MOMENT),
            ),
            clock,
        ),
        "capacity": (st.tuples(HOSTILE_DATE, HOSTILE_DATE), capacity),
        "status": (st.tuples(HOSTILE_DATE, st.one_of(st.none(), HOSTILE_MOMENT)), status),
        **shaped,
        "workshop": (
            st.tuples(
                st.sampled_from(
                    [
                        "loan_cars",
                        "promise_confidence",
                        "name",
                        "advisors",
                        "opening",
                        "closed_days",
                        "overbooking",
                    ]
                ),
                ANY_VALUE,
            ),
            workshop,
        ),
    }


def _header_safe(text: str) -> bool:
    """What an HTTP client sends as a header value at all (latin-1, no line breaks, no NUL)."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return not any(ch in text for ch in "\r\n\x00")


def _probe(name: str, call: Target, client: TestClient, known: dict[str, Any], failures: list[str]) -> Any:
    """One target's probe: each drawn value sent, the answers counted by status (-1: the client
    could not send it, e.g. a header it cannot encode; the kinds of those in `refused`)."""
    counts: collections.Counter[int] = collections.Counter()
    refused: collections.Counter[str] = collections.Counter()
    slowest = [0.0]

    def probe(value: Any) -> None:
        try:
            answer = call(client, known, value)
        except Exception as exc:  # raised by the client (the app's own errors are 500s here)
            counts[-1] += 1
            refused[type(exc).__name__] += 1
            return
        counts[answer.status_code] += 1
        seconds = answer.elapsed.total_seconds() if hasattr(answer, "elapsed") else 0.0
        slowest[0] = max(slowest[0], seconds)
        if answer.status_code >= 500:
            failures.append(f"{name} {value!r}: {answer.status_code} {answer.text[:300]}")

    return probe, counts, refused, slowest


class _Errors(logging.Handler):
    """The errors bayplan logs (a live re-plan that failed, the stored plan kept): findings too."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[re.sub(r"\d", "#", record.getMessage())[:200]] += 1


def main(examples: int, only: list[str]) -> int:
    errors = _Errors()
    logging.getLogger("bayplan").addHandler(errors)
    client, known = setup()
    failures: list[str] = []
    chosen = set(only)
    for name, (strategy, call) in targets().items():
        if chosen and name not in chosen:
            continue
        probe, counts, refused, slowest = _probe(name, call, client, known, failures)
        run = settings(
            max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )(given(strategy)(probe))
        run()
        print(
            f"{name:14} {dict(sorted(counts.items()))} {dict(refused)} slowest {slowest[0]:.2f} s", flush=True
        )
    for line in failures:
        print("5xx:", line)
    for message, count in errors.seen.most_common():
        print(f"logged error x{count}: {message}")
    print(f"{len(failures)} server errors, {sum(errors.seen.values())} errors logged")
    return 1 if failures or errors.seen else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, sys.argv[2:]))
