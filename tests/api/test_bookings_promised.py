"""A booking request's `promised` (issue 16, shown16-s41): the pickup the desk's slot query showed,
sent back with the booking; the booking is promised no later than it, or refused (409 with the
reason and the times that fit now); a promise no offer could show is a 422 naming the field."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from tests.builders import DATE, DAY, WORKSHOP_ID, multi_day_workshop, put_workshop, tiny_workshop

# Over HTTP: the service's cap is tested on both backends in tests/scheduler/test_service.py.
pytestmark = pytest.mark.sqlite_only

SLOTS = "/v1/workshops/tiny/slots"
BOOKINGS = "/v1/workshops/tiny/bookings"
EIGHT = f"{DATE}T08:00:00+08:00"


def _tiny(client: TestClient) -> None:
    """One technician, one bay, 08:00-12:00: a waiter's MAINT (60 min) at 08:00 is promised 09:15
    on an empty day, 10:15 once another waiter holds 08:00-09:00."""
    put_workshop(client, tiny_workshop(closing="12:00", shift_end="12:00"))


def _waiter_at_eight(client: TestClient) -> dict[str, str]:
    got = client.get(SLOTS, params={"service": "MAINT", "date": DATE, "waiter": "true"})
    assert got.status_code == 200, got.text
    slot: dict[str, str] = next(s for s in got.json()["slots"] if s["drop_off"] == EIGHT)
    return slot


def _book(client: TestClient, promised: object, key: str, **headers: str) -> tuple[int, Any]:
    body = {"service": "MAINT", "drop_off": EIGHT, "waiter": True, "promised": promised}
    response = client.post(BOOKINGS, json=body, headers={"Idempotency-Key": key, **headers})
    return response.status_code, response.json()


def test_a_booking_sent_with_the_promise_shown_is_refused_once_it_would_be_ready_later(
    client: TestClient,
) -> None:
    """The desk shows 08:00 promised 09:15 and sends that back; another desk books 08:00 first, so
    the work would now be ready at 10:15: 409, the reason in the request's language (en, zh), the
    times that fit now (08:00 promised 10:15 among them), nothing stored. Sent again with the
    10:15 the alternative shows, it is booked for 10:15."""
    _tiny(client)
    shown = _waiter_at_eight(client)
    assert shown["promised"] == f"{DATE}T09:15:00+08:00"
    other = client.post(BOOKINGS, json={"service": "MAINT", "drop_off": EIGHT, "waiter": True})
    assert other.status_code == 201, other.text
    code, refused = _book(client, shown["promised"], "desk-a")
    assert code == 409, refused
    assert refused["reason"] == "it would now be ready at 10:15, after the pickup 09:15 it was offered"
    alternatives = {str(a["drop_off"]): str(a["promised"]) for a in refused["alternatives"]}
    assert alternatives[EIGHT] == f"{DATE}T10:15:00+08:00"
    code, zh = _book(client, shown["promised"], "desk-a-zh", **{"Accept-Language": "zh-CN"})
    assert code == 409 and zh["reason"] == "现在要到 10:15 才能完工，晚于所提供时段的交车时间 09:15", zh
    assert len(client.get(BOOKINGS, params={"date": DATE}).json()) == 1
    code, booked = _book(client, alternatives[EIGHT], "desk-a-again")
    assert code == 201, booked
    assert booked["promised"] == f"{DATE}T10:15:00+08:00"


def test_a_booking_without_promised_is_placed_as_before(client: TestClient) -> None:
    """No `promised` and no query on this server (nothing cached): booked where it fits, 10:15,
    as before the field existed; the answer's `promised` is the booking's own promise."""
    _tiny(client)
    assert (
        client.post(BOOKINGS, json={"service": "MAINT", "drop_off": EIGHT, "waiter": True}).status_code == 201
    )
    booked = client.post(BOOKINGS, json={"service": "MAINT", "drop_off": EIGHT, "waiter": True})
    assert booked.status_code == 201, booked.text
    assert booked.json()["promised"] == f"{DATE}T10:15:00+08:00"


def test_a_retry_sends_the_same_promise_and_a_changed_one_is_another_request(client: TestClient) -> None:
    """The promise sent is part of the request an `Idempotency-Key` names: the same body again is a
    replay (200, the first answer); another promise with that key is refused (422 naming the key)."""
    _tiny(client)
    shown = _waiter_at_eight(client)
    code, first = _book(client, shown["promised"], "retry")
    assert code == 201, first
    code, again = _book(client, shown["promised"], "retry")
    assert code == 200 and again == first
    code, other = _book(client, f"{DATE}T11:00:00+08:00", "retry")
    assert code == 422, other
    assert other["detail"][0]["loc"] == ["header", "Idempotency-Key"], other


@pytest.mark.parametrize(
    ("promised", "words"),
    [
        (f"{DATE}T09:15:00", "timezone"),  # naive: no moment
        (EIGHT, "must be after the drop-off 08:00, got 08:00"),
        (f"{DATE}T07:30:00+08:00", "must be after the drop-off 08:00, got 07:30"),
        (f"{(DAY + dt.timedelta(days=1)).isoformat()}T09:15:00+08:00", f"must be on {DATE} or before"),
        ("soon", "datetime"),
        (12, "must be between"),  # a number is seconds since 1970 to pydantic: no moment of the calendar
    ],
)
def test_a_promise_no_offer_could_show_is_a_422_naming_it(
    client: TestClient, promised: object, words: str
) -> None:
    """`promised` must be timezone-aware, after the drop-off, and no later than the last day an
    offer can promise (a waiter waits for his car: the drop-off day). Nothing is booked."""
    _tiny(client)
    code, bad = _book(client, promised, "bad")
    assert code == 422, bad
    (problem,) = bad["detail"]
    assert problem["loc"] == ["body", "promised"] and words in problem["msg"], problem
    assert client.get(BOOKINGS, params={"date": DATE}).json() == []


def test_a_multi_day_repair_is_held_to_the_promise_sent_and_bounded_by_its_days(client: TestClient) -> None:
    """A repair shown 08:00 Tuesday, promised Wednesday 15:30; another desk books a repair at 08:00
    first, so it would now be ready Friday: sent with Wednesday's promise, 409; sent with Friday's
    (the alternative's), booked then. A promise two weeks out, past the first handover day after
    the repair's fourth opening day, is no offer's: 422 naming `promised`."""
    put_workshop(client, multi_day_workshop(max_days=4))
    slots_url, bookings_url = f"/v1/workshops/{WORKSHOP_ID}/slots", f"/v1/workshops/{WORKSHOP_ID}/bookings"
    wed = (DAY + dt.timedelta(days=1)).isoformat()
    fri = (DAY + dt.timedelta(days=3)).isoformat()
    slots = client.get(slots_url, params={"service": "REPAIR", "date": DATE}).json()["slots"]
    shown = next(s for s in slots if s["drop_off"] == EIGHT)
    assert shown["promised"] == f"{wed}T15:30:00+08:00"
    assert client.post(bookings_url, json={"service": "REPAIR", "drop_off": EIGHT}).status_code == 201
    body = {"service": "REPAIR", "drop_off": EIGHT, "promised": shown["promised"]}
    refused = client.post(bookings_url, json=body)
    assert refused.status_code == 409, refused.text
    ready = f"it would now be ready at {fri} 15:30, after the pickup {wed} 15:30 it was offered"
    assert refused.json()["reason"] == ready
    fortnight = f"{(DAY + dt.timedelta(days=14)).isoformat()}T08:00:00+08:00"
    far = client.post(bookings_url, json=body | {"promised": fortnight})
    assert far.status_code == 422 and far.json()["detail"][0]["loc"] == ["body", "promised"], far.text
    assert "or before (no offer for it promises a later pickup)" in far.json()["detail"][0]["msg"]
    booked = client.post(bookings_url, json=body | {"promised": f"{fri}T15:30:00+08:00"})
    assert booked.status_code == 201, booked.text
    assert booked.json()["promised"] == f"{fri}T15:30:00+08:00"


def test_the_openapi_documents_promised_on_the_booking_request(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    field = schema["components"]["schemas"]["BookingIn"]["properties"]["promised"]
    assert "no later than it" in field["description"] and "422" in field["description"]
    post = schema["paths"]["/v1/workshops/{workshop_id}/bookings"]["post"]
    assert "`promised`" in post["description"]


def test_a_promise_sent_on_another_clock_is_the_same_moment(client: TestClient) -> None:
    """A desk on UTC sends the 09:15 (+08:00) it showed as 01:15Z: the same moment, held to it
    (booked 09:15 on the workshop's clock); a minute earlier, 01:14Z, is before any pickup the
    work allows: 409 with the reason in the workshop's words, nothing stored."""
    _tiny(client)
    shown = _waiter_at_eight(client)
    assert shown["promised"] == f"{DATE}T09:15:00+08:00"
    code, refused = _book(client, f"{DATE}T01:14:00Z", "utc-early")
    assert code == 409, refused
    assert refused["reason"] == "it would now be ready at 09:15, after the pickup 09:14 it was offered"
    assert client.get(BOOKINGS, params={"date": DATE}).json() == []
    code, booked = _book(client, f"{DATE}T01:15:00Z", "utc")
    assert code == 201, booked
    assert booked["promised"] == f"{DATE}T09:15:00+08:00"


def test_a_change_takes_no_promise_sent(client: TestClient) -> None:
    """A PATCH has no `promised` (README): sent, it is a 422 naming it, and the booking is as it was."""
    _tiny(client)
    code, booked = _book(client, _waiter_at_eight(client)["promised"], "first")
    assert code == 201, booked
    url = f"{BOOKINGS}/{booked['id']}"
    changed = client.patch(url, json={"promised": f"{DATE}T11:00:00+08:00"})
    assert changed.status_code == 422 and changed.json()["detail"][0]["loc"] == ["body", "promised"], (
        changed.text
    )
    assert client.get(url).json()["promised"] == booked["promised"]
