"""Signing in for the web pages: an API key entered once starts a session, kept in an HttpOnly,
SameSite cookie.

A browser cannot put `X-API-Key` on a page navigation, so the pages (and their scripts' calls to
/v1) carry a session id in a cookie instead; the same role and workshop rules apply to it. The
cookie holds a random session id (stored only hashed, expiring after 12 h, ended by signing out
or by revoking the key), never the key. It is `Secure` when the request came over HTTPS or
BAYPLAN_SECURE_COOKIES=1 (behind a TLS proxy). A POST authenticated by the cookie (and the
sign-in itself) must come from this site: its Origin, or without one its Referer, names this host.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from api.deps import services
from api.i18n import translator
from scheduler.i18n import N_, SUPPORTED, Translator, html_lang
from scheduler.keys import SESSION_HOURS

COOKIE = "bayplan_session"
OLD_COOKIE = "bayplan_key"  # held the key itself before sessions: removed at sign-in and sign-out
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check_same_origin(request: Request) -> None:
    """Refuse (403) a state-changing request a browser sent from another site: its Origin header,
    or without one its Referer, must name the host the request was sent to."""
    if request.method not in UNSAFE_METHODS:
        return
    origin = request.headers.get("origin")
    sender = origin if origin is not None else request.headers.get("referer")
    host = request.headers.get("host", "").lower()
    try:
        parts = urlsplit(sender or "")
        sender_host = parts.netloc.lower() if parts.scheme in ("http", "https") else ""
    except ValueError:
        sender_host = ""
    if not host or sender_host != host:
        said = f"Origin {origin!r}" if origin is not None else f"Referer {sender!r}"
        raise HTTPException(
            403,
            N_(
                "cross-site request refused: a signed-in browser request needs an Origin (or Referer)"
                " header naming this site (%(host)r); got %(header)s"
            )
            % {"host": host, "header": said},
        )


_FORM = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · bayplan</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<style>body{{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}
label,input,button{{display:block;width:100%;box-sizing:border-box;font:inherit;margin:.4rem 0}}
input{{padding:.5rem}}
button{{padding:.6rem;background:#0072B2;color:#fff;border:0;border-radius:4px}}.error{{color:#a00}}
.lang a{{margin-right:.6rem}}</style>
</head><body><h1>bayplan</h1>
<form method="post" action="/login">
<label for="key">{key_label}</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="{next}">
<button type="submit">{sign_in}</button>
</form>{error}{switch}</body></html>"""


def language_switch(t: Translator, here: str) -> Markup:
    """Links to read this page in each language (the current one marked); on every page."""
    names = {"en": "English", "zh_CN": "中文"}
    links = []
    for code in SUPPORTED:
        href = f"/lang/{html_lang(code)}?next={quote(here, safe='')}"
        current = ' aria-current="true"' if code == t.locale else ""
        links.append(f'<a href="{html.escape(href)}" lang="{html_lang(code)}"{current}>{names[code]}</a>')
    label = html.escape(t.gettext("Language"))
    return Markup(f'<nav class="lang" aria-label="{label}">{"".join(links)}</nav>')


def _form(request: Request, next: str, error: str = "") -> str:
    t = translator(request)
    here = "/login" + (f"?next={quote(next, safe='')}" if next != "/" else "")
    if error:
        error = f'<p class="error" role="alert">{html.escape(t.gettext(error))}</p>'
    return _FORM.format(
        lang=html_lang(t.locale),
        title=html.escape(t.gettext("Sign in")),
        key_label=html.escape(t.gettext("API key")),
        sign_in=html.escape(t.gettext("Sign in")),
        next=html.escape(next),
        error=error,
        switch=language_switch(t, here),
    )


def _safe_next(value: str) -> str:
    """Only a path on this site (no open redirect)."""
    return value if value.startswith("/") and not value.startswith("//") else "/"


router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return HTMLResponse(_form(request, _safe_next(next)))


@router.post("/login")
async def login(request: Request) -> Response:
    check_same_origin(request)  # no signing a victim in to someone else's account
    keys = services(request).keys
    form = parse_qs((await request.body()).decode("utf-8", "replace")[:4096])
    key = (form.get("key") or [""])[0].strip()
    target = _safe_next((form.get("next") or ["/"])[0])
    session_id = keys.start_session(key) if keys is not None else None
    if keys is not None and session_id is None:
        return HTMLResponse(_form(request, target, N_("Unknown or revoked key.")), status_code=401)
    response = RedirectResponse(target, status_code=303)
    if session_id is not None:
        # Secure over HTTPS, or when told (BAYPLAN_SECURE_COOKIES: a TLS proxy in front).
        secure = services(request).secure_cookies or request.url.scheme == "https"
        response.set_cookie(COOKIE, session_id, httponly=True, samesite="strict",
                            max_age=SESSION_HOURS * 3600, secure=secure)  # fmt: skip
        response.delete_cookie(OLD_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    check_same_origin(request)
    keys = services(request).keys
    if keys is not None and request.cookies.get(COOKIE):
        keys.end_session(request.cookies[COOKIE])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    response.delete_cookie(OLD_COOKIE)
    return response
