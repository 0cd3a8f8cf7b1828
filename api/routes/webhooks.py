"""Webhooks of a workshop: subscriptions to shop-floor events (booking.at_risk, booking.done,
plan.changed), signed deliveries, and each delivery's attempts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import ManagerKey
from api.deps import WebhooksDep
from api.errors import BodyRoute
from api.schemas import InputProblem, WebhookIn
from scheduler.webhooks import (
    KEPT_DELIVERIES,
    MAX_WEBHOOKS,
    SHOWN_DELIVERIES,
    Delivery,
    Webhook,
    WebhookCreated,
)

router = APIRouter(prefix="/v1/workshops", tags=["webhooks"], route_class=BodyRoute)


@router.post(
    "/{workshop_id}/webhooks",
    status_code=201,
    responses={
        422: {
            "model": InputProblem,
            "description": "not an http(s) URL, an unknown event, or the workshop has"
            f" {MAX_WEBHOOKS} webhooks already",
        }
    },
)
def create_webhook(workshop_id: str, body: WebhookIn, webhooks: WebhooksDep, _: ManagerKey) -> WebhookCreated:
    """Subscribe a URL to events; deliveries carry `X-Bayplan-Signature: sha256=<hex HMAC-SHA256 of
    the body>` with the secret, shown only here (made if none is sent)."""
    return webhooks.create(workshop_id, body.url, body.events, body.secret)


@router.get("/{workshop_id}/webhooks")
def list_webhooks(workshop_id: str, webhooks: WebhooksDep, _: ManagerKey) -> list[Webhook]:
    """The workshop's webhooks (their secrets are not shown again)."""
    return webhooks.of_workshop(workshop_id)


@router.delete("/{workshop_id}/webhooks/{webhook_id}", status_code=204)
def delete_webhook(workshop_id: str, webhook_id: str, webhooks: WebhooksDep, _: ManagerKey) -> Response:
    """Stop delivering to a webhook; its delivery log can no longer be read."""
    webhooks.delete(workshop_id, webhook_id)
    return Response(status_code=204)


@router.get("/{workshop_id}/webhooks/{webhook_id}/deliveries")
def webhook_deliveries(
    workshop_id: str,
    webhook_id: str,
    webhooks: WebhooksDep,
    _: ManagerKey,
    limit: Annotated[
        int, Query(ge=1, le=KEPT_DELIVERIES, description="the newest this many attempts")
    ] = SHOWN_DELIVERIES,
) -> list[Delivery]:
    """A webhook's newest delivery attempts (`limit`, default 200), oldest first: the status code or
    the error, and when. The log keeps each webhook's newest 2,000."""
    return webhooks.deliveries(workshop_id, webhook_id, limit)
