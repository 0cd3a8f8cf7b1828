"""Webhooks: subscriptions, signed deliveries, retries with backoff, the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
import warnings

import httpx

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from tests.api.test_shopfloor import W, day, ev


def _hooks(client: TestClient, handler: object, delays: tuple[float, ...] = (1.0, 4.0, 16.0)) -> list[float]:
    webhooks = client.app.state.shopfloor.webhooks  # type: ignore[attr-defined]
    webhooks.transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
    webhooks.retry_delays = delays
    slept: list[float] = []
    webhooks.sleep = slept.append
    return slept


def test_a_webhook_gets_signed_deliveries(client: TestClient) -> None:
    a, _ = day(client)
    received: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    _hooks(client, handler)
    r = client.post(f"{W}/webhooks", json={"url": "https://example.test/hook", "events": ["booking.done"]})
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["secret"] and hook["events"] == ["booking.done"]
    listed = client.get(f"{W}/webhooks").json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    assert client.post(f"{W}/clock", json=ev(a, "start", "08:00")).status_code == 201
    assert client.post(f"{W}/clock", json=ev(a, "finish", "08:50")).status_code == 201
    client.app.state.shopfloor.webhooks.wait_idle(10)  # type: ignore[attr-defined]
    assert len(received) == 1
    sent = received[0]
    expected = "sha256=" + hmac.new(hook["secret"].encode(), sent.content, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(sent.headers["X-Bayplan-Signature"], expected)
    body = json.loads(sent.content)
    assert body["event"] == "booking.done" and body["data"]["booking"] == a
    log = client.get(f"{W}/webhooks/{hook['id']}/deliveries").json()
    assert [(d["attempt"], d["status_code"], d["error"]) for d in log] == [(1, 204, None)]


def test_a_failing_endpoint_is_retried_with_backoff_then_logged_failed(client: TestClient) -> None:
    day(client)
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(500)

    slept = _hooks(client, handler)
    r = client.post(f"{W}/webhooks", json={"url": "http://example.test/h", "events": ["plan.changed"],
                                           "secret": "s3cret"})  # fmt: skip
    assert r.status_code == 201 and r.json()["secret"] == "s3cret"
    assert client.post(f"{W}/plans", json={"date": "2026-11-24", "time_limit_seconds": 1}).status_code == 200
    client.app.state.shopfloor.webhooks.wait_idle(10)  # type: ignore[attr-defined]
    assert len(calls) == 4 and slept == [1.0, 4.0, 16.0]
    log = client.get(f"{W}/webhooks/{r.json()['id']}/deliveries").json()
    assert [d["attempt"] for d in log] == [1, 2, 3, 4]
    assert "ConnectError" in log[0]["error"] and [d["status_code"] for d in log[1:]] == [500, 500, 500]


def test_only_http_urls_and_known_events(client: TestClient) -> None:
    day(client)
    for body, field in [
        ({"url": "ftp://example.test/x", "events": ["plan.changed"]}, "url"),
        ({"url": "file:///etc/passwd", "events": ["plan.changed"]}, "url"),
        # Stored, then every delivery failed: a port no number 0..65535, a space in the host.
        ({"url": "http://example.test:99999/h", "events": ["plan.changed"]}, "url"),
        ({"url": "http://example.test:abc/h", "events": ["plan.changed"]}, "url"),
        ({"url": "http://example.test:-1/h", "events": ["plan.changed"]}, "url"),
        ({"url": "http://example test/h", "events": ["plan.changed"]}, "url"),
        ({"url": "https://example.test", "events": ["booking.eaten"]}, "events"),
    ]:
        r = client.post(f"{W}/webhooks", json=body)
        assert r.status_code == 422 and field in r.text, r.text
    hook = client.post(f"{W}/webhooks", json={"url": "https://x.test", "events": ["plan.changed"]}).json()
    assert client.delete(f"{W}/webhooks/{hook['id']}").status_code == 204
    assert client.get(f"{W}/webhooks").json() == []
    assert client.delete(f"{W}/webhooks/{hook['id']}").status_code == 404
