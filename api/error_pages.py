"""Errors as a person reads them: a browser opening a page (an unknown workshop in a stale link, a
date mistyped in the address, a path no page has) gets a page in its language with a way back,
not the API's JSON body. The /v1 API, its docs and scripts (anything not asking for HTML) keep the
JSON error bodies of api/errors.py unchanged; the page says the same words as that body's `detail`
(its `msg`s for a 422, with the value refused).
"""

from __future__ import annotations

import html
import json

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.i18n import translator
from api.login import language_switch
from scheduler.i18n import N_, Translator, html_lang

NOT_PAGES = ("/v1/", "/static/", "/health", "/metrics", "/docs", "/redoc", "/openapi.json")
"""Paths whose errors stay JSON whatever the client accepts (the API and what serves it)."""

TITLES = {
    404: N_("This page does not exist"),
    403: N_("This page is not open to this key"),
}
OTHER_TITLE = N_("This page cannot be shown")

_FRAME = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · bayplan</title>
<link rel="stylesheet" href="/static/app.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head><body>
<header class="top"><a class="brand" href="/">bayplan</a>{switch}</header>
<main id="main"><h1>{title}</h1>
<div class="error" role="alert" id="error-detail">{lines}</div>
<p><a class="button" href="/">{back}</a></p></main>
</body></html>"""


def wants_page(request: Request) -> bool:
    """A browser asking for a page: HTML accepted, and not a path of the API."""
    path = request.url.path
    if path == "/v1" or path.startswith(NOT_PAGES):
        return False
    return "text/html" in request.headers.get("accept", "")


def _lines(detail: object, t: Translator) -> list[str]:
    """What the JSON body's `detail` says, a line per problem: a 422's `msg`, after the value refused."""
    if isinstance(detail, str):
        return [detail]
    lines: list[str] = []
    for item in detail if isinstance(detail, list) else []:
        if not isinstance(item, dict):
            continue
        msg = str(item.get("msg", ""))
        value = item.get("input")
        shown = isinstance(value, str | int | float)
        lines.append(t.gettext("%(problem)s: %(reason)s", problem=f"«{value}»", reason=msg) if shown else msg)
    return lines


def error_page(request: Request, response: Response) -> Response:
    """`response` (an API error body) as a page in the request's language, same status and headers."""
    try:
        detail = json.loads(bytes(response.body)).get("detail")
    except (ValueError, AttributeError):
        return response
    t = translator(request)
    title = t.gettext(TITLES.get(response.status_code, OTHER_TITLE))
    here = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in _lines(detail, t))
    page = _FRAME.format(
        lang=html_lang(t.locale),
        title=html.escape(title),
        switch=language_switch(t, here),
        lines=lines,
        back=html.escape(t.gettext("Back to the workshops")),
    )
    headers = {
        k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")
    }
    return HTMLResponse(page, status_code=response.status_code, headers=headers)
