"""Who may call what: the `X-API-Key` header (or a web session's cookie), checked against the
key's role and workshops by `KeyInfo.refusal` (the same rule the pages use). A state-changing
request signed in by the cookie must come from this site (Origin or Referer), so another site
cannot make a signed-in browser act."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader

from api.deps import services
from api.login import COOKIE, check_same_origin
from scheduler.i18n import N_
from scheduler.keys import KeyInfo, KeyStore, Role

HEADER = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key (`bayplan keys create`); not for /health."
)
_CHALLENGE = {"WWW-Authenticate": "ApiKey"}


def require(*roles: Role) -> Callable[..., Awaitable[KeyInfo | None]]:
    """A dependency admitting `roles` (and admin) whose key covers the path's workshop; None when
    API keys are off (the local-development switch: everyone is admitted). A key whose check is
    cached is admitted on the event loop; anything that reads the database runs in a thread."""

    async def check(request: Request, key: str | None = Security(HEADER)) -> KeyInfo | None:
        keys = services(request).keys
        if keys is None:
            return None
        if key:
            known, info = keys.remembered(key)
            if known:
                return admitted(request, info)
        return await run_in_threadpool(checked, request, key, keys)

    def admitted(request: Request, info: KeyInfo | None) -> KeyInfo:
        if info is None:
            raise HTTPException(401, N_("unknown or revoked API key"), _CHALLENGE)
        refusal = info.refusal(roles, request.path_params.get("workshop_id"))
        if refusal is not None:
            raise HTTPException(403, refusal)
        return info

    def checked(request: Request, key: str | None, keys: KeyStore) -> KeyInfo:
        if key:
            info = keys.verify(key)
            if info is None:
                raise HTTPException(401, N_("unknown or revoked API key"), _CHALLENGE)
        elif request.cookies.get(COOKIE):  # the web pages sign in with a session cookie
            info = keys.verify_session(request.cookies[COOKIE])
            if info is None:
                raise HTTPException(401, N_("signed out, or the session expired: sign in again"), _CHALLENGE)
            check_same_origin(request)
        else:
            raise HTTPException(401, N_("an API key is required (header X-API-Key)"), _CHALLENGE)
        return admitted(request, info)

    return check


# Who may do what (the README's role table): one alias per group of roles.
BookingKey = Annotated[KeyInfo | None, Depends(require(Role.booking))]
ReadingKey = Annotated[KeyInfo | None, Depends(require(Role.booking, Role.foreman, Role.manager))]
BookingsReadKey = Annotated[KeyInfo | None, Depends(require(Role.booking, Role.foreman))]
ForemanKey = Annotated[KeyInfo | None, Depends(require(Role.foreman))]
PlansReadKey = Annotated[KeyInfo | None, Depends(require(Role.foreman, Role.manager))]
ManagerKey = Annotated[KeyInfo | None, Depends(require(Role.manager))]
JobsKey = Annotated[KeyInfo | None, Depends(require(Role.foreman, Role.manager))]
AdminKey = Annotated[KeyInfo | None, Depends(require())]


def ensure_workshop(info: KeyInfo | None, workshop_id: str) -> None:
    """For routes whose workshop is in the body or a job (the stateless plan, jobs, simulations)."""
    if info is not None and not info.may_act_on(workshop_id):
        raise HTTPException(
            403, N_("this key is not for workshop %(workshop_id)r") % {"workshop_id": workshop_id}
        )
