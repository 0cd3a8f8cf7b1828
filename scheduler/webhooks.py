"""Webhooks: a workshop's subscriptions to shop-floor events, delivered in background threads as
signed JSON POSTs (`X-Bayplan-Signature: sha256=<hex HMAC-SHA256 of the body>`), retried with
exponential backoff, every attempt logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel

from scheduler.errors import InputError
from scheduler.i18n import N_
from scheduler.service import PlanningService
from scheduler.storage import webhooks as webhooks_db

logger = logging.getLogger("bayplan")

EVENTS = ("booking.at_risk", "booking.done", "plan.changed")
RETRY_DELAYS = (1.0, 4.0, 16.0)
"""Seconds before each retry: the first attempt at once, then up to three more."""
TIMEOUT_SECONDS = 10.0
MAX_WEBHOOKS = 20
"""A workshop's webhooks: each event goes to every one subscribed, a thread each (up to a minute of
attempts), so their number bounds the threads and delivery-log writes one event starts."""
KEPT_DELIVERIES = webhooks_db.KEPT_DELIVERIES
"""Delivery attempts kept per webhook (the newest)."""
SHOWN_DELIVERIES = 200
"""Delivery attempts a read of the log returns unless it asks for another number (the newest)."""
SIGNATURE_HEADER = "X-Bayplan-Signature"
PRIVATE_ENVIRONMENT = "BAYPLAN_WEBHOOK_PRIVATE"
"""`deny`: webhooks reach public addresses only (not the shop's network, not this machine). By
default a dealer's CRM on the shop's network (10.x, 192.168.x) or on this machine is a fine target;
link-local addresses (169.254.x: cloud metadata services), multicast and reserved ones never are."""

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def private_networks_allowed() -> bool:
    return os.environ.get(PRIVATE_ENVIRONMENT, "").strip().lower() != "deny"


def refused_address(address: Address, private: bool) -> bool:
    """Whether a webhook may not reach `address` (`private`: the shop's network and this machine
    allowed)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:169.254.169.254 is 169.254.169.254
    if address.is_loopback:  # this machine, 127.x and ::1 alike (Python counts ::1 reserved: ::/8)
        return not private
    if address.is_link_local or address.is_multicast or address.is_unspecified or address.is_reserved:
        return True
    return not private and (address.is_private or address.is_loopback)


MAX_NAME = 253
"""The longest host name DNS carries (RFC 1035: 255 octets on the wire), in characters."""
MAX_LABEL = 63
"""The longest label of a host name (RFC 1035)."""


def _resolvable_name(host: str) -> bool:
    """Whether DNS could carry the (IDNA-encoded) host name: no empty label, none over MAX_LABEL,
    the whole no longer than MAX_NAME. Any other is never resolved (a label too long fails in the
    resolver's IDNA codec): a webhook to it would fail at every delivery (hostile-s40)."""
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    return 0 < len(name) <= MAX_NAME and all(0 < len(label) <= MAX_LABEL for label in labels)


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


class RefusedAddress(Exception):
    """A webhook's host resolves to an address it may not reach (`refused_address`)."""


class Webhook(BaseModel):
    id: str
    url: str
    events: list[str]
    created_at: dt.datetime


class WebhookCreated(Webhook):
    secret: str
    """Shown once: deliveries are signed with it."""


class Delivery(BaseModel):
    delivery: str
    event: str
    attempt: int
    status_code: int | None
    error: str | None
    at: dt.datetime


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _check_url(url: str, private: bool = True) -> None:
    if any(ord(ch) < 32 or ch == "\x7f" for ch in url):  # a control character, a NUL: no URL has one
        raise InputError("url", N_("not a URL"))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # a port that is no number 0..65535 raises: every delivery would fail
        host = httpx.URL(url).host  # a name IDNA refuses ('xn--', a zero-width space): never sent
    except (ValueError, httpx.InvalidURL):
        raise InputError("url", N_("not a URL")) from None
    if _literal(host.strip("[]")) is None and not _resolvable_name(host):
        raise InputError("url", N_("not a URL"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError("url", N_("must be an http:// or https:// URL with a host"))
    if any(ch.isspace() for ch in parts.netloc):  # no host has a space: every delivery would fail
        raise InputError("url", N_("not a URL"))
    address = _literal(parts.hostname)
    if address is not None and refused_address(address, private):
        raise InputError("url", N_("webhooks may not reach %(address)s") % {"address": str(address)})


def _local(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """A stored instant on the workshop's clock, as the shop floor's other times read (the POST
    answered in the server clock's offset, the list in UTC: audit13-s19 R4). SQLite drops the zone:
    stored in UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(tz)


def _view(row: webhooks_db.WebhookRow, tz: dt.tzinfo) -> Webhook:
    return Webhook(id=row.id, url=row.url, events=list(row.events), created_at=_local(row.created_at, tz))


class Webhooks:
    """Subscriptions over the service's store; `transport` and `retry_delays` are injectable
    (tests: an httpx.MockTransport and no waiting)."""

    def __init__(
        self,
        service: PlanningService,
        transport: httpx.BaseTransport | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        sleep: Callable[[float], None] = time.sleep,
        private: bool | None = None,
    ) -> None:
        self.service = service
        self.transport = transport
        self.private = private_networks_allowed() if private is None else private
        """The shop's network and this machine may be reached (`PRIVATE_ENVIRONMENT`)."""
        self.retry_delays = tuple(retry_delays)
        self.sleep = sleep
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def create(self, workshop_id: str, url: str, events: Sequence[str], secret: str | None) -> WebhookCreated:
        _check_url(url, self.private)
        if not events:
            raise InputError(
                "events", N_("name at least one of %(join_events)s") % {"join_events": ", ".join(EVENTS)}
            )
        for e in events:
            if e not in EVENTS:
                raise InputError(
                    "events",
                    N_("unknown event %(e)r: one of %(join_events)s")
                    % {"e": e, "join_events": ", ".join(EVENTS)},
                )
        if secret is not None and not secret.strip():
            raise InputError("secret", N_("must not be empty: send one, or none to have one made"))
        tz = self.service.workshop(workshop_id).tz  # NotFound
        webhook_id, wanted = "WH-" + uuid.uuid4().hex[:12], sorted(set(events), key=EVENTS.index)
        secret, created_at = secret or secrets.token_urlsafe(32), self.service.clock.now()
        with self.service.store.transaction() as session:
            if len(webhooks_db.of_workshop(session, workshop_id)) >= MAX_WEBHOOKS:
                raise InputError(
                    "url",
                    N_("at most %(max_webhooks)s webhooks a workshop: delete one first")
                    % {"max_webhooks": MAX_WEBHOOKS},
                )
            row = webhooks_db.add(session, webhook_id, workshop_id, url, wanted, secret, created_at)
            view = _view(row, tz)
        return WebhookCreated(**view.model_dump(), secret=row.secret)

    def of_workshop(self, workshop_id: str) -> list[Webhook]:
        tz = self.service.workshop(workshop_id).tz
        with self.service.store.sessions() as session:
            return [_view(r, tz) for r in webhooks_db.of_workshop(session, workshop_id)]

    def delete(self, workshop_id: str, webhook_id: str) -> None:
        with self.service.store.transaction() as session:
            row = webhooks_db.get(session, workshop_id, webhook_id)
            if row is None:
                raise self.service.not_found(
                    session, workshop_id, N_("webhook %(webhook_id)r") % {"webhook_id": webhook_id}
                )
            webhooks_db.remove(session, row)

    def deliveries(self, workshop_id: str, webhook_id: str, limit: int = SHOWN_DELIVERIES) -> list[Delivery]:
        """The newest `limit` delivery attempts, oldest first (the log keeps the newest
        `KEPT_DELIVERIES` of each webhook)."""
        with self.service.store.sessions() as session:
            if webhooks_db.get(session, workshop_id, webhook_id) is None:
                raise self.service.not_found(
                    session, workshop_id, N_("webhook %(webhook_id)r") % {"webhook_id": webhook_id}
                )
            tz = self.service.workshop(workshop_id, session).tz
            return [
                Delivery(
                    delivery=r.delivery,
                    event=r.event,
                    attempt=r.attempt,
                    status_code=r.status_code,
                    error=r.error,
                    at=_local(r.at, tz),
                )
                for r in webhooks_db.deliveries(session, webhook_id, limit)
            ]

    # Delivery
    def emit(self, workshop_id: str, event: str, data: object) -> int:
        """Deliver `event` to each of the workshop's webhooks subscribed to it, each in a background
        thread; how many deliveries were started."""
        with self.service.store.sessions() as session:
            targets = [
                (r.id, r.url, r.secret)
                for r in webhooks_db.of_workshop(session, workshop_id)
                if event in r.events
            ]
            if not targets:
                return 0
            tz = self.service.workshop(workshop_id, session).tz
        for webhook_id, url, secret in targets:
            delivery = "D-" + uuid.uuid4().hex[:12]
            body = json.dumps(
                {"id": delivery, "event": event, "workshop": workshop_id,
                 "at": self.service.clock.now().astimezone(tz).isoformat(), "data": data},
                default=str,
            ).encode()  # fmt: skip
            thread = threading.Thread(
                target=self._deliver, args=(webhook_id, delivery, event, url, secret, body), daemon=True
            )
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()
        return len(targets)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait for the deliveries started so far (tests)."""
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(timeout)
        return not any(t.is_alive() for t in threads)

    def _deliver(
        self, webhook_id: str, delivery: str, event: str, url: str, secret: str, body: bytes
    ) -> None:
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body),
                   "X-Bayplan-Event": event, "X-Bayplan-Delivery": delivery}  # fmt: skip
        with httpx.Client(transport=self.transport, timeout=TIMEOUT_SECONDS) as client:
            for attempt in range(1, len(self.retry_delays) + 2):
                if attempt > 1:
                    self.sleep(self.retry_delays[attempt - 2])
                status: int | None = None
                error: str | None = None
                try:
                    request = client.build_request("POST", url, content=body, headers=headers)
                    if self.transport is None:  # the network itself (tests inject a transport)
                        request = self._pinned(request)
                    status = client.send(request).status_code
                    if not 200 <= status < 300:
                        error = f"HTTP {status}"
                except (
                    httpx.HTTPError,
                    httpx.InvalidURL,
                    ValueError,
                ) as exc:  # a URL stored before its check
                    error = f"{type(exc).__name__}: {exc}"[:500]
                except RefusedAddress as exc:
                    self._log(webhook_id, delivery, event, attempt, None, str(exc))
                    return  # where its name points will not change by retrying soon
                self._log(webhook_id, delivery, event, attempt, status, error)
                if error is None:
                    return
        logger.warning(
            "webhook %s: delivery %s of %s failed after %d attempts", webhook_id, delivery, event, attempt
        )

    def _pinned(self, request: httpx.Request) -> httpx.Request:
        """The request sent to an address its host name resolves to now, checked (`refused_address`),
        so a name that resolves elsewhere by the time of connecting (DNS rebinding) reaches nothing
        else; the host name stays in the Host header and in TLS (SNI, the certificate's check)."""
        host = request.url.host
        address = _literal(host)
        if address is None:
            try:
                found = socket.getaddrinfo(host, request.url.port, type=socket.SOCK_STREAM)
            except OSError as exc:
                raise httpx.ConnectError(f"{host}: {exc}", request=request) from None
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
            refused = next((a for a in addresses if refused_address(a, self.private)), None)
            if refused is not None or not addresses:
                raise RefusedAddress(f"refused: {host} resolves to {refused}, which webhooks may not reach")
            address = addresses[0]
        elif refused_address(address, self.private):
            raise RefusedAddress(f"refused: webhooks may not reach {address}")
        if _literal(host) is not None:
            return request
        pinned = request.url.copy_with(host=str(address))
        extensions = {**request.extensions, "sni_hostname": host}
        return httpx.Request(
            request.method, pinned, headers=request.headers, content=request.content, extensions=extensions
        )

    def _log(
        self, webhook_id: str, delivery: str, event: str, attempt: int, status: int | None, error: str | None
    ) -> None:
        try:
            with self.service.store.transaction() as session:
                webhooks_db.add_delivery(
                    session, webhook_id, delivery, event, attempt, status, error, self.service.clock.now()
                )
        except Exception:
            logger.exception("webhook %s: could not log delivery %s", webhook_id, delivery)
