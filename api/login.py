"""Signing in for the web pages: an API key entered once becomes an HttpOnly, SameSite cookie.

A browser cannot put `X-API-Key` on a page navigation, so the pages (and their scripts' calls to
/v1) carry the key in a cookie instead; the same role and workshop rules apply to it.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scheduler.keys import KeyStore

COOKIE = "bayplan_key"

_FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · bayplan</title>
<style>body{{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}
label,input,button{{display:block;width:100%;font:inherit;margin:.4rem 0}}input{{padding:.5rem}}
button{{padding:.6rem;background:#0072B2;color:#fff;border:0;border-radius:4px}}.error{{color:#a00}}</style>
</head><body><h1>bayplan</h1>
<form method="post" action="/login">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="{next}">
<button type="submit">Sign in</button>
</form>{error}</body></html>"""


def _safe_next(value: str) -> str:
    """Only a path on this site (no open redirect)."""
    return value if value.startswith("/") and not value.startswith("//") else "/"


def make_router(keys: KeyStore | None) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login")
    def login_form(next: str = "/") -> HTMLResponse:
        return HTMLResponse(_FORM.format(next=html.escape(_safe_next(next)), error=""))

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace")[:4096])
        key = (form.get("key") or [""])[0].strip()
        target = _safe_next((form.get("next") or ["/"])[0])
        if keys is not None and keys.verify(key) is None:
            page = _FORM.format(
                next=html.escape(target), error='<p class="error" role="alert">Unknown or revoked key.</p>'
            )
            return HTMLResponse(page, status_code=401)
        response = RedirectResponse(target, status_code=303)
        if keys is not None:
            response.set_cookie(COOKIE, key, httponly=True, samesite="strict", max_age=12 * 3600)
        return response

    @router.post("/logout")
    def logout() -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    return router
