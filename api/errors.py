"""Errors and limits: every exception the service raises becomes a JSON error body with the right
status (422 naming the field, 404, 409 with alternatives, 413, 429, 503 — never a 500), and the
limits a request must keep (body size here; bookings, solver seconds and simulation budgets where
they are checked, in scheduler.day_plans and simulation.jobs)."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.schemas import ConflictProblem, Problem, slot_list
from scheduler.errors import InputError
from scheduler.jobs import Busy, ElsewhereError, JobCancelled
from scheduler.service import Conflict, NotFound, WorkshopConflict
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
        "description": "it no longer fits (with alternatives), or the day changed",
    },
    413: {"model": Problem, "description": "the body is too large"},
    429: {"model": Problem, "description": "the solver pool (plans, or simulations) is busy: retry later"},
    503: {"model": Problem, "description": "a solver process died: retry"},
}


#: A 422 echoes at most this much of the offending input (a string cut short; a larger value left out).
MAX_ECHO = 200


def _json_safe(value: object) -> object:
    """`value` as plain JSON: non-finite floats (NaN, Infinity: not JSON) and exceptions as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, BaseException):
        return str(value)
    if value is None or isinstance(value, str | int | float):
        return value
    try:
        return _json_safe(jsonable_encoder(value))
    except Exception:  # anything else is shown as text
        return str(value)


def validation_problem(errors: Sequence[Any]) -> list[dict[str, object]]:
    """A request's validation errors as a JSON-safe 422 detail: loc, msg, type, ctx, and the input
    only while it is short (a long string cut to MAX_ECHO characters)."""
    detail: list[dict[str, object]] = []
    for error in errors:
        item: dict[str, object] = {
            "type": str(error.get("type", "value_error")),
            "loc": [part if isinstance(part, int) else str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
        }
        if "input" in error:
            shown = _json_safe(error["input"])
            if isinstance(shown, str) and len(shown) > MAX_ECHO:
                item["input"] = shown[:MAX_ECHO] + "…"
            elif len(json.dumps(shown)) <= MAX_ECHO:
                item["input"] = shown
        if error.get("ctx"):
            item["ctx"] = _json_safe(error["ctx"])
        detail.append(item)
    return detail


def _input(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    loc = exc.field.replace("]", "").replace("[", ".").split(".")
    return JSONResponse(
        status_code=422, content={"detail": [{"loc": loc, "msg": exc.reason, "type": "value_error"}]}
    )


def _invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": validation_problem(exc.errors())})


def _over_budget(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OverBudget)
    detail = [{"loc": ["body", name], "msg": str(exc), "type": "value_error"} for name in exc.fields]
    return JSONResponse(status_code=422, content={"detail": detail})


def _conflict(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Conflict)
    alternatives = [s.model_dump(mode="json", exclude_none=True) for s in slot_list(exc.alternatives)]
    return JSONResponse(status_code=409, content={"detail": str(exc), "alternatives": alternatives})


def _workshop_conflict(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkshopConflict)
    return JSONResponse(status_code=409, content={"detail": str(exc), "bookings": exc.bookings})


def _plain(
    status: int, text: str = "{}", headers: dict[str, str] | None = None
) -> Callable[..., JSONResponse]:
    def handle(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=status, content={"detail": text.format(exc)}, headers=headers)

    return handle


def _broken(_: Request, exc: Exception) -> JSONResponse:
    detail = "a solver process died; the pool restarts with the next request: retry"
    return JSONResponse(status_code=503, content={"detail": detail}, headers={"Retry-After": "1"})


async def _body_limit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    length = request.headers.get("content-length")
    too_big = f"the body is over {MAX_BODY_BYTES} bytes"
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        return JSONResponse(status_code=413, content={"detail": too_big})
    if length is None and request.method in ("POST", "PUT", "PATCH"):
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return JSONResponse(status_code=413, content={"detail": too_big})
        request._body = body  # read once here; the route reads it again from this copy
    return await call_next(request)


def install(app: FastAPI) -> None:
    """The exception handlers and the body-size limit."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(InputError, _input)
    app.add_exception_handler(OverBudget, _over_budget)
    app.add_exception_handler(NotFound, _plain(404, "unknown {}"))
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(WorkshopConflict, _workshop_conflict)
    app.add_exception_handler(JobCancelled, _plain(409, "the job was cancelled ({})"))
    app.add_exception_handler(ElsewhereError, _plain(409))
    app.add_exception_handler(Busy, _plain(429, headers={"Retry-After": "5"}))
    app.add_exception_handler(BrokenProcessPool, _broken)
    app.middleware("http")(_body_limit)
