"""Who may call what: the `X-API-Key` header (or a web session's cookie), checked against the
key's role and workshops. A state-changing request signed in by the cookie must come from this
site (Origin or Referer), so another site cannot make a signed-in browser act."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from api.login import COOKIE, check_same_origin
from scheduler.keys import KeyInfo, KeyStore, Role

HEADER = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key (`bayplan keys create`); not for /health."
)
_CHALLENGE = {"WWW-Authenticate": "ApiKey"}


def guard(keys: KeyStore | None, *roles: Role) -> Callable[..., KeyInfo | None]:
    """A dependency admitting `roles` (and admin) whose key covers the path's workshop.
    With `keys` None (the local-development switch) everyone is admitted."""

    def check(request: Request, key: str | None = Security(HEADER)) -> KeyInfo | None:
        if keys is None:
            return None
        if key:
            info = keys.verify(key)
            if info is None:
                raise HTTPException(401, "unknown or revoked API key", _CHALLENGE)
        elif request.cookies.get(COOKIE):  # the web pages sign in with a session cookie
            info = keys.verify_session(request.cookies[COOKIE])
            if info is None:
                raise HTTPException(401, "signed out, or the session expired: sign in again", _CHALLENGE)
            check_same_origin(request)
        else:
            raise HTTPException(401, "an API key is required (header X-API-Key)", _CHALLENGE)
        if info.role is not Role.admin and info.role not in roles:
            allowed = ", ".join(r.value for r in roles) or "admin"
            raise HTTPException(403, f"a {info.role.value} key may not do this (needs: {allowed})")
        workshop_id = request.path_params.get("workshop_id")
        if workshop_id is not None and not info.may_act_on(workshop_id):
            raise HTTPException(403, f"this key is not for workshop {workshop_id!r}")
        return info

    return check


def ensure_workshop(info: KeyInfo | None, workshop_id: str) -> None:
    """For routes whose workshop is in the body (the stateless plan)."""
    if info is not None and not info.may_act_on(workshop_id):
        raise HTTPException(403, f"this key is not for workshop {workshop_id!r}")
