"""API keys (admins): created within the admin's own workshops, listed, revoked."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from api.auth import AdminKey
from api.deps import KeysDep
from api.errors import BodyRoute
from api.examples import json_body
from api.schemas import KeyIn, KeyOut, KeyView, key_out, key_view
from scheduler.errors import NotFound
from scheduler.i18n import N_
from scheduler.keys import KeyStore, check_workshop_ids

router = APIRouter(prefix="/v1/keys", tags=["keys"], route_class=BodyRoute)


def _on(keys: KeyStore | None) -> KeyStore:
    if keys is None:
        raise HTTPException(404, N_("API keys are off on this server (BAYPLAN_AUTH=off)"))
    return keys


@router.post(
    "",
    status_code=201,
    summary="Create an API key",
    description="Shown once in the answer; only its hash is stored.",
    openapi_extra=json_body({"role": "booking", "workshops": ["small-dealer"], "label": "front desk"}),
)
def create_key(body: KeyIn, keys: KeysDep, key: AdminKey) -> KeyOut:
    check_workshop_ids(body.workshops)  # an impossible id is a 422 whoever asks, not a 403
    refused = None if key is None else key.grant_refusal(body.workshops)
    if refused is not None:
        raise HTTPException(403, refused)
    made, info = _on(keys).create(body.role, body.workshops, body.label, body.technician)
    return key_out(made, info)


@router.get("", summary="API keys", description="The keys within the caller's workshops (never the keys).")
def list_keys(keys: KeysDep, key: AdminKey) -> list[KeyView]:
    return [key_view(info) for info in _on(keys).list(within=key)]


@router.delete(
    "/{key_id}", status_code=204, summary="Revoke an API key", description="It stops working at once."
)
def revoke_key(key_id: str, keys: KeysDep, key: AdminKey) -> Response:
    if not _on(keys).revoke(key_id, within=key):  # a key outside the caller's scope: unknown
        raise NotFound(N_("key %(key_id)r") % {"key_id": key_id})
    return Response(status_code=204)
