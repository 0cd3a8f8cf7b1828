"""The HTTP service: bookings accepted through it always fit the plan; replays, races and bad input."""

from __future__ import annotations

import datetime as dt
import random
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from scheduler.contract import Booking, Plan, PlanRequest, Workshop
from scheduler.scenarios import load_scenario
from scheduler.validator import assert_valid

DATE = "2026-11-24"
TINY = "/v1/workshops/tiny/bookings"
AT8 = "2026-11-24T08:00:00+08:00"


@pytest.fixture
def client(db_url: str) -> TestClient:
    return TestClient(create_app(db_url, auth=False))  # keys: tests/test_auth.py


def _put(client: TestClient, workshop: Workshop) -> None:
    response = client.put(
        f"/v1/workshops/{workshop.id}",
        content=workshop.model_dump_json(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("seed", [1, 2])
def test_every_accepted_booking_fits_the_plan_on_time(client: TestClient, seed: int) -> None:
    workshop = load_scenario("small-dealer").workshop
    _put(client, workshop)
    rng = random.Random(seed)
    accepted = 0
    for i in range(50):
        service = rng.choice(["LUBE", "FIRST", "MAINT", "MINOR", "WARRANTY", "ALIGN", "ACCIDENT"])
        waiter = rng.random() < 0.5
        params = {"service": service, "date": DATE, "waiter": str(waiter).lower()}
        slots = client.get(f"/v1/workshops/{workshop.id}/slots", params=params).json()["slots"]
        if not slots:
            continue
        pick = rng.choice(slots)
        body = {"service": service, "drop_off": pick["drop_off"], "waiter": waiter}
        response = client.post(
            f"/v1/workshops/{workshop.id}/bookings", json=body, headers={"Idempotency-Key": f"k{i}"}
        )
        assert response.status_code == 201, response.text  # no one else books in between: an offer holds
        assert response.json()["promised"] == pick["promised"]
        accepted += 1
    assert accepted >= 20
    response = client.post(f"/v1/workshops/{workshop.id}/plans", json={"date": DATE, "time_limit_seconds": 3})
    assert response.status_code == 200, response.text
    plan = Plan.model_validate(response.json())
    bookings = [Booking.model_validate(b) for b in client.get(
        f"/v1/workshops/{workshop.id}/bookings", params={"date": DATE}).json()]  # fmt: skip
    assert len(bookings) == accepted
    assert_valid(PlanRequest(workshop=workshop, date=dt.date.fromisoformat(DATE), bookings=bookings), plan)
    assert plan.kpis.placed == accepted and plan.kpis.late == 0  # soundness
    assert client.get(f"/v1/workshops/{workshop.id}/plans/{DATE}").json() == response.json()


def _tiny() -> Workshop:
    """One technician, one bay, two hours: room for exactly two 60-minute bookings."""
    return Workshop.model_validate(
        {
            "id": "tiny",
            "name": "Tiny",
            "timezone": "Asia/Shanghai",
            "opening": {"start": "08:00", "end": "10:00"},
            "bays": [{"id": "G1", "kind": "general"}],
            "technicians": [{"id": "t", "name": "T", "grade": 3, "skills": ["maintenance"],
                             "shift": {"start": "08:00", "end": "10:00"}}],
            "services": [{"code": "MAINT", "name": "Maintenance", "operations": [
                {"name": "work", "minutes": 60, "skill": "maintenance", "bay_kinds": ["general"]}]}],
        }
    )  # fmt: skip


def test_fifty_clients_race_for_the_last_slots(db_url: str) -> None:
    from scheduler.service import PlanningService
    from scheduler.slots import CapacityRules
    from scheduler.storage import Store

    service = PlanningService(Store(db_url), CapacityRules(walk_in_holdback=0, express_holdback=0))
    service.put_workshop(_tiny())
    drop = dt.datetime(2026, 11, 24, 8, 0, tzinfo=_tiny().tz)

    def attempt(i: int) -> str:
        booking = Booking(id=f"r{i}", service="MAINT", drop_off=drop)
        try:
            service.book("tiny", booking, idempotency_key=f"race-{i}")
            return "created"
        except Exception as exc:
            return type(exc).__name__

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(attempt, range(50)))
    assert outcomes.count("created") == 2
    assert outcomes.count("Conflict") == 48
    assert len(service.bookings("tiny", drop.date())) == 2


def test_idempotent_replay_and_conflict_with_alternatives(client: TestClient) -> None:
    _put(client, _tiny())
    body = {"service": "MAINT", "drop_off": AT8}
    url = "/v1/workshops/tiny/bookings"
    first = client.post(url, json=body, headers={"Idempotency-Key": "abc"})
    assert first.status_code == 201
    replay = client.post(url, json=body, headers={"Idempotency-Key": "abc"})
    assert replay.status_code == 200 and replay.json() == first.json()
    assert len(client.get(url, params={"date": DATE}).json()) == 1
    # Holdback 20 % of 120 min leaves room for one 60-minute booking only: the next one conflicts.
    late = client.post(url, json={"service": "MAINT", "drop_off": "2026-11-24T09:00:00+08:00"})
    assert late.status_code == 409
    assert "alternatives" in late.json()
    booking_id = first.json()["id"]
    assert client.get(f"{url}/{booking_id}").status_code == 200
    # Moving the booking to 09:00 frees 08:00; a change that cannot fit leaves it as it was.
    moved = client.patch(f"{url}/{booking_id}", json={"drop_off": "2026-11-24T09:00:00+08:00"})
    assert moved.status_code == 200 and moved.json()["drop_off"] == "2026-11-24T09:00:00+08:00"
    too_late = client.patch(f"{url}/{booking_id}", json={"drop_off": "2026-11-24T09:45:00+08:00"})
    assert too_late.status_code == 409
    assert client.get(f"{url}/{booking_id}").json() == moved.json()
    assert client.patch(f"{url}/{booking_id}", json={"service": "NOPE"}).status_code == 422
    assert client.delete(f"{url}/{booking_id}").status_code == 204
    assert client.get(f"{url}/{booking_id}").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("post", TINY, {"service": "MAINT", "drop_off": "2026-11-24T08:00:00"}, 422, "drop_off"),
        ("post", TINY, {"service": "NOPE", "drop_off": AT8}, 422, "service"),
        ("post", TINY, {"drop_off": AT8}, 422, "service"),
        ("post", TINY, {"service": "MAINT", "drop_off": "2026-11-24T19:00:00+08:00"}, 422, "drop_off"),
        ("get", "/v1/workshops/tiny/slots?service=MAINT&date=24-11-2026", None, 422, "date"),
        ("get", "/v1/workshops/tiny/slots?service=NOPE&date=2026-11-24", None, 422, "service"),
        ("get", "/v1/workshops/nope", None, 404, None),
        ("get", "/v1/workshops/tiny/bookings/BK-nope", None, 404, None),
        ("post", "/v1/workshops/nope/bookings", {"service": "MAINT", "drop_off": AT8}, 404, None),
    ],
)  # fmt: skip
def test_bad_input_gets_a_precise_4xx(
    client: TestClient, method: str, path: str, body: dict[str, object] | None, status: int, field: str | None
) -> None:
    _put(client, _tiny())
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == status, response.text
    if field is not None:
        assert any(field in [str(part) for part in d["loc"]] for d in response.json()["detail"]), (
            response.text
        )
    assert (
        client.get("/v1/workshops/tiny/bookings", params={"date": DATE}).json() == []
    )  # nothing half-written


def test_stateless_plan_and_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    request = PlanRequest(workshop=_tiny(), date=dt.date.fromisoformat(DATE), bookings=[])
    response = client.post(
        "/v1/plan", content=request.model_dump_json(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200 and response.json()["kpis"]["bookings"] == 0


def test_closed_day_offers_nothing_and_refuses_bookings(client: TestClient) -> None:
    closed = _tiny().model_copy(update={"closed_days": [dt.date.fromisoformat(DATE)]})
    _put(client, closed)
    slots = client.get("/v1/workshops/tiny/slots", params={"service": "MAINT", "date": DATE}).json()["slots"]
    assert slots == []
    response = client.post(TINY, json={"service": "MAINT", "drop_off": AT8})
    assert response.status_code == 422
    assert any("drop_off" in d["loc"] for d in response.json()["detail"])
    assert client.get("/v1/workshops/tiny/slots", params={"service": "MAINT", "date": "2026-11-25"}).json()[
        "slots"
    ]


def test_the_test_client_comes_without_a_deprecation_warning() -> None:
    """Starlette's TestClient wants httpx2 (a dev dependency); with plain httpx it warns on import
    (a StarletteDeprecationWarning, which is not a DeprecationWarning: any deprecation counts)."""
    import subprocess
    import sys

    code = (
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        "    import fastapi.testclient\n"
        "said = [w.category.__name__ + ': ' + str(w.message) for w in seen]\n"
        "bad = [w for w in said if 'deprecat' in w.lower()]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
