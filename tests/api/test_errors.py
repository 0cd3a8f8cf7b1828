"""The `loc` of a 422: bayplan's own (InputError) located as FastAPI's own for the same route."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.errors import loc_of
from tests.builders import DATE, put_workshop, tiny_workshop

W = "/v1/workshops/tiny"


def _at(hhmm: str) -> str:
    return f"{DATE}T{hhmm}:00+08:00"


def _naive(hhmm: str) -> str:
    return f"{DATE}T{hhmm}:00"


def _stateless(booking: dict[str, Any], held: bool = False) -> dict[str, Any]:
    workshop = {**tiny_workshop().model_dump(mode="json"), "loan_cars": 0}
    return {"workshop": workshop, "date": DATE, ("held" if held else "bookings"): [booking]}


def _shape(loc: list[object]) -> list[object]:
    """Where a field comes from, then the kind of each part: ["body", str, int, str]."""
    return [loc[0], *(type(part) for part in loc[1:])]


Call = Callable[[TestClient], Any]

#: Per route: a request FastAPI refuses, one bayplan refuses itself, and the loc bayplan gives.
CASES: dict[str, tuple[Call, Call, list[object]]] = {
    "plans: an overrun's booking": (
        lambda c: c.post(
            f"{W}/plans",
            json={
                "date": DATE,
                "overruns": [{"booking": "x", "operation": "a", "expected_end": _at("11:00")}],
            },
        ),
        lambda c: c.post(
            f"{W}/plans",
            json={
                "date": DATE,
                "now": _at("09:00"),
                "overruns": [{"booking": "nope", "operation": 0, "expected_end": _at("11:00")}],
            },
        ),
        ["body", "overruns", 0, "booking"],
    ),
    "stateless plan: a booking's loan car": (
        lambda c: c.post(
            "/v1/plan", json=_stateless({"id": "b1", "service": "MAINT", "drop_off": _naive("08:00")})
        ),
        lambda c: c.post(
            "/v1/plan",
            json=_stateless({"id": "b1", "service": "MAINT", "drop_off": _at("08:00"), "loan_car": True}),
        ),
        ["body", "bookings", 0, "loan_car"],
    ),
    "stateless plan: a held vehicle": (
        lambda c: c.post(
            "/v1/plan",
            json=_stateless({"id": "h1", "service": "MAINT", "drop_off": _naive("08:00")}, held=True),
        ),
        lambda c: c.post(
            "/v1/plan",
            json=_stateless(
                {"id": "h1", "service": "MAINT", "drop_off": "2026-11-25T08:00:00+08:00"}, held=True
            ),
        ),
        ["body", "held", 0, "drop_off"],
    ),
    "workshop PUT: id": (
        lambda c: c.put(W, json={**tiny_workshop().model_dump(mode="json"), "id": 5}),
        lambda c: c.put(W, json={**tiny_workshop().model_dump(mode="json"), "id": "other"}),
        ["body", "id"],
    ),
    "clock: corrects": (
        lambda c: c.post(
            f"{W}/clock", json={"action": "start", "booking": "x", "operation": "a", "technician": "t"}
        ),
        lambda c: c.post(
            f"{W}/clock",
            json={"action": "start", "booking": "x", "operation": 0, "technician": "t", "corrects": 3},
        ),
        ["body", "corrects"],
    ),
    "webhooks: url": (
        lambda c: c.post(f"{W}/webhooks", json={"url": 5, "events": ["plan.changed"]}),
        lambda c: c.post(f"{W}/webhooks", json={"url": "ftp://example.com/hook", "events": ["plan.changed"]}),
        ["body", "url"],
    ),
    "capacity: to": (
        lambda c: c.get(f"{W}/capacity", params={"from": DATE, "to": "soon"}),
        lambda c: c.get(f"{W}/capacity", params={"from": DATE, "to": "2026-11-01"}),
        ["query", "to"],
    ),
    "productivity report: to": (
        lambda c: c.get(f"{W}/reports/productivity", params={"from": DATE, "to": "soon"}),
        lambda c: c.get(f"{W}/reports/productivity", params={"from": DATE, "to": "2026-11-01"}),
        ["query", "to"],
    ),
    "labour times: to": (
        lambda c: c.get(f"{W}/labour-times", params={"from": DATE, "to": "soon"}),
        lambda c: c.get(f"{W}/labour-times", params={"from": DATE, "to": "2026-11-01"}),
        ["query", "to"],
    ),
    "simulations: scenario": (
        lambda c: c.post("/v1/simulations", json={"scenario": 5, "days": 1, "replications": 2}),
        lambda c: c.post("/v1/simulations", json={"scenario": "nope", "days": 1, "replications": 2}),
        ["body", "scenario"],
    ),
    "keys: workshops": (
        lambda c: c.post("/v1/keys", json={"role": "manager", "workshops": 5}),
        lambda c: c.post("/v1/keys", json={"role": "manager", "workshops": ["no such/id"]}),
        ["body", "workshops"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_every_route_locates_its_own_422_as_fastapi_locates_its_own(client: TestClient, case: str) -> None:
    """A client reads one `loc` form: where the field comes from first ("body", "query"), a list
    index an integer. Before (review-s22): bayplan's own said ["overruns", "0", "booking"] where
    FastAPI's for the same body says ["body", "overruns", 0, "booking"], and ["url"], ["to"], …"""
    put_workshop(client, tiny_workshop())
    assert (
        client.post(f"{W}/bookings", json={"service": "MAINT", "drop_off": _at("08:00")}).status_code == 201
    )
    assert client.post(f"{W}/plans", json={"date": DATE, "time_limit_seconds": 1}).status_code == 200
    fastapi_s, ours, loc = CASES[case]
    theirs = fastapi_s(client)
    assert theirs.status_code == 422, theirs.text
    mine = ours(client)
    assert mine.status_code == 422, mine.text
    assert mine.json()["detail"][0]["loc"] == loc, mine.text
    assert _shape(theirs.json()["detail"][0]["loc"]) == _shape(loc), theirs.text


def test_a_field_path_becomes_a_loc_with_integer_indexes_and_names_as_they_are() -> None:
    assert loc_of("bookings[3].pinned[0].bay") == ["bookings", 3, "pinned", 0, "bay"]
    assert loc_of("services.10.code") == ["services", "10", "code"]  # a mapping's key stays a name
    assert loc_of("body.header.colour") == ["body", "header", "colour"]
    assert loc_of("(root)") == ["(root)"]


def test_a_lone_surrogate_in_a_json_string_is_a_422_naming_the_field(client: TestClient) -> None:
    """JSON may escape half a UTF-16 pair ("\\ud800"); pydantic refuses it (`string_unicode`), and
    the 422 echoed it as the `input`: not UTF-8, so rendering the error was a 500 in plain text
    (review-s25). Now the 422 names the field and shows the input with the half pair escaped."""
    put_workshop(client, tiny_workshop())
    workshop = tiny_workshop().model_dump_json().replace('"name":"Tiny"', '"name":"T\\ud800"')
    booking = '{"service": "MAINT", "drop_off": "' + _at("08:00") + '", "customer": "W\\udfffang"}'
    for method, url, body, field in (
        ("PUT", W, workshop, "name"),
        ("POST", f"{W}/bookings", booking, "customer"),
    ):
        r = client.request(method, url, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422, r.text
        [error] = r.json()["detail"]
        assert error["loc"] == ["body", field] and error["type"] == "string_unicode", error
        assert error["input"] in ("T\\ud800", "W\\udfffang"), error


def _json_body_operations(client: TestClient) -> list[tuple[str, str]]:
    """Every operation whose body is JSON, as (method, path with its parameters filled in)."""
    found = []
    for path, item in client.get("/openapi.json").json()["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                filled = path.replace("{workshop_id}", "tiny").replace("{date}", DATE)
                found.append((method, re.sub(r"\{[^}]+\}", "x1", filled)))
    return found


def test_a_body_that_is_not_json_on_a_json_route_is_a_415_naming_its_content_type(client: TestClient) -> None:
    """review-s25: a text/plain or form body (or none named) on a JSON route was a 422 ["body"]
    "Input should be a valid dictionary". It is a 415 on every such route, saying the Content-Type
    sent and the one expected; JSON with a charset or as application/*+json is read as before, and
    the CSV import takes CSV."""
    put_workshop(client, tiny_workshop())
    operations = _json_body_operations(client)
    assert len(operations) >= 9 and ("post", f"{W}/bookings") in operations, operations
    part = b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--b--\r\n"
    sent = {"text/plain": b'{"service": "MAINT"}', "application/x-www-form-urlencoded": b"service=MAINT",
            "multipart/form-data; boundary=b": part, "": b'{"service": "MAINT"}'}  # fmt: skip
    for method, path in operations:
        for content_type, body in sent.items():
            headers = {"content-type": content_type} if content_type else {}
            r = client.request(method.upper(), path, content=body, headers=headers)
            assert r.status_code == 415, (method, path, content_type, r.status_code, r.text)
            answer = r.json()
            assert answer["content_type"] == (content_type or None), answer
            assert answer["expected"] == "application/json", answer
            named = repr(content_type) if content_type else "no Content-Type"
            assert named in answer["detail"] and "application/json" in answer["detail"], answer
    plain_zh = {"content-type": "text/plain", "Accept-Language": "zh-CN"}
    zh = client.post(f"{W}/bookings", content=b"x", headers=plain_zh)
    assert zh.status_code == 415 and "请以 application/json 发送" in zh.json()["detail"], zh.text
    booking = json.dumps({"service": "MAINT", "drop_off": _at("08:00")}).encode()
    for content_type in ("application/json; charset=utf-8", "application/vnd.booking+json"):
        r = client.post(f"{W}/bookings", content=booking, headers={"content-type": content_type})
        assert r.status_code == 201, (content_type, r.text)
        assert client.delete(f"{W}/bookings/{r.json()['id']}").status_code == 204
    empty = client.post(f"{W}/bookings", content=b"", headers={"content-type": "text/plain"})
    assert empty.status_code == 422  # no body: FastAPI's "Field required", as before
    csv = f"service,drop_off\nMAINT,{_at('09:00')}\n".encode()
    imported = client.post(f"{W}/bookings/import", content=csv, headers={"content-type": "text/csv"})
    assert imported.status_code == 200 and len(imported.json()["accepted"]) == 1, imported.text


def test_a_non_json_body_is_refused_after_the_key_is_checked(db_url: str) -> None:
    """The 415 is where the body's 422 was: no key is still 401, a key not covering the route 403."""
    from api.app import create_app
    from scheduler.keys import KeyStore
    from scheduler.storage import Store
    from tests.builders import fixed_clock

    client = TestClient(create_app(db_url, auth=True, clock=fixed_clock()))
    keys = KeyStore(Store(db_url))
    admin, foreman = (keys.create(role, ["tiny"])[0] for role in ("admin", "foreman"))
    put_workshop(client, tiny_workshop(), {"X-API-Key": admin})
    plain = {"content-type": "text/plain"}
    assert client.post(f"{W}/bookings", content=b"{}", headers=plain).status_code == 401
    refused = client.post(f"{W}/webhooks", content=b"{}", headers={**plain, "X-API-Key": foreman})
    assert refused.status_code == 403, refused.text
    r = client.post(f"{W}/bookings", content=b"{}", headers={**plain, "X-API-Key": admin})
    assert r.status_code == 415 and r.json()["content_type"] == "text/plain", r.text


def test_the_csv_import_sent_as_json_a_form_or_untyped_is_a_415_naming_text_csv(client: TestClient) -> None:
    """smallfix-s27: the CSV import sent with `Content-Type: application/json` was a 422 (FastAPI
    read the file as JSON: "Invalid JSON"), and a valid JSON string was read as the file. As a JSON
    route's body sent as text/plain, it is a 415 naming the Content-Type sent and text/csv; nothing
    is booked. A body sent as text (text/csv, text/plain, curl's default form type) is read as before."""
    put_workshop(client, tiny_workshop())
    csv = f"service,drop_off\nMAINT,{_at('09:00')}\n"
    sent = {"application/json": csv.encode(), "application/json; charset=utf-8": json.dumps(csv).encode(),
            "application/vnd.rows+json": b"[]", "multipart/form-data; boundary=b": csv.encode(),
            "": csv.encode()}  # fmt: skip
    for content_type, body in sent.items():
        headers = {"content-type": content_type} if content_type else {}
        r = client.post(f"{W}/bookings/import", content=body, headers=headers)
        assert r.status_code == 415, (content_type, r.status_code, r.text)
        answer = r.json()
        assert answer["content_type"] == (content_type or None) and answer["expected"] == "text/csv", answer
        named = repr(content_type) if content_type else "no Content-Type"
        assert named in answer["detail"] and "text/csv" in answer["detail"], answer
    zh_json = {"content-type": "application/json", "Accept-Language": "zh-CN"}
    zh = client.post(f"{W}/bookings/import", content=csv, headers=zh_json)
    assert zh.status_code == 415 and "请以 text/csv 发送" in zh.json()["detail"], zh.text
    assert client.get(f"{W}/bookings", params={"date": DATE}).json() == []  # nothing booked
    for content_type in ("text/csv", "text/plain", "application/x-www-form-urlencoded"):
        r = client.post(f"{W}/bookings/import", content=csv, headers={"content-type": content_type})
        assert r.status_code == 200 and len(r.json()["accepted"]) == 1, (content_type, r.text)
        assert client.delete(f"{W}/bookings/{r.json()['accepted'][0]['booking']['id']}").status_code == 204


def test_a_body_declared_in_another_charset_than_utf8_is_a_415_naming_the_charset(client: TestClient) -> None:
    """smallfix-s27: `Content-Type: application/json; charset=latin-1` was read as UTF-8 (an ASCII
    body as if nothing were said, a body with "é" a 400 "There was an error parsing the body").
    JSON is UTF-8 (RFC 8259 8.1), and bayplan reads the CSV import as UTF-8 too: any other charset
    is a 415 naming it, on every JSON route and on the CSV import; utf-8 however spelt is read."""
    put_workshop(client, tiny_workshop())
    operations = _json_body_operations(client)
    assert len(operations) >= 9, operations
    for method, path in operations:
        for charset in ("latin-1", "ISO-8859-1", "utf-16", "nonsense"):
            content_type = f"application/json; charset={charset}"
            r = client.request(method.upper(), path, content=b"{}", headers={"content-type": content_type})
            assert r.status_code == 415, (method, path, charset, r.status_code, r.text)
            answer = r.json()
            assert answer["charset"] == charset.lower() and answer["expected"] == "application/json", answer
            assert answer["content_type"] == content_type, answer
            assert repr(charset.lower()) in answer["detail"] and "UTF-8" in answer["detail"], answer
    booking = {"service": "MAINT", "drop_off": _at("08:00"), "customer": "Zoé"}
    latin = client.post(f"{W}/bookings", content=json.dumps(booking, ensure_ascii=False).encode("latin-1"),
                        headers={"content-type": "application/json; charset=latin-1"})  # fmt: skip
    assert latin.status_code == 415 and latin.json()["charset"] == "latin-1", latin.text
    zh_latin = {"content-type": "application/json; charset=latin-1", "Accept-Language": "zh-CN"}
    zh = client.post(f"{W}/bookings", content=b"{}", headers=zh_latin)
    assert zh.status_code == 415 and "UTF-8" in zh.json()["detail"], zh.text
    assert "字符集" in zh.json()["detail"], zh.text
    csv = f"service,drop_off,customer\nMAINT,{_at('09:00')},Zoé\n".encode("latin-1")
    windows = {"content-type": "text/csv; charset=windows-1252"}
    r = client.post(f"{W}/bookings/import", content=csv, headers=windows)
    assert r.status_code == 415 and r.json()["charset"] == "windows-1252", r.text
    assert r.json()["expected"] == "text/csv", r.text
    assert client.get(f"{W}/bookings", params={"date": DATE}).json() == []  # nothing booked
    for content_type in ("application/json; charset=utf-8", 'application/json; charset="UTF-8"',
                         "application/json;charset=utf8"):  # fmt: skip
        body = json.dumps(booking, ensure_ascii=False).encode()
        r = client.post(f"{W}/bookings", content=body, headers={"content-type": content_type})
        assert r.status_code == 201 and r.json()["customer"] == "Zoé", (content_type, r.text)
        assert client.delete(f"{W}/bookings/{r.json()['id']}").status_code == 204
    utf8_csv = csv.decode("latin-1").encode()
    utf8 = {"content-type": "text/csv; charset=utf-8"}
    r = client.post(f"{W}/bookings/import", content=utf8_csv, headers=utf8)
    assert r.status_code == 200 and len(r.json()["accepted"]) == 1, r.text


def test_a_charset_with_a_nul_or_a_byte_past_ascii_is_a_415_not_a_500(client: TestClient) -> None:
    """review-s27: `charset=\\x00` (or any name with a NUL) made codecs.lookup raise ValueError, not
    LookupError: a 500. A charset no codec has is a 415 naming it, whatever its bytes."""
    put_workshop(client, tiny_workshop())
    for raw in (b"\x00", b"utf-8\x00", b"\xe9", b"utf\x00-8"):
        content_type = b"application/json; charset=" + raw
        r = client.post(f"{W}/bookings", content=b"{}", headers=[(b"content-type", content_type)])
        assert r.status_code == 415, (raw, r.status_code, r.text)
        assert r.json()["charset"] and "UTF-8" in r.json()["detail"], r.text
    csv = b"service,drop_off\n"
    r = client.post(
        f"{W}/bookings/import", content=csv, headers=[(b"content-type", b"text/csv; charset=\x00")]
    )
    assert r.status_code == 415 and r.json()["expected"] == "text/csv", r.text


def test_a_500_is_a_page_in_the_readers_language_for_a_browser_and_json_for_the_api(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """review-s42, item 10: an error no handler answers was Starlette's plain English "Internal
    Server Error" for everyone. A browser opening a page gets a page in its language; an API client
    gets JSON with a `detail` in the Accept-Language; neither shows the traceback or the exception's
    text (which may quote stored data)."""
    from scheduler.service import PlanningService

    put_workshop(client, tiny_workshop())

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret stored text")

    monkeypatch.setattr(PlanningService, "loading", broken)
    served = TestClient(client.app, raise_server_exceptions=False)
    page = served.get("/workshops/tiny/loading", headers={"Accept": "text/html", "Accept-Language": "zh-CN"})
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text or 'lang="zh' in page.text
    assert "服务器处理这个请求时出错" in page.text and "返回车间列表" in page.text
    english = served.get("/workshops/tiny/loading", headers={"Accept": "text/html"})
    assert "the server failed on this request" in english.text
    api = served.get(f"{W}/capacity", params={"from": DATE, "to": DATE}, headers={"Accept-Language": "zh-CN"})
    assert api.status_code == 500 and api.headers["content-type"] == "application/json"
    assert api.json()["detail"].startswith("服务器处理这个请求时出错")
    for answer in (page, english, api):
        assert "secret" not in answer.text and "Traceback" not in answer.text
        assert "Internal Server Error" not in answer.text
