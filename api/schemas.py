"""The API's request and response bodies (pydantic): what the routes take and give besides the
v1 contract's own models (scheduler.contract), and the error bodies the OpenAPI documents."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictBool, field_validator

from scheduler.clocking import BookingStatus, ClockEvent
from scheduler.contract import (
    NO_CONTROL,
    Booking,
    Day,
    Finite,
    Identifier,
    Moment,
    OperationEvent,
    Overrun,
    Workshop,
)
from scheduler.day_plans import MAX_SOLVE_SECONDS
from scheduler.i18n import N_
from scheduler.jobs import JobRecord
from scheduler.keys import KeyInfo, Role
from scheduler.labour import LabourTimes
from scheduler.loading import DayLoad, IntakeWindow
from scheduler.slots import Offer


class Slot(BaseModel):
    drop_off: AwareDatetime
    promised: AwareDatetime = Field(description="the promised pickup (multi-day work: on the last day)")
    days: list[dt.date] | None = Field(
        default=None,
        description="multi-day services (max_days > 1): every day the work touches, the drop-off day first "
        "(listed even when the work starts on a later day: the vehicle is checked in and waits there), "
        "the promised pickup's day last",
    )
    overbooked: bool | None = Field(
        default=None,
        description="true: sold beyond the day's plan (the workshop's no-show overbooking); absent otherwise",
    )
    note: str | None = Field(
        default=None,
        description="with explain=true, on an overbooked time: the overbooking allowance it is offered"
        " thanks to (percent of which pool, minutes used with this booking)",
    )


class DayBooking(Booking):
    """A booking listed on a day: dropped off that day, or multi-day work carried in from an earlier one."""

    carried_in: bool | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="true: a multi-day repair dropped off on an earlier day whose work carries over to this"
        " day (`drop_off` is its original drop-off, `promised` the pickup on its last day); absent on the"
        " day's own bookings (listed as before)",
    )
    pickup_only: bool | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="with pickups=true: true on a car dropped off on an earlier day, with no work on this"
        " day, whose promised pickup is on it (work ready after the desk closed, a multi-day repair"
        " promised the morning after its last day); listed after the day's bookings, by promised pickup;"
        " absent otherwise",
    )
    after_desk_hours: bool | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="true: a drop-off customer's car promised when the desk does not hand cars back"
        " (outside the desk's handover hours that day: a promise stored before offers kept to those"
        " hours; bayplan never changes a promise made to a customer, the desk may call them); absent"
        " otherwise (and on waiters)",
    )


class Refusal(BaseModel):
    drop_off: AwareDatetime
    reason: str = Field(
        description="the first front-desk rule (or the lack of room) that blocks the time, in this order:"
        ' "in the past"; "workshop closed"; "drop-offs are offered every 30 min; a booking between those'
        " times is still taken where it fits\" (between the offered times: the desk's offer grid, not a"
        ' booking rule; a booking there is accepted where it fits); "no advisor free for check-in";'
        ' "walk-in holdback: advisor check-in" (an advisor is'
        ' free, the holdback on advisor time keeps it back); "waiter cap 3 per 30 min reached";'
        ' "overbooking allowance 10 % of paint:3 pool used up"; "parts arrive 14:00"; the lack of room,'
        " the work's minutes and the latest it may end first: \"no paint technician grade >= 3 has 140 min"
        ' before 17:30 (longest free 110 min)" (or "longest working block N min": the shifts alone;'
        ' "100-140 min ... (at best 110 of the 140 min)": technicians at different paces; "from 16:00, "'
        " when the work starts later than the drop-off; \"for operation 'paint', \" in a service of several),"
        ' "no paint bays free for 140 min before 17:30 (longest 60 min)", "no paint bays and paint'
        ' technician grade >= 3 free together for 140 min between 16:00 and 17:30", or a day that can never'
        ' take it ("no paint technician grade >= 3 on shift Sunday (operation \'paint\')", "the workshop has'
        ' no paint bays (operation \'paint\')"); "walk-in holdback: paint technicians grade >= 3" (the'
        ' technician pool whose share kept for walk-ins it would eat into; "walk-in holdback: express work'
        ' on ..." for an express service; every holdback reason starts with "walk-in holdback"); "no loan'
        ' car free until 16:00" ("no loan car free" while one is out past the day\'s end); multi-day work:'
        " these rules over its days, the lack of room dated when it is on another day than the drop-off"
        ' ("day 2026-11-25: no body technician grade >= 1 has 120 min before 17:00 (...)"; the holdback'
        ' ", day 2026-11-25"), else "the work does not finish within 5 opening days"; "no room kept for it'
        " in the day's plan\"",
        examples=["no paint technician grade >= 3 has 140 min before 17:30 (longest free 110 min)"],
    )


class Slots(BaseModel):
    slots: list[Slot]
    refused: list[Refusal] | None = Field(
        default=None,
        description=(
            "with explain=true: each quarter hour of the opening hours (and each time of the booking"
            " grid) not offered, and why"
        ),
    )


class BookingIn(BaseModel):
    model_config = {"extra": "forbid"}
    service: Identifier
    drop_off: Moment
    waiter: StrictBool = False
    fleet_partner: Identifier | None = None
    priority: int = Field(default=1, ge=1, le=100)
    customer: Annotated[str, Field(max_length=200), NO_CONTROL] | None = None
    vehicle: Annotated[str, Field(max_length=200), NO_CONTROL] | None = None
    phone: Annotated[str, Field(max_length=40), NO_CONTROL] | None = None
    plate: Annotated[str, Field(max_length=20), NO_CONTROL] | None = None
    model: Annotated[str, Field(max_length=100), NO_CONTROL] | None = None
    parts_eta: Moment | None = Field(
        default=None, description="when ordered parts arrive: operations that need parts start no earlier"
    )
    loan_car: StrictBool = Field(default=False, description="a loan car from drop-off to the promised pickup")
    promised: Moment | None = Field(
        default=None,
        description="the promised pickup the slot query showed for this drop-off (the slot's `promised`,"
        " sent back as it came, timezone-aware): the booking is promised no later than it, or refused"
        " (409 with `reason` and the `alternatives` that fit now); it may be promised earlier. Absent: held"
        " to the last answer the server cached for this kind of booking at this time, which may be another"
        " desk's later one. 422 naming `promised` when it is no offer's: not after the drop-off, or on a"
        " day after any pickup an offer for this booking can promise (a waiter's: the drop-off day; a"
        " drop-off's: the first day the desk hands cars back after the last day its work may take)",
    )


class BookingChange(BaseModel):
    model_config = {"extra": "forbid"}
    service: Identifier | None = None
    drop_off: Moment | None = None
    waiter: StrictBool | None = None
    fleet_partner: Identifier | None = None
    priority: int | None = Field(default=None, ge=1, le=100)
    customer: Annotated[str, Field(max_length=200), NO_CONTROL] | None = None
    vehicle: Annotated[str, Field(max_length=200), NO_CONTROL] | None = None
    phone: Annotated[str, Field(max_length=40), NO_CONTROL] | None = None
    plate: Annotated[str, Field(max_length=20), NO_CONTROL] | None = None
    model: Annotated[str, Field(max_length=100), NO_CONTROL] | None = None
    parts_eta: Moment | None = None
    loan_car: StrictBool | None = None
    force: StrictBool = Field(
        default=False,
        description="a parts_eta change that no longer fits the day is kept anyway, the booking at risk "
        "(at_risk, at_risk_reason; its promise stands): otherwise 409 with alternatives",
    )


class PlanDay(BaseModel):
    model_config = {"extra": "forbid"}
    date: Day
    time_limit_seconds: Finite = Field(default=10.0, gt=0, le=MAX_SOLVE_SECONDS)
    background: StrictBool = Field(default=False, description="202 with a job to poll instead of waiting")
    now: Moment | None = Field(
        default=None, description="re-plan the stored plan from this moment: work started before it stays"
    )
    overruns: list[Overrun] = Field(
        default_factory=list, max_length=500, description="with `now`: started work that will end later"
    )
    finished: list[OperationEvent] = Field(default_factory=list, max_length=500, description="with `now`")


class JobView(BaseModel):
    id: str
    kind: str
    status: str = Field(description="queued, running, done, failed or cancelled")
    submitted: AwareDatetime
    finished: AwareDatetime | None
    error: str | None
    url: str
    result: dict[str, object] | None = None
    notes: list[str] = Field(
        default_factory=list,
        description="what the asker should know of what the job runs (e.g. a peak season asked of a"
        " scenario whose demand has none), in the request's language: said in the 202 that starts it"
        " (POST /v1/simulations), not kept with the job",
    )


class SimulationIn(BaseModel):
    model_config = {"extra": "forbid"}
    scenario: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        default="dealer-2011", description="a bundled scenario's name (scenarios/<name>), not a path"
    )
    rules: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default=["current"],
        min_length=1,
        max_length=4,
        description="names of rules bundled with the scenario (scenarios/<name>/rules/<rules>.toml)",
    )
    days: int = Field(default=30, ge=1, le=62)
    replications: int = Field(default=10, ge=2, le=50)
    seed: int = Field(default=1, ge=0, le=2**31)
    policy: Literal["fcfs", "shortest", "waiters", "promise", "plan"] = Field(
        default="fcfs",
        description=(
            "dispatch policy; `plan` follows each simulated day's optimised plan (slower: at most"
            " 120 simulated days a job)"
        ),
    )
    season: Literal["peak", "low", "average"] | None = None
    month: str | None = Field(default=None, max_length=9)
    growth: Finite = Field(default=1.0, gt=0, le=5)


class KeyIn(BaseModel):
    model_config = {"extra": "forbid"}
    role: Role
    workshops: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=100)
    label: Annotated[str, Field(max_length=200), NO_CONTROL] | None = None
    technician: Identifier | None = Field(default=None, description="a technician key's technician")


class KeyView(BaseModel):
    id: str
    role: Role
    workshops: list[str]
    label: str | None
    created_at: AwareDatetime
    revoked_at: AwareDatetime | None
    technician: str | None = Field(default=None, description="a technician key's technician")


class KeyOut(KeyView):
    key: str = Field(description="shown once; only its hash is stored")


class Problem(BaseModel):
    detail: str


class MediaTypeProblem(Problem):
    content_type: str | None = Field(description="the Content-Type the body came with (null: none)")
    expected: str = Field(
        description="the Content-Type the route reads: application/json (the CSV import: text/csv)"
    )
    charset: str | None = Field(
        default=None,
        description="the charset the body was declared in, when refused for it (bodies are read as UTF-8)",
    )


class PreconditionProblem(Problem):
    header: str = Field(description="the request header whose precondition failed: If-Match")
    etag: str = Field(description="the booking's current revision (its ETag): read it again to change it")


class InputIssue(BaseModel):
    loc: list[str | int] = Field(description="where: ['header', 'Idempotency-Key'], ['body', 'drop_off']")
    msg: str
    type: str


class InputProblem(BaseModel):
    detail: list[InputIssue]


class ConflictProblem(Problem):
    alternatives: list[Slot] = Field(
        default=[],
        description="a booking refused (`POST`/`PATCH …/bookings`, the CSV import): the times that fit now;"
        " always empty in a clock event's 409 (`POST …/clock`: the event is refused, there is no time to"
        " offer instead) and in the other conflicts (the day changed, a cancelled booking's request)",
    )
    reason: str | None = Field(
        default=None,
        description="why the time does not fit: the first rule that blocks it, as the slot query's"
        " `explain=true` says it (absent where not worked out)",
    )
    forceable: bool | None = Field(
        default=None,
        description="false: a change of `parts_eta` that `force=true` would not store either (work"
        " needing the parts was clocked before the new ETA: the parts were there); absent otherwise",
    )
    booking: str | None = Field(
        default=None,
        description="a booking request retried under the `Idempotency-Key` of a booking cancelled"
        " since: that booking's id (it is not booked again; a new key books anew)",
    )
    cancelled_at: dt.datetime | None = Field(
        default=None, description="with `booking`: when that booking was cancelled (UTC)"
    )


class BrokenBooking(BaseModel):
    booking: str
    date: dt.date
    reasons: list[str]
    plate: str | None = Field(None, description="the car's licence plate (null: none given)")
    car: str | None = Field(
        None,
        description="the car in words, in the request's language: its plate with the booking id beside it,"
        " else the booking id (a change's check lists it; the clock-work refusals do not)",
    )


class WorkshopConflictProblem(Problem):
    bookings: list[BrokenBooking] = Field(description="the accepted bookings the change would break, and why")
    forceable: bool = Field(
        True,
        description="whether the change with force=true would be stored, these bookings kept at risk; false"
        " when it removes a technician, service or operation named by clock events of a day not yet past,"
        " moves such an event to another day by a change of time zone, leaves such a booking unplannable on"
        " its day, or would put at risk a repair whose"
        " work was clocked on a later day of it",
    )


def job_view(job: JobRecord, notes: list[str] | None = None) -> JobView:
    return JobView(
        notes=notes or [],
        id=job.id,
        kind=job.kind,
        status=job.status,
        submitted=job.submitted,
        finished=job.finished,
        error=job.error,
        url=f"/v1/jobs/{job.id}",
        result=json.loads(job.result) if job.result is not None else None,
    )


def key_view(info: KeyInfo) -> KeyView:
    return KeyView(**_key_fields(info))


def key_out(key: str, info: KeyInfo) -> KeyOut:
    return KeyOut(key=key, **_key_fields(info))


def _key_fields(info: KeyInfo) -> dict[str, object]:
    def aware(moment: dt.datetime | None) -> dt.datetime | None:
        return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=dt.UTC)

    return {
        "id": info.id,
        "role": info.role,
        "workshops": list(info.workshops),
        "label": info.label,
        "created_at": aware(info.created_at),
        "revoked_at": aware(info.revoked_at),
        "technician": info.technician,
    }


def slot_list(offers: list[Offer], notes: dict[dt.datetime, str] | None = None) -> list[Slot]:
    notes = notes or {}
    return [
        Slot(
            drop_off=o.drop_off,
            promised=o.promised,
            days=list(o.days) or None,
            overbooked=o.overbooked or None,
            note=notes.get(o.drop_off),
        )
        for o in offers
    ]


MAX_EVENT_ID = 2**31 - 1
"""The largest clock event id (a 32-bit column on PostgreSQL; SQLite's driver overflows past 2**63)."""


class ClockIn(BaseModel):
    """A shop-floor clock event, or (`action` "correct") a foreman's correction of one."""

    model_config = {"extra": "forbid"}
    action: Literal["start", "pause", "resume", "finish", "correct"]
    booking: Identifier | None = None
    operation: int | None = Field(
        default=None, ge=0, le=19, description="index into the service's operations"
    )
    technician: Identifier | None = None
    at: Moment | None = Field(default=None, description="when it happened (timezone-aware)")
    corrects: int | None = Field(
        default=None, ge=1, le=MAX_EVENT_ID, description="correct: the id of the event corrected"
    )
    corrected_action: Literal["start", "pause", "resume", "finish"] | None = Field(
        default=None, description="correct: the event's action as it should have been"
    )
    bay: Identifier | None = Field(
        default=None,
        description="start or resume (or a correction to one): the bay the work is in, a bay id of the"
        " workshop; the live plan takes it as a fact (none: the plan's bay is assumed)",
    )

    @field_validator("operation", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: object) -> object:
        """`true` is not an index (pydantic takes it for 1: an operation nobody named clocked)."""
        if isinstance(value, bool):
            raise ValueError(N_("an index from 0, not true or false"))
        return value


# A clock event's answer: the event as recorded, its booking's status after it (no docstring: it
# would become the OpenAPI schema's description).
class Clocked(BaseModel):
    event: ClockEvent
    booking: BookingStatus


class ImportedRow(BaseModel):
    line: int = Field(description="the row's line number in the CSV file (the header is line 1)")
    booking: Booking
    replay: bool = Field(description="the row's idempotency_key was imported before: the first booking")


class RefusedRow(BaseModel):
    line: int = Field(description="the row's line number in the CSV file (the header is line 1)")
    reason: str = Field(description="the field and why, or why the booking does not fit")


class BookingsImport(BaseModel):
    accepted: list[ImportedRow]
    refused: list[RefusedRow]


class WebhookIn(BaseModel):
    """A webhook: where to POST, which events, and the signing secret (made if absent)."""

    url: str = Field(max_length=2000)
    events: list[str] = Field(min_length=1, max_length=3)
    secret: Annotated[str, Field(max_length=200), NO_CONTROL] | None = None


class WorkshopVersion(BaseModel):
    version: int = Field(description="1 the first text of the workshop; the newest is the current one")
    created_at: AwareDatetime
    note: str | None = Field(default=None, description="why it was made, e.g. labour times applied")


class LabourTimesApplied(BaseModel):
    version: int = Field(
        description="the workshop's version after the apply: a new one, or `previous_version` when"
        " nothing changed (`changed` false)"
    )
    previous_version: int = Field(description="the version it replaced, still readable")
    changed: bool = Field(
        description="a new version was made; false when the suggestions are what the workshop already"
        " has (no version made, `version` = `previous_version`)"
    )
    workshop: Workshop
    labour_times: LabourTimes


# The loading chart (GET …/capacity)
class PoolView(BaseModel):
    pool: str = Field(
        description="`skill:grade` (technicians with the skill at that grade or above) or `express`"
    )
    skill: str | None = None
    min_grade: int | None = None
    available: int = Field(description="regular shift minutes (express: lane minutes over opening hours)")
    booked: int = Field(description="minutes of accepted bookings' witness placements")
    held_back: int = Field(description="minutes kept off the booking system for walk-ins")
    free: int = Field(description="available less held back less booked (never below 0)")
    free_from_now: int = Field(
        description="of `free`, the minutes the desk can still sell as of the request's `now` (default: the"
        " server's clock): 0 on a day before it and today once the opening hours are over; today, at most"
        " the pool's working minutes after `now` less the booked minutes after it; on a day ahead, `free`"
    )
    overbooked: int | None = Field(
        default=None,
        description="minutes sold beyond the witness (no-show overbooking); only when the workshop overbooks",
    )


class IntakeView(BaseModel):
    start: str = Field(description="HH:MM, the quarter hour's start")
    minutes: int = Field(
        description="check-in minutes the desk may still sell in it: the advisors' minutes there not on a"
        " break nor taken by a booked check-in, at most what the walk-in holdback leaves of its clock hour"
    )


class DayView(BaseModel):
    date: dt.date
    closed: bool
    bookings: int
    pools: list[PoolView]
    loan_cars_free: int | None = Field(
        default=None, description="loan cars not out at the day's busiest moment (only with a loan-car limit)"
    )
    advisor_intake: list[IntakeView] | None = Field(
        default=None, description="per quarter hour of the opening hours (only if advisors are listed)"
    )
    loan_cars_free_from_now: int | None = Field(
        default=None,
        description="of the loan cars, those the desk can still lend as of the request's `now` (default: the"
        " server's clock): those not out at the busiest moment from `now` on; 0 on a day before it and today"
        " once the opening hours are over; on a day ahead, `loan_cars_free` (only with a loan-car limit)",
    )
    advisor_intake_from_now: list[IntakeView] | None = Field(
        default=None,
        description="`advisor_intake` as of the request's `now` (default: the server's clock): the same"
        " quarter hours, each counting only the advisors' minutes from `now` on (0 in a quarter hour already"
        " over, and in every one on a day before it and today once the opening hours are over); on a day"
        " ahead, the same as `advisor_intake` (only if advisors are listed)",
    )


class Loading(BaseModel):
    workshop: str
    days: list[DayView]


def day_view(load: DayLoad) -> DayView:
    return DayView(
        date=load.date,
        closed=load.closed,
        bookings=load.bookings,
        pools=[
            PoolView(
                pool=p.pool,
                skill=p.skill,
                min_grade=p.min_grade,
                available=p.available,
                booked=p.booked,
                held_back=p.held_back,
                free=p.free,
                free_from_now=p.free if p.free_from_now is None else p.free_from_now,
                overbooked=p.overbooked,
            )
            for p in load.pools
        ],
        loan_cars_free=load.loan_cars_free,
        advisor_intake=_intake_view(load.advisor_intake),
        loan_cars_free_from_now=load.loan_cars_free
        if load.loan_cars_free_from_now is None
        else load.loan_cars_free_from_now,
        advisor_intake_from_now=_intake_view(
            load.advisor_intake if load.advisor_intake_from_now is None else load.advisor_intake_from_now
        ),
    )


def _intake_view(windows: list[IntakeWindow] | None) -> list[IntakeView] | None:
    return None if windows is None else [IntakeView(start=w.start, minutes=w.minutes) for w in windows]
