"""What operators see: Prometheus metrics on the app's own registry (`GET /metrics`), a request id
per request (`X-Request-ID`, taken from the caller when sane, echoed, and on every log line), and
logs as JSON lines. Log lines carry the route template, never the path's query or any body, so no
customer or vehicle reaches a log."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import AdminKey
from scheduler import phases
from scheduler.contract import Plan

if TYPE_CHECKING:
    from scheduler.jobs import Job, JobRunner
    from scheduler.service import PlanningService

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
HEADER = "X-Request-ID"
LOG_FORMAT_ENVIRONMENT = "BAYPLAN_LOG_FORMAT"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
#: The methods the request metric labels by name; any other (a client may make one up per request,
#: each a series kept for the life of the process) is labelled "other".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
access_log = logging.getLogger("bayplan.access")


class _State(Collector):
    """Read at each scrape: the slot cache's hits and misses, and the jobs waiting for a process."""

    def __init__(self, service: PlanningService, runner: JobRunner) -> None:
        self.service = service
        self.runner = runner

    def collect(self) -> Iterator[Metric]:
        hits = CounterMetricFamily(
            "bayplan_slot_cache", "Slot queries answered from the offer cache, or not", labels=["result"]
        )
        hits.add_metric(["hit"], self.service.offer_cache_hits)
        hits.add_metric(["miss"], self.service.offer_cache_misses)
        yield hits
        yield GaugeMetricFamily(
            "bayplan_jobs_queued",
            "Jobs (plans, simulations) waiting for a process",
            value=self.runner.queued(),
        )


class Metrics:
    """The app's metrics on its own registry (apps made side by side in tests do not clash)."""

    def __init__(self, service: PlanningService, runner: JobRunner) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "bayplan_http_request_duration_seconds",
            "Request latency by route template",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.jobs = Histogram(
            "bayplan_job_run_seconds",
            "Run time of finished jobs in their worker process",
            ["kind", "status"],
            buckets=(0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, float("inf")),
            registry=self.registry,
        )
        self.solver = Histogram(
            "bayplan_solver_seconds",
            "Solver time of computed plans (the plan's solve_seconds)",
            buckets=(0.05, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, float("inf")),
            registry=self.registry,
        )
        self.registry.register(_State(service, runner))
        runner.listeners.append(self.job_finished)

    def job_finished(self, job: Job) -> None:
        if job.started is not None:
            self.jobs.labels(job.kind, job.status).observe(time.monotonic() - job.started)
        if job.status == "done":
            result = job.future.result()
            if isinstance(result, Plan):
                self.solver.observe(result.solve_seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class RequestMiddleware:
    """Times each request under its route template, gives it an id (the caller's X-Request-ID when
    sane, else a new one), echoes the id and logs one access line without personal data."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(HEADER, request_id)
            await send(message)

        started = time.perf_counter()
        timing = phases.begin()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or _fallback(scope["path"])
            phases.end(timing, {"method": scope["method"], "route": route, "status": status})
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.latency.labels(method, route, str(status)).observe(elapsed)
            access_log.info(
                "%s %s %s %.1f ms",
                scope["method"],
                route,
                status,
                elapsed * 1000,
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                },
            )
            REQUEST_ID.reset(token)


def _fallback(path: str) -> str:
    """A label for requests no API route took: static files, or nothing (never the raw path)."""
    return "/static" if path.startswith("/static/") else "unmatched"


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or None outside a request) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def configure_logging(fmt: str, stream: TextIO | None = None) -> None:
    """Log to stderr, as JSON lines (`json`: time, level, logger, message, request_id and the access
    line's method, route, status, ms) or as text; to `stream` (default: stderr)."""
    handler: logging.Handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    description="Request latency per route template, slot cache hits, solver and job run times, queued"
    " jobs, in the Prometheus text format (admin keys).",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
def metrics(request: Request, _: AdminKey) -> Response:
    found: Metrics = request.app.state.metrics
    return Response(found.exposition(), media_type=CONTENT_TYPE_LATEST)
