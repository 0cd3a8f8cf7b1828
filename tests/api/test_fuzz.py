"""Schemathesis against the app's own OpenAPI: generated requests never get a 5xx, and every
response matches the schema (status codes, bodies, content types). Keys on, with an admin key.

`make test` runs a derandomized sample (the same examples every run: CI does not depend on luck);
the README gives the wider randomized run (BAYPLAN_FUZZ_RANDOM=1 BAYPLAN_FUZZ_EXAMPLES=200)."""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
import schemathesis.specs.openapi.checks as checks
from hypothesis import HealthCheck, settings

from api.app import create_app
from scheduler.keys import KeyStore
from scheduler.scenarios import load_scenario
from scheduler.storage import Store
from tests.builders import DATE, fixed_clock

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

# A TemporaryDirectory, not mkdtemp: its finalizer removes the database when the worker exits
# (each run left a directory with a WAL of ~600 kB in /tmp).
_TMP = tempfile.TemporaryDirectory(prefix="bayplan-fuzz-")
_DB = f"sqlite:///{Path(_TMP.name) / 'fuzz.db'}"
APP = create_app(_DB, auth=True, clock=fixed_clock())
KEY, _ = KeyStore(Store(_DB)).create("admin", ["*"], "fuzz")
_workshop = load_scenario("small-dealer").workshop
TestClient(APP).put(f"/v1/workshops/{_workshop.id}", content=_workshop.model_dump_json(),
                    headers={"content-type": "application/json", "X-API-Key": KEY})  # fmt: skip

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.auth()
class AdminKey:
    """The admin key as the schema's X-API-Key security scheme (so the auth checks can drop it)."""

    def get(self, case: schemathesis.Case, context: object) -> str:
        return KEY

    def set(self, case: schemathesis.Case, data: str, context: object) -> None:
        case.headers = {**(case.headers or {}), "X-API-Key": data}


# positive_data_acceptance: the schema cannot say everything the domain checks (an unknown time
# zone, a shift ending before it starts, a rules file that does not exist): such requests get
# 422 naming the field, by design. unsupported_method, allow_header_conformance: Starlette's 405
# for OPTIONS and other unrouted methods lists no Allow header.
EXCLUDED = [checks.positive_data_acceptance, checks.unsupported_method, checks.allow_header_conformance]
# Solver-heavy operations get fewer examples; their limits (60 s, 1000 bookings) are tested directly.
HEAVY = {("POST", "/v1/plan"), ("POST", "/v1/workshops/{workshop_id}/plans"), ("POST", "/v1/simulations")}


@pytest.fixture(scope="module", autouse=True)
def _app_closed_after_the_module() -> Iterator[None]:
    """The app's shutdown after the last example: the simulations the examples started (accepted
    with 202, two at a time) are stopped instead of running on beside the rest of the suite."""
    with TestClient(APP):
        yield


RANDOMIZED = os.environ.get("BAYPLAN_FUZZ_RANDOM", "") == "1"
EXAMPLES = int(os.environ.get("BAYPLAN_FUZZ_EXAMPLES", "25"))
FUZZED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOMIZED,
    database=None if not RANDOMIZED else settings.default.database,
    suppress_health_check=list(HealthCheck),
)
"""One setting for every fuzzed test: derandomized (the same examples every run) unless asked."""


@schema.parametrize()
@FUZZED
def test_no_server_errors_and_responses_match_the_schema(case: schemathesis.Case) -> None:
    if (case.method.upper(), case.path) in HEAVY and isinstance(case.body, dict):
        case.body.pop("time_limit_seconds", None)
        options = case.body.get("options")
        if isinstance(options, dict):
            options["time_limit_seconds"] = 1
        case.body["replications"] = 2
    if case.path.endswith("/stream") and _waits(case.query):
        # The stream of a workshop an earlier example put (`PUT /v1/workshops/{workshop_id}`) sends
        # its first message and then waits for the next events, which no example makes: without
        # `max_events`, or with more than 1, each such example waited ~10 s (~50 s of the module's
        # run). Its first message is read as before; a bad `max_events` is still sent as drawn.
        case.query = {**(case.query or {}), "max_events": 1}
    case.call_and_validate(excluded_checks=EXCLUDED)


def _waits(query: dict[str, object] | None) -> bool:
    """A stream's query that the route accepts with more than one message to wait for."""
    drawn = (query or {}).get("max_events")
    if drawn is None:
        return True
    try:
        return 1 < int(str(drawn)) <= 10_000
    except ValueError:
        return False


# The routes sessions 19-21 changed (clock events and `asked_now`, the status's spells at risk, forced
# and refused booking changes, explain's fits, workshop 409s, webhooks), fuzzed on a workshop and a
# booking that exist: with random ids (above) nearly every example is a 404 before any of that code
# runs (review-s22). Not DELETE: the booking would be gone for the next examples.
DAY_ROUTES = r"^/v1/workshops/\{workshop_id\}/(clock|days/|bookings|slots|webhooks)"
_BOOKED = TestClient(APP).post(
    f"/v1/workshops/{_workshop.id}/bookings",
    json={"service": _workshop.services[0].code, "drop_off": f"{DATE}T09:00:00+08:00"},
    headers={"X-API-Key": KEY},
)
assert _BOOKED.status_code == 201, _BOOKED.text
BOOKING = _BOOKED.json()["id"]


@schema.include(path_regex=DAY_ROUTES).exclude(method="DELETE").parametrize()
@FUZZED
def test_the_day_routes_on_a_real_workshop_and_booking_never_fail(case: schemathesis.Case) -> None:
    known = {"workshop_id": _workshop.id, "booking_id": BOOKING, "date": DATE}
    case.path_parameters = {**(case.path_parameters or {}), **{
        name: value for name, value in known.items() if name in (case.path_parameters or {})
    }}  # fmt: skip
    if case.path.endswith("/stream"):
        case.query = {**(case.query or {}), "max_events": 1}
    if isinstance(case.body, dict) and "booking" in case.body and case.path.endswith("/clock"):
        case.body["booking"] = BOOKING
    # A bad id or date the example drew is replaced by a good one: its negative case may pass.
    case.call_and_validate(excluded_checks=[*EXCLUDED, checks.negative_data_rejection])
