"""The booking desk's checks on a request before any capacity rule: the day not past, the drop-off
within the opening hours, the service, fleet partner and loan car the workshop's own, what an
idempotent replay must match, and a booking's revision (its ETag) that a PATCH's or a DELETE's
If-Match names."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from scheduler.capacity import HandoverRule, latest_pickup_day
from scheduler.clock import DayClock
from scheduler.contract import Booking, PlanRequest, Workshop
from scheduler.errors import InputError, PreconditionFailed
from scheduler.i18n import N_, moment_words

PAST_GRACE = dt.timedelta(minutes=15)
"""A drop-off this far behind the clock is still booked: the desk registering a car that just arrived."""

IDEMPOTENCY_FIELD = "header.Idempotency-Key"

FORCEABLE = frozenset({"parts_eta", "customer", "vehicle", "phone", "plate", "model"})
DETAILS = FORCEABLE - {"parts_eta"}
"""The customer's and vehicle's details: a change of only these takes no room, so it is never
refused for want of it (the booking keeps its place, promise and at-risk state)."""
"""What a forced booking change (PATCH with "force": true) may change: the parts ETA, and details
that take no room; a new time, service or loan car must fit."""


def not_past(field: str, date: dt.date, now: dt.datetime, workshop: Workshop) -> None:
    """`date` is not before today at the workshop (InputError naming `field`)."""
    today = now.astimezone(workshop.tz).date()
    if date < today:
        raise InputError(
            field,
            N_("%(date)s is in the past (it is %(today)s at the workshop)") % {"date": date, "today": today},
        )


def drop_off_not_past(booking: Booking, now: dt.datetime, workshop: Workshop) -> None:
    """A booking's drop-off is at most `PAST_GRACE` behind `now`."""
    if booking.drop_off < now - PAST_GRACE:
        today = now.astimezone(workshop.tz).date()
        # Times alone on the same day; else both with their dates ("2026-12-01 08:00 is in the past
        # (it is 2026-12-04 08:34:01)", not "(it is 08:34:01)": walk-s17 A6).
        same_day = booking.drop_off.astimezone(workshop.tz).date() == today
        day = today if same_day else None
        raise InputError(
            "drop_off",
            N_("%(drop_off)s is in the past (it is %(now)s)")
            % {
                "drop_off": moment_words(booking.drop_off, workshop.tz, day),
                "now": moment_words(now, workshop.tz, day),
            },
        )


def drop_off_in_opening_hours(booking: Booking, workshop: Workshop) -> None:
    """A booking's drop-off is within the workshop's opening hours on its day (as the planner's
    compiler reads them), so that a time after closing is refused as such before any capacity rule
    (which would name an advisor not free, true but not why)."""
    date = booking.drop_off.astimezone(workshop.tz).date()
    clock = DayClock(workshop.timezone, date)
    open_hhmm, close_hhmm = workshop.opening_window()
    if not clock.wall(open_hhmm) <= clock.minutes(booking.drop_off, round_up=True) <= clock.wall(close_hhmm):
        raise InputError(
            "drop_off",
            N_("%(at)s is outside opening hours %(open)s-%(close)s")
            % {
                "at": moment_words(booking.drop_off, workshop.tz, date),
                "open": open_hhmm,
                "close": close_hhmm,
            },
        )


PROMISED_FIELD = "promised"
"""A booking request's field for the pickup its desk showed: named as the slot offer names it."""


def check_promise_sent(
    workshop: Workshop, booking: Booking, promised: dt.datetime, rules: HandoverRule
) -> None:
    """The pickup a booking request says its desk showed (`promised`; timezone-aware, as pydantic
    checks every moment) must be one an offer could have shown: after the drop-off, and on a day no
    later than `latest_pickup_day` (a waiter's on the drop-off day; a drop-off's by the
    first day the desk hands cars back after the last day its work may take). Else InputError
    naming the field (422)."""
    tz = workshop.tz
    day = booking.drop_off.astimezone(tz).date()
    if promised <= booking.drop_off:
        raise InputError(
            PROMISED_FIELD,
            N_("must be after the drop-off %(drop_off)s, got %(value)s")
            % {
                "drop_off": moment_words(booking.drop_off, tz, day),
                "value": moment_words(promised, tz, day),
            },
        )
    latest = latest_pickup_day(workshop, booking, rules)
    if promised.astimezone(tz).date() > latest:
        raise InputError(
            PROMISED_FIELD,
            N_("must be on %(latest)s or before (no offer for it promises a later pickup), got %(value)s")
            % {"latest": latest.isoformat(), "value": moment_words(promised, tz, day)},
        )


def request_hash(booking: Booking, promised: dt.datetime | None = None) -> str:
    """What a booking request asked for (not the id the service gave it): a replay must match it.
    `promised`: the pickup the request says its desk showed (its `promised`, `check_promise_sent`),
    part of what it asked for; the booking's own `promised` is the service's answer, not asked."""
    asked = booking.model_dump(mode="json", exclude={"id", "promised"})
    if promised is not None:
        asked["promised"] = promised.isoformat()
    # Added later: at their defaults, the hash stays as it was.
    for field in ("parts_eta", "loan_car", "overbooked", "promised"):
        if not asked.get(field):
            asked.pop(field, None)
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


def check_loan_cars_wanted(request: PlanRequest) -> None:
    """A request planned from outside (`POST /v1/plan`, `bayplan plan --input`) asks for loan cars
    only from a workshop that has some (`loan_cars` 0; absent: no limit). Bookings at risk are let
    through: a stored day keeps those after a forced fleet cut, and its request planned again
    lists them unassigned ("no loan car free") instead of refusing the whole day."""
    if request.workshop.loan_cars != 0:
        return
    for i, booking in enumerate(request.bookings):
        if booking.loan_car and not booking.at_risk:
            raise InputError(f"bookings[{i}].loan_car", N_("the workshop has no loan cars"))


def check_kind(workshop: Workshop, service: str, fleet_partner: str | None, loan_car: bool = False) -> None:
    """A booking's (or slot query's) service and fleet partner must be the workshop's own, and a
    loan car one the workshop has."""
    if loan_car and workshop.loan_cars == 0:
        raise InputError("loan_car", N_("the workshop has no loan cars"))
    if workshop.service(service) is None:
        known = ", ".join(s.code for s in workshop.services)
        raise InputError(
            "service",
            N_("unknown service code %(service)r (known: %(known)s)") % {"service": service, "known": known},
        )
    partners = workshop.fleet_partners()
    if fleet_partner is not None and fleet_partner not in partners:
        raise InputError(
            "fleet_partner",
            N_("unknown fleet partner %(fleet_partner)r (known: %(known)s)")
            % {"fleet_partner": fleet_partner, "known": ", ".join(partners)}
            if partners
            else N_("unknown fleet partner %(fleet_partner)r (the workshop has no fleet bays)")
            % {"fleet_partner": fleet_partner},
        )


IF_MATCH = "If-Match"


def revision(booking: Booking) -> str:
    """The booking's stored revision as a strong entity tag (RFC 9110 8.8.3, quoted): a hash of it as
    stored (read back from its row), so any change to it (time, promise, details, at risk) changes
    the tag, and the same revision has the same tag in every language it is read in."""
    return '"' + hashlib.sha256(booking.model_dump_json().encode()).hexdigest()[:32] + '"'


def if_match_holds(if_match: str, current: str) -> bool:
    """Whether an If-Match header holds for a booking whose tag is `current`: "*", or a list of tags
    naming it, compared strongly (a weak tag, W/"…", never matches: RFC 9110 13.1.1); a tag sent
    without its quotes is read as quoted."""
    for sent in if_match.split(","):
        tag = sent.strip()
        if (
            tag == "*"
            or tag == current
            or (tag and not tag.startswith(("W/", '"')) and f'"{tag}"' == current)
        ):
            return True
    return False


def check_if_match(if_match: str | None, booking: Booking, words: str) -> None:
    """A PATCH's or DELETE's If-Match against `booking` as stored: PreconditionFailed (412) where it
    is sent and names another revision; `words`, the request's own message (marked with `N_`, with
    `%(header)s`, `%(sent)s` and `%(current)s`)."""
    if if_match is None:
        return
    current = revision(booking)
    if not if_match_holds(if_match, current):
        raise PreconditionFailed(
            words % {"header": IF_MATCH, "sent": if_match, "current": current}, IF_MATCH, current
        )
