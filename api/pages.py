"""The web pages: workshops and days, the bay-plan Gantt, the booking desk, simulation reports.

Server-rendered (Jinja2 templates, an SVG chart); the small script in static/app.js calls the
same /v1 API as everyone else, signed in by the cookie that /login sets.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import TypeAdapter, ValidationError
from starlette.routing import NoMatchFound

from api import gantt, i18n
from api.charts import bars
from api.deps import ClockDep, NowQuery, RunnerDep, ServiceDep, ShopFloorDep, services
from api.login import COOKIE, language_switch
from scheduler import actuals
from scheduler.clocking import BookingStatus, DayStatus, bay_conflict_words
from scheduler.contract import FIRST_DATE, LAST_DATE, Booking, Day, Moment, Workshop
from scheduler.day_page import (
    TechnicianDay,
    TechnicianJob,
    day_page,
    day_sheet,
    job_cards,
    technician_day,
    workshops_days,
)
from scheduler.errors import InputError, NotFound
from scheduler.i18n import DEFAULT, N_, NO_NAMES, Translator, normalise
from scheduler.keys import KeyInfo, Role, sees_phones
from scheduler.kpis import plan_quality_words
from scheduler.loading import PoolLoad
from scheduler.multiday import split_part
from scheduler.replan import change_words

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
i18n.install(templates.env)


router = APIRouter(include_in_schema=False)

PAGE_ROLES: dict[str, tuple[Role, ...]] = {
    "plan": (Role.foreman, Role.manager),  # the bay plan, its job cards and day sheets
    "book": (Role.booking,),
    "loading": (Role.booking, Role.foreman, Role.manager),
    "reports": (Role.foreman, Role.manager),
    "me": (Role.technician, Role.foreman),
}
"""Who may open each page (admins open all): the pages check it, and a page links to another only
for a key that may open it, so no signed-in role is shown a link that answers 403."""


ROLE_WORDS: dict[Role, str] = {
    Role.booking: N_("booking desk"),
    Role.foreman: N_("foreman"),
    Role.manager: N_("manager"),
    Role.admin: N_("admin"),
    Role.technician: N_("technician"),
}
"""A key's role as the refusal names it, in the page's language (the API's texts keep the role's
value: it is what a key is created with)."""


def viewer(
    request: Request, *roles: Role, workshop: str | None = None, any_role: bool = False
) -> KeyInfo | Response | None:
    """The signed-in key, or the response to send instead (sign in, or not allowed). The same
    role-and-scope rule as the API's (`KeyInfo.refusal`); `any_role`: any signed-in key."""
    keys = services(request).keys
    if keys is None:
        return None
    info = keys.verify_session(request.cookies.get(COOKIE, ""))
    if info is None:
        target = quote(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)
    refusal = None if any_role else info.refusal(roles, workshop)
    if refusal is not None:
        t = i18n.translator(request)
        role = t.gettext(ROLE_WORDS.get(info.role, info.role.value))
        text = t.gettext("This %(role)s key may not open this page.", role=role)
        back = t.gettext("Back")
        return HTMLResponse(
            f"<!doctype html><html lang='{t.locale.replace('_', '-')}'><meta charset='utf-8'>"
            f"<p>{html.escape(text)} <a href='/'>{html.escape(back)}</a></p>",
            status_code=403,
        )
    return info


def _signed_in_as(request: Request) -> KeyInfo | None:
    keys = services(request).keys
    return keys.verify_session(request.cookies.get(COOKIE, "")) if keys is not None else None


def page(request: Request, name: str, title: str, **context: object) -> HTMLResponse:
    """Render a page in the request's language (`title`: an English msgid, translated here).
    Templates ask `may_open(page, workshop_id)` before linking to another page (`PAGE_ROLES`)."""
    signed_in = services(request).keys is not None
    who = _signed_in_as(request)

    def may_open(kind: str, workshop_id: str) -> bool:
        return not signed_in or (who is not None and who.may(PAGE_ROLES[kind], workshop_id))

    shown = context.get("workshop")
    t = i18n.use(request, shown if isinstance(shown, Workshop) else None)
    context = named_for(t, context)
    here = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    date = context.get("date")
    now_alert = _now_outside(request, context, t)
    return templates.TemplateResponse(
        request,
        name,
        {
            "title": t.gettext(title, date=t.date(date)) if isinstance(date, dt.date) else t.gettext(title),
            "signed_in": signed_in,
            "may_open": may_open,
            "technician_key": who is not None and who.role is Role.technician,
            "script_texts": i18n.script_texts(t),
            "switch": language_switch(t, here),
            "now_alert": now_alert,
            **context,
        },
    )


_MOMENT: TypeAdapter[dt.datetime] = TypeAdapter(Moment)


def named_for(t: Translator, context: Mapping[str, object]) -> dict[str, object]:
    """The page's `workshop` (and the home page's `workshops`) with their names in `t`'s language
    where the workshop gives them (`Workshop.in_language`: the names a dealer wrote in Chinese)."""
    named: dict[str, object] = dict(context)
    if t.locale == DEFAULT:
        return named
    if isinstance(shown := named.get("workshop"), Workshop):
        named["workshop"] = shown.in_language(t.locale)
    if isinstance(listed := named.get("workshops"), list):
        named["workshops"] = [w.in_language(t.locale) if isinstance(w, Workshop) else w for w in listed]
    return named


def _now_outside(request: Request, context: Mapping[str, object], t: Translator) -> str | None:
    """The alert for a page asked `?now=` a moment whose day at the workshop (each listed one's, on
    the home page) is not one bayplan plans: `Moment` checks the value's own date, so
    2200-01-01T23:59-12:00 passes, and it is 2200-01-02 in Shanghai. None: no such `now`."""
    raw = request.query_params.get("now")
    if not raw:
        return None
    try:
        now = _MOMENT.validate_python(raw)
    except ValidationError:
        return None  # the route refused it (422)
    shown = context.get("workshops")
    workshops = list(shown) if isinstance(shown, list) else [context.get("workshop")]
    zones: list[dt.tzinfo] = [w.tz for w in workshops if isinstance(w, Workshop)] or [dt.UTC]
    if all(FIRST_DATE <= now.astimezone(tz).date() <= LAST_DATE for tz in zones):
        return None
    return t.gettext(
        "The time %(now)s is outside the days bayplan plans (%(first)s to %(last)s): the days shown"
        " here can be neither planned nor booked.",
        now=now.isoformat(timespec="minutes"),
        first=FIRST_DATE.isoformat(),
        last=LAST_DATE.isoformat(),
    )


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    """The language switch on every page: remember the choice in the `bayplan_lang` cookie (a
    year) and go back to the page."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    chosen = normalise(code)
    if chosen is not None:
        response.set_cookie(i18n.COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
def index(request: Request, service: ServiceDep, now: NowQuery = None) -> Response:
    who = viewer(request, any_role=True)
    if isinstance(who, Response):
        return who
    shown = workshops_days(service, lambda w: who is None or who.may_act_on(w), now)
    workshops = [w.workshop for w in shown]
    days = {w.workshop.id: w.days for w in shown}
    today = {w.workshop.id: w.today for w in shown}
    return page(request, "index.html", N_("Workshops"), workshops=workshops, days=days, today=today)


@router.get("/workshops/{workshop_id}/plan/{date}", response_class=HTMLResponse)
def plan_page(
    request: Request,
    workshop_id: str,
    date: Day,
    floor: ShopFloorDep,
    clock: ClockDep,
    rows: str = "bays",
    now: NowQuery = None,
) -> Response:
    who = viewer(request, *PAGE_ROLES["plan"], workshop=workshop_id)
    if isinstance(who, Response):
        return who
    day = day_page(floor, workshop_id, date, now)
    workshop, view, plan, status = day.workshop, day.view, day.plan, day.status
    rows_by = "technicians" if rows == "technicians" else "bays"
    codes = {b.id: b.service for b in day.seen}  # a multi-day repair: its part of the day
    now = now or clock.now()
    t = i18n.use(request, workshop)  # also the chart's language (api/gantt.py), with the workshop's names
    workshop, view = workshop.in_language(t.locale), view.in_language(t.locale)  # its own names too
    labels = {"now": t.gettext("now"), "actual": t.gettext("actual %(start)s–%(end)s"),
              "late": t.gettext("+%(minutes)s min"), "off": t.gettext("off shift"),
              "break": t.gettext("break %(start)s–%(end)s"),
              "carried": t.gettext("carried over"), "unplaced": t.gettext("not in today's plan")}  # fmt: skip
    show_phone = sees_phones(who)
    people = {b.id: b for b in day.bookings}
    svg = gantt.render(view, plan, codes, rows_by, status, now, labels, people, show_phone) if plan else ""
    quality = plan_quality_words(plan, t) if plan else ""
    legend = gantt.legend(view, plan, codes) if plan else []
    words = i18n.plan_in_words(plan, t) if plan else None
    plates = {b.id: b.plate for b in [*day.bookings, *day.seen] if b.plate}
    changes = (
        None
        if plan is None or plan.changes is None
        else [change_words(c, view, plates, t) for c in plan.changes]
    )
    seen = {b.id: b for b in day.seen}
    conflicts = plan.clocked_bay_conflicts if plan else []
    bay_conflicts = [t.phrase(bay_conflict_words(view, seen, c)) for c in conflicts]
    planner_name = lambda name: t.gettext(PLANNER_WORDS[name]) if name in PLANNER_WORDS else name  # noqa: E731
    return page(request, "plan.html", N_("Plan %(date)s"), workshop=workshop, date=date, plan=words,
                planner_name=planner_name, changes=changes, bay_conflicts=bay_conflicts,
                bookings=day.bookings, svg=svg, legend=legend, rows_by=rows_by, quality=quality,
                at_risk=at_risk(workshop, status, labels["carried"], date, t, plates, labels["unplaced"]),
                pickups=handed_back(workshop, day.pickups, date, t, day.after_hours), plates=plates,
                now=now.astimezone(workshop.tz).isoformat(),
                stream_url=stream_url(request, workshop_id, date))  # fmt: skip


PLANNER_WORDS = {
    "cpsat": N_("the optimiser (CP-SAT)"),
    "greedy": N_("the foreman's rule (first come, first served)"),
    "witness": N_("the bookings' own placements"),
}
"""The plan's `planner` as the plan page names it (the JSON keeps the identifier)."""


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})  # fmt: skip


@router.get("/workshops/{workshop_id}/plan/{date}/cards.pdf")
def job_cards_pdf(request: Request, workshop_id: str, date: Day, service: ServiceDep) -> Response:
    """The day's job cards (A5, one per booking) in the page's language, from the stored plan
    (without one: the cards with their operations unplanned)."""
    who = viewer(request, *PAGE_ROLES["plan"], workshop=workshop_id)
    if isinstance(who, Response):
        return who
    content = job_cards(service, workshop_id, date, i18n.choose(request))
    return _pdf(content, f"{workshop_id}-{date}-cards.pdf")


@router.get("/workshops/{workshop_id}/plan/{date}/technicians/{technician}.pdf")
def day_sheet_pdf(
    request: Request, workshop_id: str, date: Day, technician: str, service: ServiceDep
) -> Response:
    """A technician's day sheet (A4) in the page's language: his planned operations in order."""
    who = viewer(request, *PAGE_ROLES["plan"], workshop=workshop_id)
    if isinstance(who, Response):
        return who
    content = day_sheet(service, workshop_id, date, technician, i18n.choose(request))
    return _pdf(content, f"{workshop_id}-{date}-{technician}.pdf")


def stream_url(request: Request, workshop_id: str, date: dt.date) -> str | None:
    """The day's server-sent events (`GET …/days/{date}/stream`, the route `day_stream`) if this
    server has that route: app.js then reloads the chart on each `status` event; without it the
    page is as it was. Found by its name: FastAPI 0.165 lists included routers in `app.routes`, not
    their routes, so a look for the path found none and the live page never refreshed (review-s42)."""
    try:
        return str(request.app.url_path_for("day_stream", workshop_id=workshop_id, date=date.isoformat()))
    except NoMatchFound:
        return None


def _hm(moment: dt.datetime | None, workshop: Workshop) -> str:
    return "" if moment is None else f"{moment.astimezone(workshop.tz):%H:%M}"


def _hm_on(moment: dt.datetime | None, workshop: Workshop, date: dt.date, t: Translator | None = None) -> str:
    """'HH:MM' where the workshop is, dated when not on `date` (a promised pickup the next morning:
    work ready after the desk closed, the end of multi-day work): 'YYYY-MM-DD HH:MM' in English,
    '11月25日 周三 08:00' in Chinese (`t`'s `short_day`)."""
    if moment is None:
        return ""
    local = moment.astimezone(workshop.tz)
    if local.date() == date:
        return f"{local:%H:%M}"
    return f"{(t or Translator()).short_day(local.date())} {local:%H:%M}"


def at_risk(
    workshop: Workshop,
    status: DayStatus | None,
    carried: str = "carried over",
    date: dt.date | None = None,
    t: Translator | None = None,
    plates: Mapping[str, str] | None = None,
    unplaced: str = "not in today's plan",
) -> list[dict[str, object]]:
    """The bookings at risk of missing their promise, soonest promised pickup first; `carried`: the
    projected end of one whose work carries over to a later day (it has none today); `unplaced`:
    the projected end of one the live plan leaves out (it has none, and no minutes late to show:
    its status says 0, which read "0 minutes late" beside a car that is not done today). Times on
    another day than `date` (the page's) are dated: a promise the next morning. `plates`: each
    booking's plate, which the list shows first (the chart's bars are labelled with it). A promise
    when the desk hands no car back (`after_desk_hours`) reads "· ⚠ after desk hours", in words as
    the desk says it (with `t`)."""
    risky = [b for b in (status.bookings if status else []) if b.at_risk]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    risky.sort(key=lambda b: (b.promised or far, b.booking))

    def when(moment: dt.datetime | None) -> str:
        return _hm(moment, workshop) if date is None else _hm_on(moment, workshop, date, t)

    def left_out(b: BookingStatus) -> bool:
        return b.projected_end is None and not b.carried_over

    def end(b: BookingStatus) -> str:
        return carried if b.carried_over else unplaced if left_out(b) else when(b.projected_end)

    return [
        {
            "booking": b.booking,
            "plate": (plates or {}).get(b.booking, ""),
            "promised": when(b.promised)
            + (" · ⚠ " + (t or Translator("en")).gettext("after desk hours") if b.after_desk_hours else ""),
            "projected_end": end(b),
            "minutes": None if left_out(b) else b.projected_lateness_minutes,
        }
        for b in risky
    ]


def handed_back(
    workshop: Workshop,
    pickups: list[Booking],
    date: dt.date,
    t: Translator,
    after_hours: frozenset[str] = frozenset(),
) -> list[dict[str, str]]:
    """The cars from earlier days handed back on `date` (`DayPage.pickups`) as the plan page lists
    them, in their order (by promised pickup): the plate (else the booking), the service as code and
    name, the customer and model, the drop-off and the promised pickup where the workshop is (dated
    when not on `date`; "· ⚠ after desk hours" for those in `after_hours`, in words as the desk
    says it) and whether a loan car comes back. No phone: the foreman's list."""
    rows = []
    for b in pickups:
        service = workshop.service(b.service)
        rows.append(
            {
                "booking": b.id,
                "plate": b.plate or b.id,
                "service": f"{b.service} · {service.name}" if service else b.service,
                "customer": " · ".join(x for x in (b.customer, b.model) if x),
                "drop_off": _hm_on(b.drop_off, workshop, date, t),
                "promised": _hm_on(b.promised, workshop, date, t)
                + (" · ⚠ " + t.gettext("after desk hours") if b.id in after_hours else ""),
                "loan_car": t.gettext("yes") if b.loan_car else t.gettext("no"),
            }
        )
    return rows


def my_jobs(mine: TechnicianDay, t: Translator | None = None) -> list[dict[str, object]]:
    """The technician's jobs (`TechnicianDay.jobs`) as the page shows them: times HH:MM where the
    workshop is, each named "service · operation"; `arrives`: the drop-off of a car not there yet
    as of the page's time (its Start waits for it), `at_risk`: the promise guard has it at risk."""
    workshop = mine.workshop
    return [
        {
            "booking": job.booking,
            "plate": job.plate or "",
            "operation": job.operation,
            "number": job.operation + 1 + _first_operation(job),
            "state": job.state,
            "start": _hm(job.start, workshop),
            "end": _hm(job.end, workshop),
            "bay": job.bay or "",
            "bays": _bays_to_pick(workshop, job),
            "promised": _hm_on(job.promised, workshop, mine.date, t),
            "next": job.next,
            "what": _what(job, t.locale if t is not None else DEFAULT),
            # Not there yet: Start waits for the drop-off (the clock refuses a start before it), the
            # reason beside the button (review-s42); the page enables it when the time comes.
            "arrives": _hm_on(job.drop_off, workshop, mine.date, t)
            if job.drop_off is not None and job.state == "not_started" and mine.local_now < job.drop_off
            else "",
            "drop_off": job.drop_off.astimezone(workshop.tz).isoformat() if job.drop_off else "",
            "at_risk": job.at_risk and job.state != "done",
            "late": job.late_minutes,
        }
        for job in mine.jobs
    ]


def _bays_to_pick(workshop: Workshop, job: TechnicianJob) -> list[str]:
    """The bays a Start or a Resume may name (the page's select, its planned bay first and chosen):
    the workshop's, but an express lane only for an express service and a fleet partner's bay only
    where the plan has the car (the clock refuses the others: 422 on `bay`)."""
    express = job.service is not None and job.service.express
    others = [
        b.id
        for b in workshop.bays
        if b.id != job.bay and b.fleet_partner is None and (b.kind != "express" or express)
    ]
    return [job.bay, *others] if job.bay else others


def _first_operation(job: TechnicianJob) -> int:
    """Where the day's part of a multi-day repair starts in its booking ("ACC-REPAIR:ops2-3": 2), so
    that its operations are numbered as the booking's; 0 for any other job."""
    part = split_part(job.service.code) if job.service else None
    return 0 if part is None else part[1]


def _what(job: TechnicianJob, locale: str = DEFAULT) -> str:
    """ "service · operation", named in `locale` where the workshop names them in it."""
    if job.service is None:
        return ""
    service = job.service.in_language(locale)
    return f"{service.name} · {service.operations[job.operation].name}"


@router.get("/workshops/{workshop_id}/me", response_class=HTMLResponse)
def me_page(
    request: Request,
    workshop_id: str,
    floor: ShopFloorDep,
    technician: str | None = None,
    date: Day | None = None,
    now: NowQuery = None,
) -> Response:
    """The technician's phone page: his jobs of the day in planned order, with Start / Pause /
    Finish buttons that clock him on and off (a foreman may open anyone's: `?technician=ID`)."""
    who = viewer(request, *PAGE_ROLES["me"], workshop=workshop_id)
    if isinstance(who, Response):
        return who
    if who is not None and who.role is Role.technician:
        technician = who.technician
    mine = technician_day(floor, workshop_id, technician, date, now)
    workshop, local = mine.workshop.in_language(i18n.translator(request).locale), mine.local_now
    if mine.day is None or technician is None:  # not one of the workshop's: the page asks who
        return page(request, "me.html", N_("My jobs"), workshop=workshop, date=mine.date, technician=None,
                    technicians=workshop.technicians, jobs=[], now=local.isoformat())  # fmt: skip
    jobs = my_jobs(mine, i18n.translator(request))
    names = {t.id: t.name for t in workshop.technicians}
    return page(request, "me.html", N_("My jobs"), workshop=workshop, date=mine.date, technician=technician,
                person=names[technician], technicians=workshop.technicians, jobs=jobs,
                now=local.isoformat())  # fmt: skip


@router.get("/workshops/{workshop_id}/book", response_class=HTMLResponse)
def book_page(
    request: Request,
    workshop_id: str,
    service: ServiceDep,
    clock: ClockDep,
    date: Day | None = None,
    now: NowQuery = None,
) -> Response:
    who = viewer(request, *PAGE_ROLES["book"], workshop=workshop_id)
    if isinstance(who, Response):
        return who
    workshop = service.workshop(workshop_id)
    day = date or (now or clock.now()).astimezone(workshop.tz).date() + dt.timedelta(days=1)
    # The desk's booking grid: the quarter hours between its times are refused for it alone, and
    # the page's "Why not other times?" sets them aside (app.js, refusalLines).
    grid = service.rules.slot_minutes
    # The services whose operations wait for ordered parts: the "Parts arrive" field is shown for
    # them, and turned into an aware time with the workshop zone's offsets (app.js, zonedIso).
    parts = [s.code for s in workshop.services if any(op.needs_parts for op in s.operations)]
    zone = {"zone": workshop.timezone, **zone_offsets(workshop.timezone, day.year)} if parts else None
    # The parts date a day inside the offsets either side (a wall time is looked up a day around).
    first, last = dt.date(day.year - ZONE_YEARS[0], 1, 2), dt.date(day.year + ZONE_YEARS[1] - 1, 12, 30)
    return page(request, "book.html", N_("Book a slot"), workshop=workshop, date=day, grid=grid,
                parts=parts, zone=zone, zone_first=first, zone_last=last)  # fmt: skip


ZONE_YEARS = (1, 3)
"""The years before and after the desk page's date that its zone offsets cover (`zone_offsets`):
a parts ETA is weeks away, and the page's date may be changed without reloading it."""


@lru_cache(maxsize=64)
def zone_offsets(timezone: str, year: int) -> dict[str, object]:
    """The UTC offsets of the IANA zone `timezone` from 1 January of `year` - 1 to 1 January of
    `year` + 3 (UTC), as the server's zoneinfo has them (the tz database the scheduler reads every
    local time with): `offsets`, each [from, minutes]: from that UTC instant (ms since the epoch)
    the offset is that many minutes, until the next; `until`: the end of what is known (ms). The
    desk page turns a wall-clock date and time into an aware time with the offset in force then
    (app.js, zonedIso): DST-correct for any date in the range, whatever the browser's own zone and
    time-zone data. Transitions found day by day, then to the minute by halving."""
    zone = ZoneInfo(timezone)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    start = dt.datetime(year - ZONE_YEARS[0], 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + ZONE_YEARS[1], 1, 1, tzinfo=dt.UTC)

    def minute(m: int) -> dt.datetime:
        return epoch + dt.timedelta(minutes=m)

    def offset(m: int) -> int:
        return int((minute(m).astimezone(zone).utcoffset() or dt.timedelta()).total_seconds() // 60)

    first, last = (int((t - epoch).total_seconds() // 60) for t in (start, end))
    offsets = [[first * 60_000, offset(first)]]
    step = 6 * 60  # a quarter day: no zone changes its offset twice in one
    before = offsets[0][1]
    for at in range(first, last, step):
        lo, hi = at, min(at + step, last)
        after = offset(hi)
        if after == before:
            continue
        while hi - lo > 1:  # the old offset at lo, the new one at hi
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if offset(mid) == before else (lo, mid)
        offsets.append([hi * 60_000, after])
        before = after
    return {"offsets": offsets, "until": last * 60_000}


@router.get("/simulations/{job_id}", response_class=HTMLResponse)
def simulation_page(
    request: Request,
    job_id: str,
    runner: RunnerDep,
    service: ServiceDep,
    clock: ClockDep,
    now: NowQuery = None,
) -> Response:
    """A simulation job: its report once done (verdict, figures, charts) in the site's frame, with
    links back to the workshops and, when this server holds the scenario's workshop, to its pages."""
    who = viewer(request, Role.manager)
    if isinstance(who, Response):
        return who
    job = runner.get(job_id)
    if job is None or job.kind != "simulation":
        raise NotFound(N_("simulation %(job_id)r") % {"job_id": job_id})
    if job.workshop is not None:  # the scenario's workshop: within the key's scope
        who = viewer(request, Role.manager, workshop=job.workshop)
        if isinstance(who, Response):
            return who
    try:
        workshop = service.workshop(job.workshop) if job.workshop is not None else None
    except NotFound:  # a scenario's workshop this server does not hold: no links to its pages
        workshop = None
    today = (now or clock.now()).astimezone(workshop.tz).date() if workshop else None
    if job.status == "done":
        from simulation.report import report
        from simulation.results import ExperimentResult

        result = ExperimentResult.model_validate_json(job.result or "{}")
        locale = i18n.choose(request)
        parts = report(result, locale, workshop.names_in(locale) if workshop is not None else NO_NAMES)
        return page(request, "report.html", parts.title, job=job, workshop=workshop, today=today,
                    style=parts.style, body=parts.body)  # fmt: skip
    # (its error read in the page's language: a marked template's text, else as the job gave it)
    error = i18n.translator(request).phrase(job.error) if job.error else None
    return page(request, "job.html", N_("Simulation"), job=job, workshop=workshop, today=today, error=error)


LOADING_PAGE_DAYS = 14


def _load_level(share: float) -> str:
    """The bar's colour class by the share no longer sellable (`PoolLoad.taken_share`: booked, held
    back, and today's past, over available)."""
    return "full" if share >= 0.95 else "busy" if share >= 0.7 else "open"


def pool_words(pool: PoolLoad, t: Translator) -> str:
    """A loading chart pool as a person reads it, in `t`'s language: "alignment, grade 3+"
    ("3 级及以上四轮定位"), "express lanes"; the skill as the catalog names it (a workshop's own skill
    as written). The API keeps `skill:grade`."""
    if pool.skill is None or pool.min_grade is None:
        return t.gettext(N_("express lanes"))
    return t.gettext(N_("%(skill)s, grade %(grade)d+"), skill=t.skill_label(pool.skill), grade=pool.min_grade)


def free_words(pool: PoolLoad, t: Translator) -> str:
    """A pool's free time the desk can still sell as of the page's moment (`free_from_now`: today
    only what is left after it, none after closing), always in hours, so that a column of them reads
    at a glance ("69.6 h free", not "4,176 min free": review-s42 item 3; and never "119 min" above
    "3.9 h", where 119 looks the more: review-s43 #14); the JSON keeps minutes."""
    minutes = pool.free if pool.free_from_now is None else pool.free_from_now
    return t.gettext(N_("%(hours)s h free"), hours=t.number(minutes / 60, 1))


@router.get("/workshops/{workshop_id}/loading", response_class=HTMLResponse)
def loading_page(
    request: Request, workshop_id: str, service: ServiceDep, clock: ClockDep, now: NowQuery = None
) -> Response:
    """The service advisors' loading chart: the next 14 days from today, a bar per pool."""
    who = viewer(request, *PAGE_ROLES["loading"], workshop=workshop_id)
    if isinstance(who, Response):
        return who
    workshop = service.workshop(workshop_id)
    today = (now or clock.now()).astimezone(workshop.tz).date()
    moment = now or clock.now()
    _, days = service.loading(workshop_id, today, today + dt.timedelta(days=LOADING_PAGE_DAYS - 1), moment)
    t = i18n.named(i18n.translator(request), workshop)
    return page(request, "loading.html", N_("Loading chart"), workshop=workshop, days=days, today=today,
                level=_load_level, pool_name=lambda pool: pool_words(pool, t),
                free_words=lambda pool: free_words(pool, t),
                since=moment.astimezone(workshop.tz).strftime("%H:%M"))  # fmt: skip


@router.get("/workshops/{workshop_id}/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    workshop_id: str,
    service: ServiceDep,
    first: Annotated[str | None, Query(alias="from")] = None,
    last: Annotated[str | None, Query(alias="to")] = None,
    now: NowQuery = None,
) -> Response:
    """Reports from the clock: each technician's efficiency, productivity and on-time share over
    the range as bar charts, the figures per technician and grade, and the learned labour times
    beside the current ones (a manager applies them in one action). Default: the 28 days up to
    yesterday."""
    who = viewer(request, *PAGE_ROLES["reports"], workshop=workshop_id)
    if isinstance(who, Response):
        return who
    found = actuals.reports_page(service, workshop_id, first, last, now)
    t = i18n.translator(request)
    workshop, report = found.workshop.in_language(t.locale), found.report
    error = None
    if found.problem is not None:  # the range asked for, in words: the default range is shown
        exc = found.problem
        if isinstance(exc, InputError):
            # the field as the page labels it ("截止", not "to"), as a 409's problem and reason join
            label = {"from": t.gettext("From"), "to": t.gettext("To")}.get(exc.field, exc.field)
            reason = t.gettext("%(problem)s: %(reason)s", problem=label, reason=t.phrase(exc.reason))
        elif isinstance(exc, OverflowError):
            reason = t.gettext(N_("the range goes outside the calendar"))
        else:
            reason = str(exc)
        error = t.gettext("That range cannot be shown (%(reason)s): the last 28 days instead.", reason=reason)
    techs = [r for r in report.rows if r.level == "technician"]
    names = {x.id: x.name for x in workshop.technicians}

    def items(field: str) -> list[tuple[str, float | None]]:
        return [(names.get(r.technician or "", r.technician or ""), getattr(r, field)) for r in techs]

    full = t.gettext("100 %")
    titles = {
        "efficiency": t.gettext("Efficiency (standard / clocked minutes)"),
        "productivity": t.gettext("Productivity (clocked / attendance minutes)"),
        "on_time_share": t.gettext("On time (bookings finished by their promise)"),
    }
    charts = [(title, bars(title, items(field), t.percent, 1.0, full)) for field, title in titles.items()]
    may_apply = who is None or who.role in (Role.manager, Role.admin)
    # the learned labour times' operations as the workshop names them in the page's language
    operation_names = {(s.code, k): op.name for s in workshop.services for k, op in enumerate(s.operations)}
    return page(request, "reports.html", N_("Reports"), workshop=workshop, report=report, charts=charts,
                first=found.first, last=found.last, today=found.today, times=found.times, names=names,
                operation_names=operation_names,
                error=error, may_apply=may_apply)  # fmt: skip
