"""Errors and limits: every exception the service raises becomes a JSON error body with the right
status (422 naming the field, 404, 409 with alternatives, 413, 429, 503 — never a 500), and the
limits a request must keep (body size here; bookings, solver seconds and simulation budgets where
they are checked, in scheduler.day_plans and simulation.jobs).

The human text of an error (`msg` of a 422 item, `detail` of the others) reads in the request's
language (Accept-Language, as the pages); the field paths (`loc`), the machine `type`, `ctx` and
`input` never change, and an English request gets the English bodies unchanged. The texts are
translated whole (`Translator.phrase`) from the templates they are made from: bayplan's own (marked
`N_` where they are raised) and pydantic's common ones (`PYDANTIC_TEXTS`). What stays English: a
pydantic message not listed there, and the texts of the simulation's history and fit files.
"""

from __future__ import annotations

import codecs
import datetime as dt
import inspect
import json
import math
import re
from collections.abc import Callable, Collection, Coroutine, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, get_args

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.error_pages import error_page, wants_page
from api.i18n import translator, workshop_translator
from api.schemas import ConflictProblem, MediaTypeProblem, Problem, slot_list
from scheduler.errors import (
    CancelledReplay,
    Conflict,
    InputError,
    NotFound,
    PreconditionFailed,
    WorkshopConflict,
    precise_loc,
    shorten_echoes,
)
from scheduler.i18n import DEFAULT, N_, Translator
from scheduler.jobs import Busy, ElsewhereError, JobCancelled
from simulation.jobs import OverBudget

MAX_BODY_BYTES = 2 * 1024 * 1024

ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": Problem, "description": "the body is not JSON"},
    401: {"model": Problem, "description": "no API key, or an unknown or revoked one"},
    403: {
        "model": Problem,
        "description": "the key's role or workshops do not cover this, or a signed-in browser's"
        " request came from another site (Origin/Referer)",
    },
    404: {"model": Problem, "description": "unknown workshop, booking, plan, job or key"},
    409: {
        "model": ConflictProblem,
        "description": "it no longer fits (with alternatives), or the day changed, or a booking"
        " request's `Idempotency-Key` made a booking that was cancelled since (`booking`, `cancelled_at`)",
    },
    413: {"model": Problem, "description": "the body is too large"},
    415: {
        "model": MediaTypeProblem,
        "description": "a JSON route's body sent as something else (text/plain, a form, no Content-Type),"
        " the CSV import's as JSON, a form or with no Content-Type, or a body declared in a charset"
        " other than UTF-8 (`charset`)",
    },
    429: {"model": Problem, "description": "the solver pool (plans, or simulations) is busy: retry later"},
    503: {"model": Problem, "description": "a solver process died: retry"},
}


#: pydantic's common messages (pydantic_core's templates), translated when a request's language is
#: not English; any other pydantic message stays in English.
PYDANTIC_TEXTS = (
    N_("Field required"),
    N_("Extra inputs are not permitted"),
    N_("Value error, %(reason)s"),
    N_("Assertion failed, %(reason)s"),
    N_("Input should be a valid integer"),
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("Input should be a valid integer, got a number with a fractional part"),
    N_("Input should be a valid number"),
    N_("Input should be a valid number, unable to parse string as a number"),
    N_("Input should be a finite number"),
    N_("Input should be a valid string"),
    N_("Input should be a valid boolean"),
    N_("Input should be a valid boolean, unable to interpret input"),
    N_("Input should be a valid list"),
    N_("Input should be a valid dictionary"),
    N_("Input should be a valid dictionary or instance of %(class_name)s"),
    N_("Input should be a valid date"),
    N_("Input should be a valid date in the format YYYY-MM-DD, %(error)s"),
    N_("Input should be a valid datetime, %(error)s"),
    N_("Input should be a valid datetime or date, %(error)s"),
    N_("Input should be a valid time, %(error)s"),
    N_("Input should be a valid date or datetime, %(error)s"),
    N_("input is too short"),
    N_("invalid character in year"),
    N_("invalid character in month"),
    N_("invalid character in day"),
    N_("invalid character in hour"),
    N_("invalid date separator, expected `-`"),
    N_("month value is outside expected range of 1-12"),
    N_("day value is outside expected range"),
    N_("hour value is outside expected range of 0-23"),
    N_("minute value is outside expected range of 0-59"),
    N_("unexpected extra characters at the end of the input"),
    N_("Input should have timezone info"),
    N_("Input should be greater than %(gt)s"),
    N_("Input should be greater than or equal to %(ge)s"),
    N_("Input should be less than %(lt)s"),
    N_("Input should be less than or equal to %(le)s"),
    N_("Input should be %(expected)s"),
    N_("String should have at least %(min_length)s characters"),
    N_("String should have at most %(max_length)s characters"),
    N_("String should match pattern '%(pattern)s'"),
    N_("List should have at least %(min_length)s items after validation, not %(actual_length)s"),
    N_("List should have at most %(max_length)s items after validation, not %(actual_length)s"),
    # pydantic says "item" for one ("at least 1 item after validation, not 0": an empty list of
    # events, technicians, workshops)
    N_("List should have at least %(min_length)s item after validation, not %(actual_length)s"),
    N_("List should have at most %(max_length)s item after validation, not %(actual_length)s"),
    N_("JSON decode error"),
    N_("Invalid JSON: %(error)s"),
    # serde_json's, inside "Invalid JSON: …" (a file or body cut short or mistyped)
    N_("EOF while parsing a value at line %(line)d column %(column)d"),
    N_("EOF while parsing an object at line %(line)d column %(column)d"),
    N_("EOF while parsing a list at line %(line)d column %(column)d"),
    N_("EOF while parsing a string at line %(line)d column %(column)d"),
    N_("expected value at line %(line)d column %(column)d"),
    N_("expected `,` or `}` at line %(line)d column %(column)d"),
    N_("expected `,` or `]` at line %(line)d column %(column)d"),
    N_("expected `:` at line %(line)d column %(column)d"),
    N_("key must be a string at line %(line)d column %(column)d"),
    N_("trailing comma at line %(line)d column %(column)d"),
    N_("trailing characters at line %(line)d column %(column)d"),
    N_("expected ident at line %(line)d column %(column)d"),
    # Starlette's own: a path no route has, a method the path has not.
    N_("Not Found"),
    N_("Method Not Allowed"),
    # Our own texts made in this module and by the domain's "unknown …" (NotFound).
    N_("unknown %(what)s"),
    # ("unknown" + "plan of …" read "未知的车间 'w' 在 D 的排程": as if the workshop were unknown)
    N_("unknown plan of %(workshop_id)r for %(date)s"),
    # (the same: "未知的车间 'tiny' 的第 99 版" read as if the workshop 'tiny' were unknown)
    N_("unknown version %(number)s of workshop %(workshop_id)r"),
    N_("the job was cancelled (%(why)s)"),
    N_("the body is over %(limit)s bytes"),
    N_("a solver process died; the pool restarts with the next request: retry"),
)


def _language(request: Request, named: bool = False) -> Translator | None:
    """The request's translator when it is not English (English bodies are left as they are);
    `named`: with the names of the workshop in the path (a refusal that names its operations)."""
    t = workshop_translator(request) if named else translator(request)
    return None if t.locale == DEFAULT else t


def _worded(request: Request, text: str, named: bool = False) -> str:
    """bayplan's own text, a long value quoted in it cut short, in the request's language
    (`named`: with the workshop's own names, for the refusals of its bookings and changes)."""
    text = shorten_echoes(text)
    t = _language(request, named)
    return text if t is None else t.phrase(text)


#: A 422 echoes at most this much of the offending input (a string cut short; a larger value left out).
MAX_ECHO = 200


def _json_safe(value: object) -> object:
    """`value` as plain JSON: non-finite floats (NaN, Infinity: not JSON) and exceptions as strings;
    half a UTF-16 pair (JSON's "\\ud800", not UTF-8: the body failed to render, a 500) escaped."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(_json_safe(str(k))): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, BaseException):
        return _json_safe(str(value))
    if value is None or isinstance(value, int | float):
        return value
    try:
        return _json_safe(jsonable_encoder(value))
    except Exception:  # anything else is shown as text
        return _json_safe(str(value))


#: How pydantic lists the values a field may take ("'a', 'b' or 'c'"), its last word translated.
OR = N_(" or ")


def _choices(msg: str, error: Any, t: Translator) -> str:
    """`msg` with the choice of values it names (a literal's or an enum's `expected`) read in `t`'s
    language: "应为 'a', 'b' 或 'c'"; the values as they are."""
    expected = (error.get("ctx") or {}).get("expected")
    if not isinstance(expected, str) or OR not in expected or expected not in msg:
        return msg
    first, last = expected.rsplit(OR, 1)
    return msg.replace(expected, first + t.gettext(OR) + last)


def validation_problem(errors: Sequence[Any], t: Translator | None = None) -> list[dict[str, object]]:
    """A request's validation errors as a JSON-safe 422 detail: loc (down to the field a model's own
    check named: ["body", "bays", 0, "kind"], not ["body"]), msg (in `t`'s language when
    given), type, ctx, and the input only while it is short (a long string cut to MAX_ECHO
    characters)."""
    detail: list[dict[str, object]] = []
    for error in errors:
        msg = shorten_echoes(str(error.get("msg", "")))  # a long date or id quoted by our validators
        loc = precise_loc(error)
        item: dict[str, object] = {
            "type": str(error.get("type", "value_error")),
            "loc": [part if isinstance(part, int) else str(part) for part in loc],
            "msg": msg if t is None else _choices(t.phrase(msg), error, t),
        }
        # The input is the checked model's: not shown under a field's more precise loc.
        if "input" in error and len(loc) == len(error.get("loc", ())):
            shown = _json_safe(error["input"])
            if isinstance(shown, str) and len(shown) > MAX_ECHO:
                item["input"] = shown[:MAX_ECHO] + "…"
            elif len(json.dumps(shown)) <= MAX_ECHO:
                item["input"] = shown
        if error.get("ctx"):
            item["ctx"] = _json_safe(error["ctx"])
        detail.append(item)
    return detail


@contextmanager
def located(where: str, fields: Collection[str]) -> Iterator[None]:
    """The service's InputError for one of `fields` of the request's `where` ("body", "query")
    located there, as FastAPI locates its own errors for the same request: ["body", "loan_car"],
    not ["loan_car"]. An error for another field (one the request did not send, a header) as it is."""
    try:
        yield
    except InputError as exc:
        if exc.field.split(".", 1)[0].split("[", 1)[0] not in fields:
            exc.placed = True  # decided here: left bare (not located again by the route's fields)
            raise
        raise InputError(f"{where}.{exc.field}", exc.reason, exc.source) from None


#: Where FastAPI says a field of a request comes from: the first part of its `loc`.
WHERES = ("body", "query", "path", "header", "cookie")

#: A part of an InputError's dotted path: a list index (`[3]`) or a name.
_PART = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def loc_of(field: str) -> list[str | int]:
    """An InputError's dotted path as a `loc`: "bookings[3].drop_off" → ["bookings", 3, "drop_off"]
    (a list index an integer, as pydantic's; a name, even one of digits, a string)."""
    parts: list[str | int] = []
    for index, name in _PART.findall(field):
        parts.append(int(index) if index.isdigit() else index or name)
    return parts or [field]


def _sources(route: APIRoute) -> dict[str, str]:
    """The names a route's request carries, each with where it comes from ("query", "body", …), as
    FastAPI locates them: a single (not embedded) body model's fields in the body, else the body
    parameters' own names."""
    names: dict[str, str] = {}
    dependants = [route.dependant]
    while dependants:
        dependant = dependants.pop()
        dependants.extend(dependant.dependencies)
        for where, params in (
            ("path", dependant.path_params),
            ("query", dependant.query_params),
            ("header", dependant.header_params),
            ("cookie", dependant.cookie_params),
        ):
            for param in params:
                names.setdefault(param.alias, where)
    body = route.dependant.body_params
    if route.body_field is not None and not getattr(route, "_embed_body_fields", True) and len(body) == 1:
        annotation = body[0].field_info.annotation
        for model in (annotation, *get_args(annotation)):  # a model, or an optional one
            if isinstance(model, type) and issubclass(model, BaseModel):
                for name, info in model.model_fields.items():
                    names.setdefault(info.alias or name, "body")
    else:
        for param in body:
            names.setdefault(param.alias, "body")
    return names


def located_loc(request: Request, exc: InputError) -> list[str | int]:
    """The `loc` of bayplan's own 422 as FastAPI's own for the same route: the field's source first
    (["body", "overruns", 0, "booking"], ["query", "now"]), list indexes as integers. A field the
    request does not carry (a stored value, an environment variable) or one a route placed itself
    (`located`) as it is."""
    loc = loc_of(exc.field)
    route = request.scope.get("route")
    if exc.placed or loc[0] in WHERES or not isinstance(route, APIRoute):
        return loc
    where = _sources(route).get(str(loc[0]))
    return loc if where is None else [where, *loc]


def _input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    loc = located_loc(request, exc)
    msg = _worded(request, exc.reason, named=True)
    return JSONResponse(
        status_code=422, content={"detail": [{"loc": loc, "msg": msg, "type": "value_error"}]}
    )


def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if _not_json(request, exc.body):
        return _unsupported(request, request.headers.get("content-type"))
    return JSONResponse(
        status_code=422, content={"detail": validation_problem(exc.errors(), _language(request))}
    )


def _over_budget(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OverBudget)
    msg = _worded(request, str(exc))
    detail = [{"loc": ["body", name], "msg": msg, "type": "value_error"} for name in exc.fields]
    return JSONResponse(status_code=422, content={"detail": detail})


def _conflict(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Conflict)
    alternatives = [s.model_dump(mode="json", exclude_none=True) for s in slot_list(exc.alternatives)]
    content: dict[str, object] = {"detail": _worded(request, str(exc), True), "alternatives": alternatives}
    if exc.reason is not None:
        content["reason"] = _worded(request, exc.reason, named=True)
    if not exc.forceable:
        content["forceable"] = False
    if isinstance(exc, CancelledReplay):  # a retry of a cancelled booking's request: which, and when
        content["booking"] = exc.booking_id
        content["cancelled_at"] = exc.cancelled_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return JSONResponse(status_code=409, content=content)


def _workshop_conflict(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkshopConflict)
    detail = _worded(request, str(exc), named=True)
    bookings = [
        {**b, "reasons": [_worded(request, str(why), named=True) for why in reasons]}
        if isinstance(reasons := b.get("reasons"), list)
        else b
        for b in exc.bookings
    ]
    bookings = [{**b, "car": _worded(request, str(b["car"]))} if "car" in b else b for b in bookings]
    return JSONResponse(
        status_code=409, content={"detail": detail, "bookings": bookings, "forceable": exc.forceable}
    )


def _precondition(request: Request, exc: Exception) -> JSONResponse:
    """412: a conditional request's header (If-Match) does not hold; the current tag in the body
    and as the answer's ETag."""
    assert isinstance(exc, PreconditionFailed)
    content = {"detail": _worded(request, str(exc)), "header": exc.header, "etag": exc.current}
    return JSONResponse(status_code=412, content=content, headers={"ETag": exc.current})


def _plain(
    status: int, text: str = "{}", headers: dict[str, str] | None = None
) -> Callable[..., JSONResponse]:
    def handle(request: Request, exc: Exception) -> JSONResponse:
        detail = _worded(request, text.format(exc))
        return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)

    return handle


async def _http(request: Request, exc: Exception) -> Response:
    """FastAPI's own handler (401, 403, 404 of an unknown route, …), its text in the request's language."""
    assert isinstance(exc, StarletteHTTPException)
    t = _language(request)
    if t is not None and isinstance(exc.detail, str):
        exc = HTTPException(exc.status_code, t.phrase(exc.detail), exc.headers)
    return await http_exception_handler(request, exc)


#: A 500's words: what went wrong is the server's log's, never the answer's (no traceback, no
#: exception text, which may quote stored data).
FAILED = N_(
    "the server failed on this request (its own error, logged): try again, and if it goes on,"
    " tell the administrator"
)


def _failed(request: Request, exc: Exception) -> Response:
    """Any error no handler above answers (a bug): a 500 in the request's language, JSON for the
    API and a page for a browser opening a page (`_for_people`), never Starlette's plain English
    "Internal Server Error". Starlette's ServerErrorMiddleware calls this and then raises the error
    on, so the server logs it with its traceback as before (review-s42, item 10)."""
    try:
        detail = _worded(request, FAILED)
    except Exception:  # the translator itself failing: the English words
        detail = FAILED
    return JSONResponse(status_code=500, content={"detail": detail})


def _broken(request: Request, exc: Exception) -> JSONResponse:
    detail = _worded(request, "a solver process died; the pool restarts with the next request: retry")
    return JSONResponse(status_code=503, content={"detail": detail}, headers={"Retry-After": "1"})


class BodyLimit:
    """The body-size limit: 413 for a declared length over `MAX_BODY_BYTES`, and for a body sent
    without one (chunked) once it grows past it (read here first, then handed to the route as it
    came). A plain ASGI middleware: `app.middleware("http")` runs every request in a task of its
    own with streams in between, which a booking storm pays for on every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await self._too_big(scope, receive, send)
            return
        if length is None and scope["method"] in ("POST", "PUT", "PATCH"):
            body, more = b"", True
            while more:
                message = await receive()
                if message["type"] != "http.request":  # the client went away: nothing to answer
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > MAX_BODY_BYTES:
                    await self._too_big(scope, receive, send)
                    return
            receive = _replay(body, receive)  # read once here; the route reads it from this copy
        await self.app(scope, receive, send)

    @staticmethod
    async def _too_big(scope: Scope, receive: Receive, send: Send) -> None:
        too_big = _worded(Request(scope), N_("the body is over %(limit)s bytes") % {"limit": MAX_BODY_BYTES})
        await JSONResponse(status_code=413, content={"detail": too_big})(scope, receive, send)


class NulPath:
    """A path with a NUL character names nothing (no id bayplan makes or takes has one): 404 here,
    before a route looks its id up (PostgreSQL takes no NUL in a text: the lookup was a 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "\x00" in scope["path"]:
            request = Request(scope)
            shown = repr(scope["path"][:MAX_ECHO])
            detail = _worded(request, N_("unknown %(what)s") % {"what": shown})
            response: Response = JSONResponse(status_code=404, content={"detail": detail})
            if wants_page(request):  # a browser opening a page: the page, as any other 404 (hostile-s40)
                response = error_page(request, response)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` that first hands over `body` whole, then waits as `receive` does (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def _for_people(handler: Callable[[Request, Exception], Any]) -> Callable[[Request, Exception], Any]:
    """`handler`, its JSON answer to a browser opening a page made a page in its language
    (api/error_pages.py); the API's answers as they are."""

    async def handle(request: Request, exc: Exception) -> Response:
        response = handler(request, exc)
        if inspect.isawaitable(response):
            response = await response
        assert isinstance(response, Response)
        if isinstance(response, JSONResponse) and wants_page(request):
            return error_page(request, response)
        return response

    return handle


JSON = "application/json"


def _not_json(request: Request, body: object) -> bool:
    """Whether a request refused by validation sent a JSON route's body as something else
    (text/plain, a form, no Content-Type): FastAPI then hands the route the body's bytes, which its
    model refuses with a 422 ["body"] "Input should be a valid dictionary" (review-s25); it is a 415
    naming the Content-Type. Checked only once validation failed: no cost to a good request, and the
    route's own dependencies (the key's 401/403) come first. A route of another body (the CSV
    import's text/csv: its own 415 in BodyRoute) and a request with no body are left to their 422."""
    route = request.scope.get("route")
    field = getattr(route, "body_field", None)
    expects = getattr(getattr(field, "field_info", None), "media_type", None)
    return expects == JSON and isinstance(body, bytes | bytearray) and bool(body)


def _unsupported(
    request: Request, content_type: str | None, expected: str = JSON, charset: str | None = None
) -> JSONResponse:
    """415: a body that came as `content_type` (None: none said) where the route reads `expected`;
    or, with `charset`, one declared in that charset (bodies are read as UTF-8 only)."""
    if charset is not None:
        text = N_("charset %(charset)r is not accepted: send the body as %(expected)s in UTF-8") % {
            "charset": charset,
            "expected": expected,
        }
    elif content_type:
        text = N_("Content-Type %(content_type)r is not accepted here: send the body as %(expected)s") % {
            "content_type": content_type,
            "expected": expected,
        }
    else:
        text = N_("no Content-Type: send the body as %(expected)s") % {"expected": expected}
    content: dict[str, object] = {
        "detail": _worded(request, text),
        "content_type": content_type,
        "expected": expected,
    }
    if charset is not None:
        content["charset"] = charset
    return JSONResponse(status_code=415, content=content)


CSV = "text/csv"


def _media(content_type: str) -> tuple[str, str | None]:
    """A Content-Type's media type ("text/plain" when it names none, as email.message, which FastAPI
    reads the header with, says) and charset (unquoted; None when not given), both lower case. Split
    by hand: email.message took 40 µs a request."""
    media_type, *params = content_type.split(";")
    media_type = media_type.strip().lower()
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
            break
    return (media_type if media_type.count("/") == 1 else "text/plain"), charset


def _utf8(charset: str) -> bool:
    """Whether `charset` names UTF-8 (utf-8, UTF8, "utf-8"…; a name no codec has does not, nor one
    with a NUL, which codecs.lookup refuses with a ValueError)."""
    if charset == "utf-8":  # the usual one, without a codec lookup
        return True
    try:
        return codecs.lookup(charset).name == "utf-8"
    except (LookupError, ValueError):
        return False


def _is_json(media_type: str) -> bool:
    """Whether FastAPI reads a body of `media_type` as JSON: application/json, application/*+json."""
    kind, _, subtype = media_type.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def media_refusal(scope: Scope, expected: str) -> JSONResponse | None:
    """The 415 for a request to a route reading `expected` (JSON, or the CSV import's text/csv)
    whose Content-Type it cannot take, None when it can (left to the route and its 422):
    - a charset other than UTF-8, on any such route: JSON is UTF-8 (RFC 8259 8.1) and the CSV import
      is read as UTF-8; nothing is decoded from another charset (it was read as UTF-8 all the same);
    - the CSV import's body as JSON, a multipart form, or with no Content-Type (which FastAPI reads
      as JSON); sent as any other type (text/csv, text/plain, curl's default form type) it is read
      as text, as before.
    A request with an empty body (Content-Length 0) is left to the route."""
    content_type: str | None = None
    for name, value in scope["headers"]:  # ASGI's: lower-case names, as bytes (no Headers: µs a request)
        if name == b"content-length" and value == b"0":
            return None
        if name == b"content-type" and content_type is None:
            content_type = value.decode("latin-1")
    if content_type is None:
        return _unsupported(Request(scope), None, expected) if expected == CSV else None
    if expected == JSON and ";" not in content_type:  # a JSON route's usual request: nothing to check
        return None
    media_type, charset = _media(content_type)
    if charset is not None and not _utf8(charset):
        return _unsupported(Request(scope), content_type, expected, charset)
    if expected == CSV and (_is_json(media_type) or media_type == "multipart/form-data"):
        return _unsupported(Request(scope), content_type, expected)
    return None


class BodyRoute(APIRoute):
    """Every API router's route class (`APIRouter(route_class=BodyRoute)`): a route with a JSON or
    CSV body checks its Content-Type (media_refusal) before FastAPI reads the body. The check runs
    after routing and before the route's dependencies: like the 413, the 415 of a charset or of a
    CSV body sent as JSON comes before the key is checked (FastAPI reads a JSON body, and refuses
    one it cannot parse, before it checks the key)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        field = self.body_field
        expected = getattr(getattr(field, "field_info", None), "media_type", None)
        if expected not in (JSON, CSV):
            return handler
        reads = str(expected)

        async def checked(request: Request) -> Response:
            refused = media_refusal(request.scope, reads)
            return refused if refused is not None else await handler(request)

        return checked


def install(app: FastAPI) -> None:
    """The exception handlers, the body-size limit and the paths with a NUL."""
    handlers: list[tuple[type[Exception], Callable[[Request, Exception], Any]]] = [
        (StarletteHTTPException, _http),
        (RequestValidationError, _invalid),
        (InputError, _input),
        (OverBudget, _over_budget),
        (NotFound, _plain(404, "unknown {}")),
        (Conflict, _conflict),
        (WorkshopConflict, _workshop_conflict),
        (PreconditionFailed, _precondition),
        (JobCancelled, _plain(409, "the job was cancelled ({})")),
        (ElsewhereError, _plain(409)),
        (Busy, _plain(429, headers={"Retry-After": "5"})),
        (BrokenProcessPool, _broken),
    ]
    for kind, handler in handlers:
        app.add_exception_handler(kind, _for_people(handler))
    app.add_exception_handler(Exception, _for_people(_failed))  # the 500s: ServerErrorMiddleware
    app.add_middleware(BodyLimit)
    app.add_middleware(NulPath)
