"""Webhooks: subscriptions, signed deliveries, retries with backoff, the delivery log."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.server
import json
import socket
import threading
import warnings
from typing import ClassVar

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from api.app import create_app
from scheduler.clock import FixedClock
from scheduler.storage import webhooks as webhooks_db
from scheduler.webhooks import RefusedAddress
from tests.builders import CLOCK_NOW, DATE, NOW, two_waiters_day
from tests.builders import TINY_PATH as W
from tests.builders import clock_event as ev


def _hooks(client: TestClient, handler: object, delays: tuple[float, ...] = (1.0, 4.0, 16.0)) -> list[float]:
    webhooks = client.app.state.shopfloor.webhooks  # type: ignore[attr-defined]
    webhooks.transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
    webhooks.retry_delays = delays
    slept: list[float] = []
    webhooks.sleep = slept.append
    return slept


def _received(client: TestClient) -> list[httpx.Request]:
    """Every delivery the app makes from now on, each answered 204."""
    received: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    _hooks(client, handler)
    return received


def test_a_webhook_gets_signed_deliveries(client: TestClient) -> None:
    a, _ = two_waiters_day(client)
    received = _received(client)
    r = client.post(f"{W}/webhooks", json={"url": "https://example.test/hook", "events": ["booking.done"]})
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["secret"] and hook["events"] == ["booking.done"]
    listed = client.get(f"{W}/webhooks").json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00")).status_code == 201
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "finish", "08:50")).status_code == 201
    client.app.state.shopfloor.webhooks.wait_idle(10)  # type: ignore[attr-defined]
    assert len(received) == 1
    sent = received[0]
    expected = "sha256=" + hmac.new(hook["secret"].encode(), sent.content, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(sent.headers["X-Bayplan-Signature"], expected)
    body = json.loads(sent.content)
    assert body["event"] == "booking.done" and body["data"]["booking"] == a
    log = client.get(f"{W}/webhooks/{hook['id']}/deliveries").json()
    assert [(d["attempt"], d["status_code"], d["error"]) for d in log] == [(1, 204, None)]


def test_webhook_times_read_on_the_workshops_clock(db_url: str) -> None:
    """audit13-s19 R4: a webhook's `created_at` read in the server clock's offset when created and
    in UTC when listed; its deliveries' `at` and the workshop's versions' `created_at` in UTC. They
    read on the workshop's clock, as the clock events and the day's status do, whatever the server's
    clock's offset (a server's reads UTC)."""
    client = TestClient(create_app(db_url, auth=False, clock=FixedClock(NOW.astimezone(dt.UTC))))
    a, _ = two_waiters_day(client)
    received = _received(client)
    r = client.post(f"{W}/webhooks", json={"url": "https://example.test/hook", "events": ["booking.done"]})
    assert r.status_code == 201, r.text
    local = NOW.isoformat()  # 2026-11-23T17:30:00+08:00: the workshop's (Asia/Shanghai)
    assert r.json()["created_at"] == local
    assert [h["created_at"] for h in client.get(f"{W}/webhooks").json()] == [local]
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00")).status_code == 201
    assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "finish", "08:50")).status_code == 201
    client.app.state.shopfloor.webhooks.wait_idle(10)  # type: ignore[attr-defined]
    assert [json.loads(x.content)["at"] for x in received] == [local]
    log = client.get(f"{W}/webhooks/{r.json()['id']}/deliveries").json()
    assert [d["at"] for d in log] == [local]
    events = client.get(f"{W}/days/{DATE}/events").json()
    assert {e["recorded_at"] for e in events} == {local}  # the convention followed
    assert [v["created_at"] for v in client.get(f"{W}/versions").json()] == [local]  # so do versions


def test_a_failing_endpoint_is_retried_with_backoff_then_logged_failed(client: TestClient) -> None:
    two_waiters_day(client)
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
    two_waiters_day(client)
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


def test_webhooks_never_reach_link_local_addresses_and_may_be_kept_off_the_shop_network(
    client: TestClient,
) -> None:
    two_waiters_day(client)
    for url in ("http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x", "http://[::ffff:169.254.169.254]/",
                "http://0.0.0.0:8080/", "http://224.0.0.1/"):  # fmt: skip
        r = client.post(f"{W}/webhooks", json={"url": url, "events": ["booking.done"]})
        assert r.status_code == 422 and "may not reach" in r.text, (url, r.text)
    for url in ("http://10.0.0.5/crm", "http://192.168.1.20:8080/hook", "http://127.0.0.1:9/x"):
        assert client.post(f"{W}/webhooks", json={"url": url, "events": ["booking.done"]}).status_code == 201
    webhooks = client.app.state.shopfloor.webhooks  # type: ignore[attr-defined]
    webhooks.private = False  # BAYPLAN_WEBHOOK_PRIVATE=deny
    r = client.post(f"{W}/webhooks", json={"url": "http://10.0.0.5/crm", "events": ["booking.done"]})
    assert r.status_code == 422 and "may not reach" in r.text


def test_this_machine_is_reached_alike_by_its_ipv4_and_ipv6_loopback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """http://127.0.0.1/ is a fine target by default (a CRM on this machine) but http://[::1]/ was
    refused ("may not reach ::1": Python counts ::/8 reserved), and so was every delivery to a name
    such as localhost that resolves to ::1 as well (most dual-stack machines). Loopback is now this
    machine in both families: allowed by default, refused alike under BAYPLAN_WEBHOOK_PRIVATE=deny."""
    two_waiters_day(client)
    webhooks = client.app.state.shopfloor.webhooks  # type: ignore[attr-defined]
    both = [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 8080, 0, 0)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 8080))]  # fmt: skip
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: both)
    for url in ("http://127.0.0.1:8080/hook", "http://[::1]:8080/hook", "http://localhost:8080/hook"):
        r = client.post(f"{W}/webhooks", json={"url": url, "events": ["booking.done"]})
        assert r.status_code == 201, (url, r.text)
    sent = webhooks._pinned(httpx.Request("POST", "http://localhost:8080/hook"))  # how a delivery connects
    assert sent.url.host == "::1" and sent.headers["Host"] == "localhost:8080"
    webhooks.private = False  # BAYPLAN_WEBHOOK_PRIVATE=deny: this machine is off limits in both
    for url in ("http://127.0.0.1:8080/hook", "http://[::1]:8080/hook"):
        r = client.post(f"{W}/webhooks", json={"url": url, "events": ["booking.done"]})
        assert r.status_code == 422 and "may not reach" in r.text, (url, r.text)
    with pytest.raises(RefusedAddress):
        webhooks._pinned(httpx.Request("POST", "http://localhost:8080/hook"))
    webhooks.private = True
    for url in ("http://[::]:8080/", "http://[fe80::1]/x", "http://[ff02::1]/x"):  # never, as before
        r = client.post(f"{W}/webhooks", json={"url": url, "events": ["booking.done"]})
        assert r.status_code == 422 and "may not reach" in r.text, (url, r.text)


class _Receiver(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []

    def do_POST(self) -> None:  # the standard library's name for it
        self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.seen.append((self.headers["Host"], self.headers["X-Bayplan-Event"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_delivery_goes_to_the_address_its_name_resolved_to_after_the_check(client: TestClient) -> None:
    a, _ = two_waiters_day(client)
    _Receiver.seen.clear()
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        webhooks = client.app.state.shopfloor.webhooks  # type: ignore[attr-defined]
        webhooks.retry_delays = ()
        url = f"http://localhost:{server.server_port}/hook"  # a name: resolved and checked when sent
        hook = client.post(f"{W}/webhooks", json={"url": url, "events": ["booking.done"]}).json()
        assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "start", "08:00")).status_code == 201
        assert client.post(f"{W}/clock", params=CLOCK_NOW, json=ev(a, "finish", "08:50")).status_code == 201
        webhooks.wait_idle(10)
        assert _Receiver.seen == [(f"localhost:{server.server_port}", "booking.done")]  # the name kept
        webhooks.private = False  # now this machine is off limits: the same name is refused when sent
        log = client.get(f"{W}/webhooks/{hook['id']}/deliveries").json()
        assert [(d["status_code"], d["error"]) for d in log] == [(204, None)]
        webhooks._deliver(hook["id"], "d2", "booking.done", url, "s", b"{}")
        log = client.get(f"{W}/webhooks/{hook['id']}/deliveries").json()
        assert log[-1]["status_code"] is None and "may not reach" in log[-1]["error"]
        assert len(_Receiver.seen) == 1  # nothing sent
    finally:
        server.shutdown()


def test_a_workshop_has_at_most_twenty_webhooks(client: TestClient) -> None:
    """Each event is sent to every webhook subscribed, a thread each (up to four attempts over
    a minute): 300 webhooks made one plan start 300 threads, whose delivery logs then fought for
    SQLite's write lock ("database is locked": logs lost) with the desk's own bookings."""
    two_waiters_day(client)
    hook = {"url": "https://example.test/hook", "events": ["plan.changed"]}
    made = [client.post(f"{W}/webhooks", json=hook) for _ in range(20)]
    assert [r.status_code for r in made] == [201] * 20
    refused = client.post(f"{W}/webhooks", json=hook)
    assert refused.status_code == 422, refused.text
    problem = refused.json()["detail"][0]
    assert problem["loc"] == ["body", "url"] and "at most 20" in problem["msg"]
    assert len(client.get(f"{W}/webhooks").json()) == 20
    assert client.delete(f"{W}/webhooks/{made[0].json()['id']}").status_code == 204
    assert client.post(f"{W}/webhooks", json=hook).status_code == 201


def test_the_delivery_log_keeps_the_newest_attempts_and_reads_a_bounded_page(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log of a busy webhook does not grow for ever (the newest KEPT_DELIVERIES stay) and a read
    returns the newest `limit` attempts, oldest first; a limit out of range is 422 naming it."""
    two_waiters_day(client)
    monkeypatch.setattr(webhooks_db, "KEPT_DELIVERIES", 5)
    hook = client.post(f"{W}/webhooks", json={"url": "https://example.test/hook", "events": ["booking.done"]})
    wid = hook.json()["id"]
    store = client.app.state.services.service.store  # type: ignore[attr-defined]
    at = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
    for attempt in range(1, 9):
        with store.transaction() as session:
            webhooks_db.add_delivery(session, wid, f"d{attempt}", "booking.done", attempt, 500, None, at)
    log = client.get(f"{W}/webhooks/{wid}/deliveries").json()
    assert [d["attempt"] for d in log] == [4, 5, 6, 7, 8]
    page = client.get(f"{W}/webhooks/{wid}/deliveries", params={"limit": 2}).json()
    assert [d["attempt"] for d in page] == [7, 8]
    bad = client.get(f"{W}/webhooks/{wid}/deliveries", params={"limit": 0})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "limit"


def test_a_host_name_idna_refuses_is_422_and_one_stored_before_is_logged_failed(client: TestClient) -> None:
    """`xn--` (an empty A-label), a zero-width space or an Arabic-Indic digit pass urlsplit but not
    IDNA: such a webhook was stored (201), then each event's delivery thread died on InvalidURL or
    IDNAError with a traceback, nothing in the delivery log."""
    two_waiters_day(client)
    for url in ("http://xn--/h", "http://\u200b.example/h", "http://\u0660.com/h"):
        r = client.post(f"{W}/webhooks", json={"url": url, "events": ["plan.changed"]})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "url"], (url, r.text)
    assert (
        client.post(
            f"{W}/webhooks", json={"url": "http://例子.测试/h", "events": ["plan.changed"]}
        ).status_code
        == 201
    )
    _hooks(client, lambda request: httpx.Response(204), delays=())
    webhooks = client.app.state.shopfloor.webhooks  # type: ignore[attr-defined]
    hook = client.post(f"{W}/webhooks", json={"url": "https://x.test/h", "events": ["plan.changed"]}).json()
    webhooks._deliver(
        hook["id"], "d1", "plan.changed", "http://xn--/h", "s", b"{}"
    )  # stored before the check
    (logged,) = client.get(f"{W}/webhooks/{hook['id']}/deliveries").json()
    assert logged["status_code"] is None and "IDNA" in logged["error"]


def test_a_host_name_dns_cannot_carry_is_422_and_nothing_is_stored(client: TestClient) -> None:
    """A label over 63 characters, a name over 253 or an empty label pass urlsplit and IDNA but no
    resolver takes them (a label too long fails in its IDNA codec): such a webhook was stored (201)
    and failed at every delivery (hostile-s40). The longest label and name DNS carries are kept."""
    two_waiters_day(client)
    for url in (
        "https://" + "a" * 64 + ".example/h",
        "http://" + "a." * 127 + "example/h",
        "http://a..example/h",
    ):
        r = client.post(f"{W}/webhooks", json={"url": url, "events": ["plan.changed"]})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "url"], (url, r.text)
    assert client.get(f"{W}/webhooks").json() == []
    longest = "http://" + "a" * 63 + "." + ".".join(["b" * 61] * 3) + "/h"  # 63 + 1 + 3 * 61 + 2 = 249
    for url in ("https://" + "a" * 63 + ".example/h", longest, "http://example.com./h"):
        r = client.post(f"{W}/webhooks", json={"url": url, "events": ["plan.changed"]})
        assert r.status_code == 201, (url, r.text)
