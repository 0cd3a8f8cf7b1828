"""What the environment sets for a server: the database, API keys on or off, the clock, cookies."""

from __future__ import annotations

import datetime as dt
import os

from scheduler.clock import Clock, clock_from, in_date_range
from scheduler.errors import InputError
from scheduler.i18n import N_

DB_ENVIRONMENT = "BAYPLAN_DB"
AUTH_ENVIRONMENT = "BAYPLAN_AUTH"
NOW_ENVIRONMENT = "BAYPLAN_NOW"
SECURE_ENVIRONMENT = "BAYPLAN_SECURE_COOKIES"
CLUSTER_ENVIRONMENT = "BAYPLAN_CLUSTER"


def auth_from_environment() -> bool:
    """The local-development switch: BAYPLAN_AUTH=off turns API keys off (on by default)."""
    return os.environ.get(AUTH_ENVIRONMENT, "on").strip().lower() not in {"off", "0", "false", "no"}


def secure_cookies_from_environment() -> bool:
    """BAYPLAN_SECURE_COOKIES=1: the sign-in cookie is Secure even over plain HTTP (behind a TLS proxy)."""
    return os.environ.get(SECURE_ENVIRONMENT, "").strip().lower() in {"1", "true", "yes", "on"}


def cluster_from_environment() -> str | None:
    """BAYPLAN_CLUSTER=tcp://HOST:PORT: day plans and simulations run on that Dask cluster."""
    return os.environ.get(CLUSTER_ENVIRONMENT, "").strip() or None


def clock_from_environment() -> Clock:
    """The machine's clock, or (BAYPLAN_NOW set: replaying or demonstrating a day) one that starts
    at that instant and runs on from there."""
    text = os.environ.get(NOW_ENVIRONMENT, "").strip()
    if not text:
        return clock_from(None)
    try:
        start = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(NOW_ENVIRONMENT, N_("not an ISO 8601 instant: %(text)r") % {"text": text}) from None
    if start.tzinfo is None:
        raise InputError(NOW_ENVIRONMENT, N_("needs a timezone offset, e.g. 2026-11-24T08:00:00+08:00"))
    return clock_from(in_date_range(NOW_ENVIRONMENT, start))
